"""Finite automata of the hierarchy: construction, minimization, counting, algebra."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rational.errors import LanguageError, UnknownSymbolError
from rational.hierarchy.dfa import DFA


def strings(alphabet: str, max_length: int):
    for n in range(max_length + 1):
        for t in itertools.product(alphabet, repeat=n):
            yield "".join(t)


@st.composite
def random_dfas(draw):
    """A random complete table over {a, b} with up to 5 states (many are not minimal)."""
    n = draw(st.integers(1, 5))
    rows = [tuple(draw(st.one_of(st.none(), st.integers(0, n - 1))) for _ in "ab") for _ in range(n)]
    accepting = frozenset(draw(st.sets(st.integers(0, n - 1))))
    return DFA(("a", "b"), 0, tuple(rows), accepting)


@given(random_dfas())
def test_minimize_and_trim_keep_the_language(dfa):
    minimal = dfa.minimize()
    trimmed = dfa.trim()
    for s in strings("ab", 6):
        assert minimal.accepts(s) == trimmed.accepts(s) == dfa.accepts(s)
    assert minimal.num_states <= trimmed.num_states <= dfa.num_states + 1
    # minimal means no two states are equivalent: distinct residual languages up to a length
    residuals = set()
    for q in range(minimal.num_states):
        shifted = DFA(minimal.alphabet, q, minimal.transitions, minimal.accepting)
        residuals.add(tuple(shifted.accepts(s) for s in strings("ab", minimal.num_states + 1)))
    assert len(residuals) == minimal.num_states or not minimal.accepting


@given(random_dfas())
def test_counts_and_next_symbols_match_enumeration(dfa):
    for n in range(6):
        assert dfa.count(n) == sum(dfa.accepts("".join(t)) for t in itertools.product("ab", repeat=n))
    minimal = dfa.minimize()
    for prefix in strings("ab", 3):
        legal = minimal.next_symbols(prefix)
        for symbol in "ab":
            viable = any(dfa.accepts(prefix + symbol + rest) for rest in strings("ab", minimal.num_states))
            assert (symbol in legal) == viable
        assert (None in legal) == dfa.accepts(prefix)


@given(random_dfas())
def test_to_wfsa_scores_as_the_automaton(dfa):
    machine = dfa.minimize().to_wfsa()
    for s in strings("ab", 5):
        assert machine.score(s) == dfa.accepts(s)


def test_explore_builds_the_minimal_automaton_of_a_step_function():
    # strings over {a, b} whose number of a's is divisible by 3, with redundant state labels
    dfa = DFA.explore("ab", (0, "x"), lambda q, a: ((q[0] + (a == "a")) % 3, a), lambda q: q[0] == 0)
    assert dfa.num_states == 7 and dfa.minimize().num_states == 3
    assert dfa.accepts("abab") is False and dfa.accepts("abaab") is True


def test_explore_refuses_infinite_state_spaces():
    with pytest.raises(LanguageError, match="more than 50 states"):
        DFA.explore("ab", 0, lambda q, a: q + 1, lambda q: True, max_states=50)


def test_unknown_symbol_is_an_error():
    dfa = DFA.explore("ab", 0, lambda q, a: q, lambda q: True)
    with pytest.raises(UnknownSymbolError, match="'c' is not in the alphabet 'ab'"):
        dfa.accepts("abc")


@pytest.mark.parametrize(
    ("alphabet", "start", "step", "accepting", "star_free", "locally_testable"),
    [
        # (ab)*: star-free and locally testable (starts with a, ends with b, no aa, no bb)
        ("ab", "a", lambda q, a: None if a != q else ("b" if a == "a" else "a"), lambda q: q == "a", True, True),
        # (aa)*: counts modulo 2
        ("a", 0, lambda q, a: 1 - q, lambda q: q == 0, False, False),
        # exactly one a (b*ab*): star-free, but the number of a's is not a local property
        ("ab", 0, lambda q, a: q + (a == "a") if q + (a == "a") <= 1 else None, lambda q: q == 1, True, False),
        # a*b*: no factor "ba"
        ("ab", 0, lambda q, a: None if (q, a) == (1, "a") else (1 if a == "b" else q), lambda q: True, True, True),
        # contains aa somewhere: locally testable
        ("ab", 0, lambda q, a: 2 if q == 2 else (q + 1 if a == "a" else 0), lambda q: q == 2, True, True),
    ],
)
def test_star_free_and_locally_testable_on_known_languages(
    alphabet, start, step, accepting, star_free, locally_testable
):
    dfa = DFA.explore(alphabet, start, step, accepting)
    assert dfa.is_star_free() is star_free
    assert dfa.is_locally_testable() is locally_testable
