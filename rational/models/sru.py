"""The simple recurrent unit of Lei et al. (2018), in the form whose gates read only the input.

Each hidden unit is the chain ``0 -> 1`` with a self-loop on state 1, unanchored,
in the ``Real`` semiring:

    f_t = σ(W_f x_t + b_f),   r_t = σ(W_r x_t + b_r)
    c_t = f_t ⊙ c_{t-1} + (1 - f_t) ⊙ (W x_t)
    h_t = r_t ⊙ tanh(c_t) + (1 - r_t) ⊙ x'_t

The main arc weighs ``(1 - f_t) ⊙ W x_t`` and the loop ``f_t``: the cell is the
unigram rational RNN. ``x'_t`` is ``x_t`` when the input and hidden sizes agree, else
a linear projection ``W' x_t`` (Lei et al.'s choice for that case). The later SRU
whose gates also read ``c_{t-1}`` (``v ⊙ c_{t-1}`` inside ``σ``) is not rational and
is not this model.

Examples:
    >>> import torch
    >>> from rational.models import SRU
    >>> encoder = SRU(8, hidden_size=8, layers=2)
    >>> encoder(torch.randn(3, 5, 8), torch.ones(3, 5, dtype=torch.bool)).sequence.shape
    torch.Size([3, 5, 8])
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rational.models.chain import ChainCell, ChainEncoder, _project
from rational.nn.template import Template
from rational.semirings import Real

__all__ = ["SRU", "SRUCell"]


class SRUCell(ChainCell):
    """One SRU layer (see the module docstring)."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__(input_size, hidden_size, Template.chain(1, self_loops=[1]), Real, main_bias=False)
        self.highway = nn.Linear(input_size, hidden_size)  # the reset gate r of Lei et al.
        self.skip = None if input_size == hidden_size else nn.Linear(input_size, hidden_size, bias=False)

    def arc_weights(self, scores: Tensor, inputs: Tensor) -> Tensor:
        """Main arc ``(1 - f) ⊙ W x``, loop ``f``."""
        candidate, forget = scores[..., 0], scores[..., 1]
        return torch.stack([torch.sigmoid(-forget) * candidate, torch.sigmoid(forget)], dim=-1)

    def output(self, cells: Tensor, inputs: Tensor, original: Tensor) -> Tensor:
        reset = torch.sigmoid(_project(self.highway, original))
        skip = original if self.skip is None else _project(self.skip, original)
        return reset * torch.tanh(cells) + (1 - reset) * skip


class SRU(ChainEncoder):
    """Lei et al.'s (2018) simple recurrent unit, as chain automata.

    Args:
        input_size: the embedding dimension ``D``.
        hidden_size: units per direction.
        layers: stacked layers.
        bidirectional: add a right-to-left direction (then not causal).
        dropout: dropout between stacked layers.
        pooling: ``"last"``, ``"max"`` or ``"mean"`` (the document vector).

    Raises:
        ConfigError: for a bad size or pooling.

    Examples:
        >>> SRU(4, hidden_size=6).forward_cells[0].skip
        Linear(in_features=4, out_features=6, bias=False)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int = 100,
        layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "last",
    ) -> None:
        super().__init__(input_size, hidden_size, layers, bidirectional, dropout, pooling)

    def make_cell(self, input_size: int) -> SRUCell:
        return SRUCell(input_size, self.hidden_size)
