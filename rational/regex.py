"""Regular expressions to automata: parse, Thompson's construction, epsilon removal.

The syntax is the regular core of Python's :mod:`re`, matched against whole
strings (as ``re.fullmatch``):

==================  ==========================================================
``ab``              concatenation
``a|b``             alternation (empty alternatives allowed: ``a|``)
``a*  a+  a?``      zero or more, one or more, at most one (a following ``?``,
                    Python's lazy marker, changes nothing for whole matches)
``a{m}  a{m,}``     exactly m, at least m, between m and n repetitions
``a{m,n}  a{,n}``   (a ``{`` that starts no repetition is a literal, as in Python)
``(...)  (?:...)``  grouping
``.``               any symbol of the alphabet
``[a-c]  [^ab]``    character classes, ranges and negation (over the alphabet)
``\\d \\w \\s``       digits, word characters, white space (and ``\\D \\W \\S``)
``\\.  \\n  \\t``      escaped special characters, newline, tab
``^ ... $``         allowed at the very start and end (they change nothing)
==================  ==========================================================

The machine is built by Thompson's construction (Thompson 1968), an automaton
with epsilon arcs of size linear in the pattern, whose epsilons are then removed
(:func:`~rational.algorithms.epsilon.remove_epsilons`). In ``Boolean`` and the
other idempotent semirings every accepted string scores one. In ``Real`` and
``Log``, where a string's score adds up all its paths, the machine is first made
deterministic (one path per string), so that accepted strings score one there too.

Examples:
    >>> from rational.regex import regex
    >>> digits = regex(r"-?\\d+(\\.\\d{1,2})?", alphabet="-.0123456789")
    >>> digits.score("-12.5"), digits.score("1.234")
    (True, False)
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rational.errors import RegexSyntaxError, UnknownSymbolError
from rational.semirings import Boolean, Semiring
from rational.symbols import SymbolTable

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = ["parse", "regex", "thompson"]

_SPECIAL = set(".^$*+?{}[]\\|()")
_CONTROL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}
_CLASS_ESCAPES = {
    "d": (r"\d", False), "w": (r"\w", False), "s": (r"\s", False),
    "D": (r"\d", True), "W": (r"\w", True), "S": (r"\s", True),
}
_BRACES = re.compile(r"\{(\d*)(,?)(\d*)\}")
#: The largest count a bounded repetition ``{m,n}`` may use (the machine grows with it).
MAX_REPEAT = 1000


# -- the syntax tree --------------------------------------------------------------------


@dataclass(frozen=True)
class Symbols:
    """A set of symbols, given as explicit characters plus predicates over the
    alphabet (for ``.``, negated classes and ``\\d``-style escapes)."""

    chars: frozenset[str]
    tests: tuple[tuple[str, bool], ...] = ()  # (re class, negated)
    negated: bool = False
    any_symbol: bool = False
    position: int = 0

    @property
    def needs_alphabet(self) -> bool:
        return self.any_symbol or self.negated or bool(self.tests)

    def members(self, alphabet: Iterable[str]) -> list[str]:
        out = []
        for symbol in alphabet:
            inside = self.any_symbol or symbol in self.chars or any(
                (re.fullmatch(pattern, symbol) is None) == negate for pattern, negate in self.tests
            )
            if inside != self.negated:
                out.append(symbol)
        return out


@dataclass(frozen=True)
class Node:
    """A node of the syntax tree: ``kind`` is ``symbols``, ``empty``, ``concat``,
    ``union``, ``star``, ``plus``, ``optional`` or ``repeat``."""

    kind: str
    children: tuple[Node, ...] = ()
    symbols: Symbols | None = None
    low: int = 0
    high: int | None = None


EMPTY = Node("empty")


# -- parsing ----------------------------------------------------------------------------


class _Parser:
    def __init__(self, pattern: str):
        self.pattern = pattern
        self.pos = 0

    def error(self, message: str, position: int | None = None) -> RegexSyntaxError:
        position = self.pos if position is None else position
        error = RegexSyntaxError(
            f"{message} at position {position} of the pattern\n  {self.pattern}\n  {' ' * position}^"
        )
        error.position = position
        return error

    def peek(self) -> str | None:
        return self.pattern[self.pos] if self.pos < len(self.pattern) else None

    def parse(self) -> Node:
        if self.peek() == "^":
            self.pos += 1
        node = self.alternation()
        if self.peek() == "$" and self.pos == len(self.pattern) - 1:
            self.pos += 1
        if self.pos < len(self.pattern):
            char = self.peek()
            if char == ")":
                raise self.error("unbalanced parenthesis ')'")
            raise self.error(f"unexpected {char!r}")
        return node

    def alternation(self) -> Node:
        branches = [self.concatenation()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.concatenation())
        return branches[0] if len(branches) == 1 else Node("union", tuple(branches))

    def concatenation(self) -> Node:
        parts = []
        while self.peek() is not None and self.peek() not in "|)":
            if self.peek() == "$" and self.pos == len(self.pattern) - 1:
                break
            parts.append(self.repetition())
        if not parts:
            return EMPTY
        return parts[0] if len(parts) == 1 else Node("concat", tuple(parts))

    def repetition(self) -> Node:
        node = self.atom()
        quantified = False
        while True:
            char, here = self.peek(), self.pos
            if char in ("*", "+", "?"):
                if quantified:
                    if char == "?":  # lazy marker: the same whole-string language
                        self.pos += 1
                        continue
                    raise self.error("multiple repeat", here)
                self.pos += 1
                node = Node({"*": "star", "+": "plus", "?": "optional"}[char], (node,))
                quantified = True
            elif char == "{":
                bounds = self.braces()
                if bounds is None:
                    break
                if quantified:
                    raise self.error("multiple repeat", here)
                node = Node("repeat", (node,), low=bounds[0], high=bounds[1])
                quantified = True
            else:
                break
        return node

    def braces(self) -> tuple[int, int | None] | None:
        """Parse ``{m}``, ``{m,}``, ``{,n}`` or ``{m,n}`` at the cursor; ``None`` (and
        the cursor unmoved) when the brace starts no repetition."""
        match = _BRACES.match(self.pattern, self.pos)
        if match is None or not (match.group(1) or match.group(2)):
            return None  # "{}" and unclosed braces are literals, as in Python
        low_text, comma, high_text = match.groups()
        low = int(low_text) if low_text else 0
        high = (int(high_text) if high_text else None) if comma else low
        if high is not None and high < low:
            raise self.error(f"min repeat {low} greater than max repeat {high}", self.pos)
        if max(low, high or 0) > MAX_REPEAT:
            raise self.error(f"repeat count over {MAX_REPEAT}", self.pos)
        self.pos = match.end()
        return low, high

    def atom(self) -> Node:
        char, start = self.peek(), self.pos
        if char in ("*", "+", "?"):
            raise self.error("nothing to repeat")
        if char == "{" and self.braces_would_parse():
            raise self.error("nothing to repeat")
        if char == "(":
            self.pos += 1
            if self.pattern.startswith("?:", self.pos):
                self.pos += 2
            elif self.peek() == "?":
                raise self.error("only (?:...) groups are supported")
            node = self.alternation()
            if self.peek() != ")":
                raise self.error("missing ), unterminated subpattern", start)
            self.pos += 1
            return node
        if char == "[":
            return Node("symbols", symbols=self.char_class())
        if char == ".":
            self.pos += 1
            return Node("symbols", symbols=Symbols(frozenset(), any_symbol=True, position=start))
        if char in ("^", "$"):
            raise self.error(f"{char!r} is only allowed at the very {'start' if char == '^' else 'end'} (patterns match whole strings)")
        if char == "\\":
            return Node("symbols", symbols=self.escape(in_class=False))
        self.pos += 1
        return Node("symbols", symbols=Symbols(frozenset(char), position=start))

    def braces_would_parse(self) -> bool:
        saved = self.pos
        try:
            return self.braces() is not None
        finally:
            self.pos = saved

    def escape(self, in_class: bool) -> Symbols:
        start = self.pos
        self.pos += 1
        char = self.peek()
        if char is None:
            raise self.error("bad escape (end of pattern)", start)
        self.pos += 1
        if char in _CLASS_ESCAPES:
            return Symbols(frozenset(), tests=(_CLASS_ESCAPES[char],), position=start)
        if char in _CONTROL:
            return Symbols(frozenset(_CONTROL[char]), position=start)
        if char.isdigit():
            raise self.error("backreferences are not regular and are not supported", start)
        if char.isalpha():
            raise self.error(f"bad escape \\{char}", start)
        return Symbols(frozenset(char), position=start)

    def char_class(self) -> Symbols:
        start = self.pos
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        chars: set[str] = set()
        tests: list[tuple[str, bool]] = []
        first = True
        while True:
            char = self.peek()
            if char is None:
                raise self.error("unterminated character set", start)
            if char == "]" and not first:
                self.pos += 1
                break
            first = False
            low = self.class_item(tests)
            if low is None:
                continue
            if self.peek() == "-" and self.pos + 1 < len(self.pattern) and self.pattern[self.pos + 1] != "]":
                dash = self.pos
                self.pos += 1
                high = self.class_item(tests)
                if high is None:
                    raise self.error("bad character range", dash)
                if ord(high) < ord(low):
                    raise self.error(f"bad character range {low}-{high}", dash - 1)
                chars.update(chr(c) for c in range(ord(low), ord(high) + 1))
            else:
                chars.add(low)
        return Symbols(frozenset(chars), tuple(tests), negated=negated, position=start)

    def class_item(self, tests: list) -> str | None:
        """One character of a class (returned), or a class escape (added to ``tests``)."""
        if self.peek() == "\\":
            escaped = self.escape(in_class=True)
            if escaped.tests:
                tests.extend(escaped.tests)
                return None
            return next(iter(escaped.chars))
        char = self.peek()
        self.pos += 1
        return char


def parse(pattern: str) -> Node:
    """The syntax tree of ``pattern``.

    Raises:
        RegexSyntaxError: naming the problem and its position.
    """
    if not isinstance(pattern, str):
        raise TypeError(f"a regular expression is a str, got {type(pattern).__name__}")
    return _Parser(pattern).parse()


# -- Thompson's construction ----------------------------------------------------------


class _Builder:
    def __init__(self, alphabet: SymbolTable, pattern: str):
        self.alphabet = alphabet
        self.pattern = pattern
        self.count = 0
        self.arcs: list[tuple[int, int, int]] = []

    def state(self) -> int:
        self.count += 1
        return self.count - 1

    def epsilon(self, src: int, dst: int) -> None:
        self.arcs.append((src, -1, dst))

    def build(self, node: Node) -> tuple[int, int]:
        """States (start, end) of the fragment for ``node``."""
        kind = node.kind
        if kind == "repeat":
            return self.build(_expand_repeat(node))
        start, end = self.state(), self.state()
        if kind == "empty":
            self.epsilon(start, end)
        elif kind == "symbols":
            for symbol in self.members(node.symbols):
                self.arcs.append((start, self.alphabet.index(symbol), end))
        elif kind == "concat":
            previous = start
            for child in node.children:
                s, e = self.build(child)
                self.epsilon(previous, s)
                previous = e
            self.epsilon(previous, end)
        elif kind == "union":
            for child in node.children:
                s, e = self.build(child)
                self.epsilon(start, s)
                self.epsilon(e, end)
        else:  # star, plus, optional
            s, e = self.build(node.children[0])
            self.epsilon(start, s)
            self.epsilon(e, end)
            if kind in ("star", "plus"):
                self.epsilon(e, s)
            if kind in ("star", "optional"):
                self.epsilon(start, end)
        return start, end

    def members(self, symbols: Symbols) -> list[str]:
        if symbols.needs_alphabet:
            return symbols.members(self.alphabet)
        inside = [c for c in sorted(symbols.chars) if c in self.alphabet]
        if len(symbols.chars) == 1 and not inside:
            raise UnknownSymbolError(
                f"{next(iter(symbols.chars))!r} at position {symbols.position} of the pattern {self.pattern!r} "
                f"is not in the alphabet {list(self.alphabet)}"
            )
        return inside


def _expand_repeat(node: Node) -> Node:
    """``x{m,n}`` as m copies of x followed by n - m nested optional copies (or a star)."""
    child = node.children[0]
    required = [child] * node.low
    if node.high is None:
        tail: Node = Node("star", (child,))
    else:
        tail = EMPTY
        for _ in range(node.high - node.low):
            tail = Node("optional", (Node("concat", (child, tail)) if tail is not EMPTY else child,))
    parts = tuple(required) + ((tail,) if tail is not EMPTY else ())
    if not parts:
        return EMPTY
    return parts[0] if len(parts) == 1 else Node("concat", parts)


def _collect_chars(node: Node, position_of_wildcard: list[int]) -> set[str]:
    if node.kind == "symbols":
        if node.symbols.needs_alphabet:
            position_of_wildcard.append(node.symbols.position)
        return set(node.symbols.chars)
    out: set[str] = set()
    for child in node.children:
        out |= _collect_chars(child, position_of_wildcard)
    return out


def thompson(pattern: str, alphabet: Iterable[Hashable] | str | SymbolTable | None = None) -> WFSA:
    """Thompson's epsilon-automaton for ``pattern`` (``Boolean``), before epsilon removal.

    Raises:
        RegexSyntaxError: for a malformed pattern, or one that needs an alphabet
            (``.``, a negated class, ``\\d``...) when none is given.
        UnknownSymbolError: for a literal outside the given alphabet.
    """
    from rational.wfsa import WFSA

    tree = parse(pattern)
    wildcards: list[int] = []
    chars = _collect_chars(tree, wildcards)
    if alphabet is None:
        if wildcards:
            parser = _Parser(pattern)
            raise parser.error("this needs an alphabet to range over (pass alphabet=...)", wildcards[0])
        table = SymbolTable(sorted(chars))
    else:
        table = alphabet if isinstance(alphabet, SymbolTable) else SymbolTable(alphabet)
        if not table.is_characters:
            raise UnknownSymbolError(
                "regex() builds machines over characters; the alphabet has symbols that are not single "
                f"characters: {[s for s in table if not (isinstance(s, str) and len(s) == 1)][:5]}"
            )
    builder = _Builder(table, pattern)
    start, end = builder.build(tree)
    n = builder.count
    src, label, dst = (np.asarray(column, dtype=np.int64) for column in zip(*builder.arcs)) if builder.arcs else (
        np.zeros(0, dtype=np.int64),) * 3
    initial, final = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    initial[start], final[end] = True, True
    return WFSA.from_arrays(Boolean, table, initial, final, src, label, dst, np.ones(len(src), dtype=bool))


def regex(
    pattern: str,
    alphabet: Iterable[Hashable] | str | SymbolTable | None = None,
    semiring: Semiring = Boolean,
) -> WFSA:
    """The automaton accepting exactly the strings ``pattern`` matches in full.

    Args:
        pattern: the regular expression (syntax in the module documentation).
        alphabet: the symbols (single characters); by default the characters the
            pattern names. ``.``, negated classes and class escapes need it.
        semiring: the semiring of the result; accepted strings score its one,
            others its zero.

    Returns:
        An epsilon-free, trimmed machine (deterministic for non-idempotent
        semirings).

    Raises:
        RegexSyntaxError: for a malformed pattern, with the position of the problem.
        UnknownSymbolError: for a literal outside the given alphabet.

    Examples:
        >>> from rational import regex, Real
        >>> even = regex("(a|b)(a|b)((a|b)(a|b))*")
        >>> even.score("abab"), even.score("aba")
        (True, False)
        >>> regex("a*a*", semiring=Real).score("aa")  # a*a* reads "aa" in three ways, yet scores one
        1.0
    """
    from rational.algorithms.determinize import determinize
    from rational.algorithms.epsilon import remove_epsilons

    if not isinstance(semiring, Semiring):
        raise TypeError(f"semiring must be a Semiring object such as rational.Boolean, got {semiring!r}")
    machine = remove_epsilons(thompson(pattern, alphabet))
    if semiring is Boolean:
        return machine
    if not semiring.idempotent:
        machine = determinize(machine)
    return machine.map_weights(lambda values: np.where(values, semiring.one, semiring.zero), semiring)
