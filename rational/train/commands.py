"""The ``rational train``, ``rational evaluate`` and ``rational synthetic`` commands.

Each command is a pair of functions registered in :data:`rational.cli.COMMANDS`: one
adds its arguments, one runs it and returns the exit status. torch is imported only
when a command runs, so ``rational --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rational.errors import ConfigError
from rational.train.sparsity import commands as sparsity_commands

__all__ = ["add_evaluate", "add_synthetic", "add_train", "run_evaluate", "run_synthetic", "run_train"]

_FORMATS = ("auto", "lines", "tsv", "csv", "sst-trees", "text")

# (flag, TrainerConfig field, type, help); every default is None: unset options keep the library default
_TRAINING_OPTIONS = [
    ("--epochs", "epochs", int, "passes over the training data (default 10)"),
    ("--batch-size", "batch_size", int, "texts per batch; language modeling: parallel rows (default 32)"),
    ("--eval-batch-size", "eval_batch_size", int, "batch size for evaluation (default: --batch-size)"),
    ("--lr", "lr", float, "Adam learning rate (default 0.001)"),
    ("--weight-decay", "weight_decay", float, "Adam L2 penalty (default 0)"),
    ("--clip", "clip", float, "gradient-norm clipping; 0 for none (default 5)"),
    ("--word-dropout", "word_dropout", float, "probability of replacing a training token by <unk> (default 0)"),
    ("--patience", "patience", int, "stop after this many epochs without a better dev metric (default: never)"),
    ("--schedule", "schedule", str, "learning-rate schedule: constant, linear or plateau (default constant)"),
    ("--lr-decay", "lr_decay", float, "factor of the plateau schedule (default 0.5)"),
    ("--bptt", "bptt", int, "language modeling: tokens per row and batch (default 35)"),
    ("--seed", "seed", int, "random seed (default 0)"),
    ("--checkpoint-every", "checkpoint_every", int, "also save the training state every N steps (default: each epoch)"),
    ("--device", "device", str, "cpu, cuda or cuda:N (default cpu)"),
]
_DATA_OPTIONS = ["format", "phrases", "fine_grained", "tokenizer", "lowercase", "min_count", "max_vocab", "vectors",
                 "freeze_vectors"]
_MODEL_OPTIONS = ["embedding_dim", "hidden_size", "layers", "bidirectional", "pooling", "dropout", "mlp_hidden",
                  "tie_embeddings", "softmax", "cutoffs", "option"]


def add_train(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``rational train``."""
    parser.epilog = (
        "examples:\n"
        "  rational train --model lstm --train train.txt --dev dev.txt --test test.txt --out runs/lstm\n"
        "  rational train --model lstm --train sst_trees/train.txt --phrases --lowercase \\\n"
        "      --dev sst2/stsa.binary.dev --out runs/sst --epochs 3\n"
        "  rational train --model sopa --option pattern_lengths=5:50,4:50,3:50,2:50 --mlp-hidden 25 \\\n"
        "      --train train.txt --dev dev.txt --out runs/sopa\n"
        "  rational train --model rrnn --option n=2 --hidden-size 256 --layers 2 --task lm \\\n"
        "      --train ptb.train.txt --dev ptb.valid.txt --out runs/lm\n"
        "  rational train --resume --out runs/lstm      # continue an interrupted run"
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    what = parser.add_argument_group("what to train")
    what.add_argument("--model", help="model name: sopa, rrnn, qrnn, sru, cnn, lstm, gru, elman, or another registered model")
    what.add_argument("--task", choices=("classify", "lm"), default=None, help="classify (default) or lm")
    what.add_argument("--out", required=True, help="output folder: checkpoint, metrics, training state")
    what.add_argument("--resume", action="store_true", help="continue the interrupted run in --out (other settings come from its config.json)")
    data = parser.add_argument_group("data")
    data.add_argument("--train", help="training file")
    data.add_argument("--dev", help="dev file (model selection and early stopping)")
    data.add_argument("--test", help="test file, evaluated with the best weights at the end")
    data.add_argument("--format", choices=_FORMATS, default=None, help="data format (default: auto-detected per file)")
    data.add_argument("--phrases", action="store_true", help="SST trees: train on every labelled phrase")
    data.add_argument("--fine-grained", action="store_true", help="SST trees: five classes instead of binary")
    data.add_argument("--tokenizer", choices=("whitespace", "simple"), default=None, help="whitespace (default) or simple (splits punctuation)")
    data.add_argument("--lowercase", action="store_true", help="lower-case all text")
    data.add_argument("--min-count", type=int, default=None, help="fewest occurrences for a token to get an id (default 1)")
    data.add_argument("--max-vocab", type=int, default=None, help="keep at most this many tokens")
    data.add_argument("--vectors", default=None, help="GloVe/word2vec text file to initialize embeddings")
    data.add_argument("--freeze-vectors", action="store_true", help="keep the embeddings fixed")
    model = parser.add_argument_group("model")
    model.add_argument("--embedding-dim", type=int, default=None, help="embedding dimension (default 100, or the vectors')")
    model.add_argument("--hidden-size", type=int, default=None, help="hidden units (model option hidden_size)")
    model.add_argument("--layers", type=int, default=None, help="stacked layers (model option layers)")
    model.add_argument("--bidirectional", action="store_true", help="read both ways (classification only)")
    model.add_argument("--pooling", default=None, help="how per-position outputs become one vector: last, max, mean")
    model.add_argument("--dropout", type=float, default=None, help="dropout in the head, and in the model if it takes one")
    model.add_argument("--mlp-hidden", type=int, default=None, help="classify with a ReLU MLP of this many hidden units")
    model.add_argument("--tie-embeddings", action="store_true", help="language modeling: tie output and input embeddings")
    model.add_argument("--softmax", choices=("full", "adaptive"), default=None,
                       help="language modeling: full (default) or adaptive (faster on large vocabularies)")
    model.add_argument("--cutoffs", type=_int_list, default=None, metavar="I,J,...",
                       help="language modeling: the adaptive softmax's cluster boundaries (default: 20%%,60%% of the vocabulary)")
    model.add_argument("--option", action="append", default=None, metavar="KEY=VALUE",
                       help="any other model option; VALUE is JSON or a string (repeatable)")
    training = parser.add_argument_group("training")
    for flag, _, kind, help_text in _TRAINING_OPTIONS:
        training.add_argument(flag, type=kind, default=None, help=help_text)
    sparsity_commands.add_train_options(parser)
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads for torch (default: torch's choice; 1 is often fastest for small models)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or log lines")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _int_list(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def _set_threads(threads: int | None) -> None:
    if threads is None:
        return
    if threads < 1:
        raise ConfigError(f"--threads must be at least 1, got {threads}")
    import torch

    torch.set_num_threads(threads)


def _given(args: argparse.Namespace, names: list[str]) -> dict[str, Any]:
    return {name: getattr(args, name) for name in names if getattr(args, name) not in (None, False)}


def _model_options(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """(encoder options, head settings) from the command line."""
    from rational.models.registry import encoder_options

    encoder = _given(args, ["hidden_size", "layers", "bidirectional", "pooling"])
    for item in args.option or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--option expects KEY=VALUE, got {item!r}")
        try:
            encoder[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            encoder[key.strip()] = value
    head: dict[str, Any] = {"mlp_hidden": args.mlp_hidden, "tie_embeddings": args.tie_embeddings}
    if args.softmax is not None:
        head["softmax"] = args.softmax
    if args.cutoffs is not None:
        head["cutoffs"] = args.cutoffs
    if args.dropout is not None:
        head["dropout"] = args.dropout
        if "dropout" in encoder_options(args.model):
            encoder.setdefault("dropout", args.dropout)
    return encoder, head


def run_train(args: argparse.Namespace) -> int:
    """Run ``rational train``."""
    from rational.train.pipeline import DataConfig, resume, train
    from rational.train.trainer import TrainerConfig

    _set_threads(args.threads)
    if args.resume:
        given = _given(args, ["model", "task", "train", "dev", "test", *_DATA_OPTIONS, *_MODEL_OPTIONS])
        given.update({flag: True for flag, name, _, _ in _TRAINING_OPTIONS if getattr(args, name) is not None})
        given.update({flag: True for flag in sparsity_commands.sparsity_given(args)})
        if given:
            names = ", ".join("--" + name.lstrip("-").replace("_", "-") for name in given)
            raise ConfigError(f"with --resume every setting comes from {args.out}/config.json; drop {names}")
        try:
            result = resume(args.out, quiet=args.quiet or args.json or None, **sparsity_commands.resume_hooks(args.out))
        except KeyboardInterrupt:
            return _interrupted(args.out)
    else:
        for name in ("model", "train", "dev"):
            if getattr(args, name) is None:
                raise ConfigError(f"--{name} is required (or --resume to continue a run)")
        for name in ("train", "dev", "test", "vectors"):
            path = getattr(args, name)
            if path is not None and not Path(path).is_file():
                raise FileNotFoundError(f"no such file: {path} (--{name})")
        data = DataConfig(
            train=args.train,
            dev=args.dev,
            test=args.test,
            **{k: v for k, v in _given(args, _DATA_OPTIONS).items()},
        )
        settings = {name: getattr(args, name) for _, name, _, _ in _TRAINING_OPTIONS if getattr(args, name) is not None}
        if settings.get("clip") == 0:
            settings["clip"] = None
        training = TrainerConfig(**settings, quiet=args.quiet)
        encoder, head = _model_options(args)

        def run(out: Any, **hooks: Any) -> Any:
            return train(
                out,
                data=data,
                task=args.task or "classify",
                model=args.model,
                model_options=encoder,
                embedding_dim=args.embedding_dim,
                training=training,
                **head,
                **hooks,
            )

        log = (lambda line: print(line, file=sys.stderr)) if not args.quiet else (lambda line: None)
        try:
            result = sparsity_commands.train_or_search(args, run, log)
        except KeyboardInterrupt:
            return _interrupted(args.out)
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print(_describe(result))
    return 0


def _interrupted(out: str) -> int:
    print(f"rational train: interrupted; continue with: rational train --resume --out {out}", file=sys.stderr)
    return 130


def _describe(result: Any) -> str:
    parts = []
    if result.best_dev is not None:
        parts.append(f"best dev {result.metric} {result.best_dev:.4f} (epoch {result.best_epoch})")
    if result.test:
        parts.append(f"test {result.metric} {result.test[result.metric]:.4f}")
    parts.append(f"{result.epochs} epoch(s), {result.seconds:.1f}s")
    return "; ".join(parts) + f"\ncheckpoint: {result.out}"


def add_evaluate(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``rational evaluate``."""
    parser.add_argument("--checkpoint", required=True, help="a folder written by rational train")
    parser.add_argument("--data", required=True, help="the data file to evaluate on")
    parser.add_argument("--format", choices=_FORMATS, default="auto", help="data format (default: auto-detected)")
    parser.add_argument("--batch-size", type=int, default=None, help="evaluation batch size")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default cpu)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")


def run_evaluate(args: argparse.Namespace) -> int:
    """Run ``rational evaluate``."""
    from rational.train.checkpoint import evaluate_checkpoint

    _set_threads(args.threads)
    result = evaluate_checkpoint(args.checkpoint, args.data, args.format, args.batch_size, args.device)
    if args.json:
        print(json.dumps(result))
    elif "accuracy" in result:
        print(f"accuracy {result['accuracy']:.4f} on {result['examples']:,} examples (loss {result['loss']:.4f})")
    else:
        print(f"perplexity {result['perplexity']:.2f} on {result['tokens']:,} tokens (loss {result['loss']:.4f})")
    return 0


def add_synthetic(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``rational synthetic``."""
    parser.add_argument("--task", choices=("classify", "lm"), default="classify",
                        help="classify: sentiment with negation; lm: a small grammar (default classify)")
    parser.add_argument("--out", required=True, help="folder for train.txt, dev.txt (lm: valid.txt) and test.txt")
    parser.add_argument("--train", type=int, default=2000, help="training sentences (default 2000)")
    parser.add_argument("--dev", type=int, default=300, help="dev sentences (default 300)")
    parser.add_argument("--test", type=int, default=300, help="test sentences (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print the paths as JSON")


def run_synthetic(args: argparse.Namespace) -> int:
    """Run ``rational synthetic``."""
    from rational.train.synthetic import write_language_corpus, write_sentiment_splits

    for name in ("train", "dev", "test"):
        if getattr(args, name) < 1:
            raise ConfigError(f"--{name} must be at least 1, got {getattr(args, name)}")
    if args.task == "classify":
        paths = write_sentiment_splits(args.out, args.train, args.dev, args.test, args.seed)
    else:
        paths = write_language_corpus(args.out, args.train, args.dev, args.test, args.seed)
    if args.json:
        print(json.dumps({split: str(path) for split, path in paths.items()}))
    else:
        for split, path in paths.items():
            print(f"{split}: {path}")
    return 0
