"""Models by name, and whole models (embedding, encoder, head) rebuilt from a JSON config.

:data:`ENCODERS` maps a name to a builder: any callable taking ``input_size`` and
keyword options that returns an :class:`~rational.models.base.Encoder` (an encoder
class itself is one). Options must be JSON values (numbers, strings, booleans,
lists, dicts with string keys), so a checkpoint's ``config.json`` rebuilds the model.
Adding an architecture is one module and one line here.

Examples:
    >>> from rational.models.registry import ModelConfig, build_model, encoder_options
    >>> encoder_options("lstm")["hidden_size"]
    100
    >>> config = ModelConfig(encoder="gru", task="classify", vocab_size=50, embedding_dim=8,
    ...                      encoder_options={"hidden_size": 4}, num_classes=3)
    >>> model = build_model(config.to_dict())
    >>> type(model).__name__, model.encoder.output_size
    ('TextClassifier', 4)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from torch import nn

from rational.errors import ConfigError
from rational.models.base import Encoder
from rational.models.baselines import GRU, LSTM, Elman
from rational.models.cnn import CNN
from rational.models.heads import LanguageModel, TextClassifier
from rational.models.qrnn import QRNN
from rational.models.rational_rnn import RationalRNN
from rational.models.sopa import SoPa
from rational.models.sru import SRU

__all__ = ["ENCODERS", "TASKS", "ModelConfig", "build_encoder", "build_model", "encoder_options", "register_encoder"]

#: name -> builder(input_size, **options) -> Encoder
ENCODERS: dict[str, Callable[..., Encoder]] = {
    "elman": Elman,
    "gru": GRU,
    "lstm": LSTM,
    "sopa": SoPa,
    "rrnn": RationalRNN,
    "qrnn": QRNN,
    "sru": SRU,
    "cnn": CNN,
}

#: The tasks a model can be built for: classification and language modeling.
TASKS = ("classify", "lm")


def register_encoder(name: str, builder: Callable[..., Encoder]) -> None:
    """Make ``builder`` available as ``name`` (in :func:`build_encoder`, configs and the CLI).

    Raises:
        ConfigError: when ``name`` is taken by a different builder.
    """
    if ENCODERS.get(name, builder) is not builder:
        raise ConfigError(f"a model named {name!r} is already registered ({ENCODERS[name]!r})")
    ENCODERS[name] = builder


def _builder(name: str) -> Callable[..., Encoder]:
    try:
        return ENCODERS[name]
    except KeyError:
        raise ConfigError(f"unknown model {name!r}; known models: {', '.join(sorted(ENCODERS))}") from None


def encoder_options(name: str) -> dict[str, Any]:
    """The options a model takes, with their defaults (``inspect.Parameter.empty`` when required).

    Raises:
        ConfigError: for an unknown model name.
    """
    parameters = inspect.signature(_builder(name)).parameters
    return {
        key: parameter.default
        for key, parameter in parameters.items()
        if key != "input_size" and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    }


def build_encoder(name: str, input_size: int, options: dict[str, Any] | None = None) -> Encoder:
    """Build the encoder registered as ``name``.

    Args:
        name: a key of :data:`ENCODERS`.
        input_size: the embedding dimension it reads.
        options: keyword options of its builder.

    Returns:
        The encoder.

    Raises:
        ConfigError: for an unknown name or an option the builder does not take.

    Examples:
        >>> build_encoder("lstm", 8, {"hidden_size": 5, "bidirectional": True}).output_size
        10
        >>> build_encoder("lstm", 8, {"width": 5})
        Traceback (most recent call last):
        ...
        rational.errors.ConfigError: model 'lstm' has no option 'width'; its options: hidden_size, layers, bidirectional, dropout, pooling
    """
    builder = _builder(name)
    options = dict(options or {})
    parameters = inspect.signature(builder).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    known = encoder_options(name)
    unknown = [key for key in options if key not in known]
    if unknown and not takes_any:
        raise ConfigError(
            f"model {name!r} has no option {unknown[0]!r}; its options: {', '.join(known) or '(none)'}"
        )
    encoder = builder(input_size=input_size, **options)
    if not isinstance(encoder, Encoder):
        raise ConfigError(f"the builder of {name!r} returned {type(encoder).__name__}, not an Encoder")
    return encoder


@dataclass
class ModelConfig:
    """Everything needed to rebuild a model; stored as ``config.json`` in checkpoints.

    Attributes:
        encoder: the model name (a key of :data:`ENCODERS`).
        task: ``"classify"`` or ``"lm"``.
        vocab_size: size of the vocabulary (including padding and ``<unk>``).
        embedding_dim: dimension of the token embeddings (the encoder's ``input_size``).
        encoder_options: keyword options of the encoder's builder.
        num_classes: number of classes (classification only).
        mlp_hidden: hidden units of the classifier's ReLU MLP; ``None`` for a linear layer.
        dropout: the head's dropout (embedded tokens and encoder outputs).
        tie_embeddings: tie the language model's output layer to the embedding.
        softmax: the language model's output layer, ``"full"`` or ``"adaptive"``.
        cutoffs: the adaptive softmax's cluster boundaries (``None``: its default).
    """

    encoder: str
    task: str
    vocab_size: int
    embedding_dim: int = 100
    encoder_options: dict[str, Any] = field(default_factory=dict)
    num_classes: int | None = None
    mlp_hidden: int | None = None
    dropout: float = 0.0
    tie_embeddings: bool = False
    softmax: str = "full"
    cutoffs: list[int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """The inverse of :meth:`to_dict`.

        Raises:
            ConfigError: for unknown or missing keys.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown model config key(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}")
        try:
            return cls(**data)
        except TypeError as error:
            raise ConfigError(f"incomplete model config: {error}") from None


def build_model(config: ModelConfig | dict[str, Any]) -> nn.Module:
    """Build a :class:`~rational.models.heads.TextClassifier` or :class:`~rational.models.heads.LanguageModel`.

    Args:
        config: a :class:`ModelConfig` or its dictionary.

    Returns:
        The model, freshly initialized (load a state dict to restore trained weights).

    Raises:
        ConfigError: for an unknown task or model, or inconsistent settings.
    """
    if isinstance(config, dict):
        config = ModelConfig.from_dict(config)
    if config.task not in TASKS:
        raise ConfigError(f"unknown task {config.task!r}; choose one of {', '.join(TASKS)}")
    encoder = build_encoder(config.encoder, config.embedding_dim, config.encoder_options)
    if config.task == "classify":
        if config.num_classes is None:
            raise ConfigError("a classification model needs num_classes")
        return TextClassifier(
            encoder,
            config.num_classes,
            vocab_size=config.vocab_size,
            mlp_hidden=config.mlp_hidden,
            dropout=config.dropout,
        )
    return LanguageModel(
        encoder,
        config.vocab_size,
        tie_embeddings=config.tie_embeddings,
        dropout=config.dropout,
        softmax=config.softmax,
        cutoffs=config.cutoffs,
    )
