"""Symbolic analysis of recurrences: rational or not, and what their saturated memory is.

A recurrence is given as sympy expressions: each state symbol (standing for its value
at step t-1) maps to an expression for its value at step t, over the states, the
inputs at step t (and earlier inputs, if the architecture reads them) and any other
symbols, which are parameters. :func:`analyze` answers two questions of Merrill et
al. (2020), "A formal hierarchy of RNN architectures":

1. **Is it rationally recurrent?** Each state is then the forward score of a weighted
   automaton over the input. The test (Peng et al. 2018; Merrill et al. 2020): every
   new state is affine in the old states with coefficients that depend only on the
   input and the parameters, in one semiring for all states: Real (``+``, ``×``), or
   the max-plus analogue MaxPlus (``max``, ``+``), MaxTimes (``max``, ``×``) or
   Tropical (``min``, ``+``). When it is not, the reason names the first culprit,
   e.g. "tanh applied to the state (h) in the update of h".
2. **What memory does the saturated network have?** Saturation (Merrill 2019) scales
   every parameter by ρ → ∞: σ(ρz) → step(z) (Heaviside), tanh(ρz) → sign(z), and
   log σ(ρz) → 0 or −∞ (:class:`logstep`). Each gate then takes finitely many values
   (arguments exactly at zero are excluded, as in Merrill 2019). Enumerating the
   gate values (distinct gate expressions are treated as independent, which they
   are when each has its own parameters), each state is classified:

   - ``"finite"``: every step keeps the state, overwrites it with a value from a
     finite set (inputs come from a finite alphabet), or copies finitely-valued
     states, so it takes finitely many values;
   - ``"counter"``: some step adds a non-zero finitely-valued increment to the kept
     state (for instance ``c + 1`` when the forget and input gates are both open),
     so the state can change by ±1 per step without bound;
   - ``"unknown"``: anything else (scaling the state, products of states, ...).

   The recurrence's memory is ``"finite"`` when all states are, ``"counter"`` when
   every other state is a counter, ``"unknown"`` otherwise.

The result also says whether the saturated recurrence is *aperiodic* (the state
coefficients are only the semiring's 0 or 1, no gate reads a state, and no two
states feed each other: such machines cannot count modulo any number) and its
*window* (when no state depends on itself, the state is a function of the last
``window`` inputs).

Examples:
    >>> import sympy
    >>> from rational.hierarchy.symbolic import analyze, sigmoid
    >>> c, x, w, u, b = sympy.symbols("c x w u b")
    >>> f = sigmoid(w * x + b)
    >>> tied = analyze({c: f * c + (1 - f) * u * x}, inputs=[x])
    >>> tied.rational, tied.memory
    (True, 'finite')
    >>> i = sigmoid(u * x)
    >>> analyze({c: f * c + i * sympy.tanh(x)}, inputs=[x]).memory
    'counter'
    >>> h = sympy.Symbol("h")
    >>> elman = analyze({h: sympy.tanh(w * h + u * x + b)}, inputs=[x])
    >>> elman.rational, elman.reason
    (False, 'tanh applied to the state (h) in the update of h')
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sympy as sp

from rational.errors import RecurrenceError
from rational.semirings import MaxPlus, MaxTimes, Real, Semiring, Tropical

__all__ = ["Analysis", "analyze", "logstep", "saturate", "sigmoid"]

#: Most gate values enumerated per update (2 or 3 values per gate).
MAX_GATES = 14

_SIGMOID_NAMES = frozenset({"sigmoid", "σ", "logistic"})


class sigmoid(sp.Function):  # noqa: N801 - named like the math function, as sympy's are
    """The logistic function σ(x) = 1 / (1 + e^(-x)) as a sympy function.

    Examples:
        >>> import sympy
        >>> x = sympy.Symbol("x")
        >>> sigmoid(x).diff(x)
        (1 - sigmoid(x))*sigmoid(x)
        >>> sigmoid(x).rewrite(sympy.exp)
        1/(1 + exp(-x))
    """

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.S.Half
        return None

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0]) * (1 - sigmoid(self.args[0]))

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real


class logstep(sp.Function):  # noqa: N801
    """The saturated log-sigmoid: ``log σ(ρz)`` → 0 for z > 0 and −∞ for z < 0."""

    nargs = 1


def _name(function) -> str:
    return getattr(function, "__name__", str(function))


def _is_sigmoid(expr: sp.Basic) -> bool:
    return isinstance(expr, sp.Function) and _name(expr.func) in _SIGMOID_NAMES and len(expr.args) == 1


def _is_tanh(expr: sp.Basic) -> bool:
    return isinstance(expr, sp.Function) and _name(expr.func) == "tanh" and len(expr.args) == 1


def saturate(expr: sp.Expr) -> sp.Expr:
    """The saturated form of ``expr``: σ(z) → Heaviside(z), tanh(z) → sign(z),
    log σ(z) → logstep(z); Heaviside(−z) is written 1 − Heaviside(z).

    Examples:
        >>> import sympy
        >>> x, c = sympy.symbols("x c")
        >>> saturate(sigmoid(x) * c + sympy.tanh(-x))
        c*Heaviside(x) - sign(x)
    """
    expr = sp.sympify(expr)

    def walk(node: sp.Basic) -> sp.Basic:
        if isinstance(node, sp.log) and _is_sigmoid(node.args[0]):
            return logstep(walk(node.args[0].args[0]))
        if not node.args:
            return node
        args = [walk(arg) for arg in node.args]
        if _is_sigmoid(node):
            return _step(args[0])
        if _is_tanh(node):
            return sp.sign(args[0])
        if isinstance(node, sp.Heaviside):
            return _step(args[0])
        return node.func(*args)

    return walk(expr)


def _step(argument: sp.Expr) -> sp.Expr:
    if argument.could_extract_minus_sign():
        return 1 - sp.Heaviside(-argument)
    return sp.Heaviside(argument)


# -- rationality --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Offense:
    """Why an update is not affine: a kind ranks how telling it is."""

    rank: int  # 0 function of the state, 1 max/min, 2 product, 3 power or other
    text: str
    note: str = ""


def _states_in(expr: sp.Basic, states: frozenset[sp.Symbol]) -> list[str]:
    return sorted(str(s) for s in expr.free_symbols & states)


def _real_offenses(expr: sp.Expr, states: frozenset[sp.Symbol]) -> list[_Offense]:
    """Why ``expr`` is not affine in ``states`` over the reals (empty when it is)."""
    out: list[_Offense] = []

    def functions_of_state(node: sp.Basic) -> None:
        for sub in sp.preorder_traversal(node):
            if isinstance(sub, (sp.Max, sp.Min)) and sub.free_symbols & states:
                out.append(_Offense(1, f"{_name(sub.func)} of the state ({', '.join(_states_in(sub, states))})"))
            elif isinstance(sub, sp.Function) and sub.free_symbols & states:
                name = "sigmoid" if _is_sigmoid(sub) else _name(sub.func)
                note = ": a gate reads the previous state" if _is_sigmoid(sub) else ""
                out.append(_Offense(0, f"{name} applied to the state ({', '.join(_states_in(sub, states))})", note))

    def walk(node: sp.Expr) -> None:
        if not node.free_symbols & states or node in states:
            return
        if node.is_Add:
            for arg in node.args:
                walk(arg)
            return
        if node.is_Mul:
            dependent = [f for f in node.args if f.free_symbols & states]
            if len(dependent) == 1:
                walk(dependent[0])
                return
            before = len(out)
            functions_of_state(node)
            if len(out) == before:
                out.append(_Offense(2, f"a product of state values ({sp.sstr(node)})"))
            return
        if node.is_Pow and node.base in states:
            out.append(_Offense(3, f"a power of the state ({sp.sstr(node)})"))
            return
        before = len(out)
        functions_of_state(node)
        if len(out) == before:
            out.append(_Offense(3, f"a non-affine use of the state ({sp.sstr(node)})"))

    walk(sp.expand(expr))
    return out


@dataclass(frozen=True)
class _Idempotent:
    """A max/min semiring for the normal form: ⊕ is max or min, ⊗ is + or ×."""

    semiring: Semiring
    plus: type  # sp.Max or sp.Min
    times_is_add: bool

    @property
    def zero(self) -> sp.Expr:
        if self.times_is_add:
            return -sp.oo if self.plus is sp.Max else sp.oo
        return sp.S.Zero

    @property
    def one(self) -> sp.Expr:
        return sp.S.Zero if self.times_is_add else sp.S.One

    def times(self, a: sp.Expr, b: sp.Expr) -> sp.Expr:
        if self.zero in (a, b):
            return self.zero
        return a + b if self.times_is_add else a * b


_IDEMPOTENT = (
    _Idempotent(MaxPlus, sp.Max, True),
    _Idempotent(MaxTimes, sp.Max, False),
    _Idempotent(Tropical, sp.Min, True),
)

#: A normal form: ⊕ over terms ``(state or None, weight)``.
_Terms = list[tuple[sp.Symbol | None, sp.Expr]]


def _idempotent_terms(expr: sp.Expr, states: frozenset[sp.Symbol], ring: _Idempotent) -> _Terms | str:
    """``expr`` as ⊕ of ``state ⊗ weight`` and state-free terms, or why it is not."""
    if not expr.free_symbols & states:
        return [] if expr == ring.zero else [(None, expr)]
    if expr in states:
        return [(expr, ring.one)]
    if isinstance(expr, ring.plus):
        out: _Terms = []
        for arg in expr.args:
            terms = _idempotent_terms(arg, states, ring)
            if isinstance(terms, str):
                return terms
            out += terms
        return out
    if (expr.is_Add and ring.times_is_add) or (expr.is_Mul and not ring.times_is_add):
        product: _Terms = [(None, ring.one)]
        for arg in expr.args:
            terms = _idempotent_terms(arg, states, ring)
            if isinstance(terms, str):
                return terms
            combined: _Terms = []
            for (s1, w1), (s2, w2) in itertools.product(product, terms):
                if s1 is not None and s2 is not None:
                    return f"two states combined by ⊗ ({s1}, {s2})"
                weight = ring.times(w1, w2)
                if weight != ring.zero:
                    combined.append((s1 if s1 is not None else s2, weight))
            product = combined
        return product
    return f"{sp.sstr(expr)} is not ⊕ of states ⊗ weights"


def _rational_semirings(expr: sp.Expr, states: frozenset[sp.Symbol]) -> tuple[list[Semiring], list[_Offense], str]:
    """The semirings in which ``expr`` is affine in the states, the real offenses,
    and the max-plus reason."""
    rings: list[Semiring] = []
    offenses = _real_offenses(expr, states)
    if not offenses:
        rings.append(Real)
    idempotent_reason = ""
    for ring in _IDEMPOTENT:
        terms = _idempotent_terms(expr, states, ring)
        if isinstance(terms, str):
            idempotent_reason = idempotent_reason or terms
        else:
            rings.append(ring.semiring)
    return rings, offenses, idempotent_reason


# -- saturated memory ---------------------------------------------------------------------
def _gates(expr: sp.Expr) -> list[sp.Expr]:
    """The outermost saturated gate expressions of ``expr``, in a fixed order."""
    found: list[sp.Expr] = []

    def walk(node: sp.Basic) -> None:
        if isinstance(node, (sp.Heaviside, sp.sign, logstep)):
            if node not in found:
                found.append(node)
            return
        for arg in node.args:
            walk(arg)

    walk(expr)
    return found


def _gate_values(gate: sp.Expr) -> tuple[sp.Expr, ...]:
    if isinstance(gate, sp.Heaviside):
        return (sp.S.Zero, sp.S.One)
    if isinstance(gate, sp.sign):
        return (-sp.S.One, sp.S.One)
    return (-sp.oo, sp.S.Zero)  # logstep


@dataclass
class _Step:
    """One saturated transition of a state for fixed gate values, in a semiring:
    ``new = ⊕_k coef[k] ⊗ state_k ⊕ constant`` (``coef`` lists only non-zero ones)."""

    gates: dict[sp.Expr, sp.Expr]
    coef: dict[sp.Symbol, sp.Expr]
    constant: sp.Expr
    is_zero_constant: bool


def _real_step(expr: sp.Expr, states: frozenset[sp.Symbol]) -> tuple[dict, sp.Expr] | None:
    coef: dict[sp.Symbol, sp.Expr] = {}
    constant = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(expr)):
        if not term.free_symbols & states:
            constant += term
            continue
        independent, dependent = term.as_independent(*states, as_Add=False)
        if dependent == 1:
            constant += independent
        elif dependent in states:
            coef[dependent] = coef.get(dependent, sp.S.Zero) + independent
        else:
            return None
    coef = {s: c for s, c in coef.items() if sp.expand(c) != 0}
    return coef, constant


def _steps(expr: sp.Expr, states: frozenset[sp.Symbol], semiring: Semiring) -> list[_Step] | str:
    gates = _gates(expr)
    if len(gates) > MAX_GATES:
        return f"{len(gates)} gates are too many to enumerate"
    ring = next((r for r in _IDEMPOTENT if r.semiring is semiring), None)
    out = []
    for values in itertools.product(*(_gate_values(g) for g in gates)):
        assignment = dict(zip(gates, values))
        concrete = expr.xreplace(assignment)
        if ring is None:
            form = _real_step(concrete, states)
            if form is None:
                return f"not affine in the states once the gates are fixed: {sp.sstr(concrete)}"
            coef, constant = form
            out.append(_Step(assignment, coef, constant, sp.expand(constant) == 0))
            continue
        terms = _idempotent_terms(concrete, states, ring)
        if isinstance(terms, str):
            return f"not {semiring.name}-affine once the gates are fixed: {terms}"
        coef = {}
        constants = []
        for state, weight in terms:
            if state is None:
                constants.append(weight)
            else:
                coef[state] = weight if state not in coef else ring.plus(coef[state], weight)
        constant = ring.plus(*constants) if constants else ring.zero
        out.append(_Step(assignment, coef, constant, not constants))
    return out


def _describe(assignment: dict[sp.Expr, sp.Expr]) -> str:
    return ", ".join(f"{sp.sstr(g)} = {sp.sstr(v)}" for g, v in assignment.items())


def _classify(
    saturated: dict[sp.Symbol, sp.Expr], semiring: Semiring
) -> tuple[dict[sp.Symbol, str], str, bool, int | None]:
    """Per-state memory, a sentence about it, aperiodicity and the window."""
    states = frozenset(saturated)
    ring = next((r for r in _IDEMPOTENT if r.semiring is semiring), None)
    zero = sp.S.Zero if ring is None else ring.zero
    one = sp.S.One if ring is None else ring.one
    steps: dict[sp.Symbol, list[_Step]] = {}
    memory: dict[sp.Symbol, str] = {}
    notes: list[str] = []
    for state, expr in saturated.items():
        result = _steps(expr, states, semiring)
        if isinstance(result, str):
            memory[state] = "unknown"
            notes.append(f"{state} is {result}")
        else:
            steps[state] = result

    def is_value(expr: sp.Expr, value: sp.Expr) -> bool:
        return sp.expand(expr) == value

    # finite: keep, overwrite, or copy states already known to be finite (a least
    # fixpoint), and groups of states that only copy each other or overwrite (a
    # greatest fixpoint: their values stay among the initial values and constants)
    def copies_only(case: _Step, group: set[sp.Symbol], finite: set[sp.Symbol]) -> bool:
        sources = [s for s in case.coef if s not in finite]
        if any(s not in group or not is_value(case.coef[s], one) for s in sources):
            return False
        if ring is None and sources:  # a real copy adds nothing
            return len(case.coef) == 1 and case.is_zero_constant
        return True

    finite: set[sp.Symbol] = set()
    while True:
        size = len(finite)
        changed = True
        while changed:
            changed = False
            for state, cases in steps.items():
                if state in finite:
                    continue
                ok = True
                for case in cases:
                    self_coef = case.coef.get(state, zero)
                    others = [s for s in case.coef if s != state]
                    if any(s not in finite for s in others):
                        ok = False
                    elif is_value(self_coef, one):
                        # real keep must add nothing; max/min keep may also pick a finite value
                        ok = ring is not None or (not others and case.is_zero_constant)
                    elif not is_value(self_coef, zero):
                        ok = False
                    if not ok:
                        break
                if ok:
                    finite.add(state)
                    changed = True
        group = {state for state in steps if state not in finite}
        changed = True
        while changed:
            changed = False
            for state in list(group):
                if not all(copies_only(case, group, finite) for case in steps[state]):
                    group.discard(state)
                    changed = True
        finite |= group
        if len(finite) == size:
            break
    for state in finite:
        memory[state] = "finite"

    # counter: keep plus a non-zero increment from finitely many values
    for state, cases in steps.items():
        if state in finite:
            continue
        growth = None
        ok = True
        for case in cases:
            self_coef = case.coef.get(state, zero)
            others = [s for s in case.coef if s != state]
            if any(s not in finite for s in others):
                ok = False
            elif ring is None:
                if is_value(self_coef, one):
                    if others or not case.is_zero_constant:
                        growth = growth or case
                elif not is_value(self_coef, zero):
                    ok = False
            elif ring.times_is_add and not is_value(self_coef, zero):
                if not is_value(self_coef, one):
                    growth = growth or case
            elif not (is_value(self_coef, zero) or is_value(self_coef, one)):
                ok = False
            if not ok:
                break
        if ok and growth is not None:
            memory[state] = "counter"
            increment = sp.sstr(growth.coef.get(state)) if ring is not None else sp.sstr(
                sp.expand(growth.constant + sum((c * s for s, c in growth.coef.items() if s != state), sp.S.Zero))
            )
            when = f" when {_describe(growth.gates)}" if growth.gates else ""
            notes.append(f"{state} changes by {increment} per step{when}")
        else:
            memory[state] = "unknown"
            notes.append(f"{state} neither keeps-or-overwrites nor counts")

    # a state that does not depend on itself but reads counters follows them: a counter too
    counters = {state for state, kind in memory.items() if kind == "counter"}
    changed = bool(counters)
    while changed:
        changed = False
        for state, cases in steps.items():
            if memory[state] != "unknown":
                continue
            sources = {k for case in cases for k in case.coef}
            independent = all(is_value(case.coef.get(state, zero), zero) for case in cases)
            if independent and sources <= finite | counters and sources & counters:
                memory[state] = "counter"
                counters.add(state)
                notes = [n for n in notes if n != f"{state} neither keeps-or-overwrites nor counts"]
                notes.append(f"{state} follows the counter {', '.join(sorted(str(k) for k in sources & counters))}")
                changed = True

    # aperiodic: 0/1 self coefficients, no gate reads a state, no cycle between states
    reads_state = any(g.free_symbols & states for expr in saturated.values() for g in _gates(expr))
    edges = {
        state: {s for case in cases for s in case.coef if s != state} for state, cases in steps.items()
    }
    cyclic = _has_cycle(edges)
    idempotent_coefficients = all(
        is_value(case.coef.get(state, zero), zero) or is_value(case.coef.get(state, zero), one)
        or (ring is not None and ring.times_is_add and memory[state] == "counter")
        for state, cases in steps.items()
        for case in cases
    )
    aperiodic = (
        len(steps) == len(saturated) and not reads_state and not cyclic and idempotent_coefficients
        and all(m != "unknown" for m in memory.values())
    )
    self_loops = any(state in case.coef for state, cases in steps.items() for case in cases)
    window = None
    if len(steps) == len(saturated) and not reads_state and not cyclic and not self_loops:
        window = _longest_path(edges) + 1

    if all(m == "finite" for m in memory.values()):
        sentence = "every state keeps its value, or takes one of finitely many values, at each step"
    else:
        sentence = "; ".join(notes)
    return memory, sentence, aperiodic, window


def _has_cycle(edges: dict[sp.Symbol, set[sp.Symbol]]) -> bool:
    visiting, done = set(), set()

    def visit(node) -> bool:
        if node in done:
            return False
        if node in visiting:
            return True
        visiting.add(node)
        found = any(visit(n) for n in edges.get(node, ()))
        visiting.discard(node)
        done.add(node)
        return found

    return any(visit(node) for node in edges)


def _longest_path(edges: dict[sp.Symbol, set[sp.Symbol]]) -> int:
    """The most edges on a path in an acyclic graph (``edges[s]``: the states ``s`` reads)."""
    memo: dict[sp.Symbol, int] = {}

    def depth(node) -> int:
        if node not in memo:
            memo[node] = max((1 + depth(n) for n in edges.get(node, ())), default=0)
        return memo[node]

    return max((depth(node) for node in edges), default=0)


# -- the public analysis ------------------------------------------------------------------
@dataclass(frozen=True)
class Analysis:
    """What :func:`analyze` found.

    Attributes:
        rational: whether the recurrence is rationally recurrent.
        reason: why it is or is not (the first culprit when it is not).
        memory: ``"finite"``, ``"counter"`` or ``"unknown"`` for the saturated recurrence.
        semiring: the semiring in which it is rational (``None`` when it is not).
        saturated: each state's saturated update.
        state_memory: the memory class of each state.
        memory_reason: a sentence backing ``memory`` (for counters, the gate values
            under which the state grows).
        aperiodic: whether the saturated recurrence only keeps, resets and copies
            (or, in max/min semirings, adds to) states, with no gate reading a state
            and no two states feeding each other.
        window: when no state depends on itself, the number of most recent inputs
            the state is a function of; else ``None``.
    """

    rational: bool
    reason: str
    memory: str
    semiring: Semiring | None
    saturated: dict[sp.Symbol, sp.Expr] = field(repr=False)
    state_memory: dict[sp.Symbol, str] = field(repr=False)
    memory_reason: str = field(repr=False)
    aperiodic: bool = field(repr=False)
    window: int | None = field(repr=False)


def _check(updates: Mapping, inputs: Iterable) -> tuple[dict[sp.Symbol, sp.Expr], tuple[sp.Symbol, ...]]:
    if not isinstance(updates, Mapping) or not updates:
        raise RecurrenceError(
            f"updates must be a non-empty dict {{state symbol: sympy expression}}, got {updates!r}"
        )
    checked: dict[sp.Symbol, sp.Expr] = {}
    for state, expr in updates.items():
        if not isinstance(state, sp.Symbol):
            raise RecurrenceError(f"a state must be a sympy Symbol, got {state!r} (use sympy.Symbol({str(state)!r}))")
        try:
            value = sp.sympify(expr, strict=True)
        except (sp.SympifyError, TypeError):
            raise RecurrenceError(f"the update of {state} must be a sympy expression, got {expr!r}") from None
        if not isinstance(value, sp.Expr):
            raise RecurrenceError(f"the update of {state} must be a sympy expression, got {expr!r}")
        checked[state] = value
    if isinstance(inputs, (str, sp.Basic)):
        inputs = [inputs]
    symbols = []
    for symbol in inputs:
        if not isinstance(symbol, sp.Symbol):
            raise RecurrenceError(f"an input must be a sympy Symbol, got {symbol!r}")
        if symbol in checked:
            raise RecurrenceError(f"{symbol} is both a state and an input; an input is read, never updated")
        symbols.append(symbol)
    return checked, tuple(symbols)


def analyze(updates: Mapping[sp.Symbol, sp.Expr], inputs: Iterable[sp.Symbol]) -> Analysis:
    """Decide whether a recurrence is rational and classify its saturated memory.

    Args:
        updates: each state symbol (its value at step t-1) -> a sympy expression for
            its value at step t. Use :class:`sigmoid` (or any sympy function named
            ``sigmoid``) and ``sympy.tanh``; ``sympy.Max``/``Min`` for max/min
            semirings.
        inputs: the input symbols (the current input and any earlier ones read);
            every other free symbol is a parameter.

    Returns:
        An :class:`Analysis`.

    Raises:
        RecurrenceError: when a state or input is not a sympy Symbol, an update is
            not a sympy expression, or a symbol is both a state and an input.

    Examples:
        >>> import sympy
        >>> h0, h1, x, w0, w1 = sympy.symbols("h0 h1 x w0 w1")
        >>> sopa = analyze({h0: sympy.S.Zero,
        ...                 h1: sympy.Max(h0 + sympy.log(sigmoid(w0 * x)), h1 + sympy.log(sigmoid(w1 * x)))},
        ...                inputs=[x])
        >>> sopa.rational, sopa.semiring.name, sopa.memory
        (True, 'MaxPlus', 'finite')
    """
    updates, _inputs = _check(updates, inputs)
    states = frozenset(updates)

    candidates: list[Semiring] = [Real, MaxPlus, MaxTimes, Tropical]
    reason = ""
    per_state: dict[sp.Symbol, list[Semiring]] = {}
    for state, expr in updates.items():
        rings, offenses, idempotent_reason = _rational_semirings(expr, states)
        per_state[state] = rings
        candidates = [r for r in candidates if r in rings]
        if not rings and not reason:
            uses_max = any(isinstance(n, (sp.Max, sp.Min)) for n in sp.preorder_traversal(expr))
            best = min(offenses, key=lambda o: o.rank)
            if best.rank > 0 and uses_max and idempotent_reason:
                reason = f"{idempotent_reason} in the update of {state}"
            else:
                reason = f"{best.text} in the update of {state}{best.note}"
    rational = bool(candidates)
    semiring = candidates[0] if rational else None
    if rational:
        reason = f"every new state is affine in the old states with input-dependent coefficients ({semiring.name} semiring)"
    elif not reason:
        listing = "; ".join(f"{s}: {', '.join(r.name for r in rings)}" for s, rings in per_state.items())
        reason = f"the states are affine in different semirings ({listing})"

    saturated = {state: saturate(expr) for state, expr in updates.items()}
    classify_in = semiring
    if classify_in is None:
        # pick the semiring the saturated steps decompose in, reals first
        for ring in (Real, MaxPlus, MaxTimes, Tropical):
            if all(not isinstance(_steps(e, states, ring), str) for e in saturated.values()):
                classify_in = ring
                break
        else:
            classify_in = Real
    state_memory, memory_reason, aperiodic, window = _classify(saturated, classify_in)
    kinds = set(state_memory.values())
    if kinds == {"finite"}:
        memory = "finite"
    elif "unknown" in kinds:
        memory = "unknown"
    else:
        memory = "counter"
    return Analysis(rational, reason, memory, semiring, saturated, state_memory, memory_reason, aperiodic, window)
