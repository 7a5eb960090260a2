"""Semiring arithmetic on torch tensors for the compiled modules.

Modules compute in a *working* semiring and convert back to the user's semiring at
the end (see :func:`working_semiring`):

=============  ==================  =====================================
user semiring  working semiring    working values
=============  ==================  =====================================
``Real``       ``Real``            the weights themselves (any sign)
``Log``        ``Log``             log-weights
``MaxPlus``    ``MaxPlus``         log-scores
``Tropical``   ``Tropical``        costs
``MaxTimes``   ``MaxPlus``         logarithms of the weights
``Boolean``    ``MaxPlus``         0 for True, -inf for False
=============  ==================  =====================================

``Boolean`` runs in ``MaxPlus`` rather than as 0/1 ``Real`` values: counting paths
in ``Real`` overflows on long inputs (and ``inf · 0`` is NaN), while max-plus over
``{0, -inf}`` is exact at any length.

The reductions here differ from the semiring objects' own torch operations only in
their gradients: where a ⊕-sum is the semiring zero (no path at all) they pass a
zero gradient instead of NaN (``logsumexp`` of only ``-inf``) or an arbitrary split
(``amax`` of only ``-inf``). Values are identical.

Examples:
    >>> import torch
    >>> from rational.semirings import Log
    >>> x = torch.full((3,), float("-inf"), requires_grad=True)
    >>> total = semiring_sum(Log, x, -1)
    >>> total.backward()
    >>> total.item(), x.grad.tolist()
    (-inf, [0.0, 0.0, 0.0])
"""

from __future__ import annotations

import numpy as np
import torch

from rational.errors import DivergenceError, UnsupportedSemiringError
from rational.semirings import Boolean, Log, MaxPlus, MaxTimes, Real, Semiring, Tropical

__all__ = [
    "WORKING_SEMIRINGS",
    "closure",
    "from_working",
    "from_working_numpy",
    "is_member",
    "semiring_plus",
    "semiring_sum",
    "semiring_times",
    "star",
    "to_working_numpy",
    "vecmat",
    "working_semiring",
]

#: The semirings that modules compute in.
WORKING_SEMIRINGS: tuple[Semiring, ...] = (Real, Log, MaxPlus, Tropical)

_WORKING = {Real: Real, Log: Log, MaxPlus: MaxPlus, Tropical: Tropical, MaxTimes: MaxPlus, Boolean: MaxPlus}


def working_semiring(semiring: Semiring) -> Semiring:
    """The semiring a module over ``semiring`` computes in.

    Raises:
        UnsupportedSemiringError: for semirings other than the built-in ones.
    """
    try:
        return _WORKING[semiring]
    except (KeyError, TypeError):
        raise UnsupportedSemiringError(
            f"cannot compile a {getattr(semiring, 'name', semiring)!r} automaton: modules support "
            "Real, Log, MaxPlus, Tropical, MaxTimes and Boolean"
        ) from None


def to_working_numpy(semiring: Semiring, values) -> np.ndarray:
    """Weights of the user's ``semiring`` as float64 working values."""
    values = np.asarray(values)
    if semiring is Boolean:
        return np.where(values.astype(bool), 0.0, -np.inf)
    values = values.astype(np.float64)
    if semiring is MaxTimes:
        with np.errstate(divide="ignore"):
            return np.log(values)
    return values


def from_working_numpy(semiring: Semiring, values) -> np.ndarray:
    """Working values (float) back as weights of the user's ``semiring``."""
    values = np.asarray(values, dtype=np.float64)
    if semiring is Boolean:
        return values > -np.inf
    if semiring is MaxTimes:
        return np.exp(values)
    return values


def from_working(semiring: Semiring, values: torch.Tensor) -> torch.Tensor:
    """Working values back as weights of the user's ``semiring`` (a tensor)."""
    if semiring is Boolean:
        return values > float("-inf")
    if semiring is MaxTimes:
        return values.exp()
    return values


def semiring_plus(ring: Semiring, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a ⊕ b`` elementwise with zero gradients where both are the zero."""
    if ring is Real:
        return a + b
    if ring is Log:
        both_zero = (a == float("-inf")) & (b == float("-inf"))
        if not bool(both_zero.any()):
            return torch.logaddexp(a, b)
        safe = torch.logaddexp(a.masked_fill(both_zero, 0.0), b.masked_fill(both_zero, 0.0))
        return safe.masked_fill(both_zero, float("-inf"))
    if ring is MaxPlus:
        return torch.maximum(a, b)
    if ring is Tropical:
        return torch.minimum(a, b)
    raise UnsupportedSemiringError(f"{ring.name} is not a working semiring")


def semiring_times(ring: Semiring, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a ⊗ b`` elementwise."""
    return a * b if ring is Real else a + b


def semiring_sum(ring: Semiring, x: torch.Tensor, dim: int) -> torch.Tensor:
    """⊕-reduce ``x`` along ``dim`` (the zero for an empty axis), with zero
    gradients where the result is the semiring zero."""
    if ring is Real:
        return x.sum(dim)
    if x.shape[dim] == 0:
        shape = list(x.shape)
        del shape[dim]
        return x.new_full(shape, ring.zero)
    if ring is Log:
        shift = x.detach().amax(dim, keepdim=True)
        shift = torch.where(torch.isfinite(shift), shift, torch.zeros_like(shift))
        total = torch.exp(x - shift).sum(dim)
        positive = total > 0
        out = torch.log(torch.where(positive, total, torch.ones_like(total))) + shift.squeeze(dim)
        return out.masked_fill(~positive, float("-inf"))
    if ring is MaxPlus:
        out = x.amax(dim)
    elif ring is Tropical:
        out = x.amin(dim)
    else:
        raise UnsupportedSemiringError(f"{ring.name} is not a working semiring")
    # amax splits the gradient among ties; among only zeros there is no best path.
    return torch.where(out == ring.zero, out.detach(), out)


def vecmat(ring: Semiring, vector: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """The semiring product ``v ⊗ M`` of row vectors ``(..., Q)`` and matrices
    ``(..., Q, R)`` (batch axes broadcast); exact in every working semiring."""
    if ring is Real:
        return torch.matmul(vector.unsqueeze(-2), matrix).squeeze(-2)
    return semiring_sum(ring, semiring_times(ring, vector.unsqueeze(-1), matrix), -2)


def star(ring: Semiring, x: torch.Tensor) -> torch.Tensor:
    """``x* = 1 ⊕ x ⊕ x ⊗ x ⊕ ...`` elementwise; ``nan``/``inf`` outside its domain
    (where the series diverges), for the caller to report."""
    if ring is Real:
        inside = x.abs() < 1
        safe = torch.where(inside, x, torch.zeros_like(x))
        return torch.where(inside, 1.0 / (1.0 - safe), torch.full_like(x, float("inf")))
    if ring is Log:
        below = x < 0
        safe = torch.where(below, x, torch.full_like(x, -1.0))
        return torch.where(below, -torch.log1p(-torch.exp(safe)), torch.full_like(x, float("inf")))
    if ring is MaxPlus:
        return torch.where(x <= 0, torch.zeros_like(x), torch.full_like(x, float("inf")))
    if ring is Tropical:
        return torch.where(x >= 0, torch.zeros_like(x), torch.full_like(x, float("-inf")))
    raise UnsupportedSemiringError(f"{ring.name} is not a working semiring")


def is_member(ring: Semiring, x: torch.Tensor) -> torch.Tensor:
    """Elementwise: which values belong to the working semiring (NaN never does)."""
    if ring is Real:
        return torch.isfinite(x)
    if ring is Tropical:
        return ~torch.isnan(x) & (x > float("-inf"))
    return ~torch.isnan(x) & (x < float("inf"))


def closure(ring: Semiring, matrix: torch.Tensor, what: str = "epsilon cycles") -> torch.Tensor:
    """``E* = I ⊕ E ⊕ E ⊗ E ⊕ ...`` of square matrices ``(..., Q, Q)``, differentiable.

    Floyd-Warshall-Kleene elimination (Lehmann 1977) in the semiring: ``Q`` steps,
    each a rank-one update through one state. For non-negative ``Real`` weights and
    for ``Log`` the pivots stay below one exactly when the series converges.

    Raises:
        DivergenceError: when the series diverges (a cycle of weight ≥ 1 in
            ``Real``/``Log``, a positive cycle in ``MaxPlus``, a negative one in
            ``Tropical``).
    """
    size = matrix.shape[-1]
    if ring is Real and bool((matrix < 0).any()):
        # signed weights: the series converges absolutely iff it does for |E|
        with torch.no_grad():
            closure(ring, matrix.detach().abs(), what)
    current = matrix
    for k in range(size):
        loop = star(ring, current[..., k, k])
        if not bool(is_member(ring, loop).all()):
            raise DivergenceError(
                f"the {ring.name} sum over {what} through state {k} diverges (cycle weight "
                f"{current[..., k, k].detach().flatten()[~is_member(ring, loop).flatten()][0].item():.6g}); "
                "keep the weights of cycles below one"
            )
        through = semiring_times(ring, current[..., :, k], loop.unsqueeze(-1))
        update = semiring_times(ring, through.unsqueeze(-1), current[..., k, :].unsqueeze(-2))
        current = semiring_plus(ring, current, update)
    identity = torch.full_like(current, ring.zero)
    identity.diagonal(dim1=-2, dim2=-1).fill_(ring.one)
    result = semiring_plus(ring, identity, current)
    if not bool(is_member(ring, result).all()):
        raise DivergenceError(f"the {ring.name} sum over {what} diverges")
    return result
