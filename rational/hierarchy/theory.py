"""What theory expects: the architectures' recurrences, their classes, and the outcome
expected for each (architecture, language) pair.

Each architecture is its recurrence written as sympy expressions (one hidden unit by
default; ``units`` and ``features`` give more), from the equations in the papers that
define it, analyzed by :func:`~rational.hierarchy.symbolic.analyze`. Merrill et al.
(2020) place five of them (saturated networks):

- finite-state: Elman, GRU, CNN;
- counter-blind rational (rational, Θ(log n) memory): QRNN with a separate input gate
  (ifo-pooling);
- counter-aware (not rational, Θ(log n) memory): LSTM.

They do not place the SRU, SoPa or the rational RNNs; their classes here are
*derived* by the analysis (they depend on the semiring and on whether the input and
forget gates are tied), and marked so.

The expected outcome of an architecture on a language (:func:`expected_outcome`) is
``"yes"`` (theory says a saturated network of this class recognizes it at every
length), ``"no"`` (theory says none does), or ``"open"`` (the theory used here does
not settle it); each comes with its reason and whether the argument is cited or
derived. The rules, from the architecture's analysis and the language's properties:

1. Languages above the counter level (Dyck-2, ww) need Θ(n) bits of memory: the
   prefixes that must be told apart grow exponentially with the length, while k
   counters bounded by n take O(n^k) values. Every class here has O(log n): ``"no"``.
2. Counter languages need Θ(log n) memory: ``"no"`` for finite-state classes,
   ``"yes"`` for counter-aware ones. Counter-blind rational recurrences add to their
   counters without reading them, so they fail exactly when the objective needs a
   counter read mid-string (:attr:`~rational.hierarchy.languages.Language.counter_reads`:
   a^n b^n Σ* must stop counting once the prefix is complete, Merrill et al. 2020;
   Dyck-1 and Shuffle-2 membership must notice a prefix that went negative) and
   succeed otherwise (a^n b^n and a^n b^n c^n with a nonlinear decoder reading the
   final counts, Merrill et al. 2020).
3. Regular languages: a bounded window with max-pooling over time (CNN) sees only
   the prefix, the suffix and which factors occur, so for membership it recognizes
   exactly the locally testable languages. Aperiodic recurrences (keep, reset or add; the
   rational ones with σ gates) cannot count modulo anything, so they fail on
   languages that are not star-free (parity, Tomita 3/5/6, cycle navigation;
   Sarrof et al. 2024; Grazzi et al. 2025) and are ``"open"`` on star-free ones
   (which may need stacked layers). Elman, GRU and LSTM, whose gates read the
   state, simulate finite automata (Merrill 2019): ``"yes"``.

Examples:
    >>> from rational.hierarchy.theory import architecture_class, expected_outcome
    >>> from rational.hierarchy.languages import get_language
    >>> architecture_class("lstm").derived, architecture_class("qrnn").derived
    ('counter-aware', 'counter-blind rational')
    >>> expected_outcome("qrnn", get_language("anbn-sigma-star")).outcome
    'no'
    >>> expected_outcome("lstm", get_language("anbn-sigma-star")).outcome
    'yes'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import sympy as sp

from rational.errors import LanguageError
from rational.hierarchy.languages import Language, RegularLanguage
from rational.hierarchy.symbolic import Analysis, analyze, sigmoid

__all__ = [
    "ARCHITECTURES",
    "CLASSES",
    "OUTCOMES",
    "Architecture",
    "ArchitectureClass",
    "Expectation",
    "Recurrence",
    "architecture_class",
    "derived_class",
    "expectation_table",
    "expected_outcome",
    "recurrence",
    "theory_table",
]

#: The classes :func:`derived_class` returns.
CLASSES = ("finite-state", "counter-blind rational", "counter-aware", "unknown")
#: The outcomes :func:`expected_outcome` returns.
OUTCOMES = ("yes", "no", "open")


@dataclass(frozen=True)
class Recurrence:
    """A recurrence as :func:`~rational.hierarchy.symbolic.analyze` takes it."""

    updates: dict[sp.Symbol, sp.Expr]
    inputs: tuple[sp.Symbol, ...]

    def analyze(self) -> Analysis:
        """:func:`~rational.hierarchy.symbolic.analyze` of this recurrence."""
        return analyze(self.updates, self.inputs)


# -- building blocks ------------------------------------------------------------------------
def _vector(prefix: str, size: int) -> list[sp.Symbol]:
    return [sp.Symbol(prefix)] if size == 1 else [sp.Symbol(f"{prefix}{i + 1}") for i in range(size)]


def _affine(
    name: str, unit: int, units: int, sources: Sequence[tuple[str, Sequence[sp.Symbol]]], bias: bool = True
) -> sp.Expr:
    """``Σ_j M_name[unit, j] v_j + b_name[unit]`` over the vectors in ``sources``
    (each with its own matrix name, e.g. ``W`` for inputs, ``U`` for states)."""
    tag = "" if units == 1 else str(unit + 1)
    total = sp.Symbol(f"b_{name}{tag}") if bias else sp.S.Zero
    for matrix, vector in sources:
        for j, v in enumerate(vector):
            column = "" if len(vector) == 1 else str(j + 1)
            total += sp.Symbol(f"{matrix}_{name}{tag}{column}") * v
    return total


def _inputs(features: int, previous: bool = False) -> tuple[list[sp.Symbol], list[sp.Symbol]]:
    x = _vector("x", features)
    return x, (_vector("x_prev", features) if previous else [])


# -- the architectures ----------------------------------------------------------------------
def _elman(units: int, features: int) -> Recurrence:
    x, _ = _inputs(features)
    h = _vector("h", units)
    updates = {h[i]: sp.tanh(_affine("h", i, units, [("W", x), ("U", h)])) for i in range(units)}
    return Recurrence(updates, tuple(x))


def _gru(units: int, features: int) -> Recurrence:
    x, _ = _inputs(features)
    h = _vector("h", units)
    r = [sigmoid(_affine("r", i, units, [("W", x), ("U", h)])) for i in range(units)]
    reset = [r[k] * h[k] for k in range(units)]
    updates = {}
    for i in range(units):
        z = sigmoid(_affine("z", i, units, [("W", x), ("U", h)]))
        candidate = sp.tanh(_affine("n", i, units, [("W", x), ("U", reset)]))
        updates[h[i]] = z * h[i] + (1 - z) * candidate
    return Recurrence(updates, tuple(x))


def _lstm(units: int, features: int) -> Recurrence:
    x, _ = _inputs(features)
    h, c = _vector("h", units), _vector("c", units)
    updates = {}
    for i in range(units):
        gate = {g: sigmoid(_affine(g, i, units, [("W", x), ("U", h)])) for g in ("f", "i", "o")}
        candidate = sp.tanh(_affine("g", i, units, [("W", x), ("U", h)]))
        new_c = gate["f"] * c[i] + gate["i"] * candidate
        updates[c[i]] = new_c
        updates[h[i]] = gate["o"] * sp.tanh(new_c)
    return Recurrence(updates, tuple(x))


def _qrnn(units: int, features: int, tied: bool) -> Recurrence:
    x, previous = _inputs(features, previous=True)
    c = _vector("c", units)
    window = [("W", x), ("V", previous)]  # a convolution of width 2 over the input
    updates = {}
    for i in range(units):
        z = sp.tanh(_affine("z", i, units, window))
        f = sigmoid(_affine("f", i, units, window))
        if tied:
            updates[c[i]] = f * z + (1 - f) * c[i]
        else:
            updates[c[i]] = f * c[i] + sigmoid(_affine("i", i, units, window)) * z
    return Recurrence(updates, tuple(x + previous))


def _sru(units: int, features: int, state_gates: bool) -> Recurrence:
    x, _ = _inputs(features)
    c = _vector("c", units)
    updates = {}
    for i in range(units):
        tag = "" if units == 1 else str(i + 1)
        argument = _affine("f", i, units, [("W", x)])
        if state_gates:  # the later SRU: v ⊙ c_{t-1} inside the forget gate
            argument += sp.Symbol(f"v_f{tag}") * c[i]
        f = sigmoid(argument)
        updates[c[i]] = f * c[i] + (1 - f) * _affine("u", i, units, [("W", x)], bias=False)
    return Recurrence(updates, tuple(x))


def _rational_rnn(units: int, features: int, order: int) -> Recurrence:
    x, _ = _inputs(features)
    updates = {}
    for i in range(units):
        tag = "" if units == 1 else f"_{i + 1}"
        previous = None
        for j in range(1, order + 1):
            c = sp.Symbol(f"c{j}{tag}")
            f = sigmoid(_affine(f"f{j}", i, units, [("W", x)]))
            # the input weight tied to the forget gate (Peng et al. 2018)
            u = _affine(f"u{j}", i, units, [("W", x)], bias=False) * (1 - f)
            updates[c] = f * c + (u if previous is None else previous * u)
            previous = c
    return Recurrence(updates, tuple(x))


def _sopa(units: int, features: int, semiring: str, length: int = 3) -> Recurrence:
    """Patterns of ``length`` main arcs, self-loops on the inner states, no epsilons;
    the start state is restarted at every position (value 1̄), so it is no state."""
    x, _ = _inputs(features)
    updates = {}
    for i in range(units):
        tag = "" if units == 1 else f"_{i + 1}"
        h = [sp.Symbol(f"h{j}{tag}") for j in range(1, length + 1)]

        def score(kind: str, j: int, unit: int = i) -> sp.Expr:
            s = sigmoid(_affine(f"{kind}{j}", unit, units, [("W", x)]))
            return sp.log(s) if semiring == "MaxPlus" else s

        one = sp.S.Zero if semiring == "MaxPlus" else sp.S.One

        def times(a: sp.Expr, b: sp.Expr) -> sp.Expr:
            return a + b if semiring == "MaxPlus" else a * b

        for j in range(1, length + 1):
            before = one if j == 1 else h[j - 2]
            main = times(before, score("m", j))
            if j < length:  # self-loops on the inner states only
                updates[h[j - 1]] = sp.Max(main, times(h[j - 1], score("s", j)))
            else:
                updates[h[j - 1]] = main
    return Recurrence(updates, tuple(x))


def _cnn(units: int, features: int, width: int = 3) -> Recurrence:
    """A width-``width`` convolution as a chain without self-loops in MaxPlus
    (Schwartz et al. 2018): h_j at t is the filter's partial sum over the last j inputs."""
    x, _ = _inputs(features)
    updates = {}
    for i in range(units):
        tag = "" if units == 1 else f"_{i + 1}"
        h = [sp.Symbol(f"h{j}{tag}") for j in range(1, width + 1)]
        for j in range(1, width + 1):
            term = _affine(f"k{j}", i, units, [("W", x)])
            updates[h[j - 1]] = term if j == 1 else h[j - 2] + term
    return Recurrence(updates, tuple(x))


@dataclass(frozen=True)
class Architecture:
    """An architecture of the theory table.

    Attributes:
        key: registry name.
        title: display name.
        equations: the update, as text.
        source: the paper the equations follow.
        cited: its class as placed by Merrill et al. (2020), ``None`` when not placed.
        pooling: whether the decoder pools over time (max over positions) rather
            than reading the final state.
        build: ``build(units, features)`` returns its :class:`Recurrence`.
    """

    key: str
    title: str
    equations: str
    source: str
    cited: str | None
    pooling: bool
    build: Callable[[int, int], Recurrence]


#: key -> architecture; adding one is one entry here.
ARCHITECTURES: dict[str, Architecture] = {
    a.key: a
    for a in [
        Architecture(
            "elman", "Elman RNN", "h' = tanh(W x + U h + b)", "Elman 1990", "finite-state", False, _elman
        ),
        Architecture(
            "gru", "GRU",
            "z, r = σ(W x + U h + b); n = tanh(W x + U (r ⊙ h) + b); h' = z ⊙ h + (1 − z) ⊙ n",
            "Cho et al. 2014", "finite-state", False, _gru,
        ),
        Architecture(
            "lstm", "LSTM",
            "f, i, o = σ(W x + U h + b); c' = f ⊙ c + i ⊙ tanh(W x + U h + b); h' = o ⊙ tanh(c')",
            "Hochreiter and Schmidhuber 1997", "counter-aware", False, _lstm,
        ),
        Architecture(
            "qrnn", "QRNN (ifo-pooling)",
            "z = tanh(W x + V x_prev + b); f, i = σ(...); c' = f ⊙ c + i ⊙ z",
            "Bradbury et al. 2017", "counter-blind rational", False,
            lambda units, features: _qrnn(units, features, tied=False),
        ),
        Architecture(
            "qrnn-f", "QRNN (f-pooling, tied gates)",
            "z = tanh(W x + V x_prev + b); f = σ(...); c' = f ⊙ z + (1 − f) ⊙ c",
            "Bradbury et al. 2017", None, False,
            lambda units, features: _qrnn(units, features, tied=True),
        ),
        Architecture(
            "sru", "SRU (input-only gates)",
            "f = σ(W_f x + b_f); c' = f ⊙ c + (1 − f) ⊙ W x",
            "Lei et al. 2018", None, False,
            lambda units, features: _sru(units, features, state_gates=False),
        ),
        Architecture(
            "sru-state-gates", "SRU (gates read c)",
            "f = σ(W_f x + v_f ⊙ c + b_f); c' = f ⊙ c + (1 − f) ⊙ W x",
            "Lei et al. 2018", None, False,
            lambda units, features: _sru(units, features, state_gates=True),
        ),
        Architecture(
            "rational-unigram", "rational RNN (unigram)",
            "f = σ(W_f x + b_f); c' = f ⊙ c + (1 − f) ⊙ W x",
            "Peng et al. 2018", None, False,
            lambda units, features: _rational_rnn(units, features, order=1),
        ),
        Architecture(
            "rational-bigram", "rational RNN (bigram)",
            "c1' = f1 ⊙ c1 + (1 − f1) ⊙ W1 x; c2' = f2 ⊙ c2 + c1 ⊙ (1 − f2) ⊙ W2 x",
            "Peng et al. 2018", None, False,
            lambda units, features: _rational_rnn(units, features, order=2),
        ),
        Architecture(
            "sopa", "SoPa (MaxPlus, log σ scores)",
            "h_j' = max(h_{j−1} + log σ(w_j x + b_j), h_j + log σ(s_j x + c_j)); h_0 = 0",
            "Schwartz et al. 2018", None, True,
            lambda units, features: _sopa(units, features, "MaxPlus"),
        ),
        Architecture(
            "sopa-maxtimes", "SoPa (MaxTimes, σ scores)",
            "h_j' = max(h_{j−1} · σ(w_j x + b_j), h_j · σ(s_j x + c_j)); h_0 = 1",
            "Schwartz et al. 2018", None, True,
            lambda units, features: _sopa(units, features, "MaxTimes"),
        ),
        Architecture(
            "cnn", "CNN (max-pooled)",
            "h_1' = k_1 x + b; h_j' = h_{j−1} + k_j x (width 3); max over time",
            "Schwartz et al. 2018", "finite-state", True, _cnn,
        ),
    ]
}


def _architecture(key: str) -> Architecture:
    try:
        return ARCHITECTURES[key]
    except (KeyError, TypeError):
        raise LanguageError(f"unknown architecture {key!r}; known: {', '.join(ARCHITECTURES)}") from None


def recurrence(key: str, units: int = 1, features: int = 1) -> Recurrence:
    """The recurrence of an architecture with ``units`` hidden units reading
    ``features`` input features.

    Raises:
        LanguageError: for an unknown architecture, or sizes below 1.

    Examples:
        >>> r = recurrence("elman")
        >>> r.updates
        {h: tanh(U_h*h + W_h*x + b_h)}
    """
    architecture = _architecture(key)
    for name, value in (("units", units), ("features", features)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise LanguageError(f"{name} must be an integer >= 1, got {value!r}")
    return architecture.build(units, features)


def derived_class(analysis: Analysis) -> str:
    """The class an analysis puts a recurrence in: ``"finite-state"`` (finite
    saturated memory), ``"counter-blind rational"`` (rational with counters),
    ``"counter-aware"`` (counters, not rational) or ``"unknown"``."""
    if analysis.memory == "finite":
        return "finite-state"
    if analysis.memory == "counter":
        return "counter-blind rational" if analysis.rational else "counter-aware"
    return "unknown"


@dataclass(frozen=True)
class ArchitectureClass:
    """One row of the theory table."""

    key: str
    title: str
    cited: str | None
    derived: str
    analysis: Analysis

    @property
    def expected(self) -> str:
        """The class used for expectations: the cited one where there is one."""
        return self.cited or self.derived

    @property
    def source(self) -> str:
        """``"cited"`` (Merrill et al. 2020) or ``"derived"`` (by :func:`analyze`)."""
        return "cited" if self.cited else "derived"


@cache
def architecture_class(key: str) -> ArchitectureClass:
    """The cited and derived classes of an architecture (analysis of one unit).

    Raises:
        LanguageError: for an unknown architecture.
    """
    architecture = _architecture(key)
    analysis = recurrence(key).analyze()
    return ArchitectureClass(key, architecture.title, architecture.cited, derived_class(analysis), analysis)


def theory_table(keys: Iterable[str] | None = None) -> list[ArchitectureClass]:
    """:func:`architecture_class` for each architecture (all by default)."""
    return [architecture_class(key) for key in (ARCHITECTURES if keys is None else keys)]


@dataclass(frozen=True)
class Expectation:
    """The expected outcome of an architecture on a language."""

    outcome: str  # "yes", "no" or "open"
    reason: str
    source: str  # "cited" or "derived"


def expected_outcome(key: str, language: Language, objective: str = "membership") -> Expectation:
    """What theory expects of architecture ``key`` on ``language`` (see the module
    docstring for the rules).

    Args:
        key: an architecture of :data:`ARCHITECTURES`.
        language: a :class:`~rational.hierarchy.languages.Language`.
        objective: ``"membership"`` or ``"next-symbol"``.

    Raises:
        LanguageError: for an unknown architecture or objective.
    """
    if objective not in ("membership", "next-symbol"):
        raise LanguageError(f"unknown objective {objective!r}; use 'membership' or 'next-symbol'")
    row = architecture_class(key)
    architecture = ARCHITECTURES[key]
    analysis = row.analysis
    cited = row.cited is not None
    klass = row.expected
    if klass == "unknown":
        return Expectation("open", "the saturated memory of this recurrence is not classified", "derived")
    if language.level in ("context-free", "context-sensitive"):
        return Expectation(
            "no",
            f"{language.title} needs Θ(n) bits of memory; a {klass} recurrence has O(log n)",
            "derived",
        )
    if language.level == "counter":
        if klass == "finite-state":
            return Expectation("no", "counting needs Θ(log n) memory; the saturated state is finite", _src(cited))
        if klass == "counter-aware":
            return Expectation("yes", "its gates can read its counters (Merrill 2019; Weiss et al. 2018)", _src(cited))
        if objective in language.counter_reads:
            cited_here = cited and language.name == "anbn-sigma-star"
            return Expectation(
                "no",
                f"{objective} of {language.title} needs a counter read mid-string; a rational recurrence "
                "only adds to its counters (Merrill et al. 2020)",
                _src(cited_here),
            )
        return Expectation(
            "yes",
            "a nonlinear decoder can compare the final counts (Merrill et al. 2020)",
            _src(cited and language.name == "anbn"),
        )
    if not isinstance(language, RegularLanguage):
        return Expectation("open", f"no rule for level {language.level!r}", "derived")
    if analysis.window is not None:
        if not architecture.pooling or objective != "membership":
            return Expectation("open", "a bounded window without pooling over the whole string", "derived")
        if language.locally_testable:
            return Expectation("yes", "locally testable: prefix, suffix and factors decide it", "derived")
        return Expectation("no", "not locally testable: a pooled window sees only which factors occur", "derived")
    if analysis.aperiodic:
        if not language.star_free:
            return Expectation(
                "no", "not star-free: an aperiodic recurrence cannot count modulo n (Sarrof et al. 2024)", "derived"
            )
        return Expectation("open", "star-free: may need stacked layers (Sarrof et al. 2024)", "derived")
    if cited:
        return Expectation("yes", "its gates read its state: it simulates a finite automaton (Merrill 2019)", "cited")
    return Expectation("open", "gates read the state, but the written values do not", "derived")


def _src(cited: bool) -> str:
    return "cited" if cited else "derived"


def expectation_table(
    keys: Iterable[str] | None = None,
    languages: Iterable[Language] | None = None,
    objective: str = "membership",
) -> dict[tuple[str, str], Expectation]:
    """:func:`expected_outcome` for every (architecture, language) pair, keyed by
    ``(architecture key, language name)`` (all architectures and languages by default)."""
    from rational.hierarchy.languages import LANGUAGES

    keys = list(ARCHITECTURES if keys is None else keys)
    languages = [cls() for cls in LANGUAGES.values()] if languages is None else list(languages)
    return {(key, language.name): expected_outcome(key, language, objective) for key in keys for language in languages}
