"""The general forward pass against its reference loop, the chain scans against the
general pass, and the semiring helpers they share."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rational import Log, MaxPlus, MaxTimes, Real, Tropical
from rational.algorithms.shortest_distance import matrix_star
from rational.errors import DivergenceError
from rational.nn import Template, compile
from rational.nn.general import forward_general, forward_reference
from rational.nn.semiring_ops import closure, semiring_plus, semiring_sum, vecmat

WORKING = [Real, Log, MaxPlus, Tropical]
USER = [Real, Log, MaxPlus, Tropical, MaxTimes]
F64 = torch.float64


def random_values(ring, shape, generator, dtype=F64):
    """Weights of ``ring`` whose cycles converge: magnitudes below 1/4 (Real, Log),
    non-positive (MaxPlus) or non-negative (Tropical) scores."""
    u = torch.rand(shape, generator=generator, dtype=dtype)
    if ring is Real:
        return (u - 0.5) / 2
    if ring is Log:
        return torch.log(u / 4 + 1e-3)
    if ring is MaxPlus:
        return -3 * u
    return 3 * u


@st.composite
def topologies(draw, max_states=4):
    n = draw(st.integers(1, max_states))
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    arcs = draw(st.lists(pair, max_size=3 * n))
    epsilons = draw(st.lists(pair, max_size=n))
    initial = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n))
    final = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n))
    return Template(n, arcs, epsilons=epsilons, initial=initial, final=final)


# -- semiring helpers --------------------------------------------------------------------------


@settings(max_examples=40)
@given(ring=st.sampled_from(WORKING), n=st.integers(1, 5), density=st.floats(0.0, 1.0), seed=st.integers(0, 10**6))
def test_closure_matches_matrix_star(ring, n, density, seed):
    generator = torch.Generator().manual_seed(seed)
    values = random_values(ring, (n, n), generator)
    present = torch.rand((n, n), generator=generator) < density
    matrix = values.masked_fill(~present, ring.zero)
    expected = matrix_star(ring, matrix.numpy())
    got = closure(ring, matrix[None])[0].numpy()
    assert np.all(ring.isclose(got, expected, 1e-10))


@pytest.mark.parametrize("ring", WORKING)
def test_closure_reports_divergence(ring):
    cycle = {Real: 1.2, Log: 0.1, MaxPlus: 0.5, Tropical: -0.5}[ring]
    matrix = torch.full((1, 2, 2), ring.zero, dtype=F64)
    matrix[0, 0, 1] = ring.one
    matrix[0, 1, 0] = cycle
    with pytest.raises(DivergenceError, match=ring.name):
        closure(ring, matrix)


def test_closure_of_signed_real_weights_needs_absolute_convergence():
    matrix = torch.tensor([[[0.0, 1.0], [-1.5, 0.0]]], dtype=F64)  # cycle weight -1.5
    with pytest.raises(DivergenceError):
        closure(Real, matrix)


@pytest.mark.parametrize("ring", WORKING)
def test_sums_of_zeros_have_zero_gradients(ring):
    x = torch.full((2, 3), ring.zero, dtype=F64, requires_grad=True)
    y = torch.full((2, 3), ring.zero, dtype=F64, requires_grad=True)
    total = semiring_sum(ring, x, -1).sum() if ring is Real else semiring_sum(ring, x, -1)
    plus = semiring_plus(ring, x, y)
    torch.autograd.backward([total.masked_fill(total == ring.zero, 0.0).sum(),
                             plus.masked_fill(plus == ring.zero, 0.0).sum()])
    assert torch.equal(x.grad, torch.zeros_like(x)) and torch.equal(y.grad, torch.zeros_like(y))


@pytest.mark.parametrize("ring", WORKING)
def test_vecmat_matches_the_semiring_matmul(ring):
    generator = torch.Generator().manual_seed(0)
    v, m = random_values(ring, (3, 4), generator), random_values(ring, (3, 4, 5), generator)
    expected = ring.matmul(v[:, None, :], m)[:, 0]
    assert torch.allclose(vecmat(ring, v, m), expected, rtol=1e-12)


# -- fast general pass against the reference -----------------------------------------------------


@settings(max_examples=60)
@given(ring=st.sampled_from(WORKING), template=topologies(), restart=st.booleans(), seed=st.integers(0, 10**6),
       copies=st.integers(1, 3), time=st.integers(0, 7))
def test_general_matches_reference(ring, template, restart, seed, copies, time):
    generator = torch.Generator().manual_seed(seed)
    weights = random_values(ring, (2, time, copies, template.num_arcs), generator)
    n = template.num_states
    eps = torch.full((copies, n, n), ring.zero, dtype=F64)
    eps[:, template.epsilon_src, template.epsilon_dst] = random_values(ring, (copies, template.num_epsilons), generator)
    star = closure(ring, eps) if template.num_epsilons else None
    start = random_values(ring, (copies, n), generator)
    args = (template.src, template.dst, start, star, ring)
    fast = forward_general(weights, *args, restart=restart)
    slow = forward_reference(weights, *args, restart=restart)
    assert torch.allclose(fast, slow, rtol=1e-10, atol=1e-12)
    fast32 = forward_general(weights.float(), template.src, template.dst, start.float(),
                             None if star is None else star.float(), ring, restart=restart)
    assert torch.allclose(fast32.double(), slow, rtol=1e-5, atol=1e-6)


@settings(max_examples=25)
@given(ring=st.sampled_from(USER), template=topologies(), anchored=st.booleans(), seed=st.integers(0, 10**6))
def test_module_general_matches_reference_with_padding(ring, template, anchored, seed):
    torch.manual_seed(seed)
    module = compile(template, ring, input_size=4, copies=2, anchored=anchored, dtype=F64)
    ids = torch.randint(4, (3, 6))
    lengths = torch.tensor([6, 2, 0])
    with torch.no_grad():
        fast, slow = module(ids, lengths=lengths, method="general"), module(ids, lengths=lengths, method="reference")
        fast32 = module.float()(ids, lengths=lengths, method="general")
    for name in ("states", "ends", "document"):
        assert torch.allclose(getattr(fast, name), getattr(slow, name), rtol=1e-10, atol=1e-12), name
        single = getattr(fast32, name)
        expected = getattr(slow, name)
        assert torch.allclose(single.to(expected.dtype), expected, rtol=1e-5, atol=1e-6), name


@pytest.mark.parametrize(("ring", "anchored"), [(Log, True), (MaxPlus, False), (Real, False), (Tropical, True)])
def test_long_inputs_float32_against_float64_reference(ring, anchored):
    torch.manual_seed(0)
    template = Template(3, [(0, 1), (1, 1), (1, 2), (2, 0), (2, 2)], epsilons=[(0, 2)], final=[1, 2])
    module = compile(template, ring, parameterization="projected", input_size=4, anchored=anchored, dtype=F64)
    x = torch.randn(2, 2000, 4, dtype=F64)
    lengths = torch.tensor([2000, 1234])
    with torch.no_grad():
        slow = module(x, lengths=lengths, method="reference")
        fast32 = module.float()(x.float(), lengths=lengths, method="general")
    assert torch.isfinite(slow.document).all()
    assert torch.allclose(fast32.document.double(), slow.document, rtol=1e-5, atol=1e-6)
    assert torch.allclose(fast32.ends.double(), slow.ends, rtol=1e-5, atol=1e-6)


# -- chain scans against the general pass ------------------------------------------------------


@settings(max_examples=40)
@given(
    ring=st.sampled_from(USER),
    length=st.integers(1, 4),
    loops=st.sampled_from(["interior", "none", "all", "first"]),
    epsilons=st.booleans(),
    anchored=st.booleans(),
    parameterization=st.sampled_from(["lexical", "projected"]),
    seed=st.integers(0, 10**6),
)
def test_chain_scans_match_the_general_pass(ring, length, loops, epsilons, anchored, parameterization, seed):
    self_loops = {"interior": True, "none": False, "all": range(0, length + 1), "first": [0]}[loops]
    torch.manual_seed(seed)
    template = Template.chain(length, self_loops=self_loops, epsilons=epsilons)
    module = compile(template, ring, parameterization=parameterization, input_size=5, copies=3,
                     anchored=anchored, dtype=F64)
    x = torch.randint(5, (3, 9)) if parameterization == "lexical" else torch.randn(3, 9, 5, dtype=F64)
    lengths = torch.tensor([9, 5, 1])
    chain, general = module(x, lengths=lengths), module(x, lengths=lengths, method="general")
    for name in ("states", "ends", "document"):
        assert torch.allclose(getattr(chain, name), getattr(general, name), rtol=1e-10, atol=1e-12), name
    if ring is not MaxTimes:  # compare gradients of the parameters too
        grads = []
        for method in ("chain", "general"):
            module.zero_grad()
            document = module(x, lengths=lengths, method=method).document
            document.masked_fill(~torch.isfinite(document), 0).sum().backward()
            grads.append([p.grad.clone() for p in module.parameters() if p.grad is not None])
        for a, b in zip(*grads):
            assert torch.allclose(a, b, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("ring", [Real, Log])
def test_gradcheck_through_the_chain_scans(ring):
    torch.manual_seed(0)
    module = compile(Template.chain(3, epsilons=True), ring, parameterization="projected", input_size=3,
                     copies=2, dtype=F64)
    x = torch.randn(2, 6, 3, dtype=F64, requires_grad=True)
    lengths = torch.tensor([6, 4])

    def states(inputs):
        out = module(inputs, lengths=lengths).states
        return out.masked_fill(~torch.isfinite(out), 0.0)  # padding and unreachable states (Log zero)

    assert torch.autograd.gradcheck(states, (x,))
