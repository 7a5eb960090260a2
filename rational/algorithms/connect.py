"""Trimming: keep the states that lie on some accepting path.

A state is *accessible* when a path with non-zero weight leads to it from an
initial state, and *coaccessible* when one leads from it to a final state.
``trim`` (also called ``connect``, OpenFst's name) keeps the states that are both
and renumbers them in their original order; arcs of weight zero are dropped.

Examples:
    >>> from rational import WFSA, Boolean
    >>> a = WFSA.from_arcs(Boolean, [(0, "a", 1), (0, "b", 2), (3, "a", 1)], initial=0, final=1, alphabet="ab")
    >>> trim(a).num_states  # 2 leads nowhere, 3 cannot be reached
    2
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rational.algorithms.shortest_distance import _boolean_reachability

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = ["accessible", "coaccessible", "connect", "live_arcs", "trim"]


def live_arcs(wfsa: WFSA) -> np.ndarray:
    """Mask of the arcs whose weight is not the semiring's zero."""
    weight = wfsa.arc_arrays[3]
    if wfsa.semiring.dtype == np.bool_:
        return np.asarray(weight, dtype=bool)
    return np.asarray(weight != wfsa.semiring.zero)


def accessible(wfsa: WFSA) -> np.ndarray:
    """Mask of the states reachable from an initial state by non-zero arcs."""
    src, _, dst, _ = wfsa.arc_arrays
    live = live_arcs(wfsa)
    start = wfsa.initial_weights != wfsa.semiring.zero
    return _boolean_reachability(start, src[live], dst[live], wfsa.num_states)


def coaccessible(wfsa: WFSA) -> np.ndarray:
    """Mask of the states from which a final state is reachable by non-zero arcs."""
    src, _, dst, _ = wfsa.arc_arrays
    live = live_arcs(wfsa)
    end = wfsa.final_weights != wfsa.semiring.zero
    return _boolean_reachability(end, dst[live], src[live], wfsa.num_states)


def keep_states(wfsa: WFSA, keep: np.ndarray) -> WFSA:
    """The machine restricted to the states in the boolean mask ``keep``, renumbered
    in order, without zero-weight arcs."""
    from rational.wfsa import WFSA

    src, label, dst, weight = wfsa.arc_arrays
    new_id = np.cumsum(keep) - 1
    arcs = keep[src] & keep[dst] & live_arcs(wfsa)
    return WFSA.from_arrays(
        wfsa.semiring, wfsa.alphabet.copy(),
        wfsa.initial_weights[keep], wfsa.final_weights[keep],
        new_id[src[arcs]], label[arcs], new_id[dst[arcs]], weight[arcs],
        validate=False,
    )


def trim(wfsa: WFSA) -> WFSA:
    """The machine without the states that are not both accessible and coaccessible.

    Scores are unchanged; a machine that accepts nothing becomes the empty machine
    (no states).

    Args:
        wfsa: the machine.

    Returns:
        A new machine whose states keep their relative order.

    Examples:
        >>> from rational import WFSA, Real
        >>> a = WFSA.from_arcs(Real, [(0, "a", 1, 0.5), (1, "a", 2, 0.5)], initial=0, final=1, alphabet="a")
        >>> b = trim(a)
        >>> b.num_states, b.score("a")
        (2, 0.5)
    """
    if wfsa.num_states == 0:
        return wfsa.copy()
    return keep_states(wfsa, accessible(wfsa) & coaccessible(wfsa))


#: OpenFst's name for :func:`trim`.
connect = trim
