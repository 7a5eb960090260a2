"""Each rational model's template drawn as an automaton whose arcs name their weights.

:func:`model_diagram` builds, for a model name of the registry, the template one of
its automata runs (a SoPa pattern, a rational RNN's hidden unit, a CNN filter) as a
:class:`~rational.WFSA` whose token arcs are labelled with the formula of their
weight at position ``t`` (``x`` is the input vector ``x_t``) and whose epsilon arcs
are drawn as ε. The drawings on the docs' Models page come from here
(``scripts/draw_model_diagrams.py``).

Examples:
    >>> machine = model_diagram("rrnn")
    >>> sorted(str(arc.label) for arc in machine.arcs(1))
    ['f₁', 'u₂ = ũ₂ (1 - f₂)']
"""

from __future__ import annotations

from collections.abc import Callable

from rational.errors import ConfigError
from rational.nn.template import Template
from rational.semirings import Boolean
from rational.wfsa import WFSA

__all__ = ["DIAGRAMS", "model_diagram", "template_diagram"]

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sub(number: int) -> str:
    return str(number).translate(_SUB)


def template_diagram(template: Template, label: Callable[[int, int, int], str]) -> WFSA:
    """``template`` as a Boolean WFSA: token arc ``k`` from ``p`` to ``q`` is labelled
    ``label(k, p, q)``, epsilon arcs are ε, initial and final states as the template's.

    Examples:
        >>> t = Template.chain(1, self_loops=[1])
        >>> [str(a.label) for a in template_diagram(t, lambda k, p, q: f"arc {k}").arcs()]
        ['arc 0', 'arc 1']
    """
    arcs = [(p, label(k, p, q), q) for k, (p, q) in enumerate(template.arcs)]
    arcs += [(p, None, q) for p, q in template.epsilons]
    machine = WFSA(Boolean)
    machine.add_states(template.num_states)
    for p, symbol, q in arcs:
        machine.add_arc(p, symbol, q, True)
    for state in template.initial_states:
        machine.set_initial(state, True)
    for state in template.final_states:
        machine.set_final(state, True)
    return machine


def _chain_labels(main: Callable[[int], str], loop: Callable[[int], str]) -> Callable[[int, int, int], str]:
    return lambda k, p, q: loop(p) if p == q else main(q)


#: name -> (template, arc labels, caption)
DIAGRAMS: dict[str, tuple[Template, Callable[[int, int, int], str], str]] = {
    "sopa": (
        Template.chain(4, self_loops=True, epsilons=True),
        _chain_labels(lambda j: f"g(w{_sub(j)}·x + b{_sub(j)})", lambda j: f"g(v{_sub(j)}·x + c{_sub(j)})"),
        "SoPa: a pattern of length 4 (main arcs, self-loops on the interior states, epsilon arcs)",
    ),
    "rrnn": (
        Template.chain(2, self_loops=range(1, 3), final=range(1, 3)),
        _chain_labels(lambda j: f"u{_sub(j)} = ũ{_sub(j)} (1 - f{_sub(j)})", lambda j: f"f{_sub(j)}"),
        "Rational RNN (bigram): one hidden unit; every state after the first is final (output='sum')",
    ),
    "qrnn": (
        Template.chain(1, self_loops=[1]),
        _chain_labels(lambda j: "f ⊙ z", lambda j: "1 - f"),
        "QRNN (fo): one hidden unit",
    ),
    "sru": (
        Template.chain(1, self_loops=[1]),
        _chain_labels(lambda j: "(1 - f) ⊙ W x", lambda j: "f"),
        "SRU: one hidden unit",
    ),
    "cnn": (
        Template.chain(3, self_loops=False),
        _chain_labels(lambda j: f"W{_sub(j)}·x + b{_sub(j)}", lambda j: ""),
        "CNN: a filter of width 3 (MaxPlus: the best window)",
    ),
}


def model_diagram(name: str) -> WFSA:
    """The labelled template of a registered rational model (see :data:`DIAGRAMS`).

    Raises:
        ConfigError: for a name without a diagram.
    """
    try:
        template, label, _ = DIAGRAMS[name]
    except KeyError:
        raise ConfigError(f"no diagram for {name!r}; models with one: {', '.join(DIAGRAMS)}") from None
    return template_diagram(template, label)
