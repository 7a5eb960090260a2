"""`rational train`, `rational evaluate`, `rational synthetic` end to end; checkpoints; error messages."""

from __future__ import annotations

import json

import pytest
import torch

from rational.cli import main
from rational.errors import ConfigError, FormatError
from rational.train.checkpoint import evaluate_checkpoint, load_checkpoint
from rational.train.pipeline import DataConfig, resume, train
from rational.train.synthetic import write_language_corpus, write_sentiment_splits
from rational.train.trainer import TrainerConfig

SMALL = ["--embedding-dim", "8", "--hidden-size", "8", "--batch-size", "16", "--quiet"]


@pytest.fixture(scope="module")
def sentiment(tmp_path_factory):
    return write_sentiment_splits(tmp_path_factory.mktemp("sentiment"), train=96, dev=32, test=32, seed=2)


def _run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_train_then_evaluate_an_lstm(tmp_path, sentiment, capsys):
    out = tmp_path / "run"
    status, stdout, _ = _run(capsys, "train", "--model", "lstm", "--train", sentiment["train"], "--dev", sentiment["dev"],
                             "--test", sentiment["test"], "--out", out, "--epochs", "2", "--mlp-hidden", "25",
                             "--dropout", "0.1", "--word-dropout", "0.05", *SMALL, "--json")
    assert status == 0
    result = json.loads(stdout)
    assert result["epochs"] == 2 and result["metric"] == "accuracy" and result["task"] == "classify"
    assert {p.name for p in out.iterdir()} >= {"config.json", "vocab.json", "model.pt", "training_state.pt", "metrics.jsonl"}
    config = json.loads((out / "config.json").read_text())
    assert config["model"]["encoder_options"] == {"hidden_size": 8, "dropout": 0.1}
    assert config["model"]["mlp_hidden"] == 25 and config["labels"] == ["0", "1"]
    events = [json.loads(line)["event"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert events == ["epoch", "epoch", "test"]
    status, stdout, _ = _run(capsys, "evaluate", "--checkpoint", out, "--data", sentiment["test"], "--json")
    assert status == 0
    evaluated = json.loads(stdout)
    assert evaluated["accuracy"] == result["test"]["accuracy"] and evaluated["examples"] == 32
    status, stdout, _ = _run(capsys, "evaluate", "--checkpoint", out, "--data", sentiment["test"])
    assert stdout.startswith("accuracy ") and "on 32 examples" in stdout


def test_a_checkpoint_rebuilds_the_model(tmp_path, sentiment):
    data = DataConfig(train=str(sentiment["train"]), dev=str(sentiment["dev"]))
    train(tmp_path, data=data, model="gru", model_options={"hidden_size": 4, "bidirectional": True},
          embedding_dim=4, training=TrainerConfig(epochs=1, quiet=True))
    checkpoint = load_checkpoint(tmp_path)
    assert type(checkpoint.model.encoder).__name__ == "GRU" and checkpoint.model.encoder.bidirectional
    assert not checkpoint.model.training and checkpoint.labels == ["0", "1"] and checkpoint.task == "classify"
    saved = torch.load(tmp_path / "model.pt", weights_only=True)
    assert all(torch.equal(saved[k], v) for k, v in checkpoint.model.state_dict().items())


def test_resume_continues_a_run_from_its_folder(tmp_path, sentiment, capsys):
    data = DataConfig(train=str(sentiment["train"]), dev=str(sentiment["dev"]), test=str(sentiment["test"]))
    settings = dict(data=data, model="lstm", model_options={"hidden_size": 4}, embedding_dim=4)
    whole = train(tmp_path / "whole", **settings, training=TrainerConfig(epochs=2, quiet=True))

    class Stop(Exception):
        pass

    def stop_in_epoch_two(trainer):
        if trainer.epoch == 2:
            raise Stop

    with pytest.raises(Stop):
        train(tmp_path / "cut", **settings, training=TrainerConfig(epochs=2, quiet=True), post_step_hooks=[stop_in_epoch_two])
    status, stdout, _ = _run(capsys, "train", "--resume", "--out", tmp_path / "cut", "--json")
    assert status == 0
    resumed = json.loads(stdout)
    assert resumed["best_dev"] == whole.best_dev and resumed["test"] == whole.test and resumed["epochs"] == 2
    again = resume(tmp_path / "cut", quiet=True)  # a finished run: nothing left to do
    assert again.test == whole.test
    (tmp_path / "cut" / "training_state.pt").unlink()
    with pytest.raises(ConfigError, match="nothing to resume"):
        resume(tmp_path / "cut")


def test_language_model_end_to_end(tmp_path, capsys):
    paths = write_language_corpus(tmp_path / "data", train=80, valid=20, test=20)
    out = tmp_path / "lm"
    status, stdout, _ = _run(capsys, "train", "--model", "lstm", "--task", "lm", "--train", paths["train"],
                             "--dev", paths["valid"], "--test", paths["test"], "--out", out, "--epochs", "1",
                             "--bptt", "8", "--tie-embeddings", "--schedule", "plateau", *SMALL, "--json")
    assert status == 0
    result = json.loads(stdout)
    assert result["metric"] == "perplexity" and result["test"]["tokens"] > 0
    status, stdout, _ = _run(capsys, "evaluate", "--checkpoint", out, "--data", paths["test"])
    assert status == 0 and stdout.startswith("perplexity ")
    assert evaluate_checkpoint(out, paths["test"])["perplexity"] == pytest.approx(result["test"]["perplexity"])


def test_language_model_with_adaptive_softmax(tmp_path, capsys):
    paths = write_language_corpus(tmp_path / "data", train=80, valid=20, test=20)
    out = tmp_path / "lm"
    status, stdout, _ = _run(capsys, "train", "--model", "rrnn", "--task", "lm", "--train", paths["train"],
                             "--dev", paths["valid"], "--test", paths["test"], "--out", out, "--epochs", "1",
                             "--bptt", "8", "--softmax", "adaptive", "--cutoffs", "5,12", *SMALL, "--json")
    assert status == 0
    result = json.loads(stdout)
    config = json.loads((out / "config.json").read_text())["model"]
    assert config["softmax"] == "adaptive" and config["cutoffs"] == [5, 12]
    assert evaluate_checkpoint(out, paths["test"])["perplexity"] == pytest.approx(result["test"]["perplexity"])
    with pytest.raises(SystemExit):
        main(["train", "--model", "rrnn", "--task", "lm", "--train", str(paths["train"]), "--out", str(tmp_path / "bad"),
              "--softmax", "adaptive", "--cutoffs", "5,x"])
    assert "expected comma-separated integers, got '5,x'" in capsys.readouterr().err


def test_phrase_training_on_trees(tmp_path, capsys):
    trees = tmp_path / "train.txt"
    trees.write_text("(3 (2 It) (4 (3 a) (4 gem)))\n(1 (2 Not) (1 (2 a) (0 dud)))\n(4 (2 so) (4 good))\n")
    dev = tmp_path / "dev.txt"
    dev.write_text("1 a gem\n0 a dud\n")
    status, stdout, _ = _run(capsys, "train", "--model", "gru", "--train", trees, "--phrases", "--lowercase",
                             "--dev", dev, "--out", tmp_path / "run", "--epochs", "1", *SMALL, "--json")
    assert status == 0
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    vocab = json.loads((tmp_path / "run" / "vocab.json").read_text())["tokens"]
    assert config["data"]["phrases"] and "not" in vocab and "Not" not in vocab


def test_synthetic_command(tmp_path, capsys):
    status, stdout, _ = _run(capsys, "synthetic", "--out", tmp_path, "--train", "5", "--dev", "3", "--test", "3", "--json")
    assert status == 0 and sorted(json.loads(stdout)) == ["dev", "test", "train"]
    assert len((tmp_path / "train.txt").read_text().splitlines()) == 5
    status, stdout, _ = _run(capsys, "synthetic", "--task", "lm", "--out", tmp_path / "lm", "--train", "4")
    assert status == 0 and "valid: " in stdout


def _error(capsys, *argv):
    status, stdout, err = _run(capsys, *argv)
    assert status == 1 and not stdout
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_clear_one_line_errors(tmp_path, sentiment, capsys):
    base = ["train", "--model", "lstm", "--dev", sentiment["dev"], "--out", tmp_path / "x", *SMALL, "--epochs", "1"]
    err = _error(capsys, *base, "--train", tmp_path / "missing.txt")
    assert "rational train: error: no such file:" in err and "missing.txt (--train)" in err
    malformed = tmp_path / "bad.txt"
    malformed.write_text("1 fine text\n0 more text\n1\n")
    assert f"{malformed}:3: expected 'label tokens...'" in _error(capsys, *base, "--train", malformed)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    assert "is empty: no examples to read" in _error(capsys, *base, "--train", empty)
    one_label = tmp_path / "one.txt"
    one_label.write_text("1 a\n1 b\n")
    assert "single label '1'" in _error(capsys, *base, "--train", one_label)
    err = _error(capsys, *base, "--train", sentiment["train"], "--model", "transformer")
    assert "unknown model 'transformer'; known models:" in err and "lstm" in err
    assert "has no option 'window'" in _error(capsys, *base, "--train", sentiment["train"], "--option", "window=3")
    assert "--option expects KEY=VALUE" in _error(capsys, *base, "--train", sentiment["train"], "--option", "oops")
    assert "needs a causal encoder" in _error(
        capsys, *base, "--train", sentiment["train"], "--task", "lm", "--bidirectional")
    assert "--threads must be at least 1" in _error(capsys, *base, "--train", sentiment["train"], "--threads", "0")
    assert "--train is required" in _error(capsys, "train", "--model", "lstm", "--out", tmp_path / "y")
    assert "drop --epochs" in _error(capsys, "train", "--resume", "--out", tmp_path / "y", "--epochs", "3")
    unknown_label = tmp_path / "dev3.txt"
    unknown_label.write_text("3 a new label\n")
    err = _error(capsys, *base[:3], "--train", sentiment["train"], "--dev", unknown_label, *base[5:])
    assert f"{unknown_label}:1: label '3' does not occur in the training data" in err


def test_evaluate_errors(tmp_path, sentiment, capsys):
    assert "no such checkpoint folder" in _error(capsys, "evaluate", "--checkpoint", tmp_path / "none", "--data", sentiment["test"])
    assert "is not a checkpoint" in _error(capsys, "evaluate", "--checkpoint", tmp_path, "--data", sentiment["test"])
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FormatError, match="not a rational checkpoint config"):
        load_checkpoint(tmp_path)


def test_an_existing_run_is_not_overwritten(tmp_path, sentiment, capsys):
    args = ["train", "--model", "lstm", "--train", sentiment["train"], "--dev", sentiment["dev"], "--out", tmp_path,
            "--epochs", "1", *SMALL]
    assert _run(capsys, *args)[0] == 0
    assert "already holds a training run" in _error(capsys, *args)
