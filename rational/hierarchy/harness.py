"""Length-generalization runs: train on short strings, test on longer ones, per length bin.

One **run** trains one architecture (:data:`~rational.hierarchy.recognizers.MODELS`)
on one language with one objective, seed and learning rate:

- training strings have lengths ``1..train_max_length`` (``train_per_length`` per
  usable length, drawn with ``data_seed``, the same for every run);
- validation strings (held out, same lengths) pick the checkpoint: every
  ``eval_every`` steps the weights with the best validation accuracy are kept, and
  training stops once validation has been perfect ``patience`` times in a row;
- test strings have lengths ``train_max_length + 1 .. test_max_length``, cut into
  bins of ``bin_width`` lengths (a short remainder joins the last bin); each bin
  holds about ``test_per_bin`` strings spread over up to ``lengths_per_bin`` of its
  lengths. Every bin reports the accuracy and the accuracy of the majority-class
  baseline on the same strings.

A string counts as right when its membership is right, or (next-symbol prediction)
when every position's set of legal next symbols is predicted exactly (each symbol
by its own threshold). The majority baseline predicts the majority class
(membership; 50% by construction) or, for next symbols, the same set at every
position: each symbol's majority value over the bin's positions.

A **sweep** is every (language, model, seed, learning rate) combination. Runs go to
a process pool on the local cores (one torch thread each); every finished run
writes its trained weights (``runs/<id>.pt``, see :func:`load_model`) and then its
result (``runs/<id>.json``), where ``<id>`` includes a hash of everything that
determines the run, so an interrupted sweep resumes by skipping the runs whose
result is there, and a sweep with other settings never reuses them.
:func:`probe` tests a trained model at any other length.

Examples:
    >>> import tempfile
    >>> from rational.hierarchy.harness import Budget, SweepConfig, run_sweep
    >>> budget = Budget(train_max_length=6, test_max_length=12, bin_width=3, steps=2, test_per_bin=4)
    >>> config = SweepConfig(["parity"], ["wfsa"], budget=budget)
    >>> sweep = run_sweep(config, tempfile.mkdtemp(), jobs=1)
    >>> [(b["low"], b["high"], b["accuracy"]) for b in sweep.results[0]["bins"]]
    [(7, 9, 1.0), (10, 12, 1.0)]
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rational.errors import ConfigError
from rational.hierarchy.data import (
    OBJECTIVES,
    encode,
    membership_examples,
    next_symbol_examples,
    usable_lengths,
)
from rational.hierarchy.languages import Language, RegularLanguage, get_language
from rational.hierarchy.recognizers import AUTOMATON, available_models, get_model

__all__ = [
    "QUICK",
    "Budget",
    "Dataset",
    "Run",
    "Sweep",
    "SweepConfig",
    "bins",
    "evaluate",
    "load_model",
    "load_results",
    "make_dataset",
    "plan_runs",
    "probe",
    "run_one",
    "run_sweep",
    "bin_datasets",
    "with_budget",
]

RESULT_VERSION = 1
RUNS_FOLDER = "runs"


@dataclass(frozen=True)
class Budget:
    """What every run of a sweep gets: lengths, data, training steps and sizes.

    Attributes:
        train_max_length: train (and validate) on lengths ``1..train_max_length``.
        test_max_length: test on lengths up to this.
        bin_width: lengths per test bin.
        train_per_length: training strings per usable length.
        valid_per_length: validation strings per usable length.
        test_per_bin: test strings per bin (about; rounded up to fill its lengths evenly).
        lengths_per_bin: at most this many lengths of a bin are tested, evenly spaced.
        steps: optimizer steps (at most; see ``patience``).
        batch_size: strings per step.
        eval_every: steps between validations.
        patience: stop after this many perfect validations in a row (``0``: never stop early).
        hidden_size: the encoder's hidden size (when it takes one) and the decoder's.
        embedding_dim: the symbol embedding's dimension.
        clip: gradient-norm clipping.
        data_seed: seeds the training, validation and test strings (the run's own
            seed drives initialization and batch order).
    """

    train_max_length: int = 40
    test_max_length: int = 500
    bin_width: int = 50
    train_per_length: int = 32
    valid_per_length: int = 4
    test_per_bin: int = 64
    lengths_per_bin: int = 8
    steps: int = 1000
    batch_size: int = 32
    eval_every: int = 100
    patience: int = 3
    hidden_size: int = 16
    embedding_dim: int = 8
    clip: float = 1.0
    data_seed: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            minimum = 0 if f.name in ("patience", "data_seed") else 1
            if f.name == "clip":
                if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
                    raise ConfigError(f"budget clip must be a positive number, got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ConfigError(f"budget {f.name} must be an integer >= {minimum}, got {value!r}")
        if self.test_max_length <= self.train_max_length:
            raise ConfigError(
                f"test_max_length ({self.test_max_length}) must exceed train_max_length ({self.train_max_length}): "
                "the test lengths are the ones after training's"
            )


#: The budget of ``--quick``: short strings, few steps (see the CLI's documentation).
QUICK = Budget(
    train_max_length=20,
    test_max_length=100,
    bin_width=20,
    train_per_length=16,
    valid_per_length=4,
    test_per_bin=32,
    lengths_per_bin=4,
    steps=300,
    eval_every=50,
)


@dataclass(frozen=True)
class Run:
    """One training run: an architecture on a language, with a seed and a learning rate."""

    language: str
    model: str
    objective: str
    seed: int
    lr: float
    budget: Budget

    def to_dict(self) -> dict[str, Any]:
        """Everything that determines the run's result, JSON-ready."""
        return asdict(self)

    @property
    def run_id(self) -> str:
        """The file stem of its result: readable names and a hash of the whole run."""
        digest = hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:10]
        return f"{self.language}__{self.model}__{self.objective}__s{self.seed}__lr{self.lr:g}__{digest}"


@dataclass(frozen=True)
class SweepConfig:
    """Every (language, model, seed, learning rate) run to make.

    Attributes:
        languages: names of :data:`~rational.hierarchy.languages.LANGUAGES`.
        models: names of :data:`~rational.hierarchy.recognizers.MODELS`.
        objective: ``"membership"`` or ``"next-symbol"``.
        seeds: run seeds.
        lrs: Adam learning rates.
        budget: the per-run budget.
    """

    languages: Sequence[str]
    models: Sequence[str]
    objective: str = "membership"
    seeds: Sequence[int] = (0, 1, 2)
    lrs: Sequence[float] = (0.01, 0.003)
    budget: Budget = field(default_factory=Budget)

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ConfigError(f"unknown objective {self.objective!r}; use one of {', '.join(OBJECTIVES)}")
        if not self.languages or not self.models:
            raise ConfigError("a sweep needs at least one language and one model")
        for language in self.languages:
            get_language(language)  # raises LanguageError naming the known ones
        for model in self.models:
            get_model(model)
        if not self.seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in self.seeds):
            raise ConfigError(f"seeds must be non-negative integers (at least one), got {list(self.seeds)!r}")
        if not self.lrs or any(not isinstance(lr, (int, float)) or not lr > 0 for lr in self.lrs):
            raise ConfigError(f"learning rates must be positive numbers (at least one), got {list(self.lrs)!r}")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(languages=list(self.languages), models=list(self.models), seeds=list(self.seeds), lrs=list(self.lrs))
        return data


def plan_runs(config: SweepConfig) -> list[Run]:
    """The runs of a sweep. The compiled automaton is not trained: it runs once
    (first seed and learning rate), and only on regular languages."""
    runs = []
    for language in config.languages:
        regular = isinstance(get_language(language), RegularLanguage)
        for model in config.models:
            if model == AUTOMATON:
                if regular:
                    runs.append(Run(language, model, config.objective, config.seeds[0], config.lrs[0], config.budget))
                continue
            for seed in config.seeds:
                for lr in config.lrs:
                    runs.append(Run(language, model, config.objective, seed, float(lr), config.budget))
    return runs


# -- data -----------------------------------------------------------------------------------
@dataclass
class Dataset:
    """Token ids (symbol ``i`` is ``i + 1``), targets, and lengths of some strings.

    ``targets`` are booleans ``(N,)`` for membership, or one ``(len, symbols + 1)``
    boolean array per string for next-symbol prediction.
    """

    ids: list[np.ndarray]
    targets: Any
    lengths: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def make_dataset(language: Language, objective: str, lengths: Iterable[int], per_length: int, seed: int) -> Dataset:
    """Examples of ``objective`` at ``lengths`` (unusable ones skipped) as a :class:`Dataset`."""
    if objective == "membership":
        examples = membership_examples(language, lengths, per_length, seed)
        targets: Any = np.array([e.label for e in examples], dtype=bool)
    else:
        examples = next_symbol_examples(language, lengths, per_length, seed)
        targets = [e.targets for e in examples]
    ids = [encode(language, e.string) + 1 for e in examples]
    return Dataset(ids, targets, np.array([len(s) for s in ids], dtype=np.int64))


def bins(budget: Budget) -> list[tuple[int, int]]:
    """The test bins ``(low, high)`` (inclusive) of a budget.

    Examples:
        >>> bins(Budget(train_max_length=40, test_max_length=150, bin_width=50))
        [(41, 90), (91, 150)]
    """
    low, high, width = budget.train_max_length + 1, budget.test_max_length, budget.bin_width
    edges = list(range(low, high + 1, width))
    out = [(start, min(start + width - 1, high)) for start in edges]
    if len(out) > 1 and out[-1][1] - out[-1][0] + 1 < width / 2:
        out[-2:] = [(out[-2][0], high)]
    return out


def _bin_lengths(language: Language, objective: str, low: int, high: int, most: int) -> list[int]:
    usable = usable_lengths(language, range(low, high + 1), objective)
    if len(usable) <= most:
        return usable
    picks = np.linspace(0, len(usable) - 1, most).round().astype(int)
    return [usable[i] for i in sorted(set(picks.tolist()))]


@lru_cache(maxsize=16)
def _cached_bin_datasets(language: str, objective: str, budget: Budget) -> tuple[tuple[tuple[int, int], Dataset], ...]:
    lang = get_language(language)
    out = []
    for low, high in bins(budget):
        lengths = _bin_lengths(lang, objective, low, high, budget.lengths_per_bin)
        if not lengths:
            continue
        per_length = math.ceil(budget.test_per_bin / len(lengths))
        if objective == "membership":
            per_length += per_length % 2  # even: as many negatives as positives
        out.append(((low, high), make_dataset(lang, objective, lengths, per_length, budget.data_seed + 2)))
    return tuple(out)


def bin_datasets(language: str, objective: str, budget: Budget) -> list[tuple[tuple[int, int], Dataset]]:
    """The test bins that have strings, each with its :class:`Dataset` (cached per process).

    Raises:
        ConfigError: when no test length of the budget has strings of the language.
    """
    sets = list(_cached_bin_datasets(language, objective, budget))
    if not sets:
        raise ConfigError(
            f"{language} has no {objective} examples at lengths {budget.train_max_length + 1}..{budget.test_max_length}; "
            "raise test_max_length"
        )
    return sets


# -- training and evaluation ------------------------------------------------------------------
def _batch(dataset: Dataset, index: Sequence[int], objective: str):
    import torch

    from rational.train.batching import pad

    tokens, mask = pad([dataset.ids[i].tolist() for i in index])
    if objective == "membership":
        targets = torch.as_tensor(dataset.targets[list(index)], dtype=torch.float32)
    else:
        width = tokens.shape[1]
        symbols = dataset.targets[index[0]].shape[1]
        targets = torch.zeros(len(index), width, symbols)
        for row, i in enumerate(index):
            target = dataset.targets[i]
            targets[row, : len(target)] = torch.as_tensor(target, dtype=torch.float32)
    return tokens, mask, targets


def _loss_and_correct(model, tokens, mask, targets, objective: str):
    """Mean loss and, per string, whether it is right."""
    import torch.nn.functional as F

    logits = model(tokens, mask)
    if objective == "membership":
        loss = F.binary_cross_entropy_with_logits(logits, targets)
        correct = (logits > 0) == targets.bool()
        return loss, correct
    positions = mask.unsqueeze(-1).expand_as(logits)
    loss = F.binary_cross_entropy_with_logits(logits[positions], targets[positions])
    right = ((logits > 0) == targets.bool()) | ~positions
    return loss, right.flatten(1).all(dim=1)


def evaluate(model, dataset: Dataset, objective: str, batch_size: int = 256) -> tuple[float, float]:
    """Accuracy (fraction of strings right) and mean loss of ``model`` on ``dataset``."""
    import torch

    from rational.train.batching import length_batches

    was_training = getattr(model, "training", False)
    model.eval()
    right, loss_sum = 0, 0.0
    with torch.no_grad():
        for index in length_batches(dataset.lengths.tolist(), batch_size):
            tokens, mask, targets = _batch(dataset, index, objective)
            loss, correct = _loss_and_correct(model, tokens, mask, targets, objective)
            right += int(correct.sum())
            loss_sum += float(loss) * len(index)
    model.train(was_training)
    return right / max(len(dataset), 1), loss_sum / max(len(dataset), 1)


def majority_accuracy(dataset: Dataset, objective: str) -> float:
    """The accuracy of the majority-class baseline on ``dataset`` (see the module docstring).

    Examples:
        >>> data = Dataset([np.array([1]), np.array([2]), np.array([1])], np.array([True, False, True]), np.array([1, 1, 1]))
        >>> round(majority_accuracy(data, "membership"), 3)
        0.667
    """
    if len(dataset) == 0:
        return 0.0
    if objective == "membership":
        positives = float(np.mean(dataset.targets))
        return max(positives, 1.0 - positives)
    rows = np.concatenate(dataset.targets)
    constant = rows.mean(axis=0) > 0.5
    return float(np.mean([bool((target == constant).all()) for target in dataset.targets]))


def _train(model, run: Run, train: Dataset, valid: Dataset) -> dict[str, Any]:
    import torch

    from rational.train.batching import length_batches

    budget = run.budget
    optimizer = torch.optim.Adam(model.parameters(), lr=run.lr)
    generator = torch.Generator().manual_seed(run.seed)
    best: tuple[float, float] | None = None
    best_state, best_step, perfect, step, losses = None, 0, 0, 0, []
    model.train()
    while step < budget.steps:
        for index in length_batches(train.lengths.tolist(), budget.batch_size, shuffle=True, generator=generator):
            tokens, mask, targets = _batch(train, index, run.objective)
            loss, _ = _loss_and_correct(model, tokens, mask, targets, run.objective)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), budget.clip)
            optimizer.step()
            step += 1
            losses.append(loss.item())
            if step % budget.eval_every == 0 or step == budget.steps:
                accuracy, valid_loss = evaluate(model, valid, run.objective)
                if not math.isfinite(valid_loss):
                    valid_loss = math.inf
                # ties go to the later weights: same accuracy with lower loss, or further trained
                if best is None or (accuracy, -valid_loss) >= best:
                    best = (accuracy, -valid_loss)
                    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                    best_step = step
                perfect = perfect + 1 if accuracy == 1.0 else 0
                if budget.patience and perfect >= budget.patience:
                    step = budget.steps  # validation has been perfect long enough
            if step >= budget.steps:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return {
        "steps_run": len(losses),
        "best_step": best_step,
        "final_train_loss": float(np.mean(losses[-10:])) if losses else None,
    }


def run_one(run: Run) -> dict[str, Any]:
    """Train and test one run; returns its result (what ``runs/<id>.json`` holds).

    Raises:
        ConfigError, LanguageError: for a bad run (unknown names, an unregistered
            model, an automaton on a non-regular language).
    """
    return _train_and_test(run)[0]


def _build(run: Run):
    from rational.hierarchy.recognizers import build_recognizer

    budget = run.budget
    return build_recognizer(run.model, get_language(run.language), run.objective, budget.hidden_size, budget.embedding_dim)


def _train_and_test(run: Run):
    """The result of a run and its trained model."""
    from rational.train.trainer import seed_everything

    started = time.perf_counter()
    budget = run.budget
    language = get_language(run.language)
    spec = get_model(run.model)
    seed_everything(run.seed)
    model = _build(run)
    train_lengths = range(1, budget.train_max_length + 1)
    valid = make_dataset(language, run.objective, train_lengths, budget.valid_per_length, budget.data_seed + 1)
    training: dict[str, Any] = {"steps_run": 0, "best_step": None, "final_train_loss": None}
    if spec.trainable:
        train = make_dataset(language, run.objective, train_lengths, budget.train_per_length, budget.data_seed)
        if len(train) == 0:
            raise ConfigError(f"{run.language} has no {run.objective} examples at lengths 1..{budget.train_max_length}")
        training = _train(model, run, train, valid)
    valid_accuracy, _ = evaluate(model, valid, run.objective)
    results = []
    for (low, high), dataset in bin_datasets(run.language, run.objective, budget):
        accuracy, _ = evaluate(model, dataset, run.objective)
        results.append(
            {
                "low": low,
                "high": high,
                "accuracy": accuracy,
                "majority": majority_accuracy(dataset, run.objective),
                "strings": len(dataset),
            }
        )
    return {
        "version": RESULT_VERSION,
        "run_id": run.run_id,
        "run": run.to_dict(),
        "language": run.language,
        "model": run.model,
        "objective": run.objective,
        "seed": run.seed,
        "lr": run.lr,
        "trained": spec.trainable,
        "train_accuracy": valid_accuracy,
        "accuracy": float(np.mean([b["accuracy"] for b in results])),
        "majority": float(np.mean([b["majority"] for b in results])),
        "bins": results,
        **training,
        "seconds": round(time.perf_counter() - started, 3),
    }, model


# -- sweeps ---------------------------------------------------------------------------------
def _result_path(out: Path, run: Run) -> Path:
    return out / RUNS_FOLDER / f"{run.run_id}.json"


def _write_json(path: Path, data: Any) -> None:
    """Write to a temporary file, then rename: a killed sweep never leaves half a result."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(temporary, path)


def _read_result(path: Path, run: Run) -> dict[str, Any] | None:
    """A finished run's result, or ``None`` when the file is missing, unreadable or for another run."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if data.get("version") != RESULT_VERSION or data.get("run") != run.to_dict():
        return None
    return data


def _execute(run: Run, out: str) -> dict[str, Any]:
    """Run and save the weights, then the result (its file marks the run finished)."""
    import torch

    result, model = _train_and_test(run)
    path = _result_path(Path(out), run)
    weights = path.with_suffix(".pt")
    temporary = weights.with_name(f".{weights.name}.{os.getpid()}.tmp")
    torch.save(model.state_dict(), temporary)
    os.replace(temporary, weights)
    _write_json(path, result)
    return result


def load_model(out: str | Path, result: dict[str, Any]):
    """The trained model of a finished run saved under ``out`` (in evaluation mode).

    Raises:
        ConfigError: when its weights are not there.
    """
    import torch

    run = _run_from_dict(result["run"])
    path = _result_path(Path(out), run).with_suffix(".pt")
    if not path.is_file():
        raise ConfigError(f"no weights for run {run.run_id} in {path.parent}; run the sweep again to make them")
    model = _build(run)
    model.load_state_dict(torch.load(path, weights_only=True))
    return model.eval()


def _run_from_dict(data: dict[str, Any]) -> Run:
    return Run(**{**data, "budget": Budget(**data["budget"])})


def probe(
    model, language: str, objective: str, lengths: Iterable[int], per_length: int = 32, seed: int = 3
) -> list[dict[str, Any]]:
    """Accuracy and majority baseline of ``model`` at each of ``lengths`` (e.g. far
    beyond the test bins: Merrill et al. 2020 test at length 2048).

    Lengths without examples are skipped. ``per_length`` is rounded up to an even
    number for membership (as many negatives as positives).

    Examples:
        >>> from rational.hierarchy.recognizers import build_recognizer
        >>> automaton = build_recognizer("wfsa", get_language("parity"), "membership")
        >>> [(p["length"], p["accuracy"]) for p in probe(automaton, "parity", "membership", [300], per_length=4)]
        [(300, 1.0)]
    """
    lang = get_language(language)
    if objective == "membership":
        per_length += per_length % 2
    out = []
    for length in usable_lengths(lang, lengths, objective):
        dataset = make_dataset(lang, objective, [length], per_length, seed)
        accuracy, _ = evaluate(model, dataset, objective)
        out.append({"length": length, "accuracy": accuracy, "majority": majority_accuracy(dataset, objective),
                    "strings": len(dataset)})
    return out


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)  # the pool's processes share the cores


@dataclass
class Sweep:
    """What :func:`run_sweep` did.

    Attributes:
        config: the sweep.
        results: every run's result, in plan order.
        ran: ids of the runs made now.
        skipped: ids of the runs whose saved result was reused.
        seconds: wall-clock time.
    """

    config: SweepConfig
    results: list[dict[str, Any]]
    ran: list[str]
    skipped: list[str]
    seconds: float


def run_sweep(
    config: SweepConfig,
    out: str | Path,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Sweep:
    """Make every run of ``config`` not already saved under ``out/runs``.

    Args:
        config: the sweep.
        out: the output folder (``runs/`` holds one JSON result per run).
        jobs: worker processes (default: the number of cores); ``1`` runs in this
            process, one after the other (with one torch thread, restored afterwards).
        progress: receives a line per finished run (default: standard error).

    Returns:
        A :class:`Sweep`.

    Raises:
        ConfigError: for a model whose encoder is not registered, or bad settings.
    """
    started = time.perf_counter()
    out = Path(out)
    (out / RUNS_FOLDER).mkdir(parents=True, exist_ok=True)
    echo = progress or (lambda line: print(line, file=sys.stderr))
    missing = [name for name in config.models if not get_model(name).registered()]
    if missing:
        raise ConfigError(
            f"model(s) {', '.join(missing)} are not registered in rational.models.registry yet; "
            f"available now: {', '.join(available_models())}"
        )
    _write_json(out / "sweep.json", config.to_dict())
    runs = plan_runs(config)
    done: dict[str, dict[str, Any]] = {}
    for run in runs:
        saved = _read_result(_result_path(out, run), run)
        if saved is not None:
            done[run.run_id] = saved
    todo = [run for run in runs if run.run_id not in done]
    skipped = list(done)
    if skipped:
        echo(f"resuming: {len(skipped)} of {len(runs)} runs already finished")
    ran: list[str] = []
    jobs = (os.cpu_count() or 1) if jobs is None else jobs
    if jobs < 1:
        raise ConfigError(f"jobs must be at least 1, got {jobs}")

    def finished(run: Run, result: dict[str, Any]) -> None:
        done[run.run_id] = result
        ran.append(run.run_id)
        echo(
            f"[{len(ran)}/{len(todo)}] {run.language} {run.model} seed {run.seed} lr {run.lr:g}: "
            f"test {result['accuracy']:.3f} (majority {result['majority']:.3f}), {result['seconds']:.1f}s"
        )

    if jobs == 1 or len(todo) <= 1:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # as in the pool: these small models only lose time to more threads
        try:
            for run in todo:
                finished(run, _execute(run, str(out)))
        finally:
            torch.set_num_threads(threads)
    else:
        context = multiprocessing.get_context("spawn")  # no fork after torch started its threads
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context, initializer=_init_worker) as pool:
            futures = {pool.submit(_execute, run, str(out)): run for run in todo}
            for future in as_completed(futures):
                finished(futures[future], future.result())
    results = [done[run.run_id] for run in runs]
    return Sweep(config, results, ran, skipped, time.perf_counter() - started)


def load_results(out: str | Path) -> list[dict[str, Any]]:
    """Every result saved under ``out/runs`` (any sweep), sorted by run id."""
    folder = Path(out) / RUNS_FOLDER
    results = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if data.get("version") == RESULT_VERSION:
            results.append(data)
    return results


def with_budget(config: SweepConfig, **changes: Any) -> SweepConfig:
    """``config`` with some budget settings changed.

    Examples:
        >>> with_budget(SweepConfig(["parity"], ["gru"]), steps=10).budget.steps
        10
    """
    return replace(config, budget=replace(config.budget, **changes))
