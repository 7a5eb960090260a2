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


@pytest.mark.parametrize("softmax", ["full", "adaptive"])
def test_next_token_loss_is_the_mean_negative_log_probability(softmax):
    torch.manual_seed(3)
    cutoffs = [4, 11] if softmax == "adaptive" else None
    model = LanguageModel(GRU(6, hidden_size=5), vocab_size=23, softmax=softmax, cutoffs=cutoffs).double().eval()
    tokens = torch.randint(1, 23, (3, 7))
    targets = torch.randint(0, 23, (3, 7))
    output = model(tokens, torch.ones_like(tokens, dtype=torch.bool))
    log_probs = torch.log_softmax(output.logits, dim=-1)
    assert output.logits.shape == (3, 7, 23)
    assert_close(log_probs.exp().sum(-1), torch.ones(3, 7, dtype=torch.float64))
    expected = -log_probs.gather(-1, targets.unsqueeze(-1)).mean()
    assert_close(model.next_token_loss(output, targets), expected, rtol=1e-12, atol=1e-12)


def test_adaptive_softmax_is_trainable_and_rebuilt_from_its_config():
    from rational.models.registry import ModelConfig, build_model

    config = ModelConfig(encoder="lstm", task="lm", vocab_size=40, embedding_dim=6, softmax="adaptive", cutoffs=[8, 20])
    model = build_model(config)
    assert isinstance(model.output, nn.AdaptiveLogSoftmaxWithLoss) and model.cutoffs == [8, 20]
    assert build_model(ModelConfig.from_dict(config.to_dict())).cutoffs == [8, 20]
    tokens = torch.randint(1, 40, (2, 5))
    loss = model.next_token_loss(model(tokens, tokens != 0), torch.randint(0, 40, (2, 5)))
    loss.backward()
    assert all(p.grad is not None for p in model.output.parameters())
    defaults = LanguageModel(LSTM(6, hidden_size=6), vocab_size=100, softmax="adaptive")
    assert defaults.cutoffs == [20, 60]


def test_language_model_rejects_bad_softmax_settings():
    with pytest.raises(ConfigError, match="unknown softmax 'sampled'"):
        LanguageModel(LSTM(6, hidden_size=6), vocab_size=30, softmax="sampled")
    with pytest.raises(ConfigError, match="tie_embeddings needs softmax='full'"):
        LanguageModel(LSTM(6, hidden_size=6), vocab_size=30, softmax="adaptive", tie_embeddings=True)
    with pytest.raises(ConfigError, match=r"cutoffs must be increasing.*\[10, 5\]"):
        LanguageModel(LSTM(6, hidden_size=6), vocab_size=30, softmax="adaptive", cutoffs=[10, 5])
    with pytest.raises(ConfigError, match=r"\(29\), got \[5, 30\]"):
        LanguageModel(LSTM(6, hidden_size=6), vocab_size=30, softmax="adaptive", cutoffs=[5, 30])
    with pytest.raises(ConfigError, match="cutoffs apply to softmax='adaptive' only"):
        LanguageModel(LSTM(6, hidden_size=6), vocab_size=30, cutoffs=[5])
