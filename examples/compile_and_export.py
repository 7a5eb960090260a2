"""Compile an automaton into a PyTorch module, train it, and export it back.

1. A Log-semiring WFSA over {a, b} with a "background" path and an "ab" path.
2. ``rational.nn.compile`` turns it into a module that scores every string exactly
   as the automaton does.
3. A few steps of gradient descent teach it a toy task: does the string contain "ab"?
4. ``to_wfsa`` exports the trained module as an automaton again, drawn to a file.
5. A SoPa-style pattern (a chain with self-loops and epsilons) over word vectors is
   exported over a small vocabulary, exactly and with each arc's top 2 words.

Run it with ``python examples/compile_and_export.py [output-folder]``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from rational import WFSA, Log, MaxPlus
from rational.nn import Template, compile

HALF = float(np.log(0.5))


def contains_ab_machine() -> WFSA:
    """Background path (state 0 reads anything) plus a path through "ab" (states 1, 2)."""
    arcs = [
        (0, "a", 0, HALF), (0, "b", 0, HALF),      # background
        (0, "a", 1, HALF), (1, "b", 2, HALF),      # the pattern "ab"
        (2, "a", 2, HALF), (2, "b", 2, HALF),      # anything after it
    ]
    return WFSA.from_arcs(Log, arcs, initial=0, final={0: HALF, 2: HALF}, alphabet="ab")


def toy_data(count: int, seed: int) -> tuple[list[str], torch.Tensor]:
    rng = np.random.default_rng(seed)
    strings = ["".join(rng.choice(["a", "b"], size=rng.integers(1, 9))) for _ in range(count)]
    labels = torch.tensor([float("ab" in s) for s in strings], dtype=torch.float64)
    return strings, labels


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    return float(((logits > 0).double() == labels).double().mean())


def main(out: Path) -> None:
    torch.manual_seed(0)
    machine = contains_ab_machine()

    # 2. Compile: the module agrees with the automaton on every string.
    module = compile(machine, dtype=torch.float64)
    print(module)
    samples = ["", "a", "ab", "bba", "abab"]
    ids, mask = module.encode(samples)
    with torch.no_grad():
        documents = module(ids, mask).document[:, 0]
    for string, document in zip(samples, documents.tolist()):
        print(f"{string!r:8} module {document:9.5f}   wfsa {machine.score(string):9.5f}")
        assert np.isclose(document, machine.score(string), rtol=1e-12)

    # 3. Train: the document score is the logit of "contains ab".
    strings, labels = toy_data(300, seed=0)
    ids, mask = module.encode(strings)
    bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([*module.parameters(), bias], lr=0.1)
    loss_function = torch.nn.BCEWithLogitsLoss()
    for step in range(60):
        optimizer.zero_grad()
        logits = module(ids, mask).document[:, 0] + bias
        loss = loss_function(logits, labels)
        loss.backward()
        optimizer.step()
        if step in (0, 59):
            print(f"step {step:2d}: loss {loss.item():.4f}, accuracy {accuracy(logits, labels):.3f}")

    # 4. Export the trained module: an exact automaton again.
    trained = module.to_wfsa()
    with torch.no_grad():
        documents = module(*module.encode(samples)).document[:, 0]
    for string, document in zip(samples, documents.tolist()):
        assert np.isclose(trained.score(string), document, rtol=1e-12)
    print("trained automaton:", trained.save_picture(out / "trained.svg", title="trained on 'contains ab'"))

    # 5. A SoPa pattern over word vectors, exported over a vocabulary.
    words = ["the", "movie", "was", "not", "good", "bad"]
    embeddings = torch.randn(len(words), 8, dtype=torch.float64)
    pattern = compile(Template.chain(2, epsilons=True), MaxPlus, parameterization="projected",
                      input_size=8, copies=4, dtype=torch.float64)
    sentence = ["the", "movie", "was", "not", "good"]
    vectors = embeddings[[words.index(w) for w in sentence]].unsqueeze(0)
    with torch.no_grad():
        best = pattern(vectors).document[0]
    exact = pattern.to_wfsa(words, embeddings, copy=0)
    pruned = pattern.to_wfsa(words, embeddings, copy=0, top_k=2)
    print(f"pattern 0 best span score: module {best[0].item():.4f}, exported {exact.score(sentence):.4f}, "
          f"top-2 export {pruned.score(sentence):.4f}")
    assert np.isclose(exact.score(sentence), best[0].item(), rtol=1e-12)
    print("pattern automaton:", pruned.save_picture(out / "pattern-top2.svg", title="pattern 0, top 2 words per arc"))


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    main(folder)
