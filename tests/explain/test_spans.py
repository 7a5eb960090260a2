"""Top spans: the right documents in the right order, exact paths, and on the
phrase-decided task a pattern whose spans and automaton show the deciding phrase."""

from __future__ import annotations

import pytest
import torch

from rational import MaxPlus
from rational.errors import ConfigError, ShapeError
from rational.explain import best_paths, pattern_automaton, top_spans
from rational.nn import Template, compile
from rational.train.synthetic import INTENSIFIERS, NEGATIVE, POSITIVE

ADJECTIVES = {"positive": set(POSITIVE), "negative": set(NEGATIVE)}


def _negation_pattern(spans):
    """The polarity of the adjective every span negates (``not``, intensifiers, the
    adjective), or ``None`` when the spans do not all read that phrase."""
    polarities = set()
    for span in spans:
        words = list(span.words)
        if "not" not in words:
            return None
        after = words[words.index("not") + 1 :]
        while after and after[0] in INTENSIFIERS:
            after = after[1:]
        if not after:
            return None
        found = [name for name, adjectives in ADJECTIVES.items() if after[0] in adjectives]
        if not found:
            return None
        polarities.add(found[0])
    return polarities.pop() if len(polarities) == 1 else None


def test_a_pattern_learns_the_negation_phrase(trained):
    spans = top_spans(trained.model, trained.train, k=5)
    negation = {p: _negation_pattern(s) for p, s in enumerate(spans) if len(s) == 5}
    found = [p for p, polarity in negation.items() if polarity is not None]
    assert found, "no pattern's top spans all read 'not' + an adjective"
    for p in found:
        polarity = negation[p]
        machine = pattern_automaton(trained.model, p, top_words=3)
        first_arc = {arc.label for arc in machine.arcs(0) if arc.label is not None and arc.dst == 1}
        later = {arc.label for arc in machine.arcs() if arc.label is not None and arc.src >= 1}
        if "not" in first_arc and later & ADJECTIVES[polarity]:
            break
    else:
        pytest.fail(f"patterns {found} read 'not' + adjective, but no drawing shows 'not' then such an adjective")
    # every span's path is exact, and "not" is read by a main arc (a pattern position)
    for span in spans[p]:
        assert span.path.summed_score() == span.score
        assert ("main", "not") in {(kind, word) for kind, _, word in span.arcs()}


def test_spans_are_each_documents_best_path_in_rank_order(trained):
    documents = trained.test[:60]
    spans = top_spans(trained.model, documents, k=4, batch_size=7)
    model = trained.model
    ids, mask = model.encode(documents)
    x = model.inputs(ids)
    paths = [best_paths(bank, x, mask) for bank in model.banks]
    for pattern in model.patterns:
        column = paths[pattern.bank].scores[:, pattern.copy]
        expected = sorted(range(len(documents)), key=lambda d: (-column[d], d))[:4]
        got = spans[pattern.index]
        assert [s.document for s in got] == expected
        for span in got:
            path = paths[pattern.bank].path(span.document, pattern.copy)
            assert span.score == path.score and span.path.steps == path.steps
            assert span.tokens == tuple(documents[span.document].tokens)
            assert span.pattern == pattern.index


def test_fewer_documents_than_k_and_empty_documents():
    torch.manual_seed(0)
    bank = compile(Template.chain(3), MaxPlus, parameterization="projected", input_size=3, copies=2)
    words = ["<pad>", "<unk>", "a", "b"]
    spans = top_spans(bank, ["a b a", "", "a"], k=5, vocab=words, embeddings=torch.randn(4, 3))
    assert [len(s) for s in spans] == [1, 1]  # a chain of 3 main arcs without epsilons needs 3 tokens
    assert spans[0][0].document == 0 and spans[0][0].text == "a b a"


def test_unknown_words_read_as_unk_and_arcs_name_words():
    torch.manual_seed(1)
    bank = compile(Template.chain(1), MaxPlus, parameterization="projected", input_size=3)
    words = ["<pad>", "<unk>", "a"]
    (spans,) = top_spans(bank, [["zebra"]], k=1, vocab=words, embeddings=torch.randn(3, 3))
    assert spans[0].arcs() == [("main", "0->1", "zebra")]
    assert spans[0].describe() == "zebra[0->1]"


def test_bad_arguments():
    bank = compile(Template.chain(1), MaxPlus, parameterization="projected", input_size=3)
    words = ["<pad>", "<unk>", "a"]
    with pytest.raises(ConfigError, match="k must be a positive integer"):
        top_spans(bank, ["a"], k=0, vocab=words, embeddings=torch.randn(3, 3))
    with pytest.raises(ConfigError, match="embedding"):
        top_spans(bank, ["a"], vocab=words)
    with pytest.raises(ShapeError, match="a document is"):
        top_spans(bank, [3], vocab=words, embeddings=torch.randn(3, 3))
    with pytest.raises(ConfigError, match="cannot read"):
        top_spans(torch.nn.Linear(2, 2), ["a"])


def test_distinct_spans_are_the_best_word_sequences(trained):
    documents = trained.train[:300]
    model = trained.model
    every = top_spans(model, documents, k=len(documents))
    distinct = top_spans(model, documents, k=4, distinct=True, batch_size=50)
    for pattern in model.patterns:
        best_by_text: dict = {}
        for span in every[pattern.index]:  # rank order: the first of each text is its best
            best_by_text.setdefault(span.words, span)
        expected = list(best_by_text.values())[:4]
        got = distinct[pattern.index]
        assert [(s.words, s.document) for s in got] == [(s.words, s.document) for s in expected]
        assert len({s.words for s in got}) == len(got)
