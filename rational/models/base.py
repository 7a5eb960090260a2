"""The encoder interface every model follows, and the mask helpers they share.

An encoder reads embedded tokens ``(B, T, D)`` with a boolean prefix mask ``(B, T)``
(``True`` on real tokens, then ``False`` on padding) and returns an
:class:`EncoderOutput`: per-position outputs ``sequence`` ``(B, T, H)``, zero at
padding (language modeling reads these), and a document representation ``pooled``
``(B, H)`` (classification reads this). Padding is exact: a sequence gives the same
outputs at its real positions, and the same ``pooled``, whatever padding surrounds it.

Recurrent encoders that can continue from where a previous chunk ended (for
language modeling over a long stream) set ``supports_state`` and accept and return
a ``state``.

Examples:
    >>> import torch
    >>> from rational.models.base import lengths_from_mask, pool
    >>> mask = torch.tensor([[True, True, False], [True, False, False]])
    >>> lengths_from_mask(mask).tolist()
    [2, 1]
    >>> sequence = torch.tensor([[[1.0], [3.0], [0.0]], [[2.0], [0.0], [0.0]]])
    >>> pool(sequence, mask, "mean").tolist()
    [[2.0], [2.0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from rational.errors import ConfigError, ShapeError

__all__ = ["POOLINGS", "Encoder", "EncoderOutput", "check_inputs", "lengths_from_mask", "pool"]

#: The ways an encoder may pool its per-position outputs into one vector.
POOLINGS = ("last", "max", "mean")


@dataclass
class EncoderOutput:
    """What an encoder returns.

    Attributes:
        sequence: per-position outputs ``(B, T, H)``, zero at padded positions.
        pooled: one vector per document ``(B, H)``.
        state: where a stateful encoder stopped (pass it back to continue a stream),
            ``None`` for encoders without state.
    """

    sequence: Tensor
    pooled: Tensor
    state: Any = None


class Encoder(nn.Module):
    """Base class of every model: embedded inputs and a prefix mask in, an :class:`EncoderOutput` out.

    Subclasses set ``input_size`` (``D``) and ``output_size`` (``H``), override
    :meth:`forward`, and set two flags:

    - ``causal``: ``sequence[:, t]`` depends only on inputs ``0..t`` (a language model
      needs this; a bidirectional encoder is not causal).
    - ``supports_state``: :meth:`forward` accepts the ``state`` a previous call returned
      and continues from it.

    Models are registered by name in :mod:`rational.models.registry`.
    """

    input_size: int
    output_size: int
    causal: bool = True
    supports_state: bool = False

    def forward(self, inputs: Tensor, mask: Tensor, state: Any = None) -> EncoderOutput:  # pragma: no cover - abstract
        """Encode a batch.

        Args:
            inputs: embedded tokens ``(B, T, D)``.
            mask: boolean prefix mask ``(B, T)``, ``True`` on real tokens.
            state: where a previous call stopped (only if ``supports_state``).

        Returns:
            The per-position outputs, the pooled outputs and the final state.
        """
        raise NotImplementedError


def check_inputs(encoder: Encoder, inputs: Tensor, mask: Tensor, state: Any = None) -> Tensor:
    """Validate an encoder's inputs and return the sequence lengths.

    Args:
        encoder: the encoder that is about to read them.
        inputs: embedded tokens ``(B, T, D)`` with ``D == encoder.input_size``.
        mask: boolean prefix mask ``(B, T)``.
        state: a carried state, refused when the encoder does not support one.

    Returns:
        The lengths ``(B,)`` (int64).

    Raises:
        ShapeError: for wrong shapes or dtypes, or a mask that is not a prefix mask.
        ConfigError: for a state given to an encoder without state.

    Examples:
        >>> import torch
        >>> from rational.models import LSTM
        >>> check_inputs(LSTM(3, 4), torch.zeros(2, 5, 3), torch.ones(2, 5, dtype=torch.bool)).tolist()
        [5, 5]
    """
    name = type(encoder).__name__
    if inputs.dim() != 3 or inputs.shape[-1] != encoder.input_size:
        raise ShapeError(
            f"{name} expects embedded inputs of shape (batch, length, {encoder.input_size}), got {tuple(inputs.shape)}"
        )
    if mask.dtype != torch.bool or tuple(mask.shape) != tuple(inputs.shape[:2]):
        raise ShapeError(
            f"{name} expects a boolean mask of shape {tuple(inputs.shape[:2])}, got {mask.dtype} {tuple(mask.shape)}"
        )
    if mask.shape[1] > 1 and bool((mask[:, 1:] & ~mask[:, :-1]).any()):
        raise ShapeError(f"{name} expects a prefix mask (True on real tokens, then False on padding); got gaps")
    if state is not None and not encoder.supports_state:
        raise ConfigError(f"{name} does not carry state between calls; call it with state=None")
    return lengths_from_mask(mask)


def lengths_from_mask(mask: Tensor) -> Tensor:
    """The number of real tokens in each row of a prefix mask ``(B, T)``."""
    return mask.sum(dim=1, dtype=torch.int64)


def pool(sequence: Tensor, mask: Tensor, how: str) -> Tensor:
    """Pool per-position outputs ``(B, T, H)`` into ``(B, H)`` over the real positions.

    Args:
        sequence: per-position outputs.
        mask: boolean prefix mask ``(B, T)``.
        how: ``"last"`` (the output at the last real position), ``"max"`` or ``"mean"``.
            An empty row pools to zeros.

    Returns:
        The pooled outputs.

    Raises:
        ConfigError: for an unknown pooling.
    """
    lengths = lengths_from_mask(mask)
    empty = (lengths == 0).unsqueeze(-1)
    if how == "last":
        index = (lengths - 1).clamp(min=0).view(-1, 1, 1).expand(-1, 1, sequence.shape[-1])
        pooled = sequence.gather(1, index).squeeze(1)
    elif how == "max":
        pooled = sequence.masked_fill(~mask.unsqueeze(-1), float("-inf")).max(dim=1).values
    elif how == "mean":
        total = (sequence * mask.unsqueeze(-1)).sum(dim=1)
        pooled = total / lengths.clamp(min=1).unsqueeze(-1).to(sequence.dtype)
    else:
        raise ConfigError(f"unknown pooling {how!r}; choose one of {', '.join(POOLINGS)}")
    return pooled.masked_fill(empty, 0.0)
