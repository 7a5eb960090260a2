"""Checking and normalizing what a compiled module is given: token ids or vectors,
and the padding (a prefix mask or lengths).

Every check raises :class:`rational.errors.ShapeError` naming the bad value and the
fix, so a wrong batch fails here rather than deep inside torch.

Examples:
    >>> import torch
    >>> mask, lengths = padding(2, 3, None, torch.tensor([3, 1]), torch.device("cpu"))
    >>> mask.tolist(), lengths.tolist()
    ([[True, True, True], [True, False, False]], [3, 1])
"""

from __future__ import annotations

import torch

from rational.errors import ShapeError

__all__ = ["padding", "token_ids", "vectors"]


def _as_tensor(inputs, what: str) -> torch.Tensor:
    if torch.is_tensor(inputs):
        return inputs
    try:
        return torch.as_tensor(inputs)
    except (TypeError, ValueError, RuntimeError) as error:
        raise ShapeError(f"{what} must be a tensor (or nested lists of equal length): {error}") from None


def token_ids(inputs, vocab_size: int, device: torch.device) -> torch.Tensor:
    """``inputs`` as a ``(B, T)`` int64 tensor of token ids on ``device``.

    Raises:
        ShapeError: for another shape, a non-integer dtype or an empty batch.
    """
    ids = _as_tensor(inputs, "token ids")
    if ids.dim() != 2:
        raise ShapeError(
            f"token ids must have shape (batch, time), got {tuple(ids.shape)}; "
            "for one string use ids.unsqueeze(0)"
        )
    if ids.dtype == torch.bool or ids.dtype.is_floating_point or ids.dtype.is_complex:
        raise ShapeError(f"token ids must be an integer tensor, got dtype {ids.dtype} (use ids.long())")
    if ids.shape[0] == 0:
        raise ShapeError("empty batch: inputs have shape (0, T); give at least one sequence")
    return ids.to(device=device, dtype=torch.int64)


def vectors(inputs, input_size: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """``inputs`` as a ``(B, T, D)`` tensor of the module's dtype on ``device``.

    Raises:
        ShapeError: for another shape or dtype, or an empty batch.
    """
    x = _as_tensor(inputs, "input vectors")
    if x.dim() != 3 or x.shape[2] != input_size:
        raise ShapeError(
            f"input vectors must have shape (batch, time, {input_size}), got {tuple(x.shape)}"
        )
    if not x.dtype.is_floating_point:
        raise ShapeError(f"input vectors must be floating point, got dtype {x.dtype}")
    if x.dtype != dtype:
        raise ShapeError(
            f"input vectors are {x.dtype} but the module's parameters are {dtype}: convert the inputs "
            f"(x.to({dtype})) or the module (module.to({x.dtype}))"
        )
    if x.shape[0] == 0:
        raise ShapeError("empty batch: inputs have shape (0, T, D); give at least one sequence")
    return x.to(device)


def padding(batch: int, time: int, mask, lengths, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``(B, T)`` boolean mask and ``(B,)`` lengths of a batch, from either.

    Padding must be a suffix: a mask is ``True`` on a prefix of each row.

    Raises:
        ShapeError: for both or malformed arguments, a mask that is not a prefix
            mask, or lengths outside ``0..T``.
    """
    if mask is not None and lengths is not None:
        raise ShapeError("give either mask or lengths, not both")
    if lengths is not None:
        lengths = _as_tensor(lengths, "lengths").to(device)
        if lengths.dim() != 1 or lengths.shape[0] != batch:
            raise ShapeError(f"lengths must have shape ({batch},), got {tuple(lengths.shape)}")
        if lengths.dtype == torch.bool or lengths.dtype.is_floating_point:
            raise ShapeError(f"lengths must be integers, got dtype {lengths.dtype}")
        bad = (lengths < 0) | (lengths > time)
        if bool(bad.any()):
            row = int(bad.nonzero()[0, 0])
            raise ShapeError(f"lengths[{row}] = {int(lengths[row])} is outside 0..{time} (the padded length)")
        lengths = lengths.long()
        mask = torch.arange(time, device=device).unsqueeze(0) < lengths.unsqueeze(1)
        return mask, lengths
    if mask is None:
        return torch.ones(batch, time, dtype=torch.bool, device=device), torch.full((batch,), time, device=device)
    mask = _as_tensor(mask, "mask").to(device)
    if tuple(mask.shape) != (batch, time):
        raise ShapeError(f"mask must have shape {(batch, time)} like the inputs, got {tuple(mask.shape)}")
    if mask.dtype != torch.bool:
        if mask.dtype.is_floating_point or not bool(((mask == 0) | (mask == 1)).all()):
            raise ShapeError(f"mask must be boolean (or 0/1 integers), got dtype {mask.dtype}")
        mask = mask.bool()
    if time > 1:
        reopened = mask[:, 1:] & ~mask[:, :-1]
        if bool(reopened.any()):
            row, col = (int(v) for v in reopened.nonzero()[0])
            raise ShapeError(
                f"mask row {row} is not a prefix mask: position {col + 1} is real after padding at {col}; "
                "padding must come after the tokens (pad on the right)"
            )
    return mask, mask.sum(dim=1)
