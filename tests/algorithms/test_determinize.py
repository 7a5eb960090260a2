"""Determinization: deterministic, same scores, agrees with OpenFst, and stops when it must."""

from __future__ import annotations

import numpy as np
import pynini
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wfsa_checks import float32_tolerance, from_openfst, openfst_machines, scores_agree, to_openfst

from rational import WFSA, Boolean, Log, MaxPlus, MaxTimes, Real, Tropical
from rational.algorithms.determinize import determinize, is_deterministic
from rational.errors import NotDeterminizableError, UnsupportedSemiringError
from rational.testing import Counting, wfsas

# cyclic Log/Real machines rarely have an exact deterministic equivalent
determinizable = st.sampled_from([Boolean, Tropical, MaxPlus, MaxTimes, Log, Real]).flatmap(
    lambda ring: wfsas(ring, max_states=4, epsilons=True, acyclic=ring in (Log, Real))
)


@given(determinizable)
def test_result_is_deterministic_with_the_same_scores(machine):
    if machine.semiring is Real:
        machine = machine.map_weights(np.abs)
    try:
        result = determinize(machine, max_states=500)
    except NotDeterminizableError:
        assert machine.semiring not in (Boolean,)  # Boolean subsets of 4 states are at most 16
        return
    assert is_deterministic(result)
    assert result.initial_states in ([0], [])
    scores_agree(machine, result, max_length=5)


@settings(max_examples=40)
@given(openfst_machines(max_states=4, acyclic_log=True))
def test_agrees_with_openfst_determinize(machine):
    try:
        ours = determinize(machine, max_states=500)
    except NotDeterminizableError:
        return
    fst = pynini.determinize(pynini.rmepsilon(to_openfst(machine), delta=1e-12), delta=1e-9)
    theirs = from_openfst(fst, machine)
    scores_agree(ours, theirs, max_length=5, tolerance=float32_tolerance(machine))


def test_the_classic_example_merges_paths():
    # two paths read "ab": weights 1+3 and 2+1; a deterministic machine keeps the best
    a = WFSA.from_arcs(Tropical, [(0, "a", 1, 1.0), (0, "a", 2, 2.0), (1, "b", 3, 3.0), (2, "b", 3, 1.0)],
                       initial=0, final=3, alphabet="ab")
    d = determinize(a)
    assert d.num_states == 3
    assert d.score("ab") == 3.0
    assert sorted((arc.label, arc.weight) for arc in d.arcs()) == [("a", 1.0), ("b", 2.0)]


def test_machines_without_the_twins_property_stop_at_the_bound():
    # reading a^n costs n on one branch and 2n on the other: the residual grows forever
    a = WFSA.from_arcs(Tropical, [(0, "a", 1, 0.0), (1, "a", 1, 1.0), (0, "a", 2, 0.0), (2, "a", 2, 2.0)],
                       initial=0, final=[1, 2], alphabet="a")
    with pytest.raises(NotDeterminizableError, match="max_states=300.*twins"):
        determinize(a, max_states=300)


def test_boolean_subset_construction_reports_its_bound():
    # the n-th symbol from the end is an 'a': the subset construction needs 2^n states
    n = 6
    arcs = [(0, "a", 0), (0, "b", 0), (0, "a", 1)] + [(i, s, i + 1) for i in range(1, n) for s in "ab"]
    a = WFSA.from_arcs(Boolean, arcs, initial=0, final=n, alphabet="ab")
    assert determinize(a).num_states == 2**n
    with pytest.raises(NotDeterminizableError, match="2\\^n"):
        determinize(a, max_states=10)


def test_residuals_within_delta_are_one_state():
    # residuals 0.1 + 0.2 and 0.3 differ by float rounding only
    a = WFSA.from_arcs(Tropical, [(0, "a", 1, 0.1), (1, "b", 1, 0.2), (0, "a", 2, 0.0), (2, "b", 1, 0.3)],
                       initial=0, final=1, alphabet="ab")
    assert determinize(a).num_states <= 3


def test_unsupported_semirings_and_signs():
    a = WFSA.from_arcs(Real, [(0, "a", 1, -0.5), (0, "a", 2, 0.5)], initial=0, final=[1, 2], alphabet="a")
    with pytest.raises(UnsupportedSemiringError, match="non-negative"):
        determinize(a)

    with pytest.raises(UnsupportedSemiringError, match="division"):
        determinize(WFSA.from_arcs(Counting(), [(0, "a", 0)], initial=0, final=0))
    with pytest.raises(ValueError, match="max_states"):
        determinize(a.map_weights(np.abs), max_states=0)


def test_empty_and_method():
    empty = WFSA.from_arcs(Log, [(0, "a", 1, 0.0)], initial=0, final=[], alphabet="a", num_states=2)
    assert determinize(empty).num_states == 0
    b = WFSA.from_arcs(Boolean, [(0, "a", 1), (0, "a", 2)], initial=0, final=[1, 2], alphabet="a")
    assert b.determinize().num_states == 2 and not is_deterministic(b)
