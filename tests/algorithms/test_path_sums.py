"""Real/Log shortest distance on larger systems: the series and GMRES solvers against the reference."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rational import WFSA, Log, Real
from rational.algorithms import shortest_distance as sd
from rational.testing import wfsas


@pytest.mark.parametrize("series_iterations", [sd._SERIES_ITERATIONS, 2], ids=["series", "gmres"])
@settings(max_examples=30)
@given(machine=st.sampled_from([Real, Log]).flatmap(lambda ring: wfsas(ring, max_states=6)), reverse=st.booleans())
def test_iterative_solvers_match_the_reference(series_iterations, machine, reverse):
    with patch.object(sd, "_DIRECT_SOLVE_LIMIT", 0), patch.object(sd, "_SERIES_ITERATIONS", series_iterations):
        ours = sd.shortest_distance(machine, reverse=reverse)
    reference = sd.shortest_distance_reference(machine, reverse=reverse)
    assert np.all(machine.semiring.isclose(ours, reference, 1e-9))


def test_a_slowly_converging_cycle():
    # spectral radius 0.999: the series needs thousands of terms, GMRES finishes it
    n = 400
    arcs = [(q, "a", (q + 1) % n, 0.999) for q in range(n)]
    machine = WFSA.from_arcs(Real, arcs, initial=0, final=list(range(n)), alphabet="a")
    distance = machine.shortest_distance()
    # d[q] = 0.999^q / (1 - 0.999^n)
    expected = 0.999 ** np.arange(n) / (1 - 0.999**n)
    assert np.allclose(distance, expected, rtol=1e-9)
