"""The WFSA type: building, validation, scoring against brute force, batches, distances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rational
from rational import WFSA, Boolean, Log, MaxPlus, MaxTimes, Real, SymbolTable, Tropical
from rational._batch_score import ENGINES, score_batch
from rational.algorithms.shortest_distance import matrix_star, shortest_distance_reference
from rational.errors import (
    DivergenceError,
    InvalidWeightError,
    SemiringMismatchError,
    UnknownStateError,
    UnknownSymbolError,
    UnsupportedSemiringError,
)
from rational.semirings import BUILTIN_SEMIRINGS
from rational.testing import semirings, strings, wfsas


def brute_force_score(machine: WFSA, string, max_arcs: int):
    ring = machine.semiring
    total = ring.zero
    target = tuple(machine.alphabet.tokens(string))
    for path in machine.paths(max_arcs):
        if path.labels == target:
            total = ring.plus(total, path.weight)
    return total


def assert_close(ring, a, b, tolerance=1e-9):
    assert np.all(ring.isclose(a, b, tolerance)), (a, b)


# -- scoring -----------------------------------------------------------------------------


@given(st.data())
def test_score_equals_the_sum_over_enumerated_paths_without_epsilons(data):
    machine = data.draw(wfsas(max_states=4))
    string = data.draw(strings("ab", max_length=4))
    assert_close(machine.semiring, machine.score(string), brute_force_score(machine, string, len(string)))


@given(st.data())
def test_score_equals_the_sum_over_enumerated_paths_with_acyclic_epsilons(data):
    machine = data.draw(wfsas(max_states=5, acyclic=True, epsilons=True))
    string = data.draw(strings("ab", max_length=3))
    assert_close(machine.semiring, machine.score(string), brute_force_score(machine, string, machine.num_states))


@pytest.mark.parametrize("engine", ENGINES)
@given(data=st.data())
def test_score_batch_equals_score(engine, data):
    machine = data.draw(wfsas(max_states=4, epsilons=data.draw(st.booleans())))
    batch = data.draw(st.lists(strings("ab", max_length=6), min_size=1, max_size=8))
    expected = np.asarray([machine.score(s) for s in batch], dtype=machine.semiring.dtype)
    assert_close(machine.semiring, score_batch(machine, batch, engine=engine), expected, 1e-9)


@pytest.mark.parametrize("ring", [Log, Tropical, MaxPlus], ids=str)
def test_compiled_and_torch_scores_agree_on_long_strings_with_large_weights(ring):
    # rescaling in Log, shifted final weights and strings that lose every path midway
    rng = np.random.default_rng(7)
    arcs = [(int(rng.integers(6)), "abc"[int(rng.integers(3))], int(rng.integers(6)), float(rng.uniform(-40, 5)))
            for _ in range(30)]
    machine = WFSA.from_arcs(ring, arcs, initial={0: 3.0, 1: -2.0}, final={2: 800.0, 4: -1.0}, alphabet="abc")
    batch = ["".join(rng.choice(list("abc"), size=n)) for n in rng.integers(0, 200, size=60)]
    compiled = score_batch(machine, batch, engine="compiled")
    assert_close(ring, compiled, score_batch(machine, batch, engine="torch"), 1e-9)
    assert_close(ring, compiled[:10], np.array([machine.score(s) for s in batch[:10]]), 1e-9)


def test_score_batch_engine_is_checked():
    machine = WFSA.from_arcs(Log, [(0, "a", 0, -1.0)], initial=0, final=0, alphabet="a")
    with pytest.raises(ValueError, match="unknown engine 'fast'"):
        score_batch(machine, ["a"], engine="fast")


def test_score_batch_of_nothing_is_empty():
    machine = WFSA.from_arcs(Log, [(0, "a", 0, -1.0)], initial=0, final=0, alphabet="a")
    assert machine.score_batch([]).shape == (0,)


def test_words_when_the_symbols_are_not_characters():
    machine = WFSA.from_arcs(MaxPlus, [(0, "not", 1, -1.0), (1, "good", 2, -0.5)], initial=0, final=2)
    assert machine.score("not good") == -1.5
    assert machine.score(["not", "good"]) == -1.5
    assert machine.alphabet.symbols == ("not", "good")


def test_real_score_with_an_epsilon_cycle_uses_the_closure():
    # 0 -ε/0.5-> 0 gives every string an extra factor 1 / (1 - 0.5) = 2
    machine = WFSA.from_arcs(Real, [(0, None, 0, 0.5), (0, "a", 1, 1.0)], initial=0, final=1, alphabet="a")
    assert machine.score("a") == pytest.approx(2.0)


def test_divergent_epsilon_cycles_raise():
    machine = WFSA.from_arcs(Real, [(0, None, 0, 1.5), (0, "a", 1, 1.0)], initial=0, final=1, alphabet="a")
    with pytest.raises(DivergenceError, match="spectral radius 1.5"):
        machine.score("a")
    tropical = WFSA.from_arcs(Tropical, [(0, None, 1, -1.0), (1, None, 0, 0.5)], initial=0, final=1, alphabet="a")
    with pytest.raises(DivergenceError, match="Tropical"):
        tropical.score("")


# -- the matrix view ----------------------------------------------------------------------


@given(wfsas(max_states=4, epsilons=True))
def test_transition_tensor_sums_parallel_arcs(machine):
    ring = machine.semiring
    tensor = machine.transition_tensor()
    expected = ring.zeros(tensor.shape)
    for arc in machine.arcs():
        if arc.label is not None:
            a = machine.alphabet.index(arc.label)
            expected[a, arc.src, arc.dst] = ring.plus(expected[a, arc.src, arc.dst], arc.weight)
    assert_close(ring, tensor, expected)


@given(wfsas(max_states=4), strings("ab", max_length=5))
def test_forward_weights_are_the_matrix_product(machine, string):
    ring = machine.semiring
    tensor = machine.transition_tensor()
    alpha = machine.initial_weights[None, :]
    for symbol in string:
        alpha = ring.matmul(alpha, tensor[machine.alphabet.index(symbol)])
    assert_close(ring, machine.forward_weights(string), alpha[0])


# -- shortest distance ---------------------------------------------------------------------


@given(wfsas(max_states=5, epsilons=True), st.booleans())
def test_shortest_distance_agrees_with_the_generic_relaxation(machine, reverse):
    ring = machine.semiring
    fast = machine.shortest_distance(reverse=reverse)
    slow = shortest_distance_reference(machine, reverse=reverse, max_iterations=100_000)
    assert_close(ring, fast, slow, 1e-7)


@given(wfsas(max_states=5, epsilons=True))
def test_shortest_distance_is_the_closure_of_the_summed_matrix(machine):
    ring = machine.semiring
    n = machine.num_states
    src, _, dst, weight = machine.arc_arrays
    matrix = ring.scatter_sum(weight, src * n + dst, n * n).reshape(n, n)
    expected = ring.matmul(machine.initial_weights[None, :], matrix_star(ring, matrix))[0]
    assert_close(ring, machine.shortest_distance(), expected, 1e-7)


def test_shortest_distance_reports_divergence():
    real = WFSA.from_arcs(Real, [(0, "a", 0, 0.7), (0, "b", 0, 0.4)], initial=0, final=0, alphabet="ab")
    with pytest.raises(DivergenceError, match="spectral radius 1.1"):
        real.shortest_distance()
    log = WFSA.from_arcs(Log, [(0, "a", 0, 0.1)], initial=0, final=0, alphabet="a")
    with pytest.raises(DivergenceError):
        log.shortest_distance()
    maxplus = WFSA.from_arcs(MaxPlus, [(0, "a", 1, 1.0), (1, "a", 0, 0.0)], initial=0, final=0, alphabet="a")
    with pytest.raises(DivergenceError, match="positive"):
        maxplus.shortest_distance()


def test_log_distances_with_huge_weights_iterate_in_log_space():
    machine = WFSA.from_arcs(Log, [(0, "a", 1, -2000.0), (1, "a", 1, np.log(0.5))], initial=0, final=1, alphabet="a")
    np.testing.assert_allclose(machine.shortest_distance(), [0.0, -2000.0 + np.log(2.0)])


def test_a_user_semiring_gets_distances_through_the_closure():
    from tests.test_semirings import Counting

    ring = Counting()
    machine = WFSA.from_arcs(ring, [(0, "a", 1, 2.0), (1, "a", 2, 3.0), (0, "a", 2, 1.0)], initial=0, final=2, alphabet="a")
    np.testing.assert_allclose(machine.shortest_distance(), [1.0, 2.0, 7.0])
    assert machine.score("aa") == 6.0
    assert machine.score_batch(["a", "aa"]).tolist() == [1.0, 6.0]


# -- enumeration and sampling ----------------------------------------------------------------


def test_sampling_follows_the_weights():
    # strings a^k with weight 0.5^(k+1): P(k) = 0.5^(k+1)
    machine = WFSA.from_arcs(Real, [(0, "a", 0, 0.5)], initial=0, final={0: 0.5}, alphabet="a")
    lengths = np.array([len(s) for s in machine.sample(4000, seed=1)])
    assert abs(np.mean(lengths == 0) - 0.5) < 0.03
    assert abs(np.mean(lengths == 1) - 0.25) < 0.03
    unnormalized = WFSA.from_arcs(Log, [(0, "a", 1, 5.0), (0, "b", 1, 5.0 + np.log(3.0))], initial=0, final=1, alphabet="ab")
    draws = unnormalized.sample(4000, seed=2)
    assert abs(np.mean([s == ["b"] for s in draws]) - 0.75) < 0.03


def test_sampling_needs_a_probability_semiring():
    machine = WFSA.from_arcs(Tropical, [(0, "a", 0, 1.0)], initial=0, final=0, alphabet="a")
    with pytest.raises(UnsupportedSemiringError, match="Real or Log"):
        machine.sample(1)


def test_paths_enumerates_in_order_of_length():
    machine = WFSA.from_arcs(Boolean, [(0, "a", 0), (0, "b", 1)], initial=0, final=1, alphabet="ab")
    assert [p.labels for p in machine.paths(2)] == [("b",), ("a", "b")]


# -- building and validation -----------------------------------------------------------------


def test_builder_and_one_call_construction_agree():
    built = WFSA(Log, alphabet="ab")
    q0 = built.add_state(initial=0.0)
    q1 = built.add_state(final=-1.0)
    built.add_arc(q0, "a", q1, -0.5)
    built.add_arc(q1, "b", q1, -0.25)
    one_call = WFSA.from_arcs(Log, [(0, "a", 1, -0.5), (1, "b", 1, -0.25)], initial=0, final={1: -1.0}, alphabet="ab")
    for s in ["", "a", "ab", "abb", "b"]:
        assert built.score(s) == one_call.score(s)
    assert built.arcs(1) == [rational.Arc(1, "b", 1, -0.25)]
    assert repr(built) == "<WFSA over Log: 2 states, 2 arcs, 2 symbols>"


def test_an_open_alphabet_grows_and_a_given_one_does_not():
    open_machine = WFSA(Real)
    open_machine.add_states(2)
    open_machine.add_arc(0, "x", 1)
    assert list(open_machine.alphabet) == ["x"]
    closed = WFSA(Real, alphabet="ab")
    closed.add_states(2)
    with pytest.raises(UnknownSymbolError, match="label 'x' is not in the alphabet \\['a', 'b'\\]"):
        closed.add_arc(0, "x", 1)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m: m.add_arc(0, "a", 7), UnknownStateError, "unknown state 7: this WFSA has 2 states"),
        (lambda m: m.add_arc(-1, "a", 0), UnknownStateError, "unknown state -1"),
        (lambda m: m.add_arc("0", "a", 0), UnknownStateError, "state '0' is not an integer"),
        (lambda m: m.set_final(2), UnknownStateError, "unknown state 2"),
        (lambda m: m.add_arc(0, "a", 1, -0.5), InvalidWeightError, "-0.5 is not a value of the MaxTimes semiring"),
        (lambda m: m.add_arc(0, "a", 1, float("nan")), InvalidWeightError, "nan"),
        (lambda m: m.set_initial(0, float("inf")), InvalidWeightError, "inf is not a value of the MaxTimes"),
        (lambda m: m.score("abz"), UnknownSymbolError, "label 'z' is not in the alphabet"),
        (lambda m: m.arcs(5), UnknownStateError, "unknown state 5"),
    ],
)
def test_bad_input_is_named_in_the_error(call, error, message):
    machine = WFSA(MaxTimes, alphabet="ab")
    machine.add_states(2)
    with pytest.raises(error, match=message):
        call(machine)


def test_semiring_mismatch_and_bad_semiring():
    a = WFSA(Real, alphabet="a")
    b = WFSA(Log, alphabet="a")
    with pytest.raises(SemiringMismatchError, match="cannot combine a Real WFSA with a Log WFSA"):
        a.check_same_semiring(b)
    with pytest.raises(TypeError, match="semiring must be a Semiring object"):
        WFSA("Real")


def test_symbol_table():
    table = SymbolTable(["x", "y"])
    assert table.add("y") == 1 and table.add("z") == 2
    assert table.decode([2, 0]) == ["z", "x"]
    assert "z" in table and "w" not in table
    with pytest.raises(UnknownSymbolError, match="symbol id 5 is out of range"):
        table.symbol(5)
    with pytest.raises(UnknownSymbolError, match="None is epsilon"):
        table.add(None)
    assert SymbolTable.from_att(table.to_att()) == table


def test_copy_is_independent():
    machine = WFSA.from_arcs(Real, [(0, "a", 0, 0.5)], initial=0, final=0, alphabet="a")
    twin = machine.copy()
    twin.add_arc(0, "a", 0, 0.25)
    assert machine.num_arcs == 1 and twin.num_arcs == 2


@pytest.mark.parametrize("ring", BUILTIN_SEMIRINGS, ids=str)
def test_every_semiring_scores_the_empty_machine_as_zero(ring):
    machine = WFSA(ring, alphabet="ab")
    assert machine.score("ab") == ring.zero
    assert machine.shortest_distance().shape == (0,)


@given(semirings(), st.integers(1, 3))
def test_all_strings_score_through_a_universal_machine(ring, n):
    machine = WFSA.from_arcs(ring, [(0, s, 0) for s in "ab"], initial=0, final=0, alphabet="ab")
    for string in itertools.product("ab", repeat=n):
        assert machine.score(string) == ring.one


@pytest.mark.parametrize("ring", [Real, Log], ids=str)
@pytest.mark.parametrize("arcs_per_symbol", [3, 16], ids=["sparse", "dense"])
def test_score_batch_gathers_sparse_and_multiplies_dense_machines_alike(ring, arcs_per_symbol):
    # 4 states: 3 arcs per symbol take the arc-gathering path, 16 the dense products
    rng = np.random.default_rng(arcs_per_symbol)
    arcs = []
    for symbol in "ab":
        cells = rng.choice(16, size=arcs_per_symbol, replace=False)
        for cell in cells:
            weight = rng.uniform(0.05, 0.25)
            arcs.append((int(cell // 4), symbol, int(cell % 4), weight if ring is Real else float(np.log(weight))))
    machine = WFSA.from_arcs(ring, arcs, initial={0: ring.one, 2: ring.one}, final=[1, 3], alphabet="ab")
    batch = ["".join(rng.choice(list("ab"), size=n)) for n in rng.integers(0, 30, size=40)]
    expected = np.array([machine.score(s) for s in batch])
    assert_close(ring, machine.score_batch(batch), expected, 1e-10)
    assert_close(ring, score_batch(machine, batch, engine="torch"), expected, 1e-10)


def test_encode_batch_equals_encode_and_names_unknown_symbols():
    words = SymbolTable(["the", "cat", "sat"])
    batch = ["the cat", ["sat"], "", "cat sat the"]
    ids, offsets = words.encode_batch(batch)
    assert [ids[offsets[i] : offsets[i + 1]].tolist() for i in range(len(batch))] == [words.encode(s) for s in batch]
    with pytest.raises(UnknownSymbolError, match="'dog'"):
        words.encode_batch(["the cat", "the dog"])
