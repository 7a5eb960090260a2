"""The ``rational`` command.

Every subcommand has ``--help``; commands that report results accept ``--json`` for
machine-readable output. Subcommands are registered in :data:`COMMANDS`: a name,
a function that adds its arguments, and a function that runs it and returns the
exit status.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rational.errors import RationalError
from rational.explain import commands as explain_commands
from rational.hierarchy import commands as hierarchy_commands
from rational.train import commands as train_commands
from rational.train.sparsity import commands as sparsity_commands

__all__ = ["COMMANDS", "main"]


def _add_demo(parser: argparse.ArgumentParser) -> None:
    from rational.demo import SECTIONS

    parser.add_argument("--out", default="demo-output", help="report folder (default: demo-output)")
    parser.add_argument(
        "--sections",
        default=None,
        help="comma-separated sections to run (default: all): " + ", ".join(name for name, _, _ in SECTIONS),
    )
    parser.add_argument("--quick", action="store_true", help="smaller data and shorter training")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def _run_demo(args: argparse.Namespace) -> int:
    from rational.demo import run_demo

    sections = None if args.sections is None else [s.strip() for s in args.sections.split(",") if s.strip()]
    echo = (lambda line: print(line, file=sys.stderr)) if args.json else print
    result = run_demo(args.out, sections=sections, quick=args.quick, seed=args.seed, echo=echo)
    if args.json:
        print(json.dumps({"index": str(result.index), "summary": result.summary, "seconds": result.seconds}))
    return 0


def _add_draw(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("machine", help="a WFSA saved as JSON (WFSA.save)")
    parser.add_argument("--out", required=True, help="picture path: .svg, .png or .pdf")
    parser.add_argument("--title", default=None, help="caption above the drawing")


def _run_draw(args: argparse.Namespace) -> int:
    from rational.wfsa import WFSA

    path = Path(args.machine)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    machine = WFSA.load(path)
    out = machine.save_picture(args.out, title=args.title)
    print(f"wrote {out}")
    return 0


#: name -> (help, add arguments, run)
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {
    "demo": ("run the end-to-end demo and write an HTML report", _add_demo, _run_demo),
    "draw": ("draw a saved WFSA with graphviz", _add_draw, _run_draw),
    "train": ("train a model on text files and save a checkpoint", train_commands.add_train, train_commands.run_train),
    "evaluate": ("evaluate a saved checkpoint on a data file", train_commands.add_evaluate, train_commands.run_evaluate),
    "prune": ("remove the states group lasso zeroed from a checkpoint's automata", sparsity_commands.add_prune, sparsity_commands.run_prune),
    "synthetic": ("write a synthetic data set (sentiment or a small language)", train_commands.add_synthetic, train_commands.run_synthetic),
    "hierarchy": ("train architectures on formal languages and compare with the theory", hierarchy_commands.add_hierarchy, hierarchy_commands.run_hierarchy),
    "explain": ("explain a trained classifier: patterns as automata, top spans, fidelity of extraction", explain_commands.add_explain, explain_commands.run_explain),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(prog="rational", description="Weighted automata and the neural networks they compile to.")
    from rational import __version__

    parser.add_argument("--version", action="version", version=f"rational {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_arguments, _) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rational`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command][2](args)
    except (RationalError, FileNotFoundError, ValueError) as error:
        print(f"rational {args.command}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"rational {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
