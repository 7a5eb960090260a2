"""Training with the group lasso learns smaller automata; pruned checkpoints and the command line."""

from __future__ import annotations

import json
import random
import shutil

import pytest
import torch

from rational.cli import main
from rational.models import RationalRNN, TextClassifier
from rational.train.checkpoint import load_checkpoint
from rational.train.sparsity import (
    group_norms,
    lambda_sweep,
    plot_sweep,
    sweep_table,
    train_sparse,
    zero_dropped_groups,
)
from rational.train.sparsity.commands import resume_hooks
from rational.train.synthetic import write_sentiment_splits
from rational.train.tasks import ClassificationData
from rational.train.trainer import TrainerConfig

KEY = 2  # the token whose presence is the label


def key_token_data(count: int, seed: int) -> ClassificationData:
    """Random texts over tokens 2..13; the label says whether token 2 occurs: one token decides it."""
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(count):
        text = [rng.randint(3, 13) for _ in range(rng.randint(4, 9))]
        if rng.random() < 0.5:
            text[rng.randrange(len(text))] = KEY
        texts.append(text)
        labels.append(int(KEY in text))
    return ClassificationData(texts, labels)


def _build() -> TextClassifier:
    torch.manual_seed(0)
    return TextClassifier(RationalRNN(8, n=4, hidden_size=4), num_classes=2, vocab_size=14)


def test_the_penalty_drives_the_extra_states_to_zero_and_pruning_removes_them(tmp_path):
    train, dev = key_token_data(400, 0), key_token_data(200, 1)
    training = TrainerConfig(epochs=8, batch_size=16, lr=0.02, quiet=True)
    fine_tuning = TrainerConfig(epochs=2, batch_size=16, lr=0.005, quiet=True)
    plain, sparse = lambda_sweep([0.0, 0.02], _build, "classify", train, dev, threshold=0.1, training=training,
                                 fine_tuning=fine_tuning)
    # without the penalty every state stays; with it only short chains survive
    assert plain.stage("pruned").states == 16
    lengths = sparse.pruning.lengths[0]
    assert max(lengths) <= 2 and 1 <= sum(lengths) <= 4, lengths
    for stage in ("trained", "pruned", "fine-tuned"):
        assert sparse.stage(stage).metric("dev", "accuracy") >= 0.95, stage
    assert sparse.stage("pruned").parameters < plain.stage("pruned").parameters
    headers, rows = sweep_table([plain, sparse])
    assert rows[1][1] == f"{sum(lengths)}/16" and len(headers) == 6
    picture = plot_sweep([plain, sparse], tmp_path / "sweep.png")
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_proximal_step_zeroes_whole_groups_during_training():
    model = _build()
    train_sparse(model, "classify", key_token_data(300, 0), config=TrainerConfig(epochs=5, batch_size=16, lr=0.02,
                                                                                quiet=True), strength=1.0, prox=True)
    norms = group_norms(model)[0]
    assert int((norms == 0).sum()) >= 1  # exact zeros, not small values
    cell = model.encoder.forward_cells[0]
    for unit, state in (norms == 0).nonzero().tolist():
        assert cell.automaton.weight[unit, [state, 4 + state]].abs().max() == 0
        assert cell.automaton.bias[unit, 4 + state] == 0


@pytest.fixture(scope="module")
def sparse_run(tmp_path_factory):
    """A rational RNN checkpoint trained one epoch with the group lasso from the command line."""
    folder = tmp_path_factory.mktemp("sparse")
    paths = write_sentiment_splits(folder / "data", train=120, dev=40, test=40, seed=3)
    run = folder / "run"
    status = main([
        "train", "--model", "rrnn", "--option", "n=3", "--hidden-size", "4", "--embedding-dim", "8",
        "--train", str(paths["train"]), "--dev", str(paths["dev"]), "--test", str(paths["test"]),
        "--epochs", "1", "--batch-size", "16", "--group-lasso", "0.01", "--out", str(run), "--quiet", "--threads", "1",
    ])
    assert status == 0
    return run, paths


def _zeroed_checkpoint(run, folder, lengths):
    """A copy of ``run`` whose saved weights have the groups after ``lengths`` zeroed (known live lengths)."""
    shutil.copytree(run, folder)
    model = load_checkpoint(folder).model
    zero_dropped_groups(model, [torch.tensor(lengths)])
    torch.save(model.state_dict(), folder / "model.pt")
    return model


def test_pruned_checkpoints_save_load_and_evaluate(sparse_run, tmp_path, capsys):
    run, paths = sparse_run
    assert json.loads((run / "sparsity.json").read_text()) == {"group_lasso": 0.01, "prox": False}
    hooks = resume_hooks(run)  # what --resume trains with
    assert [repr(r) for r in hooks["regularizers"]] == ["GroupLasso(0.01)"] and hooks["post_step_hooks"] == []
    source = tmp_path / "run"
    zeroed = _zeroed_checkpoint(run, source, [3, 1, 0, 2])
    out = tmp_path / "pruned"
    assert main(["prune", "--checkpoint", str(source), "--threshold", "0", "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["states_before"], report["states_after"]) == (12, 6)
    assert (report["automata_before"], report["automata_after"]) == (4, 3)
    assert report["parameters_after"] < report["parameters_before"]
    assert set(report["metrics"]) == {"trained", "pruned"}
    for split in ("dev", "test"):  # exact pruning: the same predictions, the same loss up to rounding
        trained, pruned = report["metrics"]["trained"][split], report["metrics"]["pruned"][split]
        assert pruned["accuracy"] == trained["accuracy"]
        assert pruned["loss"] == pytest.approx(trained["loss"], rel=1e-5)
    loaded = load_checkpoint(out)
    assert loaded.config["model"]["encoder_options"]["n"] == {"3": 1, "2": 1, "1": 1}
    assert loaded.config["pruning"]["states_after"] == 6
    tokens = torch.randint(2, len(loaded.vocab), (4, 10))
    mask = torch.ones_like(tokens, dtype=torch.bool)
    torch.testing.assert_close(loaded.model(tokens, mask), zeroed.eval()(tokens, mask))
    assert main(["evaluate", "--checkpoint", str(out), "--data", str(paths["test"]), "--json"]) == 0
    evaluated = json.loads(capsys.readouterr().out)
    assert evaluated["accuracy"] == report["metrics"]["pruned"]["test"]["accuracy"]


def test_pruning_then_fine_tuning_writes_a_trainable_checkpoint(sparse_run, tmp_path, capsys):
    run, _ = sparse_run
    source = tmp_path / "run"
    _zeroed_checkpoint(run, source, [2, 2, 0, 1])
    out = tmp_path / "tuned"
    assert main(["prune", "--checkpoint", str(source), "--threshold", "0", "--out", str(out), "--fine-tune", "1",
                 "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "states 12 -> 5" in printed and "fine-tuned: dev accuracy" in printed
    report = json.loads((out / "pruning.json").read_text())
    assert set(report["metrics"]) == {"trained", "pruned", "fine-tuned"}
    assert (out / "training_state.pt").is_file() and (out / "metrics.jsonl").read_text().count("\n") >= 1
    assert load_checkpoint(out).config["training"]["epochs"] == 1


def test_command_line_errors_are_clear(sparse_run, tmp_path, capsys):
    run, paths = sparse_run
    assert main(["prune", "--checkpoint", str(run), "--threshold", "1e9", "--out", str(tmp_path / "x")]) == 1
    assert "removes every state" in capsys.readouterr().err
    assert main(["prune", "--checkpoint", str(run), "--threshold", "0", "--out", str(run)]) == 1
    assert "new folder" in capsys.readouterr().err
    assert main(["train", "--resume", "--out", str(run), "--group-lasso", "0.1"]) == 1
    assert "--group-lasso" in capsys.readouterr().err
    assert main(["train", "--model", "rrnn", "--train", str(paths["train"]), "--dev", str(paths["dev"]),
                 "--prox", "--out", str(tmp_path / "p"), "--quiet"]) == 1
    assert "--prox needs a strength" in capsys.readouterr().err


def test_target_states_searches_lambda_from_the_command_line(sparse_run, tmp_path):
    _, paths = sparse_run
    out = tmp_path / "search"
    status = main([
        "train", "--model", "rrnn", "--option", "n=2", "--hidden-size", "3", "--embedding-dim", "6",
        "--train", str(paths["train"]), "--dev", str(paths["dev"]), "--epochs", "1", "--batch-size", "32",
        "--target-states", "2", "--tolerance", "0", "--group-lasso", "0.01", "--max-trials", "3", "--out", str(out),
        "--quiet", "--threads", "1",
    ])
    assert status == 0
    record = json.loads((out / "search.json").read_text())
    trials = record["trials"]
    assert 1 <= len(trials) <= 3 and record["chosen"]["folder"] in [t["folder"] for t in trials]
    for before, after in zip(trials, trials[1:]):  # λ moves towards the target
        assert (after["group_lasso"] > before["group_lasso"]) == (before["states"] > 2)
    for trial in trials:
        assert load_checkpoint(trial["folder"]).config["model"]["encoder"] == "rrnn"
