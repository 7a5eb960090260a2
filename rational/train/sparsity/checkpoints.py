"""Pruning a saved checkpoint folder into a new, smaller one (what ``rational prune`` runs).

The new folder is a checkpoint like any other (``rational evaluate`` reads it): its
``config.json`` holds the pruned model's options and a ``pruning`` entry (the source
folder, the threshold, the sizes before and after), ``model.pt`` the pruned weights,
and ``pruning.json`` the report: sizes, and the dev and test metrics of the trained
model, of the pruned one, and after fine-tuning.

Examples:
    >>> import tempfile
    >>> from rational.train.pipeline import DataConfig, train
    >>> from rational.train.synthetic import write_sentiment_splits
    >>> from rational.train.trainer import TrainerConfig
    >>> folder = tempfile.mkdtemp()
    >>> paths = write_sentiment_splits(folder, train=40, dev=20, test=20)
    >>> data = DataConfig(train=str(paths["train"]), dev=str(paths["dev"]))
    >>> _ = train(folder + "/run", data=data, model="rrnn", model_options={"n": 3, "hidden_size": 4},
    ...           embedding_dim=4, training=TrainerConfig(epochs=1, quiet=True))
    >>> report = prune_checkpoint(folder + "/run", 0.0, folder + "/pruned")   # 0: only zero groups go
    >>> report["states_before"], report["states_after"], sorted(report["metrics"])
    (12, 12, ['pruned', 'trained'])
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from rational.errors import ConfigError
from rational.train.checkpoint import VOCAB_FILE, load_checkpoint, read_config, write_config
from rational.train.sparsity.pruning import prune
from rational.train.sparsity.workflow import evaluate, fine_tune
from rational.train.tasks import get_task
from rational.train.trainer import MODEL_FILE, STATE_FILE, TrainerConfig

__all__ = ["REPORT_FILE", "prune_checkpoint"]

REPORT_FILE = "pruning.json"


def _splits(config: dict[str, Any], task, vocab, labels) -> dict[str, Any]:
    from rational.train.pipeline import _data_config  # the data settings a run stored

    data = _data_config(config)
    splits = {}
    for split in ("train", "dev", "test"):
        path = getattr(data, split)
        if path:
            if not Path(path).is_file():
                raise FileNotFoundError(f"{path} (the {split} file of the checkpoint) no longer exists")
            examples = data.read(path, config["task"], phrases=split == "train" and data.phrases)
            splits[split] = task.encode(examples, vocab, labels)
    return splits


def prune_checkpoint(
    checkpoint: str | Path,
    threshold: float,
    out: str | Path,
    *,
    fine_tune_epochs: int = 0,
    lr: float | None = None,
    quiet: bool = True,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Prune the model of a checkpoint folder and save it as a new checkpoint folder.

    Args:
        checkpoint: a folder written by ``rational train``.
        threshold: states whose group norm is not above it are removed (with every
            state after them in their chain).
        out: the new folder (created; it must not hold a checkpoint already).
        fine_tune_epochs: then train the pruned model this many epochs without the
            penalty, on the checkpoint's training data, keeping the best dev epoch.
        lr: the fine-tuning learning rate (default: the original run's).
        quiet: no progress bars while fine-tuning.
        log: where progress lines go.

    Returns:
        The report written to ``out/pruning.json``: sizes before and after, and the
        metrics of each stage on the dev and test files of the run.

    Raises:
        FileNotFoundError: for a missing checkpoint or data file.
        ConfigError: when ``out`` holds a checkpoint or is the source, when pruning
            would remove every state, or for a model prune does not know.
    """
    started = time.perf_counter()
    source, out = Path(checkpoint), Path(out)
    if out.resolve() == source.resolve():
        raise ConfigError(f"--out must be a new folder, not the checkpoint itself ({source})")
    if (out / MODEL_FILE).exists() or (out / STATE_FILE).exists():
        raise ConfigError(f"{out} already holds a checkpoint; choose another output folder")
    if isinstance(fine_tune_epochs, bool) or not isinstance(fine_tune_epochs, int) or fine_tune_epochs < 0:
        raise ConfigError(f"the fine-tuning epochs must be an integer >= 0, got {fine_tune_epochs!r}")
    say = log or (lambda line: None)
    loaded = load_checkpoint(source)
    config = read_config(source)
    training = TrainerConfig.from_dict(config["training"])
    task = get_task(config["task"], training.bptt)
    splits = _splits(config, task, loaded.vocab, loaded.labels)
    batch_size = training.eval_batch_size or training.batch_size
    measured = {name: data for name, data in splits.items() if name in ("dev", "test")}

    def measure(model) -> dict[str, dict[str, float]]:
        return {name: evaluate(model, task, data, batch_size) for name, data in measured.items()}

    metrics = {"trained": measure(loaded.model)}
    result = prune(loaded.model, threshold)
    say(f"pruned {source}: {result.states_after}/{result.states_before} states, "
        f"{result.automata_after}/{result.automata_before} automata, "
        f"{result.parameters_after:,}/{result.parameters_before:,} parameters")
    metrics["pruned"] = measure(result.model)
    pruned_config = {key: value for key, value in config.items() if key not in ("format", "version")}
    pruned_config["model"] = {**config["model"], "encoder_options": result.encoder_options}
    pruned_config["pruning"] = {"source": str(source.resolve()), "threshold": threshold,
                                **{k: v for k, v in result.summary().items() if k != "lengths"}}
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / VOCAB_FILE, out / VOCAB_FILE)
    torch.save(result.model.state_dict(), out / MODEL_FILE)
    if fine_tune_epochs:
        tuning = replace(training, epochs=fine_tune_epochs, quiet=quiet, checkpoint_every=None,
                         **({} if lr is None else {"lr": lr}))
        pruned_config["training"] = tuning.to_dict()
        write_config(out, pruned_config)
        fine_tune(result.model, task, splits["train"], splits.get("dev"), tuning, out=str(out), log=log)
        metrics["fine-tuned"] = measure(result.model)
    else:
        write_config(out, pruned_config)
    report = {
        "source": str(source),
        "out": str(out),
        "threshold": threshold,
        **result.summary(),
        "metric": task.metric,
        "metrics": metrics,
        "seconds": round(time.perf_counter() - started, 3),
    }
    (out / REPORT_FILE).write_text(json.dumps(report, indent=2) + "\n")
    return report
