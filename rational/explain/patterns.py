"""A trained model seen as what explanation needs: automata, the words they read, a head.

:class:`PatternModel` is the one interface the rest of :mod:`rational.explain` reads:

* ``banks``: the :class:`~rational.nn.NeuralWFSA` modules whose automata score a
  document (SoPa has one per pattern length); each automaton is a :class:`Pattern`,
  numbered in the order their scores reach the head;
* ``vocab``: the words (token ``i`` is ``vocab[i]``) and ``embedding``, the vectors
  projected banks read (lexical banks read token ids);
* ``head``: the classifier on the pattern scores, ``None`` for bare automata;
* ``features``: how the banks' document scores become the head's input (the
  identity by default).

:func:`as_pattern_model` builds one from a bare module (with its vocabulary and,
if projected, the word vectors), from a classifier whose encoder holds the banks,
or from a loaded checkpoint.

Examples:
    >>> import torch
    >>> from rational import MaxPlus
    >>> from rational.nn import Template, compile
    >>> bank = compile(Template.chain(2), MaxPlus, parameterization="projected", input_size=4, copies=3)
    >>> model = as_pattern_model(bank, vocab=["<pad>", "<unk>", "not", "good"], embeddings=torch.randn(4, 4))
    >>> len(model.patterns), model.patterns[1].name
    (3, 'pattern 1 (length 2)')
    >>> ids, mask = model.encode([["not", "good"], ["good"]])
    >>> model.pattern_scores(ids, mask).shape
    torch.Size([2, 3])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from rational.errors import ConfigError, ShapeError
from rational.nn.compile import NeuralWFSA
from rational.symbols import SymbolTable
from rational.train.vocab import PAD, UNK, Tokenizer, Vocabulary
from rational.wfsa import WFSA

__all__ = ["Pattern", "PatternModel", "as_pattern_model", "carries_vocabulary", "documents_of"]

Features = Callable[[list[torch.Tensor]], torch.Tensor]


@dataclass(frozen=True)
class Pattern:
    """One automaton of a model.

    Attributes:
        index: its position among the head's inputs (the pattern scores).
        bank: which of the model's modules holds it.
        copy: which of that module's automata it is.
        length: the number of main arcs of a chain template (else states - 1).
        module: the module.
    """

    index: int
    bank: int
    copy: int
    length: int
    module: NeuralWFSA = field(repr=False, compare=False)

    @property
    def name(self) -> str:
        return f"pattern {self.index} (length {self.length})"


def _concatenate(documents: list[torch.Tensor]) -> torch.Tensor:
    return torch.cat(documents, dim=-1)


class PatternModel:
    """A model as banks of automata over word vectors (or ids), and a head.

    Args:
        banks: the modules whose document scores are the pattern scores, in the
            order the head reads them.
        vocab: the words, in id order (a list or a
            :class:`~rational.train.vocab.Vocabulary`).
        embedding: projected banks: the word vectors, an ``nn.Embedding`` or a
            ``(V, D)`` tensor; lexical banks read the ids themselves (``None``).
        head: maps the head's input ``(B, P)`` to class logits ``(B, K)``; ``None``
            for bare automata.
        features: maps the banks' document scores (a list of ``(B, copies)``
            tensors in their semirings) to the head's input, one column per
            pattern; concatenation by default.
        tokenizer: splits a text given as one string (whitespace by default).
        labels: the class names, in class-id order.
        scorer: computes the head's input from ids and mask by the model's own
            forward pass, instead of ``features`` on the banks' scores.
        exporter: ``(pattern, words, vectors or ids, top_k) -> WFSA``: a pattern's
            automaton over words, scoring documents on the scale that
            ``from_automata`` reads (default: the bank's ``to_wfsa``).
        from_automata: maps the exported automata's scores ``(N, P)`` to the head's
            input (default: ``features`` on them).

    Raises:
        ConfigError: for no banks, banks that read different inputs, or
            projected banks without an embedding.
    """

    def __init__(
        self,
        banks: Sequence[NeuralWFSA],
        vocab: Sequence[str] | Vocabulary,
        embedding: nn.Embedding | torch.Tensor | None = None,
        head: Callable[[torch.Tensor], torch.Tensor] | None = None,
        features: Features | None = None,
        tokenizer: Tokenizer | None = None,
        labels: Sequence[str] | None = None,
        scorer: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
        exporter: Callable[..., WFSA] | None = None,
        from_automata: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> None:
        banks = list(banks)
        if not banks:
            raise ConfigError("a pattern model needs at least one NeuralWFSA bank")
        for bank in banks:
            if not isinstance(bank, NeuralWFSA):
                raise ConfigError(f"pattern banks must be rational.nn.NeuralWFSA modules, got {type(bank).__name__}")
        kinds = {(bank.parameterization, bank.input_size) for bank in banks}
        if len(kinds) != 1:
            raise ConfigError(f"the banks read different inputs ({sorted(kinds)}); they must share one embedding")
        self.banks = banks
        self.parameterization, input_size = kinds.pop()
        self.vocab = list(vocab.tokens if isinstance(vocab, Vocabulary) else vocab)
        self.index = {word: i for i, word in enumerate(self.vocab)}
        if len(self.index) != len(self.vocab):
            raise ConfigError("the vocabulary names a word twice")
        if self.parameterization == "projected":
            if embedding is None:
                raise ConfigError("projected banks read word vectors: pass the embedding (an nn.Embedding or a (V, D) tensor)")
            table = embedding.weight if isinstance(embedding, nn.Embedding) else torch.as_tensor(embedding)
            if table.dim() != 2 or table.shape != (len(self.vocab), input_size):
                raise ShapeError(
                    f"the embedding has shape {tuple(table.shape)} but the vocabulary has {len(self.vocab)} words "
                    f"and the banks read vectors of size {input_size}"
                )
            self.embedding_table = table.detach()
        else:
            if len(self.vocab) != input_size:
                raise ShapeError(f"the vocabulary has {len(self.vocab)} words but the banks read {input_size} token ids")
            self.embedding_table = None
        self.head = head
        self.features = features or _concatenate
        self.scorer = scorer
        self.exporter = exporter
        self.from_automata = from_automata
        self.tokenizer = tokenizer or Tokenizer()
        self.labels = list(labels) if labels is not None else None
        self.patterns: list[Pattern] = []
        for b, bank in enumerate(banks):
            template = bank.template
            length = template.chain_length if template.is_chain else template.num_states - 1
            for c in range(bank.copies):
                self.patterns.append(Pattern(len(self.patterns), b, c, int(length), bank))

    # -- words -------------------------------------------------------------------------
    @property
    def unk_index(self) -> int | None:
        """The id unknown words map to (``<unk>``), or ``None`` when there is none."""
        return self.index.get(UNK)

    @property
    def special_ids(self) -> list[int]:
        """Ids of ``<pad>`` and ``<unk>`` (left out of word lists shown to people)."""
        return [self.index[w] for w in (PAD, UNK) if w in self.index]

    def tokens(self, document: Any) -> list[str]:
        """A document's tokens: a string split by the tokenizer, a list of tokens, or
        an example's ``.tokens``."""
        if isinstance(document, str):
            return self.tokenizer(document)
        return self.tokenizer.normalize(list(getattr(document, "tokens", document)))

    def ids(self, tokens: Sequence[str]) -> list[int]:
        """Token ids; unknown words map to ``<unk>``.

        Raises:
            ShapeError: for an unknown word when the vocabulary has no ``<unk>``.
        """
        unk = self.unk_index
        out = []
        for token in tokens:
            found = self.index.get(token, unk)
            if found is None:
                raise ShapeError(f"word {token!r} is not in the vocabulary, which has no {UNK!r} to map it to")
            out.append(found)
        return out

    def encode(self, documents: Sequence[Any]) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded token ids ``(B, T)`` and the prefix mask of documents (see :meth:`tokens`)."""
        rows = [self.ids(self.tokens(d)) for d in documents]
        width = max((len(r) for r in rows), default=0)
        ids = torch.zeros(len(rows), width, dtype=torch.int64)
        mask = torch.zeros(len(rows), width, dtype=torch.bool)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.as_tensor(row, dtype=torch.int64)
            mask[i, : len(row)] = True
        return ids, mask

    # -- scores ------------------------------------------------------------------------
    def inputs(self, ids: torch.Tensor) -> torch.Tensor:
        """What the banks read: word vectors ``(B, T, D)`` (projected) or the ids."""
        if self.embedding_table is None:
            return ids
        return self.embedding_table.to(self.banks[0].weight.dtype)[ids]

    def bank_documents(self, ids: torch.Tensor, mask: torch.Tensor) -> list[torch.Tensor]:
        """Each bank's document scores ``(B, copies)`` (in its semiring), no gradients."""
        with torch.no_grad():
            x = self.inputs(ids)
            return [bank(x, mask).document for bank in self.banks]

    def pattern_scores(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Every pattern's document score ``(B, P)``, in the banks' semiring."""
        return torch.cat([d.to(torch.float64) for d in self.bank_documents(ids, mask)], dim=-1)

    def head_input(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """What the head reads ``(B, P)``, one column per pattern."""
        with torch.no_grad():
            if self.scorer is not None:
                return self.scorer(ids, mask)
            return self.features(self.bank_documents(ids, mask))

    def automaton(self, pattern: Pattern, words: Sequence[str], top_k: int | None = None) -> WFSA:
        """``pattern`` exported over ``words`` (each in the vocabulary), every arc
        keeping its ``top_k`` best words (all of them with ``None``: exact)."""
        ids = [self.index[w] for w in words]
        inputs: Any = ids if self.embedding_table is None else self.embedding_table[ids].to(torch.float64)
        if self.exporter is not None:
            return self.exporter(pattern, list(words), inputs, top_k)
        if self.embedding_table is None:
            return _renamed(pattern.module.to_wfsa(ids, copy=pattern.copy, top_k=top_k), list(words))
        return pattern.module.to_wfsa(list(words), inputs, copy=pattern.copy, top_k=top_k)

    def head_input_from_automata(self, scores: torch.Tensor) -> torch.Tensor:
        """The head's input ``(N, P)`` from the exported automata's scores ``(N, P)``."""
        if self.from_automata is not None:
            return self.from_automata(scores)
        split, start = [], 0
        for bank in self.banks:
            split.append(scores[:, start : start + bank.copies])
            start += bank.copies
        return self.features(split)

    def logits(self, features: torch.Tensor) -> torch.Tensor:
        """The head's class logits for head inputs ``(B, P)``.

        Raises:
            ConfigError: when the model has no head.
        """
        if self.head is None:
            raise ConfigError("this model has no classifier head: give one (head=...) to explain predictions")
        with torch.no_grad():
            return self.head(features)

    # -- words on arcs -------------------------------------------------------------------
    def arc_word_weights(self, pattern: Pattern) -> torch.Tensor:
        """``(V, arcs)``: the weight (working semiring) of each token arc of
        ``pattern`` on every word of the vocabulary."""
        with torch.no_grad():
            if self.embedding_table is None:
                x = torch.arange(len(self.vocab))[None, :]
            else:
                x = self.embedding_table.to(pattern.module.weight.dtype)[None, :, :]
            return pattern.module.arc_weights(x)[0, :, pattern.copy, :]

    def pattern(self, which: int | Pattern) -> Pattern:
        """A pattern by index.

        Raises:
            ConfigError: for an index outside ``0..P-1``.
        """
        if isinstance(which, Pattern):
            return which
        if isinstance(which, bool) or not isinstance(which, int) or not 0 <= which < len(self.patterns):
            raise ConfigError(f"pattern must be an index 0..{len(self.patterns) - 1}, got {which!r}")
        return self.patterns[which]


def _renamed(machine: WFSA, words: list[str]) -> WFSA:
    """A lexical export's machine over ``words`` (its symbol ``i`` stands for ``words[i]``)."""
    src, label, dst, weight = machine.arc_arrays
    return WFSA.from_arrays(machine.semiring, SymbolTable(words), machine.initial_weights, machine.final_weights,
                            src, label, dst, weight, validate=False)


def carries_vocabulary(model: Any) -> bool:
    """Whether ``model`` knows its words (a :class:`PatternModel` or a loaded
    checkpoint); a bare module or classifier needs its vocabulary given."""
    return isinstance(model, PatternModel) or (
        hasattr(model, "model") and hasattr(model, "vocab") and hasattr(model, "tokenizer")
    )


def documents_of(dataset: Any) -> list[Sequence[str] | str]:
    """The documents of a data set: strings, token lists, or examples with ``.tokens``.

    Raises:
        ShapeError: for anything else.
    """
    documents = []
    for item in dataset:
        if isinstance(item, str):
            documents.append(item)
        elif hasattr(item, "tokens"):
            documents.append(list(item.tokens))
        elif isinstance(item, Sequence) and all(isinstance(t, str) for t in item):
            documents.append(list(item))
        else:
            raise ShapeError(f"a document is a string, a list of tokens or an example with .tokens; got {item!r}")
    return documents


def as_pattern_model(
    model: Any,
    vocab: Sequence[str] | Vocabulary | None = None,
    embeddings: nn.Embedding | torch.Tensor | None = None,
    head: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> PatternModel:
    """Read ``model`` as a :class:`PatternModel`.

    Args:
        model: a :class:`PatternModel` (returned as it is); a
            :class:`~rational.nn.NeuralWFSA` (give ``vocab``, and ``embeddings``
            when it is projected); a classifier whose encoder holds its banks
            (``encoder.pattern_banks()``), with ``vocab``; or a loaded
            :class:`~rational.train.checkpoint.Checkpoint` of such a classifier.
        vocab: the words, in id order.
        embeddings: a projected module's word vectors ``(V, D)``.
        head: a bare module's classifier on its pattern scores (optional).

    A classifier is switched to evaluation mode (no dropout), so that the
    explanation reads the predictions it makes.

    Raises:
        ConfigError: for a model with no automata to explain, or missing words.
    """
    if isinstance(model, PatternModel):
        return model
    if isinstance(model, NeuralWFSA):
        if vocab is None:
            if model.alphabet is None:
                raise ConfigError("give the vocabulary (vocab=...): the words the module's token ids stand for")
            vocab = [str(s) for s in model.alphabet]
        return PatternModel([model], vocab, embeddings, head)
    checkpoint = None
    if hasattr(model, "model") and hasattr(model, "vocab") and hasattr(model, "tokenizer"):
        checkpoint, model = model, model.model
        vocab = checkpoint.vocab if vocab is None else vocab
    encoder = getattr(model, "encoder", None)
    banks = _encoder_banks(encoder)
    if banks is None:
        raise ConfigError(
            f"cannot read {type(model).__name__} as automata: explanation needs a NeuralWFSA or a classifier "
            "whose encoder holds one NeuralWFSA per group of patterns (such as SoPa)"
        )
    if vocab is None:
        raise ConfigError("give the vocabulary (vocab=...) the classifier was trained with")
    model.eval()
    embedding = model.embedding

    def scorer(ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return encoder(embedding(ids), mask).pooled

    def exporter(pattern: Pattern, words: list[str], vectors: torch.Tensor, top_k: int | None) -> WFSA:
        return encoder.to_wfsa(words, vectors, copy=pattern.index, top_k=top_k)

    return PatternModel(
        banks,
        vocab,
        embedding,
        head=model.output,
        tokenizer=checkpoint.tokenizer if checkpoint is not None else None,
        labels=checkpoint.labels if checkpoint is not None else None,
        scorer=scorer,
        exporter=exporter,
        from_automata=_no_match_as_zero,
    )


def _no_match_as_zero(scores: torch.Tensor) -> torch.Tensor:
    """Automata scores as a pattern encoder pools them: a pattern that matches
    nowhere (``-inf`` in max-plus) reads as 0."""
    return torch.where(torch.isfinite(scores), scores, torch.zeros_like(scores))


def _encoder_banks(encoder: Any) -> list[NeuralWFSA] | None:
    """The banks of a pattern encoder: one :class:`~rational.nn.NeuralWFSA` per group
    of patterns in ``encoder.patterns``, whose copies are the pooled outputs in order,
    and a ``to_wfsa(vocab, embeddings, copy, top_k)`` exporting pattern ``copy``."""
    banks = list(getattr(encoder, "patterns", None) or [])
    if not banks or not all(isinstance(bank, NeuralWFSA) for bank in banks) or not hasattr(encoder, "to_wfsa"):
        return None
    if sum(bank.copies for bank in banks) != getattr(encoder, "output_size", -1):
        return None
    return banks
