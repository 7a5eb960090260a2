"""The explanation report: every pattern drawn with its top spans, explained documents,
and the fidelity of extractions, as an HTML folder (``index.html``, one SVG per pattern).

Examples:
    >>> import tempfile, torch
    >>> from rational import MaxPlus
    >>> from rational.nn import Template, compile
    >>> from rational.explain.patterns import PatternModel
    >>> torch.manual_seed(0) and None
    >>> bank = compile(Template.chain(2), MaxPlus, parameterization="projected", input_size=4, copies=2)
    >>> words = ["<pad>", "<unk>", "not", "good", "film"]
    >>> model = PatternModel([bank], words, torch.randn(5, 4), head=torch.nn.Linear(2, 2))
    >>> result = write_report(model, ["not good film", "good film"], tempfile.mkdtemp(), top_ks=(1,))
    >>> result.index.name, len(result.pictures)
    ('index.html', 2)
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rational.explain.automaton import pattern_automaton
from rational.explain.document import explain_document
from rational.explain.extract import Fidelity, extract, fidelity
from rational.explain.patterns import PatternModel, as_pattern_model, documents_of
from rational.explain.spans import Span, top_spans
from rational.report import Report

__all__ = ["ExplanationReport", "pattern_importance", "write_report"]


@dataclass
class ExplanationReport:
    """What :func:`write_report` wrote and measured.

    Attributes:
        index: the ``index.html`` path.
        pictures: one SVG per pattern shown.
        fidelity: per ``top_k`` (``None``: exact), the extraction's fidelity.
        seconds: time spent per part (spans, drawing, documents, fidelity, total).
    """

    index: Path
    pictures: list[Path]
    fidelity: dict[int | None, Fidelity] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def pattern_importance(model: PatternModel, documents: Sequence[Any], batch_size: int = 32) -> np.ndarray:
    """Each pattern's mean absolute leave-one-out effect on the predicted class's
    margin over ``documents`` (see :mod:`rational.explain.document`); ``(P,)``.

    A model without a head ranks its patterns by their mean score instead.
    """
    total = np.zeros(len(model.patterns))
    count = 0
    for start in range(0, len(documents), batch_size):
        ids, mask = model.encode(documents[start : start + batch_size])
        features = model.head_input(ids, mask).to(torch.float64)
        if model.head is None:
            finite = torch.where(torch.isfinite(features), features, torch.zeros_like(features))
            total += finite.sum(0).numpy()
            count += len(features)
            continue
        b, p = features.shape
        dtype = next(iter(model.banks[0].parameters())).dtype
        logits = model.logits(features.to(dtype)).to(torch.float64)  # (B, K)
        occluded = features[:, None, :].repeat(1, p, 1)
        occluded[:, torch.arange(p), torch.arange(p)] = 0.0
        dropped = model.logits(occluded.reshape(b * p, p).to(dtype)).to(torch.float64).view(b, p, -1)
        top2 = torch.topk(logits, min(2, logits.shape[-1]), dim=-1).indices
        first, second = top2[:, 0], top2[:, -1]
        rows = torch.arange(b)
        margin = logits[rows, first] - logits[rows, second]
        dropped_margin = dropped[rows, :, first] - dropped[rows, :, second]
        total += (margin[:, None] - dropped_margin).abs().sum(0).numpy()
        count += b
    return total / max(count, 1)


def _span_rows(spans: list[Span]) -> str:
    rows = []
    for rank, span in enumerate(spans, 1):
        arcs = " ".join(
            f"<span title='{html.escape(kind)} {html.escape(name)}'>"
            + (f"ε<sub>{html.escape(name)}</sub>" if word is None
               else f"{html.escape(word)}<sub>{html.escape(name)}{'↻' if kind == 'self-loop' else ''}</sub>")
            + "</span>"
            for kind, name, word in span.arcs()
        )
        before = " ".join(span.tokens[max(0, span.start - 4) : span.start])
        after = " ".join(span.tokens[span.end : span.end + 4])
        context = f"{html.escape(before)} <b>{html.escape(span.text)}</b> {html.escape(after)}"
        rows.append(f"<tr><td>{rank}</td><td>{span.score:.4g}</td><td>{arcs}</td><td>{context}</td>"
                    f"<td>{span.document}</td></tr>")
    return (
        "<table><thead><tr><th>#</th><th>score</th><th>arcs taken</th><th>in context</th><th>document</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def write_report(
    model: Any,
    data: Any,
    out: str | Path,
    *,
    spans: int = 5,
    top_words: int = 3,
    top_ks: Sequence[int | None] = (1, 5, 20, 100),
    documents: int = 3,
    patterns: int | None = None,
    train_length: int | None = None,
    title: str = "Reading a trained model",
    fidelity_data: Any = None,
) -> ExplanationReport:
    """Write the explanation report of ``model`` on ``data`` into the folder ``out``.

    Args:
        model: a classifier :func:`~rational.explain.patterns.as_pattern_model` reads.
        data: documents (strings, token lists, or examples with ``.tokens``) to find
            spans in and to explain.
        out: the report folder.
        spans: top spans per pattern.
        top_words: words per arc in the drawings.
        top_ks: extractions to measure (``None``: exact).
        documents: how many documents to explain (the first ones of ``data``).
        patterns: show only the most important patterns (default: all).
        train_length: the longest training document (splits the fidelity table).
        title: the page title.
        fidelity_data: documents to measure fidelity on (default: ``data``).

    Returns:
        The paths written, the fidelity per ``top_k`` and the time of each part.
    """
    started = time.perf_counter()
    model = as_pattern_model(model)
    docs = documents_of(data)
    report = Report(out, title=title)
    seconds: dict[str, float] = {}

    overview = report.section("Model")
    lengths: dict[int, int] = {}
    for pattern in model.patterns:
        lengths[pattern.length] = lengths.get(pattern.length, 0) + 1
    semirings = sorted({bank.semiring.name for bank in model.banks})
    overview.text(
        f"{len(model.patterns)} patterns ("
        + ", ".join(f"{n} of length {length}" for length, n in sorted(lengths.items()))
        + f") in the {', '.join(semirings)} semiring over a vocabulary of {len(model.vocab):,} words; "
        f"{len(docs):,} documents read."
    )

    clock = time.perf_counter()
    importance = pattern_importance(model, docs)
    order = sorted(range(len(model.patterns)), key=lambda p: (-importance[p], p))
    shown = order if patterns is None else order[:patterns]
    found = top_spans(model, docs, k=spans, distinct=True)
    seconds["spans"] = time.perf_counter() - clock

    clock = time.perf_counter()
    section = report.section("Patterns")
    section.text(
        "Each pattern drawn as an automaton whose arcs carry the words that score highest on them "
        f"(top {top_words}; self-loops stay loops, ε arcs skip a position), with its {spans} best spans in the "
        "data and the arc taken at every token. Patterns are ordered by their mean effect on the predicted "
        "class's margin when their score is set to zero."
    )
    pictures = []
    for p in shown:
        pattern = model.patterns[p]
        section.html(f"<h3>{html.escape(pattern.name)}: mean effect {importance[p]:.4g}</h3>")
        machine = pattern_automaton(model, p, top_words=top_words)
        pictures.append(section.automaton(machine, pattern.name))
        section.html(_span_rows(found[p]) if found[p] else "<p>(no match in the data)</p>")
    seconds["drawing"] = time.perf_counter() - clock

    clock = time.perf_counter()
    if model.head is not None and documents:
        explained = report.section("Explained documents")
        explained.text(
            "Each pattern's contribution is the drop of the predicted class's margin over the runner-up when the "
            "pattern's score is set to zero (leave-one-out occlusion); its best span is highlighted."
        )
        for document in docs[:documents]:
            explanation = explain_document(model, document)
            explained.html(f"<h3>{html.escape(' '.join(explanation.tokens))}</h3>{explanation.to_html()}")
    seconds["documents"] = time.perf_counter() - clock

    clock = time.perf_counter()
    results: dict[int | None, Fidelity] = {}
    if model.head is not None and top_ks:
        table = report.section("Fidelity of extracted automata")
        table.text(
            "The model's patterns exported as automata over the vocabulary, each arc keeping its top-k words, "
            "with the model's head on their scores: agreement of the predictions with the model (%) and mean "
            "absolute difference of the pattern scores"
            + (f", within and beyond the training lengths (up to {train_length} tokens)." if train_length else ".")
        )
        rows = []
        target = docs if fidelity_data is None else documents_of(fidelity_data)
        for k in top_ks:
            extracted = extract(model, top_k=k)
            result = fidelity(model, extracted, target, train_length)
            results[k] = result
            arcs = sum(machine.num_arcs for machine in extracted.automata)
            for group, count, agreement, error in result.rows():
                rows.append(["all words" if k is None else k, group, count, agreement, error, arcs])
        table.table(["top-k", "documents", "count", "agreement %", "mean |score difference|", "arcs"], rows)
    seconds["fidelity"] = time.perf_counter() - clock
    seconds["total"] = time.perf_counter() - started
    index = report.write()
    return ExplanationReport(index, pictures, results, seconds)
