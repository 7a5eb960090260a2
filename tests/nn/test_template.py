"""Templates: chain and WFSA builders, the plain constructor, and their errors."""

from __future__ import annotations

import pytest

from rational import WFSA, Real
from rational.errors import UnknownStateError
from rational.nn import Template


def test_chain_numbers_main_arcs_first_then_loops():
    template = Template.chain(4)
    assert template.num_states == 5
    assert template.arcs == ((0, 1), (1, 2), (2, 3), (3, 4), (1, 1), (2, 2), (3, 3))
    assert template.loop_states == (1, 2, 3)  # SoPa: interior states only
    assert template.initial_states == (0,) and template.final_states == (4,)
    assert template.is_chain and template.chain_length == 4
    assert template.epsilons == ()


@pytest.mark.parametrize(
    ("self_loops", "expected"),
    [(True, (1, 2)), (False, ()), (range(1, 4), (1, 2, 3)), ([0, 3], (0, 3)), ([], ())],
)
def test_chain_self_loop_choices(self_loops, expected):
    template = Template.chain(3, self_loops=self_loops)
    assert template.loop_states == expected
    assert template.num_arcs == 3 + len(expected)
    assert template.arcs[3:] == tuple((q, q) for q in expected)


def test_chain_epsilons_beside_main_arcs():
    template = Template.chain(2, epsilons=True)
    assert template.epsilons == ((0, 1), (1, 2))
    assert not template.epsilon_cycles


def test_chain_of_length_one_has_no_interior_loop():
    assert Template.chain(1).loop_states == ()


def test_from_wfsa_keeps_pairs_cycles_and_epsilons():
    arcs = [(0, "a", 1), (0, "b", 1), (1, "a", 1), (1, None, 0), (2, None, 2), (1, "b", 2)]
    machine = WFSA.from_arcs(Real, arcs, initial={0: 0.5}, final=[1, 2], alphabet="ab")
    template = Template.from_wfsa(machine)
    assert template.num_states == 3
    assert template.arcs == ((0, 1), (1, 1), (1, 2))  # one arc per (src, dst) pair
    assert template.epsilons == ((1, 0), (2, 2))
    assert template.initial_states == (0,) and template.final_states == (1, 2)
    assert template.loop_states == (1,)
    assert template.epsilon_cycles
    assert not template.is_chain


def test_plain_constructor_allows_parallel_arcs():
    template = Template(2, [(0, 1), (0, 1)], final=1)
    assert template.num_arcs == 2 and template.arc_names == ("0->1", "0->1")
    assert template.final_states == (1,)


def test_default_final_state_is_the_last():
    assert Template(3, [(0, 1), (1, 2)]).final_states == (2,)


def test_equality():
    assert Template.chain(2) == Template.chain(2)
    assert Template.chain(2) != Template.chain(2, epsilons=True)
    assert Template.chain(2) != Template(3, [(0, 1), (1, 2), (1, 1)])  # same arcs, not built as a chain


@pytest.mark.parametrize(
    ("build", "error", "words"),
    [
        (lambda: Template(0, []), ValueError, "at least one state"),
        (lambda: Template(2, [(0, 2)]), UnknownStateError, "token arc target 2"),
        (lambda: Template(2, [(0, 1)], epsilons=[(-1, 0)]), UnknownStateError, "epsilon arc source -1"),
        (lambda: Template(2, [(0, 1, 2)]), ValueError, "(src, dst) pair"),
        (lambda: Template(2, [(0, "a")]), UnknownStateError, "not an integer"),
        (lambda: Template(2, [(0, 1)], initial=[]), UnknownStateError, "initial state"),
        (lambda: Template(2, [(0, 1)], final=5), UnknownStateError, "final state 5"),
        (lambda: Template.chain(0), ValueError, "length >= 1"),
        (lambda: Template.chain(2, self_loops=[3]), UnknownStateError, "self-loop state 3"),
        (lambda: Template.from_wfsa("ab"), TypeError, "expects a WFSA"),
        (lambda: Template.from_wfsa(WFSA.from_arcs(Real, [(0, "a", 1)], final=1)), UnknownStateError, "no initial"),
        (lambda: Template.from_wfsa(WFSA.from_arcs(Real, [(0, "a", 1)], initial=0)), UnknownStateError, "no final"),
    ],
)
def test_errors(build, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        build()
