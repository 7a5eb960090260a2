"""Demo section: train SoPa and a rational RNN (in normal mode also a QRNN, an SRU, a CNN and
an LSTM) on synthetic sentiment, and read their automata.

The trained SoPa, its vocabulary and the data go into ``context.shared`` (``"sopa"``,
``"sopa_vocab"``, ``"sopa_train"``, ``"sopa_test"``, ``"sopa_labels"``,
``"synthetic_sentiment"``) for the sections that explain it.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import torch

from rational.models import CNN, LSTM, QRNN, SRU, RationalRNN, SoPa, TextClassifier
from rational.models.diagrams import DIAGRAMS, model_diagram
from rational.train.synthetic import sentiment_examples
from rational.train.tasks import get_task
from rational.train.trainer import Trainer, TrainerConfig, seed_everything
from rational.train.vocab import Vocabulary

if TYPE_CHECKING:  # pragma: no cover
    from rational.demo import DemoContext
    from rational.report import Section

LABELS = ["0", "1"]
PROBES = [
    "the film was good .",
    "the film was not good .",
    "the plot was not very bad overall .",
    "whether or not you agree , the ending is very dull .",
]


#: name -> (what its automata are, builder(vocab size, dimension) -> classifier)
MODELS = {
    "SoPa": (
        "6 patterns each of lengths 3 and 2, max-times semiring, MLP of 25 units",
        lambda size, dim: TextClassifier(SoPa(dim, pattern_lengths={3: 6, 2: 6}, semiring="MaxTimes"), 2,
                                         vocab_size=size, mlp_hidden=25),
    ),
    "RationalRNN": (
        "bigram units: chains of 2 states after the start, self-loops, Real semiring",
        lambda size, dim: TextClassifier(RationalRNN(dim, n=2, hidden_size=dim), 2, vocab_size=size),
    ),
    "QRNN": (
        "unigram units reading word pairs (window 2), fo gates",
        lambda size, dim: TextClassifier(QRNN(dim, hidden_size=dim, window=2), 2, vocab_size=size),
    ),
    "SRU": (
        "unigram units, highway output",
        lambda size, dim: TextClassifier(SRU(dim, hidden_size=dim), 2, vocab_size=size),
    ),
    "CNN": (
        "8 filters each of widths 2, 3 and 4 (chains without self-loops, max-plus)",
        lambda size, dim: TextClassifier(CNN(dim, filters={2: 8, 3: 8, 4: 8}), 2, vocab_size=size),
    ),
    "LSTM": (
        "not rational: the torch.nn baseline",
        lambda size, dim: TextClassifier(LSTM(dim, hidden_size=dim), 2, vocab_size=size),
    ),
}
QUICK_MODELS = ("SoPa", "RationalRNN")


def _train(name, vocab_size, task, encoded, epochs, dim, seed):
    """Train one model (progress bars on standard error): the model, its test
    accuracy, its dev accuracy after every epoch, and its table row."""
    seed_everything(seed)
    model = MODELS[name][1](vocab_size, dim)
    config = TrainerConfig(epochs=epochs, batch_size=32, lr=0.01, seed=seed)
    _log(f"training {name} ({epochs} epochs)")
    start = time.perf_counter()
    result = Trainer(model, task, encoded["train"], encoded["dev"], config, log=_log).fit()
    seconds = time.perf_counter() - start
    accuracy = task.evaluate(model, task.eval_batches(encoded["test"], 100))["accuracy"]
    parameters = sum(p.numel() for p in model.parameters())
    curve = [line["dev_accuracy"] for line in result.history]
    return model, accuracy, curve, [name, MODELS[name][0], parameters, seconds, result.best_metric, accuracy]


def _log(line: str) -> None:
    print(f"   {line}", file=sys.stderr, flush=True)


def run(section: Section, context: DemoContext) -> None:
    quick = context.quick
    train = sentiment_examples(1200 if quick else 4000, seed=context.seed * 10 + 1)
    dev = sentiment_examples(200 if quick else 500, seed=context.seed * 10 + 2)
    test = sentiment_examples(300 if quick else 1000, seed=context.seed * 10 + 3)
    vocab = Vocabulary.build(e.tokens for e in train)
    task = get_task("classify")
    encoded = {name: task.encode(data, vocab, LABELS) for name, data in (("train", train), ("dev", dev), ("test", test))}
    section.text(
        "Rational models learn the synthetic sentiment task of rational.train.synthetic: each sentence holds "
        "one adjective, positive or negative, perhaps negated by 'not' (with an intensifier between, as in 'not "
        "very good'), and some open with a clause whose 'not' negates nothing, so counting words does not decide "
        f"the label. {len(train)} training, {len(dev)} dev and {len(test)} test sentences, vocabulary {len(vocab)}."
    )
    section.table(["label", "sentence"], [[e.label, " ".join(e.tokens)] for e in train[:5]])

    names = QUICK_MODELS if quick else tuple(MODELS)
    trained, epochs = {}, 4 if quick else 8
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # models this small train fastest on one thread
    try:
        for name in names:
            trained[name] = _train(name, len(vocab), task, encoded, epochs, 24 if quick else 32, context.seed)
    finally:
        torch.set_num_threads(threads)
    section.table(["model", "automata", "parameters", "seconds", "best dev accuracy", "test accuracy"],
                  [trained[name][3] for name in names])
    section.table(["epoch", *names], [[epoch + 1, *(trained[name][2][epoch] for name in names)]
                                      for epoch in range(epochs)])
    section.text("Dev accuracy after each epoch: how fast each model learns to read negation.")

    # What each model says on a few sentences of its own.
    probe_rows = []
    for text in PROBES:
        ids = torch.tensor([vocab.encode(text.split())])
        row = [text]
        for name in ("SoPa", "RationalRNN"):
            with torch.no_grad():
                row.append(float(torch.softmax(trained[name][0](ids, ids != 0), -1)[0, 1]))
        probe_rows.append(row)
    section.table(["sentence", "SoPa: P(positive)", "rational RNN: P(positive)"], probe_rows)

    # Their automata: the templates, and one trained hidden unit exported over the vocabulary.
    for name in ("sopa", "rrnn"):
        section.automaton(model_diagram(name), DIAGRAMS[name][2])
    rnn = trained["RationalRNN"][0]
    embeddings = rnn.embedding.weight.detach()
    sentences = [e.tokens for e in test[:50]]
    unit = 0
    machine = rnn.encoder.to_wfsa(vocab.tokens, embeddings, copy=unit)
    gaps = []
    for tokens in sentences:
        with torch.no_grad():
            cells = rnn.encoder.forward_cells[0].cell_values(embeddings[vocab.encode(tokens)].unsqueeze(0))
        value = float(cells[0, -1, unit])
        gaps.append(abs(machine.score(tokens) - value) / max(abs(value), 1e-6))
    section.text(
        f"The rational RNN's hidden unit {unit}, exported with to_wfsa over the {len(vocab)} words, is an automaton "
        f"of {machine.num_states} states and {machine.num_arcs} arcs whose score of a sentence is the unit's cell "
        f"value after it: on {len(sentences)} test sentences they agree to a relative {max(gaps):.1e}. Below, the "
        "same unit keeping each arc's two heaviest words (top_k=2)."
    )
    section.automaton(rnn.encoder.to_wfsa(vocab.tokens, embeddings, copy=unit, top_k=2),
                      f"rational RNN unit {unit}, two words per arc", precision=2)

    sopa_model, sopa_accuracy = trained["SoPa"][:2]
    sopa_model.eval()
    context.shared.update(
        sopa=sopa_model, sopa_vocab=vocab, sopa_train=train, sopa_test=test, sopa_labels=list(LABELS),
        synthetic_sentiment={"train": train, "dev": dev, "test": test},
    )
    section.summary(
        f"SoPa test accuracy {sopa_accuracy:.3f}, rational RNN (bigram) test accuracy "
        f"{trained['RationalRNN'][1]:.3f} on {len(test)} synthetic sentences; exported unit agrees "
        f"({max(gaps):.1e})"
    )
