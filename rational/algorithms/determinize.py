"""Weighted determinization (Mohri 1997): the weighted subset construction.

A state of the result is a set of pairs (state of the input, residual weight).
From a subset ``S`` and a label ``a`` the new arc carries
``w' = ⊕_{(p, v) ∈ S, p -a/w-> q} v ⊗ w`` and leads to the subset of the
successors ``q``, each with residual ``w'⁻¹ ⊗ (⊕ v ⊗ w)``. Division is needed, so
the construction runs in a divisible semiring: ``Tropical``, ``MaxPlus`` and
``Log`` directly (⊗ is +, division is subtraction), ``MaxTimes`` and non-negative
``Real`` through their logarithms, ``Boolean`` as the classical subset
construction.

Residuals are floating-point numbers, so subsets are compared after rounding
their residuals to a grid of step ``delta``: subsets that agree to within
``delta`` become one state (OpenFst does the same with its ``delta``).

Not every weighted machine has an equivalent deterministic one (it must have the
*twins property*; acyclic machines always do). The construction stops with
:class:`~rational.errors.NotDeterminizableError` when the result would exceed
``max_states`` states, instead of running forever.

The construction is vectorized a breadth-first level at a time: the arcs leaving
all subsets of a level are gathered, grouped by (subset, label, target) and by
(subset, label), and ⊕-reduced with segmented numpy reductions; only the lookup
of each new subset in the table of known subsets is a Python loop.

Examples:
    >>> from rational import WFSA, Tropical
    >>> a = WFSA.from_arcs(Tropical, [(0, "a", 1, 1.0), (0, "a", 2, 2.0), (1, "b", 3, 3.0), (2, "b", 3, 1.0)],
    ...                    initial=0, final=3, alphabet="ab")
    >>> d = determinize(a)
    >>> d.num_states, d.score("ab")
    (3, 3.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rational.errors import NotDeterminizableError, UnsupportedSemiringError
from rational.semirings import Boolean, Log, MaxPlus, MaxTimes, Real, Tropical

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = ["DEFAULT_MAX_STATES", "determinize", "is_deterministic"]

#: The default bound on the number of states of a determinized machine.
DEFAULT_MAX_STATES = 100_000
EPSILON = -1


def is_deterministic(wfsa: WFSA) -> bool:
    """True when the machine has at most one initial state, no epsilon arc, and no
    two arcs with the same source and label (arcs of weight zero ignored).

    Examples:
        >>> from rational import WFSA, Boolean
        >>> is_deterministic(WFSA.from_arcs(Boolean, [(0, "a", 1), (0, "a", 0)], initial=0, final=1))
        False
    """
    from rational.algorithms.connect import live_arcs

    if len(wfsa.initial_states) > 1:
        return False
    src, label, _, _ = wfsa.arc_arrays
    live = live_arcs(wfsa)
    src, label = src[live], label[live]
    if np.any(label == EPSILON):
        return False
    key = src * (len(wfsa.alphabet) + 1) + label
    return len(np.unique(key)) == len(key)


class _Work:
    """The semiring the construction runs in: ``kind`` is ``"bool"``, ``"min"``
    (costs, ⊕ = min) or ``"log"`` (log-weights, ⊕ = logaddexp); ⊗ is + and
    division is - for the last two."""

    def __init__(self, ring):
        self.ring = ring
        if ring is Boolean:
            self.kind = "bool"
        elif ring in (Tropical, MaxPlus, MaxTimes):
            self.kind = "min"
        elif ring in (Log, Real):
            self.kind = "log"
        else:
            raise UnsupportedSemiringError(
                f"determinize needs division: it supports Boolean, Tropical, MaxPlus, MaxTimes, Log and "
                f"non-negative Real weights, not the {ring.name} semiring"
            )

    def to_work(self, values):
        ring, values = self.ring, np.asarray(values)
        with np.errstate(divide="ignore"):
            if ring is Boolean or ring is Tropical or ring is Log:
                return values
            if ring is MaxPlus:
                return -values
            if ring is MaxTimes:
                return -np.log(values)
            if np.any(values < 0):
                raise UnsupportedSemiringError(
                    "determinize supports Real machines with non-negative weights only (a sum of weights of "
                    "both signs may vanish, and nothing can be divided by it)"
                )
            return np.log(values)

    def from_work(self, values):
        ring, values = self.ring, np.asarray(values)
        if ring is Boolean or ring is Tropical or ring is Log:
            return values
        if ring is MaxPlus:
            return 0.0 - values
        if ring is MaxTimes:
            return np.exp(-values)
        return np.exp(values)

    def present(self, values):
        """Mask of the non-zero values."""
        if self.kind == "bool":
            return np.asarray(values, dtype=bool)
        if self.kind == "min":
            return values < np.inf
        return values > -np.inf

    def reduce(self, values, starts):
        """⊕ of consecutive segments beginning at ``starts``."""
        if self.kind == "min":
            return np.minimum.reduceat(values, starts)
        top = np.maximum.reduceat(values, starts)
        top = np.where(np.isfinite(top), top, 0.0)  # segments of zeros (-inf) only
        lengths = np.diff(np.append(starts, len(values)))
        with np.errstate(divide="ignore"):
            return np.log(np.add.reduceat(np.exp(values - np.repeat(top, lengths)), starts)) + top

    def zero(self):
        return {"bool": False, "min": np.inf, "log": -np.inf}[self.kind]


def determinize(wfsa: WFSA, max_states: int = DEFAULT_MAX_STATES, delta: float = 1e-9) -> WFSA:
    """An equivalent deterministic machine.

    Epsilon arcs are removed first and the input is trimmed. The result has one
    initial state (state 0, carrying the total initial weight), no epsilon arc, and
    at most one arc per state and label; its states are numbered breadth-first.

    Args:
        wfsa: the machine.
        max_states: stop with an error when the result would have more states.
        delta: residual weights that agree to within this are treated as equal.

    Returns:
        The deterministic machine over the same semiring and alphabet.

    Raises:
        NotDeterminizableError: when more than ``max_states`` states are needed.
        UnsupportedSemiringError: for a semiring without division, or a ``Real``
            machine with negative weights.
        DivergenceError: when removing the epsilons diverges.

    Examples:
        >>> from rational import WFSA, Log
        >>> import numpy as np
        >>> a = WFSA.from_arcs(Log, [(0, "a", 1, np.log(0.5)), (0, "a", 2, np.log(0.25))],
        ...                    initial=0, final=[1, 2], alphabet="a")
        >>> d = determinize(a)
        >>> d.num_states, round(float(np.exp(d.score("a"))), 6)
        (2, 0.75)
    """
    from rational.algorithms.connect import trim
    from rational.algorithms.epsilon import remove_epsilons
    from rational.wfsa import WFSA

    if max_states < 1:
        raise ValueError(f"max_states must be at least 1, got {max_states}")
    if delta <= 0:
        raise ValueError(f"delta must be positive, got {delta}")
    ring = wfsa.semiring
    work = _Work(ring)
    machine = remove_epsilons(wfsa) if wfsa.has_epsilons else trim(wfsa)
    alphabet = wfsa.alphabet.copy()
    if machine.num_states == 0 or not machine.initial_states:
        return WFSA.from_arrays(ring, alphabet, ring.zeros(0), ring.zeros(0), [], [], [], ring.zeros(0), validate=False)
    result = _SubsetConstruction(machine, work, max_states, delta).run()
    initial_weight, final, src, label, dst, weight = result
    n = len(final)
    initial = ring.zeros(n)
    initial[0] = work.from_work(initial_weight)
    return WFSA.from_arrays(
        ring, alphabet, initial, np.asarray(work.from_work(final), dtype=ring.dtype),
        src, label, dst, np.asarray(work.from_work(weight), dtype=ring.dtype), validate=False,
    )


class _SubsetConstruction:
    def __init__(self, machine: WFSA, work: _Work, max_states: int, delta: float):
        self.work = work
        self.max_states = max_states
        self.delta = delta
        self.n = machine.num_states
        self.num_labels = len(machine.alphabet)
        src, label, dst, weight = machine.arc_arrays
        order = np.lexsort((dst, label, src))
        self.label = label[order]
        self.dst = dst[order]
        self.weight = work.to_work(weight[order])
        self.state_start = np.searchsorted(src[order], np.arange(self.n + 1))
        self.initial = work.to_work(machine.initial_weights)
        self.final = work.to_work(machine.final_weights)
        self.final_present = work.present(self.final)

    def _key(self, states, residuals) -> bytes:
        if self.work.kind == "bool":
            return states.tobytes()
        quantized = np.round(residuals / self.delta).astype(np.int64)
        return np.stack([states, quantized], axis=1).tobytes()

    def _final_weights(self, states_list, residuals_list):
        """The final weight of each new subset: ⊕ over its elements of residual ⊗ ρ."""
        work = self.work
        if not states_list:
            return np.zeros(0, dtype=bool if work.kind == "bool" else np.float64)
        lengths = np.array([len(s) for s in states_list])
        states = np.concatenate(states_list)
        owner = np.repeat(np.arange(len(states_list)), lengths)
        if work.kind == "bool":
            return np.bincount(owner, weights=self.final_present[states], minlength=len(states_list)) > 0
        value = np.concatenate(residuals_list) + self.final[states]
        starts = np.cumsum(lengths) - lengths
        return work.reduce(value, starts)

    def run(self):
        work = self.work
        starts = np.flatnonzero(work.present(self.initial))
        if work.kind == "bool":
            initial_weight, residual = True, np.zeros(len(starts))
        else:
            initial_weight = work.reduce(self.initial[starts], np.array([0]))[0]
            residual = self.initial[starts] - initial_weight
        subset_states = [starts]
        subset_residuals = [residual]
        table = {self._key(starts, residual): 0}
        finals = [self._final_weights(subset_states, subset_residuals)]
        arcs = []
        level = [0]
        while level:
            fresh_before = len(subset_states)
            arcs.append(self._expand_level(level, subset_states, subset_residuals, table))
            new = list(range(fresh_before, len(subset_states)))
            finals.append(self._final_weights(subset_states[fresh_before:], subset_residuals[fresh_before:]))
            level = new
        src, label, dst, weight = (np.concatenate(column) for column in zip(*arcs))
        return initial_weight, np.concatenate(finals), src, label, dst, weight

    def _expand_level(self, level, subset_states, subset_residuals, table):
        work = self.work
        lengths = np.array([len(subset_states[s]) for s in level])
        states = np.concatenate([subset_states[s] for s in level])
        residuals = np.concatenate([subset_residuals[s] for s in level])
        element_owner = np.repeat(np.arange(len(level)), lengths)
        # every arc leaving every element
        first, counts = self.state_start[states], self.state_start[states + 1] - self.state_start[states]
        total = int(counts.sum())
        empty = (np.zeros(0, dtype=np.int64),) * 3 + (np.zeros(0),)
        if total == 0:
            return empty
        element = np.repeat(np.arange(len(states)), counts)
        arc = first[element] + (np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts))
        owner = element_owner[element]
        label, dst = self.label[arc], self.dst[arc]
        # group by (subset, label, target); arcs are sorted by (label, dst) within a state,
        # and elements by state, so a stable sort on the key suffices
        key = (owner * self.num_labels + label) * self.n + dst
        order = np.argsort(key, kind="stable")
        key, owner, label, dst = key[order], owner[order], label[order], dst[order]
        boundary = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        owner, label, dst = owner[boundary], label[boundary], dst[boundary]
        pair = owner * self.num_labels + label
        pair_start = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
        if work.kind == "bool":
            combined = residual = np.zeros(len(dst))
            arc_weight = np.ones(len(pair_start), dtype=bool)
        else:
            value = (residuals[element] + self.weight[arc])[order]
            combined = work.reduce(value, boundary)
            arc_weight = work.reduce(combined, pair_start)
            residual = combined - np.repeat(arc_weight, np.diff(np.append(pair_start, len(pair))))
        # look the successor subsets up, numbering the new ones
        if work.kind == "bool":
            raw, width = dst.tobytes(), 8
        else:
            quantized = np.round(residual / self.delta).astype(np.int64)
            raw, width = np.stack([dst, quantized], axis=1).tobytes(), 16
        ends = np.append(pair_start[1:], len(pair)).tolist()
        targets = np.empty(len(pair_start), dtype=np.int64)
        for g, (begin, end) in enumerate(zip(pair_start.tolist(), ends)):
            subset_key = raw[begin * width : end * width]
            found = table.get(subset_key)
            if found is None:
                found = len(subset_states)
                if found >= self.max_states:
                    self._too_many()
                table[subset_key] = found
                subset_states.append(dst[begin:end])
                subset_residuals.append(residual[begin:end])
            targets[g] = found
        level_ids = np.asarray(level, dtype=np.int64)
        return level_ids[owner[pair_start]], label[pair_start], targets, arc_weight

    def _too_many(self):
        if self.work.kind == "bool":
            reason = "the subset construction can need up to 2^n states"
        else:
            reason = (
                "the machine may not be determinizable (weighted machines need the twins property; "
                "cycles that read the same strings with different weights break it)"
            )
        raise NotDeterminizableError(
            f"determinize stopped at max_states={self.max_states} states: {reason}; "
            "pass a larger max_states if the machine is large but determinizable"
        )
