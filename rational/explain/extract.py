"""A symbolic classifier extracted from a trained model, and how faithful it is.

:func:`extract` exports every pattern as a :class:`~rational.WFSA` over the
vocabulary (``module.to_wfsa(vocab, embeddings, copy, top_k)``: the unanchored span
construction, each arc keeping its ``top_k`` best words) and keeps the model's head.
The result, :class:`ExtractedClassifier`, scores a document by running the automata
(``WFSA.score_batch``), not the network. Without ``top_k`` (or with ``top_k`` at
least the vocabulary size) every automaton is exact and the extraction predicts as
the model does; smaller ``top_k`` gives small automata that only approximate it.

:func:`fidelity` measures the approximation (in the spirit of Weiss et al. 2018, who
extract automata from RNNs and report their agreement with the network): the share
of documents on which the two predict the same class, and the mean absolute
difference of the pattern scores, separately for documents within and beyond the
training lengths.

Examples:
    >>> import torch
    >>> from rational import MaxPlus
    >>> from rational.nn import Template, compile
    >>> from rational.explain.patterns import PatternModel
    >>> torch.manual_seed(0) and None
    >>> bank = compile(Template.chain(2), MaxPlus, parameterization="projected", input_size=4, copies=3,
    ...                dtype=torch.float64)
    >>> words = ["<pad>", "<unk>", "not", "good", "film"]
    >>> model = PatternModel([bank], words, torch.randn(5, 4, dtype=torch.float64), head=torch.nn.Linear(3, 2).double())
    >>> exact = extract(model)
    >>> data = ["not good film", "good film", "film not good good"]
    >>> fidelity(model, exact, data).agreement
    100.0
    >>> small = extract(model, top_k=1)
    >>> small.automata[0].num_arcs < exact.automata[0].num_arcs
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from rational.errors import ConfigError
from rational.explain.patterns import PatternModel, as_pattern_model, carries_vocabulary, documents_of
from rational.train.vocab import PAD
from rational.wfsa import WFSA

__all__ = ["ExtractedClassifier", "Fidelity", "FidelityGroup", "extract", "fidelity"]


class ExtractedClassifier:
    """Automata (one per pattern) and the model's head.

    Attributes:
        automata: the exported machines, in pattern order.
        top_k: words kept per arc (``None``: all, exact).
        vocab: the words the automata read; unknown words read as ``<unk>``.
    """

    def __init__(self, model: PatternModel, automata: list[WFSA], top_k: int | None, source: Any = None) -> None:
        self.model = model
        self.source = source
        self.automata = automata
        self.top_k = top_k
        self.vocab = set(automata[0].alphabet.symbols) if automata else set()

    def _words(self, tokens: Sequence[str]) -> list[str]:
        unk = "<unk>" if "<unk>" in self.vocab else None
        out = []
        for token in tokens:
            if token in self.vocab:
                out.append(token)
            elif unk is not None:
                out.append(unk)
            else:
                raise ConfigError(f"word {token!r} is not in the extracted automata's vocabulary")
        return out

    def pattern_scores(self, documents: Sequence[str | Sequence[str]]) -> np.ndarray:
        """``(N, P)``: every automaton's score of every document (float64)."""
        words = [self._words(self.model.tokens(d)) for d in documents]
        columns = [np.asarray(machine.score_batch(words), dtype=np.float64) for machine in self.automata]
        return np.stack(columns, axis=1) if columns else np.zeros((len(words), 0))

    def head_input(self, scores: np.ndarray) -> torch.Tensor:
        """What the model's head reads ``(N, P)``, from the automata's scores ``(N, P)``."""
        dtype = next(self.model.banks[0].parameters()).dtype
        return self.model.head_input_from_automata(torch.as_tensor(scores, dtype=dtype))

    def head_logits(self, scores: np.ndarray) -> np.ndarray:
        """``(N, K)`` class logits of the automata's scores ``(N, P)`` (the head on them)."""
        return self.model.logits(self.head_input(scores)).to(torch.float64).numpy()

    def logits(self, documents: Sequence[str | Sequence[str]]) -> np.ndarray:
        """``(N, K)`` class logits: the head on the automata's scores."""
        return self.head_logits(self.pattern_scores(documents))

    def predict(self, documents: Sequence[str | Sequence[str]]) -> np.ndarray:
        """The predicted class id of every document."""
        return np.argmax(self.logits(documents), axis=-1)


def extract(
    model: Any,
    vocab: Sequence[str] | None = None,
    top_k: int | None = None,
    *,
    embeddings: torch.Tensor | None = None,
) -> ExtractedClassifier:
    """Export every pattern of ``model`` as an automaton and keep its head.

    Args:
        model: a classifier :func:`~rational.explain.patterns.as_pattern_model` reads.
        vocab: the words the automata read: for a model that knows its vocabulary
            (a pattern model, a checkpoint) a subset of it (default: every word but
            ``<pad>``); for a bare module or classifier, its vocabulary (token ``i``
            is ``vocab[i]``), all of which the automata read but ``<pad>``.
        top_k: words kept per arc (``None``: all of them, exact).
        embeddings: a bare projected module's word vectors.

    Returns:
        The symbolic classifier.

    Raises:
        ConfigError: for a bad ``top_k`` or words outside the model's vocabulary.
    """
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ConfigError(f"top_k must be a positive integer or None, got {top_k!r}")
    bare, source = not carries_vocabulary(model), model
    model = as_pattern_model(model, vocab if bare else None, embeddings)
    if vocab is None or bare:
        words = [w for w in model.vocab if w != PAD]
    else:
        unknown = [w for w in vocab if w not in model.index]
        if unknown:
            raise ConfigError(f"word {unknown[0]!r} is not in the model's vocabulary")
        words = list(dict.fromkeys(vocab))
    automata = [model.automaton(pattern, words, top_k) for pattern in model.patterns]
    return ExtractedClassifier(model, automata, top_k, source)


@dataclass(frozen=True)
class FidelityGroup:
    """Agreement on one group of documents.

    Attributes:
        documents: how many.
        agreement: the percentage on which the extraction predicts the model's class.
        score_error: the mean absolute difference of the pattern scores as the head
            reads them (over the documents and patterns where both are finite).
        mismatched_matches: pattern scores finite in one and not the other.
    """

    documents: int
    agreement: float
    score_error: float
    mismatched_matches: int


@dataclass(frozen=True)
class Fidelity:
    """:func:`fidelity`'s result: over all documents, and split at the training length.

    Attributes:
        all: every document.
        within: documents no longer than the training length (``None`` when not given).
        beyond: longer documents (``None`` when not given).
        train_length: the longest training document.
    """

    all: FidelityGroup
    within: FidelityGroup | None
    beyond: FidelityGroup | None
    train_length: int | None

    @property
    def agreement(self) -> float:
        return self.all.agreement

    @property
    def score_error(self) -> float:
        return self.all.score_error

    def rows(self) -> list[list[Any]]:
        """Table rows: group, documents, agreement %, mean |score difference|."""
        rows = [["all", self.all.documents, self.all.agreement, self.all.score_error]]
        for name, group in (("within training lengths", self.within), ("beyond training lengths", self.beyond)):
            if group is not None:
                rows.append([name, group.documents, group.agreement, group.score_error])
        return rows


def _group(model_pred, extracted_pred, model_scores, extracted_scores, keep) -> FidelityGroup:
    count = int(keep.sum())
    if count == 0:
        return FidelityGroup(0, float("nan"), float("nan"), 0)
    agreement = float((model_pred[keep] == extracted_pred[keep]).mean() * 100.0)
    a, b = model_scores[keep], extracted_scores[keep]
    finite_a, finite_b = np.isfinite(a), np.isfinite(b)
    both = finite_a & finite_b
    error = float(np.abs(a[both] - b[both]).mean()) if both.any() else 0.0
    return FidelityGroup(count, agreement, error, int((finite_a != finite_b).sum()))


def fidelity(
    model: Any,
    extracted: ExtractedClassifier,
    data: Any,
    train_length: int | None = None,
    *,
    batch_size: int = 256,
) -> Fidelity:
    """How faithfully ``extracted`` reproduces ``model`` on ``data``.

    Args:
        model: the model (anything :func:`~rational.explain.patterns.as_pattern_model`
            reads, as given to :func:`extract`).
        extracted: its extraction.
        data: documents (strings, token lists, or examples with ``.tokens``); no
            labels needed.
        train_length: the longest training document: documents up to it are
            *within*, longer ones *beyond* the training lengths.
        batch_size: documents per batch of the model.

    Returns:
        Agreement and score differences overall, within and beyond ``train_length``.

    Raises:
        ConfigError: for empty data.
    """
    model = extracted.model if model is extracted.source else as_pattern_model(model)
    documents = documents_of(data)
    if not documents:
        raise ConfigError("fidelity needs at least one document")
    model_scores, model_logits = [], []
    for start in range(0, len(documents), batch_size):
        ids, mask = model.encode(documents[start : start + batch_size])
        features = model.head_input(ids, mask)
        model_scores.append(features.to(torch.float64).numpy())
        model_logits.append(model.logits(features).to(torch.float64).numpy())
    scores = np.concatenate(model_scores)
    predictions = np.argmax(np.concatenate(model_logits), axis=-1)
    automata_scores = extracted.pattern_scores(documents)
    extracted_features = extracted.head_input(automata_scores)
    extracted_scores = extracted_features.to(torch.float64).numpy()
    extracted_predictions = np.argmax(model.logits(extracted_features).to(torch.float64).numpy(), axis=-1)
    lengths = np.asarray([len(model.tokens(d)) for d in documents])
    everything = np.ones(len(documents), dtype=bool)
    groups = [_group(predictions, extracted_predictions, scores, extracted_scores, everything)]
    if train_length is not None:
        for keep in (lengths <= train_length, lengths > train_length):
            groups.append(_group(predictions, extracted_predictions, scores, extracted_scores, keep))
    else:
        groups += [None, None]
    return Fidelity(groups[0], groups[1], groups[2], train_length)
