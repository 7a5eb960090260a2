"""Equivalence of weighted automata: do two machines give every string the same score?

:func:`equivalent` decides it with the method the semiring allows and returns a
result that is truthy when the machines are equivalent and otherwise carries a
counterexample (a string and both scores):

* ``Real`` and ``Log`` (read as real weights): the linear-algebra algorithm over
  a field (Schützenberger 1961; Tzeng 1992). Run both machines side by side as
  one with initial vector ``[λ_A, -λ_B]`` and final vector ``[ρ_A; ρ_B]``, so that
  ``v_w · ρ`` is ``A(w) - B(w)`` for the forward vector ``v_w``. Words are explored
  breadth-first, and only the extensions of words whose forward vectors are not in
  the span of the earlier ones (at most ``n_A + n_B`` of them): every other word's
  difference is a linear combination of theirs. Exact up to floating point
  (float64, with a tolerance); the first word found with differing scores is a
  shortest counterexample.
* ``Boolean``: determinize both machines, then Hopcroft and Karp's union-find
  check over pairs of states, breadth-first, which returns a shortest
  counterexample.
* ``Tropical``, ``MaxPlus``, ``MaxTimes``: equivalence is undecidable in general
  (Krob 1994). When both machines determinize within ``max_states``, push their
  weights toward the initial state and compare the pushed deterministic machines
  state by state (minimal pushed machines are unique, so this decides
  equivalence exactly); otherwise fall back to a bounded search that tries every
  string up to a length and random longer ones, and mark the result as not a
  proof (``exact=False``).
* other semirings: the bounded search.

Examples:
    >>> from rational import WFSA, Boolean
    >>> a = WFSA.from_arcs(Boolean, [(0, "a", 0)], initial=0, final=0, alphabet="a")
    >>> b = WFSA.from_arcs(Boolean, [(0, "a", 1), (1, "a", 0)], initial=0, final=0, alphabet="a")
    >>> result = equivalent(a, b)
    >>> bool(result), result.counterexample.string, result.counterexample.score_a, result.counterexample.score_b
    (False, 'a', True, False)
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from rational.algorithms.combine import merge_alphabets
from rational.errors import NotDeterminizableError
from rational.semirings import Boolean, Log, MaxPlus, MaxTimes, Real, Tropical

if TYPE_CHECKING:  # pragma: no cover
    from rational.symbols import SymbolTable
    from rational.wfsa import WFSA

__all__ = ["Counterexample", "EquivalenceResult", "equivalent"]

#: States the determinization of each machine may reach before Tropical/MaxPlus
#: equivalence falls back to the bounded search.
DEFAULT_MAX_STATES = 10_000
# The bounded search tries every string up to the length that keeps it under this many.
_EXHAUSTIVE_BUDGET = 4_000
_MAX_EXHAUSTIVE_LENGTH = 24
# A vector joins the basis when its distance to the span exceeds this (relative).
_SPAN_TOLERANCE = 1e-9


class Counterexample(NamedTuple):
    """A string the two machines score differently.

    Attributes:
        string: the string as text (characters joined, or words joined by spaces),
            which ``WFSA.score`` reads back.
        symbols: the string as a tuple of symbols.
        score_a: the first machine's score.
        score_b: the second machine's score.
    """

    string: str
    symbols: tuple[Hashable, ...]
    score_a: Any
    score_b: Any


@dataclass(frozen=True)
class EquivalenceResult:
    """The answer of :func:`equivalent`; truthy when the machines are equivalent.

    Attributes:
        equivalent: whether no string tells the machines apart (as far as the
            method can tell, see ``exact``).
        method: how it was decided.
        exact: whether the answer is a proof; ``False`` for the bounded search,
            whose "equivalent" only means that no tried string differed.
        counterexample: a :class:`Counterexample` when not equivalent.
    """

    equivalent: bool
    method: str
    exact: bool
    counterexample: Counterexample | None = None

    def __bool__(self) -> bool:
        return self.equivalent

    def __str__(self) -> str:
        if self.equivalent:
            verdict = "equivalent" if self.exact else "no difference found (not a proof)"
            return f"{verdict} [{self.method}]"
        c = self.counterexample
        return f"not equivalent: {c.string!r} scores {c.score_a!r} vs {c.score_b!r} [{self.method}]"


def _text(symbols: tuple[Hashable, ...]) -> str:
    if all(isinstance(s, str) and len(s) == 1 for s in symbols):
        return "".join(symbols)
    return " ".join(str(s) for s in symbols)


def _score(machine: WFSA, symbols: tuple[Hashable, ...]):
    if any(s not in machine.alphabet for s in symbols):
        return machine.semiring.zero if machine.semiring.dtype != np.bool_ else False
    return machine.score(list(symbols))


def _counterexample(a: WFSA, b: WFSA, symbols) -> Counterexample:
    symbols = tuple(symbols)
    return Counterexample(_text(symbols), symbols, _score(a, symbols), _score(b, symbols))


def _differs(ring, a: WFSA, b: WFSA, symbols, tolerance) -> Counterexample | None:
    example = _counterexample(a, b, symbols)
    if ring.isclose(example.score_a, example.score_b, tolerance):
        return None
    return example


def _over(machine: WFSA, alphabet: SymbolTable, labels: np.ndarray) -> WFSA:
    from rational.wfsa import WFSA

    src, _, dst, weight = machine.arc_arrays
    return WFSA.from_arrays(
        machine.semiring, alphabet, machine.initial_weights, machine.final_weights,
        src, labels, dst, weight, validate=False,
    )


def equivalent(
    a: WFSA,
    b: WFSA,
    *,
    tolerance: float = 1e-9,
    max_states: int = DEFAULT_MAX_STATES,
    max_length: int | None = None,
    samples: int = 500,
    seed: int = 0,
) -> EquivalenceResult:
    """Whether ``a`` and ``b`` give every string the same score.

    Args:
        a: a machine.
        b: a machine over the same semiring (the alphabets may differ: a string
            with a symbol one machine lacks scores zero there).
        tolerance: scores within this (relative to their size, absolute below 1)
            count as equal; also the tolerance of the linear algebra.
        max_states: the determinization bound for ``Boolean``, ``Tropical``,
            ``MaxPlus`` and ``MaxTimes``.
        max_length: the bounded search tries every string up to this length
            (default: as long as a few thousand strings allow).
        samples: how many random longer strings the bounded search tries.
        seed: the seed of those random strings.

    Returns:
        An :class:`EquivalenceResult`: truthy when equivalent, with ``.method``,
        ``.exact`` and (when not equivalent) ``.counterexample``.

    Raises:
        SemiringMismatchError: when the semirings differ.
        DivergenceError: when a machine's sums over epsilon cycles diverge.

    Examples:
        >>> import numpy as np
        >>> from rational import WFSA, Real
        >>> a = WFSA.from_arcs(Real, [(0, "a", 0, 0.5)], initial=0, final=0, alphabet="a")
        >>> b = WFSA.from_arcs(Real, [(0, "a", 1, 0.5), (1, "a", 0, 0.5)], initial=0, final={0: 1.0, 1: 1.0},
        ...                    alphabet="a")
        >>> equivalent(a, b).method
        'linear algebra over the reals (Schützenberger, Tzeng)'
        >>> c = WFSA.from_arcs(Real, [(0, "a", 1, 0.5), (1, "a", 0, 0.6)], initial=0, final={0: 1.0, 1: 1.0},
        ...                    alphabet="a")
        >>> print(equivalent(a, c))
        not equivalent: 'aa' scores 0.25 vs 0.3 [linear algebra over the reals (Schützenberger, Tzeng)]
    """
    from rational.wfsa import WFSA

    if not isinstance(a, WFSA):
        raise TypeError(f"equivalent() compares two WFSAs, got {type(a).__name__}")
    a.check_same_semiring(b)
    if tolerance < 0:
        raise ValueError(f"tolerance must be non-negative, got {tolerance}")
    ring = a.semiring
    alphabet, labels_a, labels_b = merge_alphabets(a, b)
    a_, b_ = _over(a, alphabet, labels_a), _over(b, alphabet, labels_b)
    if ring is Real or ring is Log:
        return _linear(a, b, a_, b_, tolerance)
    if ring is Boolean:
        try:
            return _hopcroft_karp(a, b, a_, b_, max_states)
        except NotDeterminizableError:
            pass
    elif ring in (Tropical, MaxPlus, MaxTimes):
        try:
            return _pushed_bisimulation(a, b, a_, b_, tolerance, max_states)
        except NotDeterminizableError:
            pass
    return _bounded(a, b, a_, b_, tolerance, max_length, samples, seed)


# -- Real and Log: linear algebra -------------------------------------------------------


def _linear_arrays(machine: WFSA, shifts):
    """Arc, initial and final values of an epsilon-free copy, in real space, each
    divided by a common scale (``shifts``: log-scales for Log, scales for Real)."""
    src, label, dst, weight = machine.arc_arrays
    initial, final = machine.initial_weights, machine.final_weights
    if machine.semiring is Log:
        arc_shift, initial_shift, final_shift = shifts
        return (src, label, dst, np.exp(weight - arc_shift)), np.exp(initial - initial_shift), np.exp(final - final_shift)
    arc_scale, initial_scale, final_scale = shifts
    return (src, label, dst, weight / arc_scale), initial / initial_scale, final / final_scale


def _common_scales(ring, machines):
    def top(values):
        values = np.concatenate(values)
        if ring is Log:
            finite = values[np.isfinite(values)]
            return float(finite.max()) if len(finite) else 0.0
        magnitude = np.abs(values)
        return float(magnitude.max()) if len(magnitude) and magnitude.max() > 0 else 1.0

    return (
        top([m.arc_arrays[3] for m in machines]),
        top([m.initial_weights for m in machines]),
        top([m.final_weights for m in machines]),
    )


def _linear(a, b, a_, b_, tolerance) -> EquivalenceResult:
    from rational.algorithms.epsilon import remove_epsilons

    method = "linear algebra over the reals (Schützenberger, Tzeng)"
    ring = a.semiring
    ma, mb = remove_epsilons(a_), remove_epsilons(b_)
    scales = _common_scales(ring, [ma, mb])
    (sa, la, da, wa), ia, fa = _linear_arrays(ma, scales)
    (sb, lb, db, wb), ib, fb = _linear_arrays(mb, scales)
    na, n = ma.num_states, ma.num_states + mb.num_states
    num_labels = len(a_.alphabet)
    src = np.concatenate([sa, sb + na])
    dst = np.concatenate([da, db + na])
    label = np.concatenate([la, lb])
    value = np.concatenate([wa, wb])
    # M_a transposed, so that v ↦ v M_a is a sparse product
    steps = [sp.csr_matrix((value[label == s], (dst[label == s], src[label == s])), shape=(n, n)) for s in range(num_labels)]
    start = np.concatenate([ia, -ib])
    final_a = np.concatenate([fa, np.zeros(mb.num_states)])
    final_b = np.concatenate([np.zeros(na), fb])
    symbols = a_.alphabet.symbols
    basis = np.zeros((0, n))
    queue: deque[tuple[tuple[int, ...], np.ndarray]] = deque()

    def visit(word, vector):
        """Check the word; queue it if its vector leaves the span. Returns a counterexample or None."""
        nonlocal basis
        norm = np.linalg.norm(vector)
        if norm == 0:
            return None
        unit = vector / norm
        score_a, score_b = unit @ final_a, unit @ final_b
        scale = np.abs(unit) @ (np.abs(final_a) + np.abs(final_b))
        if abs(score_a - score_b) > 1e-12 * scale:
            found = _differs(ring, a, b, tuple(symbols[i] for i in word), tolerance)
            if found is not None:
                return found
        if len(basis) == n:  # the span is everything
            return None
        residual = unit
        for _ in range(2):  # Gram-Schmidt twice keeps the basis orthogonal in floating point
            if len(basis):
                residual = residual - basis.T @ (basis @ residual)
        size = np.linalg.norm(residual)
        if size > _SPAN_TOLERANCE:
            basis = np.vstack([basis, residual / size])
            queue.append((word, unit))
        return None

    found = visit((), start)
    while found is None and queue:
        word, vector = queue.popleft()
        for s in range(num_labels):
            found = visit(word + (s,), steps[s] @ vector)
            if found is not None:
                break
    if found is not None:
        return EquivalenceResult(False, method, True, found)
    return EquivalenceResult(True, method, True)


# -- Boolean: Hopcroft-Karp ---------------------------------------------------------------


def _transitions(dfa: WFSA) -> list[dict[int, int]]:
    table: list[dict[int, int]] = [{} for _ in range(dfa.num_states)]
    src, label, dst, _ = dfa.arc_arrays
    for s, a, d in zip(src.tolist(), label.tolist(), dst.tolist()):
        table[s][a] = d
    return table


def _hopcroft_karp(a, b, a_, b_, max_states) -> EquivalenceResult:
    from rational.algorithms.determinize import determinize

    method = "determinization + Hopcroft-Karp union-find"
    da, db = determinize(a_, max_states=max_states), determinize(b_, max_states=max_states)
    offset = da.num_states
    sink = offset + db.num_states  # the missing transitions of both machines lead here
    delta = _transitions(da) + [{} for _ in range(db.num_states)]
    for q, arcs in enumerate(_transitions(db)):
        delta[offset + q] = {s: d + offset for s, d in arcs.items()}
    delta.append({})
    accepting = np.concatenate([np.asarray(da.final_weights, dtype=bool), np.asarray(db.final_weights, dtype=bool), [False]])
    start_a = 0 if da.num_states else sink
    start_b = offset if db.num_states else sink
    parent = list(range(sink + 1))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    symbols = a_.alphabet.symbols
    pairs = [(start_a, start_b)]
    came_from: list[tuple[int, int]] = [(-1, -1)]

    def word_of(index):
        word = []
        while index > 0:
            index, s = came_from[index]
            word.append(symbols[s])
        return tuple(reversed(word))

    if accepting[start_a] != accepting[start_b]:
        return EquivalenceResult(False, method, True, _counterexample(a, b, ()))
    parent[find(start_a)] = find(start_b)
    head = 0
    while head < len(pairs):
        p, q = pairs[head]
        for s in range(len(symbols)):
            p2, q2 = delta[p].get(s, sink), delta[q].get(s, sink)
            root_p, root_q = find(p2), find(q2)
            if root_p == root_q:
                continue
            parent[root_p] = root_q
            pairs.append((p2, q2))
            came_from.append((head, s))
            if accepting[p2] != accepting[q2]:
                return EquivalenceResult(False, method, True, _counterexample(a, b, word_of(len(pairs) - 1)))
        head += 1
    return EquivalenceResult(True, method, True)


# -- Tropical, MaxPlus, MaxTimes: pushed deterministic machines ------------------------------


def _best_completion(machine: WFSA, state: int) -> tuple[Hashable, ...]:
    from rational.algorithms.shortest_path import shortest_path

    initial = machine.semiring.zeros(machine.num_states)
    initial[state] = machine.semiring.one
    src, label, dst, weight = machine.arc_arrays
    moved = type(machine).from_arrays(
        machine.semiring, machine.alphabet, initial, machine.final_weights, src, label, dst, weight, validate=False
    )
    best = shortest_path(moved, 1)
    return best[0].labels if best else ()


def _pushed_bisimulation(a, b, a_, b_, tolerance, max_states) -> EquivalenceResult:
    from rational.algorithms.determinize import determinize
    from rational.algorithms.push import push

    method = "determinization + weight pushing + state-by-state comparison"
    ring = a.semiring
    pa = push(determinize(a_, max_states=max_states))
    pb = push(determinize(b_, max_states=max_states))
    symbols = a_.alphabet.symbols
    if pa.num_states == 0 or pb.num_states == 0:
        if pa.num_states == pb.num_states:
            return EquivalenceResult(True, method, True)
        accepting = pa if pa.num_states else pb
        return EquivalenceResult(False, method, True, _counterexample(a, b, _best_completion(accepting, 0)))
    delta_a, delta_b = _transitions(pa), _transitions(pb)
    weight_a, weight_b = pa.arc_arrays[3], pb.arc_arrays[3]
    arc_index_a = _arc_indices(pa)
    arc_index_b = _arc_indices(pb)
    final_a, final_b = pa.final_weights, pb.final_weights

    candidates: list[tuple[Hashable, ...]] = []

    def prefix_mismatch(word, p, q):
        # equal prefixes had different weights: the best completion from one side
        # or the other tells the machines apart
        for machine, state in ((pa, p), (pb, q)):
            candidates.append(word + _best_completion(machine, state))

    def close(x, y):
        return bool(ring.isclose(x, y, tolerance))

    # With equal initial weights, and equal arc and final weights on every pair of
    # states reached by the same word, every string gets the same weight.
    if not close(pa.initial_weights[0], pb.initial_weights[0]):
        prefix_mismatch((), 0, 0)
    visited = {(0, 0)}
    queue = deque([((0, 0), ())])
    while queue and not candidates:
        (p, q), word = queue.popleft()
        if not close(final_a[p], final_b[q]):
            candidates.append(word)
            break
        for s in sorted(set(delta_a[p]) | set(delta_b[q])):
            extended = word + (symbols[s],)
            if s not in delta_a[p] or s not in delta_b[q]:
                machine, state = (pa, delta_a[p][s]) if s in delta_a[p] else (pb, delta_b[q][s])
                candidates.append(extended + _best_completion(machine, state))
                break
            target = (delta_a[p][s], delta_b[q][s])
            if not close(weight_a[arc_index_a[p][s]], weight_b[arc_index_b[q][s]]):
                prefix_mismatch(extended, *target)
                break
            if target not in visited:
                visited.add(target)
                queue.append((target, extended))
    if not candidates:
        return EquivalenceResult(True, method, True)
    examples = [_counterexample(a, b, word) for word in candidates]
    differing = [e for e in examples if not ring.isclose(e.score_a, e.score_b, tolerance)]
    return EquivalenceResult(False, method, True, (differing or examples)[0])


def _arc_indices(dfa: WFSA) -> list[dict[int, int]]:
    table: list[dict[int, int]] = [{} for _ in range(dfa.num_states)]
    src, label, _, _ = dfa.arc_arrays
    for i, (s, a) in enumerate(zip(src.tolist(), label.tolist())):
        table[s][a] = i
    return table


# -- any semiring: a bounded search -----------------------------------------------------------


def _bounded(a, b, a_, b_, tolerance, max_length, samples, seed) -> EquivalenceResult:
    ring = a.semiring
    symbols = a_.alphabet.symbols
    k = len(symbols)
    if max_length is None:
        max_length, count = 0, 1
        while k > 0 and max_length < _MAX_EXHAUSTIVE_LENGTH and count + k ** (max_length + 1) <= _EXHAUSTIVE_BUDGET:
            max_length += 1
            count += k**max_length
    for length in range(max_length + 1):
        for word in itertools.product(symbols, repeat=length):
            found = _differs(ring, a, b, word, tolerance)
            if found is not None:
                return EquivalenceResult(False, _bounded_method(max_length, samples), False, found)
    rng = np.random.default_rng(seed)
    tried = 0
    if k:
        for _ in range(samples):
            length = int(rng.integers(max_length + 1, 2 * max_length + 9))
            word = tuple(symbols[i] for i in rng.integers(0, k, size=length))
            tried += 1
            found = _differs(ring, a, b, word, tolerance)
            if found is not None:
                return EquivalenceResult(False, _bounded_method(max_length, tried), False, found)
    return EquivalenceResult(True, _bounded_method(max_length, tried), False)


def _bounded_method(max_length: int, samples: int) -> str:
    return f"bounded search: every string up to length {max_length} and {samples} random longer ones"
