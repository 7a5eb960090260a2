"""Task heads: an embedding, an encoder, and what the task reads from it.

:class:`TextClassifier` reads the encoder's pooled document vector (SoPa: its
pattern scores) through a linear layer or a small MLP (SoPa uses ReLU with 25 hidden
units); :class:`LanguageModel` reads the per-position outputs and predicts the next
token, optionally with the output layer tied to the embedding (Press and Wolf 2017)
or through an adaptive softmax (Grave et al. 2017) that spends less time on rare words.

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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch.nn.functional as F
from torch import Tensor, nn

from rational.errors import ConfigError
from rational.models.base import Encoder, EncoderOutput

__all__ = ["SOFTMAXES", "LanguageModel", "LanguageModelOutput", "TextClassifier"]


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


#: The output layers a :class:`LanguageModel` can use.
SOFTMAXES = ("full", "adaptive")


@dataclass
class LanguageModelOutput:
    """What a :class:`LanguageModel` computes for token ids ``(B, T)``.

    Attributes:
        hidden: the encoder's per-position outputs ``(B, T, H)`` after dropout; position
            ``t`` predicts token ``t + 1``.
        state: the encoder's final state (``None`` for encoders that carry none).

    ``logits`` (``(B, T, V)``) is computed on first access: with the adaptive softmax it
    holds exact log-probabilities, and training never needs it (see
    :meth:`LanguageModel.next_token_loss`).
    """

    hidden: Tensor
    state: Any = None
    _project: Callable[[Tensor], Tensor] | None = field(default=None, repr=False)
    _logits: Tensor | None = field(default=None, repr=False)

    @property
    def logits(self) -> Tensor:
        """Next-token scores ``(B, T, V)``; ``log_softmax`` of them are the model's log-probabilities."""
        if self._logits is None:
            if self._project is None:
                raise ValueError("this output holds no output layer to compute logits with")
            self._logits = self._project(self.hidden)
        return self._logits


class LanguageModel(nn.Module):
    """Embedding -> dropout -> causal encoder -> per-position outputs -> dropout -> next-token scores.

    Args:
        encoder: a causal :class:`~rational.models.base.Encoder` (not bidirectional).
        vocab_size: size of the vocabulary.
        tie_embeddings: share the output layer's weights with the embedding; needs the
            encoder's ``output_size`` to equal its ``input_size`` and the full softmax.
        embedding: an existing embedding (e.g. with pretrained vectors).
        dropout: dropout on the embedded tokens and on the encoder's outputs.
        padding_idx: the padding token id.
        softmax: ``"full"`` (a linear layer over the whole vocabulary) or ``"adaptive"``
            (:class:`torch.nn.AdaptiveLogSoftmaxWithLoss`: the frequent words in a head,
            rarer ones in smaller clusters; exact probabilities, several times cheaper on
            large vocabularies). Ids must be sorted by frequency, as
            :meth:`~rational.train.vocab.Vocabulary.build` sorts them.
        cutoffs: adaptive softmax: the ids where the head and each cluster end (default:
            20% and 60% of the vocabulary).

    Raises:
        ConfigError: for a non-causal encoder, sizes that cannot be tied, an unknown
            softmax or unusable cutoffs.

    Examples:
        >>> import torch
        >>> from rational.models import LSTM, LanguageModel
        >>> lm = LanguageModel(LSTM(8, hidden_size=8), vocab_size=50, softmax="adaptive", cutoffs=[10, 30])
        >>> tokens = torch.tensor([[4, 5, 6]])
        >>> output = lm(tokens, tokens != 0)
        >>> output.logits.exp().sum(-1)  # probabilities over the 50 words
        tensor([[1.0000, 1.0000, 1.0000]], grad_fn=<SumBackward1>)
        >>> lm.next_token_loss(output, torch.tensor([[5, 6, 7]])).shape
        torch.Size([])
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
        softmax: str = "full",
        cutoffs: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        if not encoder.causal:
            raise ConfigError(
                f"a language model needs a causal encoder; {type(encoder).__name__} reads the future "
                "(build it with bidirectional=False)"
            )
        if softmax not in SOFTMAXES:
            raise ConfigError(f"unknown softmax {softmax!r}; choose one of {', '.join(SOFTMAXES)}")
        self.embedding = _embedding(encoder, vocab_size, embedding, padding_idx)
        self.encoder = encoder
        self.vocab_size = self.embedding.num_embeddings
        self.dropout = nn.Dropout(_check_dropout(dropout))
        self.softmax = softmax
        if tie_embeddings:
            if softmax != "full":
                raise ConfigError("tie_embeddings needs softmax='full' (the adaptive softmax has its own weights)")
            if encoder.output_size != encoder.input_size:
                raise ConfigError(
                    f"tie_embeddings needs the encoder's output size ({encoder.output_size}) to equal the "
                    f"embedding dimension ({encoder.input_size}); make them equal or do not tie"
                )
        self.tie_embeddings = tie_embeddings
        self.output: nn.Module
        if softmax == "full":
            if cutoffs is not None:
                raise ConfigError("cutoffs apply to softmax='adaptive' only")
            self.output = nn.Linear(encoder.output_size, self.vocab_size)
            if tie_embeddings:
                self.output.weight = self.embedding.weight
            self.cutoffs = None
        else:
            self.cutoffs = _check_cutoffs(cutoffs, self.vocab_size)
            # cluster i projects to size // div**(i+1); keep every projection at least 1 wide
            size = encoder.output_size
            div_value = max(1.0, min(4.0, size ** (1 / len(self.cutoffs)) * (1 - 1e-9)))
            self.output = nn.AdaptiveLogSoftmaxWithLoss(size, self.vocab_size, self.cutoffs, div_value=div_value)

    def forward(self, tokens: Tensor, mask: Tensor, state: Any = None) -> LanguageModelOutput:
        """Encoder outputs (and next-token logits on demand), continuing from ``state`` when the encoder carries one."""
        inputs = self.dropout(self.embedding(tokens))
        encoded = self.encoder(inputs, mask) if state is None else self.encoder(inputs, mask, state)
        return LanguageModelOutput(self.dropout(encoded.sequence), encoded.state, self._scores)

    def next_token_loss(self, output: LanguageModelOutput, targets: Tensor) -> Tensor:
        """Mean negative log-likelihood (nats) of ``targets`` ``(B, T)`` under ``output``.

        With the adaptive softmax only the clusters of the targets are computed.
        """
        hidden = output.hidden.reshape(-1, output.hidden.shape[-1])
        targets = targets.reshape(-1)
        if self.softmax == "adaptive":
            return self.output(hidden, targets).loss
        return F.cross_entropy(self.output(hidden), targets)

    def _scores(self, hidden: Tensor) -> Tensor:
        if self.softmax == "adaptive":
            flat = self.output.log_prob(hidden.reshape(-1, hidden.shape[-1]))
            return flat.view(*hidden.shape[:-1], self.vocab_size)
        return self.output(hidden)


def _check_cutoffs(cutoffs: Sequence[int] | None, vocab_size: int) -> list[int]:
    if cutoffs is None:
        cutoffs = sorted({max(1, round(vocab_size * 0.2)), max(2, round(vocab_size * 0.6))})
        cutoffs = [c for c in cutoffs if c < vocab_size]
        if not cutoffs:
            raise ConfigError(f"the adaptive softmax needs a vocabulary of at least 3 words, got {vocab_size}")
        return cutoffs
    cutoffs = [int(c) for c in cutoffs]
    if not cutoffs or any(b <= a for a, b in zip(cutoffs, cutoffs[1:])) or cutoffs[0] < 1 or cutoffs[-1] >= vocab_size:
        raise ConfigError(
            f"cutoffs must be increasing ids between 1 and the vocabulary size - 1 ({vocab_size - 1}), got {cutoffs}"
        )
    return cutoffs
