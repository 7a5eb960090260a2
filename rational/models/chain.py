"""Recurrent layers whose cells are chain automata: what the rational RNN, the QRNN and the SRU share.

A :class:`ChainCell` is one layer in one direction: ``hidden_size`` automata with one
chain :class:`~rational.nn.Template` (one automaton per hidden unit), compiled with
:func:`rational.nn.compile` (projected, unanchored). Each token arc has its own
affine projection of the input (the compiled module's ``weight`` and ``bias``); a
subclass turns those scores, and any gates of its own, into the arcs' weights
(:meth:`ChainCell.arc_weights`: a rational RNN's ``u = ũ ⊙ (1 - f)``, a QRNN's
``f ⊙ z``) and runs the automata with
:meth:`~rational.nn.NeuralWFSA.forward_weights`, on the fast chain scans. The cell
value ``c_t`` is the automata's ``ends`` at ``t``: the ⊕ over spans ending at ``t``
of their scores, final weights applied. :meth:`ChainCell.output` makes the hidden
vector ``h_t`` from it.

:class:`ChainEncoder` stacks cells into an :class:`~rational.models.base.Encoder`:
layers, dropout between them, a backward direction, the state carried between the
chunks of a stream (the forward vectors after the last token), pooling, and
:meth:`ChainEncoder.to_wfsa`, the first layer's automata over a vocabulary.

Examples:
    >>> import torch
    >>> from rational.models import RationalRNN
    >>> encoder = RationalRNN(4, hidden_size=3, n=2)
    >>> out = encoder(torch.randn(2, 5, 4), torch.ones(2, 5, dtype=torch.bool))
    >>> tuple(out.sequence.shape), len(out.state)
    ((2, 5, 3), 1)
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rational.errors import ConfigError, ShapeError
from rational.models.base import POOLINGS, Encoder, EncoderOutput, check_inputs, pool
from rational.nn.compile import NeuralWFSA
from rational.nn.compile import compile as compile_template
from rational.nn.template import Template
from rational.semirings import Log, MaxPlus, MaxTimes, Real, Semiring
from rational.symbols import SymbolTable
from rational.wfsa import WFSA

__all__ = ["ChainCell", "ChainEncoder", "finite_or_zero", "reverse_padded", "semiring_option"]

_SEMIRING_NAMES = {
    "real": Real,
    "prob": Real,
    "maxplus": MaxPlus,
    "max-plus": MaxPlus,
    "maxtimes": MaxTimes,
    "max-times": MaxTimes,
    "log": Log,
}


def semiring_option(value: Semiring | str, allowed: Sequence[Semiring], model: str) -> Semiring:
    """A model's ``semiring`` option: a semiring object or its name (case-insensitive;
    ``"prob"`` is ``Real``, ``"max-plus"`` is ``MaxPlus``), as JSON configs store it.

    Raises:
        ConfigError: for an unknown name or a semiring the model does not support.

    Examples:
        >>> semiring_option("max-plus", [Real, MaxPlus], "RationalRNN").name
        'MaxPlus'
    """
    semiring = _SEMIRING_NAMES.get(value.lower()) if isinstance(value, str) else value
    if not any(semiring is ring for ring in allowed):
        names = ", ".join(ring.name for ring in allowed)
        raise ConfigError(f"{model} supports the semirings {names}; got {value!r}")
    return semiring


def _positive(model: str, **values: Any) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{model} needs a positive integer {name}, got {value!r}")


def reverse_padded(x: Tensor, lengths: Tensor) -> Tensor:
    """Reverse each row's first ``lengths[b]`` positions along axis 1; padding stays put.

    Examples:
        >>> x = torch.tensor([[1, 2, 3], [4, 5, 0]])
        >>> reverse_padded(x, torch.tensor([3, 2])).tolist()
        [[3, 2, 1], [5, 4, 0]]
    """
    time = x.shape[1]
    positions = torch.arange(time, device=x.device).unsqueeze(0)
    index = torch.where(positions < lengths.unsqueeze(1), lengths.unsqueeze(1) - 1 - positions, positions)
    index = index.view(*index.shape, *([1] * (x.dim() - 2))).expand_as(x)
    return x.gather(1, index)


def _project(linear: nn.Linear, inputs: Tensor) -> Tensor:
    """``linear(inputs)`` in the inputs' dtype (float64 exports of a float32 model)."""
    bias = None if linear.bias is None else linear.bias.to(inputs.dtype)
    return F.linear(inputs, linear.weight.to(inputs.dtype), bias)


class ChainCell(nn.Module):
    """One layer, one direction: ``hidden_size`` chain automata whose arc weights
    come from projections of the input.

    Args:
        input_size: the size of the vectors it reads.
        hidden_size: the number of automata (hidden units).
        template: the chain template every unit shares.
        semiring: ``Real`` or ``MaxPlus`` (the working semiring of the arc weights).
        window: how many consecutive inputs each step reads (1, or 2 for a QRNN
            whose gates read ``[x_t; x_{t-1}]``).
        main_bias: whether main arcs' projections have a bias (a rational RNN's
            ``ũ = W x`` and an SRU's ``W x`` have none).

    Subclasses implement :meth:`arc_weights` and :meth:`output`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        template: Template,
        semiring: Semiring,
        window: int = 1,
        main_bias: bool = True,
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.window = window
        self.automaton: NeuralWFSA = compile_template(
            template,
            semiring,
            parameterization="projected",
            input_size=input_size * window,
            copies=hidden_size,
            anchored=False,
            activation="identity",
        )
        mask = torch.ones(template.num_arcs)
        if not main_bias:
            mask[: template.chain_length] = 0.0
        self.register_buffer("bias_mask", mask, persistent=False)
        self.reset_parameters()

    @property
    def template(self) -> Template:
        return self.automaton.template

    def reset_parameters(self) -> None:
        """Glorot-uniform projections and zero biases (Peng et al. 2018)."""
        bound = math.sqrt(6.0 / (self.input_size * self.window + self.hidden_size))
        with torch.no_grad():
            self.automaton.weight.uniform_(-bound, bound)
            self.automaton.bias.zero_()

    # -- the parts a model defines ----------------------------------------------------------
    def arc_weights(self, scores: Tensor, inputs: Tensor) -> Tensor:  # pragma: no cover - abstract
        """Token-arc weights ``(..., hidden, arcs)`` (working semiring) from the arcs'
        affine scores ``(..., hidden, arcs)`` and the (windowed) inputs ``(..., D)``."""
        raise NotImplementedError

    def output(self, cells: Tensor, inputs: Tensor, original: Tensor) -> Tensor:  # pragma: no cover - abstract
        """Hidden vectors ``(B, T, hidden)`` from the cell values ``(B, T, hidden)``,
        the windowed inputs and the layer's own inputs ``(B, T, input_size)``."""
        raise NotImplementedError

    # -- running ------------------------------------------------------------------------------
    def scores(self, inputs: Tensor) -> Tensor:
        """The arcs' affine scores ``w_arc · x + b_arc``: ``(..., hidden, arcs)``."""
        module = self.automaton
        c, a = module.copies, module.template.num_arcs
        weight = module.weight.to(inputs.dtype).reshape(c * a, -1)
        bias = (module.bias * self.bias_mask).to(inputs.dtype).reshape(c * a)
        return F.linear(inputs, weight, bias).view(*inputs.shape[:-1], c, a)

    def windowed(self, x: Tensor, previous: Tensor | None) -> Tensor:
        """``[x_t; x_{t-1}; ...]`` for the window (``previous``: the input before
        ``x_1``, zeros at the start of a text)."""
        if self.window == 1:
            return x
        before = x.new_zeros(x.shape[0], 1, x.shape[2]) if previous is None else previous.unsqueeze(1)
        shifted = torch.cat([before, x[:, :-1]], dim=1)
        return torch.cat([x, shifted], dim=-1)

    def forward(self, x: Tensor, mask: Tensor, lengths: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """Hidden vectors ``(B, T, hidden)`` (zero at padding) and the state after
        each row's last token: ``(α, last input)`` (``last input`` only for a window
        of 2), where ``α`` ``(B, hidden, Q)`` is the automata's forward vector."""
        alpha, previous = (None, None) if state is None else state
        result, inputs = self._run(x, mask, state)
        hidden = self.output(result.ends, inputs, x).masked_fill(~mask.unsqueeze(-1), 0.0)
        return hidden, self._final_state(result.states, x, lengths, alpha, previous)

    def _run(self, x: Tensor, mask: Tensor | None, state: Any) -> tuple[Any, Tensor]:
        alpha, previous = (None, None) if state is None else state
        inputs = self.windowed(x, previous)
        weights = self.arc_weights(self.scores(inputs), inputs)
        return self.automaton.forward_weights(weights, mask, initial_states=alpha), inputs

    def cell_values(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """The cell values ``c_t`` ``(B, T, hidden)`` of inputs ``(B, T, input_size)``:
        the automata's scores of the spans ending at each position, before the
        output function (what :meth:`to_wfsa`'s machines score)."""
        return self._run(x, mask, None)[0].ends

    def _final_state(self, states: Tensor, x: Tensor, lengths: Tensor, alpha, previous) -> tuple:
        batch = x.shape[0]
        if alpha is None:
            start = self.automaton.initial_vector().to(states.dtype)
            alpha = start.unsqueeze(0).expand(batch, -1, -1)
        rows = torch.arange(batch, device=x.device)
        last = (lengths - 1).clamp(min=0)
        empty = (lengths == 0).view(-1, 1, 1)
        new_alpha = alpha if x.shape[1] == 0 else torch.where(empty, alpha, states[rows, last])
        if self.window == 1:
            return new_alpha, None
        if previous is None:
            previous = x.new_zeros(batch, x.shape[2])
        new_previous = previous if x.shape[1] == 0 else torch.where(empty[:, :, 0], previous, x[rows, last])
        return new_alpha, new_previous

    # -- export -------------------------------------------------------------------------------
    def word_table(self, embeddings: Tensor) -> Tensor:
        """``(V, hidden, arcs)`` float64 arc weights of every word (window 1)."""
        vectors = embeddings.detach().to(torch.float64)
        with torch.no_grad():
            return self.arc_weights(self.scores(vectors), vectors)

    def to_wfsa(self, vocab, embeddings: Tensor, unit: int, top_k: int | None) -> WFSA:
        """The automaton of one unit over the vocabulary: it scores a string as the
        unit's cell value ``c_T`` after reading it."""
        return self.automaton.to_wfsa(vocab, copy=unit, top_k=top_k, table=self.word_table(embeddings), span_end="last")


class ChainEncoder(Encoder):
    """Stacked :class:`ChainCell` layers behind the encoder interface.

    Args:
        input_size: the embedding dimension ``D``.
        hidden_size: units per direction.
        layers: stacked layers (layer ``k + 1`` reads layer ``k``'s outputs).
        bidirectional: add a right-to-left direction per layer (then not causal,
            no carried state).
        dropout: dropout between stacked layers.
        pooling: ``"last"`` (the last real position; the backward direction's
            output at the first position, which has read the whole text), ``"max"``
            or ``"mean"``.

    Subclasses implement :meth:`make_cell`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "last",
    ) -> None:
        super().__init__()
        name = type(self).__name__
        _positive(name, input_size=input_size, hidden_size=hidden_size, layers=layers)
        if not 0.0 <= dropout < 1.0:
            raise ConfigError(f"{name} needs 0 <= dropout < 1, got {dropout!r}")
        if pooling not in POOLINGS:
            raise ConfigError(f"unknown pooling {pooling!r} for {name}; choose one of {', '.join(POOLINGS)}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.layers = layers
        self.bidirectional = bool(bidirectional)
        self.directions = 2 if self.bidirectional else 1
        self.output_size = hidden_size * self.directions
        self.pooling = pooling
        self.causal = not self.bidirectional
        self.supports_state = not self.bidirectional
        self.dropout = nn.Dropout(dropout)
        sizes = [input_size] + [self.output_size] * (layers - 1)
        self.forward_cells = nn.ModuleList(self.make_cell(size) for size in sizes)
        self.backward_cells = nn.ModuleList(self.make_cell(size) for size in sizes) if self.bidirectional else None

    def make_cell(self, input_size: int) -> ChainCell:  # pragma: no cover - abstract
        """One layer's cell reading vectors of ``input_size``."""
        raise NotImplementedError

    def forward(self, inputs: Tensor, mask: Tensor, state: Any = None) -> EncoderOutput:
        """Encode a batch (see :class:`~rational.models.base.Encoder`).

        ``state`` (unidirectional only) is the ``state`` of a previous output, one
        entry per layer: the forward vectors after the last token (and, for a
        window of 2, that token's input vector).
        """
        lengths = check_inputs(self, inputs, mask, state)
        if state is not None and len(state) != self.layers:
            raise ShapeError(f"{type(self).__name__} state must hold one entry per layer ({self.layers}), got {len(state)}")
        # padding may hold anything; zeros keep it out of every gate (and its gradients finite)
        x = inputs if bool(mask.all()) else inputs.masked_fill(~mask.unsqueeze(-1), 0.0)
        finals = []
        for layer in range(self.layers):
            if layer > 0:
                x = self.dropout(x)
            forward_out, final = self.forward_cells[layer](x, mask, lengths, None if state is None else state[layer])
            finals.append(final)
            if self.bidirectional:
                reversed_out, _ = self.backward_cells[layer](reverse_padded(x, lengths), mask, lengths)
                forward_out = torch.cat([forward_out, reverse_padded(reversed_out, lengths)], dim=-1)
            x = forward_out
        sequence = x
        if self.pooling == "last" and self.bidirectional:
            last = pool(sequence[..., : self.hidden_size], mask, "last")
            pooled = torch.cat([last, sequence[:, 0, self.hidden_size :] if sequence.shape[1] else last], dim=-1)
            pooled = pooled.masked_fill((lengths == 0).unsqueeze(-1), 0.0)
        else:
            pooled = pool(sequence, mask, self.pooling) if sequence.shape[1] else sequence.new_zeros(
                sequence.shape[0], self.output_size
            )
        return EncoderOutput(sequence, pooled, tuple(finals) if self.supports_state else None)

    def to_wfsa(
        self,
        vocab: SymbolTable | Sequence[Hashable] | None,
        embeddings: Tensor | np.ndarray,
        copy: int = 0,
        top_k: int | None = None,
    ) -> WFSA:
        """The automaton of one hidden unit of the first layer, over a vocabulary.

        It scores a sentence as the unit's cell value ``c_T`` after the whole
        sentence (before the output function: gates, ``tanh``); a backward unit's
        machine is reversed, so it too reads the sentence left to right. Higher
        layers read vectors, not words, and have no such automaton.

        Args:
            vocab: one name per row of ``embeddings`` (default: the row numbers).
            embeddings: ``(V, D)`` the words' vectors (a classifier's
                ``model.embedding.weight``).
            copy: the unit, ``0..output_size - 1`` (backward units follow the forward ones).
            top_k: keep each arc's ``top_k`` best words only (approximate).

        Raises:
            ValueError: for a bad ``copy``.
            ShapeError: for embeddings of the wrong shape.
        """
        if isinstance(copy, bool) or not isinstance(copy, (int, np.integer)) or not 0 <= copy < self.output_size:
            raise ValueError(f"copy must be a unit 0..{self.output_size - 1}, got {copy!r}")
        table = torch.as_tensor(np.asarray(embeddings) if not torch.is_tensor(embeddings) else embeddings)
        if table.dim() != 2 or table.shape[1] != self.input_size:
            raise ShapeError(f"embeddings must have shape (V, {self.input_size}), got {tuple(table.shape)}")
        if copy < self.hidden_size:
            return self.forward_cells[0].to_wfsa(vocab, table, int(copy), top_k)
        return self.backward_cells[0].to_wfsa(vocab, table, int(copy) - self.hidden_size, top_k).reverse()

    def extra_repr(self) -> str:
        return f"input_size={self.input_size}, hidden_size={self.hidden_size}, layers={self.layers}, pooling={self.pooling!r}"


def finite_or_zero(values: Tensor) -> Tensor:
    """``values`` with the max-plus zero (``-inf``: no path) replaced by 0."""
    return torch.where(torch.isfinite(values), values, torch.zeros_like(values))
