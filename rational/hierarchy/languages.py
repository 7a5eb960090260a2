"""Formal languages for probing what sequence models can recognize.

Each language is a small class over the abstract :class:`Language`: it knows its
alphabet, its level in the capacity hierarchy, how to decide membership, how to draw
strings of an exact length inside it (:meth:`Language.sample`) and just outside it
(:meth:`Language.sample_negative`), and which symbols may come next after a prefix
(:meth:`Language.next_symbols`, with :data:`END` for "the string may end here").
Regular languages also give their minimal automaton (:meth:`RegularLanguage.dfa`)
and a Boolean :class:`~rational.WFSA` (:meth:`RegularLanguage.to_wfsa`).

Levels (the lowest class of real-time machines that recognizes the language):

- ``"regular"``: a finite automaton;
- ``"counter"``: a finite automaton with integer counters that add -1, 0 or +1 per
  symbol (Merrill 2020), e.g. a^n b^n, a^n b^n c^n, Dyck-1;
- ``"context-free"``: needs a stack (Dyck-2);
- ``"context-sensitive"``: needs more (ww, the copy language).

Add a language by writing its class and one line in :data:`LANGUAGES`.

Examples:
    >>> import numpy as np
    >>> from rational.hierarchy.languages import get_language, END
    >>> anbn = get_language("anbn")
    >>> anbn.contains("aabb"), anbn.contains("abab"), anbn.level
    (True, False, 'counter')
    >>> sorted(anbn.next_symbols("aab")), END in anbn.next_symbols("aabb")
    (['b'], True)
    >>> rng = np.random.default_rng(0)
    >>> anbn.sample(6, rng)
    'aaabbb'
    >>> anbn.contains(anbn.sample_negative(6, rng))
    False
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from rational.errors import LanguageError, UnknownSymbolError
from rational.hierarchy.dfa import DFA

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = [
    "END",
    "LANGUAGES",
    "LEVELS",
    "ABStar",
    "AnBn",
    "AnBnCn",
    "AnBnSigmaStar",
    "BoundedDifference",
    "Copy",
    "CycleNavigation",
    "Dyck1",
    "Dyck2",
    "EvenPairs",
    "Language",
    "Parity",
    "RegularLanguage",
    "Shuffle2",
    "Tomita1",
    "Tomita2",
    "Tomita3",
    "Tomita4",
    "Tomita5",
    "Tomita6",
    "Tomita7",
    "get_language",
]

#: The marker :meth:`Language.next_symbols` uses for "the string may end here".
END = "<end>"

#: The levels, from weakest to strongest machine.
LEVELS = ("regular", "counter", "context-free", "context-sensitive")

_EDIT_ATTEMPTS = 400  # random near-miss edits tried before the exhaustive search


def _check_rng(rng: np.random.Generator | int) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise LanguageError(f"rng must be a numpy Generator (np.random.default_rng(seed)) or a seed, got {rng!r}")


class Language(ABC):
    """A formal language over a finite alphabet of one-character symbols.

    Subclasses set :attr:`name`, :attr:`title`, :attr:`alphabet` and :attr:`level`,
    and implement :meth:`_contains`, :meth:`_sample`, :meth:`_next_symbols`,
    :meth:`has_positive` and :meth:`has_negative`. The base class validates the
    arguments and provides the near-miss negatives.
    """

    #: Registry name (lowercase, dashes).
    name: ClassVar[str]
    #: How the language is written in tables, e.g. ``"a^n b^n"``.
    title: ClassVar[str]
    #: The symbols, one character each.
    alphabet: ClassVar[str]
    #: One of :data:`LEVELS`.
    level: ClassVar[str]
    #: The objectives (``"membership"``, ``"next-symbol"``) for which a counter
    #: machine must read a counter's value while reading the string (e.g. to stop
    #: counting once a^n b^n is complete), so that counters an automaton only adds
    #: to, without reading them, do not suffice. Empty for all but counter languages.
    counter_reads: ClassVar[frozenset[str]] = frozenset()

    # -- the interface ---------------------------------------------------------------
    def contains(self, string: str | Sequence[str]) -> bool:
        """Whether ``string`` is in the language.

        Raises:
            UnknownSymbolError: for a symbol outside the alphabet.
        """
        return self._contains(self._check_string(string))

    def sample(self, length: int, rng: np.random.Generator) -> str:
        """A string of the language with exactly ``length`` symbols.

        Each language documents its distribution (uniform over the strings of that
        length where that is cheap).

        Args:
            length: the number of symbols.
            rng: a numpy ``Generator`` (or an integer seed for one).

        Raises:
            LanguageError: when no string of the language has that length (see
                :meth:`has_positive`).
        """
        self._check_length(length)
        rng = _check_rng(rng)
        if not self.has_positive(length):
            raise LanguageError(
                f"{self.title} has no string of length {length}; {self._length_note()}"
            )
        return self._sample(length, rng)

    def sample_negative(self, length: int, rng: np.random.Generator) -> str:
        """A near miss: a string of exactly ``length`` symbols outside the language,
        made from a string of the language by one or two edits (a substituted
        symbol, two swapped symbols, a symbol moved, or, where the language has no
        string of that length, one inserted or deleted symbol).

        Random edits are tried first; if none leaves the language, every single
        edit of a few positive strings is tried in random order.

        Args:
            length: the number of symbols.
            rng: a numpy ``Generator`` (or an integer seed for one).

        Raises:
            LanguageError: when every string of that length is in the language
                (see :meth:`has_negative`), or no near miss was found.
        """
        self._check_length(length)
        rng = _check_rng(rng)
        if not self.has_negative(length):
            raise LanguageError(f"every string of length {length} is in {self.title}: there is no negative to draw")
        if length == 0:
            return ""  # the only string of length 0
        for _ in range(_EDIT_ATTEMPTS):
            candidate = self._near_miss(length, rng)
            if candidate is not None and not self._contains(candidate):
                return candidate
        for _ in range(8):
            candidate = self._exhaustive_near_miss(length, rng)
            if candidate is not None:
                return candidate
        raise LanguageError(
            f"found no string of length {length} within one or two edits of {self.title}; "
            "use lengths where the language has near misses"
        )

    def next_symbols(self, prefix: str | Sequence[str]) -> frozenset[str]:
        """The symbols ``c`` for which ``prefix + c`` is a prefix of some string of
        the language, plus :data:`END` when ``prefix`` itself is in the language.
        Empty when no string of the language starts with ``prefix``.

        Raises:
            UnknownSymbolError: for a symbol outside the alphabet.
        """
        return self._next_symbols(self._check_string(prefix))

    def next_symbols_along(self, string: str | Sequence[str]) -> list[frozenset[str]]:
        """:meth:`next_symbols` after every prefix ``string[:i]``, ``i = 0..len(string)``,
        in one pass (linear time for the built-in languages).

        Raises:
            UnknownSymbolError: for a symbol outside the alphabet.

        Examples:
            >>> from rational.hierarchy.languages import get_language
            >>> [sorted(s) for s in get_language("dyck-1").next_symbols_along("()")]
            [['(', '<end>'], ['(', ')'], ['(', '<end>']]
        """
        return self._next_symbols_along(self._check_string(string))

    def _next_symbols_along(self, string: str) -> list[frozenset[str]]:
        return [self._next_symbols(string[:i]) for i in range(len(string) + 1)]

    @abstractmethod
    def has_positive(self, length: int) -> bool:
        """Whether some string of the language has exactly ``length`` symbols."""

    def has_negative(self, length: int) -> bool:
        """Whether some string of exactly ``length`` symbols is outside the language."""
        # every language here has near misses at every positive length unless it overrides this
        return length > 0 or not self._contains("")

    @property
    def is_regular(self) -> bool:
        """Whether the language is regular (it then has :meth:`to_wfsa`)."""
        return self.level == "regular"

    def to_wfsa(self) -> WFSA:
        """A Boolean :class:`~rational.WFSA` accepting exactly the language.

        Raises:
            LanguageError: for a language that is not regular.
        """
        raise LanguageError(f"{self.title} is {self.level}, not regular: no finite automaton recognizes it")

    # -- what subclasses implement ---------------------------------------------------
    @abstractmethod
    def _contains(self, string: str) -> bool: ...

    @abstractmethod
    def _sample(self, length: int, rng: np.random.Generator) -> str: ...

    @abstractmethod
    def _next_symbols(self, prefix: str) -> frozenset[str]: ...

    def _length_note(self) -> str:
        """Which lengths have strings of the language (for error messages)."""
        return "see has_positive()"

    # -- near misses -----------------------------------------------------------------
    def _near_miss(self, length: int, rng: np.random.Generator) -> str | None:
        """One random edit (or two) of a string of the language; may be inside it."""
        if self.has_positive(length):
            base = list(self._sample(length, rng))
            kind = int(rng.integers(4))
            if kind == 0 or length < 2:
                self._substitute(base, rng, times=1 + int(rng.integers(2)))
            elif kind == 1:
                self._swap(base, rng, adjacent=True)
            elif kind == 2:
                self._swap(base, rng, adjacent=False)
            else:  # move one symbol elsewhere (a deletion and an insertion)
                symbol = base.pop(int(rng.integers(length)))
                base.insert(int(rng.integers(length)), symbol)
            return "".join(base)
        shorter, longer = length >= 1 and self.has_positive(length - 1), self.has_positive(length + 1)
        if not shorter and not longer:
            return None
        if shorter and (not longer or rng.integers(2)):
            base = list(self._sample(length - 1, rng))
            base.insert(int(rng.integers(length)), self.alphabet[int(rng.integers(len(self.alphabet)))])
        else:
            base = list(self._sample(length + 1, rng))
            del base[int(rng.integers(length + 1))]
        if base and rng.integers(4) == 0:
            self._substitute(base, rng, times=1)
        return "".join(base)

    def _substitute(self, symbols: list[str], rng: np.random.Generator, times: int) -> None:
        for _ in range(times):
            i = int(rng.integers(len(symbols)))
            others = [a for a in self.alphabet if a != symbols[i]]
            symbols[i] = others[int(rng.integers(len(others)))]

    @staticmethod
    def _swap(symbols: list[str], rng: np.random.Generator, adjacent: bool) -> None:
        n = len(symbols)
        if adjacent:
            places = [i for i in range(n - 1) if symbols[i] != symbols[i + 1]]
            if places:
                i = places[int(rng.integers(len(places)))]
                symbols[i], symbols[i + 1] = symbols[i + 1], symbols[i]
            return
        i, j = (int(k) for k in rng.integers(n, size=2))
        symbols[i], symbols[j] = symbols[j], symbols[i]

    def _single_edits(self, base: str, length: int):
        """Every string of ``length`` symbols one edit away from ``base``."""
        if len(base) == length:
            for i in range(length):
                for a in self.alphabet:
                    if a != base[i]:
                        yield base[:i] + a + base[i + 1 :]
            for i in range(length - 1):
                if base[i] != base[i + 1]:
                    yield base[:i] + base[i + 1] + base[i] + base[i + 2 :]
        elif len(base) == length - 1:
            for i in range(length):
                for a in self.alphabet:
                    yield base[:i] + a + base[i:]
        else:
            for i in range(len(base)):
                yield base[:i] + base[i + 1 :]

    def _exhaustive_near_miss(self, length: int, rng: np.random.Generator) -> str | None:
        """A random one among the single edits of one positive string that leave the language."""
        sources = [n for n in (length, length - 1, length + 1) if n >= 0 and self.has_positive(n)]
        if not sources:
            return None
        base = self._sample(sources[int(rng.integers(len(sources)))], rng)
        outside = [s for s in self._single_edits(base, length) if not self._contains(s)]
        if not outside:
            return None
        return outside[int(rng.integers(len(outside)))]

    # -- validation ------------------------------------------------------------------
    def _check_string(self, string: str | Sequence[str]) -> str:
        if not isinstance(string, str):
            try:
                string = "".join(string)
            except TypeError:
                raise UnknownSymbolError(
                    f"a string of {self.title} is a str over {self.alphabet!r}, got {string!r}"
                ) from None
        for symbol in string:
            if symbol not in self.alphabet:
                raise UnknownSymbolError(
                    f"symbol {symbol!r} is not in the alphabet {self.alphabet!r} of {self.title}"
                )
        return string

    @staticmethod
    def _check_length(length: int) -> None:
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
            raise LanguageError(f"a length is an integer >= 0, got {length!r}")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}: {self.title}, {self.level}>"


class RegularLanguage(Language):
    """A regular language given twice: directly by :meth:`_contains` and as a
    finite automaton by :meth:`_start`, :meth:`_step` and :meth:`_accepting` (the
    tests check that the two agree).

    Positive strings are drawn uniformly among the strings of the requested length
    (exact counts on the minimal automaton); :meth:`next_symbols`,
    :meth:`has_positive` and :meth:`has_negative` come from the automaton too.
    """

    level = "regular"

    @abstractmethod
    def _start(self) -> Hashable: ...

    @abstractmethod
    def _step(self, state: Hashable, symbol: str) -> Hashable | None:
        """The next state, ``None`` when no continuation is accepted."""

    @abstractmethod
    def _accepting(self, state: Hashable) -> bool: ...

    @cached_property
    def _dfa(self) -> DFA:
        return DFA.explore(self.alphabet, self._start(), self._step, self._accepting).minimize()

    def dfa(self) -> DFA:
        """The minimal deterministic automaton (partial: no dead state)."""
        return self._dfa

    def to_wfsa(self) -> WFSA:
        """The minimal automaton as a Boolean :class:`~rational.WFSA`.

        Examples:
            >>> from rational.hierarchy.languages import get_language
            >>> machine = get_language("parity").to_wfsa()
            >>> machine.num_states, machine.score("abb"), machine.score("ab")
            (2, True, False)
        """
        return self._dfa.to_wfsa()

    @cached_property
    def star_free(self) -> bool:
        """Whether the language is star-free (aperiodic; no counting modulo n)."""
        return self._dfa.is_star_free()

    @cached_property
    def locally_testable(self) -> bool:
        """Whether membership depends only on the prefix, the suffix and the set of
        factors of some bounded length."""
        return self._dfa.is_locally_testable()

    def has_positive(self, length: int) -> bool:
        return self._dfa.count(length) > 0

    def has_negative(self, length: int) -> bool:
        return self._dfa.count(length) < len(self.alphabet) ** length

    def _length_note(self) -> str:
        return "its automaton accepts no string of that length"

    def _sample(self, length: int, rng: np.random.Generator) -> str:
        dfa = self._dfa
        state = dfa.start
        out = []
        for remaining in range(length, 0, -1):
            counts = dfa.counts(remaining - 1)
            weights = [0 if t is None else counts[t] for t in dfa.transitions[state]]
            total = sum(weights)
            # int / int rounds correctly even for huge counts, so the choice is uniform
            # up to float rounding (about 1e-16 relative)
            pick = rng.random()
            symbol, target = "", state
            for a, t, weight in zip(dfa.alphabet, dfa.transitions[state], weights):
                if weight == 0:
                    continue
                symbol, target = a, t
                share = weight / total
                if pick < share:
                    break
                pick -= share  # falls through to the last allowed symbol on rounding
            out.append(symbol)
            state = target
        return "".join(out)

    def _next_symbols(self, prefix: str) -> frozenset[str]:
        return frozenset(END if s is None else s for s in self._dfa.next_symbols(prefix))

    def _legal_after(self, state: int | None) -> frozenset[str]:
        if state is None:
            return frozenset()
        dfa = self._dfa
        legal = {a for a, t in zip(dfa.alphabet, dfa.transitions[state]) if t is not None}
        if state in dfa.accepting:
            legal.add(END)
        return frozenset(legal)

    def _next_symbols_along(self, string: str) -> list[frozenset[str]]:
        dfa = self._dfa
        state: int | None = dfa.start
        out = [self._legal_after(state)]
        for symbol in string:
            if state is not None:
                state = dfa.transitions[state][dfa.symbol_index(symbol)]
            out.append(self._legal_after(state))
        return out


# -- Tomita (1982) ------------------------------------------------------------------------
class Tomita1(RegularLanguage):
    """Tomita 1: ``1*``. One string per length."""

    name, title, alphabet = "tomita-1", "Tomita 1: 1*", "01"

    def _contains(self, s: str) -> bool:
        return "0" not in s

    def _start(self):
        return 0

    def _step(self, q, a):
        return 0 if a == "1" else None

    def _accepting(self, q):
        return True


class Tomita2(RegularLanguage):
    """Tomita 2: ``(10)*``. One string per even length, none at odd lengths."""

    name, title, alphabet = "tomita-2", "Tomita 2: (10)*", "01"

    def _contains(self, s: str) -> bool:
        return s == "10" * (len(s) // 2)

    def _start(self):
        return "1"  # the symbol expected next

    def _step(self, q, a):
        return None if a != q else ("0" if a == "1" else "1")

    def _accepting(self, q):
        return q == "1"


class Tomita3(RegularLanguage):
    """Tomita 3: no odd-length block of 1s followed, anywhere later, by an
    odd-length block of 0s (blocks are maximal runs; this is Tomita's definition as
    implemented by Weiss et al. 2018, which rejects 0111001101 and 11011100110 as in
    Tomita's examples)."""

    name, title, alphabet = "tomita-3", "Tomita 3", "01"

    def _contains(self, s: str) -> bool:
        seen_odd_ones = False
        i = 0
        while i < len(s):
            j = i
            while j < len(s) and s[j] == s[i]:
                j += 1
            odd = (j - i) % 2 == 1
            if s[i] == "1" and odd:
                seen_odd_ones = True
            elif s[i] == "0" and odd and seen_odd_ones:
                return False
            i = j
        return True

    # state: (an odd 1-block has ended, current block symbol, current block length is odd)
    def _start(self):
        return (False, None, False)

    def _step(self, q, a):
        seen, block, odd = q
        if a == block:
            return (seen, block, not odd)
        if block == "1" and odd:
            seen = True
        elif block == "0" and odd and seen:
            return None
        return (seen, a, True)

    def _accepting(self, q):
        seen, block, odd = q
        return not (block == "0" and odd and seen)


class Tomita4(RegularLanguage):
    """Tomita 4: no three consecutive 0s. Every string of length below 3 is in it."""

    name, title, alphabet = "tomita-4", "Tomita 4: no 000", "01"

    def _contains(self, s: str) -> bool:
        return "000" not in s

    def _start(self):
        return 0  # trailing zeros

    def _step(self, q, a):
        if a == "1":
            return 0
        return q + 1 if q < 2 else None

    def _accepting(self, q):
        return True


class Tomita5(RegularLanguage):
    """Tomita 5: an even number of 0s and an even number of 1s (even lengths only)."""

    name, title, alphabet = "tomita-5", "Tomita 5: even 0s, even 1s", "01"

    def _contains(self, s: str) -> bool:
        return s.count("0") % 2 == 0 and s.count("1") % 2 == 0

    def _start(self):
        return (0, 0)

    def _step(self, q, a):
        return (q[0] ^ (a == "0"), q[1] ^ (a == "1"))

    def _accepting(self, q):
        return q == (0, 0)


class Tomita6(RegularLanguage):
    """Tomita 6: #0 - #1 divisible by 3 (strings at every length except 1)."""

    name, title, alphabet = "tomita-6", "Tomita 6: #0 ≡ #1 (mod 3)", "01"

    def _contains(self, s: str) -> bool:
        return (s.count("0") - s.count("1")) % 3 == 0

    def _start(self):
        return 0

    def _step(self, q, a):
        return (q + (1 if a == "0" else -1)) % 3

    def _accepting(self, q):
        return q == 0


class Tomita7(RegularLanguage):
    """Tomita 7: ``0*1*0*1*``. Every string of length below 4 is in it."""

    name, title, alphabet = "tomita-7", "Tomita 7: 0*1*0*1*", "01"

    def _contains(self, s: str) -> bool:
        return s.count("10") <= 1

    def _start(self):
        return 0  # which of the four blocks we are in

    def _step(self, q, a):
        block = q
        while block < 4 and "0101"[block] != a:
            block += 1
        return block if block < 4 else None

    def _accepting(self, q):
        return True


# -- regular tasks of Delétang et al. (2023) and friends ---------------------------------------
class Parity(RegularLanguage):
    """Parity: an even number of ``b``'s. Strings at every length."""

    name, title, alphabet = "parity", "parity (even #b)", "ab"

    def _contains(self, s: str) -> bool:
        return s.count("b") % 2 == 0

    def _start(self):
        return 0

    def _step(self, q, a):
        return q ^ (a == "b")

    def _accepting(self, q):
        return q == 0


class EvenPairs(RegularLanguage):
    """Even pairs: an even number of ``ab`` and ``ba`` factors together, which holds
    exactly when the first and the last symbols are equal. Every string of length
    below 2 is in it."""

    name, title, alphabet = "even-pairs", "even pairs", "ab"

    def _contains(self, s: str) -> bool:
        changes = sum(1 for x, y in zip(s, s[1:]) if x != y)
        return changes % 2 == 0

    def _start(self):
        return None  # (first symbol, last symbol) once something was read

    def _step(self, q, a):
        return (a, a) if q is None else (q[0], a)

    def _accepting(self, q):
        return q is None or q[0] == q[1]

    def _near_miss(self, length, rng):
        # the near miss that matters: change one end so the ends differ
        if length >= 2 and rng.integers(2):
            base = list(self._sample(length, rng))
            end = 0 if rng.integers(2) else length - 1
            base[end] = "a" if base[end] == "b" else "b"
            return "".join(base)
        return super()._near_miss(length, rng)


class CycleNavigation(RegularLanguage):
    """Cycle navigation: moves on a cycle of ``modulus`` positions (``0`` stay, ``1``
    one step forward, ``2`` one step back) that end where they started. Strings at
    every length."""

    alphabet = "012"

    def __init__(self, modulus: int = 5):
        if isinstance(modulus, bool) or not isinstance(modulus, int) or modulus < 2:
            raise LanguageError(f"the cycle needs an integer modulus >= 2, got {modulus!r}")
        self.modulus = modulus
        self.name = "cycle-navigation" if modulus == 5 else f"cycle-navigation-{modulus}"
        self.title = f"cycle navigation (mod {modulus})"

    def _contains(self, s: str) -> bool:
        return (s.count("1") - s.count("2")) % self.modulus == 0

    def _start(self):
        return 0

    def _step(self, q, a):
        return (q + {"0": 0, "1": 1, "2": -1}[a]) % self.modulus

    def _accepting(self, q):
        return q == 0


class ABStar(RegularLanguage):
    """``(ab)*``: one string per even length."""

    name, title, alphabet = "ab-star", "(ab)*", "ab"

    def _contains(self, s: str) -> bool:
        return s == "ab" * (len(s) // 2)

    def _start(self):
        return "a"

    def _step(self, q, a):
        return None if a != q else ("b" if a == "a" else "a")

    def _accepting(self, q):
        return q == "a"


class BoundedDifference(RegularLanguage):
    """|#a − #b| < ``bound`` on every prefix: a counter that never leaves
    ``(-bound, bound)``, hence regular. Every string shorter than ``bound`` is in it;
    strings exist at every length."""

    alphabet = "ab"

    def __init__(self, bound: int = 5):
        if isinstance(bound, bool) or not isinstance(bound, int) or bound < 1:
            raise LanguageError(f"the bound is an integer >= 1, got {bound!r}")
        self.bound = bound
        self.name = "bounded-difference" if bound == 5 else f"bounded-difference-{bound}"
        self.title = f"|#a − #b| < {bound} on every prefix"

    def _contains(self, s: str) -> bool:
        difference = 0
        for symbol in s:
            difference += 1 if symbol == "a" else -1
            if abs(difference) >= self.bound:
                return False
        return True

    def _start(self):
        return 0

    def _step(self, q, a):
        q += 1 if a == "a" else -1
        return q if abs(q) < self.bound else None

    def _accepting(self, q):
        return True


# -- counter languages -----------------------------------------------------------------------
def _runs(s: str, symbols: str) -> list[int] | None:
    """The lengths ``[i, j, ...]`` when ``s = symbols[0]^i symbols[1]^j ...``, else ``None``."""
    counts = []
    position = 0
    for symbol in symbols:
        start = position
        while position < len(s) and s[position] == symbol:
            position += 1
        counts.append(position - start)
    return counts if position == len(s) else None


def _runs_along(s: str, symbols: str) -> list[list[int] | None]:
    """:func:`_runs` of every prefix ``s[:i]``, ``i = 0..len(s)``, in one pass."""
    counts = [0] * len(symbols)
    block: int | None = 0
    out: list[list[int] | None] = [list(counts)]
    for symbol in s:
        if block is not None:
            while block < len(symbols) and symbols[block] != symbol:
                block += 1
            if block == len(symbols):
                block = None
            else:
                counts[block] += 1
        out.append(None if block is None else list(counts))
    return out


class AnBn(Language):
    """a^n b^n for n ≥ 0 (the empty string included): one string per even length."""

    name, title, alphabet, level = "anbn", "a^n b^n", "ab", "counter"

    def _contains(self, s: str) -> bool:
        runs = _runs(s, "ab")
        return runs is not None and runs[0] == runs[1]

    def has_positive(self, length: int) -> bool:
        return length % 2 == 0

    def _length_note(self) -> str:
        return "its strings have even lengths"

    def _sample(self, length, rng):
        return "a" * (length // 2) + "b" * (length // 2)

    def _near_miss(self, length, rng):
        # half the near misses keep the shape a^i b^j and get the count wrong by one
        # or two: only a counter tells them apart (most random edits put a "b" before
        # an "a", which any finite-state model sees)
        if length >= 2 and rng.integers(2):
            half = length // 2
            split = [k for k in range(half - 2, half + 3) if 1 <= k < length and 2 * k != length]
            if split:
                k = split[int(rng.integers(len(split)))]
                return "a" * k + "b" * (length - k)
        return super()._near_miss(length, rng)

    def _next_symbols(self, p: str) -> frozenset[str]:
        return self._legal(_runs(p, "ab"))

    @staticmethod
    def _legal(runs: list[int] | None) -> frozenset[str]:
        if runs is None or runs[1] > runs[0]:
            return frozenset()
        i, j = runs
        if j == 0:
            return frozenset({"a", "b"} if i else {"a", END})
        return frozenset({"b"} if j < i else {END})

    def _next_symbols_along(self, string: str) -> list[frozenset[str]]:
        return [self._legal(runs) for runs in _runs_along(string, "ab")]


class AnBnSigmaStar(Language):
    """a^n b^n Σ* for n ≥ 1: a^n b^n followed by anything (Merrill et al. 2020).
    Strings at every even length ≥ 2 and every odd length ≥ 3. Positives draw n
    uniformly from 1..length/2, then a uniform suffix."""

    name, title, alphabet, level = "anbn-sigma-star", "a^n b^n Σ*", "ab", "counter"
    counter_reads = frozenset({"membership", "next-symbol"})

    def _complete(self, s: str) -> int | None:
        """The length of the a^n b^n prefix, ``None`` when there is none."""
        n = len(s) - len(s.lstrip("a"))
        if n == 0 or s[n : 2 * n] != "b" * n:
            return None
        return 2 * n

    def _contains(self, s: str) -> bool:
        return self._complete(s) is not None

    def has_positive(self, length: int) -> bool:
        return length >= 2

    def _length_note(self) -> str:
        return "its strings have at least 2 symbols"

    def _sample(self, length, rng):
        n = 1 + int(rng.integers(length // 2))
        suffix = "".join("ab"[k] for k in rng.integers(2, size=length - 2 * n))
        return "a" * n + "b" * n + suffix

    def _near_miss(self, length, rng):
        # half the near misses are a^i b^j with j = i ± 1 or 2 (then an "a" and any
        # suffix): the b-run stops one or two short or long of the a-run, so only a
        # counter read mid-string tells them apart
        if length >= 3 and rng.integers(2):
            d = 1 + int(rng.integers(2))
            i = 1 + int(rng.integers(max(1, (length - d) // 2)))
            j = i - d if rng.integers(2) and i > d else i + d
            if i + j > length:
                return super()._near_miss(length, rng)
            rest = length - i - j
            suffix = "a" + "".join("ab"[k] for k in rng.integers(2, size=rest - 1)) if rest else ""
            return "a" * i + "b" * j + suffix
        return super()._near_miss(length, rng)

    def _next_symbols(self, p: str) -> frozenset[str]:
        if self._complete(p) is not None:
            return frozenset({"a", "b", END})
        return self._legal(_runs(p, "ab"))

    def _next_symbols_along(self, string: str) -> list[frozenset[str]]:
        out = []
        complete = False
        for runs in _runs_along(string, "ab"):
            complete = complete or (runs is not None and runs[0] == runs[1] > 0)
            out.append(frozenset({"a", "b", END}) if complete else self._legal(runs))
        return out

    @staticmethod
    def _legal(runs: list[int] | None) -> frozenset[str]:
        """The legal symbols after a^i b^j that is not yet a complete a^n b^n."""
        if runs is None:
            return frozenset()
        i, j = runs
        if i == 0:
            return frozenset() if j else frozenset({"a"})
        if j == 0:
            return frozenset({"a", "b"})
        return frozenset({"b"}) if j < i else frozenset()


class AnBnCn(Language):
    """a^n b^n c^n for n ≥ 0: one string per length divisible by 3 (a counter
    language: two counters suffice)."""

    name, title, alphabet, level = "anbncn", "a^n b^n c^n", "abc", "counter"

    def _contains(self, s: str) -> bool:
        runs = _runs(s, "abc")
        return runs is not None and runs[0] == runs[1] == runs[2]

    def has_positive(self, length: int) -> bool:
        return length % 3 == 0

    def _length_note(self) -> str:
        return "its lengths are multiples of 3"

    def _sample(self, length, rng):
        n = length // 3
        return "a" * n + "b" * n + "c" * n

    def _near_miss(self, length, rng):
        # half the near misses keep the shape a^i b^j c^k with one count off by one
        if length >= 3 and rng.integers(2):
            n = length // 3
            counts = [n, n, n]
            for _ in range(length - 3 * n):
                counts[int(rng.integers(3))] += 1
            if counts[0] == counts[1] == counts[2]:
                up, down = rng.choice(3, size=2, replace=False)
                if counts[down] > 1:
                    counts[up] += 1
                    counts[down] -= 1
            return "a" * counts[0] + "b" * counts[1] + "c" * counts[2]
        return super()._near_miss(length, rng)

    def _next_symbols(self, p: str) -> frozenset[str]:
        return self._legal(_runs(p, "abc"))

    def _next_symbols_along(self, string: str) -> list[frozenset[str]]:
        return [self._legal(runs) for runs in _runs_along(string, "abc")]

    @staticmethod
    def _legal(runs: list[int] | None) -> frozenset[str]:
        if runs is None:
            return frozenset()
        i, j, k = runs
        if j > i or k > i or (k > 0 and j < i):
            return frozenset()
        if j == 0 and k == 0:
            return frozenset({"a", "b"} if i else {"a", END})
        if k == 0 and j < i:
            return frozenset({"b"})
        return frozenset({"c"} if k < i else {END})


def _random_dyck(pairs: int, rng: np.random.Generator) -> list[bool]:
    """A uniformly random balanced sequence of ``pairs`` opens (True) and closes,
    by the cycle lemma: rotate a random arrangement of n opens and n + 1 closes to
    start after its lowest point and drop the final close."""
    steps = np.array([True] * pairs + [False] * (pairs + 1))
    rng.shuffle(steps)
    heights = np.cumsum(np.where(steps, 1, -1))
    lowest = int(np.argmin(heights))  # first minimum: the unique valid rotation
    rotated = np.concatenate([steps[lowest + 1 :], steps[: lowest + 1]])
    return rotated[:-1].tolist()


class Dyck1(Language):
    """Dyck-1: balanced strings of ``(`` and ``)``. Strings at every even length,
    drawn uniformly."""

    name, title, alphabet, level = "dyck-1", "Dyck-1", "()", "counter"
    counter_reads = frozenset({"membership"})

    def _depths(self, s: str) -> int | None:
        depth = 0
        for symbol in s:
            depth += 1 if symbol == "(" else -1
            if depth < 0:
                return None
        return depth

    def _contains(self, s: str) -> bool:
        return self._depths(s) == 0

    def has_positive(self, length: int) -> bool:
        return length % 2 == 0

    def _length_note(self) -> str:
        return "its strings have even lengths"

    def _sample(self, length, rng):
        return "".join("(" if step else ")" for step in _random_dyck(length // 2, rng))

    def _next_symbols(self, p: str) -> frozenset[str]:
        depth = self._depths(p)
        if depth is None:
            return frozenset()
        return frozenset({"(", ")"} if depth else {"(", END})

    def _next_symbols_along(self, string: str) -> list[frozenset[str]]:
        out, depth = [frozenset({"(", END})], 0
        for symbol in string:
            if depth is not None:
                depth += 1 if symbol == "(" else -1
                if depth < 0:
                    depth = None
            out.append(frozenset() if depth is None else frozenset({"(", ")"} if depth else {"(", END}))
        return out


_CLOSER = {"(": ")", "[": "]"}


class Dyck2(Language):
    """Dyck-2: balanced strings of two kinds of brackets, ``()`` and ``[]``, properly
    nested. Strings at every even length, drawn uniformly (a uniform Dyck-1 shape,
    each pair's kind uniform)."""

    name, title, alphabet, level = "dyck-2", "Dyck-2", "()[]", "context-free"

    def _stack(self, s: str) -> list[str] | None:
        stack: list[str] = []
        for symbol in s:
            if symbol in _CLOSER:
                stack.append(symbol)
            elif not stack or _CLOSER[stack.pop()] != symbol:
                return None
        return stack

    def _contains(self, s: str) -> bool:
        return self._stack(s) == []

    def has_positive(self, length: int) -> bool:
        return length % 2 == 0

    def _length_note(self) -> str:
        return "its strings have even lengths"

    def _sample(self, length, rng):
        out, stack = [], []
        for opens in _random_dyck(length // 2, rng):
            if opens:
                stack.append("([" [int(rng.integers(2))])
                out.append(stack[-1])
            else:
                out.append(_CLOSER[stack.pop()])
        return "".join(out)

    def _next_symbols(self, p: str) -> frozenset[str]:
        stack = self._stack(p)
        if stack is None:
            return frozenset()
        return frozenset({"(", "[", _CLOSER[stack[-1]] if stack else END})

    def _next_symbols_along(self, string: str) -> list[frozenset[str]]:
        stack: list[str] | None = []
        out = [frozenset({"(", "[", END})]
        for symbol in string:
            if stack is not None:
                if symbol in _CLOSER:
                    stack.append(symbol)
                elif not stack or _CLOSER[stack.pop()] != symbol:
                    stack = None
            out.append(frozenset() if stack is None else frozenset({"(", "[", _CLOSER[stack[-1]] if stack else END}))
        return out


class Shuffle2(Language):
    """Shuffle-2 (Suzgun et al. 2019): interleavings of a Dyck-1 string over ``()``
    and one over ``[]``: each kind is balanced on its own, the two need not nest.
    Strings at every even length; positives split the pairs between the kinds
    binomially and interleave two uniform Dyck-1 strings uniformly."""

    name, title, alphabet, level = "shuffle-2", "Shuffle-2", "()[]", "counter"
    counter_reads = frozenset({"membership"})

    def _depths(self, s: str) -> tuple[int, int] | None:
        round_, square = 0, 0
        for symbol in s:
            if symbol == "(":
                round_ += 1
            elif symbol == ")":
                round_ -= 1
            elif symbol == "[":
                square += 1
            else:
                square -= 1
            if round_ < 0 or square < 0:
                return None
        return round_, square

    def _contains(self, s: str) -> bool:
        return self._depths(s) == (0, 0)

    def has_positive(self, length: int) -> bool:
        return length % 2 == 0

    def _length_note(self) -> str:
        return "its strings have even lengths"

    def _sample(self, length, rng):
        pairs = length // 2
        round_pairs = int(rng.binomial(pairs, 0.5))
        first = ["(" if step else ")" for step in _random_dyck(round_pairs, rng)]
        second = ["[" if step else "]" for step in _random_dyck(pairs - round_pairs, rng)]
        slots = np.zeros(length, dtype=bool)
        slots[rng.choice(length, size=len(first), replace=False)] = True
        first_iter, second_iter = iter(first), iter(second)
        return "".join(next(first_iter) if slot else next(second_iter) for slot in slots)

    def _next_symbols(self, p: str) -> frozenset[str]:
        depths = self._depths(p)
        if depths is None:
            return frozenset()
        legal = {"(", "["}
        if depths[0]:
            legal.add(")")
        if depths[1]:
            legal.add("]")
        if depths == (0, 0):
            legal.add(END)
        return frozenset(legal)

    def _next_symbols_along(self, string: str) -> list[frozenset[str]]:
        out = [self._next_symbols("")]
        depths: list[int] | None = [0, 0]
        for symbol in string:
            if depths is not None:
                kind = symbol in "[]"
                depths[kind] += 1 if symbol in "([" else -1
                if depths[kind] < 0:
                    depths = None
            if depths is None:
                out.append(frozenset())
                continue
            legal = {"(", "["}
            if depths[0]:
                legal.add(")")
            if depths[1]:
                legal.add("]")
            if depths == [0, 0]:
                legal.add(END)
            out.append(frozenset(legal))
        return out


class Copy(Language):
    """ww over {a, b} (the copy language): strings at every even length, w drawn
    uniformly. Every string is a prefix of some ww, so :meth:`next_symbols` is the
    whole alphabet, plus :data:`END` after a string of the language."""

    name, title, alphabet, level = "copy", "ww", "ab", "context-sensitive"

    def _contains(self, s: str) -> bool:
        half = len(s) // 2
        return len(s) % 2 == 0 and s[:half] == s[half:]

    def has_positive(self, length: int) -> bool:
        return length % 2 == 0

    def _length_note(self) -> str:
        return "its strings have even lengths"

    def _sample(self, length, rng):
        half = "".join("ab"[k] for k in rng.integers(2, size=length // 2))
        return half + half

    def _next_symbols(self, p: str) -> frozenset[str]:
        return frozenset({"a", "b", END} if self._contains(p) else {"a", "b"})

    def _next_symbols_along(self, string: str) -> list[frozenset[str]]:
        return [self._next_symbols(string[:i]) for i in range(len(string) + 1)]  # slices compare in C


#: name -> language class; adding a language is one line here.
LANGUAGES: dict[str, type[Language]] = {
    "tomita-1": Tomita1,
    "tomita-2": Tomita2,
    "tomita-3": Tomita3,
    "tomita-4": Tomita4,
    "tomita-5": Tomita5,
    "tomita-6": Tomita6,
    "tomita-7": Tomita7,
    "parity": Parity,
    "even-pairs": EvenPairs,
    "cycle-navigation": CycleNavigation,
    "ab-star": ABStar,
    "bounded-difference": BoundedDifference,
    "anbn": AnBn,
    "anbn-sigma-star": AnBnSigmaStar,
    "anbncn": AnBnCn,
    "dyck-1": Dyck1,
    "dyck-2": Dyck2,
    "shuffle-2": Shuffle2,
    "copy": Copy,
}


def get_language(name: str) -> Language:
    """The language registered as ``name`` (with its default parameters).

    Raises:
        LanguageError: for an unknown name, listing the known ones.

    Examples:
        >>> get_language("dyck-2").alphabet
        '()[]'
    """
    try:
        cls = LANGUAGES[name]
    except (KeyError, TypeError):
        raise LanguageError(f"unknown language {name!r}; known: {', '.join(LANGUAGES)}") from None
    return cls()

