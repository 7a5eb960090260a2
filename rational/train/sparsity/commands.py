"""Command-line parts of sparse training: the ``rational train`` options and ``rational prune``.

``rational train ... --group-lasso λ [--prox]`` trains with the penalty (or its
proximal step); ``--target-states N`` searches λ (:func:`~rational.train.sparsity.search.search_lambda`),
one training run per trial in ``OUT/lambda-K``, and writes ``OUT/search.json``.
``rational prune --checkpoint DIR --threshold t --out DIR`` prunes a saved model.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rational.errors import ConfigError

__all__ = [
    "SETTINGS_FILE",
    "add_prune",
    "add_train_options",
    "resume_hooks",
    "run_prune",
    "train_or_search",
]

#: Written into a run's folder by ``--group-lasso``, so ``--resume`` continues with the same penalty.
SETTINGS_FILE = "sparsity.json"
SEARCH_FILE = "search.json"


def add_train_options(parser: argparse.ArgumentParser) -> None:
    """The sparsity options of ``rational train``."""
    group = parser.add_argument_group("sparsity (group lasso over automaton states; models with chain automata)")
    group.add_argument("--group-lasso", type=float, default=None, metavar="λ",
                       help="add λ·Σ‖g‖₂ over the states' parameter groups to the loss (the first λ of --target-states)")
    group.add_argument("--prox", action="store_true",
                       help="apply the group soft-threshold after every step instead of adding the penalty")
    group.add_argument("--target-states", type=int, default=None, metavar="N",
                       help="search λ until N states survive (one run per trial in OUT/lambda-K; OUT/search.json)")
    group.add_argument("--tolerance", type=int, default=None,
                       help="--target-states: how far from N a count may be (default: 5%% of N, at least 1)")
    group.add_argument("--threshold", type=float, default=0.1,
                       help="--target-states: the group norm a state needs to count as live (default 0.1)")
    group.add_argument("--max-trials", type=int, default=8, help="--target-states: the most training runs (default 8)")


def sparsity_given(args: argparse.Namespace) -> list[str]:
    """The sparsity flags set on the command line (refused with ``--resume``)."""
    flags = {"group_lasso": args.group_lasso is not None, "prox": args.prox, "target_states": args.target_states is not None}
    return ["--" + name.replace("_", "-") for name, given in flags.items() if given]


def _hooks(settings: dict[str, Any]) -> dict[str, list]:
    from rational.train.sparsity.penalty import GroupLasso, ProximalStep

    strength = settings["group_lasso"]
    if settings.get("prox"):
        return {"regularizers": [], "post_step_hooks": [ProximalStep(strength)]}
    return {"regularizers": [GroupLasso(strength)], "post_step_hooks": []}


def resume_hooks(out: str | Path) -> dict[str, list]:
    """The regularizers and hooks an interrupted run in ``out`` was trained with."""
    path = Path(out) / SETTINGS_FILE
    if not path.is_file():
        return {}
    return _hooks(json.loads(path.read_text()))


def _write_settings(out: Path, strength: float, prox: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / SETTINGS_FILE).write_text(json.dumps({"group_lasso": strength, "prox": prox}) + "\n")


def train_or_search(args: argparse.Namespace, train: Callable[..., Any], log: Callable[[str], None]) -> Any:
    """Run ``train(out, regularizers=..., post_step_hooks=...)`` as the sparsity flags ask.

    Args:
        args: the parsed ``rational train`` arguments.
        train: trains into a folder (the pipeline's ``train`` with every other setting bound).
        log: where the search reports its trials.

    Returns:
        The run's result; for a search, the chosen trial's, with ``search`` (the
        trials) attached.

    Raises:
        ConfigError: for ``--prox`` without a strength, or bad search settings.
    """
    from rational.train.sparsity.penalty import GroupLasso

    out = Path(args.out)
    if args.target_states is None:
        if args.group_lasso is None:
            if args.prox:
                raise ConfigError("--prox needs a strength: give --group-lasso λ")
            return train(out)
        GroupLasso(args.group_lasso)  # checks the value before anything is written
        _write_settings(out, args.group_lasso, args.prox)
        return train(out, **_hooks({"group_lasso": args.group_lasso, "prox": args.prox}))
    return _search(args, train, out, log)


def _search(args: argparse.Namespace, train: Callable[..., Any], out: Path, log: Callable[[str], None]) -> Any:
    from rational.train.checkpoint import load_checkpoint
    from rational.train.sparsity.search import search_lambda, states_at

    target = args.target_states
    if target < 1:
        raise ConfigError(f"--target-states must be at least 1, got {target}")
    tolerance = args.tolerance if args.tolerance is not None else max(1, round(0.05 * target))
    count_at = states_at(args.threshold)
    trials: list[dict[str, Any]] = []

    def trial(strength: float) -> Any:
        folder = out / f"lambda-{len(trials) + 1}"
        _write_settings(folder, strength, args.prox)
        result = train(folder, **_hooks({"group_lasso": strength, "prox": args.prox}))
        states = count_at(load_checkpoint(folder).model)
        trials.append({"folder": str(folder), "group_lasso": strength, "states": states,
                       "best_dev": result.best_dev, "metric": result.metric})
        _write_search(out, target, tolerance, args.threshold, trials, None)
        return result, states

    found = search_lambda(
        target,
        trial,
        count=lambda outcome: outcome[1],
        initial=args.group_lasso if args.group_lasso is not None else 1e-3,
        tolerance=tolerance,
        max_trials=args.max_trials,
        log=log,
    )
    chosen = next(t for t in trials if t["group_lasso"] == found.strength)
    _write_search(out, target, tolerance, args.threshold, trials, {**chosen, "converged": found.converged,
                                                                    "reason": found.reason})
    log(("found" if found.converged else "closest") + f": λ = {found.strength:g} keeps {found.states} states "
        f"({chosen['folder']}; prune it with: rational prune --checkpoint {chosen['folder']} "
        f"--threshold {args.threshold} --out {out / 'pruned'})")
    result = found.outcome[0]
    result.search = trials
    return result


def _write_search(out: Path, target: int, tolerance: int, threshold: float, trials: list, chosen) -> None:
    out.mkdir(parents=True, exist_ok=True)
    record = {"target_states": target, "tolerance": tolerance, "threshold": threshold, "trials": trials,
              "chosen": chosen}
    (out / SEARCH_FILE).write_text(json.dumps(record, indent=2) + "\n")


def add_prune(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``rational prune``."""
    parser.epilog = (
        "example:\n"
        "  rational train --model rational-rnn --option n=4 --hidden-size 24 --group-lasso 0.01 \\\n"
        "      --train train.txt --dev dev.txt --out runs/sparse\n"
        "  rational prune --checkpoint runs/sparse --threshold 0.1 --out runs/pruned --fine-tune 5"
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--checkpoint", required=True, help="a folder written by rational train")
    parser.add_argument("--threshold", type=float, required=True,
                        help="states whose parameter group has norm <= this are removed (with the rest of their chain)")
    parser.add_argument("--out", required=True, help="the new checkpoint folder")
    parser.add_argument("--fine-tune", type=int, default=0, metavar="EPOCHS",
                        help="then train the pruned model this many epochs without the penalty (default 0)")
    parser.add_argument("--lr", type=float, default=None, help="fine-tuning learning rate (default: the run's)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run_prune(args: argparse.Namespace) -> int:
    """Run ``rational prune``."""
    import sys

    from rational.train.sparsity.checkpoints import prune_checkpoint

    if args.threads is not None:
        if args.threads < 1:
            raise ConfigError(f"--threads must be at least 1, got {args.threads}")
        import torch

        torch.set_num_threads(args.threads)
    if not Path(args.checkpoint).is_dir():
        raise FileNotFoundError(f"no such checkpoint folder: {args.checkpoint}")
    log = (lambda line: None) if args.json else (lambda line: print(line, file=sys.stderr))
    report = prune_checkpoint(args.checkpoint, args.threshold, args.out, fine_tune_epochs=args.fine_tune, lr=args.lr,
                              quiet=args.quiet or args.json, log=log)
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"states {report['states_before']} -> {report['states_after']}, automata {report['automata_before']} -> "
          f"{report['automata_after']}, parameters {report['parameters_before']:,} -> {report['parameters_after']:,}")
    metric = report["metric"]
    for stage, splits in report["metrics"].items():
        values = ", ".join(f"{split} {metric} {values[metric]:.4f}" for split, values in splits.items())
        print(f"{stage}: {values or '(no dev or test file)'}")
    print(f"checkpoint: {report['out']}")
    return 0
