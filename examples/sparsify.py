"""Learn smaller automata: group lasso on a rational RNN, pruning, fine-tuning, and a λ sweep.

The data is the project's synthetic sentiment set: a sentence's label depends on an
adjective and a ``not`` before it (``not very good``), patterns of at most three
tokens. A rational RNN of 4-gram units is trained with the penalty ``λ Σ ‖g‖₂`` over
its states' parameter groups for a few λ, pruned, and fine-tuned; the script prints
states, parameters and accuracies and writes the accuracy-versus-states plot.

Usage: python examples/sparsify.py [OUTPUT_FOLDER]
"""

import sys
from pathlib import Path

import torch

from rational.models import RationalRNN, TextClassifier
from rational.train.sparsity import lambda_sweep, plot_sweep, sweep_table
from rational.train.synthetic import sentiment_examples
from rational.train.tasks import get_task
from rational.train.trainer import TrainerConfig
from rational.train.vocab import Vocabulary

out = Path(sys.argv[1] if len(sys.argv) > 1 else "sparsify-output")
out.mkdir(parents=True, exist_ok=True)
torch.set_num_threads(1)

# 1. Data: synthetic sentiment with negation, encoded for the classification task.
train_examples = sentiment_examples(400, seed=0)
dev_examples, test_examples = sentiment_examples(200, seed=1), sentiment_examples(200, seed=2)
vocab = Vocabulary.build(e.tokens for e in train_examples)
task = get_task("classify")
train, dev, test = (task.encode(examples, vocab, labels=["0", "1"])
                    for examples in (train_examples, dev_examples, test_examples))


# 2. The model: 8 units, each a chain of 4 states (32 states in all).
def build() -> TextClassifier:
    torch.manual_seed(0)
    return TextClassifier(RationalRNN(16, n=4, hidden_size=8), num_classes=2, vocab_size=len(vocab))


# 3. Train with each λ (0: no penalty), prune at threshold 0.1, fine-tune without the penalty.
results = lambda_sweep(
    [0.0, 0.003, 0.01, 0.02],
    build,
    task,
    train,
    dev,
    test,
    threshold=0.1,
    training=TrainerConfig(epochs=6, batch_size=16, lr=0.01, quiet=True),
    fine_tuning=TrainerConfig(epochs=2, batch_size=16, lr=0.003, quiet=True),
    log=print,
)

# 4. Report: sizes and accuracies, and the plot.
headers, rows = sweep_table(results, "test", "accuracy")
print("  ".join(headers))
for row in rows:
    print("  ".join(row))
for run in results:
    if run.pruning is not None:
        print(f"λ = {run.strength:g}: states per unit {run.pruning.lengths[0]}")
picture = plot_sweep(results, out / "sparsity_sweep.png", split="test")
print(f"plot: {picture}")
