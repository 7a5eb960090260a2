"""Demo section: read the trained SoPa: patterns as automata with their top spans, one
explained document, and the fidelity of automata extracted from the model."""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING, Any

import torch

from rational.explain import as_pattern_model, explain_document, extract, fidelity, pattern_automaton, top_spans
from rational.explain.report import pattern_importance
from rational.explain.synthetic import train_sentiment_sopa

if TYPE_CHECKING:  # pragma: no cover
    from rational.demo import DemoContext
    from rational.report import Section

DOCUMENT = "honestly , the acting was not very good overall ."


def _shared_model(context: DemoContext) -> tuple[Any, list, list, str] | None:
    """The SoPa an earlier section trained, its documents, and where it came from."""
    sopa = context.shared.get("sopa")
    if sopa is None:
        return None
    vocab = context.shared.get("sopa_vocab", getattr(sopa, "vocab", None))
    classifier = getattr(sopa, "classifier", sopa)
    train = context.shared.get("sopa_train", getattr(sopa, "train", None))
    test = context.shared.get("sopa_test", getattr(sopa, "test", None))
    if vocab is None or train is None or test is None:
        return None
    model = as_pattern_model(classifier, vocab)
    model.labels = context.shared.get("sopa_labels", getattr(sopa, "labels", model.labels))
    return model, list(train), list(test), "the SoPa trained in the models section"


def run(section: Section, context: DemoContext) -> None:
    torch.manual_seed(context.seed)
    shared = _shared_model(context)
    if shared is None:
        start = time.perf_counter()
        trained = train_sentiment_sopa(seed=context.seed, train_size=800 if context.quick else 1500,
                                       epochs=5 if context.quick else 6)
        model, train, test = trained.model, trained.train, trained.test
        source = (f"a small SoPa trained here on synthetic sentiment ({len(train)} sentences, "
                  f"{time.perf_counter() - start:.1f} s, test accuracy {trained.accuracy:.3f})")
    else:
        model, train, test, source = shared
    section.text(
        f"rational.explain reads {source}: {len(model.patterns)} patterns whose scores feed an MLP. The label of "
        "each sentence is decided by a phrase (an adjective, negated by 'not' or not); the patterns that matter "
        "most should read such phrases."
    )

    # 1. The most important patterns, drawn, with their best spans.
    importance = pattern_importance(model, test)
    shown = sorted(range(len(model.patterns)), key=lambda p: -importance[p])[: 2 if context.quick else 4]
    spans = top_spans(model, train, k=3, distinct=True)
    for p in shown:
        pattern = model.patterns[p]
        section.automaton(pattern_automaton(model, p, top_words=3), f"{pattern.name}, mean effect {importance[p]:.3g}")
        section.table(["score (log)", "arcs taken"], [[span.score, span.describe()] for span in spans[p]])
    best = shown[0]
    best_span = spans[best][0].text if spans[best] else "(nothing)"

    # 2. One prediction, explained.
    explanation = explain_document(model, DOCUMENT)
    section.text(
        "One prediction explained: each pattern's contribution is the drop of the predicted class's margin "
        "when its score is set to zero (leave-one-out occlusion), with the span it matched."
    )
    section.html(f"<h3>{html.escape(DOCUMENT)}</h3>{explanation.to_html(top=4)}")

    # 3. Symbolic classifiers extracted from the model.
    train_length = max(len(e.tokens) for e in train)
    rows, agreements = [], {}
    for k in (1, 5, None):
        extracted = extract(model, top_k=k)
        result = fidelity(model, extracted, test, train_length)
        agreements[k] = result.agreement
        rows.append(["all words" if k is None else k, result.agreement, result.score_error,
                     sum(m.num_arcs for m in extracted.automata)])
    section.text(
        "The patterns exported as automata over the vocabulary (each arc keeping its top-k words) with the "
        f"model's head, compared with the model on {len(test)} held-out sentences:"
    )
    section.table(["top-k", "agreement %", "mean |score difference|", "arcs"], rows)
    top = explanation.patterns[0]
    section.summary(
        f"most important pattern's best span '{best_span}'; '{DOCUMENT}' -> {explanation.prediction} "
        f"(top pattern matched '{top.span.text if top.span else ''}'); extraction agreement "
        f"{agreements[None]:.1f}% exact, {agreements[5]:.1f}% with top-5 words per arc"
    )
