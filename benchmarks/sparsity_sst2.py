"""Learning smaller automata on SST-2: a 4-gram rational RNN of 24 units, a λ sweep.

For every group-lasso strength λ (0: no penalty) the script trains the model of
Dodge et al. (2019)'s example, a rational RNN whose 24 units are 4-gram automata
(96 states), with the penalty ``λ Σ ‖g‖₂`` over its states' parameter groups (the
weights of the last epoch are kept: the sparsest), prunes it at ``--threshold``,
fine-tunes the pruned model without the penalty (keeping its best dev epoch), and
prints for each stage the states, the parameters (all, and the encoder's), and the
dev and test accuracy. Then it times the forward pass of the full model (λ = 0) and
of every pruned one over the test set in batches of ``--eval-batch`` (evaluation
mode, no gradients), the models taking turns in each of ``--repeats`` rounds, and
prints the best time per batch of each and its ratio to the full model's.

Target: a pruned model with at most 25% of the states (24) within 2 accuracy points
of the unregularized model (λ = 0 after the same training and fine-tuning), and
faster (the ratio of the forward times is printed). The last lines say whether the
run met it.

With ``--warm-start`` the penalized runs start from the trained unregularized model
(λ = 0 runs first) instead of from the same random initialization: the penalty then
removes states from a model that already reads the data, rather than learning the
words and the sparsity at once. Each penalized model then has had the baseline's
training, its own penalized epochs and fine-tuning; so that more training alone does
not pass for sparsity's merit, a control (``λ = 0, continued``) trains the
unregularized model as long, and the target compares with the better of the two
unregularized models.

Data: ``sst2/stsa.binary.{train,dev,test}`` (6,920 / 872 / 1,821 sentences); word
embeddings are trained from scratch (no pretrained vectors in the data folder).

Run: ``python benchmarks/sparsity_sst2.py --data ../shared/data/sst2 [--minutes 40]
[--lambdas 0,0.002,0.005,0.01,0.02] [--threads 1] [--warm-start]``. ``--minutes`` is the budget of the
whole sweep, split evenly between the λ values (three quarters training, one quarter
fine-tuning); an epoch that would not finish in its share is not started.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

from rational.models import RationalRNN, TextClassifier
from rational.train.budget import BudgetExhausted, TimeBudget
from rational.train.data import read_examples
from rational.train.sparsity import GroupLasso, count_parameters, count_states, prune
from rational.train.sparsity.workflow import evaluate
from rational.train.tasks import get_task
from rational.train.trainer import MODEL_FILE, Trainer, TrainerConfig
from rational.train.vocab import Tokenizer, Vocabulary


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def load(folder: Path):
    """Encoded train, dev and test splits and the vocabulary."""
    task = get_task("classify")
    tokenizer = Tokenizer("whitespace", lowercase=True)
    splits = {}
    for split in ("train", "dev", "test"):
        path = folder / f"stsa.binary.{split}"
        if not path.is_file():
            raise SystemExit(f"missing {path}: pass --data with the sst2 folder")
        splits[split] = read_examples(path, "classify", "lines", tokenizer)
    vocab = Vocabulary.build(e.tokens for e in splits["train"])
    encoded = {split: task.encode(examples, vocab, labels=["0", "1"]) for split, examples in splits.items()}
    return task, vocab, encoded


def fit(model, task, train, dev, config: TrainerConfig, seconds: float, regularizers=()) -> int:
    """Train within ``seconds``; the kept weights are the best dev epoch's (or the last
    epoch's without dev data). Returns the epochs finished."""
    with tempfile.TemporaryDirectory() as folder:
        trainer = Trainer(model, task, train, dev, config, folder, list(regularizers), [TimeBudget(seconds)])
        try:
            result = trainer.fit()
            return result.epochs
        except BudgetExhausted as stop:
            weights = Path(folder) / MODEL_FILE
            if weights.is_file():
                model.load_state_dict(torch.load(weights, weights_only=True))
            return stop.epochs_done


def forward_ms(models: dict, batches, repeats: int) -> dict:
    """Milliseconds per batch of each model's forward pass over ``batches``, the best
    of ``repeats`` passes; the models take turns within each round, so that changing
    load on a shared machine reaches them all alike."""
    best = dict.fromkeys(models, float("inf"))
    with torch.no_grad():
        for model in models.values():
            model.eval()
            for batch in batches[:2]:
                model(batch.tokens, batch.mask)  # warm-up
        for _ in range(repeats):
            for name, model in models.items():
                begin = time.perf_counter()
                for batch in batches:
                    model(batch.tokens, batch.mask)
                best[name] = min(best[name], time.perf_counter() - begin)
    return {name: 1e3 * seconds / len(batches) for name, seconds in best.items()}


def encoder_parameters(model) -> int:
    return count_parameters(model.encoder)


def stage_line(name: str, model, states: int, dev: float, test: float) -> dict:
    return {"stage": name, "states": states, "parameters": count_parameters(model),
            "encoder_parameters": encoder_parameters(model), "dev": round(dev, 4), "test": round(test, 4)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the sst2 folder (stsa.binary.{train,dev,test})")
    parser.add_argument("--minutes", type=float, default=40.0, help="budget of the whole sweep (default 40)")
    parser.add_argument("--lambdas", default="0,0.002,0.005,0.01,0.02", help="the λ values (0: no penalty)")
    parser.add_argument("--epochs", type=int, default=8, help="most training epochs per λ (default 8)")
    parser.add_argument("--fine-tune", type=int, default=4, help="most fine-tuning epochs (default 4)")
    parser.add_argument("--threshold", type=float, default=0.1, help="pruning threshold on group norms (default 0.1)")
    parser.add_argument("--embedding-dim", type=int, default=100, help="word embedding size (default 100)")
    parser.add_argument("--units", type=int, default=24, help="automata (default 24)")
    parser.add_argument("--order", type=int, default=4, help="states per automaton (default 4: 4-gram)")
    parser.add_argument("--pooling", default="mean", help="document vector from the outputs: last, max, mean (default mean)")
    parser.add_argument("--output-gate", action="store_true", help="gate the cell values (slower to train here)")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (default 0.003)")
    parser.add_argument("--batch-size", type=int, default=32, help="training batch size (default 32)")
    parser.add_argument("--eval-batch", type=int, default=64, help="batch size of the timed forward passes (default 64)")
    parser.add_argument("--repeats", type=int, default=7, help="timed passes per model (default 7)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--warm-start", action="store_true",
                        help="start the penalized runs from the trained unregularized model (λ = 0 runs first)")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    lambdas = [float(v) for v in args.lambdas.split(",") if v.strip()]
    if args.warm_start:
        if 0.0 not in lambdas:
            parser.error("--warm-start starts from the unregularized model: include 0 in --lambdas")
        # the control: the unregularized model trained as long as the penalized ones
        lambdas = [0.0, 0.0] + [v for v in lambdas if v != 0.0]
    task, vocab, data = load(Path(args.data))
    log(f"SST-2: {len(data['train'])} / {len(data['dev'])} / {len(data['test'])} sentences, vocabulary {len(vocab):,}")
    share = 60.0 * args.minutes / len(lambdas)
    training = TrainerConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed, quiet=True)
    tuning = TrainerConfig(epochs=args.fine_tune, batch_size=args.batch_size, lr=args.lr / 3, seed=args.seed, quiet=True)
    timed = task.eval_batches(data["test"], args.eval_batch)

    def accuracy(model, split: str) -> float:
        return evaluate(model, task, data[split], args.eval_batch)["accuracy"]

    def build() -> TextClassifier:
        encoder = RationalRNN(args.embedding_dim, n=args.order, hidden_size=args.units, pooling=args.pooling,
                              output_gate=args.output_gate)
        return TextClassifier(encoder, num_classes=2, vocab_size=len(vocab), dropout=0.3)

    torch.manual_seed(args.seed)
    initial = build()
    results, timed_models = [], {}
    start_from = initial.state_dict()
    for position, strength in enumerate(lambdas):
        continued = args.warm_start and position == 1
        key = "0 continued" if continued else strength
        started = time.perf_counter()
        model = build()
        model.load_state_dict(start_from)
        penalty = [GroupLasso(strength)] if strength > 0 else []
        epochs = fit(model, task, data["train"], None, training, 0.75 * share, penalty)
        row = {"lambda": strength, "key": key, "epochs": epochs, "stages": []}
        row["stages"].append(stage_line("trained", model, count_states(model), accuracy(model, "dev"),
                                        accuracy(model, "test")))
        if strength == 0 and not continued:
            timed_models["full"] = model
            if args.warm_start:
                start_from = {name: value.clone() for name, value in model.state_dict().items()}
        try:
            pruning = prune(model, args.threshold)
        except Exception as error:  # everything pruned: report it and go on
            log(f"λ = {key}: {error}")
            row["pruned"] = str(error)
            results.append(row)
            continue
        pruned = pruning.model
        row["lengths"] = pruning.lengths[0]
        row["stages"].append(stage_line("pruned", pruned, pruning.states_after, accuracy(pruned, "dev"),
                                        accuracy(pruned, "test")))
        left = max(share - (time.perf_counter() - started), 1.0)
        row["fine_tune_epochs"] = fit(pruned, task, data["train"], data["dev"], tuning, left)
        row["stages"].append(stage_line("fine-tuned", pruned, pruning.states_after, accuracy(pruned, "dev"),
                                        accuracy(pruned, "test")))
        row["seconds"] = round(time.perf_counter() - started, 1)
        timed_models[key] = pruned
        results.append(row)
        log(f"λ = {key} done in {row['seconds']:.0f} s: {pruning.states_after}/{pruning.states_before} states")
    log(f"timing the forward passes of {len(timed_models)} models ({args.repeats} rounds)")
    times = forward_ms(timed_models, timed, args.repeats)
    for row in results:
        row["forward_ms"] = round(times[row["key"]], 3) if row["key"] in times else None
    full_ms = times.get("full")
    report(results, args, full_ms)
    if args.json:
        Path(args.json).write_text(json.dumps({"full_forward_ms": full_ms, "runs": results}, indent=2) + "\n")
    return 0


def label(row: dict) -> str:
    return "0 cont." if row["key"] == "0 continued" else f"{row['lambda']:g}"


def report(results: list[dict], args: argparse.Namespace, full_ms: float | None) -> None:
    total = args.units * args.order
    print(f"rational RNN, {args.units} units of order {args.order} ({total} states), embeddings {args.embedding_dim}, "
          f"threshold {args.threshold}" + ("; penalized runs start from the trained λ = 0 model" if args.warm_start else ""))
    print(f"{'λ':>7} {'epochs':>6} {'stage':>10} {'states':>6} {'params':>9} {'encoder':>7} {'dev':>6} {'test':>6}")
    for row in results:
        for stage in row["stages"]:
            epochs = row["epochs"] if stage["stage"] == "trained" else row.get("fine_tune_epochs", "")
            print(f"{label(row):>7} {epochs!s:>6} {stage['stage']:>10} {stage['states']:>6} "
                  f"{stage['parameters']:>9,} {stage['encoder_parameters']:>7,} {stage['dev']:>6.4f} {stage['test']:>6.4f}")
        if "lengths" in row:
            print(f"{'':>7} states per unit: {row['lengths']}")
        if "pruned" in row:
            print(f"{label(row):>7} pruning removed every state")
    print(f"forward time per batch of {args.eval_batch} sentences (the test set, {args.threads} thread(s), best of "
          f"{args.repeats} interleaved passes): full model (λ = 0, trained, 96 states) "
          + ("-" if full_ms is None else f"{full_ms:.3f} ms"))
    for row in results:
        if row.get("forward_ms") is not None and full_ms is not None:
            print(f"  λ = {label(row)}, pruned to {row['stages'][-1]['states']} states: {row['forward_ms']:.3f} ms, "
                  f"{full_ms / row['forward_ms']:.2f}x the full model's speed")
    baselines = [r for r in results if r["lambda"] == 0 and len(r["stages"]) == 3]
    if not baselines or full_ms is None:
        print("no unregularized run (λ = 0) to compare with")
        return
    for row in baselines:
        what = "trained as long as the penalized runs" if row["key"] == "0 continued" else "after the same training and fine-tuning"
        print(f"unregularized (λ = {label(row)}, {what}): test accuracy {row['stages'][-1]['test']:.4f}")
    reference = max(row["stages"][-1]["test"] for row in baselines)
    if len(baselines) > 1:
        print(f"compared with the better of them: {reference:.4f}")
    met = False
    for row in results:
        if row["lambda"] == 0 or len(row["stages"]) < 3:
            continue
        final = row["stages"][-1]
        difference = 100 * (final["test"] - reference)
        speed = full_ms / row["forward_ms"]
        ok = final["states"] <= 0.25 * total and difference >= -2.0 and speed > 1.0
        met = met or ok
        print(f"  λ = {label(row)}: {final['states']}/{total} states ({100 * final['states'] / total:.0f}%), "
              f"test {final['test']:.4f} ({difference:+.2f} points), {speed:.2f}x faster"
              f"{'  <- meets the target' if ok else ''}")
    print("target (a pruned model with <= 25% of the states, within 2 points, faster): " + ("met" if met else "not met"))


if __name__ == "__main__":
    sys.exit(main())
