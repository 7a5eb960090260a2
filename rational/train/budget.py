"""A wall-clock budget for training: a post-step hook that ends a run in time.

:class:`TimeBudget` is a ``post_step_hook`` (see :class:`~rational.train.trainer.Trainer`)
that raises :class:`BudgetExhausted` when the time is up, and at the first step of an
epoch that would not finish in the remaining time (at the mean duration of the
epochs so far, dev evaluation included), so no time goes into an epoch that cannot
count. The best weights of the finished epochs are in the run's ``model.pt``:
evaluate them with :func:`~rational.train.checkpoint.evaluate_checkpoint`.

Examples:
    >>> import tempfile
    >>> from rational.train.pipeline import DataConfig, train
    >>> from rational.train.synthetic import write_sentiment_splits
    >>> from rational.train.trainer import TrainerConfig
    >>> folder = tempfile.mkdtemp()
    >>> paths = write_sentiment_splits(folder, train=40, dev=10, test=10)
    >>> data = DataConfig(train=str(paths["train"]), dev=str(paths["dev"]))
    >>> budget = TimeBudget(0.0)
    >>> try:
    ...     train(folder + "/run", data=data, model="gru", model_options={"hidden_size": 4}, embedding_dim=4,
    ...           training=TrainerConfig(epochs=5, quiet=True), post_step_hooks=[budget])
    ... except BudgetExhausted as stop:
    ...     print(stop.epochs_done)
    0
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from rational.train.trainer import Trainer

__all__ = ["BudgetExhausted", "TimeBudget"]


class BudgetExhausted(Exception):
    """Training stopped for lack of time.

    Attributes:
        epochs_done: the epochs that finished (their best weights are saved).
        seconds: the time spent when training stopped.
    """

    def __init__(self, epochs_done: int, seconds: float) -> None:
        super().__init__(f"time budget spent after {epochs_done} finished epoch(s) ({seconds:.0f} s)")
        self.epochs_done = epochs_done
        self.seconds = seconds


class TimeBudget:
    """A post-step hook that stops training when ``seconds`` have passed.

    Args:
        seconds: the budget, counted from ``start`` (data reading and model building
            count when the clock starts before them).
        start: a ``time.perf_counter()`` value; the first step by default.
    """

    def __init__(self, seconds: float, start: float | None = None) -> None:
        self.seconds = float(seconds)
        self.start = start
        self._first_epoch_start: float | None = None
        self._first_epoch: int | None = None
        self._epoch: int | None = None

    def __call__(self, trainer: Trainer) -> None:
        now = time.perf_counter()
        if self.start is None:
            self.start = now
        epoch = trainer.epoch
        if epoch != self._epoch:  # the first step of an epoch
            self._epoch = epoch
            if self._first_epoch is None:
                self._first_epoch, self._first_epoch_start = epoch, now
            elif self._fits(now, epoch) is False:
                raise BudgetExhausted(epoch - 1, now - self.start)
        if now - self.start > self.seconds:
            raise BudgetExhausted(epoch - 1, now - self.start)

    def _fits(self, now: float, epoch: int) -> bool:
        finished = epoch - self._first_epoch
        mean = (now - self._first_epoch_start) / finished
        return now - self.start + mean <= self.seconds
