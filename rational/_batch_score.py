"""Vectorized scoring of many strings (the engine behind ``WFSA.score_batch``).

Strings are sorted by length so that at step ``t`` the rows still reading form a
prefix of the batch; padded positions are never touched.

* ``Real`` / ``Log``: the rows are grouped by the symbol they read and each group is
  multiplied by that symbol's dense ``Q×Q`` matrix. ``Log`` works in scaled real
  space: ``log(exp(α + r - m) @ exp(W - r)) + m`` with ``r`` the row maxima of ``W``
  and ``m`` the row maxima of ``α + r``.
* selection semirings: each symbol's arcs are padded to a common count, gathered
  for the whole batch and ⊕-reduced into their targets with ``scatter_reduce``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rational.semirings import Boolean, Log, MaxPlus, MaxTimes, Real, Tropical

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

_REDUCE = {Tropical: "amin", MaxPlus: "amax", MaxTimes: "amax", Boolean: "amax"}


def score_batch(wfsa: WFSA, strings: Sequence[str | Sequence[Hashable]], device: str = "cpu") -> np.ndarray:
    """See :meth:`rational.WFSA.score_batch`."""
    import torch

    ring = wfsa.semiring
    encoded = [wfsa.encode(s) for s in strings]
    if not encoded:
        return ring.zeros(0)
    if ring not in (Real, Log, *_REDUCE):
        return np.asarray([wfsa.score(s) for s in strings], dtype=ring.dtype)
    lengths = np.array([len(x) for x in encoded])
    order = np.argsort(-lengths, kind="stable")
    batch, longest = len(encoded), int(lengths.max())
    tokens = np.zeros((batch, max(longest, 1)), dtype=np.int64)
    for row, i in enumerate(order):
        tokens[row, : lengths[i]] = encoded[i]
    tokens = torch.as_tensor(tokens, device=device)
    # active[t]: how many (sorted) rows still read a symbol at step t
    active = [int((lengths > t).sum()) for t in range(longest)]
    stepper = _DenseStepper(wfsa, device) if ring in (Real, Log) else _GatherStepper(wfsa, device)
    alpha = stepper.start(batch)
    for t in range(longest):
        k = active[t]
        alpha = torch.cat([stepper.step(alpha[:k], tokens[:k, t]), alpha[k:]])
    sorted_scores = stepper.finish(alpha)
    scores = np.empty(batch, dtype=ring.dtype)
    scores[order] = sorted_scores.cpu().numpy().astype(ring.dtype)
    return scores


class _DenseStepper:
    """Real and Log: one dense matrix product per symbol group."""

    def __init__(self, wfsa: WFSA, device: str):
        import torch

        self.torch = torch
        self.log = wfsa.semiring is Log
        tensor = torch.as_tensor(np.array(wfsa.transition_tensor()), dtype=torch.float64, device=device)
        self.num_symbols = tensor.shape[0]
        self.row_max, self.matrices = self._prepare(tensor)
        self.initial = torch.as_tensor(wfsa.initial_weights, dtype=torch.float64, device=device)
        self.final = torch.as_tensor(wfsa.final_weights, dtype=torch.float64, device=device)
        self.closure = None
        if wfsa.has_epsilons:
            closure = torch.as_tensor(np.array(wfsa.epsilon_closure()), dtype=torch.float64, device=device)
            row_max, matrix = self._prepare(closure[None])
            self.closure = (None if row_max is None else row_max[0], matrix[0])

    def _prepare(self, tensor):
        if not self.log:
            return None, tensor
        torch = self.torch
        row_max = tensor.amax(dim=-1)
        row_max = torch.where(torch.isfinite(row_max), row_max, torch.zeros_like(row_max))
        return row_max, torch.exp(tensor - row_max.unsqueeze(-1))

    def _apply(self, alpha, row_max, matrix):
        if not self.log:
            return alpha @ matrix
        torch = self.torch
        z = alpha + row_max
        m = z.amax(dim=-1, keepdim=True)
        m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
        return torch.log(torch.exp(z - m) @ matrix) + m

    def _close(self, alpha):
        if self.closure is None:
            return alpha
        return self._apply(alpha, *self.closure)

    def start(self, batch: int):
        return self._close(self.initial.expand(batch, -1).clone())

    def step(self, alpha, symbols):
        torch = self.torch
        order = torch.argsort(symbols, stable=True)
        counts = torch.bincount(symbols, minlength=self.num_symbols).tolist()
        grouped = alpha[order]
        parts, begin = [], 0
        for symbol, count in enumerate(counts):
            if count:
                rows = grouped[begin : begin + count]
                row_max = None if self.row_max is None else self.row_max[symbol]
                parts.append(self._apply(rows, row_max, self.matrices[symbol]))
                begin += count
        out = torch.empty_like(alpha)
        out[order] = torch.cat(parts)
        return self._close(out)

    def finish(self, alpha):
        if self.log:
            return self.torch.logsumexp(alpha + self.final, dim=-1)
        return alpha @ self.final


class _GatherStepper:
    """Selection semirings: gather each symbol's arcs, ⊕-reduce into the targets."""

    def __init__(self, wfsa: WFSA, device: str):
        import torch

        self.torch = torch
        ring = wfsa.semiring
        self.ring = ring
        self.reduce = _REDUCE[ring]
        self.multiply = ring is MaxTimes or ring is Boolean
        self.zero = float(ring.zero)
        self.num_states = wfsa.num_states
        src, label, dst, weight = wfsa.arc_arrays
        keep = label >= 0
        self.src, self.dst, self.weight = self._pad_by_label(
            src[keep], label[keep], dst[keep], weight[keep].astype(np.float64), len(wfsa.alphabet), device
        )
        self.initial = torch.as_tensor(wfsa.initial_weights.astype(np.float64), device=device)
        self.final = torch.as_tensor(wfsa.final_weights.astype(np.float64), device=device)
        self.closure = None
        if wfsa.has_epsilons:
            closure = np.asarray(wfsa.epsilon_closure(), dtype=np.float64)
            rows, cols = np.nonzero(closure != float(ring.zero))
            self.closure = tuple(
                t[0] for t in self._pad_by_label(rows, np.zeros(len(rows), dtype=np.int64), cols, closure[rows, cols], 1, device)
            )

    def _pad_by_label(self, src, label, dst, weight, num_symbols, device):
        torch = self.torch
        counts = np.bincount(label, minlength=num_symbols)
        width = max(int(counts.max(initial=0)), 1)
        pad_src = np.zeros((num_symbols, width), dtype=np.int64)
        pad_dst = np.zeros((num_symbols, width), dtype=np.int64)
        pad_w = np.full((num_symbols, width), self.zero)
        order = np.argsort(label, kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        slot = np.arange(len(label)) - starts[label[order]]
        pad_src[label[order], slot] = src[order]
        pad_dst[label[order], slot] = dst[order]
        pad_w[label[order], slot] = weight[order]
        return (
            torch.as_tensor(pad_src, device=device),
            torch.as_tensor(pad_dst, device=device),
            torch.as_tensor(pad_w, device=device),
        )

    def _times(self, a, b):
        return a * b if self.multiply else a + b

    def _relax(self, alpha, src, dst, weight):
        values = self._times(alpha.gather(1, src), weight)
        out = alpha.new_full(alpha.shape, self.zero)
        return out.scatter_reduce(1, dst, values, reduce=self.reduce, include_self=True)

    def _close(self, alpha):
        if self.closure is None:
            return alpha
        src, dst, weight = self.closure
        batch = alpha.shape[0]
        return self._relax(alpha, src.expand(batch, -1), dst.expand(batch, -1), weight.expand(batch, -1))

    def start(self, batch: int):
        return self._close(self.initial.expand(batch, -1).clone())

    def step(self, alpha, symbols):
        return self._close(self._relax(alpha, self.src[symbols], self.dst[symbols], self.weight[symbols]))

    def finish(self, alpha):
        values = self._times(alpha, self.final)
        return values.amin(dim=-1) if self.reduce == "amin" else values.amax(dim=-1)
