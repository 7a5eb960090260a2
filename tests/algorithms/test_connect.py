"""trim / connect: exactly the states on accepting paths, against a brute-force search and OpenFst."""

from __future__ import annotations

import numpy as np
import pynini
from hypothesis import given
from hypothesis import strategies as st
from wfsa_checks import openfst_machines, scores_agree, to_openfst

from rational import WFSA, Boolean, Tropical
from rational.algorithms.connect import accessible, coaccessible, connect, trim
from rational.semirings import BUILTIN_SEMIRINGS
from rational.testing import wfsas


def reachable(starts, edges):
    seen, stack = set(starts), list(starts)
    while stack:
        q = stack.pop()
        for r in edges.get(q, ()):
            if r not in seen:
                seen.add(r)
                stack.append(r)
    return seen


@given(st.sampled_from(BUILTIN_SEMIRINGS).flatmap(lambda ring: wfsas(ring, max_states=6, epsilons=True)))
def test_trim_keeps_exactly_the_useful_states(machine):
    forward, backward = {}, {}
    for arc in machine.arcs():
        forward.setdefault(arc.src, []).append(arc.dst)
        backward.setdefault(arc.dst, []).append(arc.src)
    useful = reachable(machine.initial_states, forward) & reachable(machine.final_states, backward)
    assert set(np.flatnonzero(accessible(machine) & coaccessible(machine)).tolist()) == useful
    trimmed = trim(machine)
    assert trimmed.num_states == len(useful)
    scores_agree(machine, trimmed)


@given(openfst_machines(max_states=6))
def test_state_count_agrees_with_openfst_connect(machine):
    fst = to_openfst(machine)
    extra = fst.num_states() - machine.num_states  # a new start state for several initial states
    assert trim(machine).num_states + extra * (trim(machine).num_states > 0) == pynini.connect(fst).num_states()


def test_empty_language_gives_the_empty_machine():
    a = WFSA.from_arcs(Boolean, [(0, "a", 1)], initial=0, final=[], alphabet="a", num_states=2)
    assert trim(a).num_states == 0 and connect(a).num_states == 0
    assert not trim(a).score("a")


def test_zero_weight_arcs_are_dropped():
    a = WFSA.from_arcs(Tropical, [(0, "a", 1, np.inf), (0, "b", 1, 1.0)], initial=0, final=1, alphabet="ab")
    assert [arc.label for arc in a.trim().arcs()] == ["b"]
    assert a.connect().num_arcs == 1
