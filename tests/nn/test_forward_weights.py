"""forward_weights (precomputed arc weights), carried initial states, chains with several
final states, and exports from a per-word weight table or of the spans ending last."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rational import Log, MaxPlus, MaxTimes, Real, Tropical
from rational.errors import ShapeError
from rational.nn import Template, compile
from rational.nn.scan import chain_forward

F64 = torch.float64
RINGS = [Real, Log, MaxPlus, MaxTimes, Tropical]


def template_of(kind: str, length: int) -> Template:
    if kind == "chain":
        return Template.chain(length, self_loops=True, epsilons=True)
    if kind == "rnn":
        return Template.chain(length, self_loops=range(1, length + 1), final=range(1, length + 1))
    # a general topology: a back arc and an epsilon skip
    return Template(3, [(0, 1), (1, 2), (2, 1), (1, 1)], epsilons=[(0, 2)], initial=0, final=[1, 2])


def projected(ring, kind="chain", length=2, anchored=False, copies=2, seed=0):
    torch.manual_seed(seed)
    return compile(template_of(kind, length), ring, parameterization="projected", input_size=3, copies=copies,
                   anchored=anchored, dtype=F64)


def close(a: torch.Tensor, b: torch.Tensor) -> bool:
    finite = torch.isfinite(a) | torch.isfinite(b)
    return torch.equal(a[~finite], b[~finite]) and torch.allclose(a[finite], b[finite], rtol=1e-9, atol=1e-11)


@settings(max_examples=30)
@given(ring=st.sampled_from(RINGS), kind=st.sampled_from(["chain", "rnn", "general"]), anchored=st.booleans(),
       seed=st.integers(0, 10**6))
def test_forward_weights_of_arc_weights_is_forward(ring, kind, anchored, seed):
    module = projected(ring, kind, anchored=anchored, seed=seed)
    x = torch.randn(3, 5, 3, dtype=F64)
    lengths = torch.tensor([5, 2, 0])
    expected = module(x, lengths=lengths)
    with torch.no_grad():
        weights = module.arc_weights(x)
    got = module.forward_weights(weights, lengths=lengths)
    for name in ("states", "ends", "document"):
        assert close(getattr(got, name), getattr(expected, name)), name


@settings(max_examples=30)
@given(ring=st.sampled_from(RINGS), kind=st.sampled_from(["chain", "rnn", "general"]), anchored=st.booleans(),
       cut=st.integers(0, 6), seed=st.integers(0, 10**6))
def test_initial_states_continue_a_stream(ring, kind, anchored, cut, seed):
    """Reading a text in two chunks, the second from the first's last forward vector,
    gives the states and ends of reading it whole, on every forward path."""
    module = projected(ring, kind, length=3, anchored=anchored, seed=seed)
    with torch.no_grad():
        weights = module.arc_weights(torch.randn(2, 6, 3, dtype=F64))
    whole = module.forward_weights(weights)
    for method in ("auto", "general", "reference"):
        first = module.forward_weights(weights[:, :cut], method=method)
        carried = None
        if cut:  # the carried state is a working-semiring value: MaxTimes runs in log space
            carried = first.states[:, -1] if ring is not MaxTimes else first.states[:, -1].log()
        second = module.forward_weights(weights[:, cut:], method=method, initial_states=carried)
        assert close(torch.cat([first.states, second.states], 1), whole.states), method
        assert close(torch.cat([first.ends, second.ends], 1), whole.ends), method


def test_chain_forward_initial_fast_matches_reference_with_gradients():
    torch.manual_seed(0)
    for ring in (Real, Log, MaxPlus, Tropical):
        main = torch.randn(2, 7, 3, 2, dtype=F64).requires_grad_()
        loop_weights = torch.randn(2, 7, 3, 2, dtype=F64).requires_grad_()  # states 1 and 2; none on 0
        loops = torch.cat([torch.full((2, 7, 3, 1), float(ring.zero), dtype=F64), loop_weights], -1)
        epsilons = torch.randn(3, 2, dtype=F64) * 0.1 - (1.0 if ring is not Real else 0.0)
        initial = torch.randn(2, 3, 3, dtype=F64).requires_grad_()
        start = torch.full((3,), float(ring.one), dtype=F64)
        for restart in (True, False):
            outs = [chain_forward(main, loops, epsilons, start, ring, restart=restart, method=m, initial=initial)
                    for m in ("fast", "reference")]
            assert torch.allclose(outs[0], outs[1], atol=1e-10)
            grads = [torch.autograd.grad(out.sum(), (main, loop_weights, initial)) for out in outs]
            for a, b in zip(grads[0][:2], grads[1][:2]):
                assert torch.allclose(a, b, atol=1e-9)
            # the reference's max of two -inf on state 0 (it has no loop) splits a zero
            # gradient in halves; elsewhere the gradients of the initial states agree
            skip = 0 if ring is Real or ring is Log else 1
            assert torch.allclose(grads[0][2][..., skip:], grads[1][2][..., skip:], atol=1e-9)


def test_chain_forward_checks_initial():
    main = torch.zeros(1, 2, 1, 2)
    with pytest.raises(ShapeError, match=r"initial must be \(\.\.\., C, L \+ 1\) = \(1, 1, 3\)"):
        chain_forward(main, None, None, torch.zeros(1), MaxPlus, restart=True, initial=torch.zeros(1, 1, 2))


def test_padding_in_weights_is_ignored_and_rows_of_length_zero_keep_their_initial_state():
    module = projected(Real, "rnn", length=2)
    with torch.no_grad():
        weights = module.arc_weights(torch.randn(2, 4, 3, dtype=F64))
    lengths = torch.tensor([4, 0])
    clean = module.forward_weights(weights, lengths=lengths)
    dirty = weights.clone()
    dirty[1] = float("nan")
    assert close(module.forward_weights(dirty, lengths=lengths).states, clean.states)
    initial = torch.rand(2, 2, 3, dtype=F64)
    anchored = projected(Real, "rnn", length=2, anchored=True)
    out = anchored.forward_weights(weights, lengths=lengths, initial_states=initial)
    expected = (initial[1] * anchored.final_vector()).sum(-1)
    assert torch.allclose(out.document[1], expected)


def test_forward_weights_errors():
    module = projected(MaxPlus)
    good = torch.zeros(1, 2, 2, module.template.num_arcs, dtype=F64)
    with pytest.raises(ShapeError, match=r"weights must be a tensor \(batch, time, copies, arcs\) = \(B, T, 2, 3\)"):
        module.forward_weights(good[..., :2])
    with pytest.raises(ShapeError, match="weights are torch.float32"):
        module.forward_weights(good.float())
    bad = good.clone()
    bad[0, 1, 1, 2] = float("inf")
    with pytest.raises(ShapeError, match=r"weights\[0, 1, 1, 2\] = inf is not a MaxPlus value"):
        module.forward_weights(bad)
    with pytest.raises(ShapeError, match=r"initial_states must be \(batch, copies, states\) = \(1, 2, 3\)"):
        module.forward_weights(good, initial_states=torch.zeros(1, 2, 4, dtype=F64))
    with pytest.raises(ValueError, match="method must be one of"):
        module.forward_weights(good, method="fast")
    with pytest.raises(ShapeError, match="empty batch"):
        module.forward_weights(good[:0])


def test_forward_weights_gradients():
    module = projected(Real, "rnn", length=2, copies=1)

    def run(weights, initial):
        return module.forward_weights(weights, lengths=torch.tensor([4, 3]), initial_states=initial).ends

    weights = (torch.rand(2, 4, 1, module.template.num_arcs, dtype=F64) * 0.9).requires_grad_()
    initial = torch.rand(2, 1, 3, dtype=F64).requires_grad_()
    assert torch.autograd.gradcheck(run, (weights, initial))


def test_chain_with_several_final_states_sums_them():
    module = projected(Real, "rnn", length=3)
    x = torch.randn(2, 5, 3, dtype=F64)
    out = module(x)
    assert module.template.final_states == (1, 2, 3)
    assert torch.allclose(out.ends, out.states[..., 1:].sum(-1))
    general = module(x, method="general")
    assert torch.allclose(out.ends, general.ends) and torch.allclose(out.document, general.document)


@pytest.mark.parametrize("ring", RINGS)
def test_export_from_a_word_table_and_of_spans_ending_last(ring):
    """A model that combines projections into arc weights exports its automaton from
    the weights per word; span_end="last" scores a sentence as the ends at its last token."""
    module = projected(ring, "rnn", length=2, copies=2, seed=3)
    rng = np.random.default_rng(0)
    with torch.no_grad():
        table = module.arc_weights(torch.randn(1, 4, 3, dtype=F64))[0] * 0.5  # (V, copies, arcs), working values
    words = ["a", "b", "c", "d"]
    sentences = [list(rng.integers(0, 4, size=n)) for n in (1, 3, 5)]
    width = max(map(len, sentences))
    ids = torch.tensor([s + [0] * (width - len(s)) for s in sentences])
    lengths = torch.tensor([len(s) for s in sentences])
    out = module.forward_weights(table[ids], lengths=lengths)
    for copy in range(2):
        any_machine = module.to_wfsa(words, copy=copy, table=table)
        last_machine = module.to_wfsa(words, copy=copy, table=table, span_end="last")
        for row, sentence in enumerate(sentences):
            text = [words[i] for i in sentence]
            end = out.ends[row, len(sentence) - 1, copy].item()
            assert np.isclose(any_machine.score(text), out.document[row, copy].item(), rtol=1e-9)
            assert np.isclose(last_machine.score(text), end, rtol=1e-9) or (np.isinf(end) and last_machine.score(text) == end)


def test_export_table_errors():
    module = projected(Real, "rnn", length=2)
    table = torch.rand(4, 2, module.template.num_arcs, dtype=F64)
    with pytest.raises(ShapeError, match=r"table must have shape \(V, copies, arcs\) = \(V, 2, 4\)"):
        module.to_wfsa(table=table[:, :, :2])
    with pytest.raises(ValueError, match="either table .* or embeddings"):
        module.to_wfsa(embeddings=torch.zeros(4, 3), table=table)
    bad = table.clone()
    bad[2, 1, 0] = float("nan")
    with pytest.raises(ShapeError, match=r"table\[2, 1, 0\] = nan is not a Real value"):
        module.to_wfsa(copy=1, table=bad)
    with pytest.raises(ShapeError, match="vocab names 3 words but table has 4 rows"):
        module.to_wfsa(["a", "b", "c"], table=table)
    with pytest.raises(ValueError, match="span_end must be"):
        module.to_wfsa(table=table, span_end="first")
