"""Weight pushing: scores kept, stochastic afterwards, agrees with OpenFst; errors."""

from __future__ import annotations

import numpy as np
import pynini
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from wfsa_checks import DELTA, float32_tolerance, from_openfst, openfst_machines, scores_agree, to_openfst

from rational import WFSA, Boolean, Log, MaxPlus, MaxTimes, Real, Tropical
from rational.algorithms.connect import accessible, coaccessible, trim
from rational.algorithms.push import push
from rational.errors import DivergenceError, UnsupportedSemiringError
from rational.testing import Counting, wfsas

RINGS = [Boolean, Tropical, MaxPlus, MaxTimes, Log, Real]


@given(st.sampled_from(RINGS).flatmap(lambda ring: wfsas(ring, max_states=4, epsilons=True)), st.sampled_from(["initial", "final"]))
def test_scores_are_kept_and_weights_sum_to_one(machine, toward):
    ring = machine.semiring
    if ring is Real:
        machine = machine.map_weights(np.abs)  # signed weights may cancel (tested below)
        distances = machine.shortest_distance(reverse=toward == "initial")
        alive = coaccessible(machine) if toward == "initial" else accessible(machine)
        assume(np.all(distances[alive] != 0))  # products of tiny weights may underflow to 0
    pushed = push(machine, toward)
    scores_agree(machine, pushed, max_length=4)
    live = trim(pushed)
    src, _, dst, weight = live.arc_arrays
    if toward == "initial":
        ends, leaving, stop = live.final_weights, src, live.num_states
    else:
        ends, leaving, stop = live.initial_weights, dst, live.num_states
    for q in range(stop):
        total = ring.plus(ring.sum(weight[leaving == q]), ends[q])
        assert ring.isclose(total, ring.one, 1e-7), (q, total)


@given(openfst_machines(max_states=4), st.sampled_from(["initial", "final"]))
def test_agrees_with_openfst_push(machine, toward):
    fst = to_openfst(machine)
    theirs = pynini.push(fst, push_weights=True, reweight_type=f"to_{toward}", delta=DELTA)
    scores_agree(push(machine, toward), from_openfst(theirs, machine), tolerance=float32_tolerance(machine))


def test_pushing_a_probabilistic_machine_makes_it_stochastic():
    a = WFSA.from_arcs(Real, [(0, "a", 1, 2.0), (0, "b", 1, 6.0)], initial=0, final=1, alphabet="ab")
    p = a.push()
    assert p.initial_weights[0] == 8.0
    assert sorted(arc.weight for arc in p.arcs()) == [0.25, 0.75]
    assert p.score("b") == a.score("b")


def test_dead_states_lose_their_arcs_but_keep_their_numbers():
    a = WFSA.from_arcs(Tropical, [(0, "a", 1, 1.0), (0, "b", 2, 1.0)], initial=0, final=1, alphabet="ab")
    p = push(a)
    assert p.num_states == 3 and p.num_arcs == 1


def test_errors():
    a = WFSA.from_arcs(Real, [(0, "a", 1, 1.0)], initial=0, final=1, alphabet="a")
    with pytest.raises(ValueError, match="toward"):
        push(a, "middle")
    cancelling = WFSA.from_arcs(Real, [(0, "a", 1, 1.0), (0, "a", 2, -1.0)], initial=0, final=[1, 2], alphabet="a")
    with pytest.raises(DivergenceError, match="cancel"):
        push(cancelling)
    loop = WFSA.from_arcs(Real, [(0, "a", 0, 1.0)], initial=0, final=0, alphabet="a")
    with pytest.raises(DivergenceError):
        push(loop)

    with pytest.raises(UnsupportedSemiringError, match="divisible"):
        push(WFSA.from_arcs(Counting(), [(0, "a", 0)], initial=0, final=0))
