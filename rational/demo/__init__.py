"""``rational demo``: the library's main job, end to end, on data it generates itself.

Each feature contributes one section: a function ``run(section, context)`` in a
module of this package, listed in :data:`SECTIONS`. The demo writes
``<out>/index.html`` with pictures and prints a summary on the terminal.

Examples:
    >>> import tempfile
    >>> from rational.demo import run_demo
    >>> result = run_demo(tempfile.mkdtemp(), sections=["core"], echo=lambda line: None)
    >>> result.index.name
    'index.html'
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rational.demo import algorithms, core, hierarchy_runs, hierarchy_theory, sparsity
from rational.demo import compile as compiling
from rational.demo import explain as explaining
from rational.demo import models as rational_models
from rational.report import Report, Section

__all__ = ["DemoContext", "DemoResult", "SECTIONS", "run_demo"]


@dataclass
class DemoContext:
    """What sections share: a seed, a quick flag, and objects later sections reuse."""

    seed: int = 0
    quick: bool = False
    shared: dict = field(default_factory=dict)


#: (name, title, run) for every section, in order.
SECTIONS: list[tuple[str, str, Callable[[Section, DemoContext], None]]] = [
    ("core", "Automata: build, score, draw, OpenFst", core.run),
    ("algorithms", "Algorithms: determinize, minimize, equivalence", algorithms.run),
    ("compile", "Compiling automata into PyTorch modules", compiling.run),
    ("models", "Rational models: SoPa and a rational RNN", rational_models.run),
    ("sparsity", "Learning smaller automata: group lasso and pruning", sparsity.run),
    ("hierarchy-theory", "Capacity hierarchy: theory", hierarchy_theory.run),
    ("hierarchy-runs", "Capacity hierarchy: measured", hierarchy_runs.run),
    ("explain", "Reading a trained model", explaining.run),
]


@dataclass
class DemoResult:
    index: Path
    summary: list[str]
    seconds: dict[str, float]


def run_demo(
    out: str | Path = "demo-output",
    sections: Sequence[str] | None = None,
    quick: bool = False,
    seed: int = 0,
    echo: Callable[[str], None] = print,
) -> DemoResult:
    """Run the demo sections and write the report.

    Args:
        out: the report folder.
        sections: names of the sections to run (default: all).
        quick: smaller data and shorter training, for tests.
        seed: the random seed every section derives its randomness from.
        echo: where progress and the summary go.

    Raises:
        ValueError: for an unknown section name.
    """
    known = [name for name, _, _ in SECTIONS]
    chosen = known if sections is None else list(sections)
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ValueError(f"unknown demo section(s) {', '.join(unknown)}; known: {', '.join(known)}")
    report = Report(out, title="rational demo")
    context = DemoContext(seed=seed, quick=quick)
    seconds = {}
    for name, title, run in SECTIONS:
        if name not in chosen:
            continue
        echo(f"== {title}")
        start = time.perf_counter()
        run(report.section(title), context)
        seconds[name] = time.perf_counter() - start
        report.write()  # keep a readable report even if a later section fails
    index = report.write()
    echo("")
    for line in report.summary_lines:
        echo(line)
    echo(f"report: {index}")
    return DemoResult(index=index, summary=list(report.summary_lines), seconds=seconds)
