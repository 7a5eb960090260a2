"""Reading SoPa trained on SST-2: extraction fidelity for several top-k, and the report's time.

Trains SoPa with the library's training pipeline (``rational.train.pipeline.train``,
what ``rational train --model sopa`` runs) on the SST-2 training sentences
(``stsa.binary.train``, lower-cased, random embeddings; dev ``stsa.binary.dev`` picks
the best epoch), then writes the explanation report of the checkpoint on the test set
(``stsa.binary.test``, 1,821 sentences) with ``rational.explain.write_report``: every
pattern drawn with its top spans, explained documents, and the fidelity of automata
extracted with ``top_k`` in {1, 5, 20, 100}: agreement of the predictions with the
model (%) and mean absolute difference of the pattern scores, over all test sentences
and within / beyond the longest training sentence. An exact extraction (every word on
every arc) is measured too, as a control: it must agree 100%.

Printed: the training result, the fidelity table, the report's time (total and per
part), and where the report is.

Run: ``python benchmarks/explain_sst2.py --data ../shared/data/sst2 [--epochs 3]
[--patterns 5:50,4:50,3:50,2:50] [--embedding-dim 300] [--max-train N] [--threads 2]
[--out DIR]``. ``--epochs`` and ``--max-train`` set the training budget; the defaults
follow SoPa (Schwartz et al. 2018: 50 patterns each of lengths 5, 4, 3 and 2, an MLP
of 25 hidden units, max-plus).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

from rational.explain import extract, fidelity, write_report
from rational.train.checkpoint import load_checkpoint
from rational.train.data import read_examples
from rational.train.pipeline import DataConfig, train
from rational.train.trainer import TrainerConfig

TOP_KS = (1, 5, 20, 100)


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the sst2 folder (stsa.binary.train, .dev, .test)")
    parser.add_argument("--out", default=None, help="work folder: checkpoint and report (default: a temporary one)")
    parser.add_argument("--epochs", type=int, default=3, help="training epochs (default 3)")
    parser.add_argument("--max-train", type=int, default=None, help="train on the first N sentences only")
    parser.add_argument("--patterns", default="5:50,4:50,3:50,2:50", help="SoPa pattern lengths and counts")
    parser.add_argument("--semiring", default="MaxPlus", help="SoPa semiring (default MaxPlus)")
    parser.add_argument("--embedding-dim", type=int, default=300, help="word-vector size (default 300)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 0.001)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    folder = Path(args.data)
    paths = {split: folder / f"stsa.binary.{split}" for split in ("train", "dev", "test")}
    for path in paths.values():
        if not path.is_file():
            raise SystemExit(f"missing {path}: --data must be the sst2 folder")
    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="explain-sst2-"))
    work.mkdir(parents=True, exist_ok=True)
    train_file = paths["train"]
    if args.max_train:
        train_file = work / "train-subset.txt"
        lines = paths["train"].read_text(encoding="utf-8").splitlines()[: args.max_train]
        train_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = DataConfig(train=str(train_file), dev=str(paths["dev"]), test=str(paths["test"]), lowercase=True)
    run = work / "sopa"
    log(f"training SoPa ({args.patterns}, {args.semiring}) for {args.epochs} epochs into {run}")
    result = train(
        run,
        data=data,
        model="sopa",
        model_options={"pattern_lengths": args.patterns, "semiring": args.semiring},
        embedding_dim=args.embedding_dim,
        mlp_hidden=25,
        dropout=0.3,
        training=TrainerConfig(epochs=args.epochs, lr=args.lr, word_dropout=0.1, seed=args.seed, quiet=True),
        log=log,
    )
    print(f"SoPa on SST-2: {result.epochs} epochs, {result.seconds_per_epoch} s/epoch, best dev accuracy "
          f"{result.best_dev:.4f} (epoch {result.best_epoch}), test accuracy {result.test['accuracy']:.4f}")

    checkpoint = load_checkpoint(run)
    test = read_examples(paths["test"], "classify", "lines", checkpoint.tokenizer)
    train_examples = read_examples(train_file, "classify", "lines", checkpoint.tokenizer)
    train_length = max(len(e.tokens) for e in train_examples)
    beyond = sum(len(e.tokens) > train_length for e in test)
    print(f"test set: {len(test)} sentences, {beyond} longer than the longest training sentence ({train_length} tokens)")

    started = time.perf_counter()
    exact = fidelity(checkpoint, extract(checkpoint), test, train_length)
    exact_seconds = time.perf_counter() - started

    started = time.perf_counter()
    report = write_report(checkpoint, test, work / "report", top_ks=TOP_KS, train_length=train_length,
                          title="SoPa on SST-2")
    report_seconds = time.perf_counter() - started

    print()
    print("top-k  agreement% (all / within / beyond)   mean |score diff| (all)")
    for k in TOP_KS:
        f = report.fidelity[k]
        beyond_text = "n/a" if f.beyond is None or f.beyond.documents == 0 else f"{f.beyond.agreement:6.2f}"
        print(f"{k:>5}  {f.all.agreement:6.2f} / {f.within.agreement:6.2f} / {beyond_text:>6}"
              f"      {f.all.score_error:.4g}")
    beyond_text = "n/a" if exact.beyond.documents == 0 else f"{exact.beyond.agreement:6.2f}"
    print(f"  all  {exact.all.agreement:6.2f} / {exact.within.agreement:6.2f} / {beyond_text:>6}"
          f"      {exact.all.score_error:.4g}   (exact control, {exact_seconds:.1f} s)")
    print()
    parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.seconds.items() if name != "total")
    print(f"report: {report_seconds:.1f} s ({parts}); {len(report.pictures)} pattern pictures; {report.index}")
    print(json.dumps({
        "test_accuracy": result.test["accuracy"],
        "fidelity": {str(k): report.fidelity[k].agreement for k in TOP_KS},
        "exact": exact.agreement,
        "report_seconds": round(report_seconds, 2),
    }))


if __name__ == "__main__":
    main()
