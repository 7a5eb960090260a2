"""Epsilon removal: scores kept, both closure methods, OpenFst, divergence and errors."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pynini
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wfsa_checks import DELTA, float32_tolerance, from_openfst, openfst_machines, scores_agree, to_openfst

from rational import WFSA, Boolean, MaxPlus, Real, Tropical
from rational.algorithms import epsilon
from rational.algorithms.epsilon import epsilon_closure_entries, remove_epsilons
from rational.errors import DivergenceError, UnsupportedSemiringError
from rational.semirings import BUILTIN_SEMIRINGS
from rational.testing import Counting, wfsas

machines = st.sampled_from(BUILTIN_SEMIRINGS).flatmap(lambda ring: wfsas(ring, max_states=5, epsilons=True))


# the dense closure, and the per-source graph search / sparse LU used for large epsilon graphs
CLOSURE_METHODS = pytest.mark.parametrize("dense_limit", [epsilon._DENSE_CLOSURE_LIMIT, 0], ids=["dense", "sparse"])


@CLOSURE_METHODS
@settings(max_examples=40)
@given(machine=machines)
def test_scores_are_kept_and_epsilons_gone(dense_limit, machine):
    with patch.object(epsilon, "_DENSE_CLOSURE_LIMIT", dense_limit):
        result = remove_epsilons(machine)
    assert not result.has_epsilons
    scores_agree(machine, result, max_length=4)


@CLOSURE_METHODS
@settings(max_examples=40)
@given(machine=machines)
def test_closure_entries_match_the_dense_epsilon_closure(dense_limit, machine):
    ring = machine.semiring
    src, label, dst, weight = machine.arc_arrays
    eps = label == -1
    with patch.object(epsilon, "_DENSE_CLOSURE_LIMIT", dense_limit):
        rows, cols, values = epsilon_closure_entries(ring, src[eps], dst[eps], weight[eps], machine.num_states)
    dense = ring.zeros((machine.num_states, machine.num_states))
    dense[rows, cols] = values
    assert np.all(ring.isclose(dense, machine.epsilon_closure(), 1e-9))


@settings(max_examples=30)
@given(openfst_machines(max_states=5))
def test_agrees_with_openfst_rmepsilon(machine):
    theirs = from_openfst(pynini.rmepsilon(to_openfst(machine), delta=DELTA), machine)
    scores_agree(remove_epsilons(machine), theirs, max_length=4, tolerance=float32_tolerance(machine))


def test_parallel_arcs_are_summed_and_connect_is_optional():
    a = WFSA.from_arcs(Real, [(0, None, 1, 0.5), (1, "a", 2, 1.0), (0, "a", 2, 0.25)], initial=0, final=2, alphabet="a")
    trimmed = remove_epsilons(a)
    assert trimmed.num_states == 2 and trimmed.num_arcs == 1
    assert trimmed.arcs()[0].weight == 0.75
    assert remove_epsilons(a, connect=False).num_states == 3


@CLOSURE_METHODS
@pytest.mark.parametrize("ring, weight", [(Real, 1.5), (Tropical, -1.0), (MaxPlus, 1.0)])
def test_divergent_epsilon_cycles_are_reported(dense_limit, ring, weight):
    a = WFSA.from_arcs(ring, [(0, None, 1, weight), (1, None, 0, ring.one), (1, "a", 2)], initial=0, final=2, alphabet="a")
    with patch.object(epsilon, "_DENSE_CLOSURE_LIMIT", dense_limit), pytest.raises(DivergenceError, match="epsilon"):
        remove_epsilons(a)


def test_log_weights_too_large_for_real_space_stay_in_log_space(monkeypatch):
    from rational import Log

    monkeypatch.setattr(epsilon, "_DENSE_CLOSURE_LIMIT", 0)
    a = WFSA.from_arcs(Log, [(0, None, 1, -900.0), (1, None, 0, -1.0), (1, "a", 2, 0.0)], initial=0, final=2, alphabet="a")
    assert np.isclose(remove_epsilons(a).score("a"), a.score("a"))


def test_semirings_without_star_handle_acyclic_epsilons_only():
    ring = Counting()
    acyclic = WFSA.from_arcs(ring, [(0, None, 1), (0, None, 2), (1, None, 2), (2, "a", 3)], initial=0, final=3)
    assert remove_epsilons(acyclic).score("a") == 2.0  # two epsilon paths from 0 to 2
    cyclic = WFSA.from_arcs(ring, [(0, None, 1), (1, None, 0), (1, "a", 2)], initial=0, final=2)
    with pytest.raises(UnsupportedSemiringError, match="star"):
        remove_epsilons(cyclic)


def test_boolean_machine_without_epsilons_is_only_trimmed():
    a = WFSA.from_arcs(Boolean, [(0, "a", 1), (2, "a", 1)], initial=0, final=1, alphabet="a")
    assert remove_epsilons(a).num_states == 2
    assert a.remove_epsilons().score("a")
