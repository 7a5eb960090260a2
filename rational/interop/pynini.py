"""OpenFst interoperability through pynini.

OpenFst weights are costs: its ``standard`` arc type is the tropical semiring
(min, +) and its ``log`` arc type sums probabilities of costs ``-log p``. The
mapping to ``rational``'s semirings:

============  ===============  ================
semiring      OpenFst arc type weights
============  ===============  ================
``Tropical``  ``standard``     as they are
``MaxPlus``   ``standard``     negated
``Log``       ``log``          negated
============  ===============  ================

``Real``, ``MaxTimes`` and ``Boolean`` have no OpenFst arc type (convert a
probabilistic ``Real`` machine to ``Log`` first); asking for them raises
:class:`~rational.errors.UnsupportedSemiringError`.

OpenFst's ``standard`` and ``log`` weights are 32-bit floats, so a round trip
through OpenFst keeps weights to float32 precision (about 7 significant digits);
``log64`` arcs keep 9 significant digits (pynini reads weights back through text).

Labels: OpenFst label 0 is epsilon, so symbol id ``i`` of the alphabet is label
``i + 1``; the symbol table travels as the machine's input and output symbols.

Examples:
    >>> from rational import WFSA, Log
    >>> a = WFSA.from_arcs(Log, [(0, "a", 1, -0.5)], initial=0, final=1, alphabet="ab")
    >>> fst = a.to_pynini()
    >>> fst.arc_type()
    'log'
    >>> WFSA.from_pynini(fst).score("a")
    -0.5
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from rational.errors import FormatError, UnsupportedSemiringError
from rational.semirings import Log, MaxPlus, Semiring, Tropical
from rational.symbols import EPSILON_TEXT, SymbolTable

if TYPE_CHECKING:  # pragma: no cover
    import pynini as pynini_module

    from rational.wfsa import WFSA

__all__ = ["ARC_TYPES", "from_pynini", "to_pynini"]

#: semiring -> (OpenFst arc type, sign that turns a weight into an OpenFst cost)
ARC_TYPES: dict[Semiring, tuple[str, float]] = {
    Tropical: ("standard", 1.0),
    MaxPlus: ("standard", -1.0),
    Log: ("log", -1.0),
}
_DEFAULT_SEMIRING = {"standard": Tropical, "tropical": Tropical, "log": Log, "log64": Log}
# arc types that hold the same semiring with other precision
_ALTERNATIVES = {Log: ("log", "log64")}


def _pynini():
    import pynini

    return pynini


def _arc_type(ring: Semiring) -> tuple[str, float]:
    try:
        return ARC_TYPES[ring]
    except KeyError:
        raise UnsupportedSemiringError(
            f"OpenFst has no arc type for the {ring.name} semiring; "
            "supported: Tropical and MaxPlus (standard arcs) and Log (log arcs)"
        ) from None


def symbol_table(alphabet: SymbolTable) -> pynini_module.SymbolTable:
    """The alphabet as a pynini symbol table (``<eps>`` = 0, symbol id ``i`` = ``i + 1``)."""
    table = _pynini().SymbolTable()
    table.add_symbol(EPSILON_TEXT, 0)
    for i, symbol in enumerate(alphabet):
        table.add_symbol(str(symbol), i + 1)
    return table


def to_pynini(wfsa: WFSA, arc_type: str | None = None) -> pynini_module.Fst:
    """``wfsa`` as a ``pynini.Fst`` acceptor.

    Several initial states (or an initial weight other than one) become epsilon arcs
    from a new start state, since OpenFst machines have a single start state.

    Args:
        wfsa: the machine.
        arc_type: the OpenFst arc type; by default the one in the table above.
            ``Log`` machines may ask for ``"log64"`` (64-bit weights).

    Raises:
        UnsupportedSemiringError: for semirings OpenFst cannot hold, or an arc
            type that does not hold the semiring.
    """
    pynini = _pynini()
    ring = wfsa.semiring
    default, sign = _arc_type(ring)
    allowed = _ALTERNATIVES.get(ring, (default,))
    if arc_type is None:
        arc_type = default
    elif arc_type not in allowed:
        raise UnsupportedSemiringError(
            f"a {ring.name} WFSA cannot be written with {arc_type!r} arcs; use one of {', '.join(allowed)}"
        )

    fst = pynini.Fst(arc_type)
    weight_type = fst.weight_type()

    def weight(value) -> pynini_module.Weight:
        cost = sign * float(value)
        return pynini.Weight.zero(weight_type) if cost == np.inf else pynini.Weight(weight_type, cost)

    n = wfsa.num_states
    fst.add_states(n)
    table = symbol_table(wfsa.alphabet)
    fst.set_input_symbols(table)
    fst.set_output_symbols(table)
    src, label, dst, w = wfsa.arc_arrays
    for s, lab, d, value in zip(src.tolist(), (label + 1).tolist(), dst.tolist(), w.tolist()):
        fst.add_arc(s, pynini.Arc(lab, lab, weight(value), d))
    for q in wfsa.final_states:
        fst.set_final(q, weight(wfsa.final_weights[q]))
    initial = wfsa.initial_weights
    starts = wfsa.initial_states
    if len(starts) == 1 and initial[starts[0]] == ring.one:
        fst.set_start(starts[0])
    elif starts:
        start = fst.add_state()
        for q in starts:
            fst.add_arc(start, pynini.Arc(0, 0, weight(initial[q]), q))
        fst.set_start(start)
    return fst


def from_pynini(fst: pynini_module.Fst, semiring: Semiring | None = None) -> WFSA:
    """Read a ``pynini.Fst`` acceptor.

    Args:
        fst: an acceptor (input label = output label on every arc) with
            ``standard``/``tropical`` or ``log`` arcs.
        semiring: how to read the weights; by default ``Tropical`` for standard
            arcs and ``Log`` for log arcs. ``MaxPlus`` reads standard arcs negated.

    Returns:
        A WFSA whose alphabet comes from the machine's input symbol table (or the
        integer labels, when it has none).

    Raises:
        UnsupportedSemiringError: when the semiring does not match the arc type.
        FormatError: for a transducer.
    """
    from rational.wfsa import WFSA

    arc_type = fst.arc_type()
    if semiring is None:
        if arc_type not in _DEFAULT_SEMIRING:
            raise UnsupportedSemiringError(f"OpenFst arc type {arc_type!r} has no rational semiring")
        semiring = _DEFAULT_SEMIRING[arc_type]
    expected, sign = _arc_type(semiring)
    if _DEFAULT_SEMIRING.get(arc_type) is not semiring and not (semiring is MaxPlus and arc_type == "standard"):
        raise UnsupportedSemiringError(
            f"a {semiring.name} WFSA needs OpenFst {expected!r} arcs, but the machine has {arc_type!r} arcs"
        )
    src, labels, dst, costs = [], [], [], []
    finals = {}
    for s in fst.states():
        for arc in fst.arcs(s):
            if arc.ilabel != arc.olabel:
                raise FormatError(
                    f"state {s} has an arc {arc.ilabel}:{arc.olabel}; only acceptors can be read"
                )
            src.append(s)
            labels.append(arc.ilabel)
            dst.append(arc.nextstate)
            costs.append(float(arc.weight))
        final = float(fst.final(s))
        if final != np.inf:
            finals[s] = final
    table = fst.input_symbols()
    if table is not None:
        keys = sorted(k for k, _ in table if k != 0)
        symbols = [table.find(k) for k in keys]
    else:
        keys = sorted({lab for lab in labels if lab != 0})
        symbols = keys
    alphabet = SymbolTable(symbols)
    position = {k: i for i, k in enumerate(keys)}
    try:
        label_ids = np.asarray([-1 if lab == 0 else position[lab] for lab in labels], dtype=np.int64)
    except KeyError as error:
        raise FormatError(f"label {error.args[0]} is not in the machine's symbol table") from None
    n = fst.num_states()
    initial, final = semiring.zeros(n), semiring.zeros(n)
    if fst.start() >= 0:
        initial[fst.start()] = semiring.one
    for q, cost in finals.items():
        final[q] = sign * cost
    weights = sign * np.asarray(costs, dtype=np.float64)
    return WFSA.from_arrays(
        semiring, alphabet, initial, final,
        np.asarray(src, dtype=np.int64), label_ids, np.asarray(dst, dtype=np.int64), weights,
    )
