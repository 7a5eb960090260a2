"""Models behind one encoder interface, task heads, and a registry of models by name.

Examples:
    >>> import torch
    >>> from rational.models import TextClassifier, build_encoder
    >>> model = TextClassifier(build_encoder("lstm", 8, {"hidden_size": 6}), num_classes=2, vocab_size=30)
    >>> tokens = torch.tensor([[3, 4, 5]])
    >>> model(tokens, tokens != 0).shape
    torch.Size([1, 2])
"""

from rational.models.base import Encoder, EncoderOutput
from rational.models.baselines import GRU, LSTM, Elman
from rational.models.heads import LanguageModel, LanguageModelOutput, TextClassifier
from rational.models.registry import (
    ENCODERS,
    ModelConfig,
    build_encoder,
    build_model,
    encoder_options,
    register_encoder,
)

__all__ = [
    "ENCODERS",
    "GRU",
    "LSTM",
    "Elman",
    "Encoder",
    "EncoderOutput",
    "LanguageModel",
    "LanguageModelOutput",
    "ModelConfig",
    "TextClassifier",
    "build_encoder",
    "build_model",
    "encoder_options",
    "register_encoder",
]
