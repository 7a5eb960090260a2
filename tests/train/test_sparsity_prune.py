"""Pruning: the pruned model computes what the original computes with the dropped groups zeroed."""

from __future__ import annotations

import copy

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rational import Real
from rational.errors import ConfigError
from rational.models import LSTM, LanguageModel, RationalRNN, SoPa, TextClassifier
from rational.nn import Template, compile
from rational.train.sparsity import (
    count_parameters,
    count_states,
    group_norms,
    prune,
    pruned_lengths,
    zero_dropped_groups,
)


def _inputs(vocab, batch=5, time=9, seed=0):
    generator = torch.Generator().manual_seed(seed)
    tokens = torch.randint(1, vocab, (batch, time), generator=generator)
    lengths = torch.randint(0, time + 1, (batch,), generator=generator)
    lengths[0] = time
    tokens[torch.arange(time)[None, :] >= lengths[:, None]] = 0
    return tokens, tokens != 0


def _classifier(n, hidden, *, gate=True, pooling="last", mlp=None, output="sum", seed=0):
    torch.manual_seed(seed)
    encoder = RationalRNN(6, n=n, hidden_size=hidden, output_gate=gate, pooling=pooling, output=output)
    return TextClassifier(encoder, num_classes=3, vocab_size=17, mlp_hidden=mlp).double().eval()


def _zeroed(model, lengths):
    zeroed = copy.deepcopy(model)
    zero_dropped_groups(zeroed, lengths)
    return zeroed


@settings(max_examples=20)
@given(
    n=st.integers(1, 4),
    data=st.data(),
    gate=st.booleans(),
    pooling=st.sampled_from(["last", "max", "mean"]),
    mlp=st.sampled_from([None, 5]),
    seed=st.integers(0, 50),
)
def test_pruned_classifier_equals_the_zeroed_original(n, data, gate, pooling, mlp, seed):
    hidden = data.draw(st.integers(1, 6))
    keep = data.draw(st.lists(st.integers(0, n), min_size=hidden, max_size=hidden).filter(any))
    model = _classifier(n, hidden, gate=gate, pooling=pooling, mlp=mlp, seed=seed)
    lengths = [torch.tensor(keep)]
    zeroed = _zeroed(model, lengths)
    assert [t.tolist() for t in pruned_lengths(zeroed, 0.0)] == [keep]
    result = prune(zeroed, 0.0)
    pruned = result.model.eval()
    tokens, mask = _inputs(17, seed=seed)
    torch.testing.assert_close(pruned(tokens, mask), zeroed(tokens, mask), rtol=1e-12, atol=1e-12)
    assert result.states_after == sum(keep) == count_states(pruned)
    assert result.automata_after == sum(1 for k in keep if k) == pruned.encoder.output_size
    assert result.parameters_after == count_parameters(pruned) <= result.parameters_before
    assert (result.parameters_after < result.parameters_before) == (sum(keep) < n * hidden)
    assert sorted(result.features) == [u for u, k in enumerate(keep) if k]


def test_pruned_encoder_keeps_the_surviving_features_in_order():
    torch.manual_seed(3)
    encoder = RationalRNN(4, n=3, hidden_size=5).double().eval()
    lengths = [torch.tensor([1, 3, 0, 3, 2])]
    zero_dropped_groups(encoder, lengths)
    result = prune(encoder, 0.0)
    assert result.features == [1, 3, 4, 0]  # longest chains first, then in the original order
    assert result.encoder_options["n"] == {"3": 2, "2": 1, "1": 1}
    x = torch.randn(3, 7, 4, dtype=torch.float64)
    mask = torch.ones(3, 7, dtype=torch.bool)
    mask[1, 4:] = False
    before, after = encoder(x, mask), result.model(x, mask)
    torch.testing.assert_close(after.sequence, before.sequence[..., result.features])
    torch.testing.assert_close(after.pooled, before.pooled[..., result.features])
    assert before.sequence[..., 2].abs().max() == 0  # the dropped unit outputs exactly zero


def test_pruned_language_model_equals_the_zeroed_original_and_carries_state():
    torch.manual_seed(1)
    model = LanguageModel(RationalRNN(5, n=3, hidden_size=4), vocab_size=13).double().eval()
    lengths = [torch.tensor([2, 0, 3, 1])]
    zeroed = _zeroed(model, lengths)
    pruned = prune(zeroed, 0.0).model.eval()
    tokens = torch.randint(1, 13, (2, 12))
    mask = torch.ones_like(tokens, dtype=torch.bool)
    whole = zeroed(tokens, mask).logits
    first = pruned(tokens[:, :5], mask[:, :5])
    second = pruned(tokens[:, 5:], mask[:, 5:], first.state)
    torch.testing.assert_close(torch.cat([first.logits, second.logits], 1), whole, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("semiring, output", [("Real", "sum"), ("Real", "last"), ("MaxPlus", "sum"), ("MaxPlus", "last")])
def test_mixed_orders_compute_what_separate_single_order_models_compute(semiring, output):
    torch.manual_seed(2)
    options = {"semiring": semiring, "output": output}
    mixed = RationalRNN(4, n={3: 2, 1: 3, 2: 1}, hidden_size=6, **options).double().eval()
    parts = [RationalRNN(4, n=n, hidden_size=h, **options).double().eval() for n, h in ((3, 2), (1, 3), (2, 1))]
    for part, cell in zip(parts, mixed.forward_cells[0].cells):
        part.forward_cells[0].load_state_dict(cell.state_dict())
    x = torch.randn(2, 6, 4, dtype=torch.float64)
    mask = torch.tensor([[True] * 6, [True] * 3 + [False] * 3])
    expected = torch.cat([part(x, mask).sequence for part in parts], -1)
    torch.testing.assert_close(mixed(x, mask).sequence, expected)
    # a stream read in two chunks gives what it gives read at once
    full = torch.ones(2, 6, dtype=torch.bool)
    first = mixed(x[:, :2], full[:, :2])
    second = mixed(x[:, 2:], full[:, 2:], first.state)
    torch.testing.assert_close(torch.cat([first.sequence, second.sequence], 1), mixed(x, full).sequence)
    with pytest.raises(ConfigError, match="hidden_size equal to their total"):
        RationalRNN(4, n={3: 2, 1: 3}, hidden_size=4)


def test_mixed_orders_train_like_their_parts():
    torch.manual_seed(6)
    mixed = RationalRNN(3, n={2: 2, 1: 1}, hidden_size=3).double()
    x = torch.randn(2, 5, 3, dtype=torch.float64, requires_grad=True)
    mask = torch.ones(2, 5, dtype=torch.bool)
    assert torch.autograd.gradcheck(lambda inputs: mixed(inputs, mask).pooled, (x,))


def test_last_state_output_keeps_units_whole_or_drops_them():
    model = _classifier(3, 4, output="last", seed=4)
    zeroed = _zeroed(model, [torch.tensor([3, 1, 0, 2])])
    assert pruned_lengths(zeroed, 0.0)[0].tolist() == [3, 0, 0, 0]
    result = prune(zeroed, 0.0)
    tokens, mask = _inputs(17)
    torch.testing.assert_close(result.model(tokens, mask), zeroed(tokens, mask), rtol=1e-12, atol=1e-12)
    assert result.states_after == 3


def test_pruning_leaves_the_original_alone_and_shares_nothing():
    model = _classifier(2, 3, seed=5)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    pruned = prune(model, float(group_norms(model)[0].detach().median())).model
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, state[key])
    with torch.no_grad():
        for parameter in pruned.parameters():
            parameter.add_(1.0)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, state[key])


def test_pruning_everything_is_a_clear_error():
    model = _classifier(2, 3)
    largest = float(max(n.detach().max() for n in group_norms(model)))
    with pytest.raises(ConfigError, match=r"removes every state \(the largest group norm is"):
        prune(model, largest)
    with pytest.raises(ConfigError, match="threshold must be a number >= 0"):
        prune(model, -1.0)


def test_models_pruning_cannot_handle_are_refused_with_the_reason():
    with pytest.raises(ConfigError, match="cannot prune a"):
        prune(TextClassifier(LSTM(4, hidden_size=3), num_classes=2, vocab_size=9), 0.1)
    with pytest.raises(ConfigError, match="SoPa cannot be pruned exactly"):
        prune(TextClassifier(SoPa(4, pattern_lengths="3:2"), num_classes=2, vocab_size=9), 0.0)
    with pytest.raises(ConfigError, match="MaxPlus"):
        prune(RationalRNN(4, n=2, hidden_size=2, semiring="MaxPlus"), 0.0)
    with pytest.raises(ConfigError, match="one-layer"):
        prune(RationalRNN(4, n=2, hidden_size=2, layers=2), 0.0)
    bank = compile(Template.chain(2), Real, parameterization="projected", input_size=3, copies=2)
    with pytest.raises(ConfigError, match="final states only"):
        prune(bank, 0.0)
    tied = LanguageModel(RationalRNN(4, n=2, hidden_size=4), vocab_size=9, tie_embeddings=True)
    with pytest.raises(ConfigError, match="ties its output layer"):
        prune(tied, 0.0)
    adaptive = LanguageModel(RationalRNN(4, n=2, hidden_size=4), vocab_size=30, softmax="adaptive")
    with pytest.raises(ConfigError, match="cannot shrink a head of type AdaptiveLogSoftmaxWithLoss"):
        prune(adaptive, 0.0)


def test_sopa_and_stacked_models_still_have_groups():
    sopa = SoPa(4, pattern_lengths={3: 2, 2: 5})
    assert count_states(sopa) == 3 * 2 + 2 * 5
    stacked = RationalRNN(4, n=2, hidden_size=3, layers=2, bidirectional=True)
    assert [tuple(n.shape) for n in group_norms(stacked)] == [(3, 2)] * 4
