"""Search for the group-lasso strength λ that leaves a target number of states.

How many states survive a λ is known only after training, so the search trains,
counts, and moves λ multiplicatively (Dodge et al. 2019): too many states, multiply
λ by the rate; too few, divide. Each time the count jumps over the target the rate
is pulled towards one, ``rate ← (rate + 1) / 2``, so the steps shrink and the
search settles between an overshoot and an undershoot.

Examples:
    >>> # a stand-in for training: the states a λ leaves, falling with λ
    >>> result = search_lambda(10, lambda strength: round(40 / (1 + 100 * strength)),
    ...                        initial=0.001, tolerance=1)
    >>> result.converged, result.states, len(result.trials) > 1
    (True, 10, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from rational.errors import ConfigError
from rational.train.sparsity.pruning import pruned_lengths

__all__ = ["SearchResult", "Trial", "search_lambda", "states_at"]


@dataclass
class Trial:
    """One training run of the search: its λ, the states it kept, and what it returned."""

    strength: float
    states: int
    outcome: Any = field(default=None, repr=False)


@dataclass
class SearchResult:
    """The outcome of :func:`search_lambda`.

    Attributes:
        strength: the λ of the chosen trial.
        states: the states it kept.
        outcome: what training returned for it (a model, a run result, ...).
        converged: whether that count is within the tolerance of the target (when
            not, the chosen trial is the closest one).
        trials: every trial, in order.
        reason: why the search stopped.
    """

    strength: float
    states: int
    outcome: Any
    converged: bool
    trials: list[Trial]
    reason: str


def states_at(threshold: float) -> Callable[[nn.Module], int]:
    """A counter for :func:`search_lambda`: the states :func:`~rational.train.sparsity.pruning.prune`
    would keep at ``threshold`` in a trained model."""

    def count(model: nn.Module) -> int:
        return int(sum(int(keep.sum()) for keep in pruned_lengths(model, threshold)))

    return count


def _positive(value: float, what: str) -> float:
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{what} must be a finite number > 0, got {value!r}")
    return float(value)


def search_lambda(
    target_states: int,
    train: Callable[[float], Any],
    *,
    count: Callable[[Any], int] | None = None,
    initial: float = 1e-3,
    tolerance: int = 0,
    rate: float = 2.0,
    max_trials: int = 12,
    bounds: tuple[float, float] = (1e-9, 1e3),
    log: Callable[[str], None] | None = None,
) -> SearchResult:
    """Train with λ adjusted multiplicatively until ``target_states ± tolerance`` states survive.

    Args:
        target_states: how many states the model should keep.
        train: trains a model with group-lasso strength λ and returns it (or any
            outcome ``count`` reads).
        count: the number of states an outcome keeps; by default ``train`` returns
            the count itself (an ``int``) or a model, counted with :func:`states_at`
            at threshold ``0.1`` (the one of Dodge et al.).
        initial: the first λ.
        tolerance: how far from the target a count may be.
        rate: the first multiplicative step (``> 1``).
        max_trials: the most training runs.
        bounds: λ stays inside ``[low, high]``; the search stops at a bound it cannot pass.
        log: where one line per trial goes.

    Returns:
        The chosen λ and trial (within the tolerance, or the closest), and every trial.

    Raises:
        ConfigError: for a negative target or tolerance, a rate not above one, or
            non-positive λ values.
    """
    if not isinstance(target_states, int) or target_states < 0:
        raise ConfigError(f"target_states must be a non-negative integer, got {target_states!r}")
    if not isinstance(tolerance, int) or tolerance < 0:
        raise ConfigError(f"tolerance must be a non-negative integer, got {tolerance!r}")
    if not isinstance(max_trials, int) or max_trials < 1:
        raise ConfigError(f"max_trials must be a positive integer, got {max_trials!r}")
    strength = _positive(initial, "the initial λ")
    if _positive(rate, "the rate") <= 1:
        raise ConfigError(f"the rate must be above 1 (λ is multiplied or divided by it), got {rate!r}")
    low, high = (_positive(b, "a λ bound") for b in bounds)
    counter = count or _default_count
    trials: list[Trial] = []
    last_direction = 0
    reason = f"no count within {tolerance} of {target_states} after {max_trials} trials"
    for _ in range(max_trials):
        outcome = train(strength)
        states = int(counter(outcome))
        trials.append(Trial(strength, states, outcome))
        if log is not None:
            log(f"λ = {strength:.4g}: {states} states (target {target_states} ± {tolerance})")
        if abs(states - target_states) <= tolerance:
            reason = "within tolerance"
            break
        direction = 1 if states > target_states else -1  # +1: λ must grow
        if last_direction and direction != last_direction:
            rate = (rate + 1) / 2
        last_direction = direction
        following = strength * rate if direction > 0 else strength / rate
        if not low <= following <= high:
            reason = f"λ would leave [{low:g}, {high:g}]"
            break
        strength = following
    best = min(trials, key=lambda t: (abs(t.states - target_states), -t.states))
    converged = abs(best.states - target_states) <= tolerance
    return SearchResult(best.strength, best.states, best.outcome, converged, trials, reason)


def _default_count(outcome: Any) -> int:
    if isinstance(outcome, bool):
        raise ConfigError("train returned a bool; return a model or a number of states")
    if isinstance(outcome, int):
        return outcome
    if isinstance(outcome, nn.Module):
        return states_at(0.1)(outcome)
    raise ConfigError(f"cannot count the states of a {type(outcome).__name__}; pass count=...")
