"""The n best paths of a machine over a semiring whose ⊕ selects a best weight.

In ``Tropical``, ``MaxPlus``, ``MaxTimes`` and ``Boolean`` the score of a string
is the weight of its best path, and weights are totally ordered by "⊕ picks it".
The n best accepting paths come out of a best-first search over partial paths
whose priority is the weight so far ⊗ the best completion (the reverse shortest
distance of the state reached): with these exact potentials the search never
pops a partial path that leads to no better path than the ones already found
(after Mohri and Riley 2002, who determinize on the fly for distinct strings;
here ``unique=True`` skips the later paths of strings already found).

Examples:
    >>> from rational import WFSA, Tropical
    >>> a = WFSA.from_arcs(Tropical, [(0, "a", 1, 1.0), (0, "b", 1, 0.5), (1, "c", 2, 2.0)],
    ...                    initial=0, final=2, alphabet="abc")
    >>> [(p.labels, p.weight) for p in shortest_path(a, n=2)]
    [(('b', 'c'), 2.5), (('a', 'c'), 3.0)]
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

import numpy as np

from rational.algorithms.connect import live_arcs
from rational.errors import UnsupportedSemiringError
from rational.semirings import Boolean, MaxPlus, MaxTimes, Tropical

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA, AcceptingPath

__all__ = ["shortest_path"]


def _to_cost(ring, values):
    """Costs where smaller is better, for the built-in selection semirings."""
    values = np.asarray(values)
    with np.errstate(divide="ignore"):
        if ring is Tropical:
            return values.astype(np.float64)
        if ring is MaxPlus:
            return -values.astype(np.float64)
        if ring is MaxTimes:
            return -np.log(values.astype(np.float64))
        return np.where(values.astype(bool), 0.0, np.inf)


def shortest_path(wfsa: WFSA, n: int = 1, unique: bool = False) -> list[AcceptingPath]:
    """The ``n`` best accepting paths, best first, with their labels and weights.

    Args:
        wfsa: a machine over ``Tropical``, ``MaxPlus``, ``MaxTimes`` or ``Boolean``.
        n: how many paths (fewer come back when the machine has fewer).
        unique: one path per string, its best: paths come out best first, so later
            paths reading a string already found are skipped (epsilons are removed
            first, so that each string has finitely many paths). Highly ambiguous
            machines make this slow; ``determinize()`` them first.

    Returns:
        A list of :class:`~rational.AcceptingPath` ``(states, labels, weight)``;
        ties are broken in favour of fewer arcs. With ``unique=True`` the states
        are those of the determinized machine.

    Raises:
        UnsupportedSemiringError: for semirings whose ⊕ does not select a best
            weight (``Real``, ``Log``: map a ``Log`` machine to ``MaxPlus`` for its
            Viterbi paths).
        DivergenceError: when a cycle improves paths without bound.

    Examples:
        >>> from rational import WFSA, MaxPlus
        >>> a = WFSA.from_arcs(MaxPlus, [(0, "a", 0, -1.0)], initial=0, final=0, alphabet="a")
        >>> [p.labels for p in shortest_path(a, n=3)]
        [(), ('a',), ('a', 'a')]
    """
    from rational.wfsa import AcceptingPath

    ring = wfsa.semiring
    if ring not in (Tropical, MaxPlus, MaxTimes, Boolean):
        raise UnsupportedSemiringError(
            f"shortest_path needs a semiring whose ⊕ picks the best weight (Tropical, MaxPlus, MaxTimes, "
            f"Boolean), not {ring.name}; for the best paths of a Log machine use "
            "machine.map_weights(lambda w: w, MaxPlus)"
        )
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if unique and wfsa.has_epsilons:
        from rational.algorithms.epsilon import remove_epsilons

        wfsa = remove_epsilons(wfsa)
    src, label, dst, weight = wfsa.arc_arrays
    live = np.flatnonzero(live_arcs(wfsa))
    order = live[np.argsort(src[live], kind="stable")]
    starts = np.searchsorted(src[order], np.arange(wfsa.num_states + 1)).tolist()
    arc_dst = dst[order].tolist()
    arc_cost = _to_cost(ring, weight[order]).tolist()
    potential = _to_cost(ring, wfsa.shortest_distance(reverse=True)).tolist()
    final_cost = _to_cost(ring, wfsa.final_weights).tolist()
    initial_cost = _to_cost(ring, wfsa.initial_weights)

    # heap items: (priority, arcs so far, tie counter, state, cost so far, node, is_final)
    # nodes: (state, parent node, arc index) form the tree of partial paths
    nodes: list[tuple[int, int, int]] = []
    heap: list[tuple[float, int, int, int, float, int, bool]] = []
    counter = 0
    for q in np.flatnonzero(np.isfinite(initial_cost)).tolist():
        if potential[q] == np.inf:
            continue
        nodes.append((q, -1, -1))
        heap.append((initial_cost[q] + potential[q], 0, counter, q, float(initial_cost[q]), len(nodes) - 1, False))
        counter += 1
    heapq.heapify(heap)
    symbols = wfsa.alphabet.symbols
    initial, final = wfsa.initial_weights, wfsa.final_weights

    def path_of(node: int) -> AcceptingPath:
        states, arcs = [], []
        while node >= 0:
            q, parent, arc = nodes[node]
            states.append(q)
            if arc >= 0:
                arcs.append(int(order[arc]))
            node = parent
        states.reverse()
        arcs.reverse()
        total = initial[states[0]]
        for a in arcs:
            total = ring.times(total, weight[a])
        total = ring.times(total, final[states[-1]])
        labels = tuple(symbols[label[a]] for a in arcs if label[a] != -1)
        return AcceptingPath(tuple(states), labels, np.asarray(total).item())

    paths: list[AcceptingPath] = []
    strings: set[tuple] = set()
    while heap and len(paths) < n:
        _, length, _, q, cost, node, is_final = heapq.heappop(heap)
        if is_final:
            path = path_of(node)
            if unique:
                if path.labels in strings:
                    continue  # a better path read this string already
                strings.add(path.labels)
            paths.append(path)
            continue
        if final_cost[q] < np.inf:
            heapq.heappush(heap, (cost + final_cost[q], length, counter, q, cost, node, True))
            counter += 1
        for i in range(starts[q], starts[q + 1]):
            r = arc_dst[i]
            if potential[r] == np.inf:
                continue
            step = cost + arc_cost[i]
            nodes.append((r, node, i))
            heapq.heappush(heap, (step + potential[r], length + 1, counter, r, step, len(nodes) - 1, False))
            counter += 1
    return paths
