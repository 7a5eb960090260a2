"""union, concat, closure, reverse and intersect: against their definitions, OpenFst and laws."""

from __future__ import annotations

import functools

import numpy as np
import pynini
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wfsa_checks import float32_tolerance, from_openfst, openfst_machines, scores_agree, to_openfst

from rational import WFSA, Boolean, Log, MaxPlus, MaxTimes, Real, Semiring, Tropical, equivalent
from rational.algorithms.combine import closure, concat, intersect, merge_alphabets, reverse, union
from rational.errors import DivergenceError, SemiringMismatchError, UnsupportedSemiringError
from rational.semirings import BUILTIN_SEMIRINGS
from rational.testing import wfsas
from rational.wfsa import all_strings

K_CLOSED = [Boolean, Tropical, MaxPlus, MaxTimes]


def pairs(rings=BUILTIN_SEMIRINGS, **options):
    return st.sampled_from(list(rings)).flatmap(
        lambda ring: st.tuples(wfsas(ring, epsilons=True, **options), wfsas(ring, epsilons=True, **options))
    )


def score(machine, string):
    return machine.score(string)


@given(pairs(max_states=3))
def test_union_and_concat_follow_their_definitions(pair):
    a, b = pair
    ring = a.semiring
    u, c = union(a, b), concat(a, b)
    for string in all_strings("ab", 4):
        assert ring.isclose(u.score(string), ring.plus(a.score(string), b.score(string)), 1e-7)
        splits = ring.zero
        for i in range(len(string) + 1):
            splits = ring.plus(splits, ring.times(a.score(string[:i]), b.score(string[i:])))
        assert ring.isclose(c.score(string), splits, 1e-7)


def star_by_definition(machine, string):
    """⊕ over cuts of ``string`` into pieces of the product of their scores; empty
    pieces (weight x = a(ε)) contribute x* around each non-empty one."""
    ring = machine.semiring
    loop = ring.star(machine.score(()))

    @functools.cache
    def rest(suffix):
        total = ring.one if not suffix else ring.zero
        for i in range(1, len(suffix) + 1):
            total = ring.plus(total, ring.times(machine.score(suffix[:i]), rest(suffix[i:])))
        return ring.times(loop, total)

    return rest(tuple(string))


@given(st.sampled_from(K_CLOSED).flatmap(lambda ring: wfsas(ring, max_states=3, epsilons=True)))
def test_closure_follows_its_definition(machine):
    ring = machine.semiring
    star, plus = closure(machine), closure(machine, plus=True)
    for string in all_strings("ab", 4):
        expected = star_by_definition(machine, string)
        assert ring.isclose(star.score(string), expected, 1e-7), string
        expected_plus = ring.zero
        for i in range(len(string) + 1):
            expected_plus = ring.plus(expected_plus, ring.times(machine.score(string[:i]), star_by_definition(machine, string[i:])))
        assert ring.isclose(plus.score(string), expected_plus, 1e-7), string


@given(wfsas(Real, max_states=3, epsilons=True))
def test_real_closure_is_the_geometric_series_when_it_converges(machine):
    empty = machine.score(())
    try:
        star = closure(machine).score(())
    except DivergenceError:
        return  # the epsilon cycles through the new state diverge
    if abs(empty) < 1:
        assert np.isclose(star, 1 / (1 - empty))


@given(st.sampled_from(BUILTIN_SEMIRINGS).flatmap(lambda ring: wfsas(ring, max_states=4, epsilons=True)))
def test_reverse_reads_strings_backwards(machine):
    back = reverse(machine)
    for string in all_strings("ab", 4):
        assert machine.semiring.isclose(back.score(string[::-1]), machine.score(string), 1e-7)


@given(pairs(max_states=3))
def test_intersect_multiplies_scores(pair):
    a, b = pair
    ring = a.semiring
    product = intersect(a, b)
    unconnected = intersect(a, b, connect=False)
    assert product.num_states <= unconnected.num_states
    for string in all_strings("ab", 4):
        expected = ring.times(a.score(string), b.score(string))
        assert ring.isclose(product.score(string), expected, 1e-7), string
        assert ring.isclose(unconnected.score(string), expected, 1e-7), string


def test_epsilon_filter_counts_each_path_once():
    # both machines read "a" after one epsilon: without a filter the product would
    # have three paths for "a" (either epsilon first, or both together)
    a = WFSA.from_arcs(Real, [(0, None, 1, 1.0), (1, "a", 2, 1.0), (2, None, 3, 1.0)], initial=0, final=3, alphabet="a")
    b = WFSA.from_arcs(Real, [(0, None, 1, 1.0), (1, None, 2, 1.0), (2, "a", 3, 1.0)], initial=0, final=3, alphabet="a")
    assert intersect(a, b).score("a") == 1.0
    assert intersect(b, a).score("a") == 1.0


# -- against OpenFst ---------------------------------------------------------------------

OPERATIONS = {
    "union": (lambda a, b: union(a, b), lambda f, g: pynini.union(f, g)),
    "concat": (lambda a, b: concat(a, b), lambda f, g: pynini.concat(f, g)),
    "intersect": (lambda a, b: intersect(a, b), lambda f, g: pynini.intersect(f.arcsort("olabel"), g.arcsort("ilabel"))),
    "reverse": (lambda a, b: reverse(a), lambda f, g: pynini.reverse(f)),
    "star": (lambda a, b: closure(a), lambda f, g: pynini.closure(f)),
    "plus": (lambda a, b: closure(a, plus=True), lambda f, g: pynini.closure(f, 1)),
}


@settings(max_examples=40)
@given(
    openfst_machines(max_states=3).flatmap(
        lambda a: st.tuples(st.just(a), wfsas(a.semiring, max_states=3, epsilons=True))
    ),
    st.sampled_from(sorted(OPERATIONS)),
)
def test_operations_agree_with_openfst(pair, name):
    a, b = pair
    ours_op, theirs_op = OPERATIONS[name]
    try:
        ours = ours_op(a, b)
        ours.score("")  # closures of machines that accept ε may diverge
    except DivergenceError:
        return
    theirs = from_openfst(theirs_op(to_openfst(a), to_openfst(b)), ours)
    scores_agree(ours, theirs, max_length=4, tolerance=float32_tolerance(a))


# -- laws --------------------------------------------------------------------------------


@settings(max_examples=30)
@given(pairs(rings=[Boolean, Tropical, MaxPlus, Log, Real], max_states=3))
def test_laws_hold_up_to_equivalence(pair):
    a, b = pair
    assert equivalent(reverse(reverse(a)), a)
    assert equivalent(union(a, b), union(b, a))
    assert equivalent(concat(concat(a, b), a), concat(a, concat(b, a)))
    universal = WFSA.from_arcs(
        a.semiring, [(0, s, 0) for s in a.alphabet], initial=0, final=0, alphabet=a.alphabet.copy()
    )
    assert equivalent(intersect(a, universal), a)


# -- alphabets and errors ---------------------------------------------------------------


def test_different_alphabets_are_merged():
    a = WFSA.from_arcs(Tropical, [(0, "x", 1, 1.0)], initial=0, final=1, alphabet="xy")
    b = WFSA.from_arcs(Tropical, [(0, "z", 1, 2.0), (0, "x", 1, 0.5)], initial=0, final=1, alphabet="zx")
    alphabet, labels_a, labels_b = merge_alphabets(a, b)
    assert alphabet.symbols == ("x", "y", "z")
    assert labels_b.tolist() == [2, 0]
    both = union(a, b)
    assert both.alphabet.symbols == ("x", "y", "z")
    assert both.score("x") == 0.5 and both.score("z") == 2.0
    assert concat(a, b).score("xz") == 3.0
    assert intersect(a, b).score("x") == 1.5
    assert intersect(a, b).score("z") == np.inf


def test_different_semirings_cannot_be_combined():
    a = WFSA.from_arcs(Tropical, [(0, "a", 0)], initial=0, final=0)
    b = WFSA.from_arcs(Log, [(0, "a", 0)], initial=0, final=0)
    for operation in (union, concat, intersect):
        with pytest.raises(SemiringMismatchError, match="Tropical.*Log"):
            operation(a, b)


class _NonCommutative(Semiring):
    """Flag-only stand-in for a non-commutative semiring."""

    name = "NonCommutativeForTests"
    zero, one = 0.0, 1.0
    commutative = False

    def plus(self, x, y):
        return x + y

    def times(self, x, y):
        return x * y


def test_intersect_needs_a_commutative_semiring():
    ring = _NonCommutative()
    a = WFSA.from_arcs(ring, [(0, "a", 0, 2.0)], initial=0, final=0)
    with pytest.raises(UnsupportedSemiringError, match="commutative"):
        intersect(a, a)


def test_methods_delegate():
    a = WFSA.from_arcs(Boolean, [(0, "a", 1)], initial=0, final=1, alphabet="ab")
    b = WFSA.from_arcs(Boolean, [(0, "b", 1)], initial=0, final=1, alphabet="ab")
    assert a.union(b).score("b")
    assert a.concat(b).score("ab")
    assert a.closure().score("aaa") and a.closure().score("")
    assert not a.closure(plus=True).score("")
    assert b.concat(a).reverse().score("ab")
    assert not a.intersect(b).score("a")
