"""Symbol tables: the alphabet of an automaton, with stable integer ids.

The ids a :class:`SymbolTable` gives are the token ids that compiled neural modules
take as input, so ``table.encode(text)`` is also how text becomes a tensor.

Examples:
    >>> from rational import SymbolTable
    >>> table = SymbolTable("abc")
    >>> table.index("b"), table.symbol(2), len(table)
    (1, 'c', 3)
    >>> table.encode("cab")
    [2, 0, 1]
    >>> SymbolTable(["not", "good"]).encode("not good")
    [0, 1]
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence

import numpy as np

from rational.errors import FormatError, UnknownSymbolError

__all__ = ["EPSILON_TEXT", "SymbolTable"]

#: How epsilon is written in OpenFst symbol tables and text formats.
EPSILON_TEXT = "<eps>"


class SymbolTable:
    """An ordered, growable map between symbols and integer ids ``0..n-1``.

    Args:
        symbols: the initial symbols in id order: a string (one symbol per
            character) or any iterable of hashable, non-``None`` values. Repeated
            symbols keep their first id.

    Raises:
        UnknownSymbolError: for ``None`` (reserved for epsilon) as a symbol.
    """

    __slots__ = ("_ids", "_symbols")

    def __init__(self, symbols: Iterable[Hashable] | str = ()) -> None:
        self._symbols: list[Hashable] = []
        self._ids: dict[Hashable, int] = {}
        for symbol in symbols:
            self.add(symbol)

    # -- lookups ----------------------------------------------------------------------
    def index(self, symbol: Hashable) -> int:
        """The id of ``symbol``.

        Raises:
            UnknownSymbolError: naming the symbol and some of the alphabet.
        """
        try:
            return self._ids[symbol]
        except (KeyError, TypeError):
            raise UnknownSymbolError(
                f"label {symbol!r} is not in the alphabet {self._preview()}"
            ) from None

    def symbol(self, index: int) -> Hashable:
        """The symbol with id ``index``.

        Raises:
            UnknownSymbolError: when the id is out of range.
        """
        if isinstance(index, bool) or not isinstance(index, int):
            try:
                index = int(index)  # numpy integers
            except (TypeError, ValueError):
                raise UnknownSymbolError(f"symbol id {index!r} is not an integer") from None
        if not 0 <= index < len(self._symbols):
            raise UnknownSymbolError(
                f"symbol id {index} is out of range: the alphabet has {len(self)} symbols"
            )
        return self._symbols[index]

    def add(self, symbol: Hashable) -> int:
        """Add ``symbol`` (if new) and return its id."""
        if symbol is None:
            raise UnknownSymbolError("None is epsilon and cannot be a symbol of the alphabet")
        try:
            found = self._ids.get(symbol)
        except TypeError:
            raise UnknownSymbolError(f"symbol {symbol!r} is not hashable") from None
        if found is not None:
            return found
        self._ids[symbol] = len(self._symbols)
        self._symbols.append(symbol)
        return len(self._symbols) - 1

    # -- strings ----------------------------------------------------------------------
    @property
    def is_characters(self) -> bool:
        """True when every symbol is a one-character string."""
        return all(isinstance(s, str) and len(s) == 1 for s in self._symbols)

    def tokens(self, string: str | Sequence[Hashable]) -> list[Hashable]:
        """Split ``string`` into symbols.

        A plain ``str`` is a sequence of characters when the symbols are characters,
        otherwise whitespace-separated tokens; any other sequence is taken as given.
        """
        if isinstance(string, str):
            return list(string) if self.is_characters else string.split()
        return list(string)

    def encode(self, string: str | Sequence[Hashable]) -> list[int]:
        """The ids of the symbols of ``string`` (see :meth:`tokens`).

        Raises:
            UnknownSymbolError: naming the first symbol not in the table.
        """
        tokens = self.tokens(string)
        ids = self._ids
        try:
            return [ids[symbol] for symbol in tokens]
        except (KeyError, TypeError):
            return [self.index(symbol) for symbol in tokens]  # raises, naming the symbol

    def encode_batch(self, strings: Iterable[str | Sequence[Hashable]]) -> tuple[np.ndarray, np.ndarray]:
        """The ids of many strings at once: ``(ids, offsets)``, string ``i`` being
        ``ids[offsets[i]:offsets[i + 1]]`` (int64 arrays).

        Examples:
            >>> ids, offsets = SymbolTable("ab").encode_batch(["ab", "", "b"])
            >>> ids.tolist(), offsets.tolist()
            ([0, 1, 1], [0, 2, 2, 3])

        Raises:
            UnknownSymbolError: naming the first symbol not in the table.
        """
        lookup = self._ids.__getitem__
        flat: list[int] = []
        lengths: list[int] = []
        for string in strings:
            tokens = string.split() if isinstance(string, str) and not self.is_characters else string
            before = len(flat)
            try:
                flat.extend(map(lookup, tokens))
            except (KeyError, TypeError):
                self.encode(string)  # raises, naming the symbol
                raise
            lengths.append(len(flat) - before)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return np.array(flat, dtype=np.int64), offsets

    def decode(self, ids: Iterable[int]) -> list[Hashable]:
        """The symbols with the given ids."""
        return [self.symbol(i) for i in ids]

    # -- containers -------------------------------------------------------------------
    @property
    def symbols(self) -> tuple[Hashable, ...]:
        """All symbols, in id order."""
        return tuple(self._symbols)

    def copy(self) -> SymbolTable:
        """An independent copy."""
        return SymbolTable(self._symbols)

    def union(self, other: SymbolTable) -> SymbolTable:
        """A new table: this table's symbols, then ``other``'s new ones."""
        merged = self.copy()
        for symbol in other:
            merged.add(symbol)
        return merged

    def __len__(self) -> int:
        return len(self._symbols)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._symbols)

    def __contains__(self, symbol: object) -> bool:
        try:
            return symbol in self._ids
        except TypeError:
            return False

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SymbolTable):
            return NotImplemented
        return self._symbols == other._symbols

    def __hash__(self) -> int:
        return hash(tuple(self._symbols))

    def __repr__(self) -> str:
        return f"SymbolTable({self._preview(limit=12)})"

    def _preview(self, limit: int = 8) -> str:
        shown = ", ".join(repr(s) for s in self._symbols[:limit])
        more = f", ... ({len(self)} symbols)" if len(self) > limit else ""
        return f"[{shown}{more}]"

    # -- OpenFst text format ----------------------------------------------------------
    def to_att(self) -> str:
        """The table in OpenFst's text format (``<eps> 0``, then ``symbol id+1``).

        Raises:
            FormatError: for symbols that cannot be written (whitespace inside).
        """
        lines = [f"{EPSILON_TEXT}\t0"]
        for i, symbol in enumerate(self._symbols):
            text = str(symbol)
            if not text or any(c.isspace() for c in text) or text == EPSILON_TEXT:
                raise FormatError(
                    f"symbol {symbol!r} cannot be written to an OpenFst symbol table "
                    "(empty, contains whitespace, or is the epsilon name)"
                )
            lines.append(f"{text}\t{i + 1}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_att(cls, text: str) -> SymbolTable:
        """Read an OpenFst text symbol table (``symbol id`` lines; id 0 is epsilon).

        Raises:
            FormatError: naming the line that is malformed.
        """
        entries: dict[int, str] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            fields = line.split()
            if len(fields) != 2 or not fields[1].lstrip("-").isdigit():
                raise FormatError(f"symbol table line {number}: expected 'symbol id', got {line!r}")
            symbol, key = fields[0], int(fields[1])
            if key == 0:
                continue
            if key < 0 or key in entries:
                raise FormatError(f"symbol table line {number}: bad or repeated id {key}")
            entries[key] = symbol
        table = cls()
        for expected, key in enumerate(sorted(entries), start=1):
            if key != expected:
                raise FormatError(
                    f"symbol table ids must be 1..n without gaps; id {expected} is missing"
                )
            table.add(entries[key])
        return table
