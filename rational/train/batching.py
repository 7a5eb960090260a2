"""Batches: padding with masks, grouping by length, language-model streams, word dropout.

Classification batches group texts of similar length (less padding, same results:
the encoders treat padding exactly). Language-model batches cut one long token
stream into ``batch_size`` parallel rows read ``bptt`` tokens at a time, so a
stateful encoder can carry its state from one batch to the next (Mikolov et al. 2010;
Zaremba et al. 2014).

Examples:
    >>> import torch
    >>> tokens, mask = pad([[5, 6, 7], [8]])
    >>> tokens.tolist(), mask.tolist()
    ([[5, 6, 7], [8, 0, 0]], [[True, True, True], [True, False, False]])
    >>> batches = stream_batches(torch.arange(1, 12), batch_size=2, bptt=3)
    >>> [(b.tokens.tolist(), b.targets.tolist()) for b in batches]
    [([[1, 2, 3], [6, 7, 8]], [[2, 3, 4], [7, 8, 9]]), ([[4], [9]], [[5], [10]])]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from rational.errors import ConfigError, DataError

__all__ = ["Batch", "classification_batches", "length_batches", "pad", "stream_batches", "word_dropout"]


@dataclass
class Batch:
    """Token ids ``(B, T)``, their prefix mask ``(B, T)``, and targets.

    ``targets`` are class ids ``(B,)`` for classification and next-token ids ``(B, T)``
    for language modeling.
    """

    tokens: Tensor
    mask: Tensor
    targets: Tensor

    def __len__(self) -> int:
        return self.tokens.shape[0]

    def to(self, device: torch.device | str) -> Batch:
        """The batch on another device."""
        return Batch(self.tokens.to(device), self.mask.to(device), self.targets.to(device))


def pad(sequences: Sequence[Sequence[int]], pad_index: int = 0) -> tuple[Tensor, Tensor]:
    """Pad id sequences on the right into ``(B, T)`` ids and a boolean prefix mask."""
    length = max((len(s) for s in sequences), default=0)
    tokens = torch.full((len(sequences), length), pad_index, dtype=torch.long)
    mask = torch.zeros((len(sequences), length), dtype=torch.bool)
    for row, sequence in enumerate(sequences):
        tokens[row, : len(sequence)] = torch.as_tensor(sequence, dtype=torch.long)
        mask[row, : len(sequence)] = True
    return tokens, mask


def length_batches(
    lengths: Sequence[int],
    batch_size: int,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    pool: int = 50,
) -> list[list[int]]:
    """Group indices into batches of similar length.

    Without ``shuffle``: sorted by length, then cut (evaluation). With ``shuffle``: a
    random order, cut into pools of ``pool * batch_size`` examples, each pool sorted by
    length and cut into batches, and the batches shuffled; the same generator state
    gives the same batches.

    Raises:
        ConfigError: for a batch size below 1.

    Examples:
        >>> length_batches([5, 1, 4, 2], batch_size=2)
        [[1, 3], [2, 0]]
    """
    if batch_size < 1:
        raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
    if not shuffle:
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    order = torch.randperm(len(lengths), generator=generator).tolist()
    batches = []
    step = batch_size * pool
    for start in range(0, len(order), step):
        chunk = sorted(order[start : start + step], key=lambda i: lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]


def classification_batches(
    token_ids: Sequence[Sequence[int]],
    labels: Sequence[int],
    batch_size: int,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
) -> list[Batch]:
    """Padded classification batches grouped by length (see :func:`length_batches`)."""
    groups = length_batches([len(ids) for ids in token_ids], batch_size, shuffle, generator)
    batches = []
    for group in groups:
        tokens, mask = pad([token_ids[i] for i in group])
        batches.append(Batch(tokens, mask, torch.tensor([labels[i] for i in group], dtype=torch.long)))
    return batches


def stream_batches(stream: Tensor, batch_size: int, bptt: int) -> list[Batch]:
    """Language-model batches over a token stream.

    The stream is cut into ``batch_size`` contiguous rows (the last ``len % batch_size``
    tokens are dropped); batch ``k`` holds tokens ``k*bptt .. k*bptt + bptt - 1`` of each
    row and, as targets, the tokens one position later. Every batch continues the
    previous one row by row.

    Raises:
        ConfigError: for ``batch_size`` or ``bptt`` below 1.
        DataError: when the stream is too short to give each row two tokens.
    """
    if batch_size < 1 or bptt < 1:
        raise ConfigError(f"batch_size and bptt must be at least 1, got {batch_size} and {bptt}")
    columns = len(stream) // batch_size
    if columns < 2:
        raise DataError(
            f"{len(stream)} tokens are too few for {batch_size} rows of at least 2 tokens; use a smaller batch size"
        )
    rows = stream[: batch_size * columns].view(batch_size, columns)
    batches = []
    for start in range(0, columns - 1, bptt):
        width = min(bptt, columns - 1 - start)
        tokens = rows[:, start : start + width]
        batches.append(Batch(tokens, torch.ones_like(tokens, dtype=torch.bool), rows[:, start + 1 : start + 1 + width]))
    return batches


def word_dropout(
    tokens: Tensor, mask: Tensor, p: float, unk_index: int, generator: torch.Generator | None = None
) -> Tensor:
    """Replace each real token by ``<unk>`` with probability ``p`` (Iyyer et al. 2015); padding is untouched.

    Examples:
        >>> import torch
        >>> tokens = torch.tensor([[4, 5, 0]])
        >>> word_dropout(tokens, tokens != 0, p=1.0, unk_index=1).tolist()
        [[1, 1, 0]]
    """
    if p <= 0.0:
        return tokens
    drop = (torch.rand(tokens.shape, generator=generator, device=tokens.device) < p) & mask
    return tokens.masked_fill(drop, unk_index)
