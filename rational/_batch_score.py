"""Scoring many strings at once (the engine behind ``WFSA.score_batch``).

On the CPU, compiled loops (:mod:`rational._batch_kernels`, numba) score one string
at a time, visiting only the arcs of each symbol read. Elsewhere (``device="cuda"``),
or where numba cannot be imported, torch vectorizes over the batch:

Strings are sorted by length so that at step ``t`` the rows still reading form a
prefix of the batch; padded positions are never touched.

* sparse machines (the usual case): each symbol's arcs are padded to a common
  count, gathered for the whole batch and ⊕-reduced into their targets with
  ``scatter_reduce`` (min/max for selection semirings, a sum for ``Real`` and ``Log``).
* ``Real`` / ``Log`` machines whose symbols have many arcs (more than a quarter of
  ``Q²``): the rows are grouped by the symbol they read and each group is multiplied
  by that symbol's dense ``Q×Q`` matrix.

``Log`` works in scaled real space: a row is ``log(v) + c`` with ``v`` real and
normalized to a maximum of 1 after every step and ``c`` a log-scale, and arc weights
are ``exp(w - s)`` with ``s`` a per-symbol (dense: per-state) maximum added to ``c``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rational.semirings import Boolean, Log, MaxPlus, MaxTimes, Real, Tropical

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

_REDUCE = {Tropical: "amin", MaxPlus: "amax", MaxTimes: "amax", Boolean: "amax"}


#: How :func:`score_batch` computes: ``"auto"`` (compiled loops on the CPU, torch elsewhere),
#: ``"compiled"`` or ``"torch"``.
ENGINES = ("auto", "compiled", "torch")


def score_batch(
    wfsa: WFSA, strings: Sequence[str | Sequence[Hashable]], device: str = "cpu", engine: str = "auto"
) -> np.ndarray:
    """See :meth:`rational.WFSA.score_batch`; ``engine`` picks the implementation (tests compare them)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    ring = wfsa.semiring
    if len(strings) == 0:
        return ring.zeros(0)
    if ring not in (Real, Log, *_REDUCE):
        return np.asarray([wfsa.score(s) for s in strings], dtype=ring.dtype)
    if engine == "compiled" or (engine == "auto" and str(device) == "cpu" and _kernels() is not None):
        if _kernels() is None:
            raise ImportError("engine='compiled' needs numba, which cannot be imported here")
        return _compiled_scores(wfsa, *wfsa.alphabet.encode_batch(strings))
    return _torch_scores(wfsa, [wfsa.encode(s) for s in strings], device)


def _kernels():
    """The compiled kernels module, or ``None`` where numba is missing."""
    try:
        from rational import _batch_kernels
    except ImportError:  # pragma: no cover - numba is a dependency; this keeps a broken install usable
        return None
    return _batch_kernels


def _compiled_scores(wfsa: WFSA, tokens: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Scores of the strings ``tokens[offsets[i]:offsets[i + 1]]`` with the compiled loops."""
    kernels = _kernels()
    ring = wfsa.semiring
    src, label, dst, weight = wfsa.arc_arrays
    keep = label >= 0
    src, label, dst = src[keep].astype(np.int64), label[keep].astype(np.int64), dst[keep].astype(np.int64)
    weight = weight[keep].astype(np.float64)
    order = np.argsort(label, kind="stable")
    src, label, dst, weight = src[order], label[order], dst[order], weight[order]
    num_symbols = len(wfsa.alphabet)
    arc_start = np.zeros(num_symbols + 1, dtype=np.int64)
    np.cumsum(np.bincount(label, minlength=num_symbols), out=arc_start[1:])
    initial = wfsa.initial_weights.astype(np.float64)
    final = wfsa.final_weights.astype(np.float64)
    rows = cols = np.zeros(0, dtype=np.int64)
    values = np.zeros(0)
    if wfsa.has_epsilons:
        closure = np.asarray(wfsa.epsilon_closure(), dtype=np.float64)
        rows, cols = (x.astype(np.int64) for x in np.nonzero(closure != float(ring.zero)))
        values = closure[rows, cols]
    if ring in (Real, Log):
        log = ring is Log
        shift = np.zeros(num_symbols)
        top = 0.0
        scale = 0.0
        if log:
            shift = _label_maxima(label, weight, num_symbols)
            weight = np.exp(weight - shift[label])
            top = float(values.max()) if len(values) else 0.0
            values = np.exp(values - top)
            peak = initial.max(initial=-np.inf)
            scale = float(peak) if np.isfinite(peak) else 0.0
            initial = np.exp(initial - scale)
            final_peak = final.max(initial=-np.inf)
            final_shift = float(final_peak) if np.isfinite(final_peak) else 0.0
            final = np.exp(final - final_shift)
        scores = kernels.sum_scores(
            tokens, offsets, arc_start, src, dst, weight, shift, (rows, cols, values, top), initial, scale, final, log
        )
        if log:
            scores += final_shift
    else:
        minimum = ring is Tropical
        scores = kernels.select_scores(
            tokens, offsets, arc_start, src, dst, weight, (rows, cols, values), initial, final,
            float(ring.zero), minimum, ring in (MaxTimes, Boolean),
        )
    return scores.astype(ring.dtype)


def _torch_scores(wfsa: WFSA, encoded: list, device: str) -> np.ndarray:
    import torch

    ring = wfsa.semiring
    lengths = np.array([len(x) for x in encoded])
    order = np.argsort(-lengths, kind="stable")
    batch, longest = len(encoded), int(lengths.max())
    tokens = np.zeros((batch, max(longest, 1)), dtype=np.int64)
    for row, i in enumerate(order):
        tokens[row, : lengths[i]] = encoded[i]
    tokens = torch.as_tensor(tokens, device=device)
    # active[t]: how many (sorted) rows still read a symbol at step t
    active = [int((lengths > t).sum()) for t in range(longest)]
    if ring not in (Real, Log):
        stepper = _GatherStepper(wfsa, device)
    elif _densest_symbol(wfsa) * 4 > wfsa.num_states**2:
        stepper = _DenseStepper(wfsa, device)
    else:
        stepper = _SumGatherStepper(wfsa, device)
    state = stepper.start(batch)
    for t in range(longest):
        k = active[t]
        if k == batch:
            state = stepper.step(state, tokens[:, t])
        else:
            state = stepper.join(stepper.step(stepper.rows(state, 0, k), tokens[:k, t]), stepper.rows(state, k))
    sorted_scores = stepper.finish(state)
    scores = np.empty(batch, dtype=ring.dtype)
    scores[order] = sorted_scores.cpu().numpy().astype(ring.dtype)
    return scores


def _densest_symbol(wfsa: WFSA) -> int:
    """The largest number of arcs any one symbol has."""
    label = wfsa.arc_arrays[1]
    label = label[label >= 0]
    return int(np.bincount(label).max()) if len(label) else 0


class _DenseStepper:
    """Real and Log: one dense matrix product per symbol group.

    Log rows are kept in scaled real space: ``α = log(v) + c`` with ``v`` (B, Q)
    normalized to a row maximum of 1 and ``c`` (B, 1) a log-scale. Each symbol's
    matrix is stored as ``exp(W - r)`` with ``r`` its row (source-state) maxima,
    and ``exp(r - max r)`` multiplies ``v`` before the product, so no full-size
    exp or log runs per step.
    """

    def __init__(self, wfsa: WFSA, device: str):
        import torch

        self.torch = torch
        self.log = wfsa.semiring is Log
        tensor = torch.as_tensor(np.array(wfsa.transition_tensor()), dtype=torch.float64, device=device)
        self.num_symbols = tensor.shape[0]
        self.source_scale, self.shift, self.matrices = self._prepare(tensor)
        initial = torch.as_tensor(wfsa.initial_weights, dtype=torch.float64, device=device)
        self.final = torch.as_tensor(wfsa.final_weights, dtype=torch.float64, device=device)
        self.initial_value, self.initial_scale = self._to_scaled(initial[None, :])
        self.closure = None
        if wfsa.has_epsilons:
            closure = torch.as_tensor(np.array(wfsa.epsilon_closure()), dtype=torch.float64, device=device)
            self.closure = tuple(None if part is None else part[0] for part in self._prepare(closure[None]))

    def _prepare(self, tensor):
        """Split log matrices into ``exp(r - max r)``, ``max r`` and ``exp(W - r)``."""
        torch = self.torch
        if not self.log:
            return None, None, tensor
        row_max = tensor.amax(dim=-1)
        row_max = torch.where(torch.isfinite(row_max), row_max, torch.full_like(row_max, -torch.inf))
        shift = row_max.amax(dim=-1, keepdim=True)
        shift = torch.where(torch.isfinite(shift), shift, torch.zeros_like(shift))
        safe_rows = torch.where(torch.isfinite(row_max), row_max, torch.zeros_like(row_max))
        return torch.exp(row_max - shift), shift, torch.exp(tensor - safe_rows.unsqueeze(-1))

    def _to_scaled(self, alpha):
        torch = self.torch
        if not self.log:
            return alpha, None
        m = alpha.amax(dim=-1, keepdim=True)
        m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
        return torch.exp(alpha - m), m

    def _normalize(self, value, scale):
        torch = self.torch
        peak = value.amax(dim=-1, keepdim=True)
        peak = torch.where(peak > 0, peak, torch.ones_like(peak))
        return value / peak, scale + torch.log(peak)

    def _close(self, value, scale):
        if self.closure is None:
            return value, scale
        source_scale, shift, matrix = self.closure
        if not self.log:
            return value @ matrix, scale
        return self._normalize((value * source_scale) @ matrix, scale + shift)

    def start(self, batch: int):
        value, scale = self._close(self.initial_value, self.initial_scale)
        value = value.expand(batch, -1).clone()
        return (value, None if scale is None else scale.expand(batch, -1).clone())

    def step(self, state, symbols):
        torch = self.torch
        value, scale = state
        if self.log:
            value = value * self.source_scale[symbols]
        order = torch.argsort(symbols, stable=True)
        counts = torch.bincount(symbols, minlength=self.num_symbols).tolist()
        grouped = value[order]
        parts, begin = [], 0
        for symbol, count in enumerate(counts):
            if count:
                parts.append(grouped[begin : begin + count] @ self.matrices[symbol])
                begin += count
        out = torch.empty_like(grouped)
        out[order] = torch.cat(parts)
        if self.log:
            out, scale = self._normalize(out, scale + self.shift[symbols])
        return self._close(out, scale)

    def rows(self, state, start: int, stop: int | None = None):
        value, scale = state
        return value[start:stop], None if scale is None else scale[start:stop]

    def join(self, head, tail):
        torch = self.torch
        return torch.cat([head[0], tail[0]]), None if head[1] is None else torch.cat([head[1], tail[1]])

    def finish(self, state):
        torch = self.torch
        value, scale = state
        if not self.log:
            return value @ self.final
        return torch.logsumexp(torch.log(value) + self.final, dim=-1) + scale[:, 0]


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

    def rows(self, alpha, start: int, stop: int | None = None):
        return alpha[start:stop]

    def join(self, head, tail):
        return self.torch.cat([head, tail])

    def finish(self, alpha):
        values = self._times(alpha, self.final)
        return values.amin(dim=-1) if self.reduce == "amin" else values.amax(dim=-1)


class _SumGatherStepper(_GatherStepper):
    """Real and Log on sparse machines: gather each symbol's arcs, sum into the targets.

    Log rows are ``(v, c)``: ``log(v) + c`` with ``v`` normalized to a row maximum of 1.
    """

    def __init__(self, wfsa: WFSA, device: str):
        import torch

        self.torch = torch
        self.log = wfsa.semiring is Log
        self.reduce, self.multiply, self.zero = "sum", True, 0.0
        src, label, dst, weight = wfsa.arc_arrays
        keep = label >= 0
        num_symbols = len(wfsa.alphabet)
        weight = weight[keep].astype(np.float64)
        self.shift = torch.zeros(num_symbols, 1, dtype=torch.float64, device=device)
        if self.log:
            shift = _label_maxima(label[keep], weight, num_symbols)
            weight = np.exp(weight - shift[label[keep]])
            self.shift = torch.as_tensor(shift[:, None], device=device)
        self.src, self.dst, self.weight = self._pad_by_label(src[keep], label[keep], dst[keep], weight, num_symbols, device)
        initial = wfsa.initial_weights.astype(np.float64)
        self.final = torch.as_tensor(wfsa.final_weights.astype(np.float64), device=device)
        self.initial = _scaled(torch.as_tensor(initial, device=device)[None, :], self.log)
        self.closure = None
        if wfsa.has_epsilons:
            closure = np.asarray(wfsa.epsilon_closure(), dtype=np.float64)
            rows, cols = np.nonzero(closure != float(wfsa.semiring.zero))
            values = closure[rows, cols]
            top = float(values.max()) if self.log and len(values) else 0.0
            values = np.exp(values - top) if self.log else values
            padded = self._pad_by_label(rows, np.zeros(len(rows), dtype=np.int64), cols, values, 1, device)
            self.closure = tuple(t[0] for t in padded) + (top,)

    def _close(self, state):
        if self.closure is None:
            return state
        src, dst, weight, top = self.closure
        value, scale = state
        batch = value.shape[0]
        value = self._relax(value, src.expand(batch, -1), dst.expand(batch, -1), weight.expand(batch, -1))
        return self._normalize(value, scale + top) if self.log else (value, scale)

    def _normalize(self, value, scale):
        torch = self.torch
        peak = value.amax(dim=-1, keepdim=True)
        peak = torch.where(peak > 0, peak, torch.ones_like(peak))
        return value / peak, scale + torch.log(peak)

    def start(self, batch: int):
        value, scale = self._close(self.initial)
        return value.expand(batch, -1).clone(), scale.expand(batch, -1).clone()

    def step(self, state, symbols):
        value, scale = state
        value = self._relax(value, self.src[symbols], self.dst[symbols], self.weight[symbols])
        if self.log:
            value, scale = self._normalize(value, scale + self.shift[symbols])
        return self._close((value, scale))

    def rows(self, state, start: int, stop: int | None = None):
        return state[0][start:stop], state[1][start:stop]

    def join(self, head, tail):
        return self.torch.cat([head[0], tail[0]]), self.torch.cat([head[1], tail[1]])

    def finish(self, state):
        value, scale = state
        if not self.log:
            return value @ self.final
        return self.torch.logsumexp(self.torch.log(value) + self.final, dim=-1) + scale[:, 0]


def _label_maxima(label: np.ndarray, weight: np.ndarray, num_symbols: int) -> np.ndarray:
    """The largest weight of each symbol's arcs (0 for symbols without arcs)."""
    top = np.full(num_symbols, -np.inf)
    np.maximum.at(top, label, weight)
    return np.where(np.isfinite(top), top, 0.0)


def _scaled(alpha, log: bool):
    """Rows as ``(v, c)``: Log rows split into real values and a log-scale."""
    if not log:
        return alpha, alpha.new_zeros(alpha.shape[0], 1)
    m = alpha.amax(dim=-1, keepdim=True)
    m = m.where(m.isfinite(), m.new_zeros(()))
    return (alpha - m).exp(), m
