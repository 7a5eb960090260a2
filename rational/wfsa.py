"""The weighted finite-state acceptor type.

A :class:`WFSA` holds integer states ``0..n-1``, arcs ``(src, label, dst, weight)``
whose label is a symbol of its :class:`~rational.SymbolTable` alphabet or ``None``
for epsilon, and an initial and a final weight on every state (the semiring's zero
where a state is not initial or final). Storage is numpy arrays, so the per-symbol
matrix view (:meth:`WFSA.transition_tensor`) and the algorithms are vectorized.

Examples:
    >>> from rational import WFSA, Real
    >>> a = WFSA.from_arcs(Real, [(0, "a", 1, 0.5), (1, "b", 1, 0.25)],
    ...                    initial=0, final={1: 2.0}, alphabet="ab")
    >>> a.score("abb")  # 0.5 * 0.25 * 0.25 * 2
    0.0625
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from rational.errors import (
    InvalidWeightError,
    SemiringMismatchError,
    UnknownStateError,
    UnknownSymbolError,
    UnsupportedSemiringError,
)
from rational.semirings import Semiring
from rational.symbols import SymbolTable

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

__all__ = ["AcceptingPath", "Arc", "WFSA", "all_strings"]

EPSILON_ID = -1  # how epsilon is stored in the label array


class Arc(NamedTuple):
    """One arc: ``src --label/weight--> dst`` (``label`` is ``None`` for epsilon)."""

    src: int
    label: Hashable | None
    dst: int
    weight: Any


class AcceptingPath(NamedTuple):
    """An accepting path: its states, its labels (epsilons dropped) and its weight."""

    states: tuple[int, ...]
    labels: tuple[Hashable, ...]
    weight: Any


def _weight_spec(spec, num_states_hint: int | None, semiring: Semiring) -> dict[int, Any]:
    """Normalize an initial/final specification to ``{state: weight}``."""
    if spec is None:
        return {}
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        return {int(spec): semiring.one}
    if isinstance(spec, Mapping):
        return {int(k): v for k, v in spec.items()}
    return {int(q): semiring.one for q in spec}


class WFSA:
    """A weighted finite-state acceptor over a semiring.

    Args:
        semiring: a :class:`~rational.semirings.Semiring` instance (``rational.Real``...).
        alphabet: the symbols: a string (one symbol per character), a list of
            symbols, or a :class:`~rational.SymbolTable` (shared, not copied). When
            omitted the alphabet starts empty and grows as arcs use new labels; when
            given, labels outside it are an error.

    Raises:
        TypeError: when ``semiring`` is not a semiring object.

    Examples:
        >>> from rational import WFSA, Tropical
        >>> a = WFSA(Tropical, alphabet="ab")
        >>> q0, q1 = a.add_state(initial=0.0), a.add_state(final=0.0)
        >>> a.add_arc(q0, "a", q1, 1.5)
        >>> a.score("a"), a.score("b")
        (1.5, inf)
    """

    def __init__(self, semiring: Semiring, alphabet: Iterable[Hashable] | str | SymbolTable | None = None):
        if not isinstance(semiring, Semiring):
            raise TypeError(
                f"semiring must be a Semiring object such as rational.Real, got {semiring!r}"
            )
        self.semiring = semiring
        if alphabet is None:
            self.alphabet = SymbolTable()
            self._open_alphabet = True
        else:
            self.alphabet = alphabet if isinstance(alphabet, SymbolTable) else SymbolTable(alphabet)
            self._open_alphabet = False
        self._initial: list[Any] = []
        self._final: list[Any] = []
        self._src = np.zeros(0, dtype=np.int64)
        self._label = np.zeros(0, dtype=np.int64)
        self._dst = np.zeros(0, dtype=np.int64)
        self._weight = semiring.zeros(0)
        self._pending: list[tuple[int, int, int, Any]] = []
        self._cache: dict[str, Any] = {}

    # -- construction -----------------------------------------------------------------
    @classmethod
    def from_arcs(
        cls,
        semiring: Semiring,
        arcs: Iterable[Sequence],
        *,
        initial: int | Iterable[int] | Mapping[int, Any] | None = None,
        final: int | Iterable[int] | Mapping[int, Any] | None = None,
        alphabet: Iterable[Hashable] | str | SymbolTable | None = None,
        num_states: int | None = None,
    ) -> WFSA:
        """Build a machine in one call.

        Args:
            semiring: the semiring.
            arcs: ``(src, label, dst)`` or ``(src, label, dst, weight)`` tuples.
            initial: a state, a list of states (weight one) or ``{state: weight}``.
            final: the same for final weights.
            alphabet: as in the constructor.
            num_states: the number of states; by default one more than the largest
                state mentioned.

        Examples:
            >>> from rational import WFSA, Boolean
            >>> WFSA.from_arcs(Boolean, [(0, "a", 0)], initial=0, final=0).score("aaa")
            True
        """
        arcs = [tuple(arc) for arc in arcs]
        initial_spec = _weight_spec(initial, num_states, semiring)
        final_spec = _weight_spec(final, num_states, semiring)
        mentioned = [max((max(a[0], a[2]) for a in arcs), default=-1)]
        mentioned += [max(initial_spec, default=-1), max(final_spec, default=-1)]
        n = max(mentioned) + 1 if num_states is None else num_states
        machine = cls(semiring, alphabet)
        machine.add_states(n)
        for arc in arcs:
            if len(arc) not in (3, 4):
                raise ValueError(f"an arc is (src, label, dst[, weight]); got {arc!r}")
            machine.add_arc(*arc)
        for q, w in initial_spec.items():
            machine.set_initial(q, w)
        for q, w in final_spec.items():
            machine.set_final(q, w)
        return machine

    @classmethod
    def from_arrays(
        cls,
        semiring: Semiring,
        alphabet: SymbolTable,
        initial: np.ndarray,
        final: np.ndarray,
        src: np.ndarray,
        label: np.ndarray,
        dst: np.ndarray,
        weight: np.ndarray,
        *,
        validate: bool = True,
    ) -> WFSA:
        """Build a machine from arrays (the fast path algorithms use).

        Args:
            semiring: the semiring.
            alphabet: the symbol table (shared).
            initial: initial weight of every state, shape ``(n,)``.
            final: final weight of every state, shape ``(n,)``.
            src: the source state of every arc.
            label: the symbol id of every arc, ``-1`` for epsilon.
            dst: the target state of every arc.
            weight: the weight of every arc.
            validate: check states, labels and weights (disable only for arrays
                produced by the library itself).
        """
        machine = cls(semiring, alphabet)
        n = len(initial)
        src = np.array(src, dtype=np.int64)
        label = np.array(label, dtype=np.int64)
        dst = np.array(dst, dtype=np.int64)
        if validate:
            if len(final) != n:
                raise ValueError(f"initial has {n} states but final has {len(final)}")
            if not len(src) == len(label) == len(dst) == len(weight):
                raise ValueError("src, label, dst and weight must have the same length")
            for name, states in (("source", src), ("target", dst)):
                bad = states[(states < 0) | (states >= n)]
                if len(bad):
                    raise UnknownStateError(f"unknown {name} state {int(bad[0])}: the WFSA has {n} states")
            bad_labels = label[(label < EPSILON_ID) | (label >= len(alphabet))]
            if len(bad_labels):
                raise UnknownSymbolError(
                    f"symbol id {int(bad_labels[0])} is not in an alphabet of {len(alphabet)} symbols"
                )
            initial = semiring.check(initial, "initial weight")
            final = semiring.check(final, "final weight")
            weight = semiring.check(weight, "arc weight")
        machine._initial = list(np.asarray(initial, dtype=semiring.dtype))
        machine._final = list(np.asarray(final, dtype=semiring.dtype))
        machine._src, machine._label, machine._dst = src, label, dst
        machine._weight = np.array(weight, dtype=semiring.dtype)
        return machine

    def add_state(self, initial: Any = None, final: Any = None) -> int:
        """Add a state and return its id; optionally give its initial and final weights."""
        self._initial.append(self.semiring.zero)
        self._final.append(self.semiring.zero)
        state = len(self._initial) - 1
        self._changed()
        if initial is not None:
            self.set_initial(state, initial)
        if final is not None:
            self.set_final(state, final)
        return state

    def add_states(self, count: int) -> range:
        """Add ``count`` states and return their ids."""
        if count < 0:
            raise ValueError(f"cannot add {count} states")
        start = self.num_states
        self._initial.extend([self.semiring.zero] * count)
        self._final.extend([self.semiring.zero] * count)
        self._changed()
        return range(start, start + count)

    def add_arc(self, src: int, label: Hashable | None, dst: int, weight: Any = None) -> None:
        """Add the arc ``src --label/weight--> dst`` (weight one by default; label
        ``None`` for epsilon).

        Raises:
            UnknownStateError: for a state the machine does not have.
            UnknownSymbolError: for a label outside a fixed alphabet.
            InvalidWeightError: for a weight outside the semiring.
        """
        self._check_state(src)
        self._check_state(dst)
        label_id = self._label_id(label)
        value = self.semiring.one if weight is None else self._check_weight(weight, f"arc weight of {src}->{dst}")
        self._pending.append((int(src), label_id, int(dst), value))
        self._changed()

    def set_initial(self, state: int, weight: Any = None) -> None:
        """Set the initial weight of ``state`` (one by default; zero removes it)."""
        self._check_state(state)
        value = self.semiring.one if weight is None else self._check_weight(weight, f"initial weight of state {state}")
        self._initial[state] = value
        self._changed()

    def set_final(self, state: int, weight: Any = None) -> None:
        """Set the final weight of ``state`` (one by default; zero removes it)."""
        self._check_state(state)
        value = self.semiring.one if weight is None else self._check_weight(weight, f"final weight of state {state}")
        self._final[state] = value
        self._changed()

    def copy(self) -> WFSA:
        """An independent copy (the alphabet is copied too)."""
        self._flush()
        other = WFSA.from_arrays(
            self.semiring, self.alphabet.copy(), self.initial_weights, self.final_weights,
            self._src.copy(), self._label.copy(), self._dst.copy(), self._weight.copy(),
            validate=False,
        )
        other._open_alphabet = self._open_alphabet
        return other

    def map_weights(self, function: Any, semiring: Semiring | None = None) -> WFSA:
        """A copy with every weight (initial, final, arcs) passed through a vectorized
        ``function``, optionally into another semiring.

        Zero weights are mapped too, so ``function`` must send zero to the new zero
        (``np.log`` sends the Real 0 to the Log -inf).

        Examples:
            >>> import numpy as np
            >>> from rational import WFSA, Real, Log
            >>> a = WFSA.from_arcs(Real, [(0, "a", 0, 0.5)], initial=0, final=0, alphabet="a")
            >>> bool(a.map_weights(np.log, Log).score("aa") == np.log(0.25))
            True
        """
        ring = self.semiring if semiring is None else semiring
        src, label, dst, weight = self.arc_arrays
        with np.errstate(divide="ignore"):
            mapped = [function(np.asarray(w)) for w in (self.initial_weights, self.final_weights, weight)]
        return WFSA.from_arrays(ring, self.alphabet.copy(), mapped[0], mapped[1], src, label, dst, mapped[2])

    # -- validation helpers ------------------------------------------------------------
    def _check_state(self, state: Any) -> None:
        if isinstance(state, bool) or not isinstance(state, (int, np.integer)):
            raise UnknownStateError(f"state {state!r} is not an integer state id")
        if not 0 <= state < self.num_states:
            raise UnknownStateError(
                f"unknown state {state}: this WFSA has {self.num_states} states "
                "(add them with add_state())"
            )

    def _check_weight(self, weight: Any, what: str):
        value = self.semiring.check(weight, what)
        if np.ndim(value) != 0:
            raise InvalidWeightError(f"{what} must be a single value, got {weight!r}")
        return value[()]

    def _label_id(self, label: Hashable | None) -> int:
        if label is None:
            return EPSILON_ID
        if self._open_alphabet:
            return self.alphabet.add(label)
        return self.alphabet.index(label)

    def check_same_semiring(self, other: WFSA) -> None:
        """Raise unless ``other`` is a WFSA over the same semiring.

        Raises:
            SemiringMismatchError: naming both semirings.
        """
        if not isinstance(other, WFSA):
            raise TypeError(f"expected a WFSA, got {type(other).__name__}")
        if other.semiring is not self.semiring:
            raise SemiringMismatchError(
                f"cannot combine a {self.semiring.name} WFSA with a {other.semiring.name} WFSA"
            )

    # -- storage ----------------------------------------------------------------------
    def _changed(self) -> None:
        self._cache.clear()

    def _flush(self) -> None:
        if not self._pending:
            return
        src, label, dst, weight = zip(*self._pending)
        self._src = np.concatenate([self._src, np.asarray(src, dtype=np.int64)])
        self._label = np.concatenate([self._label, np.asarray(label, dtype=np.int64)])
        self._dst = np.concatenate([self._dst, np.asarray(dst, dtype=np.int64)])
        self._weight = np.concatenate([self._weight, np.asarray(weight, dtype=self.semiring.dtype)])
        self._pending = []

    @property
    def num_states(self) -> int:
        """The number of states."""
        return len(self._initial)

    @property
    def states(self) -> range:
        """The state ids, ``range(num_states)``."""
        return range(self.num_states)

    @property
    def num_arcs(self) -> int:
        """The number of arcs."""
        return len(self._src) + len(self._pending)

    @property
    def arc_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(src, label, dst, weight)`` arrays, one entry per arc; labels are symbol
        ids with ``-1`` for epsilon. Read-only views: do not modify."""
        self._flush()
        arrays = (self._src, self._label, self._dst, self._weight)
        for array in arrays:
            array.flags.writeable = False
        return arrays

    @property
    def initial_weights(self) -> np.ndarray:
        """The initial weight of every state (a new array)."""
        return np.asarray(self._initial, dtype=self.semiring.dtype).reshape(self.num_states)

    @property
    def final_weights(self) -> np.ndarray:
        """The final weight of every state (a new array)."""
        return np.asarray(self._final, dtype=self.semiring.dtype).reshape(self.num_states)

    @property
    def initial_states(self) -> list[int]:
        """States with a non-zero initial weight."""
        return np.flatnonzero(self._nonzero(self.initial_weights)).tolist()

    @property
    def final_states(self) -> list[int]:
        """States with a non-zero final weight."""
        return np.flatnonzero(self._nonzero(self.final_weights)).tolist()

    def _nonzero(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values != self.semiring.zero)

    @property
    def has_epsilons(self) -> bool:
        """True when some arc is an epsilon arc."""
        return bool(np.any(self.arc_arrays[1] == EPSILON_ID))

    def arcs(self, state: int | None = None) -> list[Arc]:
        """The arcs (all, or those leaving ``state``) as :class:`Arc` tuples with
        symbol labels."""
        src, label, dst, weight = self.arc_arrays
        if state is not None:
            self._check_state(state)
            keep = np.flatnonzero(src == state)
        else:
            keep = np.arange(len(src))
        symbols = self.alphabet.symbols
        return [
            Arc(int(src[i]), None if label[i] == EPSILON_ID else symbols[label[i]], int(dst[i]), weight[i].item())
            for i in keep
        ]

    def __iter__(self) -> Iterator[Arc]:
        return iter(self.arcs())

    def __repr__(self) -> str:
        return (
            f"<WFSA over {self.semiring.name}: {self.num_states} states, {self.num_arcs} arcs, "
            f"{len(self.alphabet)} symbols>"
        )

    # -- matrix views -----------------------------------------------------------------
    def transition_tensor(self) -> np.ndarray:
        """One ``Q×Q`` matrix per symbol, shape ``(len(alphabet), Q, Q)``; parallel
        arcs are ⊕-summed and missing arcs are the semiring's zero."""
        if "transition_tensor" not in self._cache:
            src, label, dst, weight = self.arc_arrays
            q, s = self.num_states, len(self.alphabet)
            keep = label != EPSILON_ID
            flat = (label[keep] * q + src[keep]) * q + dst[keep]
            tensor = self.semiring.scatter_sum(weight[keep], flat, s * q * q).reshape(s, q, q)
            tensor.flags.writeable = False
            self._cache["transition_tensor"] = tensor
        return self._cache["transition_tensor"]

    def epsilon_matrix(self) -> np.ndarray:
        """The ``Q×Q`` matrix of epsilon-arc weights (⊕-summed, zero where none)."""
        src, label, dst, weight = self.arc_arrays
        q = self.num_states
        keep = label == EPSILON_ID
        return self.semiring.scatter_sum(weight[keep], src[keep] * q + dst[keep], q * q).reshape(q, q)

    def epsilon_closure(self) -> np.ndarray:
        """``E*``: the ``Q×Q`` matrix of ⊕-sums over epsilon paths (identity included).

        Raises:
            DivergenceError: when a sum over epsilon cycles does not converge.
        """
        if "epsilon_closure" not in self._cache:
            from rational.algorithms.shortest_distance import matrix_star

            closure = matrix_star(self.semiring, self.epsilon_matrix(), what="epsilon cycles")
            closure.flags.writeable = False
            self._cache["epsilon_closure"] = closure
        return self._cache["epsilon_closure"]

    def _arcs_by_label(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        if "by_label" not in self._cache:
            src, label, dst, weight = self.arc_arrays
            order = np.argsort(label, kind="stable")
            bounds = np.searchsorted(label[order], np.arange(len(self.alphabet) + 1))
            groups = []
            for a in range(len(self.alphabet)):
                idx = order[bounds[a] : bounds[a + 1]]
                groups.append((src[idx], dst[idx], weight[idx]))
            self._cache["by_label"] = groups
        return self._cache["by_label"]

    # -- scoring ----------------------------------------------------------------------
    def encode(self, string: str | Sequence[Hashable]) -> list[int]:
        """The symbol ids of ``string`` (see :meth:`SymbolTable.tokens`).

        Raises:
            UnknownSymbolError: naming the first symbol outside the alphabet.
        """
        return self.alphabet.encode(string)

    def forward_weights(self, string: str | Sequence[Hashable]) -> np.ndarray:
        """The forward vector after reading ``string``: for each state, the ⊕-sum of
        the weights of the paths from an initial state that read ``string``."""
        ids = self.encode(string)
        ring = self.semiring
        alpha = self.initial_weights
        epsilons = self.has_epsilons
        closure = self.epsilon_closure() if epsilons else None
        if epsilons:
            alpha = ring.matmul(alpha[None, :], closure)[0]
        groups = self._arcs_by_label()
        for symbol in ids:
            src, dst, weight = groups[symbol]
            alpha = ring.scatter_sum(ring.times(alpha[src], weight), dst, self.num_states)
            if epsilons:
                alpha = ring.matmul(alpha[None, :], closure)[0]
        return alpha

    def score(self, string: str | Sequence[Hashable]) -> Any:
        """The weight of ``string``: the ⊕-sum over accepting paths of the ⊗-product
        of initial weight, arc weights and final weight.

        Args:
            string: a ``str`` (characters, or whitespace-separated words when the
                symbols are not characters) or a sequence of symbols.

        Returns:
            A Python scalar (``bool`` for Boolean, ``float`` otherwise).

        Raises:
            UnknownSymbolError: for a symbol outside the alphabet.
            DivergenceError: when epsilon cycles make the sum diverge.

        Examples:
            >>> from rational import WFSA, Log
            >>> a = WFSA.from_arcs(Log, [(0, "a", 0, -1.0)], initial=0, final=0, alphabet="a")
            >>> a.score("aa")
            -2.0
        """
        alpha = self.forward_weights(string)
        ring = self.semiring
        return ring.sum(ring.times(alpha, self.final_weights)).item()

    def score_batch(self, strings: Sequence[str | Sequence[Hashable]], device: str = "cpu") -> np.ndarray:
        """Scores of many strings at once.

        On the CPU, compiled loops (numba) score one string at a time: each step
        visits only the arcs of the symbol read and ⊕-reduces them into their
        targets, and a string is left as soon as its forward vector is all zero.
        With ``device="cuda"`` (or without numba) torch vectorizes over the batch:
        strings are padded (padding changes nothing), each step gathers the arcs of
        the symbol every string reads and ⊕-reduces them with ``scatter_reduce``,
        and ``Real``/``Log`` machines whose symbols have arcs on more than a quarter
        of the ``Q×Q`` cells multiply by dense matrices instead. ``Log`` runs in
        scaled real space (float64). Other semirings fall back to :meth:`score` per
        string.

        Caveat (``Log``): rows are rescaled by their largest entry at every step, so
        a forward weight more than about 700 nats below the largest one of its row
        underflows to zero; the result then drops paths that weigh less than
        ``e^-700`` of the best path at that step.

        Returns:
            A numpy array of scores, one per string.

        Examples:
            >>> from rational import WFSA, Tropical
            >>> a = WFSA.from_arcs(Tropical, [(0, "a", 0, 1.0)], initial=0, final=0, alphabet="a")
            >>> a.score_batch(["", "a", "aaa"]).tolist()
            [0.0, 1.0, 3.0]
        """
        from rational._batch_score import score_batch

        return score_batch(self, strings, device=device)

    def shortest_distance(self, reverse: bool = False) -> np.ndarray:
        """For each state, the ⊕-sum over paths from the initial states to it
        (``reverse=True``: from it to the final states, final weights included).

        Acyclic machines take one pass in topological order; cyclic ones use the
        generic relaxation for selection semirings (Tropical, MaxPlus, MaxTimes,
        Boolean), Dijkstra where weights allow it, and a linear solve for
        ``Real``/``Log``.

        Raises:
            DivergenceError: for negative cycles (Tropical), positive cycles
                (MaxPlus), or a spectral radius ≥ 1 (Real, Log).

        Examples:
            >>> from rational import WFSA, Real
            >>> a = WFSA.from_arcs(Real, [(0, "a", 0, 0.5)], initial=0, final=0, alphabet="a")
            >>> a.shortest_distance().tolist()  # 1 + 0.5 + 0.25 + ... = 2
            [2.0]
        """
        from rational.algorithms.shortest_distance import shortest_distance

        return shortest_distance(self, reverse=reverse)

    # -- algorithms (rational.algorithms): each returns a new machine ------------------
    def union(self, other: WFSA) -> WFSA:
        """Scores ``self(w) ⊕ other(w)`` (see :func:`rational.algorithms.combine.union`)."""
        from rational.algorithms.combine import union

        return union(self, other)

    def concat(self, other: WFSA) -> WFSA:
        """This machine followed by ``other`` (see :func:`rational.algorithms.combine.concat`)."""
        from rational.algorithms.combine import concat

        return concat(self, other)

    def closure(self, plus: bool = False) -> WFSA:
        """Kleene star, or plus with ``plus=True`` (see :func:`rational.algorithms.combine.closure`)."""
        from rational.algorithms.combine import closure

        return closure(self, plus=plus)

    def reverse(self) -> WFSA:
        """The machine reading strings backwards (see :func:`rational.algorithms.combine.reverse`)."""
        from rational.algorithms.combine import reverse

        return reverse(self)

    def intersect(self, other: WFSA, connect: bool = True) -> WFSA:
        """Scores ``self(w) ⊗ other(w)`` (see :func:`rational.algorithms.combine.intersect`)."""
        from rational.algorithms.combine import intersect

        return intersect(self, other, connect=connect)

    def remove_epsilons(self, connect: bool = True) -> WFSA:
        """An equivalent machine without epsilon arcs (see :mod:`rational.algorithms.epsilon`)."""
        from rational.algorithms.epsilon import remove_epsilons

        return remove_epsilons(self, connect=connect)

    def trim(self) -> WFSA:
        """Only the states on some accepting path (see :func:`rational.algorithms.connect.trim`)."""
        from rational.algorithms.connect import trim

        return trim(self)

    def connect(self) -> WFSA:
        """OpenFst's name for :meth:`trim`."""
        return self.trim()

    def determinize(self, max_states: int | None = None, delta: float = 1e-9) -> WFSA:
        """An equivalent deterministic machine (see :mod:`rational.algorithms.determinize`).

        Raises:
            NotDeterminizableError: when more than ``max_states`` states are needed.
        """
        from rational.algorithms.determinize import DEFAULT_MAX_STATES, determinize

        return determinize(self, max_states=DEFAULT_MAX_STATES if max_states is None else max_states, delta=delta)

    def minimize(self, tolerance: float = 1e-6) -> WFSA:
        """The minimal deterministic machine (see :mod:`rational.algorithms.minimize`).

        Raises:
            NotDeterministicError: for a machine that is not deterministic.
        """
        from rational.algorithms.minimize import minimize

        return minimize(self, tolerance=tolerance)

    def push(self, toward: str = "initial") -> WFSA:
        """Weights pushed toward the initial or final states (see :mod:`rational.algorithms.push`)."""
        from rational.algorithms.push import push

        return push(self, toward=toward)

    def shortest_path(self, n: int = 1, unique: bool = False) -> list[AcceptingPath]:
        """The ``n`` best accepting paths (see :mod:`rational.algorithms.shortest_path`)."""
        from rational.algorithms.shortest_path import shortest_path

        return shortest_path(self, n=n, unique=unique)

    # -- enumeration and sampling -----------------------------------------------------
    def paths(self, max_length: int) -> Iterator[AcceptingPath]:
        """Every accepting path with at most ``max_length`` arcs (epsilons count),
        with its weight. Exponential: for tests and small machines.

        Examples:
            >>> from rational import WFSA, Real
            >>> a = WFSA.from_arcs(Real, [(0, "a", 0, 0.5)], initial=0, final=0, alphabet="a")
            >>> [(p.labels, p.weight) for p in a.paths(2)]
            [((), 1.0), (('a',), 0.5), (('a', 'a'), 0.25)]
        """
        ring = self.semiring
        initial, final = self.initial_weights, self.final_weights
        outgoing: dict[int, list[Arc]] = {}
        for arc in self.arcs():
            outgoing.setdefault(arc.src, []).append(arc)
        frontier = [((q,), (), initial[q]) for q in self.initial_states]
        for _ in range(max_length + 1):
            next_frontier = []
            for states, labels, weight in frontier:
                last = states[-1]
                if final[last] != ring.zero:
                    yield AcceptingPath(states, labels, ring.times(weight, final[last]).item())
                for arc in outgoing.get(last, ()):
                    extended = labels if arc.label is None else labels + (arc.label,)
                    next_frontier.append((states + (arc.dst,), extended, ring.times(weight, arc.weight)))
            frontier = next_frontier

    def sample(self, n: int, seed: int | None = None, max_length: int = 10_000) -> list[list[Hashable]]:
        """Draw ``n`` strings with probability proportional to their weight.

        Works for ``Real`` (non-negative weights) and ``Log`` machines whose total
        weight is finite; the machine need not be normalized (each step uses the
        backward distances, i.e. it samples from the pushed machine).

        Raises:
            UnsupportedSemiringError: for other semirings or negative Real weights.
            DivergenceError: when the total weight is infinite or zero.

        Examples:
            >>> from rational import WFSA, Real
            >>> a = WFSA.from_arcs(Real, [(0, "a", 0, 0.5)], initial=0, final={0: 0.5}, alphabet="a")
            >>> len(a.sample(3, seed=0))
            3
        """
        from rational.errors import DivergenceError
        from rational.semirings import Log, Real

        ring = self.semiring
        if ring is Log:
            linear = np.exp
        elif ring is Real:
            linear = np.asarray
            src, label, dst, weight = self.arc_arrays
            if np.any(weight < 0) or np.any(self.initial_weights < 0) or np.any(self.final_weights < 0):
                raise UnsupportedSemiringError("sample() needs non-negative Real weights")
        else:
            raise UnsupportedSemiringError(f"sample() needs a Real or Log machine, not {ring.name}")
        beta = linear(self.shortest_distance(reverse=True))
        start = linear(self.initial_weights) * beta
        total = start.sum()
        if not np.isfinite(total) or total <= 0:
            raise DivergenceError(f"cannot sample: the machine's total weight is {total}")
        src, label, dst, weight = self.arc_arrays
        arc_mass = linear(weight) * beta[dst]
        final = linear(self.final_weights)
        rng = np.random.default_rng(seed)
        by_state = [np.flatnonzero(src == q) for q in self.states]
        symbols = self.alphabet.symbols
        out = []
        for _ in range(n):
            q = int(rng.choice(self.num_states, p=start / total))
            string: list[Hashable] = []
            for _step in range(max_length):
                choices = by_state[q]
                mass = np.concatenate([[final[q]], arc_mass[choices]])
                pick = int(rng.choice(len(mass), p=mass / mass.sum()))
                if pick == 0:
                    break
                arc = choices[pick - 1]
                if label[arc] != EPSILON_ID:
                    string.append(symbols[label[arc]])
                q = int(dst[arc])
            out.append(string)
        return out

    # -- serialization (rational.io) ----------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary that :meth:`from_dict` reads back exactly."""
        from rational.io import wfsa_to_dict

        return wfsa_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WFSA:
        """Read a machine written by :meth:`to_dict`.

        Raises:
            FormatError: naming the missing or malformed field.
        """
        from rational.io import wfsa_from_dict

        return wfsa_from_dict(data)

    def save(self, path: str | Path) -> None:
        """Write the machine to a ``.json`` file."""
        from rational.io import save

        save(self, path)

    @classmethod
    def load(cls, path: str | Path) -> WFSA:
        """Read a machine from a ``.json`` file written by :meth:`save`."""
        from rational.io import load

        return load(path)

    def to_att(self) -> str:
        """The machine in OpenFst's AT&T text format (see :func:`rational.io.to_att`)."""
        from rational.io import to_att

        return to_att(self)

    @classmethod
    def from_att(cls, text: str, semiring: Semiring, alphabet: SymbolTable | str | None = None) -> WFSA:
        """Read OpenFst AT&T text (see :func:`rational.io.from_att`)."""
        from rational.io import from_att

        return from_att(text, semiring, alphabet)

    def to_pynini(self, arc_type: str | None = None):
        """This machine as a ``pynini.Fst`` (see :mod:`rational.interop.pynini`)."""
        from rational.interop.pynini import to_pynini

        return to_pynini(self, arc_type)

    @classmethod
    def from_pynini(cls, fst, semiring: Semiring | None = None) -> WFSA:
        """Read a ``pynini.Fst`` acceptor (see :mod:`rational.interop.pynini`)."""
        from rational.interop.pynini import from_pynini

        return from_pynini(fst, semiring)

    # -- drawing (rational.draw) --------------------------------------------------------
    def draw(self, **options: Any) -> graphviz.Digraph:
        """A ``graphviz.Digraph`` of the machine (see :func:`rational.draw.draw`)."""
        from rational.draw import draw

        return draw(self, **options)

    def save_picture(self, path: str | Path, **options: Any) -> Path:
        """Render the drawing to ``.svg``, ``.png`` or ``.pdf`` (by the suffix)."""
        from rational.draw import save_picture

        return save_picture(self, path, **options)

    def _repr_svg_(self) -> str:
        from rational.draw import to_svg

        return to_svg(self)


def all_strings(alphabet: Iterable[Hashable], max_length: int) -> Iterator[tuple[Hashable, ...]]:
    """Every string over ``alphabet`` of length ``0..max_length``, shortest first."""
    symbols = list(alphabet)
    for length in range(max_length + 1):
        yield from itertools.product(symbols, repeat=length)
