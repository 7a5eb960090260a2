"""The model registry: building by name, rebuilding from JSON, adding a model in one line."""

from __future__ import annotations

import json

import pytest
import torch

from rational.errors import ConfigError
from rational.models import ENCODERS, Encoder, EncoderOutput, ModelConfig, build_encoder, build_model, register_encoder
from rational.models.base import check_inputs, pool


class MeanEncoder(Encoder):
    """A model a user adds: the mean of the embedded tokens."""

    def __init__(self, input_size: int, scale: float = 1.0) -> None:
        super().__init__()
        self.input_size = self.output_size = input_size
        self.scale = torch.nn.Parameter(torch.tensor(scale))

    def forward(self, inputs, mask, state=None):
        check_inputs(self, inputs, mask, state)
        sequence = inputs * mask.unsqueeze(-1) * self.scale
        return EncoderOutput(sequence, pool(sequence, mask, "mean"))


def test_config_round_trips_through_json():
    config = ModelConfig("lstm", "lm", vocab_size=20, embedding_dim=6, encoder_options={"hidden_size": 6}, tie_embeddings=True)
    again = ModelConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    torch.manual_seed(0)
    first = build_model(config)
    torch.manual_seed(0)
    second = build_model(again.to_dict())
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))
    assert first.output.weight is first.embedding.weight


def test_unknown_names_and_options_are_clear():
    with pytest.raises(ConfigError, match=r"unknown model 'transformer'; known models: .*lstm"):
        build_encoder("transformer", 4)
    with pytest.raises(ConfigError, match="model 'gru' has no option 'window'"):
        build_model(ModelConfig("gru", "classify", 10, 4, {"window": 2}, num_classes=2))
    with pytest.raises(ConfigError, match="unknown task 'tag'"):
        build_model(ModelConfig("gru", "tag", 10, 4))
    with pytest.raises(ConfigError, match="needs num_classes"):
        build_model(ModelConfig("gru", "classify", 10, 4))
    with pytest.raises(ConfigError, match="unknown model config key"):
        ModelConfig.from_dict({"encoder": "gru", "task": "lm", "vocab_size": 3, "colour": 1})


def test_a_new_model_is_one_registry_line(monkeypatch):
    monkeypatch.setitem(ENCODERS, "mean", MeanEncoder)
    model = build_model({"encoder": "mean", "task": "classify", "vocab_size": 10, "embedding_dim": 4,
                         "encoder_options": {"scale": 2.0}, "num_classes": 2})
    tokens = torch.tensor([[1, 2, 3]])
    assert model(tokens, tokens != 0).shape == (1, 2)
    assert model.encoder.scale.item() == 2.0
    register_encoder("mean", MeanEncoder)  # the same builder again is fine
    with pytest.raises(ConfigError, match="already registered"):
        register_encoder("mean", lambda input_size: MeanEncoder(input_size))
