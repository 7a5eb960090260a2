"""The trainer: Adam, clipping, word dropout, early stopping, schedules, checkpoints and exact resume.

One :class:`Trainer` serves both tasks (:mod:`rational.train.tasks`). With an output
folder it writes

- ``model.pt``: the weights with the best dev metric so far (what evaluation loads),
- ``training_state.pt``: everything needed to continue: weights, optimizer and
  scheduler states, the random number generators, the epoch and the position in it,
  the carried language-model state, the best dev metric and the early-stopping count,
- ``metrics.jsonl``: one JSON line per epoch.

``training_state.pt`` is written at the end of every epoch and, with
``checkpoint_every=N``, every ``N`` optimizer steps; writes are atomic. ``fit(resume=True)``
continues from it and ends with bitwise the same weights as a run that was never
interrupted (batch order depends only on the seed and the epoch, and every random
number generator is restored).

Extension points: ``regularizers`` are functions ``model -> scalar tensor`` added to
the loss (a group-lasso penalty, for instance), and ``post_step_hooks`` are functions
``trainer -> None`` called after every optimizer step (a proximal step, for instance,
reading the learning rate from ``trainer.optimizer``). Both must keep any state of
their own in the model for resume to stay exact.

Examples:
    >>> import torch
    >>> from rational.models import GRU, TextClassifier
    >>> from rational.train.tasks import ClassificationData
    >>> data = ClassificationData([[2, 3], [4, 5, 3], [2], [5, 4]], [1, 0, 1, 0])
    >>> _ = torch.manual_seed(0)
    >>> model = TextClassifier(GRU(4, hidden_size=4), num_classes=2, vocab_size=6)
    >>> trainer = Trainer(model, "classify", data, data, TrainerConfig(epochs=2, batch_size=2, quiet=True))
    >>> result = trainer.fit()
    >>> result.epochs, result.metric, 0.0 <= result.best_metric <= 1.0
    (2, 'accuracy', True)
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from rational.errors import ConfigError, FormatError
from rational.train.batching import word_dropout
from rational.train.tasks import Task, get_task

__all__ = [
    "MODEL_FILE",
    "METRICS_FILE",
    "SCHEDULES",
    "STATE_FILE",
    "TrainResult",
    "Trainer",
    "TrainerConfig",
    "seed_everything",
]

MODEL_FILE = "model.pt"
STATE_FILE = "training_state.pt"
METRICS_FILE = "metrics.jsonl"

#: ``constant``; ``linear`` decay to zero over all steps; ``plateau``: multiply by
#: ``lr_decay`` after every epoch whose dev metric does not improve.
SCHEDULES = ("constant", "linear", "plateau")

Regularizer = Callable[[nn.Module], Tensor]
PostStepHook = Callable[["Trainer"], None]


@dataclass
class TrainerConfig:
    """Training settings.

    Attributes:
        epochs: passes over the training data.
        batch_size: texts per batch (language modeling: parallel rows of the stream).
        lr: Adam's learning rate.
        weight_decay: Adam's L2 penalty.
        clip: gradient-norm clipping threshold; ``None`` for none.
        word_dropout: probability of replacing a training token by ``<unk>``.
        patience: stop after this many epochs without a better dev metric; ``None`` never stops early.
        schedule: learning-rate schedule, one of :data:`SCHEDULES`.
        lr_decay: the factor of the ``plateau`` schedule.
        bptt: language modeling: tokens per row and batch.
        eval_batch_size: batch size for evaluation (default: ``batch_size``).
        seed: seeds weight initialization (by the caller), dropout and batch order.
        checkpoint_every: also write the training state every this many steps.
        device: where to train (``"cpu"``, ``"cuda"``).
        quiet: no progress bars or log lines.
    """

    epochs: int = 10
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.0
    clip: float | None = 5.0
    word_dropout: float = 0.0
    patience: int | None = None
    schedule: str = "constant"
    lr_decay: float = 0.5
    bptt: int = 35
    eval_batch_size: int | None = None
    seed: int = 0
    checkpoint_every: int | None = None
    device: str = "cpu"
    quiet: bool = False

    def __post_init__(self) -> None:
        positive = {"epochs": self.epochs, "batch_size": self.batch_size, "bptt": self.bptt}
        positive.update({k: v for k, v in (("eval_batch_size", self.eval_batch_size),
                                           ("checkpoint_every", self.checkpoint_every),
                                           ("patience", self.patience)) if v is not None})
        for name, value in positive.items():
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if not self.lr > 0:
            raise ConfigError(f"lr must be positive, got {self.lr!r}")
        if self.clip is not None and not self.clip > 0:
            raise ConfigError(f"clip must be positive or None, got {self.clip!r}")
        if not 0.0 <= self.word_dropout < 1.0:
            raise ConfigError(f"word_dropout must be in [0, 1), got {self.word_dropout!r}")
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"unknown schedule {self.schedule!r}; choose one of {', '.join(SCHEDULES)}")
        if not 0.0 < self.lr_decay < 1.0:
            raise ConfigError(f"lr_decay must be in (0, 1), got {self.lr_decay!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainerConfig:
        """The inverse of :meth:`to_dict`.

        Raises:
            ConfigError: for unknown keys or bad values.
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown training setting(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}")
        return cls(**data)


@dataclass
class TrainResult:
    """How training went.

    Attributes:
        metric: the dev metric's name (``accuracy`` or ``perplexity``).
        best_metric: its best value (``None`` without dev data).
        best_epoch: the epoch that reached it.
        epochs: epochs completed.
        steps: optimizer steps taken.
        stopped_early: whether early stopping ended training.
        history: the metrics line of every epoch.
    """

    metric: str
    best_metric: float | None
    best_epoch: int | None
    epochs: int
    steps: int
    stopped_early: bool
    history: list[dict[str, Any]] = field(default_factory=list)


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and torch's random number generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _rng_states() -> dict[str, Any]:
    kind, keys, position, has_gauss, cached = np.random.get_state()
    states = {
        "python": random.getstate(),
        "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), position, has_gauss, cached),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def _set_rng_states(states: dict[str, Any]) -> None:
    random.setstate(states["python"])
    kind, keys, position, has_gauss, cached = states["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), position, has_gauss, cached))
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def _device(name: str) -> torch.device:
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"unknown device {name!r}; use cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r} asked for, but torch sees no CUDA GPU here; use cpu")
    return device


def _save_atomically(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file, then rename: a kill never leaves half a file."""
    temporary = path.with_name(path.name + ".tmp")
    torch.save(obj, temporary)
    os.replace(temporary, path)


class Trainer:
    """Train a model on a task, with early stopping on dev data and exact resume.

    Args:
        model: a :class:`~rational.models.heads.TextClassifier` or
            :class:`~rational.models.heads.LanguageModel` (anything the task's ``step`` accepts).
        task: ``"classify"``, ``"lm"`` or a :class:`~rational.train.tasks.Task`.
        train: encoded training data (:meth:`Task.encode`).
        dev: encoded dev data for early stopping and model selection (optional).
        config: training settings.
        out: the output folder (model, training state, metrics); ``None`` keeps
            everything in memory.
        regularizers: functions ``model -> scalar`` added to the training loss.
        post_step_hooks: functions ``trainer -> None`` run after every optimizer step.
        unk_index: the ``<unk>`` id word dropout substitutes.
        log: where one-line epoch summaries go (default: standard error; nothing when quiet).
    """

    def __init__(
        self,
        model: nn.Module,
        task: str | Task,
        train: Any,
        dev: Any = None,
        config: TrainerConfig | None = None,
        out: str | Path | None = None,
        regularizers: Sequence[Regularizer] = (),
        post_step_hooks: Sequence[PostStepHook] = (),
        unk_index: int = 1,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config or TrainerConfig()
        self.task = get_task(task, self.config.bptt) if isinstance(task, str) else task
        if self.config.schedule == "plateau" and dev is None:
            raise ConfigError("the plateau schedule follows the dev metric; give dev data or another schedule")
        self.device = _device(self.config.device)
        self.model = model.to(self.device)
        self.train_data, self.dev_data = train, dev
        self.out = None if out is None else Path(out)
        self.regularizers = list(regularizers)
        self.post_step_hooks = list(post_step_hooks)
        self.unk_index = unk_index
        self.log = log or (lambda line: None if self.config.quiet else print(line, file=sys.stderr))
        # the fused implementation: one kernel over all parameters, several times faster on CPU
        # (dense updates of a large embedding dominate small models' steps otherwise)
        self.optimizer = torch.optim.Adam(
            model.parameters(), lr=self.config.lr, weight_decay=self.config.weight_decay, fused=True
        )
        self.steps_per_epoch = len(self.task.train_batches(train, self.config.batch_size, self._generator(1)))
        self.scheduler = self._scheduler()
        self.step = 0
        self.epoch = 1
        self.best_metric: float | None = None
        self.best_epoch: int | None = None
        self._best_weights: dict[str, Tensor] | None = None

    def add_regularizer(self, regularizer: Regularizer) -> None:
        """Add ``regularizer(model)`` to the training loss from now on."""
        self.regularizers.append(regularizer)

    def add_post_step_hook(self, hook: PostStepHook) -> None:
        """Call ``hook(trainer)`` after every optimizer step from now on."""
        self.post_step_hooks.append(hook)

    @property
    def lr(self) -> float:
        """The current learning rate."""
        return self.optimizer.param_groups[0]["lr"]

    def _scheduler(self) -> Any:
        if self.config.schedule == "linear":
            total = self.config.epochs * self.steps_per_epoch
            return torch.optim.lr_scheduler.LambdaLR(self.optimizer, lambda step: max(0.0, 1.0 - step / total))
        if self.config.schedule == "plateau":
            mode = "max" if self.task.higher_is_better else "min"
            return torch.optim.lr_scheduler.ReduceLROnPlateau(
                self.optimizer, mode=mode, factor=self.config.lr_decay, patience=0
            )
        return None

    def _generator(self, epoch: int) -> torch.Generator:
        """The batch order of an epoch depends on the seed and the epoch only (so resume can rebuild it)."""
        return torch.Generator().manual_seed(self.config.seed * 100_003 + epoch)

    def evaluate(self, data: Any) -> dict[str, float]:
        """The task's metrics of the current model on encoded data."""
        batch_size = self.config.eval_batch_size or self.config.batch_size
        return self.task.evaluate(self.model, self.task.eval_batches(data, batch_size), self.device)

    # ----- training -----

    def fit(self, resume: bool = False) -> TrainResult:
        """Train for the configured epochs (or until early stopping), then load the best weights.

        Args:
            resume: continue from ``out/training_state.pt``.

        Returns:
            The best dev metric, the epochs and steps run, and the metric history.

        Raises:
            ConfigError: for ``resume`` without an output folder or saved state.
        """
        progress = self._fresh_progress()
        if resume:
            progress = self._load_state()
        else:
            seed_everything(self.config.seed)
            if self.out is not None:
                self.out.mkdir(parents=True, exist_ok=True)
                (self.out / METRICS_FILE).write_text("")
        while not progress["finished"] and self.epoch <= self.config.epochs:
            self._run_epoch(progress)
        if self._best_weights is not None:
            self.model.load_state_dict(self._best_weights)
        elif self.out is not None and (self.out / MODEL_FILE).is_file():
            self.model.load_state_dict(torch.load(self.out / MODEL_FILE, map_location=self.device, weights_only=True))
        return TrainResult(
            self.task.metric,
            self.best_metric,
            self.best_epoch,
            self.epoch - 1,
            self.step,
            progress["stopped_early"],
            list(progress["history"]),
        )

    @staticmethod
    def _fresh_progress() -> dict[str, Any]:
        return {
            "batch": 0,
            "loss_sum": 0.0,
            "count": 0,
            "correct": 0,
            "penalty_sum": 0.0,
            "carried": None,
            "bad_epochs": 0,
            "finished": False,
            "stopped_early": False,
            "history": [],
            "seconds": 0.0,
        }

    def _run_epoch(self, progress: dict[str, Any]) -> None:
        config, epoch = self.config, self.epoch
        batches = self.task.train_batches(self.train_data, config.batch_size, self._generator(epoch))
        started = time.perf_counter() - progress["seconds"]
        bar = tqdm(
            total=len(batches),
            initial=progress["batch"],
            desc=f"epoch {epoch}/{config.epochs}",
            disable=config.quiet,
            leave=False,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        self.model.train()
        state = progress["carried"]
        for index in range(progress["batch"], len(batches)):
            batch = batches[index].to(self.device)
            if config.word_dropout > 0:
                batch.tokens = word_dropout(batch.tokens, batch.mask, config.word_dropout, self.unk_index)
            result = self.task.step(self.model, batch, state)
            state = result.state
            loss = result.loss
            if self.regularizers:
                penalty = sum(regularizer(self.model) for regularizer in self.regularizers)
                loss = loss + penalty
                progress["penalty_sum"] += float(penalty.detach())
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.clip is not None:
                nn.utils.clip_grad_norm_(self.model.parameters(), config.clip)
            self.optimizer.step()
            if self.config.schedule == "linear":
                self.scheduler.step()
            self.step += 1
            for hook in self.post_step_hooks:
                hook(self)
            progress["batch"] = index + 1
            progress["loss_sum"] += result.loss.item() * result.count
            progress["count"] += result.count
            progress["correct"] += result.correct or 0
            progress["carried"] = state
            bar.update(1)
            bar.set_postfix(loss=f"{progress['loss_sum'] / progress['count']:.4f}", refresh=False)
            if config.checkpoint_every and self.step % config.checkpoint_every == 0 and index + 1 < len(batches):
                progress["seconds"] = time.perf_counter() - started
                self._save_state(progress)
        bar.close()
        self._end_epoch(progress, time.perf_counter() - started)

    def _end_epoch(self, progress: dict[str, Any], seconds: float) -> None:
        task, epoch = self.task, self.epoch
        train_metrics = task.summary(progress["loss_sum"] / max(progress["count"], 1), progress["count"], progress["correct"])
        line: dict[str, Any] = {"event": "epoch", "epoch": epoch, "step": self.step, "lr": self.lr}
        line.update({f"train_{k}": v for k, v in train_metrics.items()})
        if self.regularizers:
            line["train_penalty"] = progress["penalty_sum"] / max(progress["batch"], 1)
        line["seconds"] = round(seconds, 3)
        improved = True
        if self.dev_data is not None:
            dev = self.evaluate(self.dev_data)
            line.update({f"dev_{k}": v for k, v in dev.items()})
            improved = task.better(dev[task.metric], self.best_metric)
            if improved:
                self.best_metric, self.best_epoch = dev[task.metric], epoch
            if self.config.schedule == "plateau":
                self.scheduler.step(dev[task.metric])
        else:
            self.best_epoch = epoch
        line["best"] = improved
        if improved:
            self._keep_best()
            progress["bad_epochs"] = 0
        else:
            progress["bad_epochs"] += 1
        progress["history"].append(line)
        self._write_metrics(line)
        self.log(self._summary_line(line))
        if self.config.patience is not None and progress["bad_epochs"] >= self.config.patience:
            progress["finished"] = progress["stopped_early"] = True
            self.log(f"early stop: no better dev {task.metric} for {progress['bad_epochs']} epoch(s)")
        self.epoch += 1
        progress.update(batch=0, loss_sum=0.0, count=0, correct=0, penalty_sum=0.0, carried=None, seconds=0.0)
        if self.epoch > self.config.epochs:
            progress["finished"] = True
        self._save_state(progress)

    def _summary_line(self, line: dict[str, Any]) -> str:
        metric = self.task.metric
        parts = [f"epoch {line['epoch']}", f"train loss {line['train_loss']:.4f}"]
        if f"dev_{metric}" in line:
            parts.append(f"dev {metric} {line[f'dev_{metric}']:.4f}" + (" (best)" if line["best"] else ""))
        parts.append(f"{line['seconds']:.1f}s")
        return ", ".join(parts)

    def _keep_best(self) -> None:
        if self.out is None:
            self._best_weights = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        else:
            _save_atomically(self.model.state_dict(), self.out / MODEL_FILE)

    def _write_metrics(self, line: dict[str, Any]) -> None:
        if self.out is not None:
            with open(self.out / METRICS_FILE, "a") as handle:
                handle.write(json.dumps(line) + "\n")

    # ----- checkpoints -----

    def _save_state(self, progress: dict[str, Any]) -> None:
        if self.out is None:
            return
        metrics = self.out / METRICS_FILE
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": None if self.scheduler is None else self.scheduler.state_dict(),
            "epoch": self.epoch,
            "step": self.step,
            "best_metric": self.best_metric,
            "best_epoch": self.best_epoch,
            "progress": progress,
            "metrics_bytes": metrics.stat().st_size if metrics.exists() else 0,
            "rng": _rng_states(),
        }
        _save_atomically(state, self.out / STATE_FILE)

    def _load_state(self) -> dict[str, Any]:
        if self.out is None:
            raise ConfigError("resuming needs the output folder the interrupted run wrote (out=...)")
        path = self.out / STATE_FILE
        if not path.is_file():
            raise ConfigError(f"nothing to resume: {path} does not exist (train without resume first)")
        try:
            state = torch.load(path, map_location=self.device, weights_only=True)
        except Exception as error:  # a truncated or foreign file: say which
            raise FormatError(f"{path} is not a training state this version can read ({error})") from None
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state["scheduler"] is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        self.epoch, self.step = state["epoch"], state["step"]
        self.best_metric, self.best_epoch = state["best_metric"], state["best_epoch"]
        metrics = self.out / METRICS_FILE
        if metrics.exists():
            # lines written after the checkpoint belong to work that is redone now
            with open(metrics, "r+b") as handle:
                handle.truncate(state["metrics_bytes"])
        _set_rng_states(state["rng"])
        progress = state["progress"]
        if progress["finished"]:
            self.log(f"nothing to resume: training already finished after epoch {self.epoch - 1}")
        elif progress["batch"]:
            self.log(f"resuming epoch {self.epoch} at batch {progress['batch'] + 1} (step {self.step})")
        else:
            self.log(f"resuming at epoch {self.epoch} (step {self.step})")
        return progress

