"""Minimization: Hopcroft against Moore, scores kept, as small as OpenFst's, errors."""

from __future__ import annotations

import numpy as np
import pynini
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wfsa_checks import scores_agree

from rational import WFSA, Boolean, Log, MaxPlus, Real, Tropical
from rational.algorithms.determinize import determinize, is_deterministic
from rational.algorithms.minimize import hopcroft, minimize, moore_reference, weight_classes
from rational.errors import NotDeterministicError, NotDeterminizableError, UnsupportedSemiringError
from rational.interop.pynini import to_pynini
from rational.testing import Counting, wfsas


@st.composite
def deterministic_transitions(draw):
    """A random partial DFA as (n, src, symbol, dst, initial classes)."""
    n = draw(st.integers(1, 12))
    symbols = draw(st.integers(1, 3))
    src, symbol, dst = [], [], []
    for q in range(n):
        for a in range(symbols):
            if draw(st.booleans()):
                src.append(q)
                symbol.append(a)
                dst.append(draw(st.integers(0, n - 1)))
    classes = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    as_array = lambda values: np.asarray(values, dtype=np.int64)  # noqa: E731
    return n, as_array(src), as_array(symbol), as_array(dst), as_array(classes)


def same_partition(x, y):
    pairs = set(zip(x.tolist(), y.tolist()))
    return len(pairs) == len(set(x.tolist())) == len(set(y.tolist()))


@given(deterministic_transitions())
def test_hopcroft_finds_the_same_partition_as_moore(dfa):
    assert same_partition(hopcroft(*dfa), moore_reference(*dfa))


def determinized(ring, acyclic=False):
    def build(machine):
        try:
            return determinize(machine, max_states=300)
        except NotDeterminizableError:
            return None

    return wfsas(ring, max_states=5, epsilons=True, acyclic=acyclic).map(build).filter(lambda m: m is not None)


def openfst_state_count(dfa: WFSA) -> int:
    """States of OpenFst's minimal machine, not counting the new start state that
    OpenFst adds (with an epsilon arc) when it cannot push weight onto the start."""
    if dfa.semiring is Boolean:
        dfa = dfa.map_weights(lambda w: np.where(w, 0.0, np.inf), Tropical)
    fst = to_pynini(dfa, "log64" if dfa.semiring is Log else None)
    fst = pynini.minimize(pynini.connect(fst), delta=1e-6)
    start_arcs = list(fst.arcs(fst.start())) if fst.start() >= 0 else []
    extra = len(start_arcs) == 1 and start_arcs[0].ilabel == 0 and fst.final(fst.start()) == pynini.Weight.zero(fst.weight_type())
    return fst.num_states() - extra


# Log machines are acyclic: OpenFst pushes cyclic Log machines with float32 distances
# and so merges fewer states than exact arithmetic would
@settings(max_examples=50)
@given(st.sampled_from([Boolean, Tropical, MaxPlus, Log]).flatmap(lambda ring: determinized(ring, acyclic=ring is Log)))
def test_minimal_as_openfst_and_same_scores(dfa):
    ours = minimize(dfa)
    assert is_deterministic(ours)
    scores_agree(dfa, ours, max_length=5, tolerance=1e-6)
    assert ours.num_states == openfst_state_count(dfa)
    assert minimize(ours).num_states == ours.num_states


def test_equivalent_states_merge():
    a = WFSA.from_arcs(Boolean, [(0, "a", 1), (0, "b", 2), (1, "c", 3), (2, "c", 4)], initial=0, final=[3, 4], alphabet="abc")
    assert minimize(a).num_states == 3
    # weights placed differently on equivalent suffixes still merge once pushed
    t = WFSA.from_arcs(Tropical, [(0, "a", 1, 1.0), (0, "b", 2, 2.0), (1, "c", 3, 1.0), (2, "c", 3, 0.0)],
                       initial=0, final=3, alphabet="abc")
    m = t.minimize()
    assert m.num_states == 3 and m.score("ac") == 2.0 and m.score("bc") == 2.0


def test_weights_within_tolerance_merge():
    # 1 and 2 differ by 1e-9 in the cost of 'd' relative to 'c' (pushing cannot remove it)
    arcs = [(0, "a", 1, 0.0), (0, "b", 2, 0.0), (1, "c", 3, 0.0), (1, "d", 3, 1.0), (2, "c", 3, 0.0), (2, "d", 3, 1.0 + 1e-9)]
    t = WFSA.from_arcs(Tropical, arcs, initial=0, final=3, alphabet="abcd")
    assert minimize(t).num_states == 3
    assert minimize(t, tolerance=1e-12).num_states == 4


def test_weight_classes():
    classes = weight_classes(Tropical, np.array([0.0, 1e-9, 1.0, np.inf, np.inf, 2.0]), 1e-6)
    assert classes[0] == classes[1] and classes[3] == classes[4]
    assert len(set(classes.tolist())) == 4


def test_errors():
    nondeterministic = WFSA.from_arcs(Boolean, [(0, "a", 1), (0, "a", 2)], initial=0, final=[1, 2], alphabet="a")
    with pytest.raises(NotDeterministicError, match="state 0 has 2 arcs labelled 'a'.*determinize"):
        minimize(nondeterministic)
    with pytest.raises(NotDeterministicError, match="epsilon"):
        minimize(WFSA.from_arcs(Real, [(0, None, 1)], initial=0, final=1))
    with pytest.raises(NotDeterministicError, match="2 initial states"):
        minimize(WFSA.from_arcs(Real, [], initial=[0, 1], final=1))

    with pytest.raises(UnsupportedSemiringError, match="division"):
        minimize(WFSA.from_arcs(Counting(), [(0, "a", 0)], initial=0, final=0))


def test_empty_language():
    a = WFSA.from_arcs(MaxPlus, [(0, "a", 1, 0.0)], initial=0, final=[], alphabet="a", num_states=2)
    assert minimize(a).num_states == 0
