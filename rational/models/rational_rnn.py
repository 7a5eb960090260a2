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
from rational.nn.scan import chain_forward
from rational.nn.semiring_ops import semiring_plus, semiring_sum
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
    al. 2019): a :class:`RationalCell` per order holds the units' parameters, their
    outputs side by side.

    All units run in one pass over a chain of the longest order: the arcs a unit
    lacks (main arcs into states past its order) weigh the semiring's zero, so those
    states stay at zero, and a unit computes exactly what its own cell computes. The
    states are scanned one after the other as in any chain, so the pass costs as
    many scans as the longest order, not as the orders together.

    Args:
        input_size: the size of the vectors it reads.
        orders: ``(n, units)`` pairs, in output order.
        semiring: as for :class:`RationalCell`.
        output: as for :class:`RationalCell`.
        output_gate: as for :class:`RationalCell`.
    """

    def __init__(
        self, input_size: int, orders: list[tuple[int, int]], semiring: Semiring, output: str, output_gate: bool
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = sum(count for _, count in orders)
        self.output = output
        self.cells = nn.ModuleList(RationalCell(input_size, count, n, semiring, output, output_gate) for n, count in orders)
        self.longest = max(n for n, _ in orders)
        unit_orders = torch.tensor([n for n, count in orders for _ in range(count)], dtype=torch.int64)
        self.register_buffer("unit_orders", unit_orders, persistent=False)

    def forward(self, x: Tensor, mask: Tensor, lengths: Tensor, state: Any = None) -> tuple[Tensor, Any]:
        """As :meth:`ChainCell.forward`: hidden vectors ``(B, T, hidden)`` and the state
        after each row's last token, ``(α, None)`` with ``α`` ``(B, hidden, longest + 1)``."""
        ring = self.cells[0].automaton.working
        zero, one = float(ring.zero), float(ring.one)
        mains, loops = [], []
        for cell in self.cells:
            weights = cell.arc_weights(cell.scores(x), x)  # (B, T, units, 2n): main arcs, then loops on 1..n
            missing = self.longest - cell.n
            mains.append(F.pad(weights[..., : cell.n], (0, missing), value=zero))
            # no loop on state 0; past the order a loop weighs one: the state holds zero whatever its gate,
            # and a gate of one keeps the scans on their divided (fast) form
            loops.append(F.pad(weights[..., cell.n :], (1, missing), value=one))
        main, loop = torch.cat(mains, dim=-2), torch.cat(loops, dim=-2)
        loop[..., 0] = zero
        if not bool(mask.all()):  # padding reads nothing: weights of one carry the states through
            padding = ~mask[:, :, None, None]
            main, loop = main.masked_fill(padding, one), loop.masked_fill(padding, one)
            loop[..., 0] = zero
        start = x.new_full((self.hidden_size, self.longest + 1), zero)
        start[:, 0] = one
        alpha = None if state is None else state[0]
        beta = chain_forward(main, loop, None, start[:, 0], ring, restart=True, initial=alpha)
        states = semiring_plus(ring, beta, start)
        if self.output == "sum":
            ends = semiring_sum(ring, beta[..., 1:], -1)
        else:
            index = self.unit_orders.view(1, 1, -1, 1).expand(*beta.shape[:3], 1)
            ends = beta.gather(-1, index).squeeze(-1)
        hidden, offset = [], 0
        for cell in self.cells:
            part = slice(offset, offset + cell.hidden_size)
            hidden.append(cell.output(ends[..., part], x, x))
            offset += cell.hidden_size
        hidden = torch.cat(hidden, dim=-1) * mask.unsqueeze(-1).to(x.dtype)
        before = start.unsqueeze(0).expand(x.shape[0], -1, -1) if alpha is None else alpha
        if x.shape[1] == 0:
            return hidden, (before, None)
        rows = torch.arange(x.shape[0], device=x.device)
        last = states[rows, (lengths - 1).clamp(min=0)]
        return hidden, (torch.where((lengths == 0).view(-1, 1, 1), before, last), None)

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
