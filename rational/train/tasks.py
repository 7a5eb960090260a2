"""The two tasks the trainer knows: text classification (accuracy) and language modeling (perplexity).

A task turns examples into tensors, cuts them into batches, computes the training
loss of a batch and evaluates a model. The trainer is the same for both.

Examples:
    >>> import torch
    >>> from rational.models import LSTM, TextClassifier
    >>> from rational.train.sources import Example
    >>> from rational.train.vocab import Vocabulary
    >>> examples = [Example(("a", "gem"), "1"), Example(("a", "dud"), "0")]
    >>> vocab = Vocabulary.build(e.tokens for e in examples)
    >>> task = get_task("classify")
    >>> data = task.encode(examples, vocab, labels=["0", "1"])
    >>> model = TextClassifier(LSTM(4, hidden_size=3), num_classes=2, vocab_size=len(vocab))
    >>> sorted(task.evaluate(model, task.eval_batches(data, batch_size=2)))
    ['accuracy', 'examples', 'loss']
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rational.errors import ConfigError
from rational.train.batching import Batch, classification_batches, stream_batches
from rational.train.data import encode_labels
from rational.train.sources import Example
from rational.train.vocab import Vocabulary

__all__ = [
    "TASKS",
    "ClassificationData",
    "ClassificationTask",
    "LanguageModelingTask",
    "StepResult",
    "StreamData",
    "Task",
    "get_task",
]


@dataclass
class ClassificationData:
    """Token ids per text and a class id per text."""

    token_ids: list[list[int]]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class StreamData:
    """One token stream (every text followed by ``<eos>``)."""

    stream: Tensor

    def __len__(self) -> int:
        return len(self.stream)


@dataclass
class StepResult:
    """What one batch gives: the mean loss, how many items it averages over, the state to carry,
    and (classification) how many predictions were right."""

    loss: Tensor
    count: int
    state: Any = None
    correct: int | None = None


def detach_state(state: Any) -> Any:
    """A carried encoder state cut from the graph of the batch that produced it."""
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    if isinstance(state, dict):
        return {k: detach_state(v) for k, v in state.items()}
    return state


class Task(ABC):
    """What the trainer needs to know about a task."""

    name: str
    #: the name of the dev metric and whether higher is better
    metric: str
    higher_is_better: bool

    @abstractmethod
    def encode(self, examples: Sequence[Example], vocab: Vocabulary, labels: Sequence[str] | None = None) -> Any:
        """Examples as tensors the batches are cut from."""

    @abstractmethod
    def train_batches(self, data: Any, batch_size: int, generator: torch.Generator) -> list[Batch]:
        """The batches of one training epoch (their order depends only on ``generator``)."""

    @abstractmethod
    def eval_batches(self, data: Any, batch_size: int) -> list[Batch]:
        """The batches of an evaluation."""

    @abstractmethod
    def step(self, model: nn.Module, batch: Batch, state: Any = None) -> StepResult:
        """Run the model on a batch (continuing from ``state`` when the task carries one)."""

    def evaluate(self, model: nn.Module, batches: Sequence[Batch], device: str | torch.device = "cpu") -> dict[str, float]:
        """The metric and the mean loss over batches, with the model in evaluation mode."""
        was_training = model.training
        model.eval()
        total, count, correct, state = 0.0, 0, 0, None
        with torch.no_grad():
            for batch in batches:
                result = self.step(model, batch.to(device), state)
                state = result.state
                total += result.loss.item() * result.count
                count += result.count
                correct += result.correct or 0
        model.train(was_training)
        return self.summary(total / max(count, 1), count, correct)

    def better(self, value: float, best: float | None) -> bool:
        """Whether ``value`` improves on ``best``."""
        if best is None:
            return True
        return value > best if self.higher_is_better else value < best

    @abstractmethod
    def summary(self, mean_loss: float, count: int, correct: int) -> dict[str, float]:
        """The metrics of an evaluation from its totals."""


class ClassificationTask(Task):
    """Classify texts; cross-entropy loss; accuracy."""

    name = "classify"
    metric = "accuracy"
    higher_is_better = True

    def encode(self, examples: Sequence[Example], vocab: Vocabulary, labels: Sequence[str] | None = None) -> ClassificationData:
        if labels is None:
            raise ConfigError("classification data needs the list of labels")
        return ClassificationData([vocab.encode(e.tokens) for e in examples], encode_labels(examples, labels))

    def train_batches(self, data: ClassificationData, batch_size: int, generator: torch.Generator) -> list[Batch]:
        return classification_batches(data.token_ids, data.labels, batch_size, shuffle=True, generator=generator)

    def eval_batches(self, data: ClassificationData, batch_size: int) -> list[Batch]:
        return classification_batches(data.token_ids, data.labels, batch_size)

    def step(self, model: nn.Module, batch: Batch, state: Any = None) -> StepResult:
        logits = model(batch.tokens, batch.mask)
        correct = int((logits.argmax(dim=-1) == batch.targets).sum())
        return StepResult(F.cross_entropy(logits, batch.targets), len(batch), None, correct)

    def summary(self, mean_loss: float, count: int, correct: int) -> dict[str, float]:
        return {"accuracy": correct / max(count, 1), "loss": mean_loss, "examples": count}


class LanguageModelingTask(Task):
    """Predict the next token of a stream; cross-entropy per token; perplexity ``exp(mean loss)``.

    Args:
        bptt: tokens per row and batch (truncated back-propagation through time).
    """

    name = "lm"
    metric = "perplexity"
    higher_is_better = False

    def __init__(self, bptt: int = 35) -> None:
        if bptt < 1:
            raise ConfigError(f"bptt must be at least 1, got {bptt}")
        self.bptt = bptt

    def encode(self, examples: Sequence[Example], vocab: Vocabulary, labels: Sequence[str] | None = None) -> StreamData:
        return StreamData(torch.tensor([i for e in examples for i in vocab.encode(e.tokens)], dtype=torch.long))

    def train_batches(self, data: StreamData, batch_size: int, generator: torch.Generator) -> list[Batch]:
        # the order is the stream's: shuffling would break the state carried between batches
        return stream_batches(data.stream, batch_size, self.bptt)

    def eval_batches(self, data: StreamData, batch_size: int) -> list[Batch]:
        return stream_batches(data.stream, batch_size, self.bptt)

    def step(self, model: nn.Module, batch: Batch, state: Any = None) -> StepResult:
        carry = getattr(model.encoder, "supports_state", False)
        output = model(batch.tokens, batch.mask, state if carry else None)
        if hasattr(model, "next_token_loss"):  # the adaptive softmax never forms the full logits
            loss = model.next_token_loss(output, batch.targets)
        else:
            loss = F.cross_entropy(output.logits.reshape(-1, output.logits.shape[-1]), batch.targets.reshape(-1))
        return StepResult(loss, batch.targets.numel(), detach_state(output.state) if carry else None)

    def summary(self, mean_loss: float, count: int, correct: int) -> dict[str, float]:
        return {"perplexity": math.exp(min(mean_loss, 700.0)), "loss": mean_loss, "tokens": count}


#: The tasks by name.
TASKS = {"classify": ClassificationTask, "lm": LanguageModelingTask}


def get_task(name: str, bptt: int = 35) -> Task:
    """The task called ``name`` (``"classify"`` or ``"lm"``).

    Raises:
        ConfigError: for an unknown name.
    """
    if name == "classify":
        return ClassificationTask()
    if name == "lm":
        return LanguageModelingTask(bptt)
    raise ConfigError(f"unknown task {name!r}; choose one of {', '.join(TASKS)}")
