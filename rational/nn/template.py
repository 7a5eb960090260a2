"""Templates: WFSA topologies whose token arcs take their weights from the input.

A :class:`Template` fixes the states, the arcs and which states are initial and
final; a compiled module (:func:`rational.nn.compile`) gives every *token arc* a
weight computed from the input at each position (``weight(arc, x_t)``) and every
*epsilon arc* an input-independent weight (learned, or fixed at the semiring's one).
Initial and final states of a template carry the weight one.

Token arcs are numbered in the order they were given: that number is the arc axis of
the module's parameters (``theta[copy, arc, token]`` or ``weight[copy, arc, :]``).

Examples:
    >>> from rational.nn import Template
    >>> pattern = Template.chain(3)          # a SoPa pattern: states 0..3
    >>> pattern.num_states, pattern.num_arcs, pattern.loop_states
    (4, 5, (1, 2))
    >>> pattern.arc_names
    ('0->1', '1->2', '2->3', '1->1', '2->2')
    >>> Template(2, [(0, 1), (1, 1)], initial=0, final=1)
    Template(2 states, 2 token arcs, 0 epsilon arcs, initial (0,), final (1,))
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from rational.errors import UnknownStateError

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = ["Template"]


def _state_tuple(spec: int | Iterable[int] | None, what: str) -> tuple[int, ...]:
    if spec is None:
        return ()
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        return (int(spec),)
    try:
        return tuple(sorted({int(q) for q in spec}))
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a state or an iterable of states, got {spec!r}") from None


def _pair_arrays(pairs: Iterable, what: str) -> tuple[np.ndarray, np.ndarray]:
    src, dst = [], []
    for pair in pairs:
        try:
            p, q = pair
        except (TypeError, ValueError):
            raise ValueError(f"each {what} is a (src, dst) pair of states, got {pair!r}") from None
        for state in (p, q):
            if isinstance(state, bool) or not isinstance(state, (int, np.integer)):
                raise UnknownStateError(f"{what} {pair!r}: state {state!r} is not an integer state id")
        src.append(int(p))
        dst.append(int(q))
    return np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)


class Template:
    """A WFSA topology with input-weighted token arcs.

    Args:
        num_states: the number of states ``Q`` (states are ``0..Q-1``).
        arcs: token arcs as ``(src, dst)`` pairs; each reads one input position.
            Parallel arcs are allowed (each gets its own weights; they ⊕-sum).
        epsilons: epsilon arcs as ``(src, dst)`` pairs (read nothing; their weight
            does not depend on the input).
        initial: the initial state(s), weight one.
        final: the final state(s), weight one (default: the last state).
        fixed_epsilons: epsilon arcs weigh the semiring's one and are not trained
            (by default each has a learned weight).

    Raises:
        ValueError: for fewer than one state or a malformed arc.
        UnknownStateError: for a state outside ``0..Q-1``, or no initial or no
            final state.

    Examples:
        >>> t = Template(3, [(0, 1), (1, 2), (1, 1)], epsilons=[(0, 2)], initial=0, final=2)
        >>> t.arcs, t.epsilons
        (((0, 1), (1, 2), (1, 1)), ((0, 2),))
        >>> t.loop_states, t.is_chain
        ((1,), False)
    """

    def __init__(
        self,
        num_states: int,
        arcs: Iterable[tuple[int, int]],
        *,
        epsilons: Iterable[tuple[int, int]] = (),
        initial: int | Iterable[int] = 0,
        final: int | Iterable[int] | None = None,
        fixed_epsilons: bool = False,
    ) -> None:
        if isinstance(num_states, bool) or not isinstance(num_states, (int, np.integer)) or num_states < 1:
            raise ValueError(f"a template needs at least one state, got num_states={num_states!r}")
        self.num_states = int(num_states)
        self.src, self.dst = _pair_arrays(arcs, "token arc")
        self.epsilon_src, self.epsilon_dst = _pair_arrays(epsilons, "epsilon arc")
        self.initial_states = _state_tuple(initial, "initial")
        self.final_states = _state_tuple(self.num_states - 1 if final is None else final, "final")
        self.fixed_epsilons = bool(fixed_epsilons)
        self.chain_length: int | None = None
        self._check()

    def _check(self) -> None:
        n = self.num_states
        for what, states in (
            ("token arc source", self.src),
            ("token arc target", self.dst),
            ("epsilon arc source", self.epsilon_src),
            ("epsilon arc target", self.epsilon_dst),
            ("initial state", np.asarray(self.initial_states, dtype=np.int64)),
            ("final state", np.asarray(self.final_states, dtype=np.int64)),
        ):
            bad = states[(states < 0) | (states >= n)]
            if len(bad):
                raise UnknownStateError(f"{what} {int(bad[0])} is not a state of a template with {n} states (0..{n - 1})")
        if not self.initial_states:
            raise UnknownStateError("a template needs at least one initial state (initial=...)")
        if not self.final_states:
            raise UnknownStateError("a template needs at least one final state (final=...)")

    # -- builders --------------------------------------------------------------------------
    @classmethod
    def chain(
        cls,
        length: int,
        self_loops: bool | Iterable[int] = True,
        epsilons: bool = False,
        final: int | Iterable[int] | None = None,
    ) -> Template:
        """A chain of states ``0..length``: SoPa patterns and n-gram rational RNNs.

        Token arc ``j`` (for ``j = 0..length-1``) is the main arc ``j -> j+1``; the
        self-loops follow, in increasing state order. State 0 is initial and state
        ``length`` final.

        Args:
            length: the number of main arcs ``L`` (the pattern length); ``L + 1`` states.
            self_loops: which states carry a token self-loop. ``True`` means the
                *interior* states ``1..L-1``, SoPa's convention (Schwartz et al. 2018:
                a match may linger inside the pattern but starts and ends on a main
                arc); ``False`` none; an iterable names the states, e.g.
                ``range(1, L + 1)`` for a rational RNN whose last state keeps
                accumulating (Peng et al. 2018).
            epsilons: add an epsilon arc ``j -> j+1`` beside every main arc (SoPa's
                epsilon transitions, which skip a pattern position).
            final: the final state(s), default ``length``; ``range(1, L + 1)`` makes
                every state after the first final, so a span's score is the ⊕ over
                the states it reaches (a rational RNN whose output sums its states).

        Raises:
            ValueError: for a length below 1.
            UnknownStateError: for a self-loop or final state outside ``0..length``.

        Examples:
            >>> Template.chain(2, self_loops=range(1, 3)).loop_states   # bigram rational RNN
            (1, 2)
            >>> Template.chain(3, self_loops=False, epsilons=True).epsilons
            ((0, 1), (1, 2), (2, 3))
            >>> Template.chain(2, self_loops=range(1, 3), final=range(1, 3)).final_states
            (1, 2)
        """
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
            raise ValueError(f"a chain needs length >= 1 (the number of main arcs), got {length!r}")
        length = int(length)
        if self_loops is True:
            loops: tuple[int, ...] = tuple(range(1, length))
        elif self_loops is False or self_loops is None:
            loops = ()
        else:
            loops = _state_tuple(self_loops, "self_loops")
            bad = [q for q in loops if not 0 <= q <= length]
            if bad:
                raise UnknownStateError(f"self-loop state {bad[0]} is not a state of a chain of length {length} (0..{length})")
        arcs = [(j, j + 1) for j in range(length)] + [(q, q) for q in loops]
        eps = [(j, j + 1) for j in range(length)] if epsilons else []
        template = cls(length + 1, arcs, epsilons=eps, initial=0, final=length if final is None else final)
        template.chain_length = length
        return template

    @classmethod
    def from_wfsa(cls, wfsa: WFSA) -> Template:
        """The topology of ``wfsa``: one token arc per (source, target) pair that some
        labelled arc connects, one epsilon arc per pair an epsilon arc connects, and
        the machine's initial and final states. Cycles and epsilons are kept.

        Raises:
            TypeError: when ``wfsa`` is not a WFSA.
            UnknownStateError: when the machine has no initial or no final state.

        Examples:
            >>> from rational import WFSA, Real
            >>> a = WFSA.from_arcs(Real, [(0, "a", 1), (0, "b", 1), (1, None, 0)], initial=0, final=1)
            >>> Template.from_wfsa(a)
            Template(2 states, 1 token arcs, 1 epsilon arcs, initial (0,), final (1,))
        """
        from rational.wfsa import EPSILON_ID, WFSA

        if not isinstance(wfsa, WFSA):
            raise TypeError(f"Template.from_wfsa expects a WFSA, got {type(wfsa).__name__}")
        if wfsa.num_states == 0:
            raise ValueError("the WFSA has no states: there is no topology to compile")
        if not wfsa.initial_states:
            raise UnknownStateError("the WFSA has no initial state: every string scores zero, nothing to compile")
        if not wfsa.final_states:
            raise UnknownStateError("the WFSA has no final state: every string scores zero, nothing to compile")
        src, label, dst, _ = wfsa.arc_arrays
        token = label != EPSILON_ID
        token_pairs = sorted(set(zip(src[token].tolist(), dst[token].tolist())))
        epsilon_pairs = sorted(set(zip(src[~token].tolist(), dst[~token].tolist())))
        return cls(
            wfsa.num_states,
            token_pairs,
            epsilons=epsilon_pairs,
            initial=wfsa.initial_states,
            final=wfsa.final_states,
        )

    # -- views -------------------------------------------------------------------------------
    @property
    def num_arcs(self) -> int:
        """The number of token arcs."""
        return len(self.src)

    @property
    def num_epsilons(self) -> int:
        """The number of epsilon arcs."""
        return len(self.epsilon_src)

    @property
    def arcs(self) -> tuple[tuple[int, int], ...]:
        """The token arcs as ``(src, dst)`` pairs, in arc order."""
        return tuple(zip(self.src.tolist(), self.dst.tolist()))

    @property
    def epsilons(self) -> tuple[tuple[int, int], ...]:
        """The epsilon arcs as ``(src, dst)`` pairs."""
        return tuple(zip(self.epsilon_src.tolist(), self.epsilon_dst.tolist()))

    @property
    def arc_names(self) -> tuple[str, ...]:
        """``"src->dst"`` for every token arc (for reports and drawings)."""
        return tuple(f"{p}->{q}" for p, q in self.arcs)

    @property
    def loop_states(self) -> tuple[int, ...]:
        """States with a token self-loop, in increasing order."""
        return tuple(sorted({p for p, q in self.arcs if p == q}))

    @property
    def is_chain(self) -> bool:
        """True for templates built by :meth:`chain` (they run on the fast chain scans)."""
        return self.chain_length is not None

    @property
    def epsilon_cycles(self) -> bool:
        """True when the epsilon arcs form a cycle (their closure is an infinite sum)."""
        n = self.num_states
        reach = np.zeros((n, n), dtype=bool)
        reach[self.epsilon_src, self.epsilon_dst] = True
        for k in range(n):  # Warshall's transitive closure
            reach |= reach[:, k : k + 1] & reach[k : k + 1, :]
        return bool(np.any(np.diag(reach)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Template):
            return NotImplemented
        return (
            self.num_states == other.num_states
            and self.arcs == other.arcs
            and self.epsilons == other.epsilons
            and self.initial_states == other.initial_states
            and self.final_states == other.final_states
            and self.fixed_epsilons == other.fixed_epsilons
            and self.chain_length == other.chain_length
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        kind = f"chain of length {self.chain_length}, " if self.is_chain else ""
        return (
            f"Template({kind}{self.num_states} states, {self.num_arcs} token arcs, {self.num_epsilons} epsilon arcs, "
            f"initial {self.initial_states}, final {self.final_states})"
        )
