"""Explained documents: occlusion equals score times weight for a linear head and the
re-run head for an MLP; spans; text and HTML."""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pytest
import torch

from rational import MaxPlus
from rational.errors import ConfigError, ShapeError
from rational.explain import PatternModel, explain_document
from rational.nn import Template, compile


def _linear_model(seed: int = 0) -> PatternModel:
    torch.manual_seed(seed)
    bank = compile(Template.chain(2, epsilons=True), MaxPlus, parameterization="projected", input_size=4, copies=5,
                   dtype=torch.float64)
    words = ["<pad>", "<unk>", "the", "film", "was", "not", "good", "<b>&"]
    head = torch.nn.Linear(5, 3).double()
    return PatternModel([bank], words, torch.randn(len(words), 4, dtype=torch.float64), head=head,
                        labels=["neg", "neutral", "pos"])


def test_linear_head_contribution_is_score_times_weight():
    model = _linear_model()
    explanation = explain_document(model, "the film was not good")
    ids, mask = model.encode(["the film was not good"])
    features = model.head_input(ids, mask)[0]
    logits = model.head(features[None])[0].detach()
    first, second = torch.argsort(logits, descending=True)[:2].tolist()
    weight = model.head.weight.detach()
    assert explanation.predicted == first
    assert explanation.prediction == model.labels[first]
    for item in explanation.patterns:
        f = features[item.pattern].item()
        assert item.feature == pytest.approx(f)
        assert item.contribution == pytest.approx(f * (weight[first, item.pattern] - weight[second, item.pattern]).item())
        np.testing.assert_allclose(item.per_class, (f * weight[:, item.pattern]).numpy(), rtol=1e-9, atol=1e-12)
    magnitudes = [abs(item.contribution) for item in explanation.patterns]
    assert magnitudes == sorted(magnitudes, reverse=True)
    assert sum(explanation.probabilities) == pytest.approx(1.0)


def test_mlp_head_contribution_is_the_occluded_head(trained):
    model = trained.model
    explanation = explain_document(model, "the acting was not very good .")
    ids, mask = model.encode(["the acting was not very good ."])
    features = model.head_input(ids, mask)[0]
    with torch.no_grad():
        logits = model.head(features[None])[0]
        first, second = torch.argsort(logits, descending=True)[:2].tolist()
        for item in explanation.patterns:
            occluded = features.clone()
            occluded[item.pattern] = 0.0
            dropped = model.head(occluded[None])[0]
            expected = (logits[first] - logits[second]) - (dropped[first] - dropped[second])
            assert item.contribution == pytest.approx(expected.item(), rel=1e-5, abs=1e-5)
            # a MaxTimes pattern's score is its best span's (whose path score is a logarithm)
            assert item.span is not None and np.exp(item.span.score) == pytest.approx(item.feature, abs=1e-5)
    assert explanation.prediction == "0"  # negated positive adjective
    top = explanation.patterns[0]
    assert top.contribution > 0


def test_text_and_html_rendering():
    model = _linear_model(1)
    explanation = explain_document(model, ["the", "<b>&", "was", "not", "good"])
    text = explanation.to_text(top=2)
    assert text.splitlines()[0].startswith("prediction: ")
    assert len(text.splitlines()) == 3
    fragment = explanation.to_html(top=5)
    assert "<b>&" not in fragment and "&lt;b&gt;&amp;" in fragment

    class Checker(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open: list[str] = []
            self.marks = 0

        def handle_starttag(self, tag, attrs):
            self.open.append(tag)
            self.marks += tag == "mark"

        def handle_endtag(self, tag):
            assert self.open.pop() == tag

    checker = Checker()
    checker.feed(fragment)
    assert checker.open == []
    assert checker.marks == sum(1 for p in explanation.patterns[:5] if p.span is not None)


def test_errors():
    model = _linear_model()
    with pytest.raises(ShapeError, match="empty"):
        explain_document(model, "")
    bare = PatternModel(model.banks, model.vocab, model.embedding_table)
    with pytest.raises(ConfigError, match="no classifier head"):
        explain_document(bare, "the film")
