"""Best paths with back-pointers: exact path sums, agreement with the module and with
brute force (every span and path of the exported automaton), valid paths."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rational import WFSA, Log, MaxPlus, MaxTimes, Real, Tropical
from rational.errors import ShapeError, UnsupportedSemiringError
from rational.explain.viterbi import best_paths, path_scale
from rational.nn import Template, compile

SEMIRINGS = [MaxPlus, MaxTimes, Log, Real, Tropical]


def _counterpart(machine: WFSA, ring):
    """The exported machine under the max (or min) counterpart, and how its score
    reads on the path scale."""
    if ring in (MaxPlus, Log):
        return machine.map_weights(lambda w: w, MaxPlus), lambda s: s
    if ring in (MaxTimes, Real):
        return machine.map_weights(lambda w: w, MaxTimes), lambda s: float(np.log(s)) if s > 0 else float("-inf")
    return machine, lambda s: -s  # Tropical: the least cost


def _templates(draw) -> Template:
    if draw(st.booleans()):
        length = draw(st.integers(1, 4))
        return Template.chain(length, self_loops=draw(st.booleans()), epsilons=draw(st.booleans()))
    states = draw(st.integers(1, 4))
    pair = st.tuples(st.integers(0, states - 1), st.integers(0, states - 1))
    arcs = [(q, q + 1) for q in range(states - 1)] + draw(st.lists(pair, min_size=1, max_size=5))
    epsilons = draw(st.lists(pair.filter(lambda p: p[0] != p[1]), max_size=3))
    return Template(states, arcs, epsilons=epsilons, initial=0, final=states - 1)


@st.composite
def cases(draw):
    template = _templates(draw)
    ring = draw(st.sampled_from(SEMIRINGS))
    anchored = draw(st.booleans())
    seed = draw(st.integers(0, 10_000))
    lengths = draw(st.lists(st.integers(0, 6), min_size=1, max_size=3).filter(any))
    return template, ring, anchored, seed, lengths


def _module(template, ring, anchored, seed, copies=2, size=3):
    torch.manual_seed(seed)
    module = compile(template, ring, parameterization="projected", input_size=size, copies=copies,
                     anchored=anchored, dtype=torch.float64)
    with torch.no_grad():  # spread the weights so that best paths are not all ties
        module.weight.mul_(3.0)
    return module


@settings(max_examples=40)
@given(cases())
def test_paths_are_exact_valid_and_agree_with_brute_force(case):
    template, ring, anchored, seed, lengths = case
    module = _module(template, ring, anchored, seed)
    width = max(lengths)
    x = torch.randn(len(lengths), width, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    paths = best_paths(module, x, lengths=torch.tensor(lengths))
    with torch.no_grad():
        arc_scores = path_scale(module.working, module.arc_weights(x))
        documents = module(x, lengths=torch.tensor(lengths)).document
    for row, length in enumerate(lengths):
        words = [f"w{t}" for t in range(length)]
        for copy in range(module.copies):
            path = paths.path(row, copy)
            # brute force: every span (unanchored) and every path of the exported automaton
            if length:
                machine = module.to_wfsa(words, x[row, :length], copy=copy)
                counterpart, read = _counterpart(machine, ring)
                expected = read(counterpart.score(words))
            else:
                expected = float("-inf")
            if path is None:
                assert expected == float("-inf")
                continue
            assert path.summed_score() == path.score  # bit for bit
            assert path.score == pytest.approx(expected, rel=1e-9, abs=1e-9)
            if module.semiring in (MaxPlus, Tropical):  # the module's own score is the best path
                sign = -1.0 if module.semiring is Tropical else 1.0
                assert sign * documents[row, copy].item() == pytest.approx(path.score, rel=1e-9, abs=1e-9)
            # a valid path: connected, from an initial to a final state, over tokens start..end-1
            state = path.steps[0].src if path.steps else None
            assert state in template.initial_states
            positions = [s.position for s in path.steps if s.kind != "epsilon"]
            assert positions == list(range(path.start, path.end))
            assert 0 <= path.start < path.end <= length
            if anchored:
                assert (path.start, path.end) == (0, length)
            for step in path.steps:
                assert step.src == state
                state = step.dst
                if step.kind == "epsilon":
                    assert template.epsilons[step.arc] == (step.src, step.dst)
                else:
                    assert template.arcs[step.arc] == (step.src, step.dst)
                    assert step.kind == ("self-loop" if step.src == step.dst else "main")
                    assert step.score == arc_scores[row, step.position, copy, step.arc].item()
            assert state in template.final_states


def test_float32_module_agrees_with_its_document_scores():
    torch.manual_seed(0)
    module = compile(Template.chain(3, epsilons=True), MaxPlus, parameterization="projected", input_size=8, copies=6)
    x = torch.randn(4, 30, 8)
    lengths = torch.tensor([30, 12, 3, 1])
    paths = best_paths(module, x, lengths=lengths)
    with torch.no_grad():
        documents = module(x, lengths=lengths).document.double().numpy()
    np.testing.assert_allclose(paths.scores, documents, rtol=1e-5, atol=1e-5)
    for row in range(4):
        for copy in range(6):
            path = paths.path(row, copy)
            assert path.summed_score() == path.score


def test_lexical_anchored_wfsa_best_path():
    half = float(np.log(0.5))
    machine = WFSA.from_arcs(
        Log,
        [(0, "a", 0, half), (0, "b", 0, -2.0), (0, "a", 1, -0.1), (1, "b", 2, -0.2), (2, None, 0, -0.3)],
        initial=0, final={0: half, 2: 0.0}, alphabet="ab",
    )
    module = compile(machine, dtype=torch.float64)
    ids, mask = module.encode(["abab", "ab", "b"])
    paths = best_paths(module, ids, mask)
    viterbi = machine.map_weights(lambda w: w, MaxPlus)
    for row, string in enumerate(["abab", "ab", "b"]):
        path = paths.path(0 + row, 0)
        assert path.score == pytest.approx(viterbi.score(string), abs=1e-12)
        assert path.summed_score() == path.score
        assert (path.start, path.end) == (0, len(string))
    first = paths.path(0, 0)
    assert [s.kind for s in first.steps] == ["main", "main", "epsilon", "main", "main"]
    assert first.final == 0.0 and first.initial == 0.0


def test_real_module_with_negative_weights_is_refused():
    torch.manual_seed(0)
    module = compile(Template.chain(2), Real, parameterization="projected", input_size=2, activation="identity")
    with pytest.raises(UnsupportedSemiringError, match="negative weights"):
        best_paths(module, torch.randn(1, 4, 2) * 5)


def test_bad_inputs_are_reported():
    module = compile(Template.chain(2), MaxPlus, parameterization="projected", input_size=2)
    with pytest.raises(ShapeError, match="input vectors must have shape"):
        best_paths(module, torch.randn(1, 4, 3))
    with pytest.raises(TypeError, match="NeuralWFSA"):
        best_paths(torch.nn.Linear(2, 2), torch.randn(1, 4, 2))


def test_weights_computed_elsewhere_give_the_same_paths():
    torch.manual_seed(2)
    module = compile(Template.chain(2, epsilons=True), MaxPlus, parameterization="projected", input_size=3, copies=2,
                     dtype=torch.float64)
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    lengths = torch.tensor([6, 4])
    direct = best_paths(module, x, lengths=lengths)
    with torch.no_grad():
        weights = module.arc_weights(x)
    given = best_paths(module, lengths=lengths, weights=weights)
    np.testing.assert_array_equal(direct.scores, given.scores)
    assert direct.path(1, 1) == given.path(1, 1)
    with pytest.raises(ValueError, match="either inputs or weights"):
        best_paths(module, x, weights=weights)
    with pytest.raises(ShapeError, match="weights must be"):
        best_paths(module, weights=weights[..., :2])
