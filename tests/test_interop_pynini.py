"""Agreement with OpenFst (through pynini): distances, string scores, round trips."""

from __future__ import annotations

import numpy as np
import pynini
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rational import WFSA, Boolean, Log, MaxPlus, Real, Tropical
from rational.errors import FormatError, UnsupportedSemiringError
from rational.interop.pynini import ARC_TYPES, from_pynini, to_pynini
from rational.testing import strings, wfsas

OPENFST_SEMIRINGS = [Tropical, Log, MaxPlus]
DELTA = 1e-12  # OpenFst's default convergence delta (1/1024) is far too loose for a 1e-6 check


def from_cost(ring, cost: float) -> float:
    return ARC_TYPES[ring][1] * cost


def arc_type(machine: WFSA) -> str:
    # 64-bit log weights: float32 sums over cycles drift by about 1e-6
    return "log64" if machine.semiring is Log else ARC_TYPES[machine.semiring][0]


def string_fst(string, machine: WFSA) -> pynini.Fst:
    fst = pynini.Fst(arc_type(machine))
    fst.add_states(len(string) + 1)
    fst.set_start(0)
    one = pynini.Weight.one(fst.weight_type())
    for i, symbol in enumerate(machine.alphabet.tokens(string)):
        label = machine.alphabet.index(symbol) + 1
        fst.add_arc(i, pynini.Arc(label, label, one, i + 1))
    fst.set_final(len(string), one)
    return fst


def openfst_score(machine: WFSA, string) -> float:
    fst = to_pynini(machine, arc_type(machine))
    composed = pynini.compose(string_fst(string, machine), fst.arcsort("ilabel"))
    if composed.start() < 0 or composed.num_states() == 0:
        return machine.semiring.zero
    distance = pynini.shortestdistance(composed, delta=DELTA, reverse=True)
    if not distance:
        return machine.semiring.zero
    return from_cost(machine.semiring, float(distance[composed.start()]))


def close(ring, a, b, tolerance=1e-6):
    return bool(np.all(ring.isclose(a, b, tolerance)))


machines = st.sampled_from(OPENFST_SEMIRINGS).flatmap(
    lambda ring: st.booleans().flatmap(lambda acyclic: wfsas(ring, max_states=5, acyclic=acyclic, epsilons=True))
)


@given(machines, st.booleans())
def test_shortest_distance_agrees_with_openfst(machine, reverse):
    ring = machine.semiring
    ours = machine.shortest_distance(reverse=reverse)
    theirs = pynini.shortestdistance(to_pynini(machine, arc_type(machine)), delta=DELTA, reverse=reverse)
    theirs = [from_cost(ring, float(w)) for w in theirs][: machine.num_states]
    theirs += [ring.zero] * (machine.num_states - len(theirs))
    assert close(ring, ours, np.asarray(theirs)), (ours, theirs)


@given(machines, strings("ab", max_length=5))
def test_score_agrees_with_composing_the_string_in_openfst(machine, string):
    assert close(machine.semiring, machine.score(string), openfst_score(machine, string))


@given(machines, strings("ab", max_length=5))
def test_pynini_round_trip_preserves_scores(machine, string):
    again = from_pynini(to_pynini(machine), machine.semiring)
    # OpenFst's standard and log weights are 32-bit floats
    assert close(machine.semiring, machine.score(string), again.score(string), 1e-6)


def test_reading_openfst_made_machines():
    fst = pynini.accep("ab", weight=1.5) | pynini.accep("b", weight=0.5)
    machine = WFSA.from_pynini(fst)
    assert machine.semiring is Tropical
    assert machine.score([ord("a"), ord("b")]) == 1.5  # byte labels without a symbol table
    as_maxplus = WFSA.from_pynini(fst, MaxPlus)
    assert as_maxplus.score([ord("b")]) == -0.5


@pytest.mark.parametrize("ring", [Real, Boolean], ids=str)
def test_semirings_without_an_arc_type_are_refused(ring):
    machine = WFSA.from_arcs(ring, [(0, "a", 0)], initial=0, final=0, alphabet="a")
    with pytest.raises(UnsupportedSemiringError, match=f"no arc type for the {ring.name} semiring"):
        machine.to_pynini()


def test_wrong_arc_type_and_transducers_are_refused():
    with pytest.raises(UnsupportedSemiringError, match="needs OpenFst 'log' arcs"):
        WFSA.from_pynini(pynini.accep("a"), Log)
    with pytest.raises(UnsupportedSemiringError, match="cannot be written with 'log64' arcs"):
        WFSA.from_arcs(Tropical, [], initial=0, final=0, alphabet="a").to_pynini("log64")
    with pytest.raises(FormatError, match="only acceptors"):
        WFSA.from_pynini(pynini.cross("a", "b"))
