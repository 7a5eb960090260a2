"""Demo section: the capacity hierarchy measured. Architectures trained on short
strings of formal languages and tested on longer ones, beside the theory's expectations."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rational.hierarchy.harness import QUICK, Budget, SweepConfig, run_sweep
from rational.hierarchy.recognizers import available_models
from rational.hierarchy.report import aggregate, agreement, heatmap, length_curves

if TYPE_CHECKING:  # pragma: no cover
    from rational.demo import DemoContext
    from rational.report import Section

#: quick mode: two languages, the baselines and the automaton, a tiny budget (about 10 s)
QUICK_DEMO = Budget(
    train_max_length=10, test_max_length=40, bin_width=10, train_per_length=12, valid_per_length=3,
    test_per_bin=16, lengths_per_bin=4, steps=120, eval_every=40,
)


def run(section: Section, context: DemoContext) -> None:
    if context.quick:
        languages = ["parity", "anbn"]
        models = ["elman", "gru", "lstm", "wfsa"]
        budget, jobs = QUICK_DEMO, 1
    else:
        languages = ["parity", "tomita-3", "anbn", "anbn-sigma-star"]
        models = available_models()
        budget, jobs = QUICK, os.cpu_count() or 1
    config = SweepConfig(languages, models, seeds=(context.seed,), lrs=(0.01,), budget=budget)
    section.text(
        f"Each architecture is trained to recognize strings of lengths 1..{budget.train_max_length} "
        f"(membership: near-miss negatives, 50% majority baseline) and tested on lengths "
        f"{budget.train_max_length + 1}..{budget.test_max_length}. The compiled automaton (wfsa) is each regular "
        "language's own minimal automaton run through the same pipeline: it must score 100%. "
        "Every cell shows the test accuracy and the outcome theory expects (* cited from Merrill et al. 2020); "
        "✗ marks a disagreement. Short test strings favor the networks: a finite-state network can count "
        f"to {budget.test_max_length}. `rational hierarchy` runs the full experiment."
    )
    folder = section.report.folder / "hierarchy-runs"
    sweep = run_sweep(config, folder, jobs=jobs, progress=lambda line: None)
    cells = aggregate(sweep.results)
    section.table(
        ["language", "model", "test accuracy", "majority", "train lengths", "expected", ""],
        [
            [c.language, c.model, round(c.best, 3), round(c.majority, 3), round(c.train_accuracy, 3),
             c.expected_label, "✗" if c.disagrees else ""]
            for c in cells
        ],
    )
    picture = heatmap(cells, section.picture_path("heatmap", ".png"))
    section.picture(picture, "test accuracy by language and architecture (red frame: disagrees with theory)")
    curves = length_curves(cells, section.picture_path("curves", ".png"), budget.train_max_length)
    section.picture(curves, "accuracy by test length; majority baseline dashed")
    agree, decided = agreement(cells)
    automata = [c for c in cells if c.model == "wfsa"]
    section.summary(
        f"{len(sweep.results)} runs ({len(sweep.skipped)} reused); {agree}/{decided} cells agree with theory; "
        f"compiled automata: {min((c.best for c in automata), default=float('nan')):.0%} on every regular language"
    )
    context.shared["hierarchy_runs"] = cells
