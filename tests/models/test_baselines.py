"""Baseline encoders: exact padding, pooling, carried state, input checks."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.testing import assert_close

from rational.errors import ConfigError, ShapeError
from rational.models import GRU, LSTM, Elman
from rational.models.base import pool

KINDS = [Elman, GRU, LSTM]


def _pad(sequences: list[torch.Tensor], length: int) -> tuple[torch.Tensor, torch.Tensor]:
    dim = sequences[0].shape[-1]
    inputs = torch.randn(len(sequences), length, dim, dtype=torch.float64) * 100  # loud padding
    mask = torch.zeros(len(sequences), length, dtype=torch.bool)
    for row, seq in enumerate(sequences):
        inputs[row, : len(seq)] = seq
        mask[row, : len(seq)] = True
    return inputs, mask


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", ["last", "max", "mean"])
def test_padding_changes_nothing(kind, bidirectional, pooling):
    torch.manual_seed(0)
    encoder = kind(3, hidden_size=4, layers=2, bidirectional=bidirectional, pooling=pooling).double()
    lengths = [5, 2, 0, 3, 1]
    sequences = [torch.randn(n, 3, dtype=torch.float64) for n in lengths]
    inputs, mask = _pad(sequences, 7)
    batch = encoder(inputs, mask)
    assert batch.sequence.shape == (5, 7, encoder.output_size)
    assert torch.all(batch.sequence[~mask] == 0)
    for row, seq in enumerate(sequences):
        n = len(seq)
        if n == 0:
            assert torch.all(batch.pooled[row] == 0)
            continue
        alone = encoder(seq.unsqueeze(0), torch.ones(1, n, dtype=torch.bool))
        assert_close(batch.pooled[row], alone.pooled[0], rtol=0, atol=1e-12)
        assert_close(batch.sequence[row, :n], alone.sequence[0], rtol=0, atol=1e-12)


@settings(max_examples=15)
@given(lengths=st.lists(st.integers(0, 6), min_size=1, max_size=4), seed=st.integers(0, 1000))
def test_padding_property_lstm(lengths, seed):
    torch.manual_seed(seed)
    encoder = LSTM(2, hidden_size=3).double()
    sequences = [torch.randn(n, 2, dtype=torch.float64) for n in lengths]
    inputs, mask = _pad(sequences, max(lengths) + 2)
    batch = encoder(inputs, mask)
    for row, seq in enumerate(sequences):
        if len(seq):
            reference, _ = encoder.rnn(seq.unsqueeze(0))
            assert_close(batch.pooled[row], reference[0, -1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_last_pooling_matches_the_raw_torch_layer(kind):
    torch.manual_seed(1)
    encoder = kind(3, hidden_size=4, bidirectional=True).double()
    x = torch.randn(1, 6, 3, dtype=torch.float64)
    raw, _ = encoder.rnn(x)
    out = encoder(x, torch.ones(1, 6, dtype=torch.bool))
    # forward direction: its output at the end; backward direction: its output at the start
    assert_close(out.pooled[0], torch.cat([raw[0, -1, :4], raw[0, 0, 4:]]))
    assert_close(out.sequence, raw)
    assert not encoder.causal and not encoder.supports_state


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_carried_state_continues_a_stream(kind):
    torch.manual_seed(2)
    encoder = kind(3, hidden_size=4, layers=2).double()
    x = torch.randn(2, 7, 3, dtype=torch.float64)
    ones = torch.ones(2, 7, dtype=torch.bool)
    whole = encoder(x, ones)
    first = encoder(x[:, :4], ones[:, :4])
    second = encoder(x[:, 4:], ones[:, 4:], state=first.state)
    assert_close(torch.cat([first.sequence, second.sequence], dim=1), whole.sequence)
    assert_close(second.pooled, whole.pooled)


def test_a_row_that_reads_nothing_keeps_its_state():
    torch.manual_seed(3)
    encoder = LSTM(2, hidden_size=3).double()
    first = encoder(torch.randn(2, 3, 2, dtype=torch.float64), torch.ones(2, 3, dtype=torch.bool))
    mask = torch.tensor([[True, True], [False, False]])
    second = encoder(torch.randn(2, 2, 2, dtype=torch.float64), mask, state=first.state)
    for old, new in zip(first.state, second.state):
        assert torch.equal(old[:, 1], new[:, 1])
        assert not torch.equal(old[:, 0], new[:, 0])


def test_input_checks_name_the_problem():
    encoder = GRU(3, hidden_size=2)
    ones = torch.ones(2, 4, dtype=torch.bool)
    with pytest.raises(ShapeError, match=r"\(batch, length, 3\), got \(2, 4, 5\)"):
        encoder(torch.zeros(2, 4, 5), ones)
    with pytest.raises(ShapeError, match="boolean mask"):
        encoder(torch.zeros(2, 4, 3), ones.long())
    with pytest.raises(ShapeError, match="prefix mask"):
        encoder(torch.zeros(2, 4, 3), torch.tensor([[True, False, True, False]] * 2))
    with pytest.raises(ConfigError, match="does not carry state"):
        GRU(3, 2, bidirectional=True)(torch.zeros(2, 4, 3), ones, state=torch.zeros(2, 2, 2))
    with pytest.raises(ConfigError, match="positive integer hidden_size"):
        LSTM(3, hidden_size=0)
    with pytest.raises(ConfigError, match="unknown pooling 'sum'"):
        LSTM(3, pooling="sum")
    with pytest.raises(ConfigError, match="nonlinearity"):
        Elman(3, nonlinearity="sigmoid")


def test_empty_batch_shapes():
    out = LSTM(3, hidden_size=2)(torch.zeros(2, 0, 3), torch.zeros(2, 0, dtype=torch.bool))
    assert out.sequence.shape == (2, 0, 2) and torch.all(out.pooled == 0)


def test_pool_reference():
    sequence = torch.tensor([[[1.0, -1.0], [3.0, -5.0], [9.0, 9.0]]])
    mask = torch.tensor([[True, True, False]])
    assert pool(sequence, mask, "last").tolist() == [[3.0, -5.0]]
    assert pool(sequence, mask, "max").tolist() == [[3.0, -1.0]]
    assert pool(sequence, mask, "mean").tolist() == [[2.0, -3.0]]
    assert pool(sequence, torch.zeros(1, 3, dtype=torch.bool), "max").tolist() == [[0.0, 0.0]]
