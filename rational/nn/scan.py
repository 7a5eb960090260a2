"""First-order semiring scans and the forward pass of chain templates, fast and slow.

A first-order recurrence ``c_t = c_{t-1} ⊗ a_t ⊕ b_t`` unrolls to

    c_t = ⊕_{s ≤ t} (⊗_{s < r ≤ t} a_r) ⊗ b_s          (with b_0 = c_0, the initial value)

and so is computed in parallel over time with one ⊗-scan and one ⊕-scan
(Blelloch 1990; Martin & Cundy 2018): with ``A_t = ⊗_{r ≤ t} a_r``,
``c_t = A_t ⊗ ⊕_{s ≤ t} (b_s ⊘ A_s)``. In the working semirings:

=============  ======================================================================
``Real``       ``A = cumprod(a)``, ``c = A · cumsum(b / A)``
``Log``        ``A = cumsum(a)``, ``c = A + logcumsumexp(b - A)``
``MaxPlus``    ``A = cumsum(a)``, ``c = A + cummax(b - A)``
``Tropical``   ``A = cumsum(a)``, ``c = A + cummin(b - A)``
=============  ======================================================================

:func:`linear_scan` applies this within chunks of at most ``chunk`` steps (the
quotient ``b / A`` loses precision, or overflows, as ``A`` runs away from one over
a long input; a chunk bounds how far it can go) and carries the value at the end of
each chunk into the next with a short loop over the chunks. Where the formula does
not apply (a gate that is the semiring zero, such as ``a_t = 0`` in ``Real`` or
``-inf`` in ``MaxPlus``; ``Real`` chunk products too small or too large for the
float type), it falls back to an exact loop over the steps of a chunk, still
parallel over the chunks. ``Real``, ``MaxPlus`` and ``Tropical`` scans have
hand-written backward passes: for ``Real`` the reverse recurrence
``d_t = g_t + a_{t+1} d_{t+1}`` in the same divided form; for ``MaxPlus`` and
``Tropical`` the gradient goes along the best path, to ``b`` at the argmax that
``cummax``/``cummin`` returns and to every gate after it. ``Log`` uses autograd.

:func:`chain_forward` computes the forward vectors ``β_t`` of a chain template
(states ``0..L``, token arcs ``j -> j+1``, optional self-loops and epsilon arcs
``j -> j+1``) as ``L + 1`` such scans, one per state, in order: state ``j``'s
input ``b`` is built from state ``j - 1``'s result. Nothing of size ``T·Q²`` is
ever built.

:func:`linear_scan_reference` and ``chain_forward(..., method="reference")`` are
loops over time (``unbind``; slicing ``x[:, t]`` in the loop would make the
backward pass quadratic in ``T``): the obviously correct oracles of the tests.
``forward_reference`` and ``forward_general`` (any topology) are re-exported from
:mod:`rational.nn.general`.

Examples:
    >>> import torch
    >>> from rational.semirings import Real, MaxPlus
    >>> a = torch.tensor([[0.5, 0.5, 0.5]])
    >>> b = torch.tensor([[1.0, 1.0, 1.0]])
    >>> linear_scan(a, b, Real).tolist()          # c_t = 0.5 c_{t-1} + 1
    [[1.0, 1.5, 1.75]]
    >>> linear_scan(torch.tensor([[-1.0, -1.0]]), torch.tensor([[0.0, -3.0]]), MaxPlus, torch.tensor([2.0])).tolist()
    [[1.0, 0.0]]
"""

from __future__ import annotations

import torch

from rational.errors import ShapeError, UnsupportedSemiringError
from rational.nn.general import forward_general, forward_reference  # re-exported: the general loop and its fast form
from rational.nn.semiring_ops import semiring_plus, semiring_times
from rational.semirings import Log, MaxPlus, Real, Semiring, Tropical

__all__ = ["chain_forward", "forward_general", "forward_reference", "linear_scan", "linear_scan_reference"]

_WORKING = (Real, Log, MaxPlus, Tropical)

#: Default chunk lengths (steps). In Log, MaxPlus and Tropical the float32 error
#: grows with the chunk (the cumulative sums ``A_t`` it subtracts grow): on
#: log-sigmoid gates over 2,000 steps it was 2e-6 relative at 32 steps and 5e-6 to
#: 1e-5 at 64. In Real the chunk products must stay inside the float range
#: (longer chunks fall back to the exact loop more often). Longer chunks were no
#: faster on the CPU this was measured on (benchmarks/chain_scan.py).
DEFAULT_CHUNK = {Real: 32, Log: 32, MaxPlus: 32, Tropical: 32}

# Real chunk products |A_t| must stay inside [2^-k, 2^k] for b / A and A · S to
# stay well inside the float type's range (k per dtype).
_REAL_RANGE_EXPONENT = {torch.float32: 100, torch.float64: 900, torch.float16: 12, torch.bfloat16: 100}

# -- checks ----------------------------------------------------------------------------


def _check_semiring(semiring: Semiring) -> None:
    if not any(semiring is ring for ring in _WORKING):
        raise UnsupportedSemiringError(
            f"scans run in the working semirings Real, Log, MaxPlus and Tropical, not {semiring!r}; "
            "convert the weights first (rational.nn.semiring_ops.working_semiring)"
        )


def _check_tensor(x, what: str) -> torch.Tensor:
    if not torch.is_tensor(x):
        raise ShapeError(f"{what} must be a torch tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise ShapeError(f"{what} must hold floating-point values, got dtype {x.dtype}; convert it with .float()")
    return x


def _prepare(a, b, semiring, initial, dim):
    _check_semiring(semiring)
    a = _check_tensor(a, "a (the gates)")
    b = _check_tensor(b, "b (the inputs)")
    if a.dtype != b.dtype:
        raise ShapeError(f"a and b must have one dtype, got {a.dtype} and {b.dtype}")
    try:
        shape = torch.broadcast_shapes(a.shape, b.shape)
    except RuntimeError:
        raise ShapeError(f"a {tuple(a.shape)} and b {tuple(b.shape)} do not broadcast to one shape") from None
    if len(shape) == 0:
        raise ShapeError("a and b need a time axis: got two scalars")
    if not -len(shape) <= dim < len(shape):
        raise ShapeError(f"dim={dim} is not an axis of the broadcast shape {tuple(shape)}")
    dim %= len(shape)
    a, b = a.expand(shape), b.expand(shape)
    if initial is not None:
        initial = _check_tensor(torch.as_tensor(initial, dtype=b.dtype, device=b.device), "initial")
        step_shape = shape[:dim] + shape[dim + 1 :]
        try:
            initial = initial.expand(step_shape)
        except RuntimeError:
            raise ShapeError(
                f"initial {tuple(initial.shape)} does not broadcast to one step's shape {tuple(step_shape)}"
            ) from None
    return a, b, initial, dim


def _chunk_length(steps: int, chunk: int | None, semiring: Semiring) -> int:
    if chunk is None:
        chunk = DEFAULT_CHUNK[semiring]
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be a positive number of steps, got {chunk!r}")
    # equal chunks: as few as the limit allows, padding the input by less than one per chunk
    count = -(-steps // chunk)
    return -(-steps // count)


# -- the reference ----------------------------------------------------------------------


def linear_scan_reference(
    a: torch.Tensor, b: torch.Tensor, semiring: Semiring, initial: torch.Tensor | None = None, *, dim: int = 1
) -> torch.Tensor:
    """``c_t = c_{t-1} ⊗ a_t ⊕ b_t`` by a loop over time: the oracle of :func:`linear_scan`.

    Args and Returns: as :func:`linear_scan`.

    Examples:
        >>> import torch
        >>> from rational.semirings import Log
        >>> linear_scan_reference(torch.zeros(1, 2), torch.zeros(1, 2), Log).exp().tolist()
        [[1.0, 2.0]]
    """
    a, b, initial, dim = _prepare(a, b, semiring, initial, dim)
    c = initial
    out = []
    for a_t, b_t in zip(a.unbind(dim), b.unbind(dim)):
        c = b_t if c is None else semiring_plus(semiring, semiring_times(semiring, c, a_t), b_t)
        out.append(c)
    if not out:
        return b.clone()
    return torch.stack(out, dim)


# -- the fast scan ------------------------------------------------------------------------

# The chunked scan: within chunk k, from the zero,
#   divided form (the formulas of the table above):  c_t = gates_t ⊗ (inner_t ⊕ h_k)
#   loop form (exact for any value):                  c_t = inner_t ⊕ h_k ⊗ gates_t
# with gates_t the ⊗-product of a over the chunk up to t and h_k the value at the end
# of chunk k - 1 (the initial value for k = 0).


def _gates(semiring: Semiring, a: torch.Tensor, kdim: int) -> torch.Tensor:
    return torch.cumprod(a, kdim) if semiring is Real else torch.cumsum(a, kdim)


def _divisible(semiring: Semiring, gates: torch.Tensor) -> bool:
    """Whether the divided form applies to these chunk products: finite and
    non-zero, and for Real far enough from 0 and infinity that b / gates and
    gates · inner stay inside the float range."""
    with torch.no_grad():
        if semiring is Real:
            low, high = torch.aminmax(gates.abs())
            limit = 2.0 ** _REAL_RANGE_EXPONENT.get(gates.dtype, 100)
            return bool((low >= 1.0 / limit) & (high <= limit))
        return bool(torch.isfinite(gates).all())


def _inner(semiring: Semiring, b: torch.Tensor, gates: torch.Tensor, kdim: int) -> torch.Tensor | None:
    """The ⊕-scan of ``b ⊘ gates`` along ``kdim`` (None where it overflows)."""
    if semiring is Real:
        inner = torch.cumsum(b / gates, kdim)
        ends = inner.detach().narrow(kdim, inner.shape[kdim] - 1, 1)
        return inner if bool(torch.isfinite(ends).all()) else None
    quotient = b - gates
    if semiring is MaxPlus:
        return torch.cummax(quotient, kdim).values
    if semiring is Tropical:
        return torch.cummin(quotient, kdim).values
    return _logcumsumexp(quotient, kdim)


def _logcumsumexp(x: torch.Tensor, kdim: int) -> torch.Tensor:
    """``logcumsumexp`` with zero gradients (not NaN) where a prefix is all ``-inf``:
    those entries are scanned as a huge negative number, then set back to ``-inf``."""
    missing = x == float("-inf")
    if not bool(missing.any()):
        return torch.logcumsumexp(x, kdim)
    floor = torch.finfo(x.dtype).min / 4
    out = torch.logcumsumexp(x.masked_fill(missing, floor), kdim)
    return out.masked_fill(out <= floor / 2, float("-inf"))


def _inner_loop(semiring: Semiring, a: torch.Tensor, b: torch.Tensor, kdim: int) -> torch.Tensor:
    """The chunk-local scan by a loop over the steps of a chunk, parallel over the chunks."""
    c = None
    out = []
    for a_t, b_t in zip(a.unbind(kdim), b.unbind(kdim)):
        c = b_t if c is None else semiring_plus(semiring, semiring_times(semiring, c, a_t), b_t)
        out.append(c)
    return torch.stack(out, kdim)


def _local(semiring, a, b, kdim, gates=None, divisible=None, force_loop=False):
    """``(inner, gates, divided)`` of one chunked series."""
    if gates is None:
        gates = _gates(semiring, a, kdim)
    if not force_loop:
        if divisible is None:
            divisible = _divisible(semiring, gates)
        if divisible:
            inner = _inner(semiring, b, gates, kdim)
            if inner is not None:
                return inner, gates, True
    return _inner_loop(semiring, a, b, kdim), gates, False


def _combine(semiring, inner, gates, divided, initial, dim, kdim):
    """Every c_t from the chunk-local scans and the carries."""
    carries = _carries(semiring, inner, gates, divided, initial, dim, kdim)
    if carries is None:  # no initial value: the first and only chunk starts from the zero
        return semiring_times(semiring, gates, inner) if divided else inner
    if divided:
        return semiring_times(semiring, gates, semiring_plus(semiring, inner, carries))
    return semiring_plus(semiring, inner, semiring_times(semiring, carries, gates))


def _scan_chunked(semiring, a, b, initial, dim, length, force_loop=False, finite_gates=None):
    """The chunked scan of already checked, equally shaped ``a`` and ``b``."""
    steps = b.shape[dim]
    count = -(-steps // length)
    pad = count * length - steps
    if pad:
        a = _pad(a, dim, pad, semiring.one)
        b = _pad(b, dim, pad, semiring.zero)
    kdim = dim + 1
    a = a.unflatten(dim, (count, length))
    b = b.unflatten(dim, (count, length))
    c = None if force_loop else _scan_custom(semiring, a, b, initial, dim, kdim, finite_gates)
    if c is None:
        inner, gates, divided = _local(semiring, a, b, kdim, force_loop=force_loop)
        c = _combine(semiring, inner, gates, divided, initial, dim, kdim)
    c = c.flatten(dim, kdim)
    return c.narrow(dim, 0, steps) if pad else c


def _scan_custom(semiring, a, b, initial, dim, kdim, finite_gates=None):
    """The divided form with a hand-written backward pass (Real, MaxPlus, Tropical),
    or None where it does not apply (then autograd differentiates the general path)."""
    if semiring is Real:
        with torch.no_grad():
            gates = torch.cumprod(a, kdim)
            if not _divisible(Real, gates):
                return None
            inner = _inner(Real, b, gates, kdim)
            if inner is None:
                return None
        return _RealScan.apply(a, b, initial, gates, inner, dim, kdim)
    if semiring is MaxPlus or semiring is Tropical:
        if finite_gates is None:
            with torch.no_grad():
                finite_gates = bool(torch.isfinite(a).all())
        if not finite_gates:
            return None
        return _SelectiveScan.apply(a, b, initial, dim, kdim, semiring is MaxPlus)
    return None


def _chunk_ends(x: torch.Tensor, dim: int, kdim: int) -> list[torch.Tensor]:
    """The last step of every chunk (views), keeping the step axis."""
    return list(x.narrow(kdim, x.shape[kdim] - 1, 1).unbind(dim))


def _chunk_starts(x: torch.Tensor, dim: int, kdim: int) -> list[torch.Tensor]:
    return list(x.narrow(kdim, 0, 1).unbind(dim))


def _reverse_cumsum(x: torch.Tensor, kdim: int) -> torch.Tensor:
    return torch.cumsum(x.flip(kdim), kdim).flip(kdim)


def _previous(c: torch.Tensor, initial, dim: int, kdim: int) -> torch.Tensor:
    """``c_{t-1}`` for every t of chunked ``c`` (``initial``, or 0, before the first)."""
    flat = c.flatten(dim, kdim)
    first = flat.narrow(dim, 0, 1)
    first = torch.zeros_like(first) if initial is None else initial.unsqueeze(dim).expand_as(first)
    return torch.cat([first, flat.narrow(dim, 0, flat.shape[dim] - 1)], dim).unflatten(dim, c.shape[dim : kdim + 1])


class _RealScan(torch.autograd.Function):
    """``c = A · (S + H)`` within chunks (``A = cumprod(a)``, ``S = cumsum(b / A)``,
    ``H`` the value carried from the previous chunk). The backward pass is the
    reverse recurrence ``d_t = g_t + a_{t+1} d_{t+1}`` in the same form,
    ``d_t = (Σ_{u ≥ t} g_u A_u + A_end λ) / A_t``, with ``λ`` the gradient that
    enters the chunk from its right; then ``∂b_t = d_t``, ``∂a_t = d_t c_{t-1}``."""

    @staticmethod
    def forward(ctx, a, b, initial, gates, inner, dim, kdim):
        carries = [
            torch.zeros_like(gates.narrow(kdim, 0, 1).select(dim, 0)) if initial is None else initial.unsqueeze(dim)
        ]
        for gate_end, inner_end in zip(_chunk_ends(gates, dim, kdim)[:-1], _chunk_ends(inner, dim, kdim)[:-1]):
            carries.append(gate_end * (inner_end + carries[-1]))
        c = gates * (inner + torch.stack(carries, dim))
        ctx.save_for_backward(gates, c, initial)
        ctx.dims = dim, kdim
        ctx.shapes = a.shape, b.shape
        return c

    @staticmethod
    def backward(ctx, grad):
        gates, c, initial = ctx.saved_tensors
        dim, kdim = ctx.dims
        weighted = _reverse_cumsum(grad * gates, kdim)
        # λ_k: the gradient entering chunk k at its end from chunk k + 1
        starts, gate_ends = _chunk_starts(weighted, dim, kdim), _chunk_ends(gates, dim, kdim)
        entering = [torch.zeros_like(starts[0])]
        for k in range(len(starts) - 1, 0, -1):
            entering.append(starts[k] + gate_ends[k] * entering[-1])
        grad_initial = None
        if initial is not None and ctx.needs_input_grad[2]:
            grad_initial = (starts[0] + gate_ends[0] * entering[-1]).squeeze(dim)
        entering.reverse()
        gate_end = gates.narrow(kdim, gates.shape[kdim] - 1, 1)
        d = (weighted + gate_end * torch.stack(entering, dim)) / gates
        grad_a = d * _previous(c, initial, dim, kdim) if ctx.needs_input_grad[0] else None
        return _reduce(grad_a, ctx.shapes[0]), _reduce(d, ctx.shapes[1]), grad_initial, None, None, None, None


class _SelectiveScan(torch.autograd.Function):
    """``c = A + max(M, H)`` (min for Tropical) within chunks, ``A = cumsum(a)``,
    ``M = cummax(b - A)``, ``H`` the value carried from the previous chunk. Every
    ``c_t`` is the weight of one best path: from ``b`` at the argmax that ``cummax``
    returns, or from the carry. The backward pass sends ``g_t`` along that path:
    to ``b`` at the argmax (or to the carry) and to every gate after it."""

    @staticmethod
    def forward(ctx, a, b, initial, dim, kdim, maximum):
        gates = torch.cumsum(a, kdim)
        # cummax is several times faster along the innermost axis: scan a copy with
        # the steps innermost (the indices stay in that layout for the backward pass)
        quotient = (b - gates).movedim(kdim, -1).contiguous()
        best, index = (torch.cummax if maximum else torch.cummin)(quotient, -1)
        best = best.movedim(-1, kdim)
        zero = float("-inf") if maximum else float("inf")
        better = torch.maximum if maximum else torch.minimum
        carries = [
            torch.full_like(best.narrow(kdim, 0, 1).select(dim, 0), zero) if initial is None else initial.unsqueeze(dim)
        ]
        for gate_end, best_end in zip(_chunk_ends(gates, dim, kdim)[:-1], _chunk_ends(best, dim, kdim)[:-1]):
            carries.append(gate_end + better(best_end, carries[-1]))
        carried = torch.stack(carries, dim)
        inside = best >= carried if maximum else best <= carried  # the best path starts in the chunk
        c = gates + torch.where(inside, best, carried)
        ctx.save_for_backward(index, inside)
        ctx.dims = dim, kdim
        ctx.shapes = a.shape, b.shape
        ctx.has_initial = initial is not None
        return c

    @staticmethod
    def backward(ctx, grad):
        index, inside = ctx.saved_tensors
        dim, kdim = ctx.dims
        # the gradient reaching each chunk's carry, from the last chunk back: the
        # carry of chunk k feeds its steps where it wins, and through its last step
        # (if the carry wins there too) the carry of chunk k + 1
        from_carry = _sum_steps(grad.masked_fill(inside, 0.0), kdim).unbind(dim)
        carry_wins_at_end = [~x for x in _chunk_ends(inside, dim, kdim)]
        reaching = [from_carry[-1]]
        for k in range(len(from_carry) - 2, -1, -1):
            reaching.append(from_carry[k] + carry_wins_at_end[k] * reaching[-1])
        reaching.reverse()  # reaching[k]: into the carry of chunk k (the initial value for k = 0)
        grad = grad.clone()
        if len(reaching) > 1:
            last = grad.narrow(kdim, grad.shape[kdim] - 1, 1).narrow(dim, 0, len(reaching) - 1)
            last += torch.stack(reaching[1:], dim)
        reaching_b = grad.masked_fill(~inside, 0.0).movedim(kdim, -1).contiguous()
        grad_b = torch.zeros_like(reaching_b).scatter_add_(-1, index, reaching_b).movedim(-1, kdim)
        grad_a = _reverse_cumsum(grad - grad_b, kdim) if ctx.needs_input_grad[0] else None
        grad_initial = None
        if ctx.has_initial and ctx.needs_input_grad[2]:
            grad_initial = reaching[0].squeeze(dim)
        return _reduce(grad_a, ctx.shapes[0]), _reduce(grad_b, ctx.shapes[1]), grad_initial, None, None, None


def _sum_steps(x: torch.Tensor, kdim: int) -> torch.Tensor:
    return x.sum(kdim, keepdim=True)


def _reduce(grad: torch.Tensor | None, shape) -> torch.Tensor | None:
    """Sum a gradient over the axes its input was broadcast along."""
    if grad is None or grad.shape == shape:
        return grad
    return grad.sum_to_size(shape)


def _carries(semiring, inner, gates, divided, initial, dim, kdim):
    """The value at the end of every chunk but the last, carried into the next
    (shape of ``inner`` with the step axis of size one)."""
    count = inner.shape[dim]
    if count == 1:
        return None if initial is None else initial.unsqueeze(dim).unsqueeze(kdim)
    last = inner.shape[kdim] - 1
    inner_ends = inner.narrow(kdim, last, 1).unbind(dim)
    gate_ends = gates.narrow(kdim, last, 1).unbind(dim)
    h = None if initial is None else initial.unsqueeze(dim)
    zero = None
    carried = []
    for k in range(count):
        if h is None:
            zero = torch.full_like(inner_ends[0], semiring.zero) if zero is None else zero
            carried.append(zero)
        else:
            carried.append(h)
        if k == count - 1:
            break
        if h is None:
            h = semiring_times(semiring, gate_ends[k], inner_ends[k]) if divided else inner_ends[k]
        elif divided:
            h = semiring_times(semiring, gate_ends[k], semiring_plus(semiring, inner_ends[k], h))
        else:
            h = semiring_plus(semiring, inner_ends[k], semiring_times(semiring, h, gate_ends[k]))
    return torch.stack(carried, dim)


def _pad(x: torch.Tensor, dim: int, count: int, value) -> torch.Tensor:
    shape = list(x.shape)
    shape[dim] = count
    return torch.cat([x, x.new_full(shape, value)], dim)


def linear_scan(
    a: torch.Tensor,
    b: torch.Tensor,
    semiring: Semiring,
    initial: torch.Tensor | None = None,
    *,
    dim: int = 1,
    chunk: int | None = None,
) -> torch.Tensor:
    """Every ``c_t = c_{t-1} ⊗ a_t ⊕ b_t`` along ``dim``, in parallel over time.

    Args:
        a: the gates ``a_t`` (broadcastable with ``b``; same dtype).
        b: the inputs ``b_t``, values of the working ``semiring``.
        semiring: ``Real``, ``Log``, ``MaxPlus`` or ``Tropical``.
        initial: ``c_0``, one step's shape (broadcastable); the semiring zero when ``None``.
        dim: the time axis.
        chunk: the most steps scanned at once (default :data:`DEFAULT_CHUNK`); the
            value at the end of each chunk is carried into the next.

    Returns:
        ``c`` with the broadcast shape of ``a`` and ``b``: ``c_1 .. c_T`` along ``dim``.

    Raises:
        UnsupportedSemiringError: for a semiring other than the four above.
        ShapeError: for non-tensors, integer or mixed dtypes, shapes that do not
            broadcast, or a ``dim`` that is not an axis.
        ValueError: for a ``chunk`` that is not a positive integer.

    Examples:
        >>> import torch
        >>> from rational.semirings import Tropical
        >>> costs = linear_scan(torch.ones(1, 4), torch.tensor([[5.0, 1.0, 9.0, 9.0]]), Tropical)
        >>> costs.tolist()                   # the cheapest way to be here: start at 1, then +1 per step
        [[5.0, 1.0, 2.0, 3.0]]
    """
    a, b, initial, dim = _prepare(a, b, semiring, initial, dim)
    steps = b.shape[dim]
    if steps == 0:
        return b.clone()
    return _scan_chunked(semiring, a, b, initial, dim, _chunk_length(steps, chunk, semiring))


# -- chains ----------------------------------------------------------------------------


def _absent(semiring: Semiring, x: torch.Tensor | None) -> bool:
    """Whether ``x`` contributes nothing: missing, or all the semiring zero with no
    gradient to take (in Real a zero weight still has a gradient, so it is kept)."""
    if x is None:
        return True
    if semiring is Real and x.requires_grad:
        return False
    with torch.no_grad():
        return bool((x == semiring.zero).all())


def _check_chain(main, loops, epsilons, start, semiring, restart, method, initial=None):
    _check_semiring(semiring)
    main = _check_tensor(main, "main")
    if main.dim() < 3:
        raise ShapeError(f"main must be (..., T, C, L) arc weights, got shape {tuple(main.shape)}")
    *lead, steps, copies, length = main.shape
    if loops is not None:
        loops = _check_tensor(loops, "loops")
        if tuple(loops.shape) != (*lead, steps, copies, length + 1):
            raise ShapeError(
                f"loops must be (..., T, C, L + 1) = {(*lead, steps, copies, length + 1)} for main "
                f"{tuple(main.shape)}, got {tuple(loops.shape)}"
            )
    if epsilons is not None:
        epsilons = _check_tensor(epsilons, "epsilons")
        if tuple(epsilons.shape) != (copies, length):
            raise ShapeError(f"epsilons must be (C, L) = {(copies, length)}, got {tuple(epsilons.shape)}")
    start = _check_tensor(torch.as_tensor(start, dtype=main.dtype, device=main.device), "start")
    if tuple(start.shape) not in ((copies,), ()):
        raise ShapeError(
            f"start must be (C,) = ({copies},), the initial weight of state 0 per copy, got {tuple(start.shape)}"
        )
    for name, x in (("loops", loops), ("epsilons", epsilons), ("start", start)):
        if x is not None and x.dtype != main.dtype:
            raise ShapeError(f"{name} has dtype {x.dtype} but main has {main.dtype}; give them one dtype")
    if not isinstance(restart, bool):
        raise TypeError(f"restart must be True (unanchored) or False (anchored), got {restart!r}")
    if method not in ("fast", "reference"):
        raise ValueError(f"method must be 'fast' or 'reference', got {method!r}")
    if initial is not None:
        initial = _check_tensor(initial, "initial")
        if tuple(initial.shape) != (*lead, copies, length + 1) or initial.dtype != main.dtype:
            raise ShapeError(
                f"initial must be (..., C, L + 1) = {(*lead, copies, length + 1)} of dtype {main.dtype}, "
                f"the forward vector before the first token; got {tuple(initial.shape)} {initial.dtype}"
            )
    return main, loops, epsilons, start.expand(copies), initial


def _start_vector(semiring, start, epsilons, length):
    """``r = λ ⊗ E*`` of a chain, per state: ``r_0 = λ``, ``r_j = r_{j-1} ⊗ ε_{j-1}``."""
    r = [start]
    for j in range(1, length + 1):
        if epsilons is None:
            r.append(torch.full_like(start, semiring.zero))
        else:
            r.append(semiring_times(semiring, r[-1], epsilons[:, j - 1]))
    return r


def chain_forward(
    main: torch.Tensor,
    loops: torch.Tensor | None,
    epsilons: torch.Tensor | None,
    start: torch.Tensor,
    semiring: Semiring,
    *,
    restart: bool,
    method: str = "fast",
    chunk: int | None = None,
    initial: torch.Tensor | None = None,
) -> torch.Tensor:
    """Forward vectors ``β_t`` of ``C`` chain automata with states ``0..L``.

    Each copy has an initial weight ``λ`` on state 0, token arcs ``j -> j+1`` and
    optional self-loops (weights from the input at each step) and optional epsilon
    arcs ``j -> j+1``. With ``r = λ ⊗ E*`` (``E*`` the epsilon closure),
    ``α_0 = r``, ``β_t = (α_{t-1} ⊗ M_t) ⊗ E*`` and ``α_t = β_t ⊕ r`` when
    ``restart`` (a match may start anywhere), else ``α_t = β_t``.

    Args:
        main: ``(..., T, C, L)`` weight of the arc ``j -> j+1`` reading ``x_t``.
        loops: ``(..., T, C, L + 1)`` self-loop weight of state ``j`` reading ``x_t``
            (the semiring zero on states without one), or ``None`` for no self-loops.
        epsilons: ``(C, L)`` weights of the epsilon arcs ``j -> j+1`` (zero where
            none), or ``None``.
        start: ``(C,)`` the initial weight ``λ`` of state 0 of each copy.
        semiring: the working semiring: ``Real``, ``Log``, ``MaxPlus`` or ``Tropical``.
        restart: ``True`` for unanchored matching (SoPa, rational RNNs).
        method: ``"fast"`` (one :func:`linear_scan` per state) or ``"reference"``
            (a loop over time).
        chunk: chunk length of the scans (default :data:`DEFAULT_CHUNK`).
        initial: ``(..., C, L + 1)`` the forward vector ``α_0`` before the first
            token, instead of ``r``: the ``α_T`` of a previous chunk of the same
            stream, to continue it (``α_t = β_t ⊕ r`` for ``t ≥ 1`` as before).

    Returns:
        ``β`` of shape ``(..., T, C, L + 1)`` for ``t = 1..T``, without the restart
        term: the caller adds ``r`` for the states and applies the final weights.

    Raises:
        UnsupportedSemiringError: for a semiring other than the four above.
        ShapeError: for tensors of the wrong shape or dtype.
        ValueError: for an unknown ``method`` or a bad ``chunk``.

    Examples:
        >>> import torch
        >>> from rational.semirings import MaxPlus
        >>> main = torch.tensor([[[[-1.0]], [[-2.0]], [[-0.5]]]])        # 0 -> 1, T = 3, one copy
        >>> loops = torch.tensor([[[[float("-inf"), -0.25]]] * 3])       # 1 -> 1
        >>> beta = chain_forward(main, loops, None, torch.tensor([0.0]), MaxPlus, restart=True)
        >>> beta[0, :, 0, 1].tolist()        # best way to be in state 1 after each token
        [-1.0, -1.25, -0.5]
    """
    main, loops, epsilons, start, initial = _check_chain(
        main, loops, epsilons, start, semiring, restart, method, initial
    )
    tdim = main.dim() - 3
    length = main.shape[-1]
    if main.shape[tdim] == 0:
        return main.new_full((*main.shape[:-1], length + 1), semiring.zero)
    r = _start_vector(semiring, start, epsilons, length)
    if method == "reference":
        return _chain_reference(main, loops, epsilons, r, semiring, restart, tdim, initial)
    return _chain_fast(main, loops, epsilons, r, semiring, restart, tdim, chunk, initial)


def _chain_reference(main, loops, epsilons, r, semiring, restart, tdim, initial=None):
    """A loop over time, all states at once."""
    plus, times = (lambda x, y: semiring_plus(semiring, x, y)), (lambda x, y: semiring_times(semiring, x, y))
    start = torch.stack(r, -1)  # (C, Q)
    alpha = start.expand(*main.shape[:tdim], *start.shape) if initial is None else initial
    zero_column = main.new_full((*main.shape[:tdim], main.shape[-2], 1), semiring.zero)
    loop_steps = loops.unbind(tdim) if loops is not None else [None] * main.shape[tdim]
    betas = []
    for main_t, loop_t in zip(main.unbind(tdim), loop_steps):
        beta = torch.cat([zero_column, times(alpha[..., :-1], main_t)], -1)
        if loop_t is not None:
            beta = plus(beta, times(alpha, loop_t))
        if epsilons is not None:
            states = list(beta.unbind(-1))
            for j in range(1, len(states)):
                states[j] = plus(states[j], times(states[j - 1], epsilons[:, j - 1]))
            beta = torch.stack(states, -1)
        betas.append(beta)
        alpha = plus(beta, start) if restart else beta
    return torch.stack(betas, tdim)


def _shift(series: torch.Tensor, first: torch.Tensor, tdim: int) -> torch.Tensor:
    """``(first, x_1, ..., x_{T-1})``: the series one step later, ``first`` at t = 1."""
    head = first.expand(series.narrow(tdim, 0, 1).shape)
    return torch.cat([head, series.narrow(tdim, 0, series.shape[tdim] - 1)], tdim)


def _loop_kinds(semiring, loop_arcs):
    """Per state: whether its loop weights are all the zero (no loop), and whether
    they are all finite (the divided scan applies)."""
    if loop_arcs[0] is None:
        return [True] * len(loop_arcs), [False] * len(loop_arcs)
    with torch.no_grad():
        bounds = torch.stack([torch.stack(torch.aminmax(arc)) for arc in loop_arcs]).tolist()
    zero = semiring.zero
    no_loop = [low == zero and high == zero for low, high in bounds]
    finite = [abs(low) < float("inf") and abs(high) < float("inf") for low, high in bounds]
    return no_loop, finite


def _chain_fast(main, loops, epsilons, r, semiring, restart, tdim, chunk, initial=None):
    """One scan per state, in order along the chain."""
    plus, times = (lambda x, y: semiring_plus(semiring, x, y)), (lambda x, y: semiring_times(semiring, x, y))
    steps, length = main.shape[tdim], main.shape[-1]
    series_shape = main.shape[:-1]
    kchunk = _chunk_length(steps, chunk, semiring)
    absent_r = [_absent(semiring, r_j) for r_j in r]
    # unbind once: slicing main[..., j] per state would fill a zero tensor of the
    # whole of main in the backward pass of every slice
    # One series per arc. Unbinding the last axis (or slicing main[..., j]) would
    # interleave or zero-fill whole tensors in the backward pass; unbinding a leading
    # axis stacks the gradients in blocks (and costs nothing when main is a view of
    # an arc-major tensor).
    main_arcs = main.movedim(-1, 0).unbind(0)
    loop_arcs = [None] * (length + 1) if loops is None else loops.movedim(-1, 0).unbind(0)
    no_loop, finite_loop = _loop_kinds(semiring, loop_arcs)
    keep_zero_loops = semiring is Real and loops is not None and loops.requires_grad
    # α_0 per state: r, or the given initial vector (seen with a time axis of length one)
    first = r if initial is None else [initial[..., j].unsqueeze(tdim) for j in range(length + 1)]
    betas, alphas = [], []
    for j in range(length + 1):
        loop = None if no_loop[j] else loop_arcs[j]
        # b_t: the weight of reaching j at t other than by its self-loop
        b = None
        if j > 0:
            b = times(_shift(alphas[j - 1], first[j - 1], tdim), main_arcs[j - 1])
            if epsilons is not None and not _absent(semiring, epsilons[:, j - 1]):
                b = plus(b, times(betas[j - 1], epsilons[:, j - 1]))
        if loop is None:
            beta = main.new_full(series_shape, semiring.zero) if b is None else b
            if keep_zero_loops:
                # a zero loop weight still has a gradient: β_t += 0 · α_{t-1}
                alpha = plus(beta, r[j]) if restart and not absent_r[j] else beta
                beta = plus(beta, times(_shift(alpha, first[j], tdim), loop_arcs[j]))
        else:
            start_j = None
            if initial is not None:
                # β_t = β_{t-1} ⊗ a_t ⊕ b'_t from β_0 = α_0, where b'_t adds r ⊗ a_t for t ≥ 2 (restart)
                start_j = initial[..., j]
                if restart and not absent_r[j]:
                    through = times(r[j], loop)
                    through = torch.cat(
                        [torch.full_like(through.narrow(tdim, 0, 1), semiring.zero),
                         through.narrow(tdim, 1, steps - 1)], tdim,
                    )
                    b = through if b is None else plus(b, through)
            elif restart:
                # α_{t-1} = β_{t-1} ⊕ r, so β_t = β_{t-1} ⊗ a_t ⊕ (r ⊗ a_t ⊕ b_t) from β_0 = zero
                if not absent_r[j]:
                    through = times(r[j], loop)
                    b = through if b is None else plus(b, through)
            elif not absent_r[j]:
                start_j = r[j].expand(series_shape[:tdim] + series_shape[tdim + 1 :])
            if b is None:
                b = main.new_full(series_shape, semiring.zero)
            beta = _scan_chunked(semiring, loop, b, start_j, tdim, kchunk, finite_gates=finite_loop[j])
        betas.append(beta)
        alphas.append(plus(beta, r[j]) if restart and not absent_r[j] else beta)
    # state-major storage (a block copy), seen as (..., T, C, L + 1)
    return torch.stack(betas, 0).movedim(0, -1)
