"""Penn Treebank language modeling: the bigram rational RNN and an LSTM under one time budget.

Both models read the training text as one stream (``ptb.train.txt``, 929k tokens,
vocabulary 10k; Mikolov et al. 2010), ``--bptt`` tokens at a time in ``--batch-size``
parallel rows, carrying their state from one batch to the next; the weights with the
best perplexity on ``ptb.valid.txt`` are kept, and the test perplexity is measured once
on ``ptb.test.txt``. Each run has the same wall-clock budget (``--minutes``, data
reading and validation included): an epoch that would not finish in the remaining
time is not started.

The rational RNN is Peng et al.'s (2018) bigram model (two stacked layers, the
cell value the sum of its two states, an output gate); both models use dropout on the
embeddings, the outputs and between layers (Zaremba et al. 2014), trained with Adam and
a plateau-halved learning rate.

The output layer over the 10,000 words takes most of the time of a step with a full
softmax (0.18 of 0.28 s for the rational RNN at the defaults, one thread). With
``--softmax adaptive`` (the default) both models predict through an adaptive softmax
(Grave et al. 2017; exact probabilities, the 2,000 most frequent words in the head and
the others in two clusters of smaller projections), about five times cheaper, so more epochs fit the budget; with
``--softmax full`` they tie their input and output embeddings instead (Press and Wolf
2017).

Defaults: 256 units in each of two layers, embeddings of 256, dropout 0.2, Adam at
0.002, gradient norms clipped at 0.25, 20 rows of 35 tokens per batch (Zaremba et al.'s
small configuration, with Adam in place of SGD, as fits a budget of a few epochs).

Run: ``python benchmarks/ptb.py --data ../shared/data/ptb [--minutes 30] [--models rrnn,lstm] [--threads 1]
[--softmax adaptive|full]``
(on a machine shared with other work, one thread is several times faster than two).
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
from rational.train.checkpoint import evaluate_checkpoint
from rational.train.pipeline import DataConfig, train
from rational.train.trainer import METRICS_FILE, TrainerConfig

#: name -> (registered model, encoder options)
MODELS = {
    "rrnn": ("rrnn", {"n": 2, "layers": 2}),
    "lstm": ("lstm", {"layers": 2}),
}
FILES = {"train": "ptb.train.txt", "dev": "ptb.valid.txt", "test": "ptb.test.txt"}


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(name: str, folder: Path, out: Path, args: argparse.Namespace) -> dict:
    """Train one language model within the budget; its test perplexity and timings."""
    model, options = MODELS[name]
    started = time.perf_counter()
    budget = TimeBudget(args.minutes * 60, start=started)
    data = DataConfig(**{split: str(folder / file) for split, file in FILES.items()}, format="text")
    training = TrainerConfig(epochs=args.epochs, batch_size=args.batch_size, bptt=args.bptt, lr=args.lr,
                             schedule="plateau", lr_decay=0.5, clip=0.25 if args.clip is None else args.clip,
                             seed=args.seed, quiet=args.quiet)
    stopped = False
    try:
        train(out, data=data, task="lm", model=model,
              model_options={**options, "hidden_size": args.size, "dropout": args.dropout},
              embedding_dim=args.size, tie_embeddings=args.softmax == "full", dropout=args.dropout,
              softmax=args.softmax, cutoffs=args.cutoffs if args.softmax == "adaptive" else None, training=training,
              post_step_hooks=[budget], log=log)
    except BudgetExhausted:
        stopped = True
    trained = time.perf_counter() - started
    lines = [json.loads(line) for line in (out / METRICS_FILE).read_text().splitlines() if line.strip()]
    epochs = [line for line in lines if line.get("event") == "epoch"]
    if not epochs:
        raise SystemExit(f"{name}: no epoch finished within {args.minutes} minutes; raise --minutes")
    best = min(epochs, key=lambda line: line["dev_perplexity"])
    test = evaluate_checkpoint(out, folder / FILES["test"], format="text")
    return {
        "model": name,
        "softmax": args.softmax,
        "test_perplexity": test["perplexity"],
        "best_dev_perplexity": best["dev_perplexity"],
        "best_epoch": best["epoch"],
        "epochs": len(epochs),
        "seconds_per_epoch": sum(line["seconds"] for line in epochs) / len(epochs),
        "minutes": trained / 60,
        "stopped_by_budget": stopped,
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the folder holding ptb.train.txt, ptb.valid.txt, ptb.test.txt")
    parser.add_argument("--models", default="rrnn,lstm", help="comma-separated: " + ", ".join(MODELS))
    parser.add_argument("--minutes", type=float, default=30.0, help="wall-clock budget per model (default 30)")
    parser.add_argument("--epochs", type=int, default=40, help="at most this many epochs (default 40)")
    parser.add_argument("--size", type=int, default=256, help="embedding and hidden size (default 256)")
    parser.add_argument("--dropout", type=float, default=0.2,
                        help="dropout on the embeddings, the outputs and between layers (default 0.2)")
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam learning rate (default 0.002)")
    parser.add_argument("--clip", type=float, default=None, help="gradient-norm clipping (default 0.25)")
    parser.add_argument("--batch-size", type=int, default=20, help="parallel rows of the stream (default 20)")
    parser.add_argument("--bptt", type=int, default=35, help="tokens per row and batch (default 35)")
    parser.add_argument("--softmax", choices=("adaptive", "full"), default="adaptive",
                        help="adaptive (default; untied) or full (tied to the input embeddings)")
    parser.add_argument("--cutoffs", default=None,
                        help="the adaptive softmax's head and cluster boundaries (default: 20%% and 60%% of the "
                             "vocabulary, 2000,6001 on PTB)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--out", default=None, help="folder for the runs' checkpoints (default: a temporary folder)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON lines")
    args = parser.parse_args(argv)
    try:
        args.cutoffs = None if args.cutoffs is None else [int(c) for c in args.cutoffs.split(",")]
    except ValueError:
        parser.error(f"--cutoffs: expected comma-separated integers, got {args.cutoffs!r}")
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in args.models if m not in MODELS]
    if unknown or not args.models:
        parser.error(f"--models: unknown {unknown or 'empty'}; choose from {', '.join(MODELS)}")
    return args


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    folder = Path(args.data)
    for file in FILES.values():
        if not (folder / file).is_file():
            raise SystemExit(f"no {folder / file}: give --data the folder holding the PTB files")
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="ptb-"))
    print(f"PTB language modeling; {args.minutes:g} minutes per model; size {args.size}; torch threads "
          f"{torch.get_num_threads()}; runs in {out}", flush=True)
    results = []
    for name in args.models:
        result = run(name, folder, out / name, args)
        results.append(result)
        print(f"{name:5s} test perplexity {result['test_perplexity']:.2f}  best valid {result['best_dev_perplexity']:.2f} "
              f"(epoch {result['best_epoch']})  {result['epochs']} epoch(s), {result['seconds_per_epoch']:.0f} s/epoch, "
              f"{result['minutes']:.1f} min" + ("  (budget reached)" if result["stopped_by_budget"] else ""), flush=True)
        if args.json:
            print(json.dumps(result), flush=True)
    print("\nmodel  test ppl  valid ppl  epochs  s/epoch  minutes")
    for r in results:
        print(f"{r['model']:5s}  {r['test_perplexity']:8.2f}  {r['best_dev_perplexity']:9.2f}  {r['epochs']:6d}  "
              f"{r['seconds_per_epoch']:7.0f}  {r['minutes']:7.1f}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
