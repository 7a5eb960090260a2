"""Demo section: the capacity hierarchy in theory (symbolic analysis of the built-in
architectures, expected outcomes, and a regular language's automaton)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from rational.hierarchy.languages import LANGUAGES, get_language
from rational.hierarchy.theory import ARCHITECTURES, expectation_table, recurrence, theory_table

if TYPE_CHECKING:  # pragma: no cover
    from rational.demo import DemoContext
    from rational.report import Section


def run(section: Section, context: DemoContext) -> None:
    section.text(
        "Each architecture's update is written as sympy expressions (one hidden unit) and "
        "analyzed symbolically: is the new state affine in the old one with input-dependent "
        "coefficients (rational, in the Real or a max-plus semiring)? And once every weight is "
        "scaled to infinity (σ → step, tanh → sign), does the state take finitely many values "
        "(finite), or can it add ±1 per step without bound (counter)?"
    )
    rows = theory_table()
    section.table(
        ["architecture", "Merrill et al. 2020", "derived", "rational", "saturated memory"],
        [
            [
                f"{row.title} ({row.key})",
                row.cited or "—",
                row.derived,
                f"yes ({row.analysis.semiring.name})" if row.analysis.rational else f"no: {row.analysis.reason}",
                row.analysis.memory,
            ]
            for row in rows
        ],
    )
    agree = sum(row.cited == row.derived for row in rows if row.cited)
    cited = sum(1 for row in rows if row.cited)
    lstm = recurrence("lstm").analyze()
    qrnn = recurrence("qrnn").analyze()
    section.text("The saturated LSTM cell, and why it counts:")
    section.code(
        f"c' = {sp.sstr(lstm.saturated[sp.Symbol('c')])}\n{lstm.memory_reason}\n\n"
        f"QRNN (ifo-pooling): c' = {sp.sstr(qrnn.saturated[sp.Symbol('c')])}\n{qrnn.memory_reason}"
    )

    languages = [cls() for cls in LANGUAGES.values()]
    if context.quick:
        languages = [get_language(name) for name in ("parity", "tomita-3", "anbn", "anbn-sigma-star", "dyck-2")]
    table = expectation_table(languages=languages)
    section.text(
        "Expected outcome on membership at every length (yes / no / open; * where the argument "
        "is cited rather than derived from the analysis):"
    )
    section.table(
        ["architecture", *(language.name for language in languages)],
        [
            [key, *(table[(key, lang.name)].outcome + ("*" if table[(key, lang.name)].source == "cited" else "")
                    for lang in languages)]
            for key in ARCHITECTURES
        ],
    )

    tomita = get_language("tomita-3")
    machine = tomita.to_wfsa()
    rng = np.random.default_rng(context.seed)
    positives = [tomita.sample(10, rng) for _ in range(3)]
    negatives = [tomita.sample_negative(10, rng) for _ in range(3)]
    section.automaton(machine, "Tomita 3: its minimal automaton (Boolean WFSA)")
    section.table(
        ["string", "in Tomita 3", "automaton"],
        [[s, tomita.contains(s), machine.score(s)] for s in positives + negatives],
    )
    section.summary(
        f"{len(rows)} architectures analyzed; the analysis reproduces {agree}/{cited} classes of "
        f"Merrill et al. 2020; Tomita 3 automaton: {machine.num_states} states"
    )
    context.shared["hierarchy_theory"] = rows
