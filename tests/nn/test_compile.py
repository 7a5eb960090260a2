"""compile(): modules score exactly as their automata, with exact padding, gradients
and clear errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch.func import functional_call

from rational import WFSA, Boolean, Log, MaxPlus, MaxTimes, Real, Tropical
from rational.errors import (
    DivergenceError,
    InvalidWeightError,
    SemiringMismatchError,
    ShapeError,
    UnsupportedSemiringError,
)
from rational.nn import NeuralWFSA, Template, compile
from rational.testing import Counting, strings, wfsas

ALL = [Real, Log, MaxPlus, MaxTimes, Tropical, Boolean]
F64 = torch.float64


def converges(machine: WFSA) -> bool:
    try:
        machine.epsilon_closure()
    except DivergenceError:
        return False
    return True


def assert_close(ring, got, expected, tolerance=1e-9):
    got, expected = np.asarray(got), np.asarray(expected)
    assert np.all(ring.isclose(got, expected, tolerance)), (ring, got, expected)


@settings(max_examples=60)
@given(
    ring=st.sampled_from(ALL),
    epsilons=st.booleans(),
    data=st.data(),
)
def test_compiled_wfsa_scores_like_the_wfsa(ring, epsilons, data):
    machine = data.draw(wfsas(ring, epsilons=epsilons, alphabet="abc", max_states=4))
    assume(converges(machine))
    batch = data.draw(st.lists(strings("abc", max_length=6), min_size=1, max_size=4))
    module = compile(machine, dtype=F64).requires_grad_(False)
    ids, mask = module.encode(batch)
    out = module(ids, mask)
    assert out.document.shape == (len(batch), 1)
    assert out.states.shape == (*ids.shape, 1, machine.num_states)
    for row, string in enumerate(batch):
        assert_close(ring, out.document[row, 0].item(), machine.score(string))
        for t in range(len(string)):
            assert_close(ring, out.states[row, t, 0].numpy(), machine.forward_weights(string[: t + 1]))
            assert_close(ring, out.ends[row, t, 0].item(), machine.score(string[: t + 1]))
        # padded positions hold the semiring zero
        assert np.all(out.ends[row, len(string) :, 0].numpy() == ring.zero)


@settings(max_examples=30)
@given(ring=st.sampled_from(ALL), data=st.data())
def test_unanchored_document_is_the_sum_over_nonempty_spans(ring, data):
    machine = data.draw(wfsas(ring, epsilons=True, alphabet="ab", max_states=3))
    assume(converges(machine))
    batch = data.draw(st.lists(strings("ab", max_length=5), min_size=1, max_size=3))
    module = compile(machine, anchored=False, dtype=F64).requires_grad_(False)
    ids, mask = module.encode(batch)
    out = module(ids, mask)
    for row, string in enumerate(batch):
        spans = [string[i:j] for i in range(len(string)) for j in range(i + 1, len(string) + 1)]
        expected = ring.sum(np.asarray([machine.score(s) for s in spans], dtype=ring.dtype)) if spans else ring.zero
        assert_close(ring, out.document[row, 0].item(), expected)
        for t in range(len(string)):
            ending = [machine.score(string[i : t + 1]) for i in range(t + 1)]
            assert_close(ring, out.ends[row, t, 0].item(), ring.sum(np.asarray(ending, dtype=ring.dtype)))


def test_output_types_follow_the_semiring():
    boolean = WFSA.from_arcs(Boolean, [(0, "a", 0)], initial=0, final=0, alphabet="ab")
    out = compile(boolean)(torch.tensor([[0, 0], [0, 1]]))
    assert out.document.dtype == torch.bool and out.document[:, 0].tolist() == [True, False]
    max_times = WFSA.from_arcs(MaxTimes, [(0, "a", 0, 0.5)], initial=0, final=0, alphabet="a")
    assert compile(max_times, dtype=F64)(torch.tensor([[0, 0, 0]])).document.item() == pytest.approx(0.125)


def test_empty_input_scores_the_empty_string():
    machine = WFSA.from_arcs(Log, [(0, None, 1, -0.5), (1, "a", 1, -1.0)], initial=0, final={1: -0.25}, alphabet="a")
    out = compile(machine, dtype=F64)(torch.zeros(2, 0, dtype=torch.int64))
    assert out.states.shape == (2, 0, 1, 2)
    assert out.document[:, 0].tolist() == [-0.75, -0.75]
    assert compile(machine, anchored=False, dtype=F64)(torch.zeros(1, 0, dtype=torch.int64)).document.item() == float("-inf")


def test_copies_replicate_the_wfsa():
    machine = WFSA.from_arcs(Real, [(0, "a", 0, 0.5), (0, "b", 1, 1.0)], initial=0, final=1, alphabet="ab")
    out = compile(machine, copies=3, dtype=F64)(torch.tensor([[0, 1]]))
    assert out.document.tolist() == [[0.5, 0.5, 0.5]]


def test_padding_is_exact_whatever_it_holds():
    torch.manual_seed(0)
    module = compile(Template(3, [(0, 1), (1, 1), (1, 2), (2, 0)], epsilons=[(0, 2)]), Log, input_size=5, dtype=F64)
    ids = torch.randint(5, (3, 7))
    lengths = torch.tensor([7, 4, 0])
    garbage = ids.clone()
    garbage[1, 4:] = 99  # out of range, but padding
    garbage[2, :] = -3
    full = module(garbage, lengths=lengths)
    for row, length in enumerate(lengths.tolist()):
        alone = module(ids[row : row + 1, :length])
        assert torch.allclose(full.document[row], alone.document[0], rtol=1e-12)
        assert torch.allclose(full.states[row, :length], alone.states[0], rtol=1e-12)
    mask = torch.arange(7)[None, :] < lengths[:, None]
    assert torch.equal(module(garbage, mask).document, full.document)

    projected = compile(Template.chain(2), MaxPlus, parameterization="projected", input_size=4, dtype=F64)
    x = torch.randn(2, 5, 4, dtype=F64)
    x[1, 3:] = float("nan")  # padding may hold anything
    out = projected(x, lengths=torch.tensor([5, 3]), method="general")
    assert torch.allclose(out.document[1], projected(x[1:, :3], method="general").document[0])


def test_training_moves_weights_but_keeps_missing_arcs_missing():
    machine = WFSA.from_arcs(Log, [(0, "a", 0, -1.0), (0, "b", 1, -1.0), (1, "a", 1, -2.0)], initial=0, final=1,
                             alphabet="ab")
    module = compile(machine, dtype=F64)
    ids, mask = module.encode(["ab", "aab", "ba", "abaa"])
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1, weight_decay=0.01)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = -module(ids, mask).document.sum()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert all(torch.isfinite(p).all() for p in module.parameters())
    trained = module.to_wfsa()
    assert sorted((a.src, a.label, a.dst) for a in trained.arcs()) == sorted((a.src, a.label, a.dst) for a in machine.arcs())
    assert trained.score("ab") > machine.score("ab")


# -- gradients ---------------------------------------------------------------------------------


def parameter_function(module: NeuralWFSA, inputs, mask=None, method="auto"):
    names = [name for name, _ in module.named_parameters()]

    def document(*values):
        return functional_call(module, dict(zip(names, values)), (inputs, mask), {"method": method}).document

    return document, tuple(p.detach().clone().requires_grad_() for p in module.parameters())


@pytest.mark.parametrize("ring", [Real, Log])
def test_gradcheck_compiled_wfsa(ring):
    arcs = [(0, "a", 0, 0.3), (0, "b", 1, 0.4), (1, "a", 0, 0.2), (1, None, 2, 0.5), (2, "b", 2, 0.3), (2, None, 0, 0.4)]
    machine = WFSA.from_arcs(Real, arcs, initial={0: 1.0, 1: 0.5}, final={1: 0.7, 2: 0.2}, alphabet="ab")
    if ring is Log:
        machine = machine.map_weights(np.log, Log)
    for anchored in (True, False):
        module = compile(machine, anchored=anchored, dtype=F64)
        ids, mask = module.encode(["abab", "abb", "b"])
        function, params = parameter_function(module, ids, mask)
        assert torch.autograd.gradcheck(function, params)


@pytest.mark.parametrize("ring", [Real, Log])
def test_gradcheck_projected_general(ring):
    torch.manual_seed(1)
    template = Template(3, [(0, 1), (1, 1), (1, 2), (2, 1)], epsilons=[(0, 1), (2, 0)], final=[1, 2])
    module = compile(template, ring, parameterization="projected", input_size=3, copies=2, dtype=F64)
    x = torch.randn(2, 4, 3, dtype=F64, requires_grad=True)
    mask = torch.tensor([[True] * 4, [True, True, False, False]])
    function, params = parameter_function(module, x, mask)
    assert torch.autograd.gradcheck(function, params)
    assert torch.autograd.gradcheck(lambda inputs: module(inputs, mask).document, (x,))


def random_path_machine(ring, data) -> WFSA:
    """A small machine with continuous random weights (no ties between paths)."""
    shape = data.draw(wfsas(ring, epsilons=True, alphabet="ab", max_states=3, max_arcs=5))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    sign = -1.0 if ring is MaxPlus else 1.0

    def draw(values):
        return np.where(values != ring.zero, sign * rng.uniform(0.1, 2.0, len(values)), ring.zero)

    src, label, dst, weight = shape.arc_arrays
    return WFSA.from_arrays(ring, shape.alphabet, draw(shape.initial_weights), draw(shape.final_weights),
                            src, label, dst, draw(weight))


def accepting_paths(machine: WFSA, string):
    """Every (weight, start, end, arcs) path reading ``string`` whose epsilon runs
    repeat no state (a best path never goes round a cycle that costs something)."""
    ring, found = machine.semiring, []
    initial, final = machine.initial_weights, machine.final_weights
    limit = machine.num_states - 1

    def walk(first, state, position, weight, used, run):
        if position == len(string) and final[state] != ring.zero:
            found.append((ring.times(weight, final[state]), first, state, used))
        for arc in machine.arcs(state):
            if arc.label is None and run < limit:
                walk(first, arc.dst, position, ring.times(weight, arc.weight), used + [arc], run + 1)
            elif arc.label is not None and position < len(string) and arc.label == string[position]:
                walk(first, arc.dst, position + 1, ring.times(weight, arc.weight), used + [arc], 0)

    for q in machine.initial_states:
        walk(q, q, 0, initial[q], [], 0)
    return found


@settings(max_examples=40)
@given(ring=st.sampled_from([MaxPlus, Tropical]), data=st.data())
def test_max_semiring_gradient_follows_the_best_path(ring, data):
    machine = random_path_machine(ring, data)
    string = data.draw(strings("ab", max_length=3))
    module = compile(machine, dtype=F64)
    ids, mask = module.encode([string])
    document = module(ids, mask).document.sum()
    document.backward()
    grads = {name: (torch.zeros_like(p) if p.grad is None else p.grad).numpy()[0]
             for name, p in module.named_parameters()}
    assert all(np.isfinite(g).all() for g in grads.values())
    paths = accepting_paths(machine, string)
    if not paths:
        assert document.item() == ring.zero
        assert all(not g.any() for g in grads.values())
        return
    weight, first, last, arcs = (max if ring is MaxPlus else min)(paths, key=lambda p: p[0])
    assert document.item() == pytest.approx(weight, abs=1e-12)
    template = module.template
    expected = {name: np.zeros_like(g) for name, g in grads.items()}
    expected["initial_weight"][first] += 1
    expected["final_weight"][last] += 1
    for arc in arcs:
        if arc.label is None:
            expected["epsilon_weight"][template.epsilons.index((arc.src, arc.dst))] += 1
        else:
            expected["theta"][template.arcs.index((arc.src, arc.dst)), machine.alphabet.index(arc.label)] += 1
    for name in grads:
        np.testing.assert_allclose(grads[name], expected[name], atol=1e-12, err_msg=name)


# -- errors ------------------------------------------------------------------------------------


def small_lexical():
    machine = WFSA.from_arcs(Real, [(0, "a", 0, 0.5), (0, "b", 1, 1.0)], initial=0, final=1, alphabet="ab")
    return compile(machine)


@pytest.mark.parametrize(
    ("inputs", "kwargs", "words"),
    [
        (torch.tensor([0, 1]), {}, "shape \\(batch, time\\)"),
        (torch.zeros(1, 2, 3, dtype=torch.int64), {}, "shape \\(batch, time\\)"),
        (torch.tensor([[0.0, 1.0]]), {}, "integer tensor"),
        (torch.tensor([[0, 2]]), {}, "token id 2 at position \\(0, 1\\) is outside"),
        (torch.tensor([[-1, 0]]), {}, "token id -1"),
        (torch.zeros(0, 3, dtype=torch.int64), {}, "empty batch"),
        (torch.tensor([[0, 1, 1]]), {"mask": torch.tensor([[True, False, True]])}, "not a prefix mask"),
        (torch.tensor([[0, 1, 1]]), {"mask": torch.tensor([[True, True]])}, "mask must have shape"),
        (torch.tensor([[0, 1, 1]]), {"mask": torch.tensor([[1.0, 1.0, 0.0]])}, "boolean"),
        (torch.tensor([[0, 1]]), {"lengths": torch.tensor([3])}, "outside 0..2"),
        (torch.tensor([[0, 1]]), {"lengths": torch.tensor([1, 1])}, "lengths must have shape"),
        (torch.tensor([[0, 1]]), {"lengths": torch.tensor([1]), "mask": torch.tensor([[True, False]])}, "not both"),
    ],
)
def test_bad_lexical_inputs(inputs, kwargs, words):
    with pytest.raises(ShapeError, match=words):
        small_lexical()(inputs, **kwargs)


def test_bad_projected_inputs():
    module = compile(Template.chain(2), Log, parameterization="projected", input_size=4)
    with pytest.raises(ShapeError, match="shape \\(batch, time, 4\\)"):
        module(torch.randn(2, 3, 5))
    with pytest.raises(ShapeError, match="float64 but the module's parameters are torch.float32"):
        module(torch.randn(2, 3, 4, dtype=F64))
    with pytest.raises(ShapeError, match="floating point"):
        module(torch.ones(2, 3, 4, dtype=torch.int64))
    x = torch.randn(2, 3, 4)
    x[1, 2, 0] = float("nan")
    with pytest.raises(ShapeError, match="NaN at position \\(1, 2\\)"):
        module(x, method="general")
    with pytest.raises(ShapeError, match="empty batch"):
        module(torch.randn(0, 3, 4))


def test_nan_parameters_are_reported():
    module = small_lexical()
    with torch.no_grad():
        module.theta[0, 0, 1] = float("nan")
    with pytest.raises(InvalidWeightError, match="parameter 'theta' holds nan"):
        module(torch.tensor([[0]]))
    projected = compile(Template.chain(2), parameterization="projected", input_size=2)
    with torch.no_grad():
        projected.bias[0, 1] = float("inf")
    with pytest.raises(InvalidWeightError, match="'bias'"):
        projected(torch.randn(1, 2, 2))


def test_diverging_epsilon_cycle_is_reported():
    module = compile(Template(2, [(0, 1)], epsilons=[(1, 0), (0, 1)]), Real, input_size=2)
    with torch.no_grad():
        module.epsilon_weight.fill_(1.5)
    with pytest.raises(DivergenceError, match="epsilon cycles"):
        module(torch.tensor([[0, 1]]))


@pytest.mark.parametrize(
    ("build", "error", "words"),
    [
        (lambda: compile("ab"), TypeError, "WFSA or a Template"),
        (lambda: compile(Template.chain(2)), ValueError, "input_size is required"),
        (lambda: compile(Template.chain(2), input_size=0), ValueError, "positive integer"),
        (lambda: compile(Template.chain(2), input_size=3, copies=0), ValueError, "copies"),
        (lambda: compile(Template.chain(2), input_size=3, parameterization="dense"), ValueError, "parameterization"),
        (lambda: compile(Template.chain(2), input_size=3, activation="relu"), ValueError, "activation"),
        (lambda: compile(Template.chain(2), Boolean, parameterization="projected", input_size=3),
         UnsupportedSemiringError, "Boolean"),
        (lambda: compile(Template.chain(2), Counting(), input_size=3), UnsupportedSemiringError, "Counting"),
        (lambda: compile(small_lexical_machine(), Log), SemiringMismatchError, "over Real, not Log"),
        (lambda: compile(small_lexical_machine(), input_size=5), ValueError, "alphabet has 2 symbols"),
        (lambda: small_lexical()(torch.tensor([[0]]), method="fast"), ValueError, "method"),
        (lambda: small_lexical()(torch.tensor([[0]]), method="chain"), ValueError, "chain template"),
        (lambda: compile(Template.chain(1), parameterization="projected", input_size=2).token_table(),
         ValueError, "lexical"),
    ],
)
def test_compile_errors(build, error, words):
    with pytest.raises(error, match=words):
        build()


def small_lexical_machine():
    return WFSA.from_arcs(Real, [(0, "a", 0, 0.5), (0, "b", 1, 1.0)], initial=0, final=1, alphabet="ab")


def test_encode_needs_an_alphabet():
    module = compile(Template.chain(2), input_size=3)
    with pytest.raises(ValueError, match="no alphabet"):
        module.encode(["ab"])


def test_modules_survive_save_and_load(tmp_path):
    torch.manual_seed(0)
    module = compile(Template.chain(2, epsilons=True), Log, parameterization="projected", input_size=3, copies=2)
    path = tmp_path / "module.pt"
    torch.save(module, path)
    again = torch.load(path, weights_only=False)
    x = torch.randn(2, 5, 3)
    assert torch.equal(again(x).document, module(x).document)
    state = compile(small_lexical_machine()).state_dict()
    fresh = compile(small_lexical_machine())
    fresh.load_state_dict(state)
    assert set(state) >= {"theta", "theta_support", "initial_weight", "final_support"}


def test_projected_wfsa_source_keeps_its_topology_and_fixed_weights():
    machine = WFSA.from_arcs(Log, [(0, "a", 1, -1.0), (1, None, 2, -0.5), (2, "b", 2, -0.25)],
                             initial={0: -0.1}, final={2: -0.2}, alphabet="ab")
    module = compile(machine, parameterization="projected", input_size=4, dtype=F64)
    assert module.template == Template.from_wfsa(machine)
    assert module.anchored
    assert module.epsilon_vector().tolist() == [[-0.5]]
    assert module.initial_vector()[0, 0].item() == -0.1 and module.final_vector()[0, 2].item() == -0.2
    assert module(torch.randn(1, 3, 4, dtype=F64)).document.shape == (1, 1)
