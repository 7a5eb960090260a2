"""Reading and writing automata: JSON dictionaries and OpenFst's AT&T text format.

JSON (:func:`wfsa_to_dict`, :func:`save`) round-trips exactly: weights are written
with Python's shortest exact float representation, infinities as ``"inf"`` and
``"-inf"``.

The AT&T text format is OpenFst's ``fstprint``/``fstcompile --acceptor`` format:
``src dst label [weight]`` lines and ``state [weight]`` final lines, with the start
state first. Weights are written in OpenFst's view of the semiring: ``Tropical`` as
is, ``Log`` and ``MaxPlus`` negated (OpenFst holds costs); semirings OpenFst has no
arc type for (``Real``, ``MaxTimes``, ``Boolean``) are written as their own values.

Examples:
    >>> from rational import WFSA, Tropical
    >>> from rational.io import to_att, from_att
    >>> a = WFSA.from_arcs(Tropical, [(0, "a", 1, 0.5)], initial=0, final={1: 1.0}, alphabet="a")
    >>> print(to_att(a).replace(chr(9), " "), end="")
    0 1 a 0.5
    1 1.0
    >>> from_att(to_att(a), Tropical).score("a")
    1.5
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rational.errors import FormatError
from rational.semirings import Boolean, Log, MaxPlus, Semiring
from rational.symbols import EPSILON_TEXT, SymbolTable

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = ["from_att", "load", "save", "to_att", "wfsa_from_dict", "wfsa_to_dict"]

FORMAT_NAME = "rational.wfsa"
FORMAT_VERSION = 1


# -- JSON ------------------------------------------------------------------------------


def _encode_weight(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    value = float(value)
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _decode_weight(value: Any, where: str) -> Any:
    if isinstance(value, str):
        if value in ("inf", "+inf", "-inf"):
            return float(value)
        raise FormatError(f"{where}: weight {value!r} is not a number")
    if isinstance(value, (bool, int, float)):
        return value
    raise FormatError(f"{where}: weight {value!r} is not a number")


def _check_symbol(symbol: Hashable) -> Hashable:
    if isinstance(symbol, bool) or not isinstance(symbol, (str, int)):
        raise FormatError(f"symbol {symbol!r} cannot be written to JSON: symbols must be str or int")
    return symbol


def wfsa_to_dict(wfsa: WFSA) -> dict[str, Any]:
    """A JSON-able dictionary describing ``wfsa`` exactly.

    Raises:
        FormatError: for symbols that are neither ``str`` nor ``int``.
    """
    ring = wfsa.semiring
    src, label, dst, weight = wfsa.arc_arrays
    symbols = [_check_symbol(s) for s in wfsa.alphabet]
    initial, final = wfsa.initial_weights, wfsa.final_weights
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "semiring": ring.name,
        "alphabet": symbols,
        "num_states": wfsa.num_states,
        "initial": [[q, _encode_weight(initial[q])] for q in wfsa.initial_states],
        "final": [[q, _encode_weight(final[q])] for q in wfsa.final_states],
        "arcs": [
            [int(s), None if lab < 0 else symbols[lab], int(d), _encode_weight(w)]
            for s, lab, d, w in zip(src.tolist(), label.tolist(), dst.tolist(), weight)
        ],
    }


def _field(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in data:
        raise FormatError(f"WFSA dictionary is missing the field {name!r}")
    value = data[name]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise FormatError(f"WFSA dictionary field {name!r} has the wrong type {type(value).__name__}")
    return value


def wfsa_from_dict(data: Mapping[str, Any]) -> WFSA:
    """Rebuild a machine from :func:`wfsa_to_dict` output.

    Raises:
        FormatError: naming the missing or malformed field.
        UnknownSymbolError, UnknownStateError, InvalidWeightError: for bad contents.
    """
    from rational.wfsa import WFSA

    if not isinstance(data, Mapping):
        raise FormatError(f"expected a dictionary, got {type(data).__name__}")
    if data.get("format", FORMAT_NAME) != FORMAT_NAME:
        raise FormatError(f"not a WFSA dictionary: format is {data.get('format')!r}")
    ring = Semiring.by_name(_field(data, "semiring", str))
    alphabet = SymbolTable(_field(data, "alphabet", list))
    n = _field(data, "num_states", int)
    initial, final = ring.zeros(n), ring.zeros(n)
    for name, target in (("initial", initial), ("final", final)):
        for entry in _field(data, name, list):
            if not isinstance(entry, list) or len(entry) != 2:
                raise FormatError(f"{name} entry {entry!r} is not [state, weight]")
            state, value = entry
            if not isinstance(state, int) or not 0 <= state < n:
                raise FormatError(f"{name} entry names state {state!r}, not one of 0..{n - 1}")
            target[state] = ring.check(_decode_weight(value, f"{name} of state {state}"), f"{name} weight")
    arcs = _field(data, "arcs", list)
    src, label, dst, weight = [], [], [], []
    for i, arc in enumerate(arcs):
        if not isinstance(arc, list) or len(arc) != 4:
            raise FormatError(f"arc {i} is {arc!r}, not [src, label, dst, weight]")
        src.append(arc[0])
        label.append(-1 if arc[1] is None else alphabet.index(arc[1]))
        dst.append(arc[2])
        weight.append(_decode_weight(arc[3], f"arc {i}"))
    for name, states in (("source", src), ("target", dst)):
        for s in states:
            if isinstance(s, bool) or not isinstance(s, int):
                raise FormatError(f"arc {name} {s!r} is not a state id")
    return WFSA.from_arrays(
        ring, alphabet, initial, final,
        np.asarray(src, dtype=np.int64), np.asarray(label, dtype=np.int64),
        np.asarray(dst, dtype=np.int64), ring.check(np.asarray(weight, dtype=ring.dtype) if weight else ring.zeros(0), "arc weight"),
    )


def save(wfsa: WFSA, path: str | Path) -> None:
    """Write ``wfsa`` as JSON to ``path``."""
    Path(path).write_text(json.dumps(wfsa_to_dict(wfsa), indent=1) + "\n", encoding="utf-8")


def load(path: str | Path) -> WFSA:
    """Read a machine written by :func:`save`.

    Raises:
        FileNotFoundError: when the file does not exist.
        FormatError: when it is not valid JSON or not a WFSA.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise FormatError(f"{path}: not valid JSON ({error})") from None
    return wfsa_from_dict(data)


# -- AT&T text ---------------------------------------------------------------------------


def _att_negates(ring: Semiring) -> bool:
    return ring is Log or ring is MaxPlus


def _format_att_weight(value: Any, ring: Semiring) -> str:
    if ring is Boolean:
        return "1" if value else "0"
    value = float(value)
    if _att_negates(ring):
        value = 0.0 - value  # no "-0.0"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def _parse_att_weight(text: str, ring: Semiring, where: str) -> Any:
    try:
        value = float(text)
    except ValueError:
        raise FormatError(f"{where}: weight {text!r} is not a number") from None
    if ring is Boolean:
        return bool(value)
    return -value if _att_negates(ring) else value


def _att_label(symbol: Hashable | None) -> str:
    if symbol is None:
        return EPSILON_TEXT
    text = str(symbol)
    if not text or any(c.isspace() for c in text) or text == EPSILON_TEXT:
        raise FormatError(f"symbol {symbol!r} cannot be written in AT&T text (empty or with whitespace)")
    return text


def to_att(wfsa: WFSA) -> str:
    """``wfsa`` in OpenFst's AT&T acceptor text format, start state first.

    A machine with several initial states, or an initial weight other than one,
    gets a new start state with epsilon arcs carrying the initial weights (OpenFst
    machines have exactly one start state). Labels are written as symbols; write
    the symbol table with :meth:`rational.SymbolTable.to_att`.

    Raises:
        FormatError: for symbols that contain whitespace.
    """
    ring = wfsa.semiring
    initial, final = wfsa.initial_weights, wfsa.final_weights
    starts = wfsa.initial_states
    arcs = [(a.src, a.label, a.dst, a.weight) for a in wfsa.arcs()]
    finals = [(q, final[q]) for q in wfsa.final_states]
    if len(starts) == 1 and initial[starts[0]] == ring.one:
        start = starts[0]
    else:
        start = wfsa.num_states
        arcs = [(start, None, q, initial[q]) for q in starts] + arcs
    lines = []
    first = [a for a in arcs if a[0] == start] + [a for a in arcs if a[0] != start]
    for s, label, d, w in first:
        lines.append(f"{s}\t{d}\t{_att_label(label)}\t{_format_att_weight(w, ring)}")
    if not any(a[0] == start for a in arcs):
        # the first line must name the start state; a final line (zero if need be) does
        weight = final[start] if start < wfsa.num_states else ring.zero
        lines.insert(0, f"{start}\t{_format_att_weight(weight, ring)}")
        finals = [f for f in finals if f[0] != start]
    lines += [f"{q}\t{_format_att_weight(w, ring)}" for q, w in finals]
    return "\n".join(lines) + ("\n" if lines else "")


def from_att(text: str, semiring: Semiring, alphabet: SymbolTable | str | None = None) -> WFSA:
    """Read OpenFst AT&T acceptor text.

    Args:
        text: the lines: ``src dst label [weight]`` (transducer lines
            ``src dst ilabel olabel [weight]`` are accepted when both labels agree)
            and ``state [weight]`` final lines. The first line's state is the start.
        semiring: how to read the weights (Log and MaxPlus are negated, as in
            :func:`to_att`).
        alphabet: a :class:`SymbolTable`, OpenFst symbol-table text, or ``None`` to
            collect the symbols in order of appearance. ``<eps>`` is epsilon.

    Raises:
        FormatError: naming the malformed line.
        UnknownSymbolError: for a label not in a given alphabet.
    """
    from rational.wfsa import WFSA

    if isinstance(alphabet, str):
        alphabet = SymbolTable.from_att(alphabet)
    machine = WFSA(semiring, alphabet)
    # labels are text; symbols of a given table may be ints: look them up by name
    by_name = {str(symbol): symbol for symbol in alphabet} if alphabet is not None else {}
    start = None
    arcs, finals = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        where = f"AT&T line {number}"
        try:
            states = [int(f) for f in fields[: 2 if len(fields) >= 3 else 1]]
        except ValueError:
            raise FormatError(f"{where}: expected integer state ids, got {line!r}") from None
        if any(s < 0 for s in states):
            raise FormatError(f"{where}: negative state id in {line!r}")
        if start is None:
            start = states[0]
        if len(fields) <= 2:
            weight = _parse_att_weight(fields[1], semiring, where) if len(fields) == 2 else semiring.one
            finals.append((states[0], weight))
            continue
        label, rest = fields[2], fields[3:]
        if len(rest) == 2 or (len(rest) == 1 and not _is_number(rest[0])):
            if rest[0] != label:
                raise FormatError(f"{where}: input label {label!r} and output label {rest[0]!r} differ; not an acceptor")
            rest = rest[1:]
        if len(rest) > 1:
            raise FormatError(f"{where}: too many fields in {line!r}")
        weight = _parse_att_weight(rest[0], semiring, where) if rest else semiring.one
        symbol = None if label == EPSILON_TEXT else by_name.get(label, label)
        arcs.append((states[0], symbol, states[1], weight))
    if start is None:
        return machine
    n = 1 + max([start] + [max(a[0], a[2]) for a in arcs] + [q for q, _ in finals])
    machine.add_states(n)
    machine.set_initial(start)
    for arc in arcs:
        machine.add_arc(*arc)
    for q, w in finals:
        machine.set_final(q, w)
    return machine


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
