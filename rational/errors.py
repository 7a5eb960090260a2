"""The exception types raised by ``rational``.

Every error is a subclass of :class:`RationalError` and of the built-in
``ValueError`` or ``TypeError`` it refines, so callers can catch either. Messages
name the offending value and, where there is one, the fix.

Examples:
    >>> import rational
    >>> a = rational.WFSA(rational.Real, alphabet="ab")
    >>> try:
    ...     a.add_arc(0, "a", 1)
    ... except rational.errors.UnknownStateError as error:
    ...     print(error)
    unknown state 0: this WFSA has 0 states (add them with add_state())
"""

from __future__ import annotations


class RationalError(Exception):
    """Base class of every error raised by the library."""


class UnknownStateError(RationalError, ValueError):
    """A state id that the automaton does not have."""


class UnknownSymbolError(RationalError, ValueError):
    """A label that is not in the alphabet (the symbol table)."""


class InvalidWeightError(RationalError, ValueError):
    """A weight that is not a value of the semiring (NaN, negative in MaxTimes, ...)."""


class SemiringMismatchError(RationalError, TypeError):
    """Two automata (or an automaton and a value) over different semirings."""


class UnsupportedSemiringError(RationalError, TypeError):
    """An operation that needs a semiring property (division, a field, ...) it lacks."""


class DivergenceError(RationalError, ValueError):
    """A sum over infinitely many paths that does not converge."""


class FormatError(RationalError, ValueError):
    """Malformed serialized input (JSON, AT&T text, an OpenFst machine)."""


class NotDeterminizableError(RationalError, ValueError):
    """Determinization exceeded its state bound (the machine may not be determinizable)."""


class NotDeterministicError(RationalError, ValueError):
    """An operation for deterministic machines (minimize) given a non-deterministic one."""


class RegexSyntaxError(RationalError, ValueError):
    """A malformed regular expression; the message gives the position."""


class ShapeError(RationalError, ValueError):
    """A tensor with the wrong shape, dtype or contents for a module's input."""


class MissingDependencyError(RationalError, RuntimeError):
    """An optional system tool (such as graphviz's ``dot``) is not installed."""


class DataError(RationalError, ValueError):
    """Training or evaluation data that cannot be used: empty, or with labels the model does not know."""


class ConfigError(RationalError, ValueError):
    """An unknown model name, a model option it does not take, or an unusable training setting."""


class LanguageError(RationalError, ValueError):
    """A request a formal language cannot meet: an unknown language name, a length at
    which it has no string (or no string outside it), or an automaton for a language
    that is not regular."""


class RecurrenceError(RationalError, ValueError):
    """A recurrence given to the symbolic analysis that is not a map from state symbols
    to sympy expressions over states, inputs and parameters."""


__all__ = [
    "ConfigError",
    "DataError",
    "DivergenceError",
    "FormatError",
    "InvalidWeightError",
    "LanguageError",
    "MissingDependencyError",
    "NotDeterminizableError",
    "NotDeterministicError",
    "RationalError",
    "RecurrenceError",
    "RegexSyntaxError",
    "SemiringMismatchError",
    "ShapeError",
    "UnknownStateError",
    "UnknownSymbolError",
    "UnsupportedSemiringError",
]
