"""SST-2 from scratch: SoPa, the bigram rational RNN and an LSTM, on sentences and on phrases.

Every model starts from randomly initialised word embeddings and trains two ways:

* ``sentences``: the 6,920 training sentences of ``sst2/stsa.binary.train``;
* ``phrases``: every labelled phrase of ``sst_trees/train.txt`` (neutral dropped,
  77,201 distinct lower-cased phrases), the usual way to train on SST (Kim 2014).

Model selection uses ``sst2/stsa.binary.dev`` (the best epoch's weights) and the
test accuracy is measured once on ``sst2/stsa.binary.test`` (1,821 sentences). Each
run has a wall-clock budget (``--minutes``, data reading and dev evaluation
included): an epoch that would not finish in the remaining time is not started.
The script prints, per run, the test accuracy, the best dev accuracy, the epochs run
and the training time per epoch.

Run: ``python benchmarks/sst2.py --data ../shared/data [--minutes 20] [--models sopa,rrnn,lstm]
[--settings phrases,sentences] [--threads 1]`` (on a machine shared with other work,
one thread is several times faster than two). Hyper-parameters follow the papers
where they fit a CPU budget: SoPa's 50 patterns each of lengths 5, 4, 3 and 2 in the
max-plus semiring and its MLP of 25 hidden units (Schwartz et al. 2018); a bigram
rational RNN (Peng et al. 2018) and an LSTM, both bidirectional with 256 units per
direction and max-pooled over time; Adam at 0.001, halved after every epoch without a
better dev accuracy; dropout on the embeddings and the document vector (0.3 for
SoPa, 0.5 for the recurrent networks), word dropout 0.1. The embeddings
have 150 dimensions: the papers' 300 came with pretrained vectors, and from random
initialization 150 trains in half the time.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

from rational.train.budget import BudgetExhausted, TimeBudget
from rational.train.checkpoint import evaluate_checkpoint, read_config
from rational.train.pipeline import DataConfig, train
from rational.train.trainer import METRICS_FILE, TrainerConfig

#: name -> (registered model, encoder options, head settings, training settings)
MODELS = {
    "sopa": (
        "sopa",
        {"pattern_lengths": "5:50,4:50,3:50,2:50", "semiring": "MaxPlus"},
        {"mlp_hidden": 25, "dropout": 0.3},
        {"lr": 1e-3, "word_dropout": 0.1},
    ),
    "rrnn": (
        "rrnn",
        {"n": 2, "hidden_size": 256, "pooling": "max", "bidirectional": True},
        {"dropout": 0.5},
        {"lr": 1e-3, "word_dropout": 0.1},
    ),
    "lstm": (
        "lstm",
        {"hidden_size": 256, "pooling": "max", "bidirectional": True},
        {"dropout": 0.5},
        {"lr": 1e-3, "word_dropout": 0.1},
    ),
}
SETTINGS = ("phrases", "sentences")


def data_config(folder: Path, setting: str) -> DataConfig:
    """The training, dev and test files of a setting."""
    sst2 = folder / "sst2"
    if setting == "phrases":
        return DataConfig(train=str(folder / "sst_trees" / "train.txt"), dev=str(sst2 / "stsa.binary.dev"),
                          test=str(sst2 / "stsa.binary.test"), phrases=True, lowercase=True)
    return DataConfig(train=str(sst2 / "stsa.binary.train"), dev=str(sst2 / "stsa.binary.dev"),
                      test=str(sst2 / "stsa.binary.test"), lowercase=True)


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(name: str, setting: str, folder: Path, out: Path, args: argparse.Namespace) -> dict:
    """Train one model in one setting within the budget; its test accuracy and timings."""
    model, options, head, settings = MODELS[name]
    started = time.perf_counter()
    budget = TimeBudget(args.minutes * 60, start=started)
    training = TrainerConfig(epochs=args.epochs, batch_size=args.batch_size, patience=args.patience,
                             schedule=args.schedule, seed=args.seed, quiet=args.quiet, **settings)
    stopped = False
    try:
        train(out, data=data_config(folder, setting), model=model, model_options=dict(options),
              embedding_dim=args.embedding_dim, training=training, post_step_hooks=[budget], log=log, **head)
    except BudgetExhausted:
        stopped = True
    trained = time.perf_counter() - started
    lines = [json.loads(line) for line in (out / METRICS_FILE).read_text().splitlines() if line.strip()]
    epochs = [line for line in lines if line.get("event") == "epoch"]
    if not epochs:
        raise SystemExit(f"{name} on {setting}: no epoch finished within {args.minutes} minutes; raise --minutes")
    best = max(epochs, key=lambda line: line["dev_accuracy"])
    test = evaluate_checkpoint(out, folder / "sst2" / "stsa.binary.test")
    parameters = read_config(out)["model"]
    return {
        "setting": setting,
        "model": name,
        "test_accuracy": test["accuracy"],
        "best_dev_accuracy": best["dev_accuracy"],
        "best_epoch": best["epoch"],
        "epochs": len(epochs),
        "seconds_per_epoch": sum(line["seconds"] for line in epochs) / len(epochs),
        "minutes": trained / 60,
        "stopped_by_budget": stopped,
        "encoder_options": parameters["encoder_options"],
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the benchmark data folder (holding sst2/ and sst_trees/)")
    parser.add_argument("--models", default="sopa,rrnn,lstm", help="comma-separated: " + ", ".join(MODELS))
    parser.add_argument("--settings", default="phrases,sentences", help="comma-separated: phrases, sentences")
    parser.add_argument("--minutes", type=float, default=20.0, help="wall-clock budget per run (default 20)")
    parser.add_argument("--epochs", type=int, default=30, help="at most this many epochs (default 30)")
    parser.add_argument("--patience", type=int, default=4,
                        help="stop after this many epochs without a better dev accuracy (default 4)")
    parser.add_argument("--batch-size", type=int, default=64, help="texts per batch (default 64)")
    parser.add_argument("--schedule", default="plateau", choices=("plateau", "constant"),
                        help="plateau: halve the learning rate after every epoch without a better dev accuracy "
                             "(default); constant")
    parser.add_argument("--embedding-dim", type=int, default=150, help="embedding dimension (default 150)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--out", default=None, help="folder for the runs' checkpoints (default: a temporary folder)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON lines")
    args = parser.parse_args(argv)
    for kind, known in (("models", MODELS), ("settings", SETTINGS)):
        values = [v.strip() for v in getattr(args, kind).split(",") if v.strip()]
        unknown = [v for v in values if v not in known]
        if unknown or not values:
            parser.error(f"--{kind}: unknown {unknown or 'empty'}; choose from {', '.join(known)}")
        setattr(args, kind, values)
    return args


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    folder = Path(args.data)
    for path in (folder / "sst2" / "stsa.binary.test", folder / "sst2" / "stsa.binary.dev"):
        if not path.is_file():
            raise SystemExit(f"no {path}: give --data the folder holding sst2/ and sst_trees/")
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="sst2-"))
    print(f"SST-2 from random embeddings; {args.minutes:g} minutes per run; torch threads {torch.get_num_threads()}; "
          f"runs in {out}", flush=True)
    results = []
    for setting in args.settings:
        for name in args.models:
            result = run(name, setting, folder, out / f"{setting}-{name}", args)
            results.append(result)
            print(f"{setting:9s} {name:5s} test accuracy {result['test_accuracy']:.4f}  best dev "
                  f"{result['best_dev_accuracy']:.4f} (epoch {result['best_epoch']})  {result['epochs']} epoch(s), "
                  f"{result['seconds_per_epoch']:.0f} s/epoch, {result['minutes']:.1f} min"
                  + ("  (budget reached)" if result["stopped_by_budget"] else ""), flush=True)
            if args.json:
                print(json.dumps(result), flush=True)
    print("\nsetting    model  test acc  dev acc  epochs  s/epoch  minutes")
    for r in results:
        print(f"{r['setting']:9s}  {r['model']:5s}  {r['test_accuracy']:.4f}    {r['best_dev_accuracy']:.4f}   "
              f"{r['epochs']:5d}  {r['seconds_per_epoch']:7.0f}  {r['minutes']:7.1f}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
