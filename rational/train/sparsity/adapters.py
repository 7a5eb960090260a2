"""Sparsity adapters of the library's modules (see :mod:`rational.train.sparsity.groups`).

* :class:`NeuralWFSAAdapter`: a projected chain :class:`~rational.nn.NeuralWFSA`;
  the group of ``(copy, j)`` holds the weights and biases of the main arc
  ``j-1 -> j`` and of the self-loop on ``j`` (where the template has one). Models
  built from such modules without an adapter of their own (SoPa's pattern banks,
  the cells of a QRNN or an SRU) get these groups; pruning needs the model's adapter.
* :class:`RationalRNNAdapter`: :class:`~rational.models.RationalRNN` (Dodge et al.
  2019): the group of ``(unit, j)`` holds the input weights of ``ũ_j`` (the main arc
  into ``j``), of the forget gate ``f_j`` (the self-loop on ``j``) and its bias. A
  zero group makes ``u_j = ũ_j ⊙ (1 - f_j) = 0``: state ``j`` and every state after it
  stay at zero, so with ``output="sum"`` a unit cut after its last live state
  computes what the zeroed unit computes, and a unit without states outputs
  ``tanh(0) = 0``.
* :class:`SoPaAdapter`: :class:`~rational.models.SoPa`: groups as for its pattern
  banks; pruning is refused (see the class).

Examples:
    >>> from rational.models import RationalRNN, SoPa
    >>> from rational.train.sparsity.groups import chain_blocks
    >>> [(b.name, b.copies, b.length) for b in chain_blocks(RationalRNN(4, n=3, hidden_size=5))]
    [('forward_cells.0', 5, 3)]
    >>> [(b.name, b.copies, b.length) for b in chain_blocks(SoPa(4, pattern_lengths="3:2,2:4"))]
    [('patterns.0', 2, 3), ('patterns.1', 4, 2)]
"""

from __future__ import annotations

from collections import defaultdict

import torch
from torch import Tensor, nn

from rational.errors import ConfigError
from rational.models.rational_rnn import RationalCell, RationalRNN
from rational.models.sopa import SoPa
from rational.nn import NeuralWFSA
from rational.semirings import Real
from rational.train.sparsity.groups import ChainBlock, GroupPart, Rebuilt, SparsityAdapter, register_adapter

__all__ = ["NeuralWFSAAdapter", "RationalRNNAdapter", "SoPaAdapter", "rational_cells"]


class NeuralWFSAAdapter(SparsityAdapter):
    """Groups of a projected chain :class:`~rational.nn.NeuralWFSA`.

    Its document score reads only the final states, so a cut chain would in general
    score differently: this adapter gives groups (penalty, proximal step, live
    lengths); models prune through their own adapters.
    """

    def cuttable(self, module: nn.Module) -> bool:
        return False

    def blocks(self, module: nn.Module, name: str) -> list[ChainBlock]:
        assert isinstance(module, NeuralWFSA)
        template = module.template
        if not template.is_chain:
            return []
        if module.parameterization != "projected":
            raise ConfigError(
                f"{name or 'the module'} is a lexical NeuralWFSA: its weights are semiring values, and zero is not "
                "'no arc' in every semiring; group lasso needs a projected module (parameterization='projected')"
            )
        length = template.chain_length
        loop_states = [state for state, _ in template.arcs[length:]]
        # loops come after the main arcs, in increasing state order: those on states >= 1 are a suffix
        first = next((k for k, state in enumerate(loop_states) if state >= 1), len(loop_states))
        grouped_loops = tuple(state - 1 for state in loop_states[first:])
        begin = length + first

        def parts() -> list[GroupPart]:
            weight, bias = module.weight, module.bias
            found = [GroupPart(weight[:, :length, :]), GroupPart(bias[:, :length].unsqueeze(-1))]
            if grouped_loops:
                found.append(GroupPart(weight[:, begin:, :], grouped_loops))
                found.append(GroupPart(bias[:, begin:].unsqueeze(-1), grouped_loops))
            return found

        return [ChainBlock(name, module.copies, length, parts)]

    def rebuild(self, module: nn.Module, lengths: list[Tensor]) -> Rebuilt:
        raise ConfigError(
            "a NeuralWFSA scores with its final states only, so cutting its chains changes its scores; prune the "
            "model built from it (a rational RNN) instead"
        )


def rational_cells(encoder: RationalRNN) -> list[tuple[str, RationalCell]]:
    """Every :class:`~rational.models.rational_rnn.RationalCell` of a rational RNN with
    its name, layer by layer (forward, then backward), units in output order."""
    found = []
    for direction in ("forward_cells", "backward_cells"):
        cells = getattr(encoder, direction)
        if cells is None:
            continue
        for layer, cell in enumerate(cells):
            parts = getattr(cell, "cells", None)  # units of several orders: one cell per order
            for k, part in enumerate(parts if parts is not None else [cell]):
                found.append((f"{direction}.{layer}" + (f".cells.{k}" if parts is not None else ""), part))
    return found


def _cell_block(cell: RationalCell, name: str) -> ChainBlock:
    n = cell.n
    automaton = cell.automaton

    def parts() -> list[GroupPart]:
        weight, bias = automaton.weight, automaton.bias
        # arcs: main 0->1 .. (n-1)->n (ũ_1..ũ_n; no bias: the model masks it), then loops on 1..n (f_1..f_n)
        return [GroupPart(weight[:, :n, :]), GroupPart(weight[:, n:, :]), GroupPart(bias[:, n:].unsqueeze(-1))]

    return ChainBlock(name, cell.hidden_size, n, parts)


def _order_spec(encoder: RationalRNN) -> list[tuple[int, int]]:
    """``(order, units)`` of the first forward layer, in output order."""
    cell = encoder.forward_cells[0]
    parts = getattr(cell, "cells", None)
    return [(c.n, c.hidden_size) for c in (parts if parts is not None else [cell])]


class RationalRNNAdapter(SparsityAdapter):
    """Groups and pruning of a :class:`~rational.models.RationalRNN` (see the module docstring).

    Pruning needs ``output="sum"`` (a cell value that reads every state; with
    ``"last"`` a unit is kept whole or dropped), the ``Real`` semiring (in
    ``MaxPlus`` a zero projection is a weight of one, not a missing arc), one layer
    and one direction.
    """

    def blocks(self, module: nn.Module, name: str) -> list[ChainBlock]:
        assert isinstance(module, RationalRNN)
        prefix = f"{name}." if name else ""
        return [_cell_block(cell, prefix + where) for where, cell in rational_cells(module)]

    def cuttable(self, module: nn.Module) -> bool:
        return getattr(module, "output", "sum") == "sum"

    def _check(self, module: RationalRNN) -> None:
        if module.semiring is not Real:
            raise ConfigError(
                f"pruning a {module.semiring.name} rational RNN is not exact (a zero projection weighs the semiring's "
                "one there, not zero); train it in the Real semiring to prune it"
            )
        if module.layers != 1 or module.bidirectional:
            raise ConfigError(
                "pruning supports one-layer, one-direction rational RNNs (layers=1, bidirectional=False); "
                f"this one has layers={module.layers}, bidirectional={module.bidirectional}"
            )

    def rebuild(self, module: nn.Module, lengths: list[Tensor]) -> Rebuilt:
        assert isinstance(module, RationalRNN)
        self._check(module)
        cells = [cell for _, cell in rational_cells(module)]
        units = []  # (order kept, cell, index in cell, original feature)
        feature = 0
        for cell, keep in zip(cells, lengths):
            for unit, order in enumerate(keep.tolist()):
                if order > 0:
                    units.append((order, cell, unit, feature + unit))
            feature += cell.hidden_size
        units.sort(key=lambda item: (-item[0], item[3]))  # longest chains first, then in the original order
        by_order: dict[int, list] = defaultdict(list)
        for item in units:
            by_order[item[0]].append(item)
        spec = [(order, len(items)) for order, items in by_order.items()]
        options = {
            "n": spec[0][0] if len(spec) == 1 else {str(order): count for order, count in spec},
            "hidden_size": len(units),
            "layers": 1,
            "semiring": module.semiring.name,
            "output": module.output,
            "output_gate": module.output_gate,
            "bidirectional": False,
            "dropout": module.dropout.p,
            "pooling": module.pooling,
        }
        smaller = RationalRNN(module.input_size, **options)
        smaller.to(next(module.parameters()).dtype)
        for (_, target), (order, _) in zip(rational_cells(smaller), spec):
            _copy_units(target, by_order[order], order)
        features = torch.tensor([item[3] for item in units], dtype=torch.int64)
        return Rebuilt(smaller, features, options)


@torch.no_grad()
def _copy_units(target: RationalCell, items: list, order: int) -> None:
    """Copy the first ``order`` states of each unit in ``items`` into ``target``'s units."""
    for k, (_, source, unit, _) in enumerate(items):
        n = source.n
        arcs = list(range(order)) + list(range(n, n + order))  # main arcs into 1..order, loops on 1..order
        target.automaton.weight[k] = source.automaton.weight[unit, arcs]
        target.automaton.bias[k] = source.automaton.bias[unit, arcs]
        if source.gate is not None:
            target.gate.weight[k] = source.gate.weight[unit]
            target.gate.bias[k] = source.gate.bias[unit]


class SoPaAdapter(SparsityAdapter):
    """Groups of :class:`~rational.models.SoPa` (those of its pattern banks).

    Pruning is refused: a pattern's score reads only its last state, so a pattern
    cut shorter scores different spans, and in SoPa's semirings a zero projection
    does not remove an arc (``MaxPlus`` scores it 0, the semiring's one; ``Real`` and
    ``MaxTimes`` weigh it ``σ(0) = 1/2``), so no smaller SoPa computes what the
    zeroed one does.
    """

    def cuttable(self, module: nn.Module) -> bool:
        return False

    def blocks(self, module: nn.Module, name: str) -> list[ChainBlock]:
        assert isinstance(module, SoPa)
        inner = NeuralWFSAAdapter()
        prefix = f"{name}." if name else ""
        return [block for k, bank in enumerate(module.patterns) for block in inner.blocks(bank, f"{prefix}patterns.{k}")]

    def rebuild(self, module: nn.Module, lengths: list[Tensor]) -> Rebuilt:
        raise ConfigError(
            "SoPa cannot be pruned exactly: a pattern scores with its last state only, and a zero projection is not a "
            "missing arc in its semirings; group lasso still shows which pattern positions matter. Prune a rational "
            "RNN (rrnn, output='sum', Real) instead"
        )


register_adapter(NeuralWFSA, NeuralWFSAAdapter())
register_adapter(RationalRNN, RationalRNNAdapter())
register_adapter(SoPa, SoPaAdapter())
