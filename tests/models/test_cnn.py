"""The CNN against direct convolution and max-pooling loops, padding, export and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rational import MaxPlus
from rational.errors import ConfigError
from rational.models import CNN, TextClassifier

F64 = torch.float64
ACT = {"relu": lambda v: np.maximum(v, 0.0), "tanh": np.tanh, "identity": lambda v: v}


def windows(encoder: CNN, x: np.ndarray) -> list[np.ndarray]:
    """Per filter bank: the score of every window, s_t = Σ_k W_k · x_{t-w+k} + b_k, shape (T - w + 1, filters)."""
    scores = []
    for bank in encoder.filters:
        width = bank.template.chain_length
        W, b = bank.weight.detach().numpy(), bank.bias.detach().numpy()  # (filters, width, D), (filters, width)
        rows = [
            [sum(W[f, k] @ x[start + k] + b[f, k] for k in range(width)) for f in range(bank.copies)]
            for start in range(len(x) - width + 1)
        ]
        scores.append(np.array(rows).reshape(-1, bank.copies))
    return scores


@pytest.mark.parametrize("activation", ["relu", "tanh", "identity"])
def test_cnn_matches_convolution_and_max_pooling(activation):
    torch.manual_seed(0)
    encoder = CNN(3, filters={1: 2, 2: 3, 4: 2}, activation=activation).double()
    x = torch.randn(3, 6, 3, dtype=F64)
    lengths = torch.tensor([6, 2, 4])
    mask = torch.arange(6) < lengths[:, None]
    with torch.no_grad():
        out = encoder(x.masked_fill(~mask[..., None], 1e9), mask)
    act = ACT[activation]
    for row, n in enumerate(lengths.tolist()):
        pooled, sequence = [], []
        for bank, scores in zip(encoder.filters, windows(encoder, x[row, :n].numpy())):
            width = bank.template.chain_length
            pooled.append(act(scores.max(0)) if len(scores) else np.zeros(bank.copies))
            ends = np.zeros((n, bank.copies))
            ends[width - 1 :] = act(scores)
            sequence.append(ends)
        assert np.allclose(out.pooled[row].numpy(), np.concatenate(pooled), atol=1e-10)
        assert np.allclose(out.sequence[row, :n].numpy(), np.concatenate(sequence, axis=1), atol=1e-10)
        assert torch.all(out.sequence[row, n:] == 0)


def test_to_wfsa_scores_the_best_window():
    torch.manual_seed(1)
    encoder = CNN(3, filters="2:2,3:1").double()
    words = ["a", "b", "c", "d"]
    embeddings = torch.randn(4, 3, dtype=F64)
    rng = np.random.default_rng(0)
    for copy in range(encoder.output_size):
        machine = encoder.to_wfsa(words, embeddings, copy=copy)
        assert machine.semiring is MaxPlus
        bank, index = encoder.locate(copy)
        for n in (1, 2, 3, 5):
            sentence = list(rng.integers(0, 4, size=n))
            scores = windows(encoder, embeddings[sentence].numpy())[list(encoder.filters).index(bank)]
            expected = scores[:, index].max() if len(scores) else -np.inf
            assert np.isclose(machine.score([words[i] for i in sentence]), expected, rtol=1e-9) or (
                expected == -np.inf and machine.score([words[i] for i in sentence]) == -np.inf
            )


def test_gradients_and_errors():
    torch.manual_seed(0)
    model = TextClassifier(CNN(4, filters={2: 3, 3: 3}), num_classes=2, vocab_size=10)
    tokens = torch.tensor([[2, 3, 4, 5], [6, 7, 8, 0]])
    F.cross_entropy(model(tokens, tokens != 0), torch.tensor([0, 1])).backward()
    for name, parameter in model.named_parameters():
        if parameter.numel():
            assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name
    assert model.encoder.filters[0].weight.grad.abs().sum() > 0
    assert CNN(5).output_size == 300
    with pytest.raises(ConfigError, match="CNN activation must be one of relu, tanh, identity"):
        CNN(4, activation="sigmoid")
    with pytest.raises(ConfigError, match="CNN filters repeats a length"):
        CNN(4, filters=[(2, 1), (2, 3)])
    with pytest.raises(ValueError, match="copy must be a feature 0..5"):
        CNN(4, filters={2: 3, 3: 3}).locate(6)
