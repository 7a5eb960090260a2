"""Deterministic finite automata for the regular languages of the capacity hierarchy.

A regular language describes itself by a start state, a step function and an
acceptance test over any hashable states; :meth:`DFA.explore` turns that into a
table, :meth:`DFA.minimize` into the minimal automaton. The minimal automaton gives
what the hierarchy needs: exact counts of the strings of each length (for uniform
sampling and for knowing at which lengths positives and negatives exist), the legal
next symbols after a prefix, a Boolean :class:`~rational.WFSA`, and two algebraic
properties of the language read off its transition monoid:

- *star-free* (Schützenberger 1965): the monoid is aperiodic, i.e. no word acts as a
  cycle of length > 1 on the states. Star-free languages cannot count modulo any
  number; parity, Tomita 5 and 6 and cycle navigation are not star-free.
- *locally testable* (McNaughton 1974; Brzozowski and Simon 1973): membership is
  decided by the prefix, the suffix and the set of factors of some fixed length k.
  The test: for every idempotent e of the syntactic semigroup S, eSe is idempotent
  and commutative.

Examples:
    >>> from rational.hierarchy.dfa import DFA
    >>> even_b = DFA.explore("ab", 0, lambda q, a: (q + (a == "b")) % 2, lambda q: q == 0)
    >>> even_b.accepts("abba"), even_b.accepts("ab")
    (True, False)
    >>> even_b.count(4)  # strings of length 4 with an even number of b's
    8
    >>> even_b.is_star_free(), even_b.is_locally_testable()
    (False, False)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rational.errors import LanguageError, UnknownSymbolError

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = ["DFA"]

#: Largest transition monoid the algebraic tests build before giving up.
MAX_MONOID_SIZE = 200_000


@dataclass(frozen=True, eq=False)
class DFA:
    """A partial deterministic automaton: states ``0..n-1``, a missing transition
    (``None``) goes to an implicit dead state.

    Args:
        alphabet: the symbols, in order.
        start: the start state.
        transitions: ``transitions[q][i]`` is the state reached from ``q`` by
            ``alphabet[i]``, or ``None``.
        accepting: the accepting states.
    """

    alphabet: tuple[str, ...]
    start: int
    transitions: tuple[tuple[int | None, ...], ...]
    accepting: frozenset[int]
    _counts: list[list[int]] = field(default_factory=list, repr=False, compare=False)

    # -- construction -----------------------------------------------------------------
    @classmethod
    def explore(
        cls,
        alphabet: Iterable[str],
        start: Hashable,
        step: Callable[[Hashable, str], Hashable | None],
        accepting: Callable[[Hashable], bool],
        max_states: int = 10_000,
    ) -> DFA:
        """The automaton of the states reachable from ``start`` (breadth first),
        trimmed to the states from which some string is accepted.

        Args:
            alphabet: the symbols.
            start: the start state (any hashable value).
            step: the next state after a symbol, ``None`` for a dead end.
            accepting: whether a state accepts.
            max_states: a bound that catches step functions with infinitely many
                states (a language that is not regular).

        Raises:
            LanguageError: when more than ``max_states`` states are reachable.
        """
        symbols = tuple(alphabet)
        index: dict[Hashable, int] = {start: 0}
        order = [start]
        rows: list[list[int | None]] = []
        queue = deque([start])
        while queue:
            state = queue.popleft()
            row: list[int | None] = []
            for symbol in symbols:
                target = step(state, symbol)
                if target is None:
                    row.append(None)
                    continue
                if target not in index:
                    if len(order) >= max_states:
                        raise LanguageError(
                            f"more than {max_states} states are reachable: the step function does not "
                            "describe a finite automaton"
                        )
                    index[target] = len(order)
                    order.append(target)
                    queue.append(target)
                row.append(index[target])
            rows.append(row)
        final = frozenset(i for i, state in enumerate(order) if accepting(state))
        return cls(symbols, 0, tuple(tuple(row) for row in rows), final).trim()

    def trim(self) -> DFA:
        """The same language without the states from which nothing is accepted
        (their transitions become ``None``); the start state is kept."""
        live = set(self.accepting)
        changed = True
        while changed:
            changed = False
            for q, row in enumerate(self.transitions):
                if q not in live and any(t in live for t in row if t is not None):
                    live.add(q)
                    changed = True
        keep = sorted(live | {self.start})
        renumber = {q: i for i, q in enumerate(keep)}
        rows = tuple(
            tuple(renumber[t] if t is not None and t in live else None for t in self.transitions[q]) for q in keep
        )
        return DFA(self.alphabet, renumber[self.start], rows, frozenset(renumber[q] for q in self.accepting))

    def minimize(self) -> DFA:
        """The minimal (trim, partial) automaton of the same language, by Moore's
        partition refinement; states are numbered in breadth-first order from the
        start, so equal languages give equal tables."""
        trimmed = self.trim()
        n = trimmed.num_states
        dead = n  # the implicit dead state takes part in the refinement
        rows = [[dead if t is None else t for t in row] for row in trimmed.transitions] + [[dead] * len(self.alphabet)]
        block = [1 if q in trimmed.accepting else 0 for q in range(n)] + [2]
        while True:
            signatures = [(block[q], *(block[t] for t in rows[q])) for q in range(n + 1)]
            numbering: dict[tuple, int] = {}
            refined = [numbering.setdefault(sig, len(numbering)) for sig in signatures]
            if len(numbering) == len(set(block)):
                break
            block = refined
        # breadth-first renumbering of the blocks, leaving out the dead block
        dead_block = block[dead]
        order = {block[trimmed.start]: 0}
        queue = deque([trimmed.start])
        representative = {block[trimmed.start]: trimmed.start}
        while queue:
            q = queue.popleft()
            for t in rows[q]:
                b = block[t]
                if b != dead_block and b not in order:
                    order[b] = len(order)
                    representative[b] = t
                    queue.append(t)
        table = []
        for b, _ in sorted(order.items(), key=lambda item: item[1]):
            q = representative[b]
            table.append(tuple(None if block[t] == dead_block else order[block[t]] for t in rows[q]))
        accepting = frozenset(order[block[q]] for q in trimmed.accepting if block[q] in order)  # reachable ones
        return DFA(self.alphabet, 0, tuple(table), accepting)

    # -- reading strings --------------------------------------------------------------
    @property
    def num_states(self) -> int:
        """The number of (live) states."""
        return len(self.transitions)

    def symbol_index(self, symbol: str) -> int:
        """The position of ``symbol`` in the alphabet.

        Raises:
            UnknownSymbolError: for a symbol outside the alphabet.
        """
        try:
            return self.alphabet.index(symbol)
        except ValueError:
            raise UnknownSymbolError(
                f"symbol {symbol!r} is not in the alphabet {''.join(self.alphabet)!r}"
            ) from None

    def run(self, string: Sequence[str]) -> int | None:
        """The state after reading ``string`` from the start, ``None`` when dead."""
        state: int | None = self.start
        for symbol in string:
            column = self.symbol_index(symbol)
            if state is None:
                continue  # keep checking the symbols
            state = self.transitions[state][column]
        return state

    def accepts(self, string: Sequence[str]) -> bool:
        """Whether ``string`` is in the language."""
        return self.run(string) in self.accepting

    def next_symbols(self, string: Sequence[str]) -> frozenset[str | None]:
        """The symbols that keep ``string`` a prefix of an accepted string, plus
        ``None`` when ``string`` itself is accepted (empty after a dead prefix)."""
        state = self.run(string)
        if state is None:
            return frozenset()
        legal: set[str | None] = {a for a, t in zip(self.alphabet, self.transitions[state]) if t is not None}
        if state in self.accepting:
            legal.add(None)
        return frozenset(legal)

    # -- counting ---------------------------------------------------------------------
    def counts(self, length: int) -> list[int]:
        """``counts(k)[q]``: the number of strings of length ``k`` accepted from state
        ``q`` (exact integers; the table is kept and extended on demand)."""
        table = self._counts
        if not table:
            table.append([1 if q in self.accepting else 0 for q in range(self.num_states)])
        while len(table) <= length:
            previous = table[-1]
            table.append([sum(previous[t] for t in row if t is not None) for row in self.transitions])
        return table[length]

    def count(self, length: int) -> int:
        """The number of accepted strings of exactly ``length`` symbols."""
        return self.counts(length)[self.start]

    # -- conversion -------------------------------------------------------------------
    def to_wfsa(self) -> WFSA:
        """This automaton as a Boolean :class:`~rational.WFSA` (same state numbers)."""
        from rational.semirings import Boolean
        from rational.wfsa import WFSA

        arcs = [
            (q, symbol, t)
            for q, row in enumerate(self.transitions)
            for symbol, t in zip(self.alphabet, row)
            if t is not None
        ]
        return WFSA.from_arcs(
            Boolean, arcs, initial=self.start, final=sorted(self.accepting),
            alphabet=list(self.alphabet), num_states=self.num_states,
        )

    # -- algebra of the minimal automaton ----------------------------------------------
    def _letter_maps(self) -> list[tuple[int, ...]]:
        """Each symbol as a map on the complete state set (the dead state is ``n``)."""
        n = self.num_states
        return [
            tuple(n if row[i] is None else row[i] for row in self.transitions) + (n,)
            for i in range(len(self.alphabet))
        ]

    def transition_semigroup(self) -> set[tuple[int, ...]]:
        """The maps on states of all non-empty words (of the minimal automaton, this
        is the syntactic semigroup of the language).

        Raises:
            LanguageError: when it has more than ``MAX_MONOID_SIZE`` elements.
        """
        letters = self._letter_maps()
        seen = set(letters)
        queue = deque(seen)
        while queue:
            word = queue.popleft()
            for letter in letters:
                longer = tuple(letter[q] for q in word)  # first word, then letter
                if longer not in seen:
                    if len(seen) >= MAX_MONOID_SIZE:
                        raise LanguageError(f"the transition semigroup has more than {MAX_MONOID_SIZE} elements")
                    seen.add(longer)
                    queue.append(longer)
        return seen

    def is_star_free(self) -> bool:
        """Whether the language is star-free: every word's map ``m`` satisfies
        ``m^k = m^(k+1)`` for some ``k`` (an aperiodic syntactic monoid)."""
        for word in self.minimize().transition_semigroup():
            powers = [word]
            while True:
                nxt = tuple(word[q] for q in powers[-1])
                if nxt in powers:
                    if nxt != powers[-1]:  # the powers cycle with a period above one
                        return False
                    break
                powers.append(nxt)
        return True

    def is_locally_testable(self) -> bool:
        """Whether the language is locally testable: for each idempotent ``e`` of the
        syntactic semigroup ``S``, the maps of ``eSe`` are idempotent and commute."""
        semigroup = self.minimize().transition_semigroup()

        def then(first: tuple[int, ...], second: tuple[int, ...]) -> tuple[int, ...]:
            return tuple(second[q] for q in first)

        for e in semigroup:
            if then(e, e) != e:
                continue
            local = {then(then(e, s), e) for s in semigroup}
            for x in local:
                if then(x, x) != x:
                    return False
            items = list(local)
            for i, x in enumerate(items):
                for y in items[i + 1 :]:
                    if then(x, y) != then(y, x):
                        return False
        return True
