"""Each pattern's highest-scoring spans in a data set, with the arc taken at every token.

For every document and pattern, :func:`rational.explain.viterbi.best_paths` finds the
best path (its span and its arcs); :func:`top_spans` keeps, per pattern, the ``k``
documents where that path scores highest. Scores are on the path scale (for
``MaxPlus`` patterns, the pattern's document score itself).

Examples:
    >>> import torch
    >>> from rational import MaxPlus
    >>> from rational.nn import Template, compile
    >>> torch.manual_seed(0) and None
    >>> bank = compile(Template.chain(2), MaxPlus, parameterization="projected", input_size=4, copies=2)
    >>> words = ["<pad>", "<unk>", "not", "good", "bad", "film"]
    >>> spans = top_spans(bank, ["not good film", "bad film", "good"], k=2, vocab=words, embeddings=torch.randn(6, 4))
    >>> len(spans), len(spans[0])
    (2, 2)
    >>> best = spans[0][0]
    >>> best.text, best.path.summed_score() == best.score
    ('not good', True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from rational.errors import ConfigError
from rational.explain.patterns import PatternModel, as_pattern_model, documents_of
from rational.explain.viterbi import Path, best_paths

__all__ = ["Span", "top_spans", "viterbi_batches"]

_KIND_MARK = {"main": "", "self-loop": "↻", "epsilon": "ε"}


@dataclass(frozen=True)
class Span:
    """A pattern's best path in one document.

    Attributes:
        pattern: the pattern's index.
        document: the document's index in the data set.
        tokens: the document's tokens.
        path: the path: its span, score and arcs.
    """

    pattern: int
    document: int
    tokens: tuple[str, ...]
    path: Path

    @property
    def score(self) -> float:
        """The path's score (path scale)."""
        return self.path.score

    @property
    def start(self) -> int:
        return self.path.start

    @property
    def end(self) -> int:
        return self.path.end

    @property
    def words(self) -> tuple[str, ...]:
        """The tokens of the span."""
        return self.tokens[self.path.start : self.path.end]

    @property
    def text(self) -> str:
        """The span as text."""
        return " ".join(self.words)

    def arcs(self) -> list[tuple[str, str, str | None]]:
        """``(kind, "src->dst", word)`` for every arc of the path; ``word`` is
        ``None`` for epsilon arcs."""
        return [
            (step.kind, step.name, None if step.position is None else self.tokens[step.position])
            for step in self.path.steps
        ]

    def describe(self) -> str:
        """The span with the arc each token took: ``not[0->1] very[1->1↻] good[1->2]``,
        epsilon arcs as ``ε[2->3]``."""
        parts = []
        for kind, name, word in self.arcs():
            parts.append(f"ε[{name}]" if word is None else f"{word}[{name}{_KIND_MARK[kind]}]")
        return " ".join(parts)


def _batches(lengths: list[int], size: int) -> list[list[int]]:
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    return [order[i : i + size] for i in range(0, len(order), size)]


def viterbi_batches(model: PatternModel, documents: Sequence[str | Sequence[str]], batch_size: int = 64):
    """Every bank's Viterbi pass over batches of documents (sorted by length, so
    padding stays small): yields ``(document indices, bank, BestPaths, token lists)``."""
    token_lists = [model.tokens(d) for d in documents]
    for rows in _batches([len(t) for t in token_lists], batch_size):
        ids, mask = model.encode([token_lists[i] for i in rows])
        if ids.shape[1] == 0:
            continue
        x = model.inputs(ids)
        for b, bank in enumerate(model.banks):
            yield rows, b, best_paths(bank, x, mask), token_lists


def top_spans(
    model: Any,
    dataset: Any,
    k: int = 5,
    *,
    vocab: Sequence[str] | None = None,
    embeddings: nn.Embedding | torch.Tensor | None = None,
    batch_size: int = 64,
    distinct: bool = False,
) -> list[list[Span]]:
    """The ``k`` highest-scoring spans of every pattern in ``dataset``.

    Each document contributes at most one span per pattern (its best path), so
    the ``k`` spans come from ``k`` different documents; with ``distinct`` they
    also read ``k`` different word sequences (the best document of each).

    Args:
        model: anything :func:`~rational.explain.patterns.as_pattern_model` reads
            (a trained SoPa classifier or checkpoint, a ``NeuralWFSA``...).
        dataset: documents: strings, token lists, or examples with ``.tokens``.
        k: spans per pattern.
        vocab: the words, for a bare module.
        embeddings: a bare projected module's word vectors.
        batch_size: documents per Viterbi pass.
        distinct: keep one span per word sequence.

    Returns:
        One list per pattern (indexed like ``model.patterns``), best first; ties
        keep the data set's order.

    Raises:
        ConfigError: for ``k`` below 1.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ConfigError(f"k must be a positive integer, got {k!r}")
    model = as_pattern_model(model, vocab, embeddings)
    documents = documents_of(dataset)
    offsets = [0]
    for bank in model.banks:
        offsets.append(offsets[-1] + bank.copies)
    # per pattern: the best k so far, by (score, -document); with distinct, one per text
    kept: list[dict[Any, tuple[tuple[float, int], Span]]] = [{} for _ in model.patterns]
    for rows, b, paths, token_lists in viterbi_batches(model, documents, batch_size):
        for copy in range(model.banks[b].copies):
            best = kept[offsets[b] + copy]
            column = paths.scores[:, copy]
            candidates = sorted(range(len(rows)), key=lambda r: (-column[r], rows[r]))
            for r in candidates if distinct else candidates[:k]:
                score, document = float(column[r]), rows[r]
                key = (score, -document)
                if score == float("-inf") or (len(best) == k and key <= min(item[0] for item in best.values())):
                    break
                span = Span(offsets[b] + copy, document, tuple(token_lists[document]), paths.path(r, copy))
                slot = span.words if distinct else document
                if slot in best and best[slot][0] >= key:
                    continue
                best[slot] = (key, span)
                if len(best) > k:
                    del best[min(best, key=lambda s: best[s][0])]
    return [[span for _, span in sorted(best.values(), key=lambda item: item[0], reverse=True)] for best in kept]
