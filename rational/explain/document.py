"""Why a document got its prediction: each pattern's contribution and the span it matched.

A pattern's *contribution* is measured by leave-one-out occlusion (Schwartz et al.
2018, section 7): its score in the head's input is set to zero and the head runs
again; the contribution is how much the margin of the predicted class over the
runner-up class drops. For a linear head this is exactly the pattern's score times
the difference of its two weights; for an MLP head it includes the interactions
the hidden layer adds. ``per_class`` keeps the change of every class's logit.

Examples:
    >>> import torch
    >>> from rational import MaxPlus
    >>> from rational.nn import Template, compile
    >>> from rational.explain.patterns import PatternModel
    >>> torch.manual_seed(0) and None
    >>> bank = compile(Template.chain(2), MaxPlus, parameterization="projected", input_size=4, copies=3)
    >>> words = ["<pad>", "<unk>", "not", "good", "film"]
    >>> model = PatternModel([bank], words, torch.randn(5, 4), head=torch.nn.Linear(3, 2), labels=["neg", "pos"])
    >>> explanation = explain_document(model, "not good film")
    >>> len(explanation.patterns), explanation.prediction in ("neg", "pos")
    (3, True)
    >>> print(explanation.to_text(top=1).splitlines()[0])  # doctest: +ELLIPSIS
    prediction: ... (p = ...) for "not good film"
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rational.explain.patterns import PatternModel, as_pattern_model
from rational.explain.spans import Span
from rational.explain.viterbi import best_paths

__all__ = ["DocumentExplanation", "PatternContribution", "explain_document", "occlusion"]


@dataclass(frozen=True)
class PatternContribution:
    """One pattern's part in a prediction.

    Attributes:
        pattern: the pattern's index.
        name: its name.
        feature: its score as the head reads it.
        contribution: the drop of the predicted class's margin over the runner-up
            when the score is set to zero (positive: the pattern argues for the
            prediction).
        per_class: the drop of every class's logit.
        span: its best path in the document (``None`` when it matches nothing).
    """

    pattern: int
    name: str
    feature: float
    contribution: float
    per_class: tuple[float, ...]
    span: Span | None


@dataclass(frozen=True)
class DocumentExplanation:
    """A prediction and the contributions of all patterns, largest first.

    Attributes:
        tokens: the document's tokens.
        predicted: the predicted class id.
        prediction: its label (the class id as text without labels).
        probabilities: the class probabilities.
        patterns: every pattern's contribution, sorted by decreasing magnitude.
    """

    tokens: tuple[str, ...]
    predicted: int
    prediction: str
    probabilities: tuple[float, ...]
    patterns: tuple[PatternContribution, ...]

    def to_text(self, top: int = 5) -> str:
        """The prediction and the ``top`` contributions, one a line."""
        lines = [
            f'prediction: {self.prediction} (p = {self.probabilities[self.predicted]:.3f}) for "{" ".join(self.tokens)}"'
        ]
        for item in self.patterns[:top]:
            matched = item.span.describe() if item.span is not None else "(no match)"
            lines.append(f"  {item.contribution:+.4f}  {item.name}, score {item.feature:.4g}: {matched}")
        return "\n".join(lines)

    def to_html(self, top: int = 5) -> str:
        """An HTML fragment: the prediction, and for each of the ``top`` patterns the
        document with its span highlighted (green for, red against the prediction)."""
        rows = []
        for item in self.patterns[:top]:
            color = "#cdeccd" if item.contribution >= 0 else "#f6cccc"
            start, end = (item.span.start, item.span.end) if item.span is not None else (0, 0)
            words = [html.escape(token) for token in self.tokens]
            if end > start:
                words[start:end] = [f'<mark style="background:{color}">{" ".join(words[start:end])}</mark>']
            rows.append(
                f"<tr><td>{html.escape(item.name)}</td><td>{item.contribution:+.4f}</td>"
                f"<td>{item.feature:.4g}</td><td>{' '.join(words)}</td></tr>"
            )
        head = (
            f"<p>prediction <b>{html.escape(self.prediction)}</b> "
            f"(p = {self.probabilities[self.predicted]:.3f})</p>"
        )
        table = (
            "<table><thead><tr><th>pattern</th><th>contribution</th><th>score</th><th>matched span</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
        return head + table


def occlusion(model: PatternModel, features: torch.Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leave-one-out occlusion of the head's inputs of one document.

    Args:
        model: the pattern model (with a head).
        features: ``(P,)`` the head's input.

    Returns:
        The logits ``(K,)``, every pattern's per-class logit drop ``(P, K)``, and
        every pattern's margin drop ``(P,)`` (predicted class over the runner-up).
    """
    features = features.reshape(1, -1)
    logits = model.logits(features)[0].to(torch.float64)
    occluded = features.repeat(features.shape[1], 1)
    occluded.fill_diagonal_(0.0)
    dropped = model.logits(occluded).to(torch.float64)  # (P, K)
    order = torch.argsort(logits, descending=True)
    first, second = int(order[0]), int(order[1]) if len(order) > 1 else int(order[0])
    per_class = logits[None, :] - dropped
    margin = (logits[first] - logits[second]) - (dropped[:, first] - dropped[:, second])
    return logits.numpy(), per_class.numpy(), margin.numpy()


def explain_document(
    model: Any,
    text: str | Sequence[str],
    *,
    vocab: Sequence[str] | None = None,
) -> DocumentExplanation:
    """Explain one prediction by its patterns.

    Args:
        model: a classifier :func:`~rational.explain.patterns.as_pattern_model`
            reads (it needs a head).
        text: the document, a string (split by the model's tokenizer) or tokens.
        vocab: the words, when ``model`` does not carry them.

    Returns:
        The prediction and every pattern's contribution and span.

    Raises:
        ConfigError: for a model without a head.
        ShapeError: for an empty document.
    """
    from rational.errors import ShapeError

    model = as_pattern_model(model, vocab)
    tokens = model.tokens(text)
    if not tokens:
        raise ShapeError("the document is empty: there is nothing to explain")
    ids, mask = model.encode([tokens])
    features = model.head_input(ids, mask)[0]
    logits, per_class, margin = occlusion(model, features)
    probabilities = torch.softmax(torch.as_tensor(logits), -1).tolist()
    predicted = int(np.argmax(logits))
    x = model.inputs(ids)
    paths = [best_paths(bank, x, mask) for bank in model.banks]
    items = []
    for pattern in model.patterns:
        path = paths[pattern.bank].path(0, pattern.copy)
        span = None if path is None else Span(pattern.index, 0, tuple(tokens), path)
        items.append(PatternContribution(
            pattern.index, pattern.name, float(features[pattern.index]), float(margin[pattern.index]),
            tuple(float(v) for v in per_class[pattern.index]), span,
        ))
    items.sort(key=lambda item: (-abs(item.contribution), item.pattern))
    label = model.labels[predicted] if model.labels is not None else str(predicted)
    return DocumentExplanation(tuple(tokens), predicted, label, tuple(probabilities), tuple(items))
