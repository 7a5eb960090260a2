"""Epsilon removal (Mohri 2002, "Generic epsilon-removal").

For every state ``p`` the epsilon-closure distances ``d[p, q]`` (the ⊕-sum over
paths of epsilon arcs from ``p`` to ``q``) are computed; then ``p`` receives every
non-epsilon arc ``q -a/w-> r`` as ``p -a/(d[p, q] ⊗ w)-> r`` and the final weight
``⊕_q d[p, q] ⊗ ρ(q)``.

The closure is computed on the states that epsilon arcs touch only:

* small epsilon graphs: the dense Floyd-Warshall-Kleene closure
  (:func:`~rational.algorithms.shortest_distance.matrix_star`), any semiring
  with a star;
* larger ones: one compiled graph search per source state for the selection
  semirings (Dijkstra, or Johnson's algorithm with negative weights), a sparse LU
  factorization of ``I - E`` for ``Real`` and ``Log``.

The sums converge in k-closed semirings (``Boolean``; ``Tropical`` without
negative epsilon cycles; ``MaxPlus`` without positive ones) and in ``Real``/``Log``
when the epsilon arcs' weight matrix has spectral radius below 1; otherwise
:class:`~rational.errors.DivergenceError` says so.

Examples:
    >>> from rational import WFSA, Real
    >>> a = WFSA.from_arcs(Real, [(0, None, 1, 0.5), (1, "a", 2, 1.0), (0, "a", 2, 0.25)],
    ...                    initial=0, final=2, alphabet="a")
    >>> b = remove_epsilons(a)
    >>> b.has_epsilons, b.score("a")
    (False, 0.75)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from rational.algorithms.combine import _expand
from rational.algorithms.connect import live_arcs, trim
from rational.algorithms.shortest_distance import matrix_star, spectral_radius
from rational.errors import DivergenceError, UnsupportedSemiringError
from rational.semirings import Boolean, Log, MaxPlus, MaxTimes, Real, Semiring, Tropical

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = ["epsilon_closure_entries", "remove_epsilons", "sum_parallel_arcs"]

EPSILON = -1
# Epsilon graphs up to this many states use the dense closure.
_DENSE_CLOSURE_LIMIT = 200
# Dense blocks of closure rows are computed this many elements at a time.
_BLOCK_ELEMENTS = 1 << 22


def remove_epsilons(wfsa: WFSA, connect: bool = True) -> WFSA:
    """An equivalent machine without epsilon arcs.

    Args:
        wfsa: the machine.
        connect: trim the result (states entered only by epsilon arcs become
            inaccessible).

    Returns:
        A new machine with the same scores and no epsilon arc; parallel arcs with the
        same source, label and target are ⊕-summed into one.

    Raises:
        DivergenceError: when a sum over epsilon cycles does not converge.
        UnsupportedSemiringError: for a cyclic epsilon graph in a semiring without a
            star.

    Examples:
        >>> from rational import WFSA, Tropical
        >>> a = WFSA.from_arcs(Tropical, [(0, None, 0, 1.0), (0, "a", 1, 2.0)], initial=0, final=1, alphabet="a")
        >>> remove_epsilons(a).arcs()
        [Arc(src=0, label='a', dst=1, weight=2.0)]
    """
    from rational.wfsa import WFSA

    ring = wfsa.semiring
    src, label, dst, weight = wfsa.arc_arrays
    live = live_arcs(wfsa)
    is_eps = label == EPSILON
    n = wfsa.num_states
    rows, cols, dist = epsilon_closure_entries(ring, src[is_eps & live], dst[is_eps & live], weight[is_eps & live], n)
    keep = ~is_eps & live
    order = np.argsort(src[keep], kind="stable")
    a_src, a_label, a_dst, a_weight = src[keep][order], label[keep][order], dst[keep][order], weight[keep][order]
    starts = np.searchsorted(a_src, np.arange(n + 1))
    owner, arc = _expand(starts[cols], starts[cols + 1] - starts[cols])
    new_weight = np.asarray(ring.times(dist[owner], a_weight[arc]), dtype=ring.dtype)
    new_src, new_label, new_dst, new_weight = sum_parallel_arcs(
        ring, rows[owner], a_label[arc], a_dst[arc], new_weight, n, len(wfsa.alphabet)
    )
    reaches_final = np.asarray(ring.times(dist, wfsa.final_weights[cols]), dtype=ring.dtype)
    final = ring.scatter_sum(reaches_final, rows, n)
    result = WFSA.from_arrays(
        ring, wfsa.alphabet.copy(), wfsa.initial_weights, final, new_src, new_label, new_dst, new_weight,
        validate=False,
    )
    return trim(result) if connect else result


def sum_parallel_arcs(ring: Semiring, src, label, dst, weight, num_states: int, num_labels: int):
    """⊕-sum the arcs that share source, label and target; returns the four arrays
    sorted by ``(src, label, dst)``."""
    if len(src) == 0:
        return src, label, dst, weight
    key = (src * (num_labels + 1) + (label + 1)) * num_states + dst
    unique, inverse = np.unique(key, return_inverse=True)
    if len(unique) == len(key):
        order = np.argsort(key)
        return src[order], label[order], dst[order], weight[order]
    summed = ring.scatter_sum(weight, inverse, len(unique))
    first = np.zeros(len(unique), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(key))[::-1]
    return src[first], label[first], dst[first], np.asarray(summed, dtype=ring.dtype)


def epsilon_closure_entries(ring: Semiring, u, v, w, num_states: int):
    """The non-zero entries of the epsilon closure ``E* = I ⊕ E ⊕ E² ⊕ ...`` of the
    epsilon arcs ``u -w-> v``, as ``(rows, cols, weights)`` arrays (the identity
    entries of states no epsilon arc touches included).

    Raises:
        DivergenceError: when a sum over epsilon cycles does not converge.
    """
    nodes = np.unique(np.concatenate([u, v]))
    untouched = np.setdiff1d(np.arange(num_states), nodes)
    rows, cols, dist = [untouched], [untouched], [ring.ones(len(untouched))]
    if len(nodes):
        local = np.full(num_states, -1, dtype=np.int64)
        local[nodes] = np.arange(len(nodes))
        lu, lv = local[u], local[v]
        sources = np.unique(lu)  # other touched states only have their identity entry
        if len(nodes) <= _DENSE_CLOSURE_LIMIT or ring not in (Boolean, Tropical, MaxPlus, MaxTimes, Real, Log):
            r, c, d = _dense_closure(ring, lu, lv, w, len(nodes))
        elif ring in (Real, Log):
            r, c, d = _linear_closure(ring, lu, lv, w, len(nodes), sources)
        else:
            r, c, d = _search_closure(ring, lu, lv, w, len(nodes), sources)
        rows.append(nodes[r])
        cols.append(nodes[c])
        dist.append(d)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(dist).astype(ring.dtype)


def _dense_closure(ring, u, v, w, m):
    matrix = ring.scatter_sum(w, u * m + v, m * m).reshape(m, m)
    try:
        ring.star(ring.zero)
        closure = matrix_star(ring, matrix, what="epsilon cycles")
    except UnsupportedSemiringError:
        if _has_cycle(u, v, m):
            raise UnsupportedSemiringError(
                f"removing cyclic epsilon arcs needs a star (closure) in the {ring.name} semiring"
            ) from None
        closure = _acyclic_closure(ring, matrix)
    if ring.dtype == np.bool_:
        r, c = np.nonzero(closure)
    else:
        r, c = np.nonzero(closure != ring.zero)
    return r, c, closure[r, c]


def _acyclic_closure(ring, matrix):
    """``I ⊕ E ⊕ ... ⊕ E^(m-1)`` (E nilpotent): for semirings without a star."""
    m = len(matrix)
    identity = ring.zeros((m, m))
    np.fill_diagonal(identity, ring.one)
    closure, power = identity, identity
    for _ in range(m - 1):
        power = ring.matmul(power, matrix)
        closure = ring.plus(closure, power)
    return np.asarray(closure, dtype=ring.dtype)


def _has_cycle(u, v, m):
    graph = sp.csr_matrix((np.ones(len(u)), (u, v)), shape=(m, m))
    count, _ = csgraph.connected_components(graph, directed=True, connection="strong")
    return count < m


def _cost_graph(ring, u, v, w, m):
    """The epsilon graph with costs where smaller is better (parallel arcs: the best)."""
    with np.errstate(divide="ignore"):
        if ring is Tropical:
            cost = np.asarray(w, dtype=np.float64)
        elif ring is MaxPlus:
            cost = -np.asarray(w, dtype=np.float64)
        elif ring is MaxTimes:
            cost = -np.log(np.asarray(w, dtype=np.float64))
        else:  # Boolean: reachability
            cost = np.zeros(len(u))
    key = u * m + v
    order = np.argsort(key, kind="stable")
    key, cost = key[order], cost[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    best = np.minimum.reduceat(cost, first)
    key = key[first]
    return sp.csr_matrix((best, (key // m, key % m)), shape=(m, m)), best


def _from_cost(ring, cost):
    if ring is Tropical:
        return cost
    if ring is MaxPlus:
        return -cost
    if ring is MaxTimes:
        return np.exp(-cost)
    return np.ones(len(cost), dtype=bool)


def _search_closure(ring, u, v, w, m, sources):
    graph, cost = _cost_graph(ring, u, v, w, m)
    negative = len(cost) and cost.min() < 0
    chunk = max(1, _BLOCK_ELEMENTS // m)
    rows, cols, dist = [], [], []
    for begin in range(0, len(sources), chunk):
        block = sources[begin : begin + chunk]
        try:
            if negative:
                found = csgraph.johnson(graph, indices=block)
            else:
                found = csgraph.dijkstra(graph, indices=block)
        except csgraph.NegativeCycleError:
            kind = {Tropical: "negative", MaxPlus: "positive", MaxTimes: "greater than 1"}[ring]
            raise DivergenceError(
                f"an epsilon cycle with weight {kind} makes the {ring.name} epsilon closure unbounded"
            ) from None
        r, c = np.nonzero(np.isfinite(found))
        rows.append(block[r])
        cols.append(c)
        dist.append(_from_cost(ring, found[r, c]))
    # rows of the touched states that have no epsilon arc out: the identity
    others = np.setdiff1d(np.arange(m), sources)
    rows.append(others)
    cols.append(others)
    dist.append(ring.ones(len(others)))
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(dist)


def _linear_closure(ring, u, v, w, m, sources):
    if ring is Log:
        finite = w[np.isfinite(w)]
        if len(finite) and np.abs(finite).max() > 600.0:  # exp would overflow: stay in log space
            return _dense_closure(ring, u, v, w, m)
        linear = np.exp(w)
    else:
        linear = np.asarray(w, dtype=np.float64)
    matrix = sp.csr_matrix((linear, (u, v)), shape=(m, m))
    if _has_cycle(u, v, m):
        magnitude = abs(matrix)
        if np.asarray(magnitude.sum(axis=1)).max() >= 1.0:
            radius = spectral_radius(magnitude)
            if radius >= 1.0 - 1e-12:
                raise DivergenceError(
                    f"the {ring.name} sum over epsilon cycles diverges: spectral radius {radius:.6g} >= 1"
                )
    from scipy.sparse.linalg import splu

    # row s of (I - E)^-1 is column s of (I - E^T)^-1
    factor = splu((sp.identity(m, format="csc") - matrix.T).tocsc())
    reach, _ = _cost_graph(Boolean, u, v, np.ones(len(u)), m)
    chunk = max(1, _BLOCK_ELEMENTS // m)
    rows, cols, dist = [], [], []
    for begin in range(0, len(sources), chunk):
        block = sources[begin : begin + chunk]
        rhs = np.zeros((m, len(block)))
        rhs[block, np.arange(len(block))] = 1.0
        solution = factor.solve(rhs)
        # keep structurally reachable entries only (LU round-off elsewhere)
        reachable = np.isfinite(csgraph.dijkstra(reach, indices=block, unweighted=True))
        r, c = np.nonzero(reachable)
        rows.append(block[r])
        cols.append(c)
        values = solution[c, r]
        if ring is Log:
            with np.errstate(divide="ignore"):
                values = np.where(values > 0, np.log(np.maximum(values, 1e-320)), -np.inf)
        dist.append(values)
    others = np.setdiff1d(np.arange(m), sources)
    rows.append(others)
    cols.append(others)
    dist.append(ring.ones(len(others)))
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(dist)
