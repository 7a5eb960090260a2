"""Group-lasso groups, penalty, gradient and proximal step against direct computations."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rational import MaxPlus, Real
from rational.errors import ConfigError
from rational.nn import Template, compile
from rational.train.sparsity import (
    GroupLasso,
    chain_blocks,
    count_states,
    group_norms,
    group_scale,
    live_lengths,
    penalty_value,
    proximal_step,
)
from rational.train.sparsity.search import search_lambda


def _module(length, loops, copies, size, seed, semiring=Real):
    torch.manual_seed(seed)
    template = Template.chain(length, self_loops=loops)
    return compile(template, semiring, parameterization="projected", input_size=size, copies=copies,
                   dtype=torch.float64)


def _direct_groups(module):
    """group[c][j-1] = every weight and bias of the token arcs entering state j (j = 1..L)."""
    template = module.template
    groups = []
    for c in range(module.copies):
        row = []
        for j in range(1, template.chain_length + 1):
            entering = [k for k, (p, q) in enumerate(template.arcs) if q == j]
            row.append(torch.cat([torch.cat([module.weight[c, k], module.bias[c, k : k + 1]]) for k in entering]))
        groups.append(row)
    return groups


LOOPS = st.sampled_from([True, False, "all"])


def _loops(kind, length):
    return range(1, length + 1) if kind == "all" else kind


@settings(max_examples=25)
@given(length=st.integers(1, 4), kind=LOOPS, copies=st.integers(1, 3), size=st.integers(1, 5), seed=st.integers(0, 99))
def test_penalty_and_gradient_equal_a_direct_computation(length, kind, copies, size, seed):
    module = _module(length, _loops(kind, length), copies, size, seed)
    strength = 0.37
    penalty = GroupLasso(strength)(module)
    (grad_weight, grad_bias) = torch.autograd.grad(penalty, [module.weight, module.bias])
    groups = _direct_groups(module)
    direct = strength * sum(torch.linalg.vector_norm(g) for row in groups for g in row)
    expected_weight, expected_bias = torch.autograd.grad(direct, [module.weight, module.bias])
    torch.testing.assert_close(penalty, direct)
    torch.testing.assert_close(grad_weight, expected_weight)
    torch.testing.assert_close(grad_bias, expected_bias)
    # analytic: d‖g‖/dg = g/‖g‖ on every entry of a group
    norms = group_norms(module)[0]
    for c, row in enumerate(groups):
        for j, g in enumerate(row):
            torch.testing.assert_close(norms[c, j], torch.linalg.vector_norm(g))


def test_gradient_at_a_zero_group_is_zero_not_nan():
    module = _module(3, range(1, 4), 2, 4, 0)
    with torch.no_grad():
        module.weight[0, 1].zero_()
        module.bias[0, 1] = 0
        module.weight[0, 4].zero_()
        module.bias[0, 4] = 0
    penalty_value(module).backward()
    assert torch.isfinite(module.weight.grad).all() and torch.isfinite(module.bias.grad).all()
    assert module.weight.grad[0, 1].abs().sum() == 0 and module.weight.grad[0, 4].abs().sum() == 0


@settings(max_examples=40)
@given(
    norms=st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=8),
    threshold=st.floats(0, 5, allow_nan=False),
)
def test_group_scale_zeroes_exactly_at_and_below_the_threshold(norms, threshold):
    values = torch.tensor(norms, dtype=torch.float64)
    scale = group_scale(values, threshold)
    for norm, factor in zip(norms, scale.tolist()):
        if norm <= threshold:
            assert factor == 0.0
        else:
            assert factor == pytest.approx(1 - threshold / norm) and factor > 0


@settings(max_examples=25)
@given(length=st.integers(1, 4), kind=LOOPS, copies=st.integers(1, 3), seed=st.integers(0, 99),
       quantile=st.floats(0.05, 0.95))
def test_proximal_step_is_group_soft_thresholding(length, kind, copies, seed, quantile):
    module = _module(length, _loops(kind, length), copies, 3, seed)
    before = [[g.detach().clone() for g in row] for row in _direct_groups(module)]
    before_norms = torch.stack([torch.stack([torch.linalg.vector_norm(g) for g in row]) for row in before])
    # a fraction of the largest norm: never tied with a norm (a quantile of the norms can equal one
    # exactly, and at a tie the last bit of the two norm computations decides)
    threshold = quantile * float(before_norms.max())
    zeros = proximal_step(module, threshold)
    after = _direct_groups(module)
    assert zeros == int((before_norms <= threshold).sum())
    for c in range(copies):
        for j in range(length):
            norm = float(before_norms[c, j])
            if norm <= threshold:
                assert torch.count_nonzero(after[c][j]) == 0
            else:
                torch.testing.assert_close(after[c][j], before[c][j] * (1 - threshold / norm))


def test_proximal_step_leaves_ungrouped_parameters_and_handles_zero_groups():
    module = _module(2, [0, 1, 2], 2, 3, 1)  # a loop on state 0 is in no group
    loop_zero = module.weight[:, 2].clone()
    with torch.no_grad():
        module.weight[1, :2].zero_()
        module.bias[1, :2] = 0
        module.weight[1, 3:].zero_()
        module.bias[1, 3:] = 0
    proximal_step(module, 0.05)
    assert torch.isfinite(module.weight).all()
    torch.testing.assert_close(module.weight[:, 2], loop_zero)
    assert torch.count_nonzero(module.weight[1, :2]) == 0


def test_live_lengths_cut_after_the_last_live_state_of_the_prefix():
    norms = [torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.05]])]
    assert live_lengths(norms, 0.1)[0].tolist() == [3, 1, 0, 2]


def test_count_states_and_blocks_of_a_sopa_style_chain():
    module = _module(4, True, 5, 3, 0, MaxPlus)
    (block,) = chain_blocks(module)
    assert (block.copies, block.length) == (5, 4)
    assert count_states(module) == 20 and count_states(module, threshold=0.0) == 20
    assert count_states(module, threshold=1e6) == 0


def test_models_without_groups_and_lexical_modules_are_refused():
    from rational.models import LSTM

    with pytest.raises(ConfigError, match="no chain automata"):
        penalty_value(LSTM(3, 4))
    lexical = compile(Template.chain(2), Real, input_size=4)
    with pytest.raises(ConfigError, match="lexical"):
        penalty_value(lexical)
    with pytest.raises(ConfigError, match=">= 0"):
        GroupLasso(-1.0)
    with pytest.raises(ConfigError, match="finite"):
        GroupLasso(math.inf)


# -- the search for λ ------------------------------------------------------------------


def test_search_reaches_the_target_of_a_monotone_count():
    calls = []

    def fake_training(strength):
        calls.append(strength)
        return max(0, round(100 - 30 * math.log10(strength / 1e-4)))

    result = search_lambda(40, fake_training, initial=1e-4, tolerance=2)
    assert result.converged and abs(result.states - 40) <= 2
    assert calls == [t.strength for t in result.trials]
    growing = [t for t in result.trials if t.states > 42]  # λ doubles while too many states are left
    assert [b.strength / a.strength for a, b in zip(growing, growing[1:])] == [2.0] * (len(growing) - 1)


def test_search_shrinks_its_rate_when_it_overshoots():
    # a step function: λ <= 1 keeps 30 states, λ > 1 keeps 0; 15 is never reachable
    result = search_lambda(15, lambda s: 30 if s <= 1 else 0, initial=0.3, tolerance=1, max_trials=10)
    assert not result.converged and len(result.trials) == 10
    steps = [b.strength / a.strength for a, b in zip(result.trials, result.trials[1:])]
    magnitudes = [max(step, 1 / step) for step in steps]
    assert magnitudes[0] == 2.0 and magnitudes[-1] < 1.05
    assert all(b <= a for a, b in zip(magnitudes, magnitudes[1:]))
    assert result.states == 30  # the closest (ties: the larger model)


def test_search_stops_at_its_bounds_and_checks_its_settings():
    result = search_lambda(5, lambda s: 100, initial=1.0, bounds=(1e-3, 10.0))
    assert not result.converged and "leave" in result.reason and len(result.trials) == 4
    with pytest.raises(ConfigError, match="rate"):
        search_lambda(5, lambda s: 5, rate=1.0)
    with pytest.raises(ConfigError, match="initial"):
        search_lambda(5, lambda s: 5, initial=0.0)
    with pytest.raises(ConfigError, match="target_states"):
        search_lambda(-1, lambda s: 5)
    with pytest.raises(ConfigError, match="count"):
        search_lambda(5, lambda s: "five")
