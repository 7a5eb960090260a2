"""Training from files: read the data, build the vocabulary and the model, train, test; and resume.

This is what ``rational train`` runs. Everything a run needs is stored in its output
folder (see :mod:`rational.train.checkpoint`), so :func:`resume` needs nothing but
the folder, and ``rational evaluate`` nothing but the folder and a data file.

Examples:
    >>> import tempfile
    >>> from rational.train.synthetic import write_sentiment_splits
    >>> folder = tempfile.mkdtemp()
    >>> paths = write_sentiment_splits(folder, train=60, dev=20, test=20)
    >>> data = DataConfig(train=str(paths["train"]), dev=str(paths["dev"]), test=str(paths["test"]))
    >>> result = train(folder + "/run", data=data, model="lstm", model_options={"hidden_size": 8},
    ...                embedding_dim=8, training=TrainerConfig(epochs=2, quiet=True))
    >>> result.epochs, result.metric, sorted(result.test)
    (2, 'accuracy', ['accuracy', 'examples', 'loss'])
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import torch

from rational.errors import ConfigError, DataError
from rational.models.registry import ModelConfig, build_model
from rational.train.checkpoint import VOCAB_FILE, read_config, write_config
from rational.train.data import label_names, read_examples, resolve_format
from rational.train.sources import Example
from rational.train.tasks import get_task
from rational.train.trainer import (
    METRICS_FILE,
    STATE_FILE,
    PostStepHook,
    Regularizer,
    Trainer,
    TrainerConfig,
    seed_everything,
)
from rational.train.vectors import load_vectors, vector_dimension
from rational.train.vocab import Tokenizer, Vocabulary

__all__ = ["DataConfig", "RunResult", "resume", "train"]


@dataclass
class DataConfig:
    """Where the data is and how to read it.

    Attributes:
        train: the training file.
        dev: the dev file (model selection, early stopping, plateau schedule).
        test: the test file, evaluated once with the best weights at the end.
        format: ``"auto"`` (detected per file) or one of :data:`rational.train.data.FORMATS` for every file.
        phrases: SST trees: train on every labelled phrase of the training file (dev and
            test stay whole sentences).
        fine_grained: SST trees: five classes instead of binary.
        tokenizer: ``"whitespace"`` or ``"simple"``.
        lowercase: lower-case all text.
        min_count: the fewest training occurrences a token needs to get its own id.
        max_vocab: keep at most this many tokens (most frequent first).
        vectors: a GloVe/word2vec text file to initialize the embeddings from.
        freeze_vectors: keep the embeddings fixed during training.
    """

    train: str
    dev: str | None = None
    test: str | None = None
    format: str = "auto"
    phrases: bool = False
    fine_grained: bool = False
    tokenizer: str = "whitespace"
    lowercase: bool = False
    min_count: int = 1
    max_vocab: int | None = None
    vectors: str | None = None
    freeze_vectors: bool = False

    def make_tokenizer(self) -> Tokenizer:
        return Tokenizer(self.tokenizer, self.lowercase)

    def read(self, path: str, task: str, phrases: bool = False) -> list[Example]:
        """Read one file with these settings (``phrases`` for the training file only)."""
        format = resolve_format(path, task, self.format)
        fine_grained = self.fine_grained and (format == "sst-trees" or path == self.train)
        return read_examples(path, task, format, self.make_tokenizer(), phrases=phrases, fine_grained=fine_grained)


@dataclass
class RunResult:
    """What :func:`train` and :func:`resume` report.

    Attributes:
        out: the checkpoint folder.
        task: ``classify`` or ``lm``.
        metric: the dev metric's name.
        best_dev: its best value (``None`` without dev data).
        best_epoch: the epoch that reached it.
        epochs: epochs completed.
        steps: optimizer steps taken.
        stopped_early: whether early stopping ended training.
        test: the test metrics of the best weights (empty without a test file).
        seconds: wall-clock time of this call.
        seconds_per_epoch: mean training time of the epochs run (dev evaluation excluded).
    """

    out: str
    task: str
    metric: str
    best_dev: float | None
    best_epoch: int | None
    epochs: int
    steps: int
    stopped_early: bool
    test: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    seconds_per_epoch: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _default_log(quiet: bool) -> Callable[[str], None]:
    return (lambda line: None) if quiet else (lambda line: print(line, file=sys.stderr))


def train(
    out: str | Path,
    *,
    data: DataConfig,
    task: str = "classify",
    model: str = "lstm",
    model_options: dict[str, Any] | None = None,
    embedding_dim: int | None = None,
    mlp_hidden: int | None = None,
    dropout: float = 0.0,
    tie_embeddings: bool = False,
    softmax: str = "full",
    cutoffs: Sequence[int] | None = None,
    training: TrainerConfig | None = None,
    regularizers: Sequence[Regularizer] = (),
    post_step_hooks: Sequence[PostStepHook] = (),
    log: Callable[[str], None] | None = None,
) -> RunResult:
    """Train a model on data files and write a checkpoint folder.

    Args:
        out: the output folder; it must not hold another run's training state.
        data: the files and how to read them.
        task: ``"classify"`` or ``"lm"``.
        model: a registered model name (:data:`rational.models.ENCODERS`).
        model_options: options of the model's builder (``hidden_size``, ``layers``, ...).
        embedding_dim: embedding dimension (default: the vectors' dimension, else 100).
        mlp_hidden: classification: hidden units of a ReLU MLP on the pooled vector.
        dropout: the head's dropout.
        tie_embeddings: language modeling: tie the output layer to the embedding.
        softmax: language modeling: ``"full"`` or ``"adaptive"`` (see
            :class:`~rational.models.heads.LanguageModel`).
        cutoffs: language modeling: the adaptive softmax's cluster boundaries.
        training: the trainer's settings.
        regularizers: added to the training loss (see :class:`~rational.train.trainer.Trainer`).
        post_step_hooks: run after every optimizer step.
        log: where progress lines go (default: standard error unless ``training.quiet``).

    Returns:
        The best dev metric, test metrics and timing.

    Raises:
        FileNotFoundError: for a missing data file.
        FormatError: for a malformed line (with its file and line number).
        DataError: for empty data, a single label, or labels unknown to training.
        ConfigError: for unusable settings or an output folder that holds a run.
    """
    started = time.perf_counter()
    training = training or TrainerConfig()
    log = log or _default_log(training.quiet)
    out = Path(out)
    if (out / STATE_FILE).exists():
        raise ConfigError(f"{out} already holds a training run; resume it (--resume) or choose another output folder")
    get_task(task, training.bptt)  # validates the task name before any reading
    # absolute paths, so that resume works from any working directory
    data = replace(data, **{k: str(Path(v).resolve()) for k, v in _paths(data).items()})
    train_examples = data.read(data.train, task, phrases=data.phrases)
    dev_examples = data.read(data.dev, task) if data.dev else None
    labels = label_names(train_examples) if task == "classify" else None
    if labels is not None and len(labels) < 2:
        raise DataError(f"{data.train} has a single label {labels[0]!r}; classification needs at least two")
    vocab = Vocabulary.build((e.tokens for e in train_examples), data.min_count, data.max_vocab)
    if embedding_dim is None:
        embedding_dim = vector_dimension(data.vectors) if data.vectors else 100
    model_config = ModelConfig(
        encoder=model,
        task=task,
        vocab_size=len(vocab),
        embedding_dim=embedding_dim,
        encoder_options=dict(model_options or {}),
        num_classes=len(labels) if labels else None,
        mlp_hidden=mlp_hidden,
        dropout=dropout,
        tie_embeddings=tie_embeddings,
        softmax=softmax,
        cutoffs=list(cutoffs) if cutoffs is not None else None,
    )
    seed_everything(training.seed)
    network = build_model(model_config)
    if data.vectors:
        found = load_vectors(network.embedding, vocab, data.vectors)
        log(f"pretrained vectors for {found:,} of {len(vocab) - 2:,} tokens from {data.vectors}")
    _freeze(network, data.freeze_vectors)
    config = {
        "task": task,
        "model": model_config.to_dict(),
        "data": {**asdict(data), "tokenizer": data.make_tokenizer().to_dict(), "train_sha256": _sha256(data.train)},
        "labels": labels,
        "training": training.to_dict(),
    }
    config["data"].pop("lowercase")
    out.mkdir(parents=True, exist_ok=True)
    write_config(out, config)
    vocab.save(out / VOCAB_FILE)
    parameters = sum(p.numel() for p in network.parameters() if p.requires_grad)
    log(
        f"{task}: {len(train_examples):,} training examples"
        + (f", {len(dev_examples):,} dev" if dev_examples else "")
        + f"; vocabulary {len(vocab):,}; model {model} with {parameters:,} trainable parameters"
    )
    return _fit(out, config, network, vocab, train_examples, dev_examples, False, regularizers, post_step_hooks, log, started)


def resume(
    out: str | Path,
    regularizers: Sequence[Regularizer] = (),
    post_step_hooks: Sequence[PostStepHook] = (),
    log: Callable[[str], None] | None = None,
    quiet: bool | None = None,
) -> RunResult:
    """Continue an interrupted :func:`train` run from its output folder.

    The data files are read again from the paths in ``config.json``; the training
    file must be unchanged.

    Args:
        out: the run's output folder.
        regularizers: as given to the interrupted run (they are code, not saved).
        post_step_hooks: as given to the interrupted run.
        log: where progress lines go.
        quiet: override the saved setting for progress output.

    Raises:
        FileNotFoundError: for a missing folder, config or data file.
        ConfigError: when there is no training state or the training file changed.
    """
    started = time.perf_counter()
    out = Path(out)
    config = read_config(out)
    if quiet is not None:
        config["training"]["quiet"] = quiet
    log = log or _default_log(config["training"]["quiet"])
    data = _data_config(config)
    if not (out / STATE_FILE).is_file():
        raise ConfigError(f"nothing to resume in {out}: it has no {STATE_FILE}")
    if _sha256(data.train) != config["data"]["train_sha256"]:
        raise ConfigError(f"{data.train} changed since the run started; resuming would not continue the same training")
    task = config["task"]
    train_examples = data.read(data.train, task, phrases=data.phrases)
    dev_examples = data.read(data.dev, task) if data.dev else None
    vocab = Vocabulary.load(out / VOCAB_FILE)
    network = build_model(ModelConfig.from_dict(config["model"]))
    _freeze(network, data.freeze_vectors)
    return _fit(out, config, network, vocab, train_examples, dev_examples, True, regularizers, post_step_hooks, log, started)


def _paths(data: DataConfig) -> dict[str, str]:
    return {k: getattr(data, k) for k in ("train", "dev", "test", "vectors") if getattr(data, k)}


def _data_config(config: dict[str, Any]) -> DataConfig:
    """The :class:`DataConfig` stored in a run's ``config.json``."""
    stored = {k: v for k, v in config["data"].items() if k in {f.name for f in fields(DataConfig)}}
    tokenizer = config["data"]["tokenizer"]
    return DataConfig(**{**stored, "tokenizer": tokenizer["kind"], "lowercase": tokenizer["lowercase"]})


def _freeze(network: torch.nn.Module, freeze: bool) -> None:
    if freeze:
        network.embedding.weight.requires_grad_(False)


def _fit(
    out: Path,
    config: dict[str, Any],
    network: torch.nn.Module,
    vocab: Vocabulary,
    train_examples: list[Example],
    dev_examples: list[Example] | None,
    resuming: bool,
    regularizers: Sequence[Regularizer],
    post_step_hooks: Sequence[PostStepHook],
    log: Callable[[str], None],
    started: float,
) -> RunResult:
    training = TrainerConfig.from_dict(config["training"])
    task = get_task(config["task"], training.bptt)
    labels = config["labels"]
    trainer = Trainer(
        network,
        task,
        task.encode(train_examples, vocab, labels),
        None if dev_examples is None else task.encode(dev_examples, vocab, labels),
        training,
        out,
        regularizers,
        post_step_hooks,
        unk_index=vocab.unk_index,
        log=log,
    )
    result = trainer.fit(resume=resuming)
    test: dict[str, Any] = {}
    test_path = config["data"].get("test")
    if test_path:
        test_examples = _data_config(config).read(test_path, config["task"])
        test = trainer.evaluate(task.encode(test_examples, vocab, labels))
        line = {"event": "test", **{f"test_{k}": v for k, v in test.items()}}
        with open(out / METRICS_FILE, "a") as handle:
            handle.write(json.dumps(line) + "\n")
        log(f"test {task.metric} {test[task.metric]:.4f}")
    epoch_seconds = [line["seconds"] for line in result.history]
    return RunResult(
        out=str(out),
        task=config["task"],
        metric=result.metric,
        best_dev=result.best_metric,
        best_epoch=result.best_epoch,
        epochs=result.epochs,
        steps=result.steps,
        stopped_early=result.stopped_early,
        test=test,
        seconds=round(time.perf_counter() - started, 3),
        seconds_per_epoch=round(sum(epoch_seconds) / len(epoch_seconds), 3) if epoch_seconds else None,
    )
