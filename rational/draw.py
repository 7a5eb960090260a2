"""Drawing automata with graphviz.

States are circles numbered by their id; initial states have an incoming arrow
(labelled with the initial weight unless it is one); final states are double
circles labelled ``state/weight``; arcs are labelled ``symbol/weight`` (the weight
is left out when it is the semiring's one) with ε for epsilon. Parallel arcs
between the same two states share one edge, one label per line.

Rendering needs graphviz's ``dot`` program (Debian: ``apt-get install graphviz``);
building the :class:`graphviz.Digraph` does not.

Examples:
    >>> from rational import WFSA, Real
    >>> a = WFSA.from_arcs(Real, [(0, "a", 1, 0.5)], initial=0, final=1, alphabet="a")
    >>> graph = a.draw()
    >>> "a/0.5" in graph.source
    True
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import graphviz

from rational.errors import MissingDependencyError

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = ["draw", "format_weight", "save_picture", "to_svg"]

EPSILON_SYMBOL = "ε"
_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}


def format_weight(value: Any, precision: int = 3) -> str:
    """A short text for a weight: ``0.5``, ``∞``, ``-∞``, ``T``/``F``."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "T" if value else "F"
    value = float(value)
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:.{precision}g}"


def draw(
    wfsa: WFSA,
    *,
    title: str | None = None,
    show_one_weights: bool = False,
    precision: int = 3,
    rankdir: str = "LR",
    state_names: dict[int, str] | None = None,
) -> graphviz.Digraph:
    """A ``graphviz.Digraph`` of ``wfsa``.

    Args:
        wfsa: the machine.
        title: a caption drawn above the machine.
        show_one_weights: also print weights equal to the semiring's one.
        precision: significant digits of printed weights.
        rankdir: graphviz layout direction (``"LR"`` left to right, ``"TB"``...).
        state_names: text to show inside states instead of their ids.

    Returns:
        The digraph; render it with ``.pipe()``, :func:`save_picture`, or display
        it in a notebook.
    """
    ring = wfsa.semiring
    graph = graphviz.Digraph(graph_attr={"rankdir": rankdir}, node_attr={"shape": "circle", "fontsize": "12"}, edge_attr={"fontsize": "11"})
    if title:
        graph.attr(label=graphviz.nohtml(title), labelloc="t")
    names = state_names or {}

    def weighted(text: str, value: Any) -> str:
        if not show_one_weights and value == ring.one:
            return text
        return f"{text}/{format_weight(value, precision)}"

    initial, final = wfsa.initial_weights, wfsa.final_weights
    finals = set(wfsa.final_states)
    for q in wfsa.states:
        name = str(names.get(q, q))
        if q in finals:
            graph.node(str(q), graphviz.nohtml(weighted(name, final[q])), shape="doublecircle")
        else:
            graph.node(str(q), graphviz.nohtml(name))
    for q in wfsa.initial_states:
        graph.node(f"start{q}", "", shape="point", width="0")
        label = "" if initial[q] == ring.one and not show_one_weights else format_weight(initial[q], precision)
        graph.edge(f"start{q}", str(q), label=graphviz.nohtml(label))
    labels: dict[tuple[int, int], list[str]] = defaultdict(list)
    for arc in wfsa.arcs():
        text = EPSILON_SYMBOL if arc.label is None else str(arc.label)
        labels[arc.src, arc.dst].append(weighted(text, arc.weight))
    for (src, dst), texts in labels.items():
        graph.edge(str(src), str(dst), label=graphviz.nohtml("\n".join(texts)))
    return graph


def _render(graph: graphviz.Digraph, fmt: str) -> bytes:
    try:
        return graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise MissingDependencyError(
            "rendering needs graphviz's 'dot' program; install it with "
            "'apt-get install graphviz' (Debian/Ubuntu) or 'brew install graphviz'"
        ) from None


def to_svg(wfsa: WFSA, **options: Any) -> str:
    """The drawing as SVG text (what notebooks display)."""
    return _render(draw(wfsa, **options), "svg").decode("utf-8")


def save_picture(wfsa: WFSA, path: str | Path, **options: Any) -> Path:
    """Render the drawing to ``path``; the suffix (``.svg``, ``.png``, ``.pdf``)
    picks the format.

    Raises:
        ValueError: for another suffix.
        MissingDependencyError: when graphviz's ``dot`` is not installed.
    """
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"cannot save a picture as {path.suffix!r}; use .svg, .png or .pdf")
    data = _render(draw(wfsa, **options), fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
