"""equivalent(): exact methods against brute force, counterexamples that really differ."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rational import WFSA, Boolean, Log, MaxPlus, MaxTimes, Real, Tropical, equivalent
from rational.algorithms.equivalence import EquivalenceResult
from rational.errors import NotDeterminizableError, SemiringMismatchError
from rational.semirings import BUILTIN_SEMIRINGS
from rational.testing import Counting, wfsas
from rational.wfsa import all_strings

EXACT_SHORTEST = (Boolean, Real, Log)  # methods that return a shortest counterexample


def first_difference(a, b, max_length):
    ring = a.semiring
    for string in all_strings("ab", max_length):
        if not ring.isclose(a.score(string), b.score(string), 1e-9):
            return string
    return None


pairs = st.sampled_from(BUILTIN_SEMIRINGS).flatmap(
    lambda ring: st.tuples(wfsas(ring, max_states=4, epsilons=True), wfsas(ring, max_states=4, epsilons=True))
)


@settings(max_examples=80)
@given(pairs)
def test_agrees_with_brute_force_and_counterexamples_really_differ(pair):
    a, b = pair
    ring = a.semiring
    result = equivalent(a, b)
    difference = first_difference(a, b, 6)
    if result:
        assert difference is None, (str(result), difference)
    else:
        example = result.counterexample
        assert not ring.isclose(a.score(example.symbols), b.score(example.symbols), 1e-9)
        assert example.score_a == a.score(example.symbols) and example.score_b == b.score(example.symbols)
        assert a.score(example.string) == example.score_a  # the text form reads back
        if ring in EXACT_SHORTEST and difference is not None:
            assert len(example.symbols) == len(difference)
    if ring in (Boolean, Real, Log) and result.method.startswith("bounded"):
        pytest.fail(f"{ring.name} fell back to the bounded search")


def canonical(ring):
    # cyclic Log machines have no exact deterministic form; their determinization is approximate
    return wfsas(ring, max_states=5, epsilons=True, acyclic=ring is Log)


@settings(max_examples=40)
@given(st.sampled_from([Boolean, Tropical, MaxPlus, Log]).flatmap(canonical))
def test_a_machine_is_equivalent_to_its_minimal_deterministic_form(machine):
    try:
        minimal = machine.determinize(max_states=300).minimize()
    except NotDeterminizableError:
        return
    result = equivalent(machine, minimal)
    assert result and result.exact, str(result)


@settings(max_examples=40)
@given(st.sampled_from(BUILTIN_SEMIRINGS).flatmap(lambda ring: wfsas(ring, max_states=4, epsilons=True)), st.data())
def test_changing_one_weight_is_noticed(machine, data):
    ring = machine.semiring
    src, label, dst, weight = machine.arc_arrays
    reachable = [i for i in range(machine.num_arcs) if label[i] != -1]
    if not reachable or ring is Boolean:
        return
    i = data.draw(st.sampled_from(reachable))
    changed = np.array(weight, dtype=np.float64)
    # make the arc worse, never better: a cheaper Tropical (or heavier MaxPlus/Log) cycle
    # could diverge, and equivalence of unbounded machines is not defined
    if ring in (Real, MaxTimes):
        changed[i] = changed[i] * 0.5
    else:
        changed[i] = changed[i] + 0.5 if ring is Tropical else changed[i] - 0.5
    other = WFSA.from_arrays(ring, machine.alphabet, machine.initial_weights, machine.final_weights, src, label, dst, changed)
    result = equivalent(machine, other)
    if first_difference(machine, other, 5) is not None:
        assert not result
    if not result:
        c = result.counterexample
        assert not ring.isclose(c.score_a, c.score_b, 1e-9)


def test_real_weights_that_cancel_make_the_empty_function():
    cancels = WFSA.from_arcs(Real, [(0, "a", 1, 1.0), (0, "a", 2, -1.0)], initial=0, final=[1, 2], alphabet="a")
    nothing = WFSA.from_arcs(Real, [], initial=0, final=[], alphabet="a", num_states=1)
    assert equivalent(cancels, nothing)


def test_log_is_compared_as_real_weights():
    half = np.log(0.5)
    a = WFSA.from_arcs(Log, [(0, "a", 1, half), (0, "a", 1, half)], initial=0, final=1, alphabet="a")
    b = WFSA.from_arcs(Log, [(0, "a", 1, 0.0)], initial=0, final=1, alphabet="a")
    assert equivalent(a, b)
    c = WFSA.from_arcs(Log, [(0, "a", 1, -1e-3)], initial=0, final=1, alphabet="a")
    result = equivalent(a, c)
    assert not result and result.counterexample.string == "a" and result.exact


def test_boolean_counterexample_is_shortest():
    # (aa)* against a*: they first differ on "a"; against (aa)*|aaa, on "aaa"
    even = WFSA.from_arcs(Boolean, [(0, "a", 1), (1, "a", 0)], initial=0, final=0, alphabet="a")
    three = WFSA.from_arcs(Boolean, [(2, "a", 3), (3, "a", 4), (4, "a", 5)], initial=2, final=5, alphabet="a")
    result = equivalent(even, even.union(three))
    assert not result
    assert result.counterexample.string == "aaa"
    assert (result.counterexample.score_a, result.counterexample.score_b) == (False, True)
    assert "Hopcroft-Karp" in result.method


def test_tropical_exact_and_bounded():
    a = WFSA.from_arcs(Tropical, [(0, "a", 0, 1.0)], initial=0, final=0, alphabet="a")
    b = WFSA.from_arcs(Tropical, [(0, "a", 1, 1.0), (1, "a", 0, 1.0)], initial=0, final=[0, 1], alphabet="a")
    result = equivalent(a, b)
    assert result and result.exact and "pushing" in result.method
    # a^n costs min(n, 2n - 1) = n: equivalent to a, but the machine lacks the twins property
    twins = WFSA.from_arcs(Tropical, [(0, "a", 1, 1.0), (1, "a", 1, 1.0), (0, "a", 2, 1.0), (2, "a", 2, 2.0)],
                           initial=0, final=[0, 1, 2], alphabet="a")
    bounded = equivalent(a, twins, max_states=50)
    assert bounded and not bounded.exact and "bounded" in bounded.method
    assert "not a proof" in str(bounded)
    worse = WFSA.from_arcs(Tropical, [(0, "a", 1, 1.0), (1, "a", 1, 1.5), (0, "a", 2, 1.0), (2, "a", 2, 2.0)],
                           initial=0, final=[0, 1, 2], alphabet="a")
    different = equivalent(a, worse, max_states=50)
    assert not different and not different.exact
    assert different.counterexample.string == "aa"


def test_different_alphabets_and_semirings():
    a = WFSA.from_arcs(Boolean, [(0, "a", 0)], initial=0, final=0, alphabet="a")
    b = WFSA.from_arcs(Boolean, [(0, "a", 0), (0, "b", 0)], initial=0, final=0, alphabet="ab")
    result = equivalent(a, b)
    assert not result and result.counterexample.string == "b"
    assert result.counterexample.score_a is False or result.counterexample.score_a == Boolean.zero
    with pytest.raises(SemiringMismatchError):
        equivalent(a, WFSA.from_arcs(Real, [(0, "a", 0, 0.5)], initial=0, final=0, alphabet="a"))
    with pytest.raises(TypeError):
        equivalent("a*", a)


def test_word_symbols_and_result_object():
    a = WFSA.from_arcs(MaxPlus, [(0, "good", 1, -1.0)], initial=0, final=1, alphabet=["good", "bad"])
    b = WFSA.from_arcs(MaxPlus, [(0, "good", 1, -2.0)], initial=0, final=1, alphabet=["good", "bad"])
    result = equivalent(a, b)
    assert isinstance(result, EquivalenceResult) and not bool(result)
    assert result.counterexample.string == "good" and result.counterexample.symbols == ("good",)
    assert "not equivalent: 'good' scores -1.0 vs -2.0" in str(result)
    assert bool(equivalent(a, a)) is True
    assert a != a.copy()  # == is identity, not equivalence


def test_other_semirings_use_the_bounded_search():
    ring = Counting()
    a = WFSA.from_arcs(ring, [(0, "a", 1), (0, "a", 1)], initial=0, final=1, alphabet="a")
    b = WFSA.from_arcs(ring, [(0, "a", 1, 2.0)], initial=0, final=1, alphabet="a")
    result = equivalent(a, b, max_length=3, samples=10)
    assert result and not result.exact and "up to length 3 and 10 random" in result.method
