"""Formal languages: membership, samplers, near misses, next symbols and automata agree."""

from __future__ import annotations

import itertools
from collections import Counter
from functools import cache

import numpy as np
import pytest

from rational.errors import LanguageError, UnknownSymbolError
from rational.hierarchy.languages import (
    END,
    LANGUAGES,
    LEVELS,
    BoundedDifference,
    CycleNavigation,
    Language,
    RegularLanguage,
    get_language,
)

NAMES = list(LANGUAGES)
REGULAR = [name for name in NAMES if get_language(name).is_regular]

#: exhaustive checks go up to this length (4-symbol alphabets are the costly ones)
SMALL = {2: 9, 3: 7, 4: 6}


def all_strings(alphabet: str, length: int):
    return ("".join(t) for t in itertools.product(alphabet, repeat=length))


@cache
def members(name: str, length: int) -> frozenset[str]:
    language = get_language(name)
    return frozenset(s for s in all_strings(language.alphabet, length) if language.contains(s))


def test_registry_names_levels_and_errors():
    assert {"tomita-1", "tomita-7", "parity", "even-pairs", "cycle-navigation", "ab-star", "anbn",
            "anbn-sigma-star", "anbncn", "dyck-1", "dyck-2", "shuffle-2", "bounded-difference", "copy"} <= set(NAMES)
    for name, cls in LANGUAGES.items():
        language = cls()
        assert language.name == name and language.level in LEVELS
        assert isinstance(language, Language) and len(set(language.alphabet)) == len(language.alphabet)
        assert isinstance(language, RegularLanguage) == (language.level == "regular")
    with pytest.raises(LanguageError, match="unknown language 'dyck-3'; known: tomita-1"):
        get_language("dyck-3")


@pytest.mark.parametrize("name", NAMES)
def test_lengths_with_positives_and_negatives_match_enumeration(name):
    language = get_language(name)
    for n in range(SMALL[len(language.alphabet)] + 1):
        inside = members(name, n)
        assert language.has_positive(n) == bool(inside), n
        assert language.has_negative(n) == (len(inside) < len(language.alphabet) ** n), n


@pytest.mark.parametrize("name", NAMES)
def test_samples_are_in_the_language_and_negatives_are_not(name):
    language = get_language(name)
    rng = np.random.default_rng(7)
    for n in [*range(0, 41), 97, 250, 500]:
        for _ in range(3):
            if language.has_positive(n):
                s = language.sample(n, rng)
                assert len(s) == n and language.contains(s), (n, s)
            else:
                with pytest.raises(LanguageError, match=f"no string of length {n}"):
                    language.sample(n, rng)
            if language.has_negative(n):
                s = language.sample_negative(n, rng)
                assert len(s) == n and not language.contains(s), (n, s)
            else:
                with pytest.raises(LanguageError, match=f"every string of length {n} is in"):
                    language.sample_negative(n, rng)


def within_two_edits(language: Language, string: str) -> bool:
    """Whether a string of the language is at most two edits (substitution, adjacent
    swap, insertion, deletion) from ``string``."""

    def edits(s: str):
        for i in range(len(s) + 1):
            for a in language.alphabet:
                yield s[:i] + a + s[i:]
        for i in range(len(s)):
            yield s[:i] + s[i + 1 :]
            for a in language.alphabet:
                yield s[:i] + a + s[i + 1 :]
            if i + 1 < len(s):
                yield s[:i] + s[i + 1] + s[i] + s[i + 2 :]

    first = set(edits(string))
    if any(language.contains(s) for s in first):
        return True
    return any(language.contains(t) for s in first for t in edits(s))


@pytest.mark.parametrize("name", NAMES)
def test_negatives_are_near_misses(name):
    language = get_language(name)
    rng = np.random.default_rng(3)
    for n in range(1, 9):
        if language.has_negative(n):
            for _ in range(3):
                negative = language.sample_negative(n, rng)
                assert within_two_edits(language, negative), (n, negative)


@pytest.mark.parametrize("name", REGULAR)
def test_regular_sampler_is_uniform(name):
    language = get_language(name)
    n = 6
    inside = members(name, n)
    rng = np.random.default_rng(11)
    draws = Counter(language.sample(n, rng) for _ in range(200 * len(inside)))
    assert set(draws) == inside
    # 200 expected draws per string: a 5-sigma band is about ±70
    assert max(draws.values()) < 290 and min(draws.values()) > 110


@pytest.mark.parametrize("name", NAMES)
def test_samples_are_reproducible(name):
    language = get_language(name)
    first = [language.sample_negative(10, np.random.default_rng(5)) for _ in range(2)]
    second = [language.sample_negative(10, np.random.default_rng(5)) for _ in range(2)]
    assert first == second
    assert language.sample(12, 4) == language.sample(12, np.random.default_rng(4))  # an int seed works too


@pytest.mark.parametrize("name", REGULAR)
def test_regular_automaton_agrees_with_contains(name):
    language = get_language(name)
    machine = language.to_wfsa()
    dfa = language.dfa()
    assert machine.semiring.name == "Boolean" and machine.num_states == dfa.num_states
    for n in range(SMALL[len(language.alphabet)] + 1):
        for s in all_strings(language.alphabet, n):
            assert machine.score(s) == dfa.accepts(s) == language.contains(s), s


@pytest.mark.parametrize("name", [name for name in NAMES if name not in REGULAR])
def test_non_regular_languages_have_no_automaton(name):
    language = get_language(name)
    with pytest.raises(LanguageError, match="not regular"):
        language.to_wfsa()


def completion_bound(language: Language, length: int) -> int:
    """A viable prefix of ``length`` symbols has a completion at most this much longer."""
    if isinstance(language, RegularLanguage):
        return language.dfa().num_states  # live states reach acceptance within that
    return 2 * length if language.name == "anbncn" else length


@pytest.mark.parametrize("name", NAMES)
def test_next_symbols_are_exactly_the_viable_continuations(name):
    language = get_language(name)
    m = {2: 4, 3: 2, 4: 2}[len(language.alphabet)]
    horizon = m + 1 + completion_bound(language, m + 1)
    assert len(language.alphabet) ** horizon <= 40_000  # keeps the enumeration exhaustive and quick
    viable = set()
    for n in range(horizon + 1):
        for s in members(name, n):
            viable.update(s[:i] for i in range(len(s) + 1))
    for n in range(m + 1):
        for prefix in all_strings(language.alphabet, n):
            expected = {a for a in language.alphabet if prefix + a in viable}
            if language.contains(prefix):
                expected.add(END)
            assert language.next_symbols(prefix) == expected, prefix


@pytest.mark.parametrize("name", NAMES)
def test_membership_is_legal_steps_then_end(name):
    language = get_language(name)
    rng = np.random.default_rng(2)
    strings = []
    for n in (0, 5, 12, 40):
        strings += ["".join(rng.choice(list(language.alphabet), size=n))]
        if language.has_positive(n):
            strings.append(language.sample(n, rng))
        if language.has_negative(n):
            strings.append(language.sample_negative(n, rng))
    for s in strings:
        along = language.next_symbols_along(s)
        assert along == [language.next_symbols(s[:i]) for i in range(len(s) + 1)]
        legal = all(s[i] in along[i] for i in range(len(s))) and END in along[-1]
        assert legal == language.contains(s), s


def test_tomita_examples():
    # Tomita (1982) lists these positive and negative examples
    examples = {
        "tomita-1": (["", "1", "11", "1111111"], ["0", "10", "01", "11111110"]),
        "tomita-2": (["", "10", "1010", "101010"], ["1", "0", "11", "00", "101", "100", "1001010", "10110"]),
        "tomita-3": (
            ["", "1", "0", "01", "11", "00", "100", "110", "111", "000", "100100", "110000011100001",
             "111101100010011100"],
            ["10", "101", "010", "1010", "1110", "1011", "10001", "111010", "1001000", "11111000",
             "0111001101", "11011100110"],
        ),
        "tomita-4": (["", "1", "0", "10", "01", "00", "100100", "001111110100"], ["000", "11000", "0001", "000000"]),
        "tomita-5": (["", "11", "00", "1001", "0101", "1010", "1000111101"], ["1", "0", "111", "010", "000000000"]),
        "tomita-6": (["", "10", "01", "1100", "101010", "111", "000000"], ["1", "0", "11", "00", "101", "011"]),
        "tomita-7": (["", "1", "0", "10", "01", "11111", "000", "00110011", "0101", "0000100001111"],
                     ["1010", "00110011000", "0101010101", "1011010", "10101", "010100", "101001", "100100110101"]),
    }
    for name, (positives, negatives) in examples.items():
        language = get_language(name)
        assert all(language.contains(s) for s in positives), name
        assert not any(language.contains(s) for s in negatives), name


def test_algebraic_properties_of_the_regular_languages():
    star_free = {name for name in REGULAR if get_language(name).star_free}
    locally_testable = {name for name in REGULAR if get_language(name).locally_testable}
    assert star_free == {"tomita-1", "tomita-2", "tomita-4", "tomita-7", "even-pairs", "ab-star", "bounded-difference"}
    assert locally_testable == {"tomita-1", "tomita-2", "tomita-4", "even-pairs", "ab-star"}


def test_counter_reads_are_declared_for_counter_languages_only():
    for name in NAMES:
        language = get_language(name)
        assert language.counter_reads <= {"membership", "next-symbol"}
        if language.level != "counter":
            assert not language.counter_reads
    assert get_language("anbn-sigma-star").counter_reads == {"membership", "next-symbol"}
    assert get_language("dyck-1").counter_reads == {"membership"}
    assert not get_language("anbn").counter_reads


def test_parameters_of_cycle_navigation_and_bounded_difference():
    three = CycleNavigation(3)
    assert three.name == "cycle-navigation-3" and three.contains("111") and not three.contains("11")
    assert three.dfa().num_states == 3
    bounded = BoundedDifference(2)
    assert bounded.contains("abba") and not bounded.contains("aab")
    assert bounded.dfa().num_states == 3
    with pytest.raises(LanguageError, match="modulus >= 2"):
        CycleNavigation(1)
    with pytest.raises(LanguageError, match="bound is an integer >= 1"):
        BoundedDifference(0)


def test_bad_input_is_a_clear_error():
    dyck = get_language("dyck-1")
    with pytest.raises(UnknownSymbolError, match=r"symbol 'x' is not in the alphabet '\(\)' of Dyck-1"):
        dyck.contains("(x)")
    with pytest.raises(UnknownSymbolError, match="not in the alphabet"):
        dyck.next_symbols("[")
    with pytest.raises(LanguageError, match="a length is an integer >= 0, got -1"):
        dyck.sample(-1, np.random.default_rng(0))
    with pytest.raises(LanguageError, match="rng must be a numpy Generator"):
        dyck.sample(4, "seed")
    assert dyck.contains(["(", ")"]) and dyck.contains(("(", ")"))
    assert repr(dyck) == "<Dyck1 'dyck-1': Dyck-1, counter>"


@pytest.mark.parametrize(("name", "shape"), [("anbn", r"a+b+"), ("anbncn", r"a+b+c+")])
def test_counter_languages_have_near_misses_that_keep_the_shape(name, shape):
    # a near miss that only a counter can reject: the shape is right, a count is wrong
    import re

    language = get_language(name)
    rng = np.random.default_rng(3)
    negatives = [language.sample_negative(n, rng) for n in range(21, 61) for _ in range(4)]
    same_shape = [s for s in negatives if re.fullmatch(shape, s)]
    assert len(same_shape) >= len(negatives) // 4
    assert not any(language.contains(s) for s in same_shape)
