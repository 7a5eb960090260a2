"""Minimization of deterministic machines (Hopcroft 1971; Mohri 1997 for weights).

A deterministic machine is minimized in three steps:

1. trim it (states on no accepting path would otherwise stay apart);
2. weighted semirings: push the weights toward the initial state
   (:func:`~rational.algorithms.push.push`), which puts the weights of equivalent
   states in the same place; then read each arc's (label, weight) pair as one
   symbol, with weights that agree to within a tolerance as the same symbol;
3. merge equivalent states with Hopcroft's partition refinement,
   O(m log n) for m arcs and n states. Missing arcs are allowed (the machine
   need not be complete): every block starts as a splitter, which separates
   states with an arc on a symbol from states without one.

The result has the fewest states of any deterministic machine with the same
scores (for weighted machines: up to the tolerance on weights), and is unique up
to the numbering of its states.

Examples:
    >>> from rational import WFSA, Boolean
    >>> a = WFSA.from_arcs(Boolean, [(0, "a", 1), (0, "b", 2), (1, "c", 3), (2, "c", 4)],
    ...                    initial=0, final=[3, 4], alphabet="abc")
    >>> minimize(a).num_states  # 1 and 2 merge, so do 3 and 4
    3
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rational.algorithms.connect import trim
from rational.algorithms.determinize import is_deterministic
from rational.errors import NotDeterministicError, UnsupportedSemiringError
from rational.semirings import Boolean

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = ["hopcroft", "minimize", "moore_reference", "weight_classes"]


def _describe_nondeterminism(wfsa: WFSA) -> str:
    from rational.algorithms.connect import live_arcs

    if len(wfsa.initial_states) > 1:
        return f"it has {len(wfsa.initial_states)} initial states"
    src, label, _, _ = wfsa.arc_arrays
    live = live_arcs(wfsa)
    src, label = src[live], label[live]
    if np.any(label == -1):
        return f"state {int(src[label == -1][0])} has an epsilon arc"
    key = src * (len(wfsa.alphabet) + 1) + label
    unique, counts = np.unique(key, return_counts=True)
    repeated = unique[counts > 1][0]
    state, symbol = divmod(int(repeated), len(wfsa.alphabet) + 1)
    return f"state {state} has {int(counts[counts > 1][0])} arcs labelled {wfsa.alphabet.symbol(symbol)!r}"


def minimize(wfsa: WFSA, tolerance: float = 1e-6) -> WFSA:
    """The minimal deterministic machine with the same scores.

    Args:
        wfsa: a deterministic machine (see
            :func:`~rational.algorithms.determinize.is_deterministic`).
        tolerance: pushed weights within this (relative to their size, absolute
            below 1) are treated as equal.

    Returns:
        A new trimmed, deterministic machine; its states are numbered in the order
        of the smallest input state each one stands for. Weighted machines come
        out pushed toward the initial state.

    Raises:
        NotDeterministicError: for a machine that is not deterministic (call
            ``determinize()`` first).
        UnsupportedSemiringError: for a weighted semiring without division.
        DivergenceError: when pushing the weights diverges.

    Examples:
        >>> from rational import WFSA, Tropical
        >>> a = WFSA.from_arcs(Tropical, [(0, "a", 1, 1.0), (0, "b", 2, 2.0), (1, "c", 3, 1.0), (2, "c", 3, 0.0)],
        ...                    initial=0, final=3, alphabet="abc")
        >>> m = minimize(a)
        >>> m.num_states, m.score("ac"), m.score("bc")
        (3, 2.0, 2.0)
    """
    from rational.algorithms.push import push
    from rational.wfsa import WFSA

    if not is_deterministic(wfsa):
        raise NotDeterministicError(
            f"minimize needs a deterministic machine, but {_describe_nondeterminism(wfsa)}; "
            "call determinize() first"
        )
    ring = wfsa.semiring
    machine = trim(wfsa)
    if machine.num_states == 0:
        return machine
    if ring is not Boolean:
        if not ring.divisible:
            raise UnsupportedSemiringError(
                f"minimizing a weighted machine pushes its weights, which needs division; {ring.name} has none"
            )
        machine = push(machine, "initial")
    src, label, dst, weight = machine.arc_arrays
    final = machine.final_weights
    classes = weight_classes(ring, np.concatenate([weight, final]), tolerance)
    arc_class, final_class = classes[: len(weight)], classes[len(weight) :]
    symbol = label * (int(classes.max()) + 1) + arc_class
    block = hopcroft(machine.num_states, src, symbol, dst, final_class)
    # number the blocks by their smallest state; that state represents its block
    representative = np.full(int(block.max()) + 1, machine.num_states, dtype=np.int64)
    np.minimum.at(representative, block, np.arange(machine.num_states))
    order = np.argsort(representative)
    new_id = np.empty(len(order), dtype=np.int64)
    new_id[order] = np.arange(len(order))
    representative = representative[order]
    is_rep = np.zeros(machine.num_states, dtype=bool)
    is_rep[representative] = True
    keep = is_rep[src]
    initial = ring.zeros(len(order))
    start = machine.initial_states[0]
    initial[new_id[block[start]]] = machine.initial_weights[start]
    return WFSA.from_arrays(
        ring, machine.alphabet.copy(), initial, final[representative],
        new_id[block[src[keep]]], label[keep], new_id[block[dst[keep]]], weight[keep], validate=False,
    )


def weight_classes(ring, values, tolerance: float) -> np.ndarray:
    """Class ids for weights, equal for weights within ``tolerance`` of each other.

    Sorted finite values start a new class where the gap to the previous value
    exceeds ``tolerance · max(1, |value|)``; other values (infinities, booleans)
    are classed by exact equality.
    """
    values = np.asarray(values)
    if values.dtype == np.bool_ or len(values) == 0:
        return np.unique(values, return_inverse=True)[1].astype(np.int64)
    values = values.astype(np.float64)
    out = np.empty(len(values), dtype=np.int64)
    finite = np.isfinite(values)
    special = np.unique(values[~finite], return_inverse=True)[1]
    out[~finite] = special
    offset = int(special.max()) + 1 if len(special) else 0
    if finite.any():
        x = values[finite]
        order = np.argsort(x, kind="stable")
        sorted_x = x[order]
        gap = np.diff(sorted_x) > tolerance * np.maximum(1.0, np.abs(sorted_x[1:]))
        cluster = np.concatenate([[0], np.cumsum(gap)])
        ids = np.empty(len(x), dtype=np.int64)
        ids[order] = cluster + offset
        out[finite] = ids
    return out


def hopcroft(num_states: int, src, symbol, dst, initial_class) -> np.ndarray:
    """The coarsest partition of the states that refines ``initial_class`` and is
    stable under the (deterministic, possibly partial) transitions
    ``src -symbol-> dst``: Hopcroft's algorithm with every initial block as a
    splitter. Returns the block id of each state.
    """
    n = num_states
    # predecessors of each state, grouped by target
    order = np.argsort(dst, kind="stable")
    in_src = src[order].tolist()
    in_symbol = symbol[order].tolist()
    in_start = np.searchsorted(dst[order], np.arange(n + 1)).tolist()
    # the refinable partition: each block is a contiguous slice [first, end) of
    # `elements`, with its marked states moved to the front, before `mid`
    by_class = np.argsort(initial_class, kind="stable")
    elements = by_class.tolist()
    sorted_class = np.asarray(initial_class)[by_class]
    bounds = np.flatnonzero(np.r_[True, sorted_class[1:] != sorted_class[:-1], True]).tolist()
    first, end = bounds[:-1], bounds[1:]
    mid = list(first)
    block_of = [0] * n
    location = [0] * n
    for b, (lo, hi) in enumerate(zip(first, end)):
        for position in range(lo, hi):
            state = elements[position]
            block_of[state] = b
            location[state] = position
    worklist = list(range(len(first)))
    while worklist:
        splitter = worklist.pop()
        by_symbol: dict[int, list[int]] = {}
        for position in range(first[splitter], end[splitter]):
            state = elements[position]
            for i in range(in_start[state], in_start[state + 1]):
                by_symbol.setdefault(in_symbol[i], []).append(in_src[i])
        for predecessors in by_symbol.values():
            touched = []
            for state in predecessors:  # mark: move to the front of its block
                b = block_of[state]
                m = mid[b]
                if m == first[b]:
                    touched.append(b)
                position = location[state]
                other = elements[m]
                elements[m], elements[position] = state, other
                location[state], location[other] = m, position
                mid[b] = m + 1
            for b in touched:
                m = mid[b]
                if m == end[b]:  # every state marked: no split
                    mid[b] = first[b]
                    continue
                # the smaller part becomes the new block
                if m - first[b] <= end[b] - m:
                    lo, hi = first[b], m
                    first[b] = m
                else:
                    lo, hi = m, end[b]
                    end[b] = m
                mid[b] = first[b]
                c = len(first)
                first.append(lo)
                end.append(hi)
                mid.append(lo)
                for position in range(lo, hi):
                    block_of[elements[position]] = c
                # Hopcroft: the smaller half suffices as a splitter; when b is
                # still in the worklist, both halves are (b stays there)
                worklist.append(c)
    return np.asarray(block_of, dtype=np.int64)


def moore_reference(num_states: int, src, symbol, dst, initial_class) -> np.ndarray:
    """The same partition as :func:`hopcroft` by Moore's algorithm: refine by the
    signature (own block, {(symbol, successor's block)}) until nothing changes.
    O(n²) rounds at worst; for tests."""
    block = np.unique(np.asarray(initial_class), return_inverse=True)[1]
    outgoing: list[list[tuple[int, int]]] = [[] for _ in range(num_states)]
    for s, a, d in zip(np.asarray(src).tolist(), np.asarray(symbol).tolist(), np.asarray(dst).tolist()):
        outgoing[s].append((a, d))
    while True:
        signatures = [
            (int(block[q]), tuple(sorted((a, int(block[d])) for a, d in outgoing[q]))) for q in range(num_states)
        ]
        numbering: dict = {}
        new = np.array([numbering.setdefault(sig, len(numbering)) for sig in signatures], dtype=np.int64)
        if len(numbering) == len(np.unique(block)):
            return new
        block = new
