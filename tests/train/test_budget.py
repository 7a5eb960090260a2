"""The wall-clock budget hook: stops when time is up, and never starts an epoch that cannot finish."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from rational.train import budget as budget_module
from rational.train.budget import BudgetExhausted, TimeBudget


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def steps(hook, clock, epochs, steps_per_epoch, seconds_per_step):
    """Call the hook as a trainer would; return the (epoch, step) it stopped at, or None."""
    trainer = SimpleNamespace(epoch=1)
    for epoch in range(1, epochs + 1):
        trainer.epoch = epoch
        for step in range(steps_per_epoch):
            clock.now += seconds_per_step
            try:
                hook(trainer)
            except BudgetExhausted as stop:
                return epoch, step, stop
    return None


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(budget_module.time, "perf_counter", fake)
    return fake


def test_an_epoch_that_would_not_finish_is_not_started(clock):
    # epochs of 10 s; a budget of 35 s from the start: three epochs fit, the fourth would end at 40 s
    stopped = steps(TimeBudget(35.0, start=clock.now), clock, epochs=10, steps_per_epoch=10, seconds_per_step=1.0)
    epoch, step, stop = stopped
    assert (epoch, step) == (4, 0) and stop.epochs_done == 3
    assert "after 3 finished epoch(s)" in str(stop)


def test_time_up_inside_the_first_epoch(clock):
    epoch, step, stop = steps(TimeBudget(5.0), clock, epochs=3, steps_per_epoch=10, seconds_per_step=1.0)
    assert (epoch, step) == (1, 6) and stop.epochs_done == 0 and stop.seconds == pytest.approx(6.0)


def test_a_sufficient_budget_never_stops(clock):
    assert steps(TimeBudget(1000.0), clock, epochs=5, steps_per_epoch=10, seconds_per_step=1.0) is None
