"""Regular expressions: membership agrees with Python's re.fullmatch; clear errors."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rational import Log, MaxPlus, Real, Tropical, regex
from rational.errors import RegexSyntaxError, UnknownSymbolError
from rational.regex import parse, thompson

ALPHABET = "abc."

leaves = st.sampled_from(["a", "b", "c", ".", "\\.", "[ab]", "[a-c]", "[^a]", "[^.b]", "[.]", "()", "(?:)"])


def extend(inner):
    group = inner.map(lambda p: f"({p})")
    return st.one_of(
        st.tuples(inner, inner).map("".join),
        st.tuples(inner, inner).map(lambda pq: f"{pq[0]}|{pq[1]}"),
        st.tuples(group, st.sampled_from(["*", "+", "?", "*?", "+?", "??"])).map("".join),
        st.tuples(group, st.integers(0, 3), st.integers(0, 2), st.sampled_from(["{m}", "{m,}", "{m,n}", "{,n}"])).map(
            lambda t: t[0] + t[3].replace("m", str(t[1])).replace("n", str(t[1] + t[2]))
        ),
    )


patterns = st.recursive(leaves, extend, max_leaves=6)


@settings(max_examples=150)
@given(patterns, st.lists(st.text(alphabet=ALPHABET, max_size=6), min_size=1, max_size=8))
def test_membership_agrees_with_python_re(pattern, strings):
    machine = regex(pattern, alphabet=ALPHABET)
    assert not machine.has_epsilons
    for string in strings:
        assert machine.score(string) == (re.fullmatch(pattern, string) is not None), (pattern, string)


@settings(max_examples=30)
@given(patterns, st.text(alphabet=ALPHABET, max_size=5))
def test_weighted_machines_score_one_per_accepted_string(pattern, string):
    matches = re.fullmatch(pattern, string) is not None
    for ring in (Real, Log, Tropical, MaxPlus):
        score = regex(pattern, alphabet=ALPHABET, semiring=ring).score(string)
        assert score == (ring.one if matches else ring.zero), (pattern, string, ring)


def test_default_alphabet_is_the_pattern_characters():
    machine = regex("ab*|[x-z]")
    assert machine.alphabet.symbols == ("a", "b", "x", "y", "z")
    assert machine.score("abbb") and machine.score("y") and not machine.score("ax")


def test_escapes_and_classes():
    number = regex(r"-?\d+(\.\d{1,2})?", alphabet="-.0123456789")
    assert number.score("-12.5") and number.score("7") and not number.score("1.234") and not number.score("1.")
    spaced = regex(r"a\sb|\S", alphabet="ab \t")
    assert spaced.score("a b") and spaced.score("a\tb") and spaced.score("a") and not spaced.score(" ")
    assert regex(r"\n\t", alphabet="\n\t").score("\n\t")
    assert regex(r"[\]a]+", alphabet="]a").score("]a]")
    assert regex("[]a]", alphabet="]a").score("]")
    assert regex("[a-]", alphabet="a-").score("-")
    assert regex("^ab$").score("ab")
    assert regex("a{,}", alphabet="a").score("aaa") and regex("a{}", alphabet="a{}").score("a{}")
    assert regex("a{2", alphabet="a{2").score("a{2")


@pytest.mark.parametrize(
    "pattern, message, position",
    [
        ("a|*b", "nothing to repeat", 2),
        ("{2}", "nothing to repeat", 0),
        ("(ab", "missing \\)", 0),
        ("a)", "unbalanced parenthesis", 1),
        ("[a-", "unterminated character set", 0),
        ("x{2,1}", "min repeat 2 greater than max repeat 1", 1),
        ("a**", "multiple repeat", 2),
        ("a{2}{3}", "multiple repeat", 4),
        ("[c-a]", "bad character range", 1),
        ("a\\1", "backreferences", 1),
        ("a\\b", "bad escape", 1),
        ("ab\\", "bad escape", 2),
        ("a^b", "only allowed at the very start", 1),
        ("(?=a)", "only \\(\\?:...\\) groups", 1),
        ("a{1001}", "repeat count over 1000", 1),
    ],
)
def test_malformed_patterns_name_the_problem_and_position(pattern, message, position):
    with pytest.raises(RegexSyntaxError, match=message) as caught:
        parse(pattern)
    assert caught.value.position == position
    assert f"position {position}" in str(caught.value)
    assert str(caught.value).splitlines()[-1] == "  " + " " * position + "^"


def test_alphabet_problems():
    with pytest.raises(RegexSyntaxError, match="needs an alphabet.*position 2"):
        regex("ab.")
    with pytest.raises(RegexSyntaxError, match="needs an alphabet"):
        regex("[^a]")
    with pytest.raises(UnknownSymbolError, match="'z' at position 1"):
        regex("az", alphabet="ab")
    with pytest.raises(UnknownSymbolError, match="single"):
        regex("a", alphabet=["a", "bb"])
    with pytest.raises(TypeError):
        regex(3)
    with pytest.raises(TypeError, match="Semiring"):
        regex("a", semiring="Real")


def test_thompson_machine_has_epsilons_and_the_same_language():
    raw = thompson("(a|b)*c", alphabet="abc")
    assert raw.has_epsilons
    for string in ["c", "abac", "ab", ""]:
        assert raw.score(string) == regex("(a|b)*c", alphabet="abc").score(string)
