"""Checkpoint folders: what a training run writes, loading it back, and evaluating it on new data.

A checkpoint folder holds

- ``config.json``: the task, the model (:class:`~rational.models.registry.ModelConfig`),
  the data settings (paths, format, tokenizer), the labels and the training settings;
- ``vocab.json``: the vocabulary;
- ``model.pt``: the weights with the best dev metric;
- ``training_state.pt`` and ``metrics.jsonl``: for resuming, and the training curve.

Examples:
    >>> import tempfile
    >>> from rational.train.pipeline import DataConfig, train
    >>> from rational.train.synthetic import write_sentiment_splits
    >>> from rational.train.trainer import TrainerConfig
    >>> folder = tempfile.mkdtemp()
    >>> paths = write_sentiment_splits(folder, train=40, dev=20, test=20)
    >>> data = DataConfig(train=str(paths["train"]), dev=str(paths["dev"]))
    >>> _ = train(folder + "/run", data=data, model="gru", model_options={"hidden_size": 4},
    ...           embedding_dim=4, training=TrainerConfig(epochs=1, quiet=True))
    >>> result = evaluate_checkpoint(folder + "/run", paths["test"])
    >>> result["examples"], 0.0 <= result["accuracy"] <= 1.0
    (20, True)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from rational.errors import FormatError
from rational.models.registry import ModelConfig, build_model
from rational.train.data import read_examples, resolve_format
from rational.train.tasks import get_task
from rational.train.trainer import MODEL_FILE, TrainerConfig
from rational.train.vocab import Tokenizer, Vocabulary

__all__ = ["CONFIG_FILE", "VOCAB_FILE", "Checkpoint", "evaluate_checkpoint", "load_checkpoint", "read_config"]

CONFIG_FILE = "config.json"
VOCAB_FILE = "vocab.json"
CHECKPOINT_FORMAT = "rational-checkpoint"
CHECKPOINT_VERSION = 1


@dataclass
class Checkpoint:
    """A trained model with everything needed to use it.

    Attributes:
        model: the model with its best weights, in evaluation mode.
        vocab: its vocabulary.
        config: the whole ``config.json``.
        tokenizer: the tokenizer its data was read with.
        labels: the class labels (classification), in class-id order.
    """

    model: nn.Module
    vocab: Vocabulary
    config: dict[str, Any]
    tokenizer: Tokenizer
    labels: list[str] | None

    @property
    def task(self) -> str:
        return self.config["task"]


def read_config(folder: str | Path) -> dict[str, Any]:
    """The ``config.json`` of a checkpoint folder.

    Raises:
        FileNotFoundError: when the folder or its config is missing.
        FormatError: when the config is not a checkpoint config this version reads.
    """
    folder = Path(folder)
    path = folder / CONFIG_FILE
    if not folder.is_dir():
        raise FileNotFoundError(f"no such checkpoint folder: {folder}")
    if not path.is_file():
        raise FileNotFoundError(f"{folder} is not a checkpoint: it has no {CONFIG_FILE} (train into it first)")
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise FormatError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(config, dict) or config.get("format") != CHECKPOINT_FORMAT:
        raise FormatError(f"{path} is not a rational checkpoint config (no \"format\": \"{CHECKPOINT_FORMAT}\")")
    if config.get("version") != CHECKPOINT_VERSION:
        raise FormatError(f"{path} has checkpoint version {config.get('version')!r}; this version reads {CHECKPOINT_VERSION}")
    return config


def write_config(folder: str | Path, config: dict[str, Any]) -> Path:
    """Write ``config.json`` (adding the format marker and version)."""
    path = Path(folder) / CONFIG_FILE
    path.write_text(json.dumps({"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, **config}, indent=2) + "\n")
    return path


def load_checkpoint(folder: str | Path, device: str | torch.device = "cpu") -> Checkpoint:
    """Rebuild the model of a checkpoint folder from its config and load its best weights.

    Raises:
        FileNotFoundError: when the folder, its config, vocabulary or weights are missing.
        FormatError: when a file is not what a checkpoint holds.
    """
    folder = Path(folder)
    config = read_config(folder)
    vocab = Vocabulary.load(folder / VOCAB_FILE)
    model = build_model(ModelConfig.from_dict(config["model"]))
    weights = folder / MODEL_FILE
    if not weights.is_file():
        raise FileNotFoundError(f"{folder} has no {MODEL_FILE} yet: training has not finished an epoch")
    try:
        model.load_state_dict(torch.load(weights, map_location=device, weights_only=True))
    except (RuntimeError, OSError) as error:
        raise FormatError(f"{weights} does not fit the model in {CONFIG_FILE} ({error})") from None
    model.to(device).eval()
    data = config["data"]
    return Checkpoint(model, vocab, config, Tokenizer(**data["tokenizer"]), config.get("labels"))


def evaluate_checkpoint(
    folder: str | Path,
    data: str | Path,
    format: str = "auto",
    batch_size: int | None = None,
    device: str | torch.device = "cpu",
) -> dict[str, Any]:
    """Evaluate a saved model on a data file.

    The file is read with the checkpoint's tokenizer (and, for SST trees, its
    fine-grained setting); phrases are never expanded.

    Args:
        folder: the checkpoint folder.
        data: the data file.
        format: its format (``"auto"`` detects it).
        batch_size: evaluation batch size (default: the training one).
        device: where to run.

    Returns:
        The task's metrics (``accuracy``/``perplexity``, ``loss``, ``examples``/``tokens``) and the file.

    Raises:
        FileNotFoundError: for a missing checkpoint or data file.
        FormatError: for a malformed checkpoint or data file.
        DataError: for empty data or labels the model does not know.
    """
    checkpoint = load_checkpoint(folder, device)
    config = checkpoint.config
    training = TrainerConfig.from_dict(config["training"])
    format = resolve_format(data, checkpoint.task, format)
    fine_grained = config["data"]["fine_grained"] and format == "sst-trees"
    examples = read_examples(data, checkpoint.task, format, checkpoint.tokenizer, fine_grained=fine_grained)
    task = get_task(checkpoint.task, training.bptt)
    encoded = task.encode(examples, checkpoint.vocab, checkpoint.labels)
    size = batch_size or training.eval_batch_size or training.batch_size
    metrics = task.evaluate(checkpoint.model, task.eval_batches(encoded, size), device)
    return {**metrics, "data": str(data)}

