"""rational: weighted finite-state automata and the neural networks they compile to.

Examples:
    >>> import rational
    >>> a = rational.WFSA.from_arcs(rational.Log, [(0, "a", 0, -1.0)], initial=0, final=0, alphabet="a")
    >>> a.score("aaa")
    -3.0
"""

from rational import errors
from rational.algorithms.equivalence import equivalent
from rational.regex import regex  # the name rational.regex is the function, not the module
from rational.semirings import Boolean, Log, MaxPlus, MaxTimes, Real, Semiring, Tropical
from rational.symbols import SymbolTable
from rational.wfsa import WFSA, AcceptingPath, Arc

__version__ = "0.1.0"

__all__ = [
    "AcceptingPath",
    "Arc",
    "Boolean",
    "Log",
    "MaxPlus",
    "MaxTimes",
    "Real",
    "Semiring",
    "SymbolTable",
    "Tropical",
    "WFSA",
    "equivalent",
    "errors",
    "regex",
]
