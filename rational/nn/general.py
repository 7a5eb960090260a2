"""Forward scores of any template topology (cycles and epsilons included).

Both functions compute, for a batch of inputs already turned into token-arc weights,
the forward vectors ``β_t`` of ``docs/compiling.md``:

    r   = λ ⊗ E*
    β_t = (α_{t-1} ⊗ M_t) ⊗ E*,   α_0 = r,   α_t = β_t ⊕ r (unanchored) or β_t (anchored)

where ``M_t[p, q]`` is the ⊕ of the weights of the token arcs ``p -> q`` at position
``t`` and ``E*`` the (precomputed) closure of the epsilon arcs.

* :func:`forward_reference` builds each ``M_t`` densely, arc by arc, and multiplies
  with the semiring object's own ``matmul``: obviously correct, slow.
* :func:`forward_general` never builds ``M_t``: per step it gathers the source
  state of every arc, ⊗-multiplies by the arc weights and ⊕-reduces the arcs that
  enter each state (a padded gather), then applies ``E*`` with one batched
  vector-matrix product. Cost ``O(B·C·(A + Q²))`` per step and no ``O(T·Q²)``
  tensor. ``benchmarks/general_forward.py`` compares it with a dense matrix per
  step and with a log-depth prefix product of the ``M_t``: on the 2-core CPU
  this was written on, the prefix product was many times slower (see the
  benchmark), so the loop stays.

Both iterate over time with ``unbind`` (slicing a ``(B, T, ...)`` tensor with
``[:, t]`` inside the loop makes the backward pass quadratic in ``T``).

Examples:
    >>> import torch
    >>> from rational.semirings import Real
    >>> weights = torch.full((1, 3, 1, 1), 0.5)          # one arc 0 -> 0, weight 0.5
    >>> src = dst = torch.tensor([0])
    >>> start = torch.ones(1, 1)
    >>> forward_general(weights, src, dst, start, None, Real, restart=False)[0, :, 0, 0].tolist()
    [0.5, 0.25, 0.125]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from rational.nn.semiring_ops import semiring_plus, semiring_sum, semiring_times, vecmat
from rational.semirings import Semiring

__all__ = ["forward_general", "forward_reference", "incoming_arcs"]


def _as_index(index, device) -> torch.Tensor:
    return torch.as_tensor(np.asarray(index, dtype=np.int64) if not torch.is_tensor(index) else index, device=device)


def incoming_arcs(dst, num_states: int, num_arcs: int) -> torch.Tensor:
    """For every state, the arcs entering it, padded with ``num_arcs`` (an index one
    past the last arc, where callers put the semiring zero): shape ``(Q, K)`` with
    ``K`` the largest in-degree (at least 1).

    Examples:
        >>> incoming_arcs(torch.tensor([1, 1, 0]), 3, 3).tolist()
        [[2, 3], [0, 1], [3, 3]]
    """
    dst = np.asarray(dst.cpu() if torch.is_tensor(dst) else dst, dtype=np.int64)
    lists = [np.flatnonzero(dst == q) for q in range(num_states)]
    width = max([1] + [len(arcs) for arcs in lists])
    table = np.full((num_states, width), num_arcs, dtype=np.int64)
    for q, arcs in enumerate(lists):
        table[q, : len(arcs)] = arcs
    return torch.as_tensor(table)


def _check_arguments(arc_weights, src, dst, start, closure, initial=None):
    if arc_weights.dim() != 4:
        raise ValueError(f"arc_weights must be (batch, time, copies, arcs), got shape {tuple(arc_weights.shape)}")
    if start.dim() != 2 or start.shape[0] != arc_weights.shape[2]:
        raise ValueError(f"start must be (copies, states), got {tuple(start.shape)} for {arc_weights.shape[2]} copies")
    if len(src) != arc_weights.shape[3] or len(dst) != arc_weights.shape[3]:
        raise ValueError(f"{arc_weights.shape[3]} arc weights but {len(src)} sources and {len(dst)} targets")
    q = start.shape[1]
    if closure is not None and tuple(closure.shape) != (start.shape[0], q, q):
        raise ValueError(f"closure must be (copies, states, states) = {(start.shape[0], q, q)}, got {tuple(closure.shape)}")
    expected = (arc_weights.shape[0], start.shape[0], q)
    if initial is not None and tuple(initial.shape) != expected:
        raise ValueError(f"initial must be (batch, copies, states) = {expected}, got {tuple(initial.shape)}")


def forward_general(
    arc_weights: torch.Tensor,
    src: torch.Tensor | Sequence[int],
    dst: torch.Tensor | Sequence[int],
    start: torch.Tensor,
    closure: torch.Tensor | None,
    semiring: Semiring,
    *,
    restart: bool,
    incoming: torch.Tensor | None = None,
    initial: torch.Tensor | None = None,
) -> torch.Tensor:
    """Forward vectors ``β_t`` (t = 1..T) of a general topology, fast.

    Args:
        arc_weights: ``(B, T, C, A)`` token-arc weights in the working ``semiring``.
        src: ``(A,)`` source state of every token arc.
        dst: ``(A,)`` target state of every token arc.
        start: ``(C, Q)`` the start vector ``r = λ ⊗ E*``.
        closure: ``(C, Q, Q)`` the epsilon closure ``E*``, or ``None`` without epsilons.
        semiring: the working semiring (``Real``, ``Log``, ``MaxPlus`` or ``Tropical``).
        restart: ``True`` when a match may start at any position (unanchored).
        incoming: :func:`incoming_arcs` of ``dst`` (computed when omitted).
        initial: ``(B, C, Q)`` the forward vector ``α_0`` before the first token
            (default ``r``): a previous chunk's ``α_T``, to continue a stream.

    Returns:
        ``β`` of shape ``(B, T, C, Q)``, without the restart term.
    """
    _check_arguments(arc_weights, src, dst, start, closure, initial)
    batch, _, copies, num_arcs = arc_weights.shape
    num_states = start.shape[1]
    device = arc_weights.device
    src = _as_index(src, device)
    if incoming is None:
        incoming = incoming_arcs(dst, num_states, num_arcs)
    incoming = incoming.to(device)
    zero_column = arc_weights.new_full((batch, copies, 1), semiring.zero)
    alpha = start.expand(batch, copies, num_states) if initial is None else initial
    betas = []
    for weights in arc_weights.unbind(1):
        through = semiring_times(semiring, alpha.index_select(-1, src), weights)
        through = torch.cat([through, zero_column], dim=-1)
        beta = semiring_sum(semiring, through[..., incoming], -1)
        if closure is not None:
            beta = vecmat(semiring, beta, closure)
        betas.append(beta)
        alpha = semiring_plus(semiring, beta, start) if restart else beta
    if not betas:
        return arc_weights.new_full((batch, 0, copies, num_states), semiring.zero)
    return torch.stack(betas, dim=1)


def forward_reference(
    arc_weights: torch.Tensor,
    src: torch.Tensor | Sequence[int],
    dst: torch.Tensor | Sequence[int],
    start: torch.Tensor,
    closure: torch.Tensor | None,
    semiring: Semiring,
    *,
    restart: bool,
    initial: torch.Tensor | None = None,
) -> torch.Tensor:
    """Forward vectors ``β_t``, the obviously correct way: a dense ``M_t`` built arc
    by arc at every step and the semiring object's ``matmul``. For tests.

    Args and Returns: as :func:`forward_general`.

    Examples:
        >>> import torch
        >>> from rational.semirings import MaxPlus
        >>> weights = torch.tensor([[[[-1.0, -2.0]], [[-3.0, -0.5]]]])   # arcs 0->1 and 1->1
        >>> beta = forward_reference(weights, [0, 1], [1, 1], torch.tensor([[0.0, float("-inf")]]), None,
        ...                          MaxPlus, restart=True)
        >>> beta[0, :, 0].tolist()   # after 'x1': 0->1 (-1); after 'x2': 0->1 (-3) or 0->1->1 (-1.5)
        [[-inf, -1.0], [-inf, -1.5]]
    """
    _check_arguments(arc_weights, src, dst, start, closure, initial)
    batch, _, copies, _ = arc_weights.shape
    num_states = start.shape[1]
    src = [int(p) for p in src]
    dst = [int(q) for q in dst]
    zero = arc_weights.new_full((batch, copies), semiring.zero)
    alpha = start.expand(batch, copies, num_states) if initial is None else initial
    betas = []
    for weights in arc_weights.unbind(1):
        cells = [[zero for _ in range(num_states)] for _ in range(num_states)]
        for arc, (p, q) in enumerate(zip(src, dst)):
            cells[p][q] = semiring.plus(cells[p][q], weights[..., arc])
        matrix = torch.stack([torch.stack(row, dim=-1) for row in cells], dim=-2)
        beta = semiring.matmul(alpha.unsqueeze(-2), matrix)
        if closure is not None:
            beta = semiring.matmul(beta, closure)
        beta = beta.squeeze(-2)
        betas.append(beta)
        alpha = semiring.plus(beta, start) if restart else beta
    if not betas:
        return arc_weights.new_full((batch, 0, copies, num_states), semiring.zero)
    return torch.stack(betas, dim=1)
