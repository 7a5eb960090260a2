"""Rational operations: union, concatenation, closure, reversal and intersection.

``union``, ``concat``, ``closure`` and ``reverse`` work in every semiring; they
only move weights around. ``intersect`` multiplies the weights of two machines
and so needs a commutative semiring. Two machines with different alphabets are
combined over the union of their alphabets (the first machine's symbols keep
their ids); machines over different semirings cannot be combined.

Intersection is the product construction with the epsilon *filter* of Mohri,
Pereira and Riley: when both machines have epsilon arcs, a path of the product
may move the two machines' epsilons in many interleavings; the filter (a
three-state machine run alongside) lets exactly one interleaving through, so no
path of the result is counted twice (which matters in ``Real`` and ``Log``).

Examples:
    >>> from rational import WFSA, Real
    >>> a = WFSA.from_arcs(Real, [(0, "a", 1, 0.5)], initial=0, final=1, alphabet="ab")
    >>> b = WFSA.from_arcs(Real, [(0, "b", 1, 0.25)], initial=0, final=1, alphabet="ab")
    >>> union(a, b).score("b"), concat(a, b).score("ab")
    (0.25, 0.125)
    >>> closure(a).score("aaa")
    0.125
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rational.errors import UnsupportedSemiringError
from rational.symbols import SymbolTable

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = ["closure", "concat", "intersect", "merge_alphabets", "reverse", "union"]

EPSILON = -1
# Filter states of the intersection: 0 both may move alone or together, 1 only
# the first machine has moved alone, 2 only the second has.
_FILTER_STATES = 3


def merge_alphabets(a: WFSA, b: WFSA) -> tuple[SymbolTable, np.ndarray, np.ndarray]:
    """The union of the two alphabets and each machine's arc labels in it.

    Args:
        a: the first machine (its symbols keep their ids).
        b: the second machine.

    Returns:
        ``(alphabet, labels_a, labels_b)``: the merged table and the label arrays of
        ``a`` and ``b`` renumbered into it (``-1`` stays epsilon).

    Examples:
        >>> from rational import WFSA, Boolean
        >>> a = WFSA.from_arcs(Boolean, [(0, "x", 0)], initial=0, final=0, alphabet="xy")
        >>> b = WFSA.from_arcs(Boolean, [(0, "z", 0), (0, "x", 0)], initial=0, final=0, alphabet="zx")
        >>> table, la, lb = merge_alphabets(a, b)
        >>> table.symbols, lb.tolist()
        (('x', 'y', 'z'), [2, 0])
    """
    labels_a, labels_b = a.arc_arrays[1], b.arc_arrays[1]
    if a.alphabet == b.alphabet:
        return a.alphabet.copy(), np.array(labels_a), np.array(labels_b)
    merged = a.alphabet.union(b.alphabet)
    table = np.array([merged.index(s) for s in b.alphabet] + [EPSILON], dtype=np.int64)
    # index -1 (epsilon) picks the last entry, which is -1 again
    return merged, np.array(labels_a), table[labels_b]


def _build(ring, alphabet, initial, final, src, label, dst, weight) -> WFSA:
    from rational.wfsa import WFSA

    return WFSA.from_arrays(ring, alphabet, initial, final, src, label, dst, weight, validate=False)


def union(a: WFSA, b: WFSA) -> WFSA:
    """The machine whose score on every string is ``a``'s score ⊕ ``b``'s.

    The states of ``b`` follow those of ``a``; both keep their initial weights, so
    no epsilon arc is needed.

    Args:
        a: a machine.
        b: a machine over the same semiring.

    Returns:
        A new machine with ``a.num_states + b.num_states`` states.

    Raises:
        SemiringMismatchError: when the semirings differ.

    Examples:
        >>> from rational import WFSA, Tropical
        >>> a = WFSA.from_arcs(Tropical, [(0, "a", 0, 1.0)], initial=0, final=0, alphabet="a")
        >>> b = WFSA.from_arcs(Tropical, [(0, "a", 0, 2.0)], initial={0: -1.0}, final=0, alphabet="a")
        >>> union(a, b).score("aa")  # min(2, -1 + 4)
        2.0
    """
    a.check_same_semiring(b)
    alphabet, labels_a, labels_b = merge_alphabets(a, b)
    src_a, _, dst_a, weight_a = a.arc_arrays
    src_b, _, dst_b, weight_b = b.arc_arrays
    shift = a.num_states
    return _build(
        a.semiring,
        alphabet,
        np.concatenate([a.initial_weights, b.initial_weights]),
        np.concatenate([a.final_weights, b.final_weights]),
        np.concatenate([src_a, src_b + shift]),
        np.concatenate([labels_a, labels_b]),
        np.concatenate([dst_a, dst_b + shift]),
        np.concatenate([weight_a, weight_b]),
    )


def _bridge_arcs(ring, sources, source_weights, targets, target_weights, bridge):
    """Epsilon arcs joining every source to every target: directly (weight
    ``source ⊗ target``) when that is fewer arcs, else through the state ``bridge``.
    Returns ``(src, dst, weight, uses_bridge)``."""
    ns, nt = len(sources), len(targets)
    if ns * nt <= ns + nt:
        src = np.repeat(sources, nt)
        dst = np.tile(targets, ns)
        weight = ring.times(np.repeat(source_weights, nt), np.tile(target_weights, ns))
        return src, dst, np.asarray(weight, dtype=ring.dtype), False
    src = np.concatenate([sources, np.full(nt, bridge, dtype=np.int64)])
    dst = np.concatenate([np.full(ns, bridge, dtype=np.int64), targets])
    weight = np.concatenate([source_weights, target_weights]).astype(ring.dtype)
    return src, dst, weight, True


def concat(a: WFSA, b: WFSA) -> WFSA:
    """The machine that reads a string of ``a`` then a string of ``b``: the score of
    ``w`` is the ⊕-sum over splits ``w = uv`` of ``a(u) ⊗ b(v)``.

    Each final state of ``a`` is joined to each initial state of ``b`` by an epsilon
    arc carrying the final ⊗ initial weight (through one extra state when that
    needs fewer arcs).

    Args:
        a: the first machine.
        b: the second machine, over the same semiring.

    Returns:
        A new machine with epsilon arcs.

    Raises:
        SemiringMismatchError: when the semirings differ.

    Examples:
        >>> from rational import WFSA, Boolean
        >>> a = WFSA.from_arcs(Boolean, [(0, "a", 0)], initial=0, final=0, alphabet="ab")
        >>> b = WFSA.from_arcs(Boolean, [(0, "b", 1)], initial=0, final=1, alphabet="ab")
        >>> ab = concat(a, b)
        >>> ab.score("aab"), ab.score("aba")
        (True, False)
    """
    a.check_same_semiring(b)
    ring = a.semiring
    alphabet, labels_a, labels_b = merge_alphabets(a, b)
    src_a, _, dst_a, weight_a = a.arc_arrays
    src_b, _, dst_b, weight_b = b.arc_arrays
    shift = a.num_states
    n = a.num_states + b.num_states
    finals = np.asarray(a.final_states, dtype=np.int64)
    starts = np.asarray(b.initial_states, dtype=np.int64)
    e_src, e_dst, e_weight, bridged = _bridge_arcs(
        ring, finals, a.final_weights[finals], starts + shift, b.initial_weights[starts], n
    )
    total = n + 1 if bridged else n
    initial = np.concatenate([a.initial_weights, ring.zeros(total - a.num_states)])
    final = np.concatenate([ring.zeros(shift), b.final_weights, ring.zeros(total - n)])
    return _build(
        ring,
        alphabet,
        initial,
        final,
        np.concatenate([src_a, src_b + shift, e_src]),
        np.concatenate([labels_a, labels_b, np.full(len(e_src), EPSILON, dtype=np.int64)]),
        np.concatenate([dst_a, dst_b + shift, e_dst]),
        np.concatenate([weight_a, weight_b, e_weight]),
    )


def closure(a: WFSA, plus: bool = False) -> WFSA:
    """Kleene closure: the score of ``w`` is the ⊕-sum over ways to cut ``w`` into
    pieces ``u1...uk`` of ``a(u1) ⊗ ... ⊗ a(uk)``, with ``k ≥ 0`` (star) or
    ``k ≥ 1`` (``plus=True``).

    Star adds a state that is initial and final with weight one, enters ``a``'s
    initial states by epsilon arcs and comes back from its final states; plus keeps
    ``a``'s initial and final weights and adds the way back only.

    In ``Real`` and ``Log`` the sum may diverge (for instance when ``a`` gives the
    empty string weight 1 or more); scoring the result then raises
    :class:`~rational.errors.DivergenceError`.

    Args:
        a: the machine.
        plus: at least one piece (``a+``) instead of any number (``a*``).

    Returns:
        A new machine with epsilon arcs and one or two more states.

    Examples:
        >>> from rational import WFSA, Real
        >>> a = WFSA.from_arcs(Real, [(0, "a", 1, 0.5)], initial=0, final=1, alphabet="a")
        >>> closure(a).score(""), closure(a, plus=True).score(""), closure(a).score("aa")
        (1.0, 0.0, 0.25)
    """
    ring = a.semiring
    src, label, dst, weight = a.arc_arrays
    n = a.num_states
    finals = np.asarray(a.final_states, dtype=np.int64)
    starts = np.asarray(a.initial_states, dtype=np.int64)
    hub = n  # the state pieces leave from and return to
    back_src, back_dst, back_weight, bridged = _bridge_arcs(
        ring, finals, a.final_weights[finals], starts, a.initial_weights[starts], hub
    )
    if plus:
        total = n + 1 if bridged else n
        initial = np.concatenate([a.initial_weights, ring.zeros(total - n)])
        final = np.concatenate([a.final_weights, ring.zeros(total - n)])
        extra_src, extra_dst, extra_weight = back_src, back_dst, back_weight
    else:
        total = n + 1
        initial = np.concatenate([ring.zeros(n), [ring.one]]).astype(ring.dtype)
        final = initial.copy()
        # star: every piece starts and ends at the hub
        extra_src = np.concatenate([np.full(len(starts), hub, dtype=np.int64), finals])
        extra_dst = np.concatenate([starts, np.full(len(finals), hub, dtype=np.int64)])
        extra_weight = np.concatenate([a.initial_weights[starts], a.final_weights[finals]]).astype(ring.dtype)
    return _build(
        ring,
        a.alphabet.copy(),
        initial,
        final,
        np.concatenate([src, extra_src]),
        np.concatenate([label, np.full(len(extra_src), EPSILON, dtype=np.int64)]),
        np.concatenate([dst, extra_dst]),
        np.concatenate([weight, extra_weight]),
    )


def reverse(a: WFSA) -> WFSA:
    """The machine reading strings backwards: every arc turned around, initial and
    final weights swapped, so ``reverse(a).score(w[::-1]) == a.score(w)``.

    The weights along a path are multiplied in the opposite order, which is the same
    product in the commutative built-in semirings (a non-commutative semiring's
    reversal is a machine over its opposite semiring).

    Examples:
        >>> from rational import WFSA, Log
        >>> a = WFSA.from_arcs(Log, [(0, "a", 1, -1.0), (1, "b", 2, -2.0)], initial=0, final=2, alphabet="ab")
        >>> reverse(a).score("ba")
        -3.0
    """
    src, label, dst, weight = a.arc_arrays
    return _build(
        a.semiring, a.alphabet.copy(), a.final_weights, a.initial_weights,
        np.array(dst), np.array(label), np.array(src), np.array(weight),
    )


# -- intersection ---------------------------------------------------------------------


class _ArcIndex:
    """A machine's arcs sorted by ``(source, label)`` for range lookups; epsilon
    arcs (label -1) come first in each source's block."""

    def __init__(self, src, label, dst, weight, num_states, num_labels):
        self.width = num_labels + 1  # labels -1..L-1 shifted to 0..L
        key = src * self.width + (label + 1)
        order = np.argsort(key, kind="stable")
        self.key = key[order]
        self.label = label[order]
        self.dst = dst[order]
        self.weight = weight[order]
        self.state_start = np.searchsorted(self.key, np.arange(num_states + 1) * self.width)

    def out_arcs(self, states):
        """For each state, the range of its arcs: ``(starts, counts)``."""
        starts = self.state_start[states]
        return starts, self.state_start[states + 1] - starts

    def labelled(self, states, labels):
        """For each ``(state, label)``, the range of the matching arcs."""
        keys = states * self.width + (labels + 1)
        starts = np.searchsorted(self.key, keys, side="left")
        return starts, np.searchsorted(self.key, keys, side="right") - starts


def _expand(starts, counts):
    """Flatten ranges: the owner of each element and its index."""
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(starts)), counts)
    if total == 0:
        return owner, np.zeros(0, dtype=np.int64)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, starts[owner] + offsets


def intersect(a: WFSA, b: WFSA, connect: bool = True) -> WFSA:
    """The product machine: the score of ``w`` is ``a(w) ⊗ b(w)``.

    States are triples (state of ``a``, state of ``b``, filter state), built
    breadth-first from the pairs of initial states, a level at a time with
    vectorized joins of the arcs that share a label. The epsilon filter lets
    through exactly one way of interleaving epsilon moves (simultaneous moves
    first, then the remaining moves of one machine alone).

    Args:
        a: a machine over a commutative semiring.
        b: a machine over the same semiring.
        connect: drop the states that reach no final state (the accessible part is
            built in any case).

    Returns:
        The product machine over the union of the alphabets.

    Raises:
        SemiringMismatchError: when the semirings differ.
        UnsupportedSemiringError: when the semiring is not commutative.

    Examples:
        >>> from rational import WFSA, Real
        >>> a = WFSA.from_arcs(Real, [(0, "a", 0, 0.5), (0, "b", 0, 0.5)], initial=0, final=0, alphabet="ab")
        >>> b = WFSA.from_arcs(Real, [(0, "a", 1, 2.0), (1, "b", 1, 1.0)], initial=0, final=1, alphabet="ab")
        >>> intersect(a, b).score("abb")
        0.25
    """
    a.check_same_semiring(b)
    ring = a.semiring
    if not ring.commutative:
        raise UnsupportedSemiringError(
            f"intersect needs a commutative semiring; {ring.name} is not (the product of two paths' "
            "weights would depend on the interleaving)"
        )
    alphabet, labels_a, labels_b = merge_alphabets(a, b)
    src_a, _, dst_a, weight_a = a.arc_arrays
    src_b, _, dst_b, weight_b = b.arc_arrays
    index_a = _ArcIndex(src_a, labels_a, dst_a, weight_a, a.num_states, len(alphabet))
    index_b = _ArcIndex(src_b, labels_b, dst_b, weight_b, b.num_states, len(alphabet))
    nb = b.num_states
    init_a = np.asarray(a.initial_states, dtype=np.int64)
    init_b = np.asarray(b.initial_states, dtype=np.int64)
    start_p, start_q = np.repeat(init_a, len(init_b)), np.tile(init_b, len(init_a))
    numbering = _Numbering(a.num_states * nb * _FILTER_STATES)
    start_ids = numbering.id_of((start_p * nb + start_q) * _FILTER_STATES)
    level = numbering.take_new()
    pieces: list[tuple[np.ndarray, ...]] = []
    while len(level):
        keys = numbering.keys_of(level)
        f, pair = keys % _FILTER_STATES, keys // _FILTER_STATES
        for owner, label, next_p, next_q, next_f, weight in _product_moves(ring, index_a, index_b, pair // nb, pair % nb, f):
            target = numbering.id_of((next_p * nb + next_q) * _FILTER_STATES + next_f)
            pieces.append((level[owner], label, target, weight))
        level = numbering.take_new()
    keys = numbering.keys_of(np.arange(numbering.size))
    pair = keys // _FILTER_STATES
    p, q = pair // nb, pair % nb
    initial = ring.zeros(numbering.size)
    initial[start_ids] = ring.times(a.initial_weights[start_p], b.initial_weights[start_q])
    final = np.asarray(ring.times(a.final_weights[p], b.final_weights[q]), dtype=ring.dtype)
    columns = list(zip(*pieces)) if pieces else [[np.zeros(0, dtype=np.int64)]] * 3 + [[ring.zeros(0)]]
    product = _build(ring, alphabet, initial, final, *(np.concatenate(column) for column in columns))
    if connect:
        from rational.algorithms.connect import trim

        return trim(product)
    return product


class _Numbering:
    """Consecutive ids for integer keys in order of discovery: a dense table when
    the key space is small, a dictionary otherwise."""

    _DENSE_LIMIT = 1 << 24

    def __init__(self, key_space: int):
        self.dense = np.full(key_space, -1, dtype=np.int64) if key_space <= self._DENSE_LIMIT else None
        self.table: dict[int, int] = {}
        self.size = 0
        self._pieces: list[np.ndarray] = []
        self._keys = np.zeros(0, dtype=np.int64)
        self._new_start = 0

    def id_of(self, keys: np.ndarray) -> np.ndarray:
        """The id of every key, numbering the keys not seen before."""
        unique, inverse = np.unique(keys, return_inverse=True)
        if self.dense is not None:
            ids = self.dense[unique]
            fresh = np.flatnonzero(ids < 0)
            ids[fresh] = self.size + np.arange(len(fresh))
            self.dense[unique[fresh]] = ids[fresh]
        else:
            table = self.table
            ids = np.fromiter(
                (table.setdefault(k, len(table)) for k in unique.tolist()), dtype=np.int64, count=len(unique)
            )
            fresh = np.flatnonzero(ids >= self.size)
        # fresh ids were handed out in the order of `unique`
        self._pieces.append(unique[fresh])
        self.size += len(fresh)
        return ids[inverse]

    def take_new(self) -> np.ndarray:
        """The ids numbered since the last call."""
        new = np.arange(self._new_start, self.size)
        self._new_start = self.size
        return new

    def keys_of(self, ids: np.ndarray) -> np.ndarray:
        """The key of every id."""
        if len(self._keys) != self.size:
            self._keys = np.concatenate([self._keys, *self._pieces])
            self._pieces = []
        return self._keys[ids]


def _product_moves(ring, index_a, index_b, p, q, f):
    """The arcs leaving product states ``(p, q, f)``, as tuples
    ``(owner, label, next_p, next_q, next_f, weight)`` (``owner`` indexes the states)."""
    moves = []
    # both machines read the same symbol
    owner, arc_a = _expand(*index_a.out_arcs(p))
    reads = index_a.label[arc_a] != EPSILON
    owner, arc_a = owner[reads], arc_a[reads]
    pick, arc_b = _expand(*index_b.labelled(q[owner], index_a.label[arc_a]))
    owner, arc_a = owner[pick], arc_a[pick]
    moves.append((owner, index_a.label[arc_a], index_a.dst[arc_a], index_b.dst[arc_b], np.zeros(len(owner), dtype=np.int64),
                  ring.times(index_a.weight[arc_a], index_b.weight[arc_b])))
    no_label = np.full(len(p), EPSILON, dtype=np.int64)
    # the first machine moves alone on an epsilon (filter states 0 and 1)
    alone = np.flatnonzero(f != 2)
    owner, arc_a = _expand(*index_a.labelled(p[alone], no_label[alone]))
    owner = alone[owner]
    moves.append((owner, no_label[owner], index_a.dst[arc_a], q[owner], np.ones(len(owner), dtype=np.int64), index_a.weight[arc_a]))
    # the second machine moves alone (filter states 0 and 2)
    alone = np.flatnonzero(f != 1)
    owner, arc_b = _expand(*index_b.labelled(q[alone], no_label[alone]))
    owner = alone[owner]
    moves.append((owner, no_label[owner], p[owner], index_b.dst[arc_b], np.full(len(owner), 2, dtype=np.int64), index_b.weight[arc_b]))
    # both move on epsilons together (filter state 0 only)
    together = np.flatnonzero(f == 0)
    owner, arc_a = _expand(*index_a.labelled(p[together], no_label[together]))
    owner = together[owner]
    pick, arc_b = _expand(*index_b.labelled(q[owner], no_label[owner]))
    owner, arc_a = owner[pick], arc_a[pick]
    moves.append((owner, no_label[owner], index_a.dst[arc_a], index_b.dst[arc_b], np.zeros(len(owner), dtype=np.int64),
                  ring.times(index_a.weight[arc_a], index_b.weight[arc_b])))
    return [(o, lab, np_, nq, nf, np.asarray(w, dtype=ring.dtype)) for o, lab, np_, nq, nf, w in moves if len(o)]
