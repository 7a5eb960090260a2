"""Shared checks for the algorithm tests: brute-force score comparison and OpenFst helpers."""

from __future__ import annotations

import numpy as np
import pynini
from hypothesis import strategies as st

from rational import WFSA, Log
from rational.interop.pynini import ARC_TYPES, to_pynini
from rational.testing import wfsas
from rational.wfsa import all_strings

#: OpenFst's shortest-distance convergence delta (its default, 1/1024, is too loose).
DELTA = 1e-12


def scores_agree(a: WFSA, b: WFSA, max_length: int = 4, tolerance: float = 1e-7) -> None:
    """Assert that both machines give every string up to ``max_length`` the same score."""
    symbols = list(a.alphabet.union(b.alphabet))
    ring = a.semiring
    for string in all_strings(symbols, max_length):
        x = a.score(string) if all(s in a.alphabet for s in string) else ring.zero
        y = b.score(string) if all(s in b.alphabet for s in string) else ring.zero
        assert ring.isclose(x, y, tolerance), (string, x, y)


def arc_type(machine: WFSA) -> str:
    return "log64" if machine.semiring is Log else ARC_TYPES[machine.semiring][0]


def to_openfst(machine: WFSA) -> pynini.Fst:
    return to_pynini(machine, arc_type(machine))


def from_openfst(fst: pynini.Fst, like: WFSA) -> WFSA:
    """Read an OpenFst result back in ``like``'s semiring; OpenFst label ``i`` is
    symbol ``i - 1`` of ``like``'s alphabet (whatever symbol tables survived)."""
    ring = like.semiring
    sign = ARC_TYPES[ring][1]
    arcs, final = [], {}
    for state in fst.states():
        for arc in fst.arcs(state):
            label = None if arc.ilabel == 0 else like.alphabet.symbol(arc.ilabel - 1)
            arcs.append((state, label, arc.nextstate, sign * float(arc.weight)))
        cost = float(fst.final(state))
        if cost != np.inf:
            final[state] = sign * cost
    start = fst.start()
    return WFSA.from_arcs(
        ring, arcs, initial={} if start < 0 else {start: ring.one}, final=final,
        alphabet=like.alphabet.copy(), num_states=fst.num_states(),
    )


def openfst_machines(max_states: int = 4, epsilons: bool = True, acyclic_log: bool = False):
    """Random machines over the semirings OpenFst holds (Tropical, MaxPlus, Log)."""
    from rational import MaxPlus, Tropical

    def for_ring(ring):
        if ring is Log and acyclic_log:
            return wfsas(ring, max_states=max_states, epsilons=epsilons, acyclic=True)
        return wfsas(ring, max_states=max_states, epsilons=epsilons)

    return st.sampled_from([Tropical, MaxPlus, Log]).flatmap(for_ring)


def float32_tolerance(machine: WFSA) -> float:
    """OpenFst's standard weights are 32-bit floats; log64 arcs keep about 9 digits."""
    return 1e-6 if machine.semiring is Log else 1e-5


def finite_or_equal(x, y, tolerance):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return bool(np.all((x == y) | (np.abs(x - y) <= tolerance * np.maximum(1, np.abs(y)))))
