"""Hypothesis strategies for property tests of automata code, yours and ours.

Examples:
    >>> from hypothesis import given
    >>> from rational.testing import wfsas, strings
    >>> @given(wfsas(alphabet="ab"), strings("ab", max_length=4))
    ... def test_scores_are_semiring_values(machine, string):
    ...     assert machine.semiring.is_member(machine.score(string))
    >>> test_scores_are_semiring_values()

Machines are drawn so that every sum over paths converges: Tropical weights are
non-negative costs, MaxPlus weights non-positive, MaxTimes weights in [0, 1], and
Real/Log machines are scaled so that each state's outgoing weights sum (in absolute
value) to less than 0.9, which bounds the spectral radius below 1.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np
from hypothesis import strategies as st

from rational.errors import UnsupportedSemiringError
from rational.semirings import BUILTIN_SEMIRINGS, Boolean, Log, MaxPlus, MaxTimes, Real, Semiring, Tropical
from rational.symbols import SymbolTable
from rational.wfsa import WFSA

__all__ = ["Counting", "semirings", "strings", "weights", "wfsas"]

_CONVERGENT_ROW_SUM = 0.9


class Counting(Semiring):
    """The natural numbers under + and ×: a user-defined semiring with no star and no
    division, for testing how code treats a semiring it does not know.

    Examples:
        >>> ring = Counting()
        >>> WFSA.from_arcs(ring, [(0, "a", 1), (0, "a", 1)], initial=0, final=1).score("a")
        2.0
    """

    name = "Counting"
    zero, one = 0.0, 1.0
    commutative = True

    def plus(self, x, y):
        return x + y

    def times(self, x, y):
        return x * y


def semirings(include: Iterable[Semiring] = BUILTIN_SEMIRINGS) -> st.SearchStrategy[Semiring]:
    """One of the given semirings (by default every built-in one)."""
    return st.sampled_from(tuple(include))


def weights(semiring: Semiring) -> st.SearchStrategy:
    """Non-zero weights of ``semiring`` that keep sums over cycles finite.

    Raises:
        UnsupportedSemiringError: for semirings other than the built-in ones.
    """
    quarter_steps = st.integers(0, 16).map(lambda k: k / 4)
    if semiring is Boolean:
        return st.just(True)
    if semiring is Real:
        return st.floats(-1.0, 1.0, allow_subnormal=False).filter(lambda x: x != 0)
    if semiring is Log:
        return st.floats(0.05, 1.0).map(lambda p: float(np.log(p)))
    if semiring is Tropical:
        return quarter_steps
    if semiring is MaxPlus:
        return quarter_steps.map(lambda x: 0.0 - x)
    if semiring is MaxTimes:
        return st.integers(1, 16).map(lambda k: k / 16)
    raise UnsupportedSemiringError(f"no weight strategy for the {semiring.name} semiring")


def _as_symbols(alphabet: str | Sequence[Hashable] | SymbolTable) -> list[Hashable]:
    return list(alphabet)


@st.composite
def wfsas(
    draw,
    semiring: Semiring | None = None,
    *,
    max_states: int = 4,
    min_states: int = 1,
    alphabet: str | Sequence[Hashable] | SymbolTable = "ab",
    acyclic: bool = False,
    epsilons: bool = False,
    max_arcs: int | None = None,
) -> WFSA:
    """Random WFSAs whose path sums converge.

    Args:
        semiring: the semiring (drawn from the built-ins when ``None``).
        max_states: at most this many states.
        min_states: at least this many states.
        alphabet: the symbols (a string is one symbol per character).
        acyclic: only arcs from lower to higher state ids.
        epsilons: allow epsilon arcs.
        max_arcs: at most this many arcs (default: 3 per state).
    """
    ring = draw(semirings()) if semiring is None else semiring
    symbols = _as_symbols(alphabet)
    n = draw(st.integers(min_states, max_states))
    labels = st.sampled_from(symbols + ([None] if epsilons else []))
    if acyclic:
        pairs = st.integers(0, max(n - 2, 0)).flatmap(lambda s: st.tuples(st.just(s), st.integers(s + 1, n - 1)))
    else:
        pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    limit = 3 * n if max_arcs is None else max_arcs
    if acyclic and n < 2:
        limit = 0
    arc = st.tuples(pairs, labels, weights(ring))
    arcs = draw(st.lists(arc, max_size=limit))
    state = st.integers(0, n - 1)
    initial = draw(st.dictionaries(state, weights(ring), min_size=1, max_size=max(1, n // 2)))
    final = draw(st.dictionaries(state, weights(ring), min_size=1, max_size=n))
    arc_list = [(p[0], label, p[1], w) for p, label, w in arcs]
    if ring in (Real, Log) and arc_list:
        arc_list = _scale_to_converge(ring, arc_list, n)
    return WFSA.from_arcs(ring, arc_list, initial=initial, final=final, alphabet=SymbolTable(symbols), num_states=n)


def _scale_to_converge(ring: Semiring, arcs, n):
    linear = [abs(w) if ring is Real else float(np.exp(w)) for _, _, _, w in arcs]
    row = np.zeros(n)
    for (src, _, _, _), value in zip(arcs, linear):
        row[src] += value
    scale = min(1.0, _CONVERGENT_ROW_SUM / row.max()) if row.max() > 0 else 1.0
    if ring is Real:
        return [(s, lab, d, w * scale) for s, lab, d, w in arcs]
    return [(s, lab, d, w + float(np.log(scale))) for s, lab, d, w in arcs]


def strings(alphabet: str | Sequence[Hashable] | SymbolTable, max_length: int = 6) -> st.SearchStrategy:
    """Strings over ``alphabet``: ``str`` for a string of characters, else lists."""
    if isinstance(alphabet, str):
        return st.text(alphabet=alphabet, max_size=max_length)
    return st.lists(st.sampled_from(_as_symbols(alphabet)), max_size=max_length)
