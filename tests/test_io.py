"""JSON and AT&T text round trips, and the errors malformed input gets."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rational import WFSA, Log, MaxPlus, Real, SymbolTable, Tropical
from rational.errors import FormatError, RationalError, UnknownSymbolError
from rational.io import from_att, to_att, wfsa_from_dict
from rational.testing import strings, wfsas
from rational.wfsa import all_strings


def same_scores(a: WFSA, b: WFSA, max_length: int = 4, tolerance: float = 1e-12):
    ring = a.semiring
    for string in all_strings("ab", max_length):
        assert ring.isclose(a.score(string), b.score(string), tolerance), string


@given(wfsas(max_states=4, epsilons=True))
def test_dict_round_trip_is_exact(machine):
    data = json.loads(json.dumps(machine.to_dict()))
    again = WFSA.from_dict(data)
    assert again.num_states == machine.num_states
    assert again.alphabet == machine.alphabet
    for x, y in zip(machine.arc_arrays, again.arc_arrays):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(again.initial_weights, machine.initial_weights)
    np.testing.assert_array_equal(again.final_weights, machine.final_weights)


@given(wfsas(max_states=4, epsilons=True), strings("ab", max_length=4))
def test_att_round_trip_preserves_every_score(machine, string):
    again = from_att(to_att(machine), machine.semiring, machine.alphabet)
    assert machine.semiring.isclose(machine.score(string), again.score(string), 1e-12)


def test_save_and_load(tmp_path):
    machine = WFSA.from_arcs(Tropical, [(0, "a", 1, np.inf), (1, "b", 0, 2.5)], initial=0, final={1: 0.5}, alphabet="ab")
    path = tmp_path / "m.json"
    machine.save(path)
    same_scores(machine, WFSA.load(path))
    path.write_text("{not json")
    with pytest.raises(FormatError, match="not valid JSON"):
        WFSA.load(path)


def test_att_writes_costs_for_log_and_maxplus_and_a_super_start():
    log = WFSA.from_arcs(Log, [(0, "a", 1, -0.5)], initial={0: -1.0, 1: 0.0}, final=1, alphabet="a")
    text = to_att(log)
    assert text.splitlines()[0] == "2\t0\t<eps>\t1.0"  # new start state, initial weight as a cost
    assert "0\t1\ta\t0.5" in text
    assert from_att(text, Log).score("a") == pytest.approx(log.score("a"))
    maxplus = WFSA.from_arcs(MaxPlus, [(0, "a", 0, -2.0)], initial=0, final=0, alphabet="a")
    assert to_att(maxplus).splitlines()[0] == "0\t0\ta\t2.0"


def test_att_accepts_transducer_lines_when_labels_agree():
    text = "0 1 a a 0.5\n1 1 b b\n1 0.25\n"
    machine = from_att(text, Tropical)
    assert machine.score("ab") == 0.75
    with pytest.raises(FormatError, match="line 1: input label 'a' and output label 'b' differ"):
        from_att("0 1 a b\n", Tropical)


@pytest.mark.parametrize(
    ("text", "message"),
    [("x 1 a\n", "line 1: expected integer state ids"), ("0 1 a zz\n1\n", "not an acceptor"), ("0 1 a 1 2 3\n", "too many fields"), ("0 nan?\n", "weight 'nan\\?' is not a number")],
)
def test_malformed_att_names_the_line(text, message):
    with pytest.raises(FormatError, match=message):
        from_att(text, Tropical)


def test_att_with_a_given_alphabet_rejects_unknown_labels():
    with pytest.raises(UnknownSymbolError, match="label 'c'"):
        from_att("0 1 c\n1\n", Tropical, SymbolTable("ab"))
    table_text = SymbolTable("ab").to_att()
    assert from_att("0 1 b\n1\n", Tropical, table_text).score("b") == 0.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("arcs"), "missing the field 'arcs'"),
        (lambda d: d.update(semiring="Nope"), "unknown semiring 'Nope'"),
        (lambda d: d.update(num_states="2"), "'num_states' has the wrong type"),
        (lambda d: d["arcs"].append([0, "a"]), "not \\[src, label, dst, weight\\]"),
        (lambda d: d["initial"].append([9, 1.0]), "names state 9"),
        (lambda d: d["arcs"].append([0, "a", 1, "heavy"]), "weight 'heavy' is not a number"),
    ],
)
def test_malformed_dicts_name_the_field(change, message):
    data = WFSA.from_arcs(Real, [(0, "a", 1, 0.5)], initial=0, final=1, alphabet="a").to_dict()
    change(data)
    with pytest.raises(RationalError, match=message):
        wfsa_from_dict(data)


def test_symbols_that_json_cannot_hold_are_refused():
    machine = WFSA.from_arcs(Real, [(0, ("x", 1), 0)], initial=0, final=0)
    with pytest.raises(FormatError, match="symbols must be str or int"):
        machine.to_dict()


@given(st.integers(0, 3))
def test_empty_language_writes_the_start_state(k):
    machine = WFSA(Tropical, alphabet="a")
    machine.add_states(k + 1)
    machine.set_initial(0)
    again = from_att(to_att(machine), Tropical)
    assert again.score("") == np.inf
