"""Weight pushing (Mohri 2002): move weight toward the initial or the final states.

With potentials ``V(q)``, the shortest distance from ``q`` to the final states,
pushing toward the initial states reweights

* every arc ``p -a/w-> q`` to ``V(p)⁻¹ ⊗ w ⊗ V(q)``,
* every initial weight ``λ(i)`` to ``λ(i) ⊗ V(i)``,
* every final weight ``ρ(f)`` to ``V(f)⁻¹ ⊗ ρ(f)``.

Every path keeps its weight (the potentials telescope), and afterwards the
weights leaving each state (arcs and final weight) ⊕-sum to one: a ``Log``
machine becomes stochastic, a ``Tropical`` one has a zero-cost way out of every
state. Pushing toward the final states is the mirror image, with ``V(q)`` the
shortest distance from the initial states.

Pushing needs division and shortest distances: a divisible, commutative semiring,
and sums over cycles that converge.

Examples:
    >>> import numpy as np
    >>> from rational import WFSA, Real
    >>> a = WFSA.from_arcs(Real, [(0, "a", 1, 2.0), (0, "b", 1, 6.0)], initial=0, final=1, alphabet="ab")
    >>> p = push(a)
    >>> p.initial_weights[0], sorted(arc.weight for arc in p.arcs())
    (np.float64(8.0), [0.25, 0.75])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rational.algorithms.connect import accessible, coaccessible, live_arcs
from rational.errors import DivergenceError, UnsupportedSemiringError

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = ["push"]

TOWARD = ("initial", "final")


def push(wfsa: WFSA, toward: str = "initial") -> WFSA:
    """The machine with its weights pushed toward the initial (or final) states.

    States and arcs keep their numbering, except that arcs touching a state that
    lies on no accepting path are dropped (such a state has no potential to divide
    by).

    Args:
        wfsa: the machine.
        toward: ``"initial"`` (outgoing weights of each state sum to one) or
            ``"final"`` (incoming weights of each state sum to one).

    Returns:
        A new machine with the same scores.

    Raises:
        ValueError: for another ``toward``.
        UnsupportedSemiringError: for a semiring without division or not commutative.
        DivergenceError: when the shortest distances diverge, or (``Real``) when the
            weights of the paths through a state cancel out (or underflow) to 0.

    Examples:
        >>> from rational import WFSA, Tropical
        >>> a = WFSA.from_arcs(Tropical, [(0, "a", 1, 1.0), (1, "b", 2, 3.0)], initial=0, final=2, alphabet="ab")
        >>> [arc.weight for arc in push(a).arcs()], push(a).initial_weights.tolist()
        ([0.0, 0.0], [4.0, inf, inf])
    """
    from rational.wfsa import WFSA

    if toward not in TOWARD:
        raise ValueError(f"toward must be 'initial' or 'final', got {toward!r}")
    ring = wfsa.semiring
    if not (ring.divisible and ring.commutative):
        raise UnsupportedSemiringError(
            f"push needs a divisible, commutative semiring; {ring.name} is not (no ⊗-inverse to reweight with)"
        )
    to_initial = toward == "initial"
    potential = np.asarray(wfsa.shortest_distance(reverse=to_initial), dtype=ring.dtype)
    alive = coaccessible(wfsa) if to_initial else accessible(wfsa)
    has_weight = potential != ring.zero if ring.dtype != np.bool_ else potential
    vanished = np.flatnonzero(alive & ~has_weight)
    if len(vanished):
        side = "to the final states" if to_initial else "from the initial states"
        raise DivergenceError(
            f"cannot push: the paths {side} through state {int(vanished[0])} have total weight "
            f"{ring.zero!r} (weights of both signs cancel out, or tiny weights underflow), so there is "
            "nothing to divide by"
        )
    src, label, dst, weight = wfsa.arc_arrays
    keep = alive[src] & alive[dst] & live_arcs(wfsa)
    src, label, dst, weight = src[keep], label[keep], dst[keep], weight[keep]
    initial, final = wfsa.initial_weights, wfsa.final_weights
    new_initial, new_final = ring.zeros(wfsa.num_states), ring.zeros(wfsa.num_states)
    if to_initial:
        new_weight = ring.divide(ring.times(weight, potential[dst]), potential[src])
        new_initial[alive] = ring.times(initial[alive], potential[alive])
        new_final[alive] = ring.divide(final[alive], potential[alive])
    else:
        new_weight = ring.divide(ring.times(potential[src], weight), potential[dst])
        new_initial[alive] = ring.divide(initial[alive], potential[alive])
        new_final[alive] = ring.times(potential[alive], final[alive])
    return WFSA.from_arrays(
        ring, wfsa.alphabet.copy(), new_initial, new_final,
        src, label, dst, np.asarray(new_weight, dtype=ring.dtype), validate=False,
    )
