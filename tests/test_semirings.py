"""Semiring axioms (property tests) and the numpy/torch agreement of every operation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rational.errors import InvalidWeightError, UnsupportedSemiringError
from rational.semirings import BUILTIN_SEMIRINGS, Boolean, Log, MaxPlus, MaxTimes, Real, Semiring, Tropical
from rational.testing import Counting, semirings


def values(ring):
    """Semiring values including zero and one (broader than rational.testing.weights)."""
    if ring is Boolean:
        return st.booleans()
    if ring is Real:
        return st.floats(-4, 4, allow_subnormal=False)
    if ring is MaxTimes:
        return st.floats(0, 4, allow_subnormal=False)
    finite = st.floats(-8, 8, allow_subnormal=False)
    return st.one_of(finite, st.just(ring.zero), st.just(ring.one))


@st.composite
def ring_and_values(draw, count):
    ring = draw(semirings())
    return ring, [np.asarray(draw(values(ring)), dtype=ring.dtype) for _ in range(count)]


def close(ring, a, b):
    return bool(np.all(ring.isclose(a, b, 1e-9)))


@given(ring_and_values(3))
def test_plus_and_times_are_associative(args):
    ring, (a, b, c) = args
    assert close(ring, ring.plus(ring.plus(a, b), c), ring.plus(a, ring.plus(b, c)))
    assert close(ring, ring.times(ring.times(a, b), c), ring.times(a, ring.times(b, c)))


@given(ring_and_values(2))
def test_plus_is_commutative(args):
    ring, (a, b) = args
    assert close(ring, ring.plus(a, b), ring.plus(b, a))


@given(ring_and_values(3))
def test_times_distributes_over_plus(args):
    ring, (a, b, c) = args
    assert close(ring, ring.times(a, ring.plus(b, c)), ring.plus(ring.times(a, b), ring.times(a, c)))
    assert close(ring, ring.times(ring.plus(b, c), a), ring.plus(ring.times(b, a), ring.times(c, a)))


@given(ring_and_values(1))
def test_identities_and_annihilation(args):
    ring, (a,) = args
    assert close(ring, ring.plus(a, ring.zero), a)
    assert close(ring, ring.times(a, ring.one), a)
    assert close(ring, ring.times(ring.one, a), a)
    assert close(ring, ring.times(a, ring.zero), ring.zero)
    assert close(ring, ring.times(ring.zero, a), ring.zero)


@given(ring_and_values(1))
def test_idempotent_flag_is_true_to_plus(args):
    ring, (a,) = args
    if ring.idempotent:
        assert close(ring, ring.plus(a, a), a)


@st.composite
def ring_and_arrays(draw):
    ring = draw(semirings())
    n, k, m = draw(st.integers(0, 4)), draw(st.integers(0, 4)), draw(st.integers(0, 4))
    a = np.array([[draw(values(ring)) for _ in range(k)] for _ in range(n)], dtype=ring.dtype).reshape(n, k)
    b = np.array([[draw(values(ring)) for _ in range(m)] for _ in range(k)], dtype=ring.dtype).reshape(k, m)
    return ring, a, b


def torch_of(array):
    return torch.as_tensor(np.array(array))


@given(ring_and_arrays())
def test_matmul_agrees_with_a_loop_of_plus_and_times(args):
    ring, a, b = args
    expected = ring.zeros((a.shape[0], b.shape[1]))
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            for k in range(a.shape[1]):
                expected[i, j] = ring.plus(expected[i, j], ring.times(a[i, k], b[k, j]))
    assert close(ring, ring.matmul(a, b), expected)
    assert close(ring, ring.matmul(torch_of(a), torch_of(b)).numpy(), expected)


@given(ring_and_arrays())
def test_reductions_and_scans_agree_between_numpy_and_torch(args):
    ring, a, _ = args
    t = torch_of(a)
    for axis in (0, 1):
        assert close(ring, ring.sum(a, axis), ring.sum(t, axis).numpy())
        assert close(ring, ring.prod(a, axis), ring.prod(t, axis).numpy())
        assert close(ring, ring.cumsum(a, axis), ring.cumsum(t, axis).numpy())
    assert close(ring, ring.plus(a, a), ring.plus(t, t).numpy())
    assert close(ring, ring.times(a, a), ring.times(t, t).numpy())


@given(ring_and_arrays())
def test_sum_and_cumsum_agree_with_folding_plus(args):
    ring, a, _ = args
    for row in a:
        folded = np.asarray(ring.zero, dtype=ring.dtype)
        prefix = []
        for value in row:
            folded = ring.plus(folded, value)
            prefix.append(folded)
        assert close(ring, ring.sum(row), folded)
        assert close(ring, ring.cumsum(row), np.asarray(prefix, dtype=ring.dtype).reshape(len(row)))


@pytest.mark.parametrize("ring", BUILTIN_SEMIRINGS, ids=str)
def test_star_is_the_sum_of_powers_where_defined(ring):
    samples = {
        Boolean: [True, False],
        Real: [0.5, -0.3, 0.0],
        Log: [np.log(0.5), np.log(0.9), -np.inf],
        Tropical: [0.0, 1.5],
        MaxPlus: [0.0, -2.0],
        MaxTimes: [0.5, 1.0],
    }[ring]
    for x in samples:
        total, power = ring.zero, ring.one
        for _ in range(4000):
            total = ring.plus(total, power)
            power = ring.times(power, x)
        assert close(ring, ring.star(np.asarray(x, dtype=ring.dtype)), total)
        assert close(ring, ring.star(torch.tensor(x, dtype=torch.bool if ring is Boolean else torch.float64)).numpy(), total)


@pytest.mark.parametrize(
    ("ring", "x"), [(Real, 1.5), (Log, 0.1), (Tropical, -1.0), (MaxPlus, 1.0), (MaxTimes, 2.0)], ids=str
)
def test_star_of_a_divergent_value_is_not_a_member(ring, x):
    assert not ring.is_member(ring.star(np.asarray(x)))


@pytest.mark.parametrize("ring", [r for r in BUILTIN_SEMIRINGS if r.divisible], ids=str)
def test_divide_inverts_times(ring):
    a = np.asarray({Boolean: True, Real: 3.0, Log: -1.0, Tropical: 2.0, MaxPlus: -2.0, MaxTimes: 0.25}[ring])
    b = np.asarray({Boolean: True, Real: -2.0, Log: -0.5, Tropical: 0.5, MaxPlus: -0.5, MaxTimes: 0.5}[ring])
    assert close(ring, ring.times(ring.divide(a, b), b), a)
    with pytest.raises(InvalidWeightError, match="division by"):
        ring.divide(a, ring.zero)


@pytest.mark.parametrize(
    ("ring", "bad"),
    [(Real, np.nan), (Real, np.inf), (Log, np.inf), (Tropical, -np.inf), (MaxPlus, np.inf), (MaxTimes, -0.5), (Boolean, 0.5), (Log, "x")],
    ids=str,
)
def test_check_names_the_bad_value(ring, bad):
    with pytest.raises(InvalidWeightError, match=ring.name):
        ring.check(bad)


def test_semirings_pickle_to_the_same_singleton():
    import pickle

    for ring in BUILTIN_SEMIRINGS:
        assert pickle.loads(pickle.dumps(ring)) is ring
        assert Semiring.by_name(ring.name) is ring
    with pytest.raises(UnsupportedSemiringError, match="unknown semiring 'Nope'"):
        Semiring.by_name("Nope")


def test_a_user_semiring_gets_the_derived_operations():
    ring = Counting()
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(ring.matmul(a, a), a @ a)
    np.testing.assert_allclose(ring.sum(a, 0), a.sum(0))
    np.testing.assert_allclose(ring.cumsum(a, 1), np.cumsum(a, 1))
    np.testing.assert_allclose(ring.prod(a, 1), a.prod(1))
    np.testing.assert_allclose(ring.scatter_sum(np.array([1.0, 2.0, 3.0]), np.array([0, 0, 2]), 3), [3.0, 0.0, 3.0])
    np.testing.assert_allclose(ring.matmul(torch.tensor(a), torch.tensor(a)).numpy(), a @ a)
    with pytest.raises(UnsupportedSemiringError, match="no star"):
        ring.star(0.5)
    with pytest.raises(UnsupportedSemiringError, match="not divisible"):
        ring.divide(1.0, 2.0)
