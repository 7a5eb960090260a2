"""Task heads: an embedding, an encoder, and what the task reads from it.

:class:`TextClassifier` reads the encoder's pooled document vector (SoPa: its
pattern scores) through a linear layer or a small MLP (SoPa uses ReLU with 25 hidden
units); :class:`LanguageModel` reads the per-position outputs and predicts the next
token, optionally with the output layer tied to the embedding (Press and Wolf 2017).

Both take token ids ``(B, T)`` and a boolean prefix mask ``(B, T)``; id 0 is padding.

Examples:
    >>> import torch
    >>> from rational.models import LSTM, LanguageModel, TextClassifier
    >>> classifier = TextClassifier(LSTM(8, hidden_size=6), num_classes=2, vocab_size=20, mlp_hidden=25)
    >>> tokens = torch.tensor([[4, 5, 6], [7, 8, 0]])
    >>> mask = tokens != 0
    >>> classifier(tokens, mask).shape
    torch.Size([2, 2])
    >>> lm = LanguageModel(LSTM(8, hidden_size=8), vocab_size=20, tie_embeddings=True)
    >>> lm(tokens, mask).logits.shape
    torch.Size([2, 3, 20])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import Tensor, nn

from rational.errors import ConfigError
from rational.models.base import Encoder, EncoderOutput

__all__ = ["LanguageModel", "LanguageModelOutput", "TextClassifier"]


def _embedding(encoder: Encoder, vocab_size: int | None, embedding: nn.Embedding | None, padding_idx: int) -> nn.Embedding:
    if embedding is None:
        if vocab_size is None or vocab_size < 1:
            raise ConfigError(f"give a vocab_size (a positive integer) or an nn.Embedding, got vocab_size={vocab_size!r}")
        return nn.Embedding(vocab_size, encoder.input_size, padding_idx=padding_idx)
    if embedding.embedding_dim != encoder.input_size:
        raise ConfigError(
            f"the embedding has dimension {embedding.embedding_dim} but the encoder reads {encoder.input_size}; "
            "build the encoder with input_size equal to the embedding dimension"
        )
    return embedding


def _check_dropout(dropout: float) -> float:
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"dropout must be in [0, 1), got {dropout!r}")
    return dropout


class TextClassifier(nn.Module):
    """Embedding -> dropout -> encoder -> pooled -> dropout -> linear layer or MLP -> class logits.

    Args:
        encoder: any :class:`~rational.models.base.Encoder`; its ``input_size`` is the
            embedding dimension.
        num_classes: number of classes.
        vocab_size: size of the vocabulary (needed unless ``embedding`` is given).
        embedding: an existing embedding (e.g. with pretrained vectors).
        mlp_hidden: hidden units of a ReLU MLP on the pooled vector; ``None`` for a linear layer.
        dropout: dropout on the embedded tokens and on the pooled vector.
        padding_idx: the padding token id.

    Raises:
        ConfigError: for inconsistent sizes or settings.
    """

    def __init__(
        self,
        encoder: Encoder,
        num_classes: int,
        *,
        vocab_size: int | None = None,
        embedding: nn.Embedding | None = None,
        mlp_hidden: int | None = None,
        dropout: float = 0.0,
        padding_idx: int = 0,
    ) -> None:
        super().__init__()
        if not isinstance(num_classes, int) or num_classes < 2:
            raise ConfigError(f"a classifier needs at least 2 classes, got num_classes={num_classes!r}")
        if mlp_hidden is not None and mlp_hidden < 1:
            raise ConfigError(f"mlp_hidden must be a positive integer or None, got {mlp_hidden!r}")
        self.embedding = _embedding(encoder, vocab_size, embedding, padding_idx)
        self.encoder = encoder
        self.num_classes = num_classes
        self.dropout = nn.Dropout(_check_dropout(dropout))
        if mlp_hidden is None:
            self.output = nn.Linear(encoder.output_size, num_classes)
        else:
            self.output = nn.Sequential(
                nn.Linear(encoder.output_size, mlp_hidden), nn.ReLU(), nn.Linear(mlp_hidden, num_classes)
            )

    def encode(self, tokens: Tensor, mask: Tensor) -> EncoderOutput:
        """The encoder's outputs for token ids ``(B, T)`` (embedding dropout applies in training)."""
        return self.encoder(self.dropout(self.embedding(tokens)), mask)

    def forward(self, tokens: Tensor, mask: Tensor) -> Tensor:
        """Class logits ``(B, num_classes)``."""
        return self.output(self.dropout(self.encode(tokens, mask).pooled))


@dataclass
class LanguageModelOutput:
    """Next-token logits ``(B, T, V)`` (position ``t`` predicts token ``t + 1``) and the encoder's final state."""

    logits: Tensor
    state: Any = None


class LanguageModel(nn.Module):
    """Embedding -> dropout -> causal encoder -> per-position outputs -> dropout -> next-token logits.

    Args:
        encoder: a causal :class:`~rational.models.base.Encoder` (not bidirectional).
        vocab_size: size of the vocabulary.
        tie_embeddings: share the output layer's weights with the embedding; needs the
            encoder's ``output_size`` to equal its ``input_size``.
        embedding: an existing embedding (e.g. with pretrained vectors).
        dropout: dropout on the embedded tokens and on the encoder's outputs.
        padding_idx: the padding token id.

    Raises:
        ConfigError: for a non-causal encoder or sizes that cannot be tied.
    """

    def __init__(
        self,
        encoder: Encoder,
        vocab_size: int,
        *,
        tie_embeddings: bool = False,
        embedding: nn.Embedding | None = None,
        dropout: float = 0.0,
        padding_idx: int = 0,
    ) -> None:
        super().__init__()
        if not encoder.causal:
            raise ConfigError(
                f"a language model needs a causal encoder; {type(encoder).__name__} reads the future "
                "(build it with bidirectional=False)"
            )
        self.embedding = _embedding(encoder, vocab_size, embedding, padding_idx)
        self.encoder = encoder
        self.vocab_size = self.embedding.num_embeddings
        self.dropout = nn.Dropout(_check_dropout(dropout))
        self.output = nn.Linear(encoder.output_size, self.vocab_size)
        if tie_embeddings:
            if encoder.output_size != encoder.input_size:
                raise ConfigError(
                    f"tie_embeddings needs the encoder's output size ({encoder.output_size}) to equal the "
                    f"embedding dimension ({encoder.input_size}); make them equal or do not tie"
                )
            self.output.weight = self.embedding.weight
        self.tie_embeddings = tie_embeddings

    def forward(self, tokens: Tensor, mask: Tensor, state: Any = None) -> LanguageModelOutput:
        """Next-token logits, continuing from ``state`` when the encoder carries one."""
        inputs = self.dropout(self.embedding(tokens))
        encoded = self.encoder(inputs, mask) if state is None else self.encoder(inputs, mask, state)
        return LanguageModelOutput(self.output(self.dropout(encoded.sequence)), encoded.state)
