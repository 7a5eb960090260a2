"""Semirings: the algebra every automaton and algorithm is generic over.

A semiring is a small stateless object with two operations, ⊕ (``plus``) and ⊗
(``times``), their identities ``zero`` and ``one``, and vectorized helpers built on
them (``sum``, ``prod``, ``matmul``, ``cumsum``, ``star``, ``divide``). Every
operation accepts numpy arrays, Python scalars and torch tensors alike and returns
the same kind it was given.

The built-in semirings are singletons:

=============  =====================  ===========  =====  =====  =====
name           values                 ⊕            ⊗      0      1
=============  =====================  ===========  =====  =====  =====
``Boolean``    bool                   or           and    False  True
``Real``       float (any sign)       \\+           ×      0      1
``Log``        log-weight             logaddexp    \\+     -inf   0
``Tropical``   cost                   min          \\+     +inf   0
``MaxPlus``    log-score              max          \\+     -inf   0
``MaxTimes``   float ≥ 0              max          ×      0      1
=============  =====================  ===========  =====  =====  =====

User-defined semirings subclass :class:`Semiring` and implement ``plus``, ``times``,
``zero`` and ``one`` (plus the flags); the base class derives slow but correct
versions of the vectorized helpers from them.

Examples:
    >>> import numpy as np
    >>> from rational.semirings import Log, Tropical
    >>> float(Log.plus(np.log(0.25), np.log(0.5)))  # log(0.75)
    -0.2876820724517809
    >>> Tropical.matmul(np.array([[0.0, 1.0]]), np.array([[2.0], [0.5]]))
    array([[1.5]])
"""

from __future__ import annotations

import functools
import sys
from typing import Any, ClassVar

import numpy as np

from rational.errors import InvalidWeightError, UnsupportedSemiringError

__all__ = [
    "Boolean",
    "BUILTIN_SEMIRINGS",
    "Log",
    "MaxPlus",
    "MaxTimes",
    "Real",
    "Semiring",
    "Tropical",
]

# Broadcast matmuls (exact ⊕-reductions over an (n, k, m) block) are chunked over
# rows so that no temporary exceeds this many elements.
_BLOCK_ELEMENTS = 1 << 22


def is_tensor(x: Any) -> bool:
    """True when ``x`` is a torch tensor (without importing torch)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _torch():
    import torch

    return torch


class Semiring:
    """Base class of all semirings.

    Subclasses set ``name``, ``zero``, ``one``, ``dtype`` and the flags, and implement
    :meth:`plus` and :meth:`times`. Everything else has a generic (slow) default.

    Attributes:
        name: the registry name (used by serialization).
        zero: the ⊕ identity and ⊗ annihilator, as a Python value.
        one: the ⊗ identity.
        dtype: the numpy dtype of weights.
        idempotent: ``a ⊕ a = a``.
        commutative: ⊗ commutes.
        k_closed: sums over cycles are finite for the semiring's natural weights
            (Boolean; Tropical without negative cycles; max semirings without
            positive cycles).
        divisible: every non-zero element has a ⊗-inverse (needed by determinize
            and push).
        is_field: ⊕ has inverses too (Real), which exact equivalence needs.
        selection: ``"min"`` or ``"max"`` when ⊕ picks one of its arguments by an
            order (the path semirings), else ``None``.
        log_space: weights are logarithms or costs rather than linear values.

    Examples:
        >>> class Counting(Semiring):
        ...     name = "Counting"
        ...     zero, one, dtype = 0.0, 1.0, np.float64
        ...     commutative = True
        ...     def plus(self, a, b):
        ...         return a + b
        ...     def times(self, a, b):
        ...         return a * b
        >>> float(Counting().sum(np.array([1.0, 2.0, 3.0])))
        6.0
    """

    name: ClassVar[str] = "Semiring"
    zero: Any = None
    one: Any = None
    dtype: Any = np.float64
    idempotent: ClassVar[bool] = False
    commutative: ClassVar[bool] = False
    k_closed: ClassVar[bool] = False
    divisible: ClassVar[bool] = False
    is_field: ClassVar[bool] = False
    selection: ClassVar[str | None] = None
    log_space: ClassVar[bool] = False

    _registry: ClassVar[dict[str, Semiring]] = {}
    # numpy ufunc computing ⊕ (lets scatter_sum use ufunc.at); None for user semirings
    _plus_ufunc: ClassVar[Any] = None

    def __init__(self) -> None:
        Semiring._registry.setdefault(self.name, self)

    # -- registry -----------------------------------------------------------------
    @staticmethod
    def by_name(name: str) -> Semiring:
        """The semiring registered under ``name`` (built-ins and instantiated subclasses).

        Raises:
            UnsupportedSemiringError: naming the unknown name and the known ones.
        """
        try:
            return Semiring._registry[name]
        except KeyError:
            known = ", ".join(sorted(Semiring._registry))
            raise UnsupportedSemiringError(
                f"unknown semiring {name!r}; known semirings: {known}"
            ) from None

    def __reduce__(self):
        if Semiring._registry.get(self.name) is self:
            return (Semiring.by_name, (self.name,))
        return super().__reduce__()

    def __repr__(self) -> str:
        return self.name

    # -- the two operations (subclasses implement) --------------------------------
    def plus(self, a, b):
        """``a ⊕ b`` elementwise."""
        raise NotImplementedError(f"{self.name} must implement plus")

    def times(self, a, b):
        """``a ⊗ b`` elementwise."""
        raise NotImplementedError(f"{self.name} must implement times")

    # -- membership and validation ------------------------------------------------
    def is_member(self, x):
        """Elementwise mask of which values belong to the semiring (NaN never does)."""
        x = np.asarray(x)
        if x.dtype == bool:
            return np.ones(x.shape, dtype=bool)
        return ~np.isnan(x.astype(np.float64))

    def check(self, values, what: str = "weight") -> np.ndarray:
        """Convert ``values`` to this semiring's dtype, raising if any is not a member.

        Raises:
            InvalidWeightError: naming the first bad value.
        """
        try:
            raw = np.asarray(values)
            if raw.dtype.kind in "USV":
                raise TypeError
            if raw.dtype.kind not in "biuf":
                raw = raw.astype(np.float64)
        except (TypeError, ValueError):
            raise InvalidWeightError(
                f"{what} {values!r} is not a number of the {self.name} semiring"
            ) from None
        ok = self.is_member(raw)
        if not np.all(ok):
            bad = raw[~ok] if raw.ndim else raw
            bad_value = bad.flat[0] if raw.ndim else bad.item()
            raise InvalidWeightError(
                f"{what} {bad_value!r} is not a value of the {self.name} semiring "
                f"({self.describe_values()})"
            )
        return raw.astype(self.dtype)

    def describe_values(self) -> str:
        """A short phrase saying which values are members (used in error messages)."""
        return "any number but NaN"

    def isclose(self, a, b, tolerance: float = 1e-9):
        """Elementwise approximate equality, treating equal infinities as equal."""
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        same = a == b
        finite = np.isfinite(a) & np.isfinite(b)
        with np.errstate(invalid="ignore"):
            close = np.abs(a - b) <= tolerance * np.maximum(1.0, np.abs(b))
        return same | (finite & close)

    # -- helpers derived from plus/times ------------------------------------------
    def zeros(self, shape) -> np.ndarray:
        """A numpy array of ``zero``."""
        return np.full(shape, self.zero, dtype=self.dtype)

    def ones(self, shape) -> np.ndarray:
        """A numpy array of ``one``."""
        return np.full(shape, self.one, dtype=self.dtype)

    def sum(self, x, axis: int = -1):
        """⊕-reduce ``x`` along ``axis``."""
        return self._fold(self.plus, self.zero, x, axis)

    def prod(self, x, axis: int = -1):
        """⊗-reduce ``x`` along ``axis``."""
        return self._fold(self.times, self.one, x, axis)

    def _fold(self, op, identity, x, axis):
        if is_tensor(x):
            parts = x.unbind(axis)
        else:
            x = np.asarray(x, dtype=self.dtype)
            parts = [np.take(x, i, axis=axis) for i in range(x.shape[axis])]
        if not parts:
            shape = list(x.shape)
            del shape[axis]
            return self._full_like(x, shape, identity)
        return functools.reduce(op, parts)

    def _full_like(self, x, shape, value):
        if is_tensor(x):
            return _torch().full(shape, value, dtype=x.dtype, device=x.device)
        return np.full(shape, value, dtype=self.dtype)

    def scatter_sum(self, values, index, size: int) -> np.ndarray:
        """⊕-accumulate ``values[i]`` into slot ``index[i]`` of a length-``size`` array of zero."""
        out = self.zeros(size)
        if self._plus_ufunc is not None:
            self._plus_ufunc.at(out, np.asarray(index, dtype=np.int64), np.asarray(values))
        else:
            for i, v in zip(np.asarray(index).tolist(), values):
                out[i] = self.plus(out[i], v)
        return out

    def matmul(self, a, b):
        """Semiring matrix product over the last two axes (batch axes broadcast)."""
        k = a.shape[-1]
        if b.shape[-2] != k:
            raise ValueError(f"matmul shapes {tuple(a.shape)} and {tuple(b.shape)} do not align")
        if k == 0:
            batch = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
            return self._full_like(a, batch + (a.shape[-2], b.shape[-1]), self.zero)
        out = self.times(a[..., :, 0:1], b[..., 0:1, :])
        for i in range(1, k):
            out = self.plus(out, self.times(a[..., :, i : i + 1], b[..., i : i + 1, :]))
        return out

    def cumsum(self, x, axis: int = -1):
        """The ⊕-scan (inclusive prefix sums) along ``axis``."""
        if is_tensor(x):
            parts = list(x.unbind(axis))
            for i in range(1, len(parts)):
                parts[i] = self.plus(parts[i - 1], parts[i])
            return _torch().stack(parts, axis) if parts else x
        x = np.asarray(x, dtype=self.dtype)
        out = np.array(x, copy=True)
        moved = np.moveaxis(out, axis, 0)
        for i in range(1, moved.shape[0]):
            moved[i] = self.plus(moved[i - 1], moved[i])
        return out

    def star(self, x):
        """Kleene star ``x* = 1 ⊕ x ⊕ x⊗x ⊕ ...`` where the semiring defines it."""
        raise UnsupportedSemiringError(f"the {self.name} semiring defines no star (closure)")

    def divide(self, a, b):
        """``a ⊗ b⁻¹`` (right division) in divisible semirings."""
        raise UnsupportedSemiringError(
            f"the {self.name} semiring is not divisible: no ⊗-inverse to divide by"
        )

    def power(self, x, n: int):
        """``x ⊗ x ⊗ ... ⊗ x`` (``n`` times; ``one`` for ``n = 0``)."""
        out = self.one
        for _ in range(n):
            out = self.times(out, x)
        return out


# -- numeric helpers shared by the built-in semirings --------------------------------


def _finite_or_zero(m):
    if is_tensor(m):
        return _torch().where(_torch().isfinite(m), m, _torch().zeros_like(m))
    return np.where(np.isfinite(m), m, 0.0)


def _logsumexp(x, axis):
    if is_tensor(x):
        return _torch().logsumexp(x, dim=axis)
    x = np.asarray(x, dtype=np.float64)
    if x.shape[axis] == 0:
        shape = list(x.shape)
        del shape[axis]
        return np.full(shape, -np.inf)
    m = _finite_or_zero(np.max(x, axis=axis, keepdims=True))
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis)) + np.squeeze(m, axis=axis)
    return out


def _broadcast_reduce_matmul(a, b, combine, reduce):
    """``reduce_k combine(a[..., i, k], b[..., k, j])`` exactly, in row chunks."""
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul shapes {tuple(a.shape)} and {tuple(b.shape)} do not align")
    n, k, m = a.shape[-2], a.shape[-1], b.shape[-1]
    rows = max(1, _BLOCK_ELEMENTS // max(1, k * m))
    if is_tensor(a) or is_tensor(b):
        torch = _torch()
        a, b = torch.as_tensor(a), torch.as_tensor(b)
        if n <= rows:
            return reduce(combine(a.unsqueeze(-1), b.unsqueeze(-3)), -2)
        chunks = [
            reduce(combine(a[..., i : i + rows, :].unsqueeze(-1), b.unsqueeze(-3)), -2)
            for i in range(0, n, rows)
        ]
        return torch.cat(chunks, dim=-2)
    a, b = np.asarray(a), np.asarray(b)
    if n <= rows:
        return reduce(combine(a[..., :, :, None], b[..., None, :, :]), -2)
    chunks = [
        reduce(combine(a[..., i : i + rows, :, None], b[..., None, :, :]), -2)
        for i in range(0, n, rows)
    ]
    return np.concatenate(chunks, axis=-2)


def _float_check(x):
    return np.asarray(x, dtype=np.float64)


# -- the built-in semirings ------------------------------------------------------------


class _Boolean(Semiring):
    name = "Boolean"
    zero = False
    one = True
    dtype = np.bool_
    idempotent = True
    commutative = True
    k_closed = True
    divisible = True
    selection = "max"
    _plus_ufunc = np.logical_or

    def is_member(self, x):
        x = np.asarray(x)
        if x.dtype == bool:
            return np.ones(x.shape, dtype=bool)
        with np.errstate(invalid="ignore"):
            f = x.astype(np.float64)
            return (f == 0.0) | (f == 1.0)

    def describe_values(self):
        return "True/False or 1/0"

    def isclose(self, a, b, tolerance=1e-9):
        return np.asarray(a, dtype=bool) == np.asarray(b, dtype=bool)

    def plus(self, a, b):
        if is_tensor(a) or is_tensor(b):
            return _torch().logical_or(_torch().as_tensor(a), _torch().as_tensor(b))
        return np.logical_or(a, b)

    def times(self, a, b):
        if is_tensor(a) or is_tensor(b):
            return _torch().logical_and(_torch().as_tensor(a), _torch().as_tensor(b))
        return np.logical_and(a, b)

    def sum(self, x, axis=-1):
        return x.any(dim=axis) if is_tensor(x) else np.any(x, axis=axis)

    def prod(self, x, axis=-1):
        return x.all(dim=axis) if is_tensor(x) else np.all(x, axis=axis)

    def matmul(self, a, b):
        if is_tensor(a) or is_tensor(b):
            torch = _torch()
            a, b = torch.as_tensor(a), torch.as_tensor(b)
            return torch.matmul(a.double(), b.double()) > 0
        return np.matmul(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)) > 0

    def cumsum(self, x, axis=-1):
        if is_tensor(x):
            return x.to(_torch().uint8).cummax(dim=axis).values.bool()
        return np.logical_or.accumulate(np.asarray(x, dtype=bool), axis=axis)

    def star(self, x):
        if is_tensor(x):
            return _torch().ones_like(x, dtype=_torch().bool)
        return np.ones(np.shape(x), dtype=bool) if np.ndim(x) else np.True_

    def divide(self, a, b):
        if not np.all(np.asarray(b)):
            raise InvalidWeightError("division by False (the Boolean zero)")
        return a


class _Real(Semiring):
    name = "Real"
    zero = 0.0
    one = 1.0
    commutative = True
    divisible = True
    is_field = True
    _plus_ufunc = np.add

    def is_member(self, x):
        return np.isfinite(_float_check(x))

    def describe_values(self):
        return "a finite number"

    def plus(self, a, b):
        return a + b

    def times(self, a, b):
        return a * b

    def sum(self, x, axis=-1):
        return x.sum(dim=axis) if is_tensor(x) else np.sum(x, axis=axis)

    def prod(self, x, axis=-1):
        return x.prod(dim=axis) if is_tensor(x) else np.prod(x, axis=axis)

    def matmul(self, a, b):
        if is_tensor(a) or is_tensor(b):
            return _torch().matmul(_torch().as_tensor(a), _torch().as_tensor(b))
        return np.matmul(a, b)

    def cumsum(self, x, axis=-1):
        return x.cumsum(dim=axis) if is_tensor(x) else np.cumsum(x, axis=axis)

    def star(self, x):
        # 1/(1-x) is the sum of the geometric series only where it converges.
        if is_tensor(x):
            torch = _torch()
            return torch.where(x.abs() < 1, 1.0 / (1.0 - x), torch.full_like(x, float("inf")))
        x = _float_check(x)
        with np.errstate(divide="ignore"):
            return np.where(np.abs(x) < 1, 1.0 / (1.0 - x), np.inf)

    def divide(self, a, b):
        if not is_tensor(b) and np.any(np.asarray(b) == 0):
            raise InvalidWeightError("division by 0 (the Real zero)")
        return a / b


class _Log(Semiring):
    name = "Log"
    zero = -np.inf
    one = 0.0
    commutative = True
    divisible = True
    log_space = True
    _plus_ufunc = np.logaddexp

    def is_member(self, x):
        x = _float_check(x)
        return ~np.isnan(x) & (x < np.inf)

    def describe_values(self):
        return "a log-weight: a finite number or -inf"

    def plus(self, a, b):
        if is_tensor(a) or is_tensor(b):
            return _torch().logaddexp(_torch().as_tensor(a), _torch().as_tensor(b))
        return np.logaddexp(a, b)

    def times(self, a, b):
        return a + b

    def sum(self, x, axis=-1):
        return _logsumexp(x, axis)

    def prod(self, x, axis=-1):
        return x.sum(dim=axis) if is_tensor(x) else np.sum(x, axis=axis)

    def matmul(self, a, b):
        return _broadcast_reduce_matmul(a, b, lambda u, v: u + v, _logsumexp)

    def cumsum(self, x, axis=-1):
        if is_tensor(x):
            return _torch().logcumsumexp(x, dim=axis)
        return np.logaddexp.accumulate(np.asarray(x, dtype=np.float64), axis=axis)

    def star(self, x):
        # -log(1 - e^x): the geometric series converges only for x < 0.
        if is_tensor(x):
            torch = _torch()
            return torch.where(x < 0, -torch.log1p(-torch.exp(x.clamp(max=-1e-300))), torch.full_like(x, float("inf")))
        x = _float_check(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x < 0, -np.log1p(-np.exp(np.minimum(x, -1e-300))), np.inf)

    def divide(self, a, b):
        if not is_tensor(b) and np.any(np.asarray(b) == -np.inf):
            raise InvalidWeightError("division by -inf (the Log zero)")
        return a - b


class _Tropical(Semiring):
    name = "Tropical"
    zero = np.inf
    one = 0.0
    idempotent = True
    commutative = True
    k_closed = True
    divisible = True
    selection = "min"
    log_space = True
    _plus_ufunc = np.minimum

    def is_member(self, x):
        x = _float_check(x)
        return ~np.isnan(x) & (x > -np.inf)

    def describe_values(self):
        return "a cost: a finite number or +inf"

    def plus(self, a, b):
        if is_tensor(a) or is_tensor(b):
            return _torch().minimum(_torch().as_tensor(a), _torch().as_tensor(b))
        return np.minimum(a, b)

    def times(self, a, b):
        return a + b

    def sum(self, x, axis=-1):
        if is_tensor(x):
            return x.amin(dim=axis) if x.shape[axis] else _empty_reduce(x, axis, self.zero)
        x = np.asarray(x, dtype=np.float64)
        return np.min(x, axis=axis, initial=np.inf)

    def prod(self, x, axis=-1):
        return x.sum(dim=axis) if is_tensor(x) else np.sum(x, axis=axis)

    def matmul(self, a, b):
        return _broadcast_reduce_matmul(a, b, lambda u, v: u + v, self.sum)

    def cumsum(self, x, axis=-1):
        if is_tensor(x):
            return x.cummin(dim=axis).values
        return np.minimum.accumulate(np.asarray(x, dtype=np.float64), axis=axis)

    def star(self, x):
        # a negative cycle has no shortest distance: its star is -inf (not a member).
        if is_tensor(x):
            torch = _torch()
            return torch.where(x >= 0, torch.zeros_like(x), torch.full_like(x, float("-inf")))
        return np.where(_float_check(x) >= 0, 0.0, -np.inf)

    def divide(self, a, b):
        if not is_tensor(b) and np.any(np.asarray(b) == np.inf):
            raise InvalidWeightError("division by +inf (the Tropical zero)")
        return a - b


class _MaxPlus(Semiring):
    name = "MaxPlus"
    zero = -np.inf
    one = 0.0
    idempotent = True
    commutative = True
    k_closed = True
    divisible = True
    selection = "max"
    log_space = True
    _plus_ufunc = np.maximum

    def is_member(self, x):
        x = _float_check(x)
        return ~np.isnan(x) & (x < np.inf)

    def describe_values(self):
        return "a log-score: a finite number or -inf"

    def plus(self, a, b):
        if is_tensor(a) or is_tensor(b):
            return _torch().maximum(_torch().as_tensor(a), _torch().as_tensor(b))
        return np.maximum(a, b)

    def times(self, a, b):
        return a + b

    def sum(self, x, axis=-1):
        if is_tensor(x):
            return x.amax(dim=axis) if x.shape[axis] else _empty_reduce(x, axis, self.zero)
        return np.max(np.asarray(x, dtype=np.float64), axis=axis, initial=-np.inf)

    def prod(self, x, axis=-1):
        return x.sum(dim=axis) if is_tensor(x) else np.sum(x, axis=axis)

    def matmul(self, a, b):
        return _broadcast_reduce_matmul(a, b, lambda u, v: u + v, self.sum)

    def cumsum(self, x, axis=-1):
        if is_tensor(x):
            return x.cummax(dim=axis).values
        return np.maximum.accumulate(np.asarray(x, dtype=np.float64), axis=axis)

    def star(self, x):
        # a positive cycle has no best path: its star is +inf (not a member).
        if is_tensor(x):
            torch = _torch()
            return torch.where(x <= 0, torch.zeros_like(x), torch.full_like(x, float("inf")))
        return np.where(_float_check(x) <= 0, 0.0, np.inf)

    def divide(self, a, b):
        if not is_tensor(b) and np.any(np.asarray(b) == -np.inf):
            raise InvalidWeightError("division by -inf (the MaxPlus zero)")
        return a - b


class _MaxTimes(Semiring):
    name = "MaxTimes"
    zero = 0.0
    one = 1.0
    idempotent = True
    commutative = True
    k_closed = True
    divisible = True
    selection = "max"
    _plus_ufunc = np.maximum

    def is_member(self, x):
        x = _float_check(x)
        with np.errstate(invalid="ignore"):
            return np.isfinite(x) & (x >= 0)

    def describe_values(self):
        return "a finite number >= 0"

    def plus(self, a, b):
        if is_tensor(a) or is_tensor(b):
            return _torch().maximum(_torch().as_tensor(a), _torch().as_tensor(b))
        return np.maximum(a, b)

    def times(self, a, b):
        return a * b

    def sum(self, x, axis=-1):
        if is_tensor(x):
            return x.amax(dim=axis) if x.shape[axis] else _empty_reduce(x, axis, self.zero)
        return np.max(np.asarray(x, dtype=np.float64), axis=axis, initial=0.0)

    def prod(self, x, axis=-1):
        return x.prod(dim=axis) if is_tensor(x) else np.prod(x, axis=axis)

    def matmul(self, a, b):
        return _broadcast_reduce_matmul(a, b, lambda u, v: u * v, self.sum)

    def cumsum(self, x, axis=-1):
        if is_tensor(x):
            return x.cummax(dim=axis).values
        return np.maximum.accumulate(np.asarray(x, dtype=np.float64), axis=axis)

    def star(self, x):
        if is_tensor(x):
            torch = _torch()
            return torch.where(x <= 1, torch.ones_like(x), torch.full_like(x, float("inf")))
        return np.where(_float_check(x) <= 1, 1.0, np.inf)

    def divide(self, a, b):
        if not is_tensor(b) and np.any(np.asarray(b) == 0):
            raise InvalidWeightError("division by 0 (the MaxTimes zero)")
        return a / b


def _empty_reduce(x, axis, value):
    shape = list(x.shape)
    del shape[axis]
    return _torch().full(shape, value, dtype=x.dtype, device=x.device)


Boolean = _Boolean()
Real = _Real()
Log = _Log()
Tropical = _Tropical()
MaxPlus = _MaxPlus()
MaxTimes = _MaxTimes()

#: The built-in semirings, in the order of the design table.
BUILTIN_SEMIRINGS: tuple[Semiring, ...] = (Boolean, Real, Log, Tropical, MaxPlus, MaxTimes)
