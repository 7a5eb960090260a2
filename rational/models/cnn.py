"""A convolutional network with max-pooling over time (Kim 2014), as chain automata.

A filter of width ``w`` scores every window of ``w`` consecutive tokens,
``s_t = Σ_{k=1..w} (W_k · x_{t-w+k} + b_k)``, and max-pooling keeps the best window:
``max_t s_t``. That is the document score of a chain of ``w`` main arcs without
self-loops (``Template.chain(w, self_loops=False)``), unanchored, in ``MaxPlus`` with
the affine score as each arc's weight: a path reads exactly ``w`` consecutive tokens
and the ⊕ (max) runs over where it starts. The features are ``g(max_t s_t)`` for a
monotone ``g`` (ReLU by default, as Kim's), which is ``max_t g(s_t)``; the
per-position outputs are ``g(s_t)``. A text shorter than a filter has no window: that
filter's feature is 0.

Examples:
    >>> import torch
    >>> from rational.models import CNN
    >>> encoder = CNN(8, filters={2: 4, 3: 5})
    >>> out = encoder(torch.randn(2, 6, 8), torch.ones(2, 6, dtype=torch.bool))
    >>> tuple(out.pooled.shape), encoder.output_size
    ((2, 9), 9)
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from rational.errors import ConfigError
from rational.models.base import Encoder, EncoderOutput, check_inputs
from rational.models.chain import finite_or_zero
from rational.models.sopa import length_spec
from rational.nn.compile import NeuralWFSA
from rational.nn.compile import compile as compile_template
from rational.nn.template import Template
from rational.semirings import MaxPlus
from rational.symbols import SymbolTable
from rational.wfsa import WFSA

__all__ = ["ACTIVATIONS", "CNN", "DEFAULT_FILTERS"]

#: Kim's (2014) filters: 100 each of widths 3, 4 and 5.
DEFAULT_FILTERS: Mapping[int, int] = MappingProxyType({3: 100, 4: 100, 5: 100})

#: The monotone functions applied to window scores.
ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "identity": lambda x: x}


class CNN(Encoder):
    """Kim's (2014) convolutional text encoder, as chain automata in ``MaxPlus``.

    Args:
        input_size: the embedding dimension ``D``.
        filters: filter width -> number of filters of that width (a mapping, its
            JSON form with string keys, or a string such as ``"3:100,4:100,5:100"``).
        activation: ``"relu"`` (default), ``"tanh"`` or ``"identity"``.

    Raises:
        ConfigError: for bad widths, counts or activation.

    Examples:
        >>> CNN(4, filters="2:3").filters[0].template
        Template(chain of length 2, 3 states, 2 token arcs, 0 epsilon arcs, initial (0,), final (2,))
    """

    def __init__(
        self, input_size: int, filters: Mapping[int, int] | str = DEFAULT_FILTERS, activation: str = "relu"
    ) -> None:
        super().__init__()
        if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size < 1:
            raise ConfigError(f"CNN needs a positive integer input_size, got {input_size!r}")
        if activation not in ACTIVATIONS:
            raise ConfigError(f"CNN activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
        self.spec = length_spec(filters, "filters", "CNN")
        self.activation = activation
        self.input_size = input_size
        self.output_size = sum(count for _, count in self.spec)
        self.filters = nn.ModuleList(
            compile_template(
                Template.chain(width, self_loops=False),
                MaxPlus,
                parameterization="projected",
                input_size=input_size,
                copies=count,
                activation="identity",
            )
            for width, count in self.spec
        )

    def forward(self, inputs: Tensor, mask: Tensor, state: Any = None) -> EncoderOutput:
        """Encode a batch (see :class:`~rational.models.base.Encoder`): ``pooled`` holds
        ``g(max_t s_t)`` per filter, ``sequence`` the window scores ``g(s_t)`` of the
        windows ending at each position (0 where no window ends)."""
        check_inputs(self, inputs, mask, state)
        act = ACTIVATIONS[self.activation]
        sequences, documents = [], []
        for bank in self.filters:
            out = bank(inputs, mask)
            sequences.append(act(finite_or_zero(out.ends)))
            documents.append(out.document)
        sequence = torch.cat(sequences, dim=-1) * mask.unsqueeze(-1).to(inputs.dtype)
        return EncoderOutput(sequence, self.pattern_features(documents))

    def pattern_banks(self) -> list[NeuralWFSA]:
        """The filter banks, one module per width, in the order of ``pooled``."""
        return list(self.filters)

    def pattern_features(self, documents: list[Tensor]) -> Tensor:
        """``pooled`` from the banks' best window scores (``(B, copies)`` each): ``g``
        of each, 0 where no window fits."""
        act = ACTIVATIONS[self.activation]
        return torch.cat([act(finite_or_zero(document)) for document in documents], dim=-1)

    def locate(self, copy: int) -> tuple[NeuralWFSA, int]:
        """The filter bank holding feature ``copy`` and the filter's index in it.

        Raises:
            ValueError: for a feature outside ``0..output_size - 1``.
        """
        if isinstance(copy, bool) or not isinstance(copy, (int, np.integer)) or not 0 <= copy < self.output_size:
            raise ValueError(f"copy must be a feature 0..{self.output_size - 1}, got {copy!r}")
        copy = int(copy)
        for bank in self.filters:
            if copy < bank.copies:
                return bank, copy
            copy -= bank.copies
        raise AssertionError("unreachable")  # pragma: no cover

    def to_wfsa(
        self,
        vocab: SymbolTable | Sequence[Hashable] | None,
        embeddings: Tensor | np.ndarray,
        copy: int = 0,
        top_k: int | None = None,
    ) -> WFSA:
        """The automaton of one filter over a vocabulary: it scores a sentence as the
        filter's best window score ``max_t s_t`` (before ``g``; ``-inf`` when the
        sentence is shorter than the filter).

        Args:
            vocab: one name per row of ``embeddings``.
            embeddings: ``(V, D)`` the words' vectors.
            copy: the feature, ``0..output_size - 1``.
            top_k: keep each arc's ``top_k`` best words only (approximate).
        """
        bank, index = self.locate(copy)
        return bank.to_wfsa(vocab, embeddings, copy=index, top_k=top_k)

    def extra_repr(self) -> str:
        return f"filters={dict(self.spec)}, activation={self.activation!r}"
