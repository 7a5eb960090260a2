"""Rational RNNs (Peng et al. 2018; Dodge et al. 2019): every hidden unit a chain automaton.

An ``n``-gram rational RNN gives each hidden unit a chain of states ``0..n`` with a
main arc ``j-1 -> j`` and a self-loop on every state ``j = 1..n``
(:meth:`Template.chain(n, self_loops=range(1, n + 1)) <rational.nn.Template.chain>`),
unanchored: state 0 is re-entered before every token, so a match may start anywhere.
With forget gates ``f_j = σ(w_{f_j} · x_t + b_{f_j})`` on the loops and
``u_j = ũ_j ⊙ (1 - f_j)``, ``ũ_j = w_{u_j} · x_t`` on the main arcs, the automaton's
forward scores ``c_j`` follow, in the ``Real`` semiring,

    c1_t = f1_t ⊙ c1_{t-1} + u1_t
    cj_t = fj_t ⊙ cj_{t-1} + c(j-1)_{t-1} ⊙ uj_t        (j = 2..n)

The cell value is ``c_t = Σ_j cj_t`` (``output="sum"``: every state ``1..n`` final)
or ``cn_t`` (``output="last"``: the last state final), then
``h_t = tanh(o_t ⊙ c_t)`` with the output gate ``o_t = σ(W_o x_t + b_o)``, or
``h_t = tanh(c_t)`` without it (``output_gate=False``). The unigram (``n=1``) is the
forget-mult of the QRNN and the SRU. In ``MaxPlus`` (Peng et al.'s max-plus
variant) the loops weigh ``log f_j`` and the main arcs ``ũ_j``, sums become maxima
and products sums; a state no path has reached yet (``-inf``) counts as 0 in ``c_t``.

Examples:
    >>> import torch
    >>> from rational.models import RationalRNN
    >>> encoder = RationalRNN(8, hidden_size=16, n=2)
    >>> out = encoder(torch.randn(3, 5, 8), torch.ones(3, 5, dtype=torch.bool))
    >>> tuple(out.sequence.shape), tuple(out.pooled.shape)
    ((3, 5, 16), (3, 16))
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rational.errors import ConfigError
from rational.models.chain import ChainCell, ChainEncoder, _project, finite_or_zero, semiring_option
from rational.models.sopa import length_spec
from rational.nn.template import Template
from rational.semirings import MaxPlus, Real, Semiring
from rational.wfsa import WFSA

__all__ = ["OUTPUTS", "MixedRationalCell", "RationalCell", "RationalRNN"]

#: How a unit's states make its cell value: their sum, or the last state alone.
OUTPUTS = ("sum", "last")


class RationalCell(ChainCell):
    """One layer of ``n``-gram rational units (see the module docstring).

    Args:
        input_size: the size of the vectors it reads.
        hidden_size: the number of units.
        n: states after the start state (the n-gram order).
        semiring: ``Real`` or ``MaxPlus``.
        output: ``"sum"`` or ``"last"``.
        output_gate: gate the cell value with ``σ(W_o x_t + b_o)``.
    """

    def __init__(
        self, input_size: int, hidden_size: int, n: int, semiring: Semiring, output: str, output_gate: bool
    ) -> None:
        final = range(1, n + 1) if output == "sum" else n
        template = Template.chain(n, self_loops=range(1, n + 1), final=final)
        self.n = n
        super().__init__(input_size, hidden_size, template, semiring, main_bias=False)
        self.gate = nn.Linear(input_size, hidden_size) if output_gate else None
        if self.gate is not None:
            bound = math.sqrt(6.0 / (input_size + hidden_size))
            nn.init.uniform_(self.gate.weight, -bound, bound)
            nn.init.zeros_(self.gate.bias)

    def arc_weights(self, scores: Tensor, inputs: Tensor) -> Tensor:
        """Main arcs ``ũ_j ⊙ (1 - f_j)`` (``MaxPlus``: ``ũ_j``), loops ``f_j`` (``log f_j``)."""
        u_tilde, forget = scores[..., : self.n], scores[..., self.n :]
        if self.automaton.working is Real:
            return torch.cat([u_tilde * torch.sigmoid(-forget), torch.sigmoid(forget)], dim=-1)
        return torch.cat([u_tilde, F.logsigmoid(forget)], dim=-1)

    def output(self, cells: Tensor, inputs: Tensor, original: Tensor) -> Tensor:
        cells = cells if self.automaton.working is Real else finite_or_zero(cells)
        if self.gate is not None:
            cells = torch.sigmoid(_project(self.gate, inputs)) * cells
        return torch.tanh(cells)


class MixedRationalCell(nn.Module):
    """One layer of rational units of several orders (what pruning leaves; Dodge et
    al. 2019): a :class:`RationalCell` per order, their outputs side by side.

    Args:
        input_size: the size of the vectors it reads.
        orders: ``(n, units)`` pairs, in output order.
        semiring, output, output_gate: as for :class:`RationalCell`.
    """

    def __init__(
        self, input_size: int, orders: list[tuple[int, int]], semiring: Semiring, output: str, output_gate: bool
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = sum(count for _, count in orders)
        self.cells = nn.ModuleList(RationalCell(input_size, count, n, semiring, output, output_gate) for n, count in orders)

    def forward(self, x: Tensor, mask: Tensor, lengths: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """As :meth:`ChainCell.forward`; the state holds one entry per order."""
        states = [None] * len(self.cells) if state is None else state
        results = [cell(x, mask, lengths, part) for cell, part in zip(self.cells, states)]
        return torch.cat([hidden for hidden, _ in results], dim=-1), tuple(final for _, final in results)

    def to_wfsa(self, vocab, embeddings: Tensor, unit: int, top_k: int | None) -> WFSA:
        """As :meth:`ChainCell.to_wfsa`, for the unit's own cell."""
        for cell in self.cells:
            if unit < cell.hidden_size:
                return cell.to_wfsa(vocab, embeddings, unit, top_k)
            unit -= cell.hidden_size
        raise ValueError(f"unit must be 0..{self.hidden_size - 1}")


class RationalRNN(ChainEncoder):
    """The ``n``-gram rational RNN of Peng et al. (2018), as stacked chain automata.

    Args:
        input_size: the embedding dimension ``D``.
        n: the n-gram order: states ``1..n`` after the start state (1 is the
            unigram forget-mult, 2 the bigram model); or units of several orders,
            ``{order: units}`` (as SoPa's ``pattern_lengths``: a mapping, its JSON
            form, or ``"4:10,1:5"``), in output order, as pruning leaves them.
        hidden_size: units per direction (with several orders: their total).
        layers: stacked layers.
        semiring: ``"Real"`` (default) or ``"MaxPlus"`` (or the semiring objects).
        output: ``"sum"`` (the cell value sums the unit's states) or ``"last"``.
        output_gate: gate the cell value with ``σ(W_o x_t + b_o)`` before ``tanh``.
        bidirectional: add a right-to-left direction (then not causal).
        dropout: dropout between stacked layers.
        pooling: ``"last"``, ``"max"`` or ``"mean"``: how a classifier's document vector
            is made from the per-position outputs.

    Raises:
        ConfigError: for a bad order, size, semiring, output or pooling.

    Examples:
        >>> import torch
        >>> unigram = RationalRNN(4, n=1, hidden_size=2, output_gate=False)
        >>> unigram.forward_cells[0].template
        Template(chain of length 1, 2 states, 2 token arcs, 0 epsilon arcs, initial (0,), final (1,))
        >>> mixed = RationalRNN(4, n={3: 2, 1: 5}, hidden_size=7)
        >>> [cell.n for cell in mixed.forward_cells[0].cells], mixed.output_size
        ([3, 1], 7)
    """

    def __init__(
        self,
        input_size: int,
        n: int | Mapping[int, int] | str = 2,
        hidden_size: int = 100,
        layers: int = 1,
        semiring: Semiring | str = "Real",
        output: str = "sum",
        output_gate: bool = True,
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "last",
    ) -> None:
        if isinstance(n, int) and not isinstance(n, bool):
            if n < 1:
                raise ConfigError(f"RationalRNN needs an order n >= 1 (states after the start state), got {n!r}")
            self.orders = [(n, hidden_size)]
        else:
            self.orders = length_spec(n, "n", "RationalRNN")
            if hidden_size != sum(count for _, count in self.orders):
                raise ConfigError(
                    f"RationalRNN with units of several orders {n!r} needs hidden_size equal to their total "
                    f"({sum(count for _, count in self.orders)}), got {hidden_size!r}"
                )
            n = {order: count for order, count in self.orders}
        if output not in OUTPUTS:
            raise ConfigError(f"RationalRNN output must be one of {', '.join(OUTPUTS)}, got {output!r}")
        self.n = n
        self.semiring = semiring_option(semiring, [Real, MaxPlus], "RationalRNN")
        self.output = output
        self.output_gate = bool(output_gate)
        super().__init__(input_size, hidden_size, layers, bidirectional, dropout, pooling)

    def make_cell(self, input_size: int) -> RationalCell | MixedRationalCell:
        if isinstance(self.n, dict):
            return MixedRationalCell(input_size, self.orders, self.semiring, self.output, self.output_gate)
        return RationalCell(input_size, self.hidden_size, self.n, self.semiring, self.output, self.output_gate)

    def extra_repr(self) -> str:
        return (
            f"n={self.n}, semiring={self.semiring.name}, output={self.output!r}, output_gate={self.output_gate}, "
            + super().extra_repr()
        )
