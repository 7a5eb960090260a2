"""Training and test examples for the two recognition objectives.

- **Membership**: a string and whether it is in the language. Each length gives the
  same number of positives (:meth:`~rational.hierarchy.languages.Language.sample`)
  and near-miss negatives (:meth:`~rational.hierarchy.languages.Language.sample_negative`),
  so the majority baseline is 50% at every length; lengths where the language, or
  its complement, has no string are left out (a^n b^n has no string of odd length).
- **Next symbol** (Gers and Schmidhuber 2001; Suzgun et al. 2019): a string of the
  language and, after each of its prefixes, the set of legal next symbols as a
  multi-hot row over the alphabet plus :data:`~rational.hierarchy.languages.END`
  (the last column: "the string may end here"). A string counts as recognized when
  every row is predicted exactly. Lengths without positives are left out.

Everything is deterministic for a seed, and each length draws from its own stream
(seeded by the seed, the language name and the length), so adding lengths to a
request does not change the examples of the others. Strings are drawn with
replacement: short lengths repeat strings when the language has few of them.

Examples:
    >>> from rational.hierarchy.languages import get_language
    >>> from rational.hierarchy.data import membership_examples, next_symbol_targets
    >>> anbn = get_language("anbn")
    >>> examples = membership_examples(anbn, lengths=range(1, 7), per_length=4, seed=0)
    >>> sorted({len(e.string) for e in examples}), sum(e.label for e in examples)
    ([2, 4, 6], 6)
    >>> next_symbol_targets(anbn, "aabb").astype(int)  # columns a, b, <end>
    array([[1, 1, 0],
           [1, 1, 0],
           [0, 1, 0],
           [0, 0, 1]])
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from rational.errors import LanguageError
from rational.hierarchy.languages import END, Language

__all__ = [
    "MembershipExample",
    "NextSymbolExample",
    "encode",
    "membership_examples",
    "next_symbol_examples",
    "next_symbol_targets",
    "target_symbols",
    "usable_lengths",
]

OBJECTIVES = ("membership", "next-symbol")


class MembershipExample(NamedTuple):
    """A string and whether it is in the language."""

    string: str
    label: bool


class NextSymbolExample(NamedTuple):
    """A string of the language and its next-symbol targets (see :func:`next_symbol_targets`)."""

    string: str
    targets: np.ndarray


def target_symbols(language: Language) -> tuple[str, ...]:
    """The columns of the next-symbol targets: the alphabet, then :data:`END`.

    Examples:
        >>> from rational.hierarchy.languages import get_language
        >>> target_symbols(get_language("dyck-2"))
        ('(', ')', '[', ']', '<end>')
    """
    return (*language.alphabet, END)


def encode(language: Language, string: str) -> np.ndarray:
    """The symbol ids of ``string`` (positions in ``language.alphabet``), int64.

    Raises:
        UnknownSymbolError: for a symbol outside the alphabet.

    Examples:
        >>> from rational.hierarchy.languages import get_language
        >>> encode(get_language("anbncn"), "abcc").tolist()
        [0, 1, 2, 2]
    """
    string = language._check_string(string)
    index = {symbol: i for i, symbol in enumerate(language.alphabet)}
    return np.array([index[symbol] for symbol in string], dtype=np.int64)


def next_symbol_targets(language: Language, string: str, include_empty_prefix: bool = False) -> np.ndarray:
    """The legal next symbols after each prefix of ``string``, multi-hot.

    Args:
        language: the language.
        string: the input string (normally one of the language).
        include_empty_prefix: also give the row of the empty prefix, first (for
            models that read a start symbol before the string).

    Returns:
        A boolean array of shape ``(len(string), len(alphabet) + 1)`` whose row
        ``t`` is the set after ``string[:t + 1]``, the prefix a model has read when
        it emits its output at position ``t``; with ``include_empty_prefix`` the
        shape is ``(len(string) + 1, ...)`` and row ``t`` is the set after
        ``string[:t]``. Columns follow :func:`target_symbols`.

    Raises:
        UnknownSymbolError: for a symbol outside the alphabet.
    """
    sets = language.next_symbols_along(string)
    if not include_empty_prefix:
        sets = sets[1:]
    columns = {symbol: i for i, symbol in enumerate(target_symbols(language))}
    targets = np.zeros((len(sets), len(columns)), dtype=bool)
    for row, legal in enumerate(sets):
        targets[row, [columns[symbol] for symbol in legal]] = True
    return targets


def usable_lengths(language: Language, lengths: Iterable[int], objective: str = "membership") -> list[int]:
    """The lengths that give examples: with both a positive and a negative string
    (``"membership"``) or with a positive string (``"next-symbol"``).

    Raises:
        LanguageError: for an unknown objective or a negative length.

    Examples:
        >>> from rational.hierarchy.languages import get_language
        >>> usable_lengths(get_language("anbncn"), range(10))
        [3, 6, 9]
    """
    _check_objective(objective)
    out = []
    for length in lengths:
        language._check_length(length)
        if language.has_positive(length) and (objective != "membership" or language.has_negative(length)):
            out.append(int(length))
    return out


def _rng(seed: int, language: Language, length: int, objective: str) -> np.random.Generator:
    key = zlib.crc32(f"{language.name}/{objective}".encode())
    return np.random.default_rng([int(seed), key, int(length)])


def _check_objective(objective: str) -> None:
    if objective not in OBJECTIVES:
        raise LanguageError(f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")


def _check_count(per_length: int) -> None:
    if isinstance(per_length, bool) or not isinstance(per_length, (int, np.integer)) or per_length < 1:
        raise LanguageError(f"per_length is the number of examples per length (>= 1), got {per_length!r}")


def membership_examples(
    language: Language, lengths: Iterable[int], per_length: int, seed: int = 0
) -> list[MembershipExample]:
    """Balanced membership examples: for every usable length, ``per_length``
    strings, half of them in the language (the extra one when odd), in random order.

    Args:
        language: the language.
        lengths: the string lengths wanted (unusable ones are skipped, see
            :func:`usable_lengths`).
        per_length: the number of examples per length.
        seed: the random seed.

    Returns:
        The examples, grouped by length in the order of ``lengths``.

    Raises:
        LanguageError: for a bad length or count.
    """
    _check_count(per_length)
    out: list[MembershipExample] = []
    for length in usable_lengths(language, lengths, "membership"):
        rng = _rng(seed, language, length, "membership")
        positives = per_length - per_length // 2
        group = [MembershipExample(language.sample(length, rng), True) for _ in range(positives)]
        group += [MembershipExample(language.sample_negative(length, rng), False) for _ in range(per_length // 2)]
        out += [group[i] for i in rng.permutation(len(group))]
    return out


def next_symbol_examples(
    language: Language,
    lengths: Iterable[int],
    per_length: int,
    seed: int = 0,
    include_empty_prefix: bool = False,
) -> list[NextSymbolExample]:
    """Next-symbol examples: for every length with strings of the language,
    ``per_length`` of them with their targets (:func:`next_symbol_targets`).

    Args:
        language: the language.
        lengths: the string lengths wanted (those without positives are skipped).
        per_length: the number of strings per length.
        seed: the random seed.
        include_empty_prefix: passed to :func:`next_symbol_targets`.

    Raises:
        LanguageError: for a bad length or count.
    """
    _check_count(per_length)
    out: list[NextSymbolExample] = []
    for length in usable_lengths(language, lengths, "next-symbol"):
        rng = _rng(seed, language, length, "next-symbol")
        for _ in range(per_length):
            string = language.sample(length, rng)
            out.append(NextSymbolExample(string, next_symbol_targets(language, string, include_empty_prefix)))
    return out
