"""The ``rational explain`` command: a trained checkpoint and a data file in, a report folder out.

Registered in :data:`rational.cli.COMMANDS`; torch is imported only when it runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rational.errors import ConfigError

__all__ = ["add_explain", "run_explain", "training_length"]


def _top_ks(text: str) -> list[int | None]:
    values: list[int | None] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if part in ("all", "exact"):
            values.append(None)
            continue
        try:
            value = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"--top-k takes integers or 'all', separated by commas; got {part!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"--top-k values must be at least 1, got {value}")
        values.append(value)
    return values


def add_explain(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``rational explain``."""
    parser.epilog = (
        "examples:\n"
        "  rational explain --checkpoint runs/sopa --data dev.txt --out explained\n"
        "  rational explain --checkpoint runs/sopa --data test.txt --out explained --patterns 20 --top-k 1,5,all"
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--checkpoint", required=True, help="a checkpoint folder written by 'rational train'")
    parser.add_argument("--data", required=True, help="documents to find spans in and to measure fidelity on")
    parser.add_argument("--out", required=True, help="report folder (index.html and one SVG per pattern)")
    parser.add_argument("--format", default="auto", help="data format (default: auto-detected)")
    parser.add_argument("--spans", type=int, default=5, help="top spans per pattern (default 5)")
    parser.add_argument("--words", type=int, default=3, help="words per arc in the drawings (default 3)")
    parser.add_argument("--top-k", type=_top_ks, default=[1, 5, 20, 100],
                        help="extractions to measure: words kept per arc, comma-separated; 'all' is exact "
                             "(default 1,5,20,100)")
    parser.add_argument("--documents", type=int, default=3, help="documents to explain (default 3)")
    parser.add_argument("--patterns", type=int, default=None,
                        help="draw only the N most important patterns (default: all)")
    parser.add_argument("--limit", type=int, default=None, help="read only the first N documents of --data")
    parser.add_argument("--train-length", type=int, default=None,
                        help="longest training document, for the within/beyond split (default: read from the "
                             "checkpoint's training file when it exists)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    parser.add_argument("--json", action="store_true", help="print the fidelity and timings as JSON")


def training_length(checkpoint) -> int | None:
    """The longest document of a checkpoint's training file, read as it was for
    training; ``None`` when the file is gone."""
    from rational.train.data import read_examples

    data = checkpoint.config["data"]
    path = data.get("train")
    if not path or not Path(path).is_file():
        return None
    examples = read_examples(path, checkpoint.task, data.get("format", "auto"), checkpoint.tokenizer,
                             phrases=bool(data.get("phrases")), fine_grained=bool(data.get("fine_grained")))
    return max(len(e.tokens) for e in examples)


def run_explain(args: argparse.Namespace) -> int:
    """Run ``rational explain``."""
    import torch

    from rational.explain.report import write_report
    from rational.train.checkpoint import load_checkpoint
    from rational.train.data import read_examples, resolve_format

    for name in ("spans", "words", "documents", "patterns", "limit", "train_length", "threads"):
        value = getattr(args, name)
        if value is not None and value < (0 if name == "documents" else 1):
            raise ConfigError(f"--{name.replace('_', '-')} must be a positive integer, got {value}")
    if args.threads:
        torch.set_num_threads(args.threads)
    checkpoint = load_checkpoint(args.checkpoint)
    if checkpoint.task != "classify":
        raise ConfigError(f"{args.checkpoint} holds a {checkpoint.task} model; explain reads classifiers")
    path = Path(args.data)
    if not path.is_file():
        raise FileNotFoundError(f"no such data file: {path}")
    format = resolve_format(path, "classify", args.format)
    fine_grained = bool(checkpoint.config["data"].get("fine_grained")) and format == "sst-trees"
    examples = read_examples(path, "classify", format, checkpoint.tokenizer, fine_grained=fine_grained)
    if args.limit:
        examples = examples[: args.limit]
    train_length = args.train_length if args.train_length is not None else training_length(checkpoint)
    result = write_report(
        checkpoint, examples, args.out, spans=args.spans, top_words=args.words, top_ks=args.top_k,
        documents=args.documents, patterns=args.patterns, train_length=train_length,
        title=f"Reading {Path(args.checkpoint).name}",
    )
    summary = {
        "index": str(result.index),
        "pictures": len(result.pictures),
        "train_length": train_length,
        "fidelity": {
            "all" if k is None else str(k): {"agreement": f.agreement, "score_error": f.score_error,
                                            "within": None if f.within is None else f.within.agreement,
                                            "beyond": None if f.beyond is None else f.beyond.agreement}
            for k, f in result.fidelity.items()
        },
        "seconds": {k: round(v, 3) for k, v in result.seconds.items()},
    }
    if args.json:
        print(json.dumps(summary))
    else:
        for k, f in result.fidelity.items():
            print(f"top-k {'all' if k is None else k}: agreement {f.agreement:.2f}%, mean |score difference| "
                  f"{f.score_error:.4g}", file=sys.stdout)
        print(f"wrote {result.index} ({len(result.pictures)} pattern pictures) in {result.seconds['total']:.1f} s")
    return 0
