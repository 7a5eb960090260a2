"""Symbolic analysis: rationality, reasons, saturation and memory of known recurrences."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from rational import MaxPlus, MaxTimes, Real, Tropical
from rational.errors import RecurrenceError
from rational.hierarchy.symbolic import analyze, logstep, saturate, sigmoid
from rational.hierarchy.theory import recurrence

c, c1, c2, h, h1, h2, x, x_prev = sp.symbols("c c1 c2 h h1 h2 x x_prev")
w, u, v, b, wf, wi, wz, bf, bi, bz = sp.symbols("w u v b w_f w_i w_z b_f b_i b_z")


# -- the architectures the hierarchy is about -------------------------------------------------
@pytest.mark.parametrize("units", [1, 2])
@pytest.mark.parametrize(
    ("key", "rational", "semiring", "memory"),
    [
        ("elman", False, None, "finite"),
        ("gru", False, None, "finite"),
        ("lstm", False, None, "counter"),
        ("qrnn", True, Real, "counter"),
        ("qrnn-f", True, Real, "finite"),
        ("sru", True, Real, "finite"),
        ("sru-state-gates", False, None, "finite"),
        ("rational-unigram", True, Real, "finite"),
        ("rational-bigram", True, Real, "finite"),
        ("sopa", True, MaxPlus, "finite"),
        ("sopa-maxtimes", True, MaxTimes, "finite"),
        ("cnn", True, Real, "finite"),
    ],
)
def test_built_in_architectures(key, rational, semiring, memory, units):
    analysis = recurrence(key, units=units, features=units).analyze()
    assert (analysis.rational, analysis.semiring, analysis.memory) == (rational, semiring, memory)
    assert analysis.reason


def test_reasons_name_the_culprit():
    elman = recurrence("elman").analyze()
    assert elman.reason == "tanh applied to the state (h) in the update of h"
    lstm = recurrence("lstm").analyze()
    assert lstm.reason == "sigmoid applied to the state (h) in the update of c: a gate reads the previous state"
    sru = recurrence("sru-state-gates").analyze()
    assert sru.reason.startswith("sigmoid applied to the state (c) in the update of c")
    assert "Real semiring" in recurrence("qrnn").analyze().reason


def test_qrnn_separate_versus_tied_input_gate():
    f, i, z = sigmoid(wf * x + bf), sigmoid(wi * x + bi), sp.tanh(wz * x + v * x_prev + bz)
    separate = analyze({c: f * c + i * z}, inputs=[x, x_prev])
    tied = analyze({c: f * c + (1 - f) * z}, inputs=[x, x_prev])
    assert separate.rational and tied.rational
    assert separate.memory == "counter" and tied.memory == "finite"
    # the counter: both gates open and the candidate at ±1 add ±1 to the kept state
    assert "c changes by" in separate.memory_reason and "Heaviside(b_f + w_f*x) = 1" in separate.memory_reason
    assert separate.saturated[c] == c * sp.Heaviside(bf + wf * x) + sp.Heaviside(bi + wi * x) * sp.sign(
        bz + v * x_prev + wz * x
    )
    assert separate.aperiodic and tied.aperiodic and separate.window is None


def test_sru_input_only_gates_versus_gates_reading_the_state():
    ux = u * x
    input_only = analyze({c: sigmoid(wf * x + bf) * c + (1 - sigmoid(wf * x + bf)) * ux}, [x])
    reading = analyze({c: sigmoid(wf * x + v * c + bf) * c + (1 - sigmoid(wf * x + v * c + bf)) * ux}, [x])
    assert input_only.rational and not reading.rational
    assert "a gate reads the previous state" in reading.reason
    assert input_only.memory == reading.memory == "finite"
    assert input_only.aperiodic and not reading.aperiodic


def test_rational_rnn_unigram_and_bigram():
    f1, f2 = sigmoid(w * x + b), sigmoid(v * x)
    unigram = analyze({c1: f1 * c1 + (1 - f1) * u * x}, [x])
    bigram = analyze({c1: f1 * c1 + (1 - f1) * u * x, c2: f2 * c2 + c1 * (1 - f2) * w * x}, [x])
    assert unigram.rational and bigram.rational and bigram.semiring is Real
    assert unigram.memory == bigram.memory == "finite"
    assert bigram.state_memory == {c1: "finite", c2: "finite"}
    # untying the bigram's input weight from its forget gate makes a counter
    untied = analyze({c1: f1 * c1 + (1 - f1) * u * x, c2: f2 * c2 + sigmoid(u * x) * sp.tanh(x)}, [x])
    assert untied.rational and untied.memory == "counter"


def test_sopa_chain_in_max_plus_depends_on_the_scores():
    m1, s1, m2 = sigmoid(w * x + b), sigmoid(v * x), sigmoid(u * x)
    squashed = analyze({h1: sp.Max(sp.log(m1), h1 + sp.log(s1)), h2: h1 + sp.log(m2)}, [x])
    assert squashed.rational and squashed.semiring is MaxPlus and squashed.memory == "finite"
    assert squashed.saturated[h1] == sp.Max(logstep(b + w * x), h1 + logstep(v * x))
    # linear scores keep adding: the best-span score is a counter
    linear = analyze({h1: sp.Max(w * x + b, h1 + v * x), h2: h1 + u * x}, [x])
    assert linear.rational and linear.semiring is MaxPlus and linear.memory == "counter"
    assert linear.state_memory[h1] == "counter" and linear.aperiodic
    tropical = analyze({h1: sp.Min(w * x, h1 + v * x)}, [x])
    assert tropical.rational and tropical.semiring is Tropical


def test_cnn_has_a_window():
    cnn = recurrence("cnn").analyze()
    assert cnn.window == 3 and cnn.memory == "finite"
    assert recurrence("sopa").analyze().window is None


@pytest.mark.parametrize(
    ("update", "reason"),
    [
        (sp.tanh(w * h + x), "tanh applied to the state (h) in the update of h"),
        (h * c + x, "a product of state values (c*h) in the update of h"),
        (h**2 + x, "a power of the state (h**2) in the update of h"),
        (sp.exp(h), "exp applied to the state (h) in the update of h"),
        (sp.Max(0, w * h + x), "h*w is not ⊕ of states ⊗ weights in the update of h"),
    ],
)
def test_non_rational_updates(update, reason):
    analysis = analyze({h: update, c: c + x}, [x])
    assert not analysis.rational and analysis.semiring is None
    assert analysis.reason == reason


def test_states_in_different_semirings_are_not_rational():
    analysis = analyze({h1: sp.Max(h1, x), h2: h2 * x + h1 * w}, [x])
    assert not analysis.rational
    assert analysis.reason.startswith("the states are affine in different semirings")


def test_memory_classes_beyond_keep_and_count():
    assert analyze({h: 2 * h + x}, [x]).memory == "unknown"  # the state is scaled
    relu = analyze({h: sp.Max(0, w * h + x)}, [x])
    assert relu.memory == "unknown"
    swap = analyze({h1: h2, h2: h1}, [x])
    assert swap.memory == "finite" and not swap.aperiodic  # values only move between states
    assert analyze({h1: h2 + x, h2: h1}, [x]).memory == "unknown"
    flip = analyze({h: -h}, [x])
    assert flip.rational and not flip.aperiodic


def test_functions_named_sigmoid_and_tanh_are_recognized():
    sig, tanh = sp.Function("sigmoid"), sp.Function("tanh")
    f = sig(w * x)
    analysis = analyze({c: f * c + sig(v * x) * tanh(u * x)}, [x])
    assert analysis.rational and analysis.memory == "counter"
    assert analysis.saturated[c] == c * sp.Heaviside(w * x) + sp.Heaviside(v * x) * sp.sign(u * x)
    assert analyze({h: tanh(h)}, [x]).reason == "tanh applied to the state (h) in the update of h"


def test_saturate_and_sigmoid():
    assert saturate(sigmoid(-x)) == 1 - sp.Heaviside(x)
    assert saturate(sp.log(sigmoid(x))) == logstep(x)
    assert saturate(sp.tanh(sigmoid(x) * h)) == sp.sign(h * sp.Heaviside(x))
    assert sigmoid(0) == sp.S.Half
    assert sp.simplify(sigmoid(x).rewrite(sp.exp) - 1 / (1 + sp.exp(-x))) == 0
    assert float(sigmoid(2.0).rewrite(sp.exp)) == pytest.approx(0.8807970779778823)
    assert sigmoid(x).diff(x) == sigmoid(x) * (1 - sigmoid(x))


def test_bad_input_is_a_clear_error():
    with pytest.raises(RecurrenceError, match="a state must be a sympy Symbol, got 'h'"):
        analyze({"h": x}, [x])
    with pytest.raises(RecurrenceError, match="non-empty dict"):
        analyze({}, [x])
    with pytest.raises(RecurrenceError, match="the update of h must be a sympy expression"):
        analyze({h: "tanh(h)"}, [x])
    with pytest.raises(RecurrenceError, match="h is both a state and an input"):
        analyze({h: x}, [h])
    with pytest.raises(RecurrenceError, match="an input must be a sympy Symbol"):
        analyze({h: x}, ["x"])
    assert analyze({h: x * h}, x).rational  # one input symbol need not be in a list


# -- the affine test against differentiation ---------------------------------------------------
STATES = (h1, h2)
LEAVES = st.sampled_from([h1, h2, x, w, sp.Integer(2), sp.Integer(-1)])


def expressions():
    return st.recursive(
        LEAVES,
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda ab: ab[0] + ab[1]),
            st.tuples(inner, inner).map(lambda ab: ab[0] * ab[1]),
            inner.map(sp.tanh),
            inner.map(sigmoid),
        ),
        max_leaves=6,
    )


@given(expressions(), expressions())
def test_rational_means_affine_by_derivatives(first, second):
    updates = {h1: first, h2: second}
    affine = all(
        not (sp.diff(expr, state).free_symbols & set(STATES)) for expr in updates.values() for state in STATES
    )
    assert analyze(updates, [x]).rational == affine
