"""to_wfsa(): exported automata score exactly as the modules they come from."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rational import WFSA, Boolean, Log, MaxPlus, MaxTimes, Real, SymbolTable, Tropical, equivalent
from rational.errors import DivergenceError, InvalidWeightError, ShapeError
from rational.nn import Template, compile
from rational.testing import wfsas
from rational.wfsa import all_strings

ALL = [Real, Log, MaxPlus, MaxTimes, Tropical, Boolean]
TRAINABLE = [Real, Log, MaxPlus, MaxTimes, Tropical]
F64 = torch.float64
WORDS = ["the", "movie", "was", "not", "good", "bad"]


def assert_close(ring, got, expected, tolerance=1e-9):
    assert np.all(ring.isclose(np.asarray(got), np.asarray(expected), tolerance)), (ring, got, expected)


def converges(machine: WFSA) -> bool:
    try:
        machine.epsilon_closure()
    except DivergenceError:
        return False
    return True


@settings(max_examples=40)
@given(ring=st.sampled_from(ALL), epsilons=st.booleans(), data=st.data())
def test_compiled_wfsa_exports_back_to_an_equivalent_wfsa(ring, epsilons, data):
    machine = data.draw(wfsas(ring, epsilons=epsilons, alphabet="ab", max_states=4))
    assume(converges(machine))
    exported = compile(machine, dtype=F64).to_wfsa()
    assert exported.semiring is ring and exported.alphabet == machine.alphabet
    result = equivalent(exported, machine)
    assert result, str(result)
    if not result.exact:  # Tropical/MaxPlus machines that do not determinize: a bounded check
        for string in all_strings("ab", 4):
            assert_close(ring, exported.score(string), machine.score(string))


@settings(max_examples=25)
@given(ring=st.sampled_from(ALL), data=st.data())
def test_unanchored_export_scores_documents_as_the_module(ring, data):
    machine = data.draw(wfsas(ring, epsilons=True, alphabet="ab", max_states=3))
    assume(converges(machine))
    module = compile(machine, anchored=False, dtype=F64).requires_grad_(False)
    exported = module.to_wfsa()
    assert exported.num_states <= 2 * machine.num_states + 2  # the span construction, trimmed
    strings = [s for length in range(5) for s in all_strings("ab", length) if len(s) == length]
    ids, mask = module.encode(strings)
    documents = module(ids, mask).document[:, 0].numpy()
    for string, document in zip(strings, documents):
        assert_close(ring, exported.score(string), document)


@settings(max_examples=30)
@given(
    ring=st.sampled_from(TRAINABLE),
    length=st.integers(1, 4),
    self_loops=st.sampled_from([True, False, "all"]),
    epsilons=st.booleans(),
    anchored=st.booleans(),
    seed=st.integers(0, 10**6),
    data=st.data(),
)
def test_projected_chain_export_scores_sentences_as_the_module(
    ring, length, self_loops, epsilons, anchored, seed, data
):
    torch.manual_seed(seed)
    loops = range(length + 1) if self_loops == "all" else self_loops
    module = compile(Template.chain(length, loops, epsilons), ring, parameterization="projected", input_size=5,
                     copies=2, anchored=anchored, dtype=F64).requires_grad_(False)
    embeddings = torch.randn(len(WORDS), 5, dtype=F64)
    sentences = data.draw(st.lists(st.lists(st.sampled_from(range(len(WORDS))), max_size=6), min_size=1, max_size=3))
    width = max(len(s) for s in sentences)
    ids = torch.tensor([s + [0] * (width - len(s)) for s in sentences], dtype=torch.int64).reshape(len(sentences), width)
    lengths = torch.tensor([len(s) for s in sentences])
    documents = module(embeddings[ids], lengths=lengths).document
    for copy in range(2):
        exported = module.to_wfsa(WORDS, embeddings, copy=copy)
        for row, sentence in enumerate(sentences):
            assert_close(ring, exported.score([WORDS[i] for i in sentence]), documents[row, copy].item())


@pytest.mark.parametrize("ring", TRAINABLE)
def test_lexical_template_export_with_named_and_subset_vocabularies(ring):
    torch.manual_seed(3)
    template = Template(3, [(0, 1), (1, 1), (1, 2)], epsilons=[(0, 2)], final=[2])
    module = compile(template, ring, input_size=len(WORDS), anchored=True, dtype=F64).requires_grad_(False)
    named = module.to_wfsa(WORDS)
    by_id = module.to_wfsa()
    subset = module.to_wfsa([3, 4])
    assert list(by_id.alphabet) == list(range(len(WORDS)))
    assert list(subset.alphabet) == [3, 4]
    assert subset.num_arcs == 3 * 2 + 1
    ids = torch.tensor([[3, 4, 4], [0, 5, 2]])
    documents = module(ids).document[:, 0]
    for row in range(2):
        sentence = ids[row].tolist()
        assert_close(ring, named.score([WORDS[i] for i in sentence]), documents[row].item())
        assert_close(ring, by_id.score(sentence), documents[row].item())
    assert_close(ring, subset.score([3, 4, 4]), documents[0].item())
    assert named.alphabet == SymbolTable(WORDS)
    again = WFSA.from_dict(named.to_dict())  # exports serialize like any machine
    assert_close(ring, again.score("not good good"), named.score("not good good"))


@pytest.mark.parametrize("ring", [MaxPlus, Tropical, Real])
def test_top_k_keeps_each_arcs_best_words(ring):
    torch.manual_seed(0)
    module = compile(Template.chain(2, self_loops=[1]), ring, parameterization="projected", input_size=4,
                     anchored=True, dtype=F64).requires_grad_(False)
    embeddings = torch.randn(len(WORDS), 4, dtype=F64)
    exact = module.to_wfsa(WORDS, embeddings)
    pruned = module.to_wfsa(WORDS, embeddings, top_k=2)
    assert exact.num_arcs == 3 * len(WORDS) and pruned.num_arcs == 3 * 2
    assert module.to_wfsa(WORDS, embeddings, top_k=len(WORDS)).num_arcs == exact.num_arcs
    for arc in range(3):
        src, dst = module.template.arcs[arc]
        weights = {a.label: a.weight for a in exact.arcs(src) if a.dst == dst}
        kept = {a.label for a in pruned.arcs(src) if a.dst == dst}
        key = (lambda w: -abs(w)) if ring is Real else (lambda w: w) if ring is Tropical else (lambda w: -w)
        assert kept == set(sorted(weights, key=lambda label: key(weights[label]))[:2])
    if ring is MaxPlus:  # dropping arcs can only lower a best path
        for sentence in (["not", "good"], ["the", "movie", "was", "bad"]):
            assert pruned.score(sentence) <= exact.score(sentence)


def test_export_reflects_training():
    machine = WFSA.from_arcs(Log, [(0, "a", 0, -1.0), (0, "b", 1, -1.0)], initial=0, final=1, alphabet="ab")
    module = compile(machine, dtype=F64)
    optimizer = torch.optim.SGD(module.parameters(), lr=0.5)
    ids, mask = module.encode(["aab", "ab"])
    for _ in range(3):
        optimizer.zero_grad()
        (-module(ids, mask).document.sum()).backward()
        optimizer.step()
    exported = module.to_wfsa()
    with torch.no_grad():
        documents = module(ids, mask).document[:, 0]
    assert exported.score("aab") == pytest.approx(documents[0].item())
    assert exported.score("aab") > machine.score("aab")


def test_export_errors():
    lexical = compile(Template.chain(2), Log, input_size=3)
    projected = compile(Template.chain(2), Log, parameterization="projected", input_size=3)
    table = torch.randn(4, 3)
    with pytest.raises(ValueError, match="pass embeddings"):
        projected.to_wfsa(["a", "b"])
    with pytest.raises(ValueError, match="not embeddings"):
        lexical.to_wfsa(embeddings=table)
    with pytest.raises(ShapeError, match="names 2 words but the module has 3 token ids"):
        lexical.to_wfsa(["x", "y"])
    with pytest.raises(ShapeError, match="token id 7"):
        lexical.to_wfsa([0, 7])
    with pytest.raises(ShapeError, match="shape \\(V, 3\\)"):
        projected.to_wfsa(embeddings=torch.randn(4, 2))
    with pytest.raises(ShapeError, match="names 3 words but embeddings has 4 rows"):
        projected.to_wfsa(["a", "b", "c"], table)
    bad = table.clone()
    bad[2, 1] = float("nan")
    with pytest.raises(ShapeError, match="row 2 holds NaN"):
        projected.to_wfsa(embeddings=bad)
    with pytest.raises(ValueError, match="copy must be an index 0..0"):
        lexical.to_wfsa(copy=1)
    with pytest.raises(ValueError, match="top_k"):
        lexical.to_wfsa(top_k=0)
    with torch.no_grad():
        lexical.theta[0, 0, 0] = float("nan")
    with pytest.raises(InvalidWeightError, match="theta"):
        lexical.to_wfsa()
