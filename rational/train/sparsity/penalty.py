"""The group-lasso penalty and its proximal step.

The penalty is ``λ Σ_g ‖g‖₂`` over the state groups of :mod:`~rational.train.sparsity.groups`
(Yuan and Lin 2006): a sum of unsquared norms, so the optimum sets whole groups to
exactly zero. Added to the loss (:class:`GroupLasso`, a regularizer of the
:class:`~rational.train.trainer.Trainer`) it is minimized by (sub)gradients, which
drive groups towards zero; the **proximal step** (:func:`proximal_step`, and the
:class:`ProximalStep` hook run after every optimizer step) sets them to zero exactly:

    g ← g · max(0, 1 - τ / ‖g‖₂)

the proximal operator of ``τ ‖g‖₂`` (group soft-thresholding; Parikh and Boyd 2014,
§6.5.4), with ``τ = learning rate × λ``. It is computed without ever dividing by a
zero norm: groups with ``‖g‖₂ ≤ τ`` are set to zero outright.

Examples:
    >>> import torch
    >>> from rational import Real
    >>> from rational.nn import Template, compile
    >>> _ = torch.manual_seed(0)
    >>> module = compile(Template.chain(2, self_loops=range(1, 3)), Real, parameterization="projected",
    ...                  input_size=4, copies=3)
    >>> penalty = GroupLasso(0.1)(module)
    >>> penalty.backward()
    >>> bool(module.weight.grad.abs().sum() > 0)
    True
    >>> zeroed = proximal_step(module, threshold=1.0)       # τ larger than every group norm
    >>> zeroed, penalty_value(module).item()
    (6, 0.0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from rational.errors import ConfigError
from rational.train.sparsity.groups import block_norms, chain_blocks, group_norms

if TYPE_CHECKING:  # pragma: no cover
    from rational.train.trainer import Trainer

__all__ = ["GroupLasso", "ProximalStep", "group_scale", "penalty_value", "proximal_step"]


def _check_strength(strength: float, what: str = "the group-lasso strength λ") -> float:
    try:
        value = float(strength)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} must be a number, got {strength!r}") from None
    if not value >= 0 or value == float("inf"):
        raise ConfigError(f"{what} must be a finite number >= 0, got {strength!r}")
    return value


def penalty_value(model: nn.Module) -> Tensor:
    """``Σ_g ‖g‖₂`` over every state group of ``model`` (a differentiable scalar)."""
    return sum(norms.sum() for norms in group_norms(model))


class GroupLasso:
    """The regularizer ``model -> λ Σ_g ‖g‖₂`` (give it to the trainer's ``regularizers``).

    Args:
        strength: ``λ >= 0``.

    Raises:
        ConfigError: for a negative or non-finite strength.
    """

    def __init__(self, strength: float) -> None:
        self.strength = _check_strength(strength)

    def __call__(self, model: nn.Module) -> Tensor:
        return self.strength * penalty_value(model)

    def __repr__(self) -> str:
        return f"GroupLasso({self.strength!r})"


def group_scale(norms: Tensor, threshold: float) -> Tensor:
    """The factor ``max(0, 1 - τ/‖g‖)`` of each group, exactly zero where ``‖g‖ <= τ``.

    Examples:
        >>> group_scale(torch.tensor([0.0, 0.5, 2.0]), 1.0).tolist()
        [0.0, 0.0, 0.5]
    """
    keep = norms > threshold
    safe = torch.where(keep, norms, torch.ones_like(norms))  # never divide by a zero norm
    # (‖g‖ - τ) / ‖g‖, a quotient of tensors: ``τ / tensor`` multiplies by the
    # reciprocal, which overflows to inf on subnormal norms (0 · inf = NaN)
    return torch.where(keep, (safe - threshold) / safe, torch.zeros_like(norms))


@torch.no_grad()
def proximal_step(model: nn.Module, threshold: float) -> int:
    """Apply the group soft-threshold with ``τ = threshold`` to every state group, in place.

    Returns:
        The number of groups that are zero afterwards.

    Raises:
        ConfigError: for a negative threshold, or a model without state groups.
    """
    threshold = _check_strength(threshold, "the proximal threshold τ")
    zeros = 0
    for block in chain_blocks(model):
        scale = group_scale(block_norms(block), threshold)
        zeros += int((scale == 0).sum())
        for part in block.parts():
            factor = scale if part.states is None else scale[:, list(part.states)]
            part.values.mul_(factor.to(part.values.dtype)[..., None])
    return zeros


class ProximalStep:
    """A post-step hook: after every optimizer step, :func:`proximal_step` with
    ``τ = trainer.lr × λ`` (the proximal gradient step of the penalty ``λ Σ ‖g‖₂``).

    Args:
        strength: ``λ >= 0``.
    """

    def __init__(self, strength: float) -> None:
        self.strength = _check_strength(strength)

    def __call__(self, trainer: Trainer) -> None:
        proximal_step(trainer.model, trainer.lr * self.strength)

    def __repr__(self) -> str:
        return f"ProximalStep({self.strength!r})"
