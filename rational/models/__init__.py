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
from rational.models.cnn import CNN
from rational.models.heads import LanguageModel, LanguageModelOutput, TextClassifier
from rational.models.qrnn import QRNN
from rational.models.rational_rnn import RationalRNN
from rational.models.registry import (
    ENCODERS,
    ModelConfig,
    build_encoder,
    build_model,
    encoder_options,
    register_encoder,
)
from rational.models.sopa import SoPa
from rational.models.sru import SRU

__all__ = [
    "CNN",
    "ENCODERS",
    "GRU",
    "LSTM",
    "QRNN",
    "SRU",
    "Elman",
    "Encoder",
    "EncoderOutput",
    "LanguageModel",
    "LanguageModelOutput",
    "ModelConfig",
    "RationalRNN",
    "SoPa",
    "TextClassifier",
    "build_encoder",
    "build_model",
    "encoder_options",
    "register_encoder",
]
