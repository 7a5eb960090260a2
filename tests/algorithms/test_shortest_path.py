"""n best paths: against brute-force enumeration and OpenFst's shortestpath."""

from __future__ import annotations

import numpy as np
import pynini
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rational import WFSA, Boolean, Log, MaxPlus, MaxTimes, Tropical
from rational.algorithms.shortest_path import shortest_path
from rational.errors import UnsupportedSemiringError
from rational.interop.pynini import to_pynini
from rational.testing import wfsas

SELECTION = [Tropical, MaxPlus, MaxTimes, Boolean]


def cost(ring, weight):
    """Smaller is better."""
    if ring is Tropical:
        return weight
    if ring is MaxPlus:
        return -weight
    if ring is MaxTimes:
        return -np.log(weight) if weight > 0 else np.inf
    return 0.0 if weight else np.inf


@given(st.sampled_from(SELECTION).flatmap(lambda ring: wfsas(ring, max_states=5, acyclic=True, epsilons=True)), st.integers(1, 8))
def test_best_paths_of_acyclic_machines_match_enumeration(machine, n):
    ring = machine.semiring
    every = sorted(cost(ring, p.weight) for p in machine.paths(machine.num_states))
    every = [c for c in every if c < np.inf]
    best = shortest_path(machine, n)
    assert len(best) == min(n, len(every))
    assert np.allclose([cost(ring, p.weight) for p in best], every[: len(best)])
    for path in best:
        # a real path: its labels are read with at least its weight
        assert ring.plus(machine.score(path.labels), path.weight) == machine.score(path.labels)
        assert path.states[0] in machine.initial_states and path.states[-1] in machine.final_states


def openfst_path_costs(fst: pynini.Fst) -> list[float]:
    costs = []

    def walk(state, total):
        final = float(fst.final(state))
        if final != np.inf:
            costs.append(total + final)
        for arc in fst.arcs(state):
            walk(arc.nextstate, total + float(arc.weight))

    if fst.start() >= 0:
        walk(fst.start(), 0.0)
    return sorted(costs)


@given(st.sampled_from([Tropical, MaxPlus]).flatmap(lambda ring: wfsas(ring, max_states=5, epsilons=True)), st.integers(1, 6))
def test_agrees_with_openfst_nshortest(machine, n):
    ours = sorted(cost(machine.semiring, p.weight) for p in shortest_path(machine, n))
    theirs = openfst_path_costs(pynini.shortestpath(to_pynini(machine), nshortest=n))
    assert np.allclose(ours, theirs, atol=1e-5)


@given(st.sampled_from([Tropical, MaxPlus]).flatmap(lambda ring: wfsas(ring, max_states=4, epsilons=True)), st.integers(1, 5))
def test_unique_gives_the_best_strings(machine, n):
    best = shortest_path(machine, n, unique=True)
    strings = [p.labels for p in best]
    assert len(set(strings)) == len(strings)
    for path in best:
        assert machine.semiring.isclose(machine.score(path.labels), path.weight)
    if machine.has_epsilons:
        return  # OpenFst's unique=True reads epsilon as a symbol: ε-cycles repeat the empty string
    theirs = openfst_path_costs(pynini.shortestpath(to_pynini(machine), nshortest=n, unique=True))
    assert np.allclose(sorted(cost(machine.semiring, p.weight) for p in best), theirs, atol=1e-5)


def test_cycles_give_as_many_paths_as_asked():
    a = WFSA.from_arcs(MaxPlus, [(0, "a", 0, -1.0)], initial=0, final=0, alphabet="a")
    assert [p.labels for p in a.shortest_path(n=3)] == [(), ("a",), ("a", "a")]
    b = WFSA.from_arcs(Boolean, [(0, "a", 0), (0, "b", 0)], initial=0, final=0, alphabet="ab")
    assert [len(p.labels) for p in shortest_path(b, 4)] == [0, 1, 1, 2]  # ties: fewer arcs first


def test_errors():
    a = WFSA.from_arcs(Log, [(0, "a", 0, -1.0)], initial=0, final=0, alphabet="a")
    with pytest.raises(UnsupportedSemiringError, match="MaxPlus"):
        shortest_path(a)
    t = WFSA.from_arcs(Tropical, [(0, "a", 0, 1.0)], initial=0, final=0, alphabet="a")
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="positive integer"):
            shortest_path(t, bad)
    assert shortest_path(WFSA.from_arcs(Tropical, [(0, "a", 1, 1.0)], initial=0, final=[], num_states=2)) == []
