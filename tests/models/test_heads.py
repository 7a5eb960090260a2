"""Task heads: shapes, MLP, tied embeddings, causality, configuration errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from rational.errors import ConfigError
from rational.models import GRU, LSTM, LanguageModel, TextClassifier


def test_classifier_padding_is_exact_and_mlp_has_relu():
    torch.manual_seed(0)
    model = TextClassifier(LSTM(6, hidden_size=5), num_classes=3, vocab_size=12, mlp_hidden=25, dropout=0.5).eval()
    assert isinstance(model.output[1], nn.ReLU) and model.output[0].out_features == 25
    tokens = torch.tensor([[3, 4, 5, 0, 0], [6, 7, 8, 9, 10]])
    logits = model(tokens, tokens != 0)
    assert logits.shape == (2, 3)
    alone = model(tokens[:1, :3], tokens[:1, :3] != 0)
    assert_close(logits[:1], alone)


def test_classifier_uses_a_given_embedding():
    embedding = nn.Embedding(9, 4, padding_idx=0)
    model = TextClassifier(GRU(4, hidden_size=3), num_classes=2, embedding=embedding)
    assert model.embedding is embedding
    with pytest.raises(ConfigError, match="dimension 4 but the encoder reads 5"):
        TextClassifier(GRU(5, hidden_size=3), num_classes=2, embedding=embedding)
    with pytest.raises(ConfigError, match="vocab_size"):
        TextClassifier(GRU(5, hidden_size=3), num_classes=2)
    with pytest.raises(ConfigError, match="at least 2 classes"):
        TextClassifier(GRU(5, hidden_size=3), num_classes=1, vocab_size=3)


def test_language_model_is_causal_and_ties_weights():
    torch.manual_seed(1)
    model = LanguageModel(LSTM(6, hidden_size=6), vocab_size=15, tie_embeddings=True).eval()
    assert model.output.weight is model.embedding.weight
    tokens = torch.tensor([[3, 4, 5, 6]])
    mask = torch.ones_like(tokens, dtype=torch.bool)
    changed = tokens.clone()
    changed[0, 3] = 9
    a, b = model(tokens, mask).logits, model(changed, mask).logits
    assert a.shape == (1, 4, 15)
    assert_close(a[:, :3], b[:, :3])
    assert not torch.allclose(a[:, 3], b[:, 3])


def test_language_model_carries_state():
    torch.manual_seed(2)
    model = LanguageModel(GRU(4, hidden_size=5), vocab_size=10).eval()
    tokens = torch.randint(1, 10, (2, 6))
    mask = torch.ones_like(tokens, dtype=torch.bool)
    whole = model(tokens, mask).logits
    first = model(tokens[:, :2], mask[:, :2])
    second = model(tokens[:, 2:], mask[:, 2:], state=first.state)
    assert_close(torch.cat([first.logits, second.logits], dim=1), whole)


def test_language_model_refusals():
    with pytest.raises(ConfigError, match="causal encoder"):
        LanguageModel(LSTM(4, 2, bidirectional=True), vocab_size=10)
    with pytest.raises(ConfigError, match=r"output size \(3\) to equal the embedding dimension \(4\)"):
        LanguageModel(LSTM(4, 3), vocab_size=10, tie_embeddings=True)
    with pytest.raises(ConfigError, match="dropout"):
        LanguageModel(LSTM(4, 3), vocab_size=10, dropout=1.0)
