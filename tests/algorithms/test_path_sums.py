"""Real/Log shortest distance on larger systems: the series and GMRES solvers against a dense solve."""

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
    assert np.all(machine.semiring.isclose(ours, dense_solution(machine, reverse), 1e-9))


def dense_solution(machine, reverse):
    """``d = start + d M`` solved with numpy's dense solver, in real space."""
    linear = np.exp if machine.semiring is Log else np.asarray
    src, _, dst, weight = machine.arc_arrays
    n = machine.num_states
    matrix = np.zeros((n, n))
    np.add.at(matrix, (dst, src) if reverse else (src, dst), linear(weight))
    start = linear(machine.final_weights if reverse else machine.initial_weights)
    solution = np.linalg.solve(np.eye(n) - matrix.T, start)
    # states no path reaches are exactly zero (the dense solve leaves round-off there)
    reached = start != 0
    for _ in range(n):
        reached = reached | ((matrix.T != 0) @ reached)
    solution = np.where(reached, solution, 0.0)
    if machine.semiring is Log:
        with np.errstate(divide="ignore"):
            return np.where(solution > 0, np.log(np.maximum(solution, 1e-300)), -np.inf)
    return solution


def test_a_slowly_converging_cycle():
    # spectral radius 0.999: the series needs thousands of terms, GMRES finishes it
    n = 400
    arcs = [(q, "a", (q + 1) % n, 0.999) for q in range(n)]
    machine = WFSA.from_arcs(Real, arcs, initial=0, final=list(range(n)), alphabet="a")
    distance = machine.shortest_distance()
    # d[q] = 0.999^q / (1 - 0.999^n)
    expected = 0.999 ** np.arange(n) / (1 - 0.999**n)
    assert np.allclose(distance, expected, rtol=1e-9)
