"""Soft patterns (SoPa; Schwartz et al. 2018): weighted patterns matched anywhere in a text.

A pattern of length ``L`` is a chain of states ``0..L`` with main arcs ``j -> j+1``
(each reads one token), self-loops on the interior states ``1..L-1`` (a match may
linger inside the pattern) and, optionally, epsilon arcs ``j -> j+1`` (skip a pattern
position without reading): ``Template.chain(L, self_loops=True, epsilons=True)``.
Every token arc weighs ``g(w_arc · x_t + b_arc)``; every epsilon arc has a learned
weight. A pattern's score of a text is the ⊕ over all its non-empty spans of the ⊕
over the pattern's paths through the span (an unanchored
:class:`~rational.nn.NeuralWFSA`, one per pattern length, holding the patterns of
that length as copies):

============  ==================================  ==========================================
semiring      arc weight ``g``                    document score
============  ==================================  ==========================================
``MaxPlus``   the affine score itself             best span, best path: a sum of scores
``MaxTimes``  ``σ`` (computed as ``log σ``)       best span, best path: a product in [0, 1]
``Real``      ``σ`` (computed as ``log σ``)       sum over spans and paths (in log space)
============  ==================================  ==========================================

``pooled`` holds the document score of every pattern (in the semiring's own values:
the ``Real`` sum, not its logarithm); a classifier reads it through an MLP (SoPa's:
ReLU, 25 hidden units; ``TextClassifier(..., mlp_hidden=25)``). ``sequence`` holds
at each position the score of the spans ending there. A pattern that matches nowhere
(a text shorter than the pattern, without epsilons) scores 0 in ``pooled``.

**Epsilon semantics.** The library's automata take the full epsilon closure after
every token (and before the first one), so a match may skip any number of pattern
positions in a row, including its last ones after its last token. The published
SoPa step (Schwartz et al. 2018, and their code) applies at most one epsilon arc
before each token, ``ε̂[j] = h[j] ⊕ h[j-1] ⊗ ε_{j-1}``, and none after the last
token. The two agree whenever no match uses two epsilons in a row or ends with one
(and without epsilons exactly). Other differences from the published code: its
pattern "length" counts states (here: tokens, the main arcs), it puts self-loops on
every state including the first and the last (here: interior states only), and it
scales the self-loops and biases by fixed factors.

Examples:
    >>> import torch
    >>> from rational.models import SoPa
    >>> encoder = SoPa(8, pattern_lengths={3: 4, 2: 5})
    >>> out = encoder(torch.randn(2, 6, 8), torch.ones(2, 6, dtype=torch.bool))
    >>> tuple(out.pooled.shape), encoder.output_size
    ((2, 9), 9)
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from rational.errors import ConfigError
from rational.models.base import Encoder, EncoderOutput, check_inputs
from rational.models.chain import finite_or_zero, semiring_option
from rational.nn.compile import NeuralWFSA
from rational.nn.compile import compile as compile_template
from rational.nn.template import Template
from rational.semirings import Log, MaxPlus, MaxTimes, Real, Semiring
from rational.symbols import SymbolTable
from rational.wfsa import WFSA

__all__ = ["DEFAULT_PATTERNS", "SoPa", "length_spec"]

#: SoPa's default: 50 patterns each of lengths 5, 4, 3 and 2.
DEFAULT_PATTERNS: Mapping[int, int] = MappingProxyType({5: 50, 4: 50, 3: 50, 2: 50})


def length_spec(value: Mapping | str | Sequence, what: str, model: str) -> list[tuple[int, int]]:
    """``(length, count)`` pairs from a mapping (integer or, as JSON stores them,
    string keys), a list of pairs, or a string ``"5:50,4:50"`` (also SoPa's own
    ``"5-50_4-50"``), in the order given.

    Raises:
        ConfigError: for a malformed value, a length or count below 1, or a repeated length.

    Examples:
        >>> length_spec({"5": 50, 2: 10}, "pattern_lengths", "SoPa")
        [(5, 50), (2, 10)]
        >>> length_spec("3-20_2-10", "pattern_lengths", "SoPa")
        [(3, 20), (2, 10)]
    """
    try:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("{"):
                items = list(json.loads(text).items())
            else:
                items = [part.replace("-", ":").split(":") for part in text.replace("_", ",").split(",") if part.strip()]
        elif isinstance(value, Mapping):
            items = list(value.items())
        else:
            items = list(value)
        pairs = []
        for item in items:
            length, count = item
            if isinstance(length, bool) or isinstance(count, bool) or isinstance(count, float):
                raise ValueError
            pairs.append((int(length), int(count)))
    except (TypeError, ValueError, json.JSONDecodeError):
        raise ConfigError(
            f"{model} {what} must map lengths to counts, e.g. {{5: 50, 4: 50}} or \"5:50,4:50\"; got {value!r}"
        ) from None
    if not pairs:
        raise ConfigError(f"{model} needs at least one entry in {what}, got {value!r}")
    lengths = [length for length, _ in pairs]
    for length, count in pairs:
        if length < 1 or count < 1:
            raise ConfigError(f"{model} {what}: lengths and counts must be at least 1, got {length}: {count}")
    if len(set(lengths)) != len(lengths):
        raise ConfigError(f"{model} {what} repeats a length: {lengths}")
    return pairs


class SoPa(Encoder):
    """Soft patterns (Schwartz et al. 2018) as compiled chain automata.

    Args:
        input_size: the embedding dimension ``D``.
        pattern_lengths: pattern length (tokens, i.e. main arcs) -> number of
            patterns of that length (a mapping, its JSON form, or ``"5:50,4:50"``).
        semiring: ``"MaxPlus"`` (default), ``"MaxTimes"`` or ``"Real"`` (or the
            semiring objects).
        self_loops: self-loops on the interior states.
        epsilons: epsilon arcs ``j -> j+1`` (skip a pattern position).

    Raises:
        ConfigError: for a bad pattern specification or semiring.

    Examples:
        >>> encoder = SoPa(4, pattern_lengths="3:2", semiring="Real")
        >>> encoder.patterns[0].semiring.name    # Real sums run in log space
        'Log'
    """

    def __init__(
        self,
        input_size: int,
        pattern_lengths: Mapping[int, int] | str = DEFAULT_PATTERNS,
        semiring: Semiring | str = "MaxPlus",
        self_loops: bool = True,
        epsilons: bool = True,
    ) -> None:
        super().__init__()
        if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < 1:
            raise ConfigError(f"SoPa needs a positive integer input_size, got {input_size!r}")
        self.spec = length_spec(pattern_lengths, "pattern_lengths", "SoPa")
        self.semiring = semiring_option(semiring, [MaxPlus, MaxTimes, Real], "SoPa")
        self.self_loops = bool(self_loops)
        self.epsilons = bool(epsilons)
        self.input_size = input_size
        self.output_size = sum(count for _, count in self.spec)
        # Real sums of products of sigmoids underflow: they run in Log and come back with exp
        ring = Log if self.semiring is Real else self.semiring
        activation = "identity" if self.semiring is MaxPlus else "auto"
        self.patterns = nn.ModuleList(
            compile_template(
                Template.chain(length, self_loops=self.self_loops, epsilons=self.epsilons),
                ring,
                parameterization="projected",
                input_size=input_size,
                copies=count,
                activation=activation,
            )
            for length, count in self.spec
        )

    def _values(self, scores: Tensor) -> Tensor:
        """Module outputs as the semiring's own values, no match as 0."""
        if self.semiring is Real:
            return scores.exp()
        if self.semiring is MaxPlus:
            return finite_or_zero(scores)
        return scores  # MaxTimes: already products in [0, 1], no match is 0

    def forward(self, inputs: Tensor, mask: Tensor, state: Any = None) -> EncoderOutput:
        """Encode a batch (see :class:`~rational.models.base.Encoder`): ``pooled`` holds
        every pattern's document score, ``sequence`` the score of the spans ending at
        each position."""
        check_inputs(self, inputs, mask, state)
        sequences, documents = [], []
        for module in self.patterns:
            out = module(inputs, mask)
            sequences.append(self._values(out.ends))
            documents.append(out.document)
        sequence = torch.cat(sequences, dim=-1) * mask.unsqueeze(-1).to(inputs.dtype)
        return EncoderOutput(sequence, self.pattern_features(documents))

    def pattern_banks(self) -> list[NeuralWFSA]:
        """The compiled automata, one module per pattern length, in the order of
        ``pooled`` (what :mod:`rational.explain` reads)."""
        return list(self.patterns)

    def pattern_features(self, documents: list[Tensor]) -> Tensor:
        """``pooled`` from the banks' document scores (``(B, copies)`` each, in the
        modules' semirings): the semiring's own values, no match as 0."""
        return torch.cat([self._values(document) for document in documents], dim=-1)

    def locate(self, copy: int) -> tuple[NeuralWFSA, int]:
        """The module holding pattern ``copy`` (patterns are numbered in the order of
        ``pattern_lengths``) and the pattern's index in it.

        Raises:
            ValueError: for a pattern outside ``0..output_size - 1``.

        Examples:
            >>> module, index = SoPa(4, pattern_lengths={3: 2, 2: 5}).locate(3)
            >>> module.template.chain_length, index
            (2, 1)
        """
        if isinstance(copy, bool) or not isinstance(copy, (int, np.integer)) or not 0 <= copy < self.output_size:
            raise ValueError(f"copy must be a pattern 0..{self.output_size - 1}, got {copy!r}")
        copy = int(copy)
        for module in self.patterns:
            if copy < module.copies:
                return module, copy
            copy -= module.copies
        raise AssertionError("unreachable")  # pragma: no cover

    def to_wfsa(
        self,
        vocab: SymbolTable | Sequence[Hashable] | None,
        embeddings: Tensor | np.ndarray,
        copy: int = 0,
        top_k: int | None = None,
    ) -> WFSA:
        """One pattern as a WFSA over a vocabulary, in SoPa's semiring.

        The machine scores a sentence as the pattern's document score in
        ``pooled`` (a ``Real`` pattern's machine holds the probabilities, not their
        logarithms; a ``MaxPlus`` pattern that matches nowhere scores ``-inf``,
        where ``pooled`` holds 0).

        Args:
            vocab: one name per row of ``embeddings`` (default: the row numbers).
            embeddings: ``(V, D)`` the words' vectors (a classifier's ``model.embedding.weight``).
            copy: the pattern, ``0..output_size - 1``.
            top_k: keep each arc's ``top_k`` best words only (approximate).

        Raises:
            ValueError: for a bad ``copy`` or ``top_k``.
            ShapeError: for embeddings that do not fit.
        """
        module, index = self.locate(copy)
        machine = module.to_wfsa(vocab, embeddings, copy=index, top_k=top_k)
        if self.semiring is Real:
            return machine.map_weights(np.exp, Real)
        return machine

    def extra_repr(self) -> str:
        return (
            f"pattern_lengths={dict(self.spec)}, semiring={self.semiring.name}, self_loops={self.self_loops}, "
            f"epsilons={self.epsilons}"
        )
