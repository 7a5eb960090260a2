"""Shortest distance (Mohri 2002) and the closure (star) of a weight matrix.

``shortest_distance`` gives, for every state, the ⊕-sum over all paths from the
initial states (or, reversed, to the final states) of their weights. The method
depends on the semiring:

* selection semirings (Tropical, MaxPlus, MaxTimes, Boolean): graph search in
  scipy's compiled routines: Dijkstra when no weight improves a path, Bellman-Ford
  otherwise (a negative Tropical cycle, or a positive MaxPlus cycle, is reported);
* ``Real`` and ``Log``: the linear system ``d = λ ⊕ d ⊗ M``, solved sparsely in real
  space after checking that the spectral radius of ``M`` is below 1 (``Log`` with
  weights too large for floating point iterates in log space instead);
* user semirings: one pass in topological order when acyclic, the dense closure
  ``λ ⊗ M*`` (Floyd-Warshall-Kleene) otherwise.

``shortest_distance_reference`` is the slow, obviously correct relaxation used by
the tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from rational.errors import DivergenceError, UnsupportedSemiringError
from rational.semirings import Boolean, Log, MaxPlus, MaxTimes, Real, Semiring, Tropical

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = ["matrix_star", "shortest_distance", "shortest_distance_reference", "spectral_radius"]

# Largest |log-weight| for which Log distances are solved in real space.
_EXP_SAFE = 600.0
# Dense eigenvalues below this size; sparse iteration above.
_DENSE_EIG_LIMIT = 1500
# Real/Log path sums: sparse LU up to this many states, series iteration above.
_DIRECT_SOLVE_LIMIT = 300
_SERIES_ITERATIONS = 2000


def _direction(wfsa: WFSA, reverse: bool):
    src, label, dst, weight = wfsa.arc_arrays
    if reverse:
        return wfsa.final_weights, dst, src, weight
    return wfsa.initial_weights, src, dst, weight


def shortest_distance(wfsa: WFSA, reverse: bool = False) -> np.ndarray:
    """Shortest distances of ``wfsa`` (see :meth:`rational.WFSA.shortest_distance`).

    Args:
        wfsa: the machine.
        reverse: distances to the final states (final weights included) instead of
            from the initial states.

    Returns:
        An array of one weight per state (the semiring's zero where no path).

    Raises:
        DivergenceError: when a sum over cycles does not converge.
    """
    ring = wfsa.semiring
    start, u, v, w = _direction(wfsa, reverse)
    n = wfsa.num_states
    if n == 0:
        return ring.zeros(0)
    live = ring.zeros(len(w)) != w if ring.dtype != np.bool_ else np.asarray(w, dtype=bool)
    u, v, w = u[live], v[live], w[live]
    if ring is Boolean:
        return _boolean_reachability(start, u, v, n)
    if ring in (Tropical, MaxPlus, MaxTimes):
        return _selection_distance(ring, start, u, v, w, n)
    if ring in (Real, Log):
        return _linear_distance(ring, start, u, v, w, n, reverse)
    return _generic_distance(ring, start, u, v, w, n, reverse)


# -- selection semirings: compiled graph search --------------------------------------


def _boolean_reachability(start, u, v, n):
    graph = sp.csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    seen = np.zeros(n, dtype=bool)
    sources = np.flatnonzero(start)
    if len(sources):
        seen[sources] = True
        order = csgraph.breadth_first_order(_with_super_source(graph, sources, n), n, return_predecessors=False)
        seen[order[order < n]] = True
    return seen


def _with_super_source(graph, sources, n, weights=None):
    """``graph`` plus a node ``n`` with arcs to ``sources`` (explicit zeros kept)."""
    weights = np.ones(len(sources)) if weights is None else weights
    coo = graph.tocoo()
    rows = np.concatenate([coo.row, np.full(len(sources), n)])
    cols = np.concatenate([coo.col, sources])
    data = np.concatenate([coo.data, weights])
    return sp.csr_matrix((data, (rows, cols)), shape=(n + 1, n + 1))


def _selection_distance(ring, start, u, v, w, n):
    # Map to costs where min is best: Tropical as is, MaxPlus negated, MaxTimes -log.
    if ring is Tropical:
        to_cost, from_cost = (lambda x: x), (lambda c: c)
    elif ring is MaxPlus:
        to_cost, from_cost = (lambda x: -x), (lambda c: 0.0 - c)
    else:
        to_cost = lambda x: -np.log(x)  # noqa: E731
        from_cost = lambda c: np.exp(-c)  # noqa: E731
    with np.errstate(divide="ignore"):
        cost = to_cost(np.asarray(w, dtype=np.float64))
        start_cost = to_cost(np.asarray(start, dtype=np.float64))
    sources = np.flatnonzero(np.isfinite(start_cost))
    if len(sources) == 0:
        return ring.zeros(n)
    # Parallel arcs: keep the cheapest (scipy would add them up).
    key = u * n + v
    order = np.argsort(key, kind="stable")
    key, cost = key[order], cost[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
    cheapest = np.minimum.reduceat(cost, first) if len(key) else cost
    key = key[first] if len(key) else key
    graph = sp.csr_matrix((cheapest, (key // n, key % n)), shape=(n, n))
    offset = start_cost[sources].min()
    graph = _with_super_source(graph, sources, n, start_cost[sources] - offset)
    try:
        if len(cheapest) == 0 or cheapest.min() >= 0:
            dist = csgraph.dijkstra(graph, indices=n)
        else:
            dist = csgraph.bellman_ford(graph, indices=n)
    except csgraph.NegativeCycleError:
        kind = {Tropical: "negative", MaxPlus: "positive", MaxTimes: "greater than 1"}[ring]
        raise DivergenceError(
            f"a reachable cycle with weight {kind} makes the {ring.name} shortest distance unbounded"
        ) from None
    with np.errstate(over="ignore"):
        return np.asarray(from_cost(dist[:n] + offset), dtype=np.float64)


# -- Real and Log: a linear system -----------------------------------------------------


def spectral_radius(matrix) -> float:
    """The spectral radius of a non-negative (sparse or dense) matrix.

    Dense eigenvalues for small matrices; for large ones, ARPACK with a power
    iteration as fallback.
    """
    n = matrix.shape[0]
    if n == 0:
        return 0.0
    if sp.issparse(matrix):
        if n <= _DENSE_EIG_LIMIT:
            matrix = matrix.toarray()
        else:
            from scipy.sparse.linalg import ArpackNoConvergence, eigs

            try:
                return float(np.abs(eigs(matrix.astype(np.float64), k=1, which="LM", return_eigenvectors=False, tol=1e-10)).max())
            except (ArpackNoConvergence, ValueError, TypeError):
                x = np.ones(n)
                estimate = 0.0
                for _ in range(10_000):
                    y = matrix @ x
                    norm = np.abs(y).max()
                    if norm == 0:
                        return 0.0
                    if abs(norm - estimate) <= 1e-12 * norm:
                        break
                    estimate, x = norm, y / norm
                return float(estimate)
    return float(np.abs(np.linalg.eigvals(np.asarray(matrix, dtype=np.float64))).max())


def _is_acyclic(u, v, n) -> bool:
    if np.any(u == v):
        return False
    if len(u) == 0:
        return True
    graph = sp.csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    count, _ = csgraph.connected_components(graph, directed=True, connection="strong")
    return count == n


def _accessible(start_nonzero, u, v, n):
    return _boolean_reachability(start_nonzero, u, v, n)


def _linear_distance(ring, start, u, v, w, n, reverse):
    start_nonzero = start != ring.zero
    reach = _accessible(start_nonzero, u, v, n)
    keep = reach[u]
    u, v, w = u[keep], v[keep], w[keep]
    states = np.flatnonzero(reach)
    out = ring.zeros(n)
    if len(states) == 0:
        return out
    local = np.full(n, -1, dtype=np.int64)
    local[states] = np.arange(len(states))
    lu, lv, m = local[u], local[v], len(states)
    acyclic = _is_acyclic(lu, lv, m)
    if ring is Log:
        finite = np.concatenate([w[np.isfinite(w)], start[states][np.isfinite(start[states])]])
        if len(finite) and np.abs(finite).max() > _EXP_SAFE:
            out[states] = _log_fixed_point(start[states], lu, lv, w, m)
            return out
        linear_w, linear_start = np.exp(w), np.exp(start[states])
    else:
        linear_w, linear_start = w, start[states]
    matrix = sp.csr_matrix((linear_w, (lu, lv)), shape=(m, m))
    if not acyclic:
        magnitude = abs(matrix)
        if np.asarray(magnitude.sum(axis=1)).max() >= 1.0:  # cheap sufficient test first
            radius = spectral_radius(magnitude)
            if radius >= 1.0 - 1e-12:
                direction = "to the final states" if reverse else "from the initial states"
                raise DivergenceError(
                    f"the {ring.name} sum over paths {direction} diverges: the cycles' weight "
                    f"matrix has spectral radius {radius:.6g} >= 1"
                )
    solution = np.atleast_1d(np.asarray(_solve_paths(matrix, linear_start), dtype=np.float64))
    if ring is Log:
        with np.errstate(divide="ignore", invalid="ignore"):
            solution = np.where(solution > 0, np.log(np.maximum(solution, 1e-320)), -np.inf)
    out[states] = solution
    return out


def _solve_paths(matrix, start):
    """``x = start + Mᵀ x`` for a sparse ``M`` whose spectral radius is below 1.

    Sparse LU when the machine is small or its strongly connected components are
    (the system is then block-triangular and LU fills in little). Otherwise LU of a
    large random graph fills in and takes minutes, so the series
    ``Σ (Mᵀ)^k start`` is summed until its terms vanish to float precision (a few
    dozen sparse products when the radius is well below 1), then GMRES carries on
    from there when the series converges slowly, and LU is the last resort.

    Non-negative systems (every ``Log`` one) get a few series steps after LU or
    GMRES: those solvers are accurate relative to the largest entry only, and may
    leave a tiny positive entry at zero or below; the series has no cancellation.
    """
    from scipy.sparse.linalg import gmres, spsolve

    m = matrix.shape[0]
    system = (sp.identity(m, format="csc") - matrix.T.tocsc()).tocsc()
    transposed = matrix.T.tocsr()
    if m <= _DIRECT_SOLVE_LIMIT:
        x = spsolve(system, start) if m > 1 else start / system.toarray()[0]
        return _polish(transposed, start, np.atleast_1d(x))
    _, component = csgraph.connected_components(matrix, directed=True, connection="strong")
    if np.bincount(component).max() <= _DIRECT_SOLVE_LIMIT:
        return _polish(transposed, start, spsolve(system, start))
    x = np.array(start, dtype=np.float64)
    for _ in range(_SERIES_ITERATIONS):
        new = start + transposed @ x
        step = np.abs(new - x).max()
        x = new
        if step <= 1e-16 * max(np.abs(x).max(), 1e-300):
            return x
    x, info = gmres(system, start, x0=x, rtol=1e-14, atol=0.0, restart=50, maxiter=20)
    if info != 0:
        x = spsolve(system, start)
    return _polish(transposed, start, x)


def _polish(transposed, start, x, steps: int = 100):
    """Series steps from a solution of a non-negative system, each entry until it is
    stable relative to its own size."""
    if start.min(initial=0.0) < 0 or transposed.data.min(initial=0.0) < 0:
        return x
    x = np.maximum(x, 0.0)
    for _ in range(steps):
        new = start + transposed @ x
        if np.all(np.abs(new - x) <= 1e-14 * new):
            return new
        x = new
    return x


def _log_fixed_point(start, u, v, w, n, tolerance=1e-13, max_iterations=100_000):
    d = np.array(start, dtype=np.float64)
    for _ in range(max_iterations):
        incoming = Log.scatter_sum(d[u] + w, v, n)
        new = np.logaddexp(start, incoming)
        finite = np.isfinite(new)
        if np.any(new == np.inf):
            break
        delta = np.abs(new[finite] - d[finite]) if finite.any() else np.zeros(0)
        same_support = np.array_equal(finite, np.isfinite(d))
        d = new
        if same_support and (len(delta) == 0 or delta.max() <= tolerance):
            return d
    raise DivergenceError("the Log sum over paths does not converge (fixed-point iteration diverged)")


# -- any semiring ----------------------------------------------------------------------


def _generic_distance(ring: Semiring, start, u, v, w, n, reverse):
    if _is_acyclic(u, v, n):
        return _topological_pass(ring, start, u, v, w, n, reverse)
    try:
        ring.star(ring.zero)
    except UnsupportedSemiringError:
        raise UnsupportedSemiringError(
            f"shortest distance on a cyclic machine needs a star in the {ring.name} semiring"
        ) from None
    matrix = ring.scatter_sum(w, u * n + v, n * n).reshape(n, n)
    closure = matrix_star(ring, matrix, what="cycles")
    if reverse:
        return ring.matmul(closure, start[:, None])[:, 0]
    return ring.matmul(start[None, :], closure)[0]


def _topological_pass(ring, start, u, v, w, n, reverse):
    order = _topological_order(u, v, n)
    d = np.array(start, dtype=ring.dtype)
    out_arcs: list[list[int]] = [[] for _ in range(n)]
    for i, q in enumerate(u.tolist()):
        out_arcs[q].append(i)
    for q in order:
        for i in out_arcs[q]:
            target = v[i]
            term = ring.times(w[i], d[q]) if reverse else ring.times(d[q], w[i])
            d[target] = ring.plus(d[target], term)
    return d


def _topological_order(u, v, n) -> list[int]:
    indegree = np.bincount(v, minlength=n)
    out_arcs: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(u.tolist(), v.tolist()):
        out_arcs[a].append(b)
    ready = [q for q in range(n) if indegree[q] == 0]
    order = []
    while ready:
        q = ready.pop()
        order.append(q)
        for r in out_arcs[q]:
            indegree[r] -= 1
            if indegree[r] == 0:
                ready.append(r)
    return order


def matrix_star(ring: Semiring, matrix: np.ndarray, what: str = "cycles") -> np.ndarray:
    """``M* = I ⊕ M ⊕ M⊗M ⊕ ...`` for a dense square matrix (Floyd-Warshall-Kleene).

    ``Real`` and ``Log`` matrices are first checked for convergence (spectral
    radius below 1); selection semirings report improving cycles. Cost O(n³).

    Args:
        ring: the semiring.
        matrix: the ``n×n`` weight matrix.
        what: how to name the cycles in the error message.

    Raises:
        DivergenceError: when the series does not converge.

    Examples:
        >>> import numpy as np
        >>> from rational.semirings import Real
        >>> matrix_star(Real, np.array([[0.5]]))
        array([[2.]])
    """
    matrix = np.array(matrix, dtype=ring.dtype)
    n = matrix.shape[0]
    if n == 0:
        return matrix
    nonzero = matrix != ring.zero
    rows, cols = np.nonzero(nonzero)
    if (ring is Real or ring is Log) and not _is_acyclic(rows, cols, n):
        if ring is Log:
            top = np.max(matrix[nonzero])
            radius_log = top + np.log(max(spectral_radius(np.exp(matrix - top)), 1e-300))
            diverges = radius_log >= -1e-12
            radius = np.exp(min(radius_log, 700.0))
        else:
            radius = spectral_radius(np.abs(matrix))
            diverges = radius >= 1.0 - 1e-12
        if diverges:
            raise DivergenceError(
                f"the {ring.name} sum over {what} diverges: spectral radius {radius:.6g} >= 1"
            )
    closure = matrix
    for k in range(n):
        loop = ring.star(closure[k, k])
        if not np.all(ring.is_member(loop)):
            raise DivergenceError(
                f"the {ring.name} sum over {what} through state {k} diverges "
                f"(cycle weight {closure[k, k].item()!r})"
            )
        through = ring.times(closure[:, k], loop)
        closure = ring.plus(closure, ring.times(through[:, None], closure[k][None, :]))
    identity = ring.zeros((n, n))
    np.fill_diagonal(identity, ring.one)
    result = ring.plus(identity, closure)
    if not np.all(ring.is_member(result)):
        raise DivergenceError(f"the {ring.name} sum over {what} diverges")
    return np.asarray(result, dtype=ring.dtype)


def shortest_distance_reference(wfsa: WFSA, reverse: bool = False, max_iterations: int = 10_000) -> np.ndarray:
    """Generic relaxation ``d ← λ ⊕ d ⊗ M`` until nothing changes (Mohri's generic
    algorithm without a queue discipline). Slow; for tests. For Real/Log it
    iterates to floating-point convergence.
    """
    ring = wfsa.semiring
    start, u, v, w = _direction(wfsa, reverse)
    d = np.array(start, dtype=ring.dtype)
    for _ in range(max_iterations):
        new = np.array(start, dtype=ring.dtype)
        for a, b, weight in zip(u.tolist(), v.tolist(), w):
            term = ring.times(weight, d[a]) if reverse else ring.times(d[a], weight)
            new[b] = ring.plus(new[b], term)
        if np.all(ring.isclose(new, d, 1e-13)):
            return new
        d = new
    raise DivergenceError(f"no convergence after {max_iterations} relaxations")
