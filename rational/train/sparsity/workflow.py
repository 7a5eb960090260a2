"""The whole method on encoded data: train with the penalty, prune, fine-tune, measure.

:func:`sparsify` runs one strength λ: train with the group lasso (its penalty in the
loss, or its proximal step), prune at a threshold, fine-tune the pruned model
without the penalty, and evaluate after each stage. :func:`lambda_sweep` runs it for
several λ from the same initialization; :func:`fine_tune` is training without the
penalty.

Examples:
    >>> Stage("pruned", states=12, parameters=340, metrics={"dev": {"accuracy": 0.9}}).metric("dev", "accuracy")
    0.9
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from rational.errors import ConfigError
from rational.train.sparsity.groups import count_states
from rational.train.sparsity.penalty import GroupLasso, ProximalStep
from rational.train.sparsity.pruning import PruneResult, count_parameters, prune
from rational.train.tasks import Task, get_task
from rational.train.trainer import Trainer, TrainerConfig, TrainResult

__all__ = ["SparsifyResult", "Stage", "evaluate", "fine_tune", "lambda_sweep", "sparsify", "train_sparse"]


def _task(task: str | Task, config: TrainerConfig) -> Task:
    return get_task(task, config.bptt) if isinstance(task, str) else task


def train_sparse(
    model: nn.Module,
    task: str | Task,
    train: Any,
    dev: Any = None,
    config: TrainerConfig | None = None,
    *,
    strength: float,
    prox: bool = False,
    out: str | None = None,
    log: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train ``model`` (in place) with the group lasso of strength ``strength``.

    Args:
        model: a model with state groups (see :mod:`~rational.train.sparsity.groups`).
        task: ``"classify"``, ``"lm"`` or a task object.
        train: encoded training data.
        dev: encoded dev data: the trainer keeps the weights of the best dev epoch.
            Without it the last epoch's weights are kept (the sparsest ones: the
            penalty keeps shrinking groups to the end).
        config: the trainer's settings.
        strength: λ; ``0`` trains without the penalty.
        prox: apply the proximal step after every optimizer step instead of adding
            the penalty to the loss (exact zeros during training).
        out: a checkpoint folder for the trainer, or ``None``.
        log: where the trainer's lines go.

    Returns:
        The trainer's result.
    """
    config = config or TrainerConfig()
    regularizers, hooks = [], []
    if strength > 0 or prox:
        (hooks if prox else regularizers).append(ProximalStep(strength) if prox else GroupLasso(strength))
    trainer = Trainer(model, _task(task, config), train, dev, config, out, regularizers, hooks, log=log)
    return trainer.fit()


def fine_tune(
    model: nn.Module,
    task: str | Task,
    train: Any,
    dev: Any = None,
    config: TrainerConfig | None = None,
    *,
    out: str | None = None,
    log: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train a pruned ``model`` further, in place, without the penalty (Dodge et al. 2019)."""
    config = config or TrainerConfig()
    return Trainer(model, _task(task, config), train, dev, config, out, log=log).fit()


def evaluate(model: nn.Module, task: str | Task, data: Any, batch_size: int = 64) -> dict[str, float]:
    """The task's metrics (``accuracy`` or ``perplexity``, ``loss``) of ``model`` on encoded data."""
    task = get_task(task) if isinstance(task, str) else task
    return task.evaluate(model, task.eval_batches(data, batch_size))


@dataclass
class Stage:
    """The model after one stage (``trained``, ``pruned``, ``fine-tuned``): its size and metrics.

    Attributes:
        name: the stage.
        states: grouped states the model has (``trained``: those pruning keeps).
        parameters: trainable parameters.
        metrics: per split (``dev``, ``test``), the task's metrics.
        seconds: the time the stage took.
    """

    name: str
    states: int
    parameters: int
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0

    def metric(self, split: str, name: str) -> float | None:
        """One metric of one split, or ``None`` when it was not measured."""
        return self.metrics.get(split, {}).get(name)


@dataclass
class SparsifyResult:
    """One λ: the stages and the final (pruned, fine-tuned) model.

    Attributes:
        strength: λ.
        threshold: the pruning threshold.
        prox: whether the proximal step was used.
        states_total: the grouped states of the unpruned model.
        parameters_total: its trainable parameters.
        stages: ``trained``, ``pruned`` and ``fine-tuned`` (the last two absent when
            pruning would remove every state).
        pruning: what :func:`~rational.train.sparsity.pruning.prune` returned.
        model: the final model (``None`` when everything was pruned).
        trained_model: the model as trained with the penalty, before pruning.
    """

    strength: float
    threshold: float
    prox: bool
    states_total: int
    parameters_total: int
    stages: list[Stage]
    pruning: PruneResult | None = field(default=None, repr=False)
    model: nn.Module | None = field(default=None, repr=False)
    trained_model: nn.Module | None = field(default=None, repr=False)

    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return {
            "strength": self.strength,
            "threshold": self.threshold,
            "prox": self.prox,
            "states_total": self.states_total,
            "parameters_total": self.parameters_total,
            "stages": [
                {"name": s.name, "states": s.states, "parameters": s.parameters, "metrics": s.metrics,
                 "seconds": round(s.seconds, 3)}
                for s in self.stages
            ],
        }


def _measure(model: nn.Module, task: Task, splits: dict[str, Any], batch_size: int) -> dict[str, dict[str, float]]:
    return {name: evaluate(model, task, data, batch_size) for name, data in splits.items() if data is not None}


def sparsify(
    model: nn.Module,
    task: str | Task,
    train: Any,
    dev: Any = None,
    test: Any = None,
    *,
    strength: float,
    threshold: float = 0.1,
    training: TrainerConfig | None = None,
    fine_tuning: TrainerConfig | None = None,
    prox: bool = False,
    log: Callable[[str], None] | None = None,
) -> SparsifyResult:
    """Train with the group lasso, prune, fine-tune; measure each stage on dev and test.

    Args:
        model: a freshly initialized model with state groups; it is trained in place
            (the pruned model is a new object).
        task: ``"classify"``, ``"lm"`` or a task object.
        train: encoded training data.
        dev: encoded dev data (measured at every stage; fine-tuning keeps its best epoch).
        test: encoded test data (measured at every stage).
        strength: λ.
        threshold: the pruning threshold on group norms.
        training: the settings of the sparse training (it keeps its last epoch).
        fine_tuning: the settings of fine-tuning; ``None`` skips it.
        prox: use the proximal step.
        log: where a line goes when pruning would remove every state (the trainer
            reports as ``training.quiet`` says).

    Returns:
        The stages and the final model. When pruning would remove every state the
        result has only the ``trained`` stage and no model.
    """
    training = training or TrainerConfig(quiet=True)
    task = _task(task, training)
    batch_size = training.eval_batch_size or training.batch_size
    splits = {"dev": dev, "test": test}
    states_total, parameters_total = count_states(model), count_parameters(model)
    started = time.perf_counter()
    train_sparse(model, task, train, None, training, strength=strength, prox=prox)
    stages = [Stage("trained", count_states(model, threshold), parameters_total, _measure(model, task, splits, batch_size),
                    time.perf_counter() - started)]
    result = SparsifyResult(strength, threshold, prox, states_total, parameters_total, stages, trained_model=model)
    started = time.perf_counter()
    try:
        pruning = prune(model, threshold)
    except ConfigError as error:
        if "removes every state" not in str(error):
            raise
        if log is not None:
            log(f"λ = {strength:g}: {error}")
        return result
    pruned = pruning.model
    stages.append(Stage("pruned", pruning.states_after, pruning.parameters_after,
                        _measure(pruned, task, splits, batch_size), time.perf_counter() - started))
    result.pruning, result.model = pruning, pruned
    if fine_tuning is not None:
        started = time.perf_counter()
        fine_tune(pruned, task, train, dev, fine_tuning)
        stages.append(Stage("fine-tuned", pruning.states_after, pruning.parameters_after,
                            _measure(pruned, task, splits, batch_size), time.perf_counter() - started))
    return result


def lambda_sweep(
    strengths: Sequence[float],
    build: Callable[[], nn.Module],
    task: str | Task,
    train: Any,
    dev: Any = None,
    test: Any = None,
    *,
    threshold: float = 0.1,
    training: TrainerConfig | None = None,
    fine_tuning: TrainerConfig | None = None,
    prox: bool = False,
    log: Callable[[str], None] | None = None,
) -> list[SparsifyResult]:
    """:func:`sparsify` for every λ in ``strengths``, each from the same initial weights.

    Args:
        strengths: the λ values (``0`` gives the unregularized model).
        build: returns a freshly initialized model (called once; each λ trains a copy).
        task: as in :func:`sparsify`.
        train: as in :func:`sparsify`.
        dev: as in :func:`sparsify`.
        test: as in :func:`sparsify`.
        threshold: as in :func:`sparsify`.
        training: as in :func:`sparsify`.
        fine_tuning: as in :func:`sparsify`.
        prox: as in :func:`sparsify`.
        log: also gets one line per λ.

    Returns:
        One result per λ, in order.
    """
    initial = build()
    results = []
    for strength in strengths:
        run = sparsify(copy.deepcopy(initial), task, train, dev, test, strength=strength, threshold=threshold,
                       training=training, fine_tuning=fine_tuning, prox=prox, log=log)
        if log is not None:
            last = run.stages[-1]
            log(f"λ = {strength:g}: {last.states}/{run.states_total} states, {last.parameters:,} parameters ({last.name})")
        results.append(run)
    return results

