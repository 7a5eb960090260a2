"""`rational train --model sopa|rrnn|qrnn|sru|cnn|lstm|gru` end to end with model options on the
command line; checkpoints rebuild each model from config.json; `rational evaluate`;
a rational language model carries its state and resumes exactly."""

from __future__ import annotations

import json

import pytest
import torch

from rational.cli import main
from rational.models import CNN, GRU, LSTM, QRNN, SRU, RationalRNN, SoPa
from rational.train.checkpoint import evaluate_checkpoint, load_checkpoint
from rational.train.pipeline import DataConfig, resume, train
from rational.train.synthetic import write_language_corpus, write_sentiment_splits
from rational.train.trainer import TrainerConfig

COMMON = ["--embedding-dim", "8", "--batch-size", "16", "--epochs", "2", "--quiet", "--json"]
MODELS = {
    "sopa": (SoPa, ["--option", "pattern_lengths=3:3,2:3", "--option", "semiring=MaxTimes", "--mlp-hidden", "25"]),
    "rrnn": (RationalRNN, ["--hidden-size", "6", "--option", "n=3", "--option", "output=last", "--bidirectional"]),
    "qrnn": (QRNN, ["--hidden-size", "6", "--option", "window=2", "--option", "gates=ifo", "--layers", "2"]),
    "sru": (SRU, ["--hidden-size", "6", "--pooling", "max", "--dropout", "0.1"]),
    "cnn": (CNN, ["--option", 'filters={"2": 4, "3": 4}', "--option", "activation=tanh"]),
    "lstm": (LSTM, ["--hidden-size", "6"]),
    "gru": (GRU, ["--hidden-size", "6"]),
}


@pytest.fixture(scope="module")
def sentiment(tmp_path_factory):
    return write_sentiment_splits(tmp_path_factory.mktemp("sentiment"), train=64, dev=24, test=24, seed=3)


def _run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_trains_from_the_command_line(name, tmp_path, sentiment, capsys):
    cls, options = MODELS[name]
    out = tmp_path / name
    status, stdout, _ = _run(capsys, "train", "--model", name, "--train", sentiment["train"], "--dev", sentiment["dev"],
                             "--test", sentiment["test"], "--out", out, *COMMON, *options)
    assert status == 0
    result = json.loads(stdout)
    assert result["epochs"] == 2 and 0.0 <= result["test"]["accuracy"] <= 1.0
    checkpoint = load_checkpoint(out)
    assert type(checkpoint.model.encoder) is cls
    config = json.loads((out / "config.json").read_text())["model"]["encoder_options"]
    for option in options:
        if "=" in option:
            key = option.split("=")[0]
            assert key in config, key
    status, stdout, _ = _run(capsys, "evaluate", "--checkpoint", out, "--data", sentiment["test"], "--json")
    assert status == 0
    assert json.loads(stdout)["accuracy"] == pytest.approx(result["test"]["accuracy"])


def test_options_reach_the_models(tmp_path, sentiment):
    data = DataConfig(train=str(sentiment["train"]), dev=str(sentiment["dev"]))
    train(tmp_path, data=data, model="sopa", embedding_dim=4, mlp_hidden=25, training=TrainerConfig(epochs=1, quiet=True),
          model_options={"pattern_lengths": {4: 2, 2: 3}, "semiring": "Real", "epsilons": False})
    encoder = load_checkpoint(tmp_path).model.encoder
    assert encoder.spec == [(4, 2), (2, 3)] and encoder.semiring.name == "Real" and not encoder.epsilons
    assert load_checkpoint(tmp_path).model.output[0].out_features == 25


def test_a_rational_language_model_resumes_exactly(tmp_path):
    paths = write_language_corpus(tmp_path / "data", train=60, valid=15, test=15)
    data = DataConfig(train=str(paths["train"]), dev=str(paths["valid"]), test=str(paths["test"]))
    settings = dict(data=data, task="lm", model="rrnn", model_options={"hidden_size": 8, "n": 2, "layers": 2},
                    embedding_dim=8, tie_embeddings=True)
    config = TrainerConfig(epochs=2, batch_size=4, bptt=6, lr=0.01, checkpoint_every=4, quiet=True)
    whole = train(tmp_path / "whole", **settings, training=config)
    assert whole.test["perplexity"] < 60  # well below the vocabulary size: it learned something

    class Stop(Exception):
        pass

    def stop(trainer):
        if trainer.step == trainer.steps_per_epoch + 6:
            raise Stop

    with pytest.raises(Stop):
        train(tmp_path / "cut", **settings, training=config, post_step_hooks=[stop])
    resumed = resume(tmp_path / "cut", quiet=True)
    assert resumed.test == whole.test
    for a, b in zip(load_checkpoint(tmp_path / "whole").model.state_dict().values(),
                    load_checkpoint(tmp_path / "cut").model.state_dict().values()):
        assert torch.equal(a, b)
    assert evaluate_checkpoint(tmp_path / "cut", paths["test"])["perplexity"] == pytest.approx(whole.test["perplexity"])


def test_bad_model_options_are_one_line_errors(tmp_path, sentiment, capsys):
    status, _, err = _run(capsys, "train", "--model", "sopa", "--train", sentiment["train"], "--dev", sentiment["dev"],
                          "--out", tmp_path / "bad", "--hidden-size", "5", "--quiet")
    assert status == 1 and "model 'sopa' has no option 'hidden_size'" in err
    status, _, err = _run(capsys, "train", "--model", "rrnn", "--train", sentiment["train"], "--dev", sentiment["dev"],
                          "--out", tmp_path / "bad2", "--option", "semiring=Tropical", "--quiet")
    assert status == 1 and "RationalRNN supports the semirings Real, MaxPlus" in err
