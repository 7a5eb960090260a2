"""``rational hierarchy``: train architectures on formal languages and put the results beside the theory.

Examples:
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_hierarchy(parser)
    >>> args = parser.parse_args(["--out", "runs", "--quick", "--models", "gru,wfsa"])
    >>> config = sweep_config(args)
    >>> config.models, config.seeds, config.budget.steps
    (['gru', 'wfsa'], (0,), 300)
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from typing import TYPE_CHECKING

from rational.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from rational.hierarchy.harness import SweepConfig

__all__ = ["DEFAULT_LANGUAGES", "add_hierarchy", "run_hierarchy", "sweep_config"]

#: The languages of the benchmark table (and the command's default).
DEFAULT_LANGUAGES = ("parity", "tomita-3", "tomita-5", "tomita-7", "anbn", "anbn-sigma-star", "dyck-1", "dyck-2")

#: budget options of the command: flag -> (Budget field, type)
_BUDGET_FLAGS = {
    "steps": int,
    "train_max_length": int,
    "test_max_length": int,
    "bin_width": int,
    "test_per_bin": int,
    "hidden_size": int,
}


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _numbers(text: str, kind: type, flag: str) -> tuple:
    try:
        return tuple(kind(part) for part in _names(text))
    except ValueError:
        raise ConfigError(f"{flag} takes comma-separated {kind.__name__}s, got {text!r}") from None


def add_hierarchy(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``rational hierarchy``."""
    parser.add_argument("--out", required=True, help="output folder: runs/, table.md, table.csv, heatmap.png, ...")
    parser.add_argument(
        "--languages", default=",".join(DEFAULT_LANGUAGES), help="comma-separated languages (default: %(default)s)"
    )
    parser.add_argument(
        "--models",
        default=None,
        help="comma-separated architectures: elman, gru, lstm, qrnn, qrnn-ifo, sru, rrnn-unigram, rrnn-bigram, "
        "sopa, cnn, wfsa (default: every one registered now)",
    )
    parser.add_argument("--objective", default="membership", choices=["membership", "next-symbol"])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small budget: train on lengths 1..20, test up to 100, 300 steps, one seed and learning rate",
    )
    parser.add_argument("--seeds", default=None, help="comma-separated seeds (default: 0,1,2; quick: 0)")
    parser.add_argument("--lrs", default=None, help="comma-separated learning rates (default: 0.01,0.003; quick: 0.01)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--threshold", type=float, default=None, help="accuracy that counts as recognized (default: 0.9)")
    for flag in _BUDGET_FLAGS:
        parser.add_argument(f"--{flag.replace('_', '-')}", type=_BUDGET_FLAGS[flag], default=None,
                            help=f"override the budget's {flag}")
    parser.add_argument("--json", action="store_true", help="print the cells and file paths as JSON")


def sweep_config(args: argparse.Namespace) -> SweepConfig:
    """The :class:`~rational.hierarchy.harness.SweepConfig` the arguments ask for.

    Raises:
        ConfigError, LanguageError: for unknown names or bad numbers.
    """
    from rational.hierarchy.harness import QUICK, Budget, SweepConfig
    from rational.hierarchy.recognizers import available_models

    budget = QUICK if args.quick else Budget()
    changes = {flag: getattr(args, flag) for flag in _BUDGET_FLAGS if getattr(args, flag) is not None}
    if changes:
        budget = replace(budget, **changes)
    seeds = _numbers(args.seeds, int, "--seeds") if args.seeds else ((0,) if args.quick else (0, 1, 2))
    lrs = _numbers(args.lrs, float, "--lrs") if args.lrs else ((0.01,) if args.quick else (0.01, 0.003))
    models = _names(args.models) if args.models else available_models()
    return SweepConfig(_names(args.languages), models, args.objective, seeds, lrs, budget)


def run_hierarchy(args: argparse.Namespace) -> int:
    """Run the sweep (resuming from ``--out``), write the report, print the table."""
    from rational.hierarchy.harness import run_sweep
    from rational.hierarchy.report import THRESHOLD, agreement, write_report

    config = sweep_config(args)
    sweep = run_sweep(config, args.out, jobs=args.jobs)  # progress lines go to standard error
    threshold = THRESHOLD if args.threshold is None else args.threshold
    files = write_report(sweep.results, args.out, threshold, settings=config.to_dict())
    agree, decided = agreement(files.cells)
    if args.json:
        cells = [
            {
                "language": c.language, "model": c.model, "objective": c.objective, "runs": c.runs,
                "best": c.best, "mean": c.mean, "std": c.std, "majority": c.majority,
                "expected": c.expected.outcome if c.expected else None, "theory": c.theory,
                "recognized": c.recognized, "disagrees": c.disagrees,
            }
            for c in files.cells
        ]
        print(json.dumps({
            "files": files.to_dict(), "cells": cells, "agree": agree, "decided": decided,
            "ran": len(sweep.ran), "skipped": len(sweep.skipped), "seconds": round(sweep.seconds, 1),
        }))
        return 0
    print(files.table_markdown.read_text())
    print(f"{len(sweep.ran)} runs made, {len(sweep.skipped)} reused, {sweep.seconds:.1f}s; "
          f"{agree}/{decided} cells agree with theory")
    print(f"report: {files.index}")
    return 0
