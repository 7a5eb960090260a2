"""The capacity-hierarchy table: architectures trained on formal languages, beside the theory.

Languages: parity, Tomita 3/5/7, a^n b^n, a^n b^n Σ*, Dyck-1, Dyck-2. Architectures:
Elman, GRU, LSTM, QRNN (tied gates, ``qrnn``; separate input gate as in Merrill et al.
2020, ``qrnn-ifo``), rational RNN (unigram, bigram), SoPa, and the compiled automaton
of each regular language as a check of the pipeline (it must score 1.00). Models
whose encoder is not registered yet are skipped and listed.

Prints:

1. the table (best test accuracy over seeds × learning rates, mean ± std, the
   expected outcome, ✗ where they disagree) and how many cells agree with the theory;
2. the LSTM and the QRNNs on a^n b^n and a^n b^n Σ*, also at length ``--probe-length``
   (default 2048), beside Merrill et al. (2020)'s report for a^n b^n Σ* at length
   2048: the LSTM about 89%, the QRNN at the majority baseline.

Budget (every option is explicit; defaults are the full run):

    --steps 1000             optimizer steps per run (at most; early stop after 3 perfect validations)
    --seeds 0,1,2            seeds
    --lrs 0.01,0.003         Adam learning rates
    --train-max-length 40    train on lengths 1..40
    --test-max-length 500    test on 41..500
    --bin-width 50           in bins of 50 lengths
    --test-per-bin 64        strings per bin
    --probe-length 2048      the Merrill et al. comparison also tests at this length
    --jobs N                 worker processes (default: all cores)

    --objective membership   or next-symbol (counting shows better there: it is needed at
                             every position, while a membership near miss may break the shape)

Full run (8 languages × 8 trained architectures × 6 seed-lr pairs + 4 automata = 388
runs; one run took 8-16 s on a shared core, so about half an hour on 2 cores):

    python benchmarks/hierarchy.py --out bench-hierarchy

A reduced run to check that it works (about 3 minutes on 2 shared cores):

    python benchmarks/hierarchy.py --out /tmp/bench-hierarchy-small --steps 200 --seeds 0 --lrs 0.01 \\
        --train-max-length 20 --test-max-length 100 --bin-width 20 --test-per-bin 32 --probe-length 400

Runs are saved under ``--out/runs``: an interrupted benchmark resumes where it stopped.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from rational.hierarchy.harness import Budget, SweepConfig, load_model, probe, run_sweep
from rational.hierarchy.recognizers import MODELS, get_model
from rational.hierarchy.report import agreement, write_report

LANGUAGES = ["parity", "tomita-3", "tomita-5", "tomita-7", "anbn", "anbn-sigma-star", "dyck-1", "dyck-2"]
MODEL_NAMES = ["elman", "gru", "lstm", "qrnn", "qrnn-ifo", "rrnn-unigram", "rrnn-bigram", "sopa", "wfsa"]
#: Merrill et al. (2020) on a^n b^n Σ* at length 2048, as the comparison states it
MERRILL = {("lstm", "anbn-sigma-star"): "≈ 0.89", ("qrnn-ifo", "anbn-sigma-star"): "majority baseline"}
COMPARED_MODELS = ["lstm", "qrnn-ifo", "qrnn"]
COMPARED_LANGUAGES = ["anbn", "anbn-sigma-star"]


def numbers(text: str, kind: type) -> tuple:
    return tuple(kind(part) for part in text.split(",") if part.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench-hierarchy", help="output folder (runs are resumed from it)")
    parser.add_argument("--objective", default="membership", choices=["membership", "next-symbol"])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--lrs", default="0.01,0.003")
    parser.add_argument("--train-max-length", type=int, default=40)
    parser.add_argument("--test-max-length", type=int, default=500)
    parser.add_argument("--bin-width", type=int, default=50)
    parser.add_argument("--test-per-bin", type=int, default=64)
    parser.add_argument("--probe-length", type=int, default=2048)
    parser.add_argument("--probe-strings", type=int, default=64, help="strings at the probe length")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--models", default=",".join(MODEL_NAMES))
    args = parser.parse_args(argv)

    wanted = [m.strip() for m in args.models.split(",") if m.strip()]
    models = [m for m in wanted if get_model(m).registered()]
    missing = [m for m in wanted if m not in models]
    budget = Budget(
        train_max_length=args.train_max_length,
        test_max_length=args.test_max_length,
        bin_width=args.bin_width,
        test_per_bin=args.test_per_bin,
        steps=args.steps,
    )
    languages = [name.strip() for name in args.languages.split(",") if name.strip()]
    config = SweepConfig(languages, models, args.objective, numbers(args.seeds, int), numbers(args.lrs, float), budget)
    print(f"budget: {budget}")
    print(f"seeds {list(config.seeds)}, learning rates {list(config.lrs)}, objective {config.objective}")
    if missing:
        print(f"not registered yet, skipped: {', '.join(missing)}")
    sweep = run_sweep(config, args.out, jobs=args.jobs)
    files = write_report(sweep.results, args.out, settings=config.to_dict())
    agree, decided = agreement(files.cells)
    print()
    print(files.table_markdown.read_text())
    print(f"{agree}/{decided} cells with a yes/no expectation agree with the theory")
    automata = [c.best for c in files.cells if c.model == "wfsa"]
    if automata:
        print(f"compiled automata (pipeline check): min accuracy {min(automata):.2f} over {len(automata)} languages")
    print(f"{len(sweep.ran)} runs made, {len(sweep.skipped)} reused, {sweep.seconds:.0f}s; report: {files.index}")

    print()
    print(f"Merrill et al. (2020) comparison ({config.objective}; probe: {args.probe_strings} strings of length "
          f"{args.probe_length}, every run of the cell)")
    print("| model | language | best test (all bins) | longest bin | length "
          f"{args.probe_length}: best (mean) | majority | Merrill et al. 2020 at 2048 |")
    print("|---|---|---|---|---|---|---|")
    cells = {(c.language, c.model): c for c in files.cells}
    for model in COMPARED_MODELS:
        for language in COMPARED_LANGUAGES:
            cell = cells.get((language, model))
            if cell is None:
                continue
            runs = [r for r in sweep.results if r["model"] == model and r["language"] == language]
            probes = [probe(load_model(args.out, r), language, config.objective, [args.probe_length],
                            args.probe_strings) for r in runs]
            scores = [p[0]["accuracy"] for p in probes if p]
            majority = probes[0][0]["majority"] if probes and probes[0] else float("nan")
            at_length = f"{max(scores):.2f} ({np.mean(scores):.2f})" if scores else "no strings"
            print(f"| {MODELS[model].title} | {language} | {cell.best:.2f} | {cell.bins[-1]['best']:.2f} | "
                  f"{at_length} | {majority:.2f} | {MERRILL.get((model, language), '—')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
