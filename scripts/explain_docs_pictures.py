"""Write the pictures and tables of docs/explain.md from a trained model.

Trains the small SoPa of :func:`rational.explain.synthetic.train_sentiment_sopa`
(seeded, a few seconds), then writes into docs/pictures/:

- explain-negation.svg: the most important pattern whose top spans all read the
  negation phrase ("not", intensifiers, an adjective), drawn with its top words;
- explain-other.svg: the most important of the other patterns;
- explain-spans.txt: the two patterns' top spans (a Markdown table);
- explain-document.txt: an explained document (HTML);
- explain-fidelity.txt: the fidelity of extractions (a Markdown table).

Usage: python scripts/explain_docs_pictures.py
"""

from __future__ import annotations

from pathlib import Path

import torch

from rational.explain import explain_document, extract, fidelity, pattern_automaton, top_spans
from rational.explain.report import pattern_importance
from rational.explain.synthetic import train_sentiment_sopa
from rational.train.synthetic import INTENSIFIERS, NEGATIVE, POSITIVE, sentiment_examples

PICTURES = Path(__file__).resolve().parent.parent / "docs" / "pictures"
DOCUMENT = "honestly , the acting was not very good overall ."


def _long_documents(count: int) -> list[list[str]]:
    sentences = sentiment_examples(3 * count, seed=99)
    return [[t for e in sentences[3 * i : 3 * i + 3] for t in e.tokens] for i in range(count)]


def reads_negation(spans) -> bool:
    """Whether every span reads "not", perhaps intensifiers, then an adjective."""
    for span in spans:
        words = list(span.words)
        if "not" not in words:
            return False
        after = [w for w in words[words.index("not") + 1 :] if w not in INTENSIFIERS]
        if not after or after[0] not in POSITIVE + NEGATIVE:
            return False
    return bool(spans)


def main() -> None:
    torch.set_num_threads(1)
    trained = train_sentiment_sopa(seed=0)
    model = trained.model
    importance = pattern_importance(model, trained.test)
    ranked = sorted(range(len(model.patterns)), key=lambda p: -importance[p])
    spans = top_spans(model, trained.train, k=3, distinct=True)
    negation = next(p for p in ranked if reads_negation(spans[p]))
    other = next(p for p in ranked if p != negation)
    rows = ["| pattern | rank | score (log) | arcs taken |", "|---|---|---|---|"]
    for p, name in ((negation, "negation"), (other, "other")):
        machine = pattern_automaton(model, p, top_words=3)
        path = machine.save_picture(PICTURES / f"explain-{name}.svg", title=model.patterns[p].name)
        print(f"wrote {path}")
        for rank, span in enumerate(spans[p], 1):
            rows.append(f"| {p} | {rank} | {span.score:.3f} | `{span.describe()}` |")
    (PICTURES / "explain-spans.txt").write_text("\n".join(rows) + "\n")
    (PICTURES / "explain-document.txt").write_text(explain_document(model, DOCUMENT).to_html(top=3) + "\n")
    train_length = max(len(e.tokens) for e in trained.train)
    data = [e.tokens for e in trained.test] + _long_documents(100)
    table = ["| top-k | agreement % (all) | within training lengths | beyond | mean abs. score difference | arcs |",
             "|---|---|---|---|---|---|"]
    for k in (1, 2, 5, None):
        extracted = extract(model, top_k=k)
        result = fidelity(model, extracted, data, train_length)
        arcs = sum(m.num_arcs for m in extracted.automata)
        table.append(f"| {'all words' if k is None else k} | {result.agreement:.1f} | {result.within.agreement:.1f} "
                     f"| {result.beyond.agreement:.1f} | {result.score_error:.3g} | {arcs:,} |")
    (PICTURES / "explain-fidelity.txt").write_text("\n".join(table) + "\n")
    print(f"test accuracy {trained.accuracy:.3f}; patterns shown {negation}, {other}; wrote the tables in {PICTURES}")


if __name__ == "__main__":
    main()
