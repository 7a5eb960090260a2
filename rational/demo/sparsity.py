"""Demo section: learn smaller automata with the group lasso, prune them, and draw them."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import torch

from rational.models import RationalRNN, TextClassifier
from rational.train.sparsity import lambda_sweep, plot_sweep, sweep_table
from rational.train.synthetic import sentiment_examples
from rational.train.tasks import get_task
from rational.train.trainer import TrainerConfig
from rational.train.vocab import Vocabulary

if TYPE_CHECKING:  # pragma: no cover
    from rational.demo import DemoContext
    from rational.report import Section

LABELS = ["0", "1"]


def _data(context: DemoContext) -> dict:
    """The synthetic sentiment splits (those of the models section when it ran)."""
    shared = context.shared.get("synthetic_sentiment")
    quick = context.quick
    if shared is None:
        shared = {
            "train": sentiment_examples(800 if quick else 3000, seed=context.seed * 10 + 1),
            "dev": sentiment_examples(200 if quick else 500, seed=context.seed * 10 + 2),
            "test": sentiment_examples(300 if quick else 1000, seed=context.seed * 10 + 3),
        }
    size = 400 if quick else 1200  # the sweep trains one model per λ: a part of the training split suffices
    return {"train": shared["train"][:size], "dev": shared["dev"], "test": shared["test"]}


def run(section: Section, context: DemoContext) -> None:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # these small models train fastest on one thread (and a busy machine hurts more threads)
    try:
        _run(section, context)
    finally:
        torch.set_num_threads(threads)


def _run(section: Section, context: DemoContext) -> None:
    quick = context.quick
    data = _data(context)
    vocab = Vocabulary.build(e.tokens for e in data["train"])
    task = get_task("classify")
    encoded = {name: task.encode(examples, vocab, LABELS) for name, examples in data.items()}
    units, order = 8, 4
    strengths = [0.0, 0.01] if quick else [0.0, 0.0005, 0.001, 0.003]
    section.text(
        "Every state of a rational RNN's automata gets a group of parameters: the input weights of the arcs that "
        "enter it and its self-loop's bias. Training with the penalty λ·Σ‖g‖₂ (group lasso) drives whole groups to "
        "zero; a state with a zero group never holds anything, nor does any state after it, so each chain is cut "
        "after its last live state, units left with no state are dropped, and the smaller model computes exactly "
        "what the zeroed one does (Dodge et al. 2019). Here a rational RNN of "
        f"{units} units of order {order} ({units * order} states) learns the synthetic sentiment task "
        f"({len(data['train'])} training sentences) for λ in {', '.join(f'{s:g}' for s in strengths)}; each model is "
        "pruned at threshold 0.1 and fine-tuned without the penalty."
    )

    def build() -> TextClassifier:
        torch.manual_seed(context.seed)
        return TextClassifier(RationalRNN(16, n=order, hidden_size=units), num_classes=2, vocab_size=len(vocab))

    start = time.perf_counter()
    results = lambda_sweep(
        strengths, build, task, encoded["train"], encoded["dev"], encoded["test"], threshold=0.1,
        training=TrainerConfig(epochs=4 if quick else 6, batch_size=16, lr=0.01, seed=context.seed, quiet=True),
        fine_tuning=TrainerConfig(epochs=1 if quick else 2, batch_size=16, lr=0.003, seed=context.seed, quiet=True),
    )
    seconds = time.perf_counter() - start
    headers, rows = sweep_table(results, "test", "accuracy")
    section.table(headers, rows)
    picture = plot_sweep(results, section.picture_path("accuracy against states", ".png"), split="test",
                         title="synthetic sentiment: test accuracy against states kept")
    section.picture(picture, f"test accuracy against the number of states kept ({seconds:.0f} s for the sweep)")

    # The automata of one unit before and after pruning, each arc with its two heaviest words.
    pruned_runs = [r for r in results if r.strength > 0 and r.pruning is not None]
    if not pruned_runs:
        section.summary("every λ pruned every state; nothing to draw")
        return
    chosen = min(pruned_runs, key=lambda r: r.pruning.states_after)
    lengths = chosen.pruning.lengths[0]
    unit = max(range(units), key=lambda u: (0 < lengths[u] < order, lengths[u]))
    trained = chosen.trained_model
    embeddings = trained.embedding.weight.detach()
    section.automaton(trained.encoder.to_wfsa(vocab.tokens, embeddings, copy=unit, top_k=2),
                      f"unit {unit} trained with λ = {chosen.strength:g}, before pruning ({order} states after the start)",
                      precision=2)
    pruned = chosen.model
    new_unit = chosen.pruning.features.index(unit)
    section.automaton(pruned.encoder.to_wfsa(vocab.tokens, pruned.embedding.weight.detach(), copy=new_unit, top_k=2),
                      f"the same unit after pruning and fine-tuning ({lengths[unit]} state(s) after the start)",
                      precision=2)
    final = chosen.stages[-1]
    baseline = results[0].stages[-1]
    section.text(
        f"With λ = {chosen.strength:g} the units keep {lengths} states: {chosen.pruning.states_after} of "
        f"{chosen.states_total} states and {chosen.pruning.automata_after} of {units} automata remain, "
        f"{chosen.pruning.parameters_after:,} of {chosen.parameters_total:,} parameters. Weak arcs (words of "
        "near-zero weight) still appear in the first drawing: their states are the ones pruning removes."
    )
    section.summary(
        f"λ = {chosen.strength:g} keeps {final.states}/{chosen.states_total} states with test accuracy "
        f"{final.metric('test', 'accuracy'):.3f} (no penalty: {baseline.metric('test', 'accuracy'):.3f})"
    )
