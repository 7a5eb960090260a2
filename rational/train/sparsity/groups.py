"""Per-state parameter groups of chain automata, found in any model that has them.

A chain automaton (a SoPa pattern, a rational RNN's hidden unit) has states
``0..L``; state 0 is the start and every state ``j = 1..L`` is entered by token arcs:
the main arc ``j-1 -> j`` and, where the template has one, the self-loop ``j -> j``.
The **group** of ``(copy, j)`` holds the parameters of those arcs (Dodge et al.
2019): zero them all and, in a rational RNN, state ``j`` never holds anything, nor
does any state after it. So the *live length* of an automaton is the longest prefix
of states whose group norm exceeds a threshold; the states after it can be cut.

Models expose their groups through an **adapter** registered for their class
(:func:`register_adapter`): it lists the model's :class:`ChainBlock`\\ s (automata of
one chain length) and, for pruning, rebuilds the model smaller. The adapter of a
projected chain :class:`~rational.nn.NeuralWFSA` is built in; model modules register
theirs.

Examples:
    >>> import torch
    >>> from rational import Real
    >>> from rational.nn import Template, compile
    >>> _ = torch.manual_seed(0)
    >>> module = compile(Template.chain(3, self_loops=range(1, 4)), Real, parameterization="projected",
    ...                  input_size=5, copies=2)
    >>> [tuple(norms.shape) for norms in group_norms(module)]        # (copies, states) per block
    [(2, 3)]
    >>> with torch.no_grad():
    ...     module.weight[1, 1] = 0; module.bias[1, 1] = 0            # main arc 1 -> 2 of copy 1
    ...     module.weight[1, 4] = 0; module.bias[1, 4] = 0            # self-loop 2 -> 2 of copy 1
    >>> live_lengths(group_norms(module), threshold=0.0)[0].tolist()
    [3, 1]
    >>> count_states(module), count_states(module, threshold=0.0)
    (6, 4)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from rational.errors import ConfigError

__all__ = [
    "ADAPTERS",
    "ChainBlock",
    "GroupPart",
    "Rebuilt",
    "SparsityAdapter",
    "adapter_for",
    "block_norms",
    "chain_blocks",
    "count_states",
    "group_norms",
    "live_lengths",
    "register_adapter",
    "zero_dropped_groups",
]


@dataclass(frozen=True)
class GroupPart:
    """A slice of one parameter that belongs to state groups.

    Attributes:
        values: a *view* of a parameter, ``(copies, len(states), k)``: row ``[c, i]``
            belongs to the group of copy ``c`` and state ``states[i] + 1`` (in-place
            changes reach the parameter).
        states: the group indices (state ``j`` has index ``j - 1``) of the rows, in
            order; ``None`` for all of ``0..length-1``.
    """

    values: Tensor
    states: tuple[int, ...] | None = None


@dataclass
class ChainBlock:
    """Automata of one chain length in a model: ``copies`` chains of ``length`` grouped states.

    Attributes:
        name: where the block sits in the model (for reports).
        copies: the number of automata.
        length: the number of grouped states per automaton (states ``1..length``).
        parts: returns the :class:`GroupPart` views, freshly taken from the
            parameters (so penalties built from them carry gradients).
    """

    name: str
    copies: int
    length: int
    parts: Callable[[], list[GroupPart]] = field(repr=False)


@dataclass
class Rebuilt:
    """What an adapter's ``rebuild`` returns.

    Attributes:
        module: the smaller module, of the same class, with the surviving weights.
        features: indices of the original module's output features that the new
            module's features are, in order (a head reading them keeps these columns).
        options: the new module's builder options (JSON values), for ``config.json``.
        constants: the value every original feature takes once its automaton's
            dropped groups are zero (read only at the features not kept; ``None``:
            zero), folded into the bias of the layer that reads the features.
    """

    module: nn.Module
    features: Tensor
    options: dict[str, Any] = field(default_factory=dict)
    constants: Tensor | None = None


class SparsityAdapter:
    """How group lasso and pruning see one module class.

    Subclasses implement :meth:`blocks` and, for pruning, :meth:`rebuild`.
    """

    def cuttable(self, module: nn.Module) -> bool:
        """Whether the module's outputs read every state, so that a chain can be cut
        after its last live state; otherwise an automaton is kept whole or dropped."""
        return True

    def blocks(self, module: nn.Module, name: str) -> list[ChainBlock]:  # pragma: no cover - interface
        """The module's chain blocks."""
        raise NotImplementedError

    def rebuild(self, module: nn.Module, lengths: list[Tensor]) -> Rebuilt:  # pragma: no cover - interface
        """A module of the same class keeping ``lengths[b][c]`` states of copy ``c`` of
        block ``b`` (zero: drop the copy), and the output features it keeps."""
        raise NotImplementedError(f"{type(module).__name__} cannot be pruned yet: its adapter has no rebuild")


#: module class -> adapter
ADAPTERS: dict[type, SparsityAdapter] = {}


def register_adapter(cls: type, adapter: SparsityAdapter) -> None:
    """Make group lasso and pruning work on modules of class ``cls``.

    Raises:
        ConfigError: when ``cls`` already has a different adapter.
    """
    known = ADAPTERS.get(cls)
    if known is not None and type(known) is not type(adapter):
        raise ConfigError(f"{cls.__name__} already has a sparsity adapter ({type(known).__name__})")
    ADAPTERS[cls] = adapter


def _ensure_builtin_adapters() -> None:
    # Adapters of model classes live beside this module; importing them registers
    # them (kept out of import time so that this module does not import every model).
    from rational.train.sparsity import adapters  # noqa: F401


def adapter_for(module: nn.Module) -> SparsityAdapter | None:
    """The adapter registered for the module's class (or a base class), or ``None``."""
    _ensure_builtin_adapters()
    for cls in type(module).__mro__:
        if cls in ADAPTERS:
            return ADAPTERS[cls]
    return None


def _adapted(model: nn.Module) -> Iterator[tuple[str, nn.Module, SparsityAdapter]]:
    """Every submodule with an adapter, outermost first (not looking inside one)."""
    handled: list[str] = []
    for name, module in model.named_modules():
        if any(h == "" or name.startswith(h + ".") for h in handled):
            continue
        adapter = adapter_for(module)
        if adapter is not None:
            handled.append(name)
            yield name, module, adapter


def chain_blocks(model: nn.Module) -> list[ChainBlock]:
    """Every block of chain automata in ``model`` (the model itself or any submodule).

    Raises:
        ConfigError: when the model has no automata with state groups.
    """
    blocks = [block for name, module, adapter in _adapted(model) for block in adapter.blocks(module, name)]
    if not blocks:
        known = ", ".join(sorted(cls.__name__ for cls in ADAPTERS)) or "(none)"
        raise ConfigError(
            f"{type(model).__name__} holds no chain automata with state groups; group lasso and pruning work on "
            f"models built from them: {known}"
        )
    return blocks


def _norms_squared(block: ChainBlock) -> Tensor:
    parts = block.parts()
    reference = parts[0].values
    total = reference.new_zeros(block.copies, block.length)
    for part in parts:
        squares = part.values.pow(2).sum(-1)
        if part.states is None:
            total = total + squares
        else:
            index = torch.as_tensor(part.states, device=reference.device)
            total = total.index_add(1, index, squares)
    return total


def block_norms(block: ChainBlock) -> Tensor:
    """``‖g‖₂`` of the block's groups, ``(copies, length)``, differentiable.

    The gradient at a zero group is zero (a subgradient), never NaN.
    """
    squared = _norms_squared(block)
    # sqrt'(0) is infinite: take the root only where the group is not zero
    positive = squared > 0
    safe = torch.where(positive, squared, torch.ones_like(squared))
    return torch.where(positive, safe.sqrt(), torch.zeros_like(squared))


def group_norms(model: nn.Module) -> list[Tensor]:
    """``‖g‖₂`` of every group, ``(copies, length)`` per block (:func:`block_norms`)."""
    return [block_norms(block) for block in chain_blocks(model)]


def live_lengths(norms: Sequence[Tensor], threshold: float) -> list[Tensor]:
    """Per block, how many leading states of each copy have a group norm above ``threshold``.

    Args:
        norms: :func:`group_norms`.
        threshold: a group is live when its norm is strictly greater.

    Returns:
        ``(copies,)`` int64 per block: the chain is cut after its last live state of
        the prefix (a state after a dead one receives nothing).
    """
    return [torch.cumprod((n.detach() > threshold).to(torch.int64), dim=1).sum(dim=1) for n in norms]


def count_states(model: nn.Module, threshold: float | None = None) -> int:
    """The number of grouped states: all of them, or those :func:`live_lengths` keeps."""
    if threshold is None:
        return sum(block.copies * block.length for block in chain_blocks(model))
    return int(sum(int(lengths.sum()) for lengths in live_lengths(group_norms(model), threshold)))


@torch.no_grad()
def zero_dropped_groups(model: nn.Module, lengths: Sequence[Tensor]) -> None:
    """Set to zero, in place, the groups of every state after ``lengths[b][c]`` in
    copy ``c`` of block ``b``: the model pruning would rebuild, at full size."""
    blocks = chain_blocks(model)
    if len(lengths) != len(blocks):
        raise ConfigError(f"got lengths for {len(lengths)} blocks, the model has {len(blocks)}")
    for block, keep in zip(blocks, lengths):
        states = torch.arange(block.length, device=keep.device)
        drop = states[None, :] >= keep[:, None]  # (copies, length)
        for part in block.parts():
            rows = drop if part.states is None else drop[:, list(part.states)]
            part.values.masked_fill_(rows.to(part.values.device)[..., None], 0.0)
