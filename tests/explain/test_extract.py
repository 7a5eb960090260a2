"""Extraction: exact with every word (100% fidelity), approximate with small top-k,
scores of pruned max-plus automata never above the model's, the within/beyond split."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rational import Log, MaxPlus, Real
from rational.errors import ConfigError
from rational.explain import PatternModel, extract, fidelity
from rational.nn import Template, compile
from rational.train.synthetic import sentiment_examples


def _long_documents(count: int, seed: int) -> list[list[str]]:
    """Documents longer than any training sentence: three sentences in a row."""
    sentences = sentiment_examples(3 * count, seed=seed)
    return [[t for e in sentences[3 * i : 3 * i + 3] for t in e.tokens] for i in range(count)]


def test_large_top_k_is_faithful(trained):
    model = trained.model
    train_length = max(len(e.tokens) for e in trained.train)
    data = list(trained.test[:80]) + _long_documents(20, seed=7)
    exact = extract(model, top_k=len(model.vocab))
    result = fidelity(model, exact, data, train_length)
    assert result.agreement == 100.0
    assert result.within.documents == 80 and result.beyond.documents == 20
    assert result.within.agreement == result.beyond.agreement == 100.0
    assert result.score_error < 1e-5 and result.all.mismatched_matches == 0
    scores = exact.pattern_scores(data)
    ids, mask = model.encode(data)
    np.testing.assert_allclose(scores, model.pattern_scores(ids, mask).numpy(), atol=1e-5)
    rows = result.rows()
    assert [row[0] for row in rows] == ["all", "within training lengths", "beyond training lengths"]


def test_small_top_k_is_smaller_and_never_scores_higher(trained):
    model = trained.model
    data = trained.test[:60]
    small, exact = extract(model, top_k=1), extract(model)
    assert sum(m.num_arcs for m in small.automata) < sum(m.num_arcs for m in exact.automata)
    pruned, full = small.pattern_scores(data), exact.pattern_scores(data)
    assert np.all(pruned <= full + 1e-12)  # max-plus: fewer paths, never a better one
    result = fidelity(model, small, data)
    assert result.within is None and result.beyond is None
    assert 0.0 <= result.agreement <= 100.0


@pytest.mark.parametrize("ring", [Log, Real])
def test_sum_semirings_extract_exactly(ring):
    torch.manual_seed(3)
    bank = compile(Template.chain(2, epsilons=True), ring, parameterization="projected", input_size=4, copies=3,
                   dtype=torch.float64)
    words = ["<pad>", "<unk>", "a", "b", "c"]
    model = PatternModel([bank], words, torch.randn(5, 4, dtype=torch.float64), head=torch.nn.Linear(3, 2).double())
    data = ["a b c a", "c c", "b a b a b a b a b", "zebra a"]
    result = fidelity(model, extract(model), data)
    assert result.agreement == 100.0 and result.score_error < 1e-10


def test_lexical_banks_extract_over_their_words():
    torch.manual_seed(0)
    bank = compile(Template.chain(2), MaxPlus, parameterization="lexical", input_size=4, copies=2, dtype=torch.float64)
    words = ["<pad>", "<unk>", "x", "y"]
    model = PatternModel([bank], words, head=torch.nn.Linear(2, 2).double())
    extracted = extract(model)
    assert set(extracted.automata[0].alphabet.symbols) == {"<unk>", "x", "y"}
    result = fidelity(model, extracted, ["x y x", "y y", "q x"])
    assert result.agreement == 100.0 and result.score_error < 1e-12


def test_errors(trained):
    with pytest.raises(ConfigError, match="top_k"):
        extract(trained.model, top_k=0)
    with pytest.raises(ConfigError, match="not in the model's vocabulary"):
        extract(trained.model, vocab=["zebra"])
    with pytest.raises(ConfigError, match="at least one document"):
        fidelity(trained.model, extract(trained.model, top_k=1), [])
    subset = extract(trained.model, vocab=["not", "good"], top_k=1)
    with pytest.raises(ConfigError, match="not in the extracted automata's vocabulary"):
        subset.predict(["the film"])


@pytest.mark.parametrize("semiring", ["MaxPlus", "MaxTimes", "Real"])
def test_sopa_classifiers_in_every_semiring(semiring):
    from rational.explain import as_pattern_model, top_spans
    from rational.models import SoPa, TextClassifier
    from rational.train.vocab import Vocabulary

    torch.manual_seed(1)
    documents = [e.tokens for e in sentiment_examples(40, seed=4)]
    vocab = Vocabulary.build(documents)
    classifier = TextClassifier(SoPa(6, pattern_lengths={3: 2, 2: 2, 1: 1}, semiring=semiring), 2,
                                vocab_size=len(vocab), mlp_hidden=5).double()
    model = as_pattern_model(classifier, vocab)
    data = documents + [["not", "a", "word", "we", "know"], ["good"]]
    result = fidelity(classifier, extract(classifier, vocab.tokens, top_k=len(vocab)), data)
    assert result.agreement == 100.0 and result.score_error < 1e-9
    ids, mask = model.encode(data)
    with torch.no_grad():
        pooled = classifier.encoder(classifier.embedding(ids), mask).pooled
    for pattern, spans in zip(model.patterns, top_spans(model, data, k=len(data))):
        for span in spans:
            assert span.path.summed_score() == span.score
            value = pooled[span.document, pattern.index].item()
            if semiring == "MaxPlus":
                assert span.score == pytest.approx(value, abs=1e-9)
            elif semiring == "MaxTimes":
                assert np.exp(span.score) == pytest.approx(value, abs=1e-9)
            else:  # the sum over spans and paths holds the best path and more
                assert np.exp(span.score) <= value * (1 + 1e-9)
