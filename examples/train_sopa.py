"""Train SoPa on a synthetic sentiment task, evaluate the checkpoint, export a pattern.

1. ``rational.train.synthetic`` writes a sentiment data set with negation (*not good*
   is negative, *not bad* positive) as ``label tokens...`` files.
2. ``rational.train.pipeline.train`` trains a SoPa classifier (soft patterns of
   lengths 3 and 2 in the max-plus semiring, an MLP of 25 hidden units) and writes a
   checkpoint folder; its test accuracy is printed.
3. The checkpoint is loaded again and evaluated, as ``rational evaluate`` would.
4. The pattern that weighs most in the classifier is exported as an automaton over
   the vocabulary: exactly (it scores sentences as the model's pattern score does)
   and with each arc's three best words, drawn to a file.

Run it with ``python examples/train_sopa.py [output-folder]``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from rational.train.checkpoint import evaluate_checkpoint, load_checkpoint
from rational.train.pipeline import DataConfig, train
from rational.train.synthetic import write_sentiment_splits
from rational.train.trainer import TrainerConfig


def main(out: Path) -> None:
    # 1. Data the project generates itself.
    paths = write_sentiment_splits(out / "data", train=1200, dev=200, test=300, seed=0)
    data = DataConfig(train=str(paths["train"]), dev=str(paths["dev"]), test=str(paths["test"]))

    # 2. Train SoPa (Schwartz et al. 2018) with a small set of patterns.
    torch.set_num_threads(1)
    result = train(
        out / "sopa",
        data=data,
        model="sopa",
        model_options={"pattern_lengths": {3: 6, 2: 6}, "semiring": "MaxPlus"},
        embedding_dim=24,
        mlp_hidden=25,
        training=TrainerConfig(epochs=4, batch_size=32, lr=0.01, seed=0, quiet=True),
    )
    print(f"SoPa: best dev accuracy {result.best_dev:.3f} (epoch {result.best_epoch}), "
          f"test accuracy {result.test['accuracy']:.3f}, {result.seconds:.1f} s")
    assert result.test["accuracy"] > 0.9

    # 3. The checkpoint folder rebuilds the model and evaluates it.
    print("evaluated from the checkpoint:", evaluate_checkpoint(out / "sopa", paths["test"]))
    checkpoint = load_checkpoint(out / "sopa")
    model, vocab = checkpoint.model, checkpoint.vocab
    encoder, embeddings = model.encoder, model.embedding.weight.detach()

    # 4. The pattern the classifier's first layer weighs most, as an automaton.
    first_layer = model.output[0].weight.detach()
    pattern = int(first_layer.abs().sum(0).argmax())
    exact = encoder.to_wfsa(vocab.tokens, embeddings, copy=pattern)
    sentence = "the film was not very good .".split()
    ids = torch.tensor([vocab.encode(sentence)])
    with torch.no_grad():
        score = encoder(model.embedding(ids), ids != 0).pooled[0, pattern].item()
    print(f"pattern {pattern} on {' '.join(sentence)!r}: model {score:.4f}, automaton {exact.score(sentence):.4f}")
    assert np.isclose(exact.score(sentence), score, rtol=1e-4, atol=1e-5)
    pruned = encoder.to_wfsa(vocab.tokens, embeddings, copy=pattern, top_k=3)
    picture = pruned.save_picture(out / f"pattern-{pattern}.svg", title=f"SoPa pattern {pattern}, top 3 words per arc")
    print(f"pattern {pattern}, three best words per arc: {picture} ({pruned.num_states} states, {pruned.num_arcs} arcs)")


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    main(folder)
