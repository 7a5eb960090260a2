"""A small SoPa trained in seconds on the synthetic sentiment task, to explain.

The task (:mod:`rational.train.synthetic`) decides each label by a phrase: an
adjective, negated by ``not`` (with perhaps an intensifier between) or not. A few
max-times patterns of lengths 2 and 3 learn it in a few seconds on one core, and
their top spans and drawings show the phrases they learned. The docs, the notebook,
the tests and the demo explain this model.

Examples:
    >>> from rational.explain.synthetic import train_sentiment_sopa
    >>> trained = train_sentiment_sopa(train_size=60, test_size=20, epochs=1)
    >>> len(trained.model.patterns), trained.labels
    (8, ['0', '1'])
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from rational.explain.patterns import PatternModel, as_pattern_model
from rational.models import SoPa, TextClassifier
from rational.train.sources import Example
from rational.train.synthetic import sentiment_examples
from rational.train.tasks import get_task
from rational.train.trainer import Trainer, TrainerConfig, seed_everything
from rational.train.vocab import Vocabulary

__all__ = ["TrainedSoPa", "train_sentiment_sopa"]


@dataclass
class TrainedSoPa:
    """A trained SoPa classifier and what it was trained on.

    Attributes:
        classifier: the :class:`~rational.models.TextClassifier` (SoPa encoder, MLP head).
        model: the same, read as a :class:`~rational.explain.patterns.PatternModel`.
        vocab: its vocabulary.
        labels: the class labels (``"0"`` negative, ``"1"`` positive).
        train: the training sentences.
        test: held-out sentences.
        accuracy: accuracy on ``test``.
    """

    classifier: TextClassifier
    model: PatternModel
    vocab: Vocabulary
    labels: list[str]
    train: list[Example]
    test: list[Example]
    accuracy: float


def train_sentiment_sopa(
    seed: int = 0,
    train_size: int = 1500,
    test_size: int = 300,
    epochs: int = 6,
    pattern_lengths: dict[int, int] | None = None,
    semiring: str = "MaxTimes",
    embedding_dim: int = 16,
    lr: float = 0.01,
) -> TrainedSoPa:
    """Train a small SoPa on synthetic sentiment (seeded: the same model every time).

    Args:
        seed: seeds the data, the initialization and the batch order.
        train_size: training sentences.
        test_size: held-out sentences.
        epochs: passes over the training data.
        pattern_lengths: pattern length -> count (default ``{3: 4, 2: 4}``).
        semiring: SoPa's semiring.
        embedding_dim: word-vector size.
        lr: Adam's learning rate.

    Returns:
        The classifier, its pattern view, vocabulary, data and test accuracy.
    """
    train = sentiment_examples(train_size, seed=seed * 10 + 1)
    test = sentiment_examples(test_size, seed=seed * 10 + 2)
    vocab = Vocabulary.build(e.tokens for e in train)
    labels = ["0", "1"]
    seed_everything(seed)
    encoder = SoPa(embedding_dim, pattern_lengths=pattern_lengths or {3: 4, 2: 4}, semiring=semiring)
    classifier = TextClassifier(encoder, len(labels), vocab_size=len(vocab), mlp_hidden=10)
    task = get_task("classify")
    config = TrainerConfig(epochs=epochs, batch_size=50, lr=lr, seed=seed, quiet=True)
    test_data = task.encode(test, vocab, labels)
    Trainer(classifier, task, task.encode(train, vocab, labels), None, config).fit()
    classifier.eval()
    with torch.no_grad():
        metrics = task.evaluate(classifier, task.eval_batches(test_data, 100))
    model = as_pattern_model(classifier, vocab)
    model.labels = labels
    return TrainedSoPa(classifier, model, vocab, labels, train, test, float(metrics["accuracy"]))
