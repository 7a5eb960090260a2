"""The trainer: exact resume after an interruption, early stopping, schedules, hooks, learning."""

from __future__ import annotations

import json

import pytest
import torch

from rational.errors import ConfigError
from rational.models import GRU, LSTM, LanguageModel, TextClassifier
from rational.train.sources import Example
from rational.train.synthetic import language_sentences, sentiment_examples
from rational.train.tasks import ClassificationData, get_task
from rational.train.trainer import METRICS_FILE, MODEL_FILE, STATE_FILE, Trainer, TrainerConfig
from rational.train.vocab import Vocabulary


class Interrupt(Exception):
    pass


def _interrupt_at(step: int):
    def hook(trainer):
        if trainer.step == step:
            raise Interrupt

    return hook


def _sentiment(n_train=96, n_dev=32):
    train, dev = sentiment_examples(n_train, seed=1), sentiment_examples(n_dev, seed=2)
    vocab = Vocabulary.build(e.tokens for e in train)
    task = get_task("classify")
    return vocab, task.encode(train, vocab, ["0", "1"]), task.encode(dev, vocab, ["0", "1"])


def _classifier(vocab):
    torch.manual_seed(5)
    return TextClassifier(LSTM(6, hidden_size=5), 2, vocab_size=len(vocab), mlp_hidden=4, dropout=0.3)


def _language_model(vocab):
    torch.manual_seed(6)
    return LanguageModel(GRU(6, hidden_size=6), len(vocab), tie_embeddings=True, dropout=0.2)


def _params(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _same(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _lines(path):
    return [{k: v for k, v in json.loads(line).items() if k != "seconds"} for line in path.read_text().splitlines()]


@pytest.mark.parametrize("checkpoint_every", [None, 3])
def test_an_interrupted_classifier_resumes_exactly(tmp_path, checkpoint_every):
    vocab, train, dev = _sentiment()
    config = TrainerConfig(epochs=3, batch_size=16, lr=0.01, word_dropout=0.1, schedule="linear",
                           checkpoint_every=checkpoint_every, quiet=True)
    whole = _classifier(vocab)
    whole_result = Trainer(whole, "classify", train, dev, config, tmp_path / "whole").fit()
    # six batches an epoch: step 10 is in the middle of epoch 2
    broken = _classifier(vocab)
    with pytest.raises(Interrupt):
        Trainer(broken, "classify", train, dev, config, tmp_path / "broken", post_step_hooks=[_interrupt_at(10)]).fit()
    resumed = _classifier(vocab)
    torch.manual_seed(1234)  # the generators in the resumed process start anywhere
    result = Trainer(resumed, "classify", train, dev, config, tmp_path / "broken").fit(resume=True)
    assert _same(_params(whole), _params(resumed))
    assert result.best_metric == whole_result.best_metric and result.steps == whole_result.steps == 18
    assert _lines(tmp_path / "whole" / METRICS_FILE) == _lines(tmp_path / "broken" / METRICS_FILE)
    assert [len(h) for h in result.history] == [len(h) for h in whole_result.history]
    best = torch.load(tmp_path / "broken" / MODEL_FILE, weights_only=True)
    assert _same(best, _params(resumed))  # fit ends with the best weights loaded


def test_an_interrupted_language_model_resumes_exactly(tmp_path):
    sentences = [Example((*words, "<eos>")) for words in language_sentences(120, seed=0)]
    vocab = Vocabulary.build(e.tokens for e in sentences)
    task = get_task("lm", bptt=6)
    train, dev = task.encode(sentences[:100], vocab), task.encode(sentences[100:], vocab)
    config = TrainerConfig(epochs=2, batch_size=4, bptt=6, lr=0.01, schedule="plateau", checkpoint_every=5, quiet=True)
    whole = _language_model(vocab)
    Trainer(whole, task, train, dev, config, tmp_path / "whole").fit()
    broken = _language_model(vocab)
    steps = Trainer(broken, task, train, dev, config).steps_per_epoch
    with pytest.raises(Interrupt):
        Trainer(broken, task, train, dev, config, tmp_path / "broken", post_step_hooks=[_interrupt_at(steps + 7)]).fit()
    state = torch.load(tmp_path / "broken" / STATE_FILE, weights_only=True)
    assert state["progress"]["carried"] is not None  # saved mid-epoch with the carried hidden state
    resumed = _language_model(vocab)
    result = Trainer(resumed, task, train, dev, config, tmp_path / "broken").fit(resume=True)
    assert _same(_params(whole), _params(resumed))
    assert result.metric == "perplexity"
    assert _lines(tmp_path / "whole" / METRICS_FILE) == _lines(tmp_path / "broken" / METRICS_FILE)


def test_resume_of_a_finished_run_changes_nothing(tmp_path):
    vocab, train, dev = _sentiment(32, 16)
    config = TrainerConfig(epochs=1, batch_size=16, quiet=True)
    model = _classifier(vocab)
    first = Trainer(model, "classify", train, dev, config, tmp_path).fit()
    again = _classifier(vocab)
    second = Trainer(again, "classify", train, dev, config, tmp_path).fit(resume=True)
    assert _same(_params(model), _params(again))
    assert (second.epochs, second.steps, second.best_metric) == (first.epochs, first.steps, first.best_metric)


def test_resume_needs_a_saved_state(tmp_path):
    vocab, train, dev = _sentiment(32, 16)
    with pytest.raises(ConfigError, match="nothing to resume"):
        Trainer(_classifier(vocab), "classify", train, dev, TrainerConfig(quiet=True), tmp_path).fit(resume=True)
    with pytest.raises(ConfigError, match="output folder"):
        Trainer(_classifier(vocab), "classify", train, dev, TrainerConfig(quiet=True)).fit(resume=True)


def test_early_stopping_and_the_plateau_schedule():
    vocab, train, dev = _sentiment(32, 16)
    config = TrainerConfig(epochs=6, batch_size=16, lr=1e-12, patience=2, schedule="plateau", lr_decay=0.5, quiet=True)
    trainer = Trainer(_classifier(vocab), "classify", train, dev, config)
    result = trainer.fit()
    # the weights hardly move, so the dev accuracy never improves after epoch 1
    assert result.stopped_early and result.epochs == 3 and result.best_epoch == 1
    assert [line["best"] for line in result.history] == [True, False, False]
    assert trainer.lr == pytest.approx(1e-12 * 0.25)


def test_regularizers_and_post_step_hooks(tmp_path):
    vocab, train, _ = _sentiment(32, 16)
    seen = []
    penalty = lambda model: 10.0 * sum(p.pow(2).sum() for p in model.encoder.parameters())  # noqa: E731
    config = TrainerConfig(epochs=3, batch_size=8, lr=0.05, quiet=True)
    plain, shrunk = _classifier(vocab), _classifier(vocab)
    Trainer(plain, "classify", train, None, config).fit()
    trainer = Trainer(shrunk, "classify", train, None, config, tmp_path, regularizers=[penalty])
    trainer.add_post_step_hook(lambda t: seen.append((t.step, t.lr)))
    result = trainer.fit()
    assert [step for step, _ in seen] == list(range(1, result.steps + 1))
    assert all(lr == 0.05 for _, lr in seen)
    norm = lambda model: sum(p.abs().sum() for p in model.encoder.parameters()).item()  # noqa: E731
    assert norm(shrunk) < 0.6 * norm(plain)
    assert all(line["train_penalty"] > 0 for line in result.history)
    assert result.best_metric is None and result.best_epoch == 3


def test_a_classifier_learns_a_keyword():
    examples = [Example(("x", "good" if i % 2 else "bad", "y", "z")[: 2 + i % 3], str(i % 2)) for i in range(64)]
    vocab = Vocabulary.build(e.tokens for e in examples)
    task = get_task("classify")
    data = task.encode(examples, vocab, ["0", "1"])
    torch.manual_seed(0)
    model = TextClassifier(GRU(8, hidden_size=8, pooling="max"), 2, vocab_size=len(vocab))
    result = Trainer(model, task, data, data, TrainerConfig(epochs=15, batch_size=8, lr=0.05, quiet=True)).fit()
    assert result.best_metric == 1.0


def test_a_language_model_beats_the_uniform_guess():
    sentences = [Example((*words, "<eos>")) for words in language_sentences(150, seed=1)]
    vocab = Vocabulary.build(e.tokens for e in sentences)
    task = get_task("lm", bptt=10)
    train, dev = task.encode(sentences[:120], vocab), task.encode(sentences[120:], vocab)
    torch.manual_seed(0)
    model = LanguageModel(LSTM(16, hidden_size=16), len(vocab))
    trainer = Trainer(model, task, train, dev, TrainerConfig(epochs=4, batch_size=8, bptt=10, lr=0.02, quiet=True))
    before = trainer.evaluate(dev)["perplexity"]
    result = trainer.fit()
    assert before > 0.8 * len(vocab)  # an untrained model is about uniform
    assert result.best_metric < 0.4 * len(vocab)


def test_bad_settings():
    with pytest.raises(ConfigError, match="epochs must be a positive integer"):
        TrainerConfig(epochs=0)
    with pytest.raises(ConfigError, match="unknown schedule 'cosine'"):
        TrainerConfig(schedule="cosine")
    with pytest.raises(ConfigError, match="word_dropout"):
        TrainerConfig(word_dropout=1.0)
    with pytest.raises(ConfigError, match="unknown training setting"):
        TrainerConfig.from_dict({"epochs": 1, "momentum": 0.9})
    data = ClassificationData([[2]], [0])
    model = TextClassifier(GRU(2, 2), 2, vocab_size=3)
    with pytest.raises(ConfigError, match="plateau schedule follows the dev metric"):
        Trainer(model, "classify", data, None, TrainerConfig(schedule="plateau"))
    with pytest.raises(ConfigError, match="unknown device"):
        Trainer(model, "classify", data, None, TrainerConfig(device="tpu9"))
    with pytest.raises(ConfigError, match="unknown task"):
        Trainer(model, "tag", data)
