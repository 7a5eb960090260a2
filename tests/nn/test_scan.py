"""The chain scans against their loop references, brute force and gradcheck."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from rational.errors import ShapeError, UnsupportedSemiringError
from rational.nn.general import forward_reference
from rational.nn.scan import chain_forward, linear_scan, linear_scan_reference
from rational.semirings import Log, MaxPlus, MaxTimes, Real, Tropical

RINGS = (Real, Log, MaxPlus, Tropical)
INF = float("inf")


def close(fast, exact, tolerance):
    """|fast - exact| <= tolerance · (1 + |exact|), equal infinities equal."""
    fast, exact = fast.double(), exact.double()
    same_infinity = (fast == exact) & ~torch.isfinite(exact)
    error = (fast - exact).abs() / (1 + exact.abs())
    ok = same_infinity | (error <= tolerance)
    assert bool(ok.all()), f"largest relative error {error[~ok].max().item():.3g} > {tolerance}"


def gates_for(ring, pre, zero_fraction=0.0, generator=None):
    """Gates of ``ring`` from pre-activations: σ / log σ / -log σ, some set to the zero."""
    if ring is Real:
        gates = torch.sigmoid(pre)
    elif ring is Tropical:
        gates = -F.logsigmoid(pre)
    else:
        gates = F.logsigmoid(pre)
    if zero_fraction:
        drop = torch.rand(pre.shape, generator=generator, dtype=torch.float64) < zero_fraction
        gates = gates.masked_fill(drop, ring.zero)
    return gates


def values_for(ring, x):
    """Inputs ``b`` of ``ring``: any sign in Real, log-scores / costs otherwise."""
    return -x.abs() if ring is Tropical else x


def weight(ring, x):
    """A weight of ``ring`` from a number in (0, 1]."""
    if ring is Real:
        return x
    return -torch.log(x) if ring is Tropical else torch.log(x)


# -- linear_scan --------------------------------------------------------------------------


@settings(max_examples=60)
@given(
    ring=st.sampled_from(RINGS),
    steps=st.integers(1, 300),
    chunk=st.sampled_from([None, 1, 3, 16, 64]),
    with_initial=st.booleans(),
    zero_fraction=st.sampled_from([0.0, 0.0, 0.1]),
    scale=st.sampled_from([0.5, 2.0, 8.0]),
    seed=st.integers(0, 2**31 - 1),
)
def test_linear_scan_equals_reference(ring, steps, chunk, with_initial, zero_fraction, scale, seed):
    generator = torch.Generator().manual_seed(seed)
    pre = torch.randn(2, steps, 3, generator=generator, dtype=torch.float64) * scale
    a = gates_for(ring, pre, zero_fraction, generator)
    b = values_for(ring, torch.randn(2, steps, 3, generator=generator, dtype=torch.float64))
    initial = values_for(ring, torch.randn(2, 3, generator=generator, dtype=torch.float64)) if with_initial else None
    exact = linear_scan_reference(a, b, ring, initial)
    close(linear_scan(a, b, ring, initial, chunk=chunk), exact, 1e-10)
    if scale <= 2 and (chunk is None or chunk <= 32):
        # float32 error grows as eps · |a_1 + ... + a_K| over a chunk of K steps
        # (docs/compiling.md): checked for gates of realistic size and chunk length
        initial32 = None if initial is None else initial.float()
        close(linear_scan(a.float(), b.float(), ring, initial32, chunk=chunk), exact, 1e-5)


@pytest.mark.parametrize("ring", RINGS)
def test_linear_scan_long_input_float32(ring):
    generator = torch.Generator().manual_seed(7)
    a = gates_for(ring, torch.randn(3, 2000, 4, generator=generator, dtype=torch.float64) * 2)
    b = values_for(ring, torch.randn(3, 2000, 4, generator=generator, dtype=torch.float64))
    exact = linear_scan_reference(a, b, ring)
    close(linear_scan(a, b, ring), exact, 1e-10)
    close(linear_scan(a.float(), b.float(), ring), exact, 1e-5)


def test_real_gates_of_any_sign_and_zero():
    generator = torch.Generator().manual_seed(3)
    a = torch.randn(2, 150, 3, generator=generator, dtype=torch.float64) * 1.5
    a[:, 40] = 0.0
    b = torch.randn(2, 150, 3, generator=generator, dtype=torch.float64)
    close(linear_scan(a, b, Real, chunk=32), linear_scan_reference(a, b, Real), 1e-10)


def test_real_gates_too_small_for_the_chunk_fall_back_exactly():
    # products of 1e-3 over 32 steps leave float32's range: the exact loop takes over
    a = torch.full((1, 100, 2), 1e-3)
    b = torch.ones(1, 100, 2)
    exact = linear_scan_reference(a.double(), b.double(), Real)
    close(linear_scan(a, b, Real, chunk=32), exact, 1e-6)


def test_broadcast_gates_other_axis_and_leading_shape():
    generator = torch.Generator().manual_seed(5)
    a = torch.sigmoid(torch.randn(7, 1, generator=generator, dtype=torch.float64))  # one gate per step
    b = torch.randn(2, 3, 7, 4, generator=generator, dtype=torch.float64)
    initial = torch.randn(4, generator=generator, dtype=torch.float64)
    fast = linear_scan(a, b, Real, initial, dim=2, chunk=3)
    assert fast.shape == b.shape
    close(fast, linear_scan_reference(a, b, Real, initial, dim=2), 1e-10)
    close(linear_scan(a, b, Real, initial, dim=-2, chunk=3), fast, 1e-12)


@pytest.mark.parametrize("ring", [Real, Log])
@pytest.mark.parametrize("chunk", [2, 64])
def test_linear_scan_gradcheck(ring, chunk):
    generator = torch.Generator().manual_seed(11)
    a = gates_for(ring, torch.randn(2, 9, 2, generator=generator, dtype=torch.float64)).requires_grad_()
    b = torch.randn(2, 9, 2, generator=generator, dtype=torch.float64).requires_grad_()
    initial = torch.randn(2, 2, generator=generator, dtype=torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda x, y, z: linear_scan(x, y, ring, z, chunk=chunk), (a, b, initial))


def test_real_gradcheck_on_the_exact_fallback():
    a = torch.tensor([[0.5, 0.0, -0.7, 1.3, 0.2]], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([[1.0, -2.0, 0.5, 0.25, 3.0]], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, y: linear_scan(x, y, Real, chunk=2), (a, b))


@pytest.mark.parametrize("ring", [MaxPlus, Tropical])
@pytest.mark.parametrize("chunk", [1, 3, 64])
def test_max_scan_gradient_follows_the_best_path(ring, chunk):
    """c_T = best over s of b_s ⊗ a_{s+1} ⊗ ... ⊗ a_T (b_0 = initial): its gradient
    is 1 on b at the best s and on every gate after it."""
    generator = torch.Generator().manual_seed(13)
    steps = 11
    for _ in range(20):
        a = values_for(ring, torch.randn(steps, generator=generator, dtype=torch.float64)).requires_grad_()
        b = values_for(ring, torch.randn(steps, generator=generator, dtype=torch.float64) * 2).requires_grad_()
        initial = values_for(ring, torch.randn((), generator=generator, dtype=torch.float64)).requires_grad_()
        linear_scan(a[None], b[None], ring, initial[None], chunk=chunk)[0, -1].backward()
        with torch.no_grad():
            sources = torch.cat([initial[None], b])
            after = torch.cat([a.flip(0).cumsum(0).flip(0), a.new_zeros(1)])  # ⊗ of the gates after s
            totals = sources + torch.cat([after[:1], after[1:]])
            best = int(totals.argmax() if ring is MaxPlus else totals.argmin())
        expected_b = torch.zeros(steps, dtype=torch.float64)
        expected_a = torch.zeros(steps, dtype=torch.float64)
        if best > 0:
            expected_b[best - 1] = 1.0
        expected_a[best:] = 1.0
        assert torch.equal(b.grad, expected_b)
        assert torch.equal(a.grad, expected_a)
        assert initial.grad.item() == (1.0 if best == 0 else 0.0)


def test_linear_scan_bad_input():
    a = torch.rand(2, 5)
    with pytest.raises(UnsupportedSemiringError, match="MaxTimes"):
        linear_scan(a, a, MaxTimes)
    with pytest.raises(ShapeError, match="dtype"):
        linear_scan(a, a.double(), Real)
    with pytest.raises(ShapeError, match="do not broadcast"):
        linear_scan(torch.rand(2, 5), torch.rand(3, 5), Real)
    with pytest.raises(ShapeError, match="floating-point"):
        linear_scan(torch.ones(2, 5, dtype=torch.int64), torch.ones(2, 5, dtype=torch.int64), Real)
    with pytest.raises(ShapeError, match="dim=4"):
        linear_scan(a, a, Real, dim=4)
    with pytest.raises(ShapeError, match="initial"):
        linear_scan(a, a, Real, torch.rand(3))
    with pytest.raises(ShapeError, match="torch tensor"):
        linear_scan([[0.5]], a, Real)
    with pytest.raises(ValueError, match="chunk"):
        linear_scan(a, a, Real, chunk=0)
    assert linear_scan(torch.rand(2, 0), torch.rand(2, 0), Real).shape == (2, 0)


# -- chain_forward ------------------------------------------------------------------------


def random_chain(ring, batch, steps, copies, length, loop_states, epsilons, seed, dtype=torch.float64, lead=()):
    generator = torch.Generator().manual_seed(seed)
    shape = (*lead, batch, steps, copies)
    main = gates_for(ring, torch.randn(*shape, length, generator=generator, dtype=torch.float64) * 1.5)
    loops = None
    if loop_states is not None:
        loops = gates_for(ring, torch.randn(*shape, length + 1, generator=generator, dtype=torch.float64) * 1.5)
        has_loop = torch.zeros(length + 1, dtype=torch.bool)
        has_loop[list(loop_states)] = True
        loops = loops.masked_fill(~has_loop, ring.zero)
    eps = None
    if epsilons:
        eps = weight(ring, torch.rand(copies, length, generator=generator, dtype=torch.float64) * 0.6 + 0.1)
        eps[0, 0] = ring.zero  # one missing epsilon arc
    start = weight(ring, torch.rand(copies, generator=generator, dtype=torch.float64) + 0.5)
    return tuple(None if x is None else x.to(dtype) for x in (main, loops, eps, start))


CHAIN_CASES = list(
    itertools.product(
        RINGS,
        [None, (), (1, 2), (0, 1, 2, 3)],  # no loops tensor, all zero, SoPa's interior, every state
        [False, True],  # epsilons
        [True, False],  # restart
    )
)


@pytest.mark.parametrize("ring,loop_states,epsilons,restart", CHAIN_CASES)
def test_chain_forward_equals_reference(ring, loop_states, epsilons, restart):
    for steps, seed in ((1, 0), (7, 1), (150, 2)):
        main, loops, eps, start = random_chain(ring, 2, steps, 3, 3, loop_states, epsilons, seed)
        exact = chain_forward(main, loops, eps, start, ring, restart=restart, method="reference")
        close(chain_forward(main, loops, eps, start, ring, restart=restart, chunk=16), exact, 1e-10)
        fast32 = chain_forward(
            main.float(),
            None if loops is None else loops.float(),
            None if eps is None else eps.float(),
            start.float(),
            ring,
            restart=restart,
        )
        close(fast32, exact, 1e-5)


@pytest.mark.parametrize("ring", RINGS)
def test_chain_forward_long_input_float32(ring):
    main, loops, eps, start = random_chain(ring, 2, 2000, 4, 4, (1, 2, 3), False, 21)
    exact = chain_forward(main, loops, eps, start, ring, restart=True, method="reference")
    close(chain_forward(main, loops, eps, start, ring, restart=True), exact, 1e-10)
    fast32 = chain_forward(main.float(), loops.float(), None, start.float(), ring, restart=True)
    close(fast32, exact, 1e-5)


@pytest.mark.parametrize("ring", RINGS)
@pytest.mark.parametrize("restart", [True, False])
def test_chain_reference_agrees_with_the_general_reference(ring, restart):
    """The chain's semantics are those of any topology: compare with the dense
    per-step matrices of rational.nn.general.forward_reference."""
    length, copies = 3, 2
    loop_states = (1, 3)
    main, loops, eps, start = random_chain(ring, 2, 5, copies, length, loop_states, True, 4)
    src = list(range(length)) + list(loop_states)
    dst = list(range(1, length + 1)) + list(loop_states)
    arc_weights = torch.cat([main, loops[..., list(loop_states)]], -1)
    closure = torch.full((copies, length + 1, length + 1), ring.zero, dtype=torch.float64)
    for i in range(length + 1):
        closure[:, i, i] = ring.one
        for j in range(i + 1, length + 1):  # the path i -> ... -> j of epsilon arcs
            closure[:, i, j] = eps[:, i:j].prod(-1) if ring is Real else eps[:, i:j].sum(-1)
    first = torch.full((copies, length + 1), ring.zero, dtype=torch.float64)
    first[:, 0] = start
    r = torch.stack([ring.matmul(first[c : c + 1], closure[c])[0] for c in range(copies)])
    general = forward_reference(arc_weights, src, dst, r, closure, ring, restart=restart)
    close(chain_forward(main, loops, eps, start, ring, restart=restart, method="reference"), general, 1e-12)


def test_chain_forward_leading_shape_and_arc_major_views():
    ring = MaxPlus
    main, loops, eps, start = random_chain(ring, 2, 40, 3, 2, (1, 2), True, 8, lead=(2,))
    exact = chain_forward(main, loops, eps, start, ring, restart=True, method="reference")
    assert exact.shape == (2, 2, 40, 3, 3)
    # the same values stored arc-major (as an arc-major projection gives them)
    main_view = main.transpose(-1, -2).contiguous().transpose(-1, -2)
    loops_view = loops.transpose(-1, -2).contiguous().transpose(-1, -2)
    close(chain_forward(main_view, loops_view, eps, start, ring, restart=True, chunk=8), exact, 1e-10)


@pytest.mark.parametrize("ring", [Real, Log])
@pytest.mark.parametrize("restart", [True, False])
def test_chain_forward_gradcheck(ring, restart):
    main, loops, eps, start = random_chain(ring, 1, 6, 2, 2, (1, 2), True, 17)
    inputs = tuple(x.requires_grad_() for x in (main, loops, eps, start))

    def fast(m, lo, e, s):
        beta = chain_forward(m, lo, e, s, ring, restart=restart, chunk=4)
        return beta.masked_fill(~torch.isfinite(beta), 0.0)  # Log: unreachable states are -inf

    assert torch.autograd.gradcheck(fast, inputs)


def test_real_zero_loops_keep_their_gradient():
    """A Real self-loop of weight 0 still has a gradient (α_{t-1}); the fast path
    must not drop it."""
    main, loops, eps, start = random_chain(Real, 2, 9, 2, 3, (1,), False, 19)
    grads = []
    for method in ("reference", "fast"):
        m, lo = main.clone().requires_grad_(), loops.clone().requires_grad_()
        chain_forward(m, lo, None, start, Real, restart=True, method=method).sum().backward()
        grads.append((m.grad, lo.grad))
    close(grads[1][0], grads[0][0], 1e-10)
    close(grads[1][1], grads[0][1], 1e-10)
    assert bool((grads[0][1][..., 0] != 0).any())  # state 0 has no loop, yet a gradient


def best_chain_path(main, loops, start, ring, restart):
    """Brute force over every path of a one-copy chain (no epsilons) for a single
    input: the best document score and the arcs it uses, as gradient indicators."""
    steps, length = main.shape[0], main.shape[1]
    better = max if ring is MaxPlus else min
    candidates = []
    first_steps = range(steps) if restart else [0]
    for begin in first_steps:  # the path reads tokens begin..end
        ends = range(begin, steps) if restart else [steps - 1]
        for end in ends:
            span = end - begin + 1
            for moves in itertools.product((0, 1), repeat=span):  # 1: main arc, 0: self-loop
                if sum(moves) != length:
                    continue
                state, score, used_main, used_loop = 0, float(start), [], []
                for offset, move in enumerate(moves):
                    t = begin + offset
                    if move:
                        score += float(main[t, state])
                        used_main.append((t, state))
                        state += 1
                    else:
                        score += float(loops[t, state])
                        used_loop.append((t, state))
                if abs(score) < INF:
                    candidates.append((score, used_main, used_loop))
    score, used_main, used_loop = better(candidates, key=lambda item: item[0])
    grad_main, grad_loop = torch.zeros_like(main), torch.zeros_like(loops)
    for t, j in used_main:
        grad_main[t, j] += 1
    for t, j in used_loop:
        grad_loop[t, j] += 1
    return score, grad_main, grad_loop


@pytest.mark.parametrize("ring", [MaxPlus, Tropical])
@pytest.mark.parametrize("restart", [True, False])
@pytest.mark.parametrize("method", ["fast", "reference"])
def test_max_chain_gradient_is_the_best_path(ring, restart, method):
    for seed in range(6):
        main, loops, _, start = random_chain(ring, 1, 7, 1, 2, (1, 2), False, 100 + seed)
        main, loops = main[0, :, 0], loops[0, :, 0]
        score, grad_main, grad_loop = best_chain_path(main, loops, start[0], ring, restart)
        m, lo = main.clone().requires_grad_(), loops.clone().requires_grad_()
        beta = chain_forward(
            m[None, :, None], lo[None, :, None], None, start, ring, restart=restart, method=method, chunk=3
        )
        ends = beta[0, :, 0, -1]
        document = (ends.max() if ring is MaxPlus else ends.min()) if restart else ends[-1]
        document.backward()
        assert document.item() == pytest.approx(score, abs=1e-12)
        assert torch.equal(m.grad, grad_main)
        assert torch.equal(lo.grad.masked_fill(~torch.isfinite(loops), 0.0), grad_loop)


def test_chain_forward_bad_input():
    main, loops, eps, start = random_chain(Real, 2, 5, 3, 2, (1,), True, 0)
    with pytest.raises(ShapeError, match="loops must be"):
        chain_forward(main, loops[..., :2], eps, start, Real, restart=True)
    with pytest.raises(ShapeError, match="epsilons must be"):
        chain_forward(main, loops, eps[:, :1], start, Real, restart=True)
    with pytest.raises(ShapeError, match="start must be"):
        chain_forward(main, loops, eps, start[:2], Real, restart=True)
    with pytest.raises(ShapeError, match="dtype"):
        chain_forward(main, loops.float(), eps, start, Real, restart=True)
    with pytest.raises(ShapeError, match="main must be"):
        chain_forward(main[0, 0], None, None, start, Real, restart=True)
    with pytest.raises(ValueError, match="method"):
        chain_forward(main, loops, eps, start, Real, restart=True, method="quick")
    with pytest.raises(TypeError, match="restart"):
        chain_forward(main, loops, eps, start, Real, restart=1)
    with pytest.raises(UnsupportedSemiringError):
        chain_forward(main, loops, eps, start, MaxTimes, restart=True)
    empty = chain_forward(main[:, :0], loops[:, :0], eps, start, Real, restart=True)
    assert empty.shape == (2, 0, 3, 3)
