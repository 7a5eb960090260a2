"""Compiled loops (numba) behind ``WFSA.score_batch`` on the CPU.

One string at a time, one step at a time, each step visiting only the arcs of the
symbol read: ``O(Σ_strings Σ_steps arcs(symbol))`` work on a forward vector that
stays in the L1 cache. This is what OpenFst does per string, without building a
string acceptor and a composition, and it leaves a string as soon as its forward
vector is all zero (no path can be resumed).

Arcs are grouped by label: those of symbol ``s`` are ``arc_start[s]:arc_start[s+1]``.
The epsilon closure ``E*``, when there is one, is a list of ``(row, col, value)``
entries applied after every step (and to the initial vector).

Two kernels:

* :func:`sum_scores` for ``Real`` and ``Log``. ``Log`` runs in scaled real space: the
  vector is ``exp(α - c)`` normalized to a maximum of 1 after every step, with ``c``
  the log-scale; the arc weights of each symbol are ``exp(w - shift[s])``.
* :func:`select_scores` for the selection semirings: ⊕ = min (``Tropical``) or max
  (``MaxPlus``, ``MaxTimes``, ``Boolean`` as 0/1), ⊗ = + or ×.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _apply_sum(v, w, src, dst, weight, begin, end):
    w[:] = 0.0
    for a in range(begin, end):
        w[dst[a]] += v[src[a]] * weight[a]


@numba.njit(cache=True, nogil=True)
def _normalize(w, v):
    """``v = w / max(w)``; returns ``log max(w)`` (``-inf`` when ``w`` is all zero)."""
    peak = 0.0
    for q in range(w.shape[0]):
        if w[q] > peak:
            peak = w[q]
    if peak <= 0.0:
        v[:] = 0.0
        return -math.inf
    inverse = 1.0 / peak
    for q in range(w.shape[0]):
        v[q] = w[q] * inverse
    return math.log(peak)


@numba.njit(cache=True, nogil=True)
def sum_scores(
    tokens, offsets, arc_start, src, dst, weight, shift, closure, initial, initial_scale, final, log
):
    """Scores in ``Real`` (``log=False``) or ``Log`` (scaled real space, ``log=True``).

    ``closure`` is ``(rows, cols, values, top)``: values are ``exp(value - top)`` in Log.
    ``initial`` is the real (Log: scaled) initial vector with log-scale ``initial_scale``;
    ``final`` holds real final weights (Log: ``exp`` of them).
    """
    rows, cols, values, top = closure
    has_closure = rows.shape[0] > 0
    n = offsets.shape[0] - 1
    q_count = initial.shape[0]
    out = np.empty(n)
    v = np.empty(q_count)
    w = np.empty(q_count)
    # the start vector, closed once
    start = initial.copy()
    start_scale = initial_scale
    if has_closure:
        _apply_sum(start, w, rows, cols, values, 0, rows.shape[0])
        if log:
            start_scale += top + _normalize(w, start)
        else:
            start[:] = w
    for i in range(n):
        v[:] = start
        scale = start_scale
        alive = True
        for p in range(offsets[i], offsets[i + 1]):
            s = tokens[p]
            _apply_sum(v, w, src, dst, weight, arc_start[s], arc_start[s + 1])
            if has_closure:
                v[:] = w
                _apply_sum(v, w, rows, cols, values, 0, rows.shape[0])
                if log:
                    scale += top
            if log:
                scale += shift[s] + _normalize(w, v)
                if scale == -math.inf:
                    alive = False
                    break
            else:
                v[:] = w
        total = 0.0
        if alive:
            for q in range(q_count):
                total += v[q] * final[q]
        if log:
            out[i] = math.log(total) + scale if total > 0.0 else -math.inf
        else:
            out[i] = total
    return out


@numba.njit(cache=True, nogil=True)
def _apply_select(v, w, src, dst, weight, begin, end, zero, minimum, multiply):
    w[:] = zero
    for a in range(begin, end):
        x = v[src[a]] * weight[a] if multiply else v[src[a]] + weight[a]
        if minimum:
            if x < w[dst[a]]:
                w[dst[a]] = x
        elif x > w[dst[a]]:
            w[dst[a]] = x


@numba.njit(cache=True, nogil=True)
def select_scores(tokens, offsets, arc_start, src, dst, weight, closure, initial, final, zero, minimum, multiply):
    """Scores in a selection semiring: ⊕ is min (``minimum``) or max, ⊗ is × (``multiply``) or +.

    ``closure`` is ``(rows, cols, values)``; ``zero`` is the semiring's zero.
    """
    rows, cols, values = closure
    has_closure = rows.shape[0] > 0
    n = offsets.shape[0] - 1
    q_count = initial.shape[0]
    out = np.empty(n)
    v = np.empty(q_count)
    w = np.empty(q_count)
    start = initial.copy()
    if has_closure:
        _apply_select(initial, start, rows, cols, values, 0, rows.shape[0], zero, minimum, multiply)
    for i in range(n):
        v[:] = start
        alive = True
        for p in range(offsets[i], offsets[i + 1]):
            s = tokens[p]
            _apply_select(v, w, src, dst, weight, arc_start[s], arc_start[s + 1], zero, minimum, multiply)
            if has_closure:
                _apply_select(w, v, rows, cols, values, 0, rows.shape[0], zero, minimum, multiply)
            else:
                v[:] = w
            alive = False
            for q in range(q_count):
                if v[q] != zero:
                    alive = True
                    break
            if not alive:
                break
        best = zero
        if alive:
            for q in range(q_count):
                x = v[q] * final[q] if multiply else v[q] + final[q]
                if (x < best) if minimum else (x > best):
                    best = x
        out[i] = best
    return out
