"""Demo section: compile automata into PyTorch modules, train one, export it back."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
import torch

from rational import WFSA, Log
from rational.demo.core import weather_model
from rational.nn import compile

if TYPE_CHECKING:  # pragma: no cover
    from rational.demo import DemoContext
    from rational.report import Section

HALF = float(np.log(0.5))


def contains_ab_machine() -> WFSA:
    """A Log machine with a background path (state 0) and a path through "ab"."""
    arcs = [
        (0, "a", 0, HALF), (0, "b", 0, HALF),
        (0, "a", 1, HALF), (1, "b", 2, HALF),
        (2, "a", 2, HALF), (2, "b", 2, HALF),
    ]
    return WFSA.from_arcs(Log, arcs, initial=0, final={0: HALF, 2: HALF}, alphabet="ab")


def labelled_strings(count: int, lengths: tuple[int, int], rng: np.random.Generator) -> tuple[list[str], torch.Tensor]:
    """Half strings that contain "ab", half that do not (those are exactly b…ba…a)."""
    strings = []
    for k in range(count):
        length = int(rng.integers(*lengths))
        if k % 2:
            cut = int(rng.integers(0, length + 1))
            strings.append("b" * cut + "a" * (length - cut))
        else:
            string = ""
            while "ab" not in string:
                string = "".join(rng.choice(["a", "b"], size=max(length, 2)))
            strings.append(string)
    return strings, torch.tensor([float("ab" in s) for s in strings], dtype=torch.float64)


def run(section: Section, context: DemoContext) -> None:
    torch.manual_seed(context.seed)
    rng = np.random.default_rng(context.seed)

    # 1. The core section's weather model, compiled: module and automaton agree.
    weather = context.shared.get("weather")
    if weather is None:  # running without the core section
        weather = weather_model()
    module = compile(weather, dtype=torch.float64)
    samples = weather.sample(100 if context.quick else 1000, seed=context.seed)
    ids, mask = module.encode(samples)
    start = time.perf_counter()
    with torch.no_grad():
        documents = module(ids, mask).document[:, 0].numpy()
    module_seconds = time.perf_counter() - start
    expected = np.array([weather.score(s) for s in samples])
    worst = float(np.max(np.abs(documents - expected) / np.maximum(np.abs(expected), 1e-300)))
    section.text(
        "rational.nn.compile turns the weather model of the previous section into a PyTorch module whose "
        f"forward pass scores a padded batch of token ids. On {len(samples)} sampled sequences (one batch, "
        f"{module_seconds * 1e3:.1f} ms) the module and the automaton agree to a relative {worst:.1e}."
    )
    section.table(
        ["sequence", "module", "automaton"],
        [[" ".join(s) or "(empty)", float(d), float(e)] for s, d, e in zip(samples[:5], documents, expected)],
    )
    section.code(repr(module))

    # 2. Train a compiled machine on a toy task: does the string contain "ab"?
    machine = contains_ab_machine()
    section.automaton(machine, "before training (Log semiring)")
    module = compile(machine, dtype=torch.float64)
    train, train_labels = labelled_strings(200 if context.quick else 1000, (1, 9), rng)
    test, test_labels = labelled_strings(200 if context.quick else 1000, (9, 21), rng)  # longer than training
    steps = 40 if context.quick else 120
    bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([*module.parameters(), bias], lr=0.1)
    train_ids, train_mask = module.encode(train)
    test_ids, test_mask = module.encode(test)

    def accuracy(ids, mask, labels) -> float:
        with torch.no_grad():
            logits = module(ids, mask).document[:, 0] + bias
        return float(((logits > 0).double() == labels).double().mean())

    before = accuracy(test_ids, test_mask, test_labels)
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.zero_grad()
        logits = module(train_ids, train_mask).document[:, 0] + bias
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, train_labels)
        loss.backward()
        optimizer.step()
    train_seconds = time.perf_counter() - start
    after = accuracy(test_ids, test_mask, test_labels)
    majority = float(max(test_labels.mean(), 1 - test_labels.mean()))
    section.text(
        f"The module's document score (plus a bias) is the logit of 'contains ab'. {steps} Adam steps on "
        f"{len(train)} strings of length 1-8 ({train_seconds:.1f} s) move the test accuracy on {len(test)} "
        f"longer strings (length 9-20) from {before:.3f} to {after:.3f} (final training loss {loss.item():.4f}; "
        f"always answering the majority class would score {majority:.3f})."
    )

    # 3. Export: the trained module is an exact automaton again.
    trained = module.to_wfsa()
    with torch.no_grad():
        module_scores = module(test_ids, test_mask).document[:, 0].numpy()
    export_gap = max(abs(trained.score(s) - m) for s, m in zip(test, module_scores))
    section.automaton(trained, "after training, exported with to_wfsa()")
    section.text(
        f"The exported automaton has the same arcs with the trained weights; it scores the {len(test)} test "
        f"strings as the module does (largest difference {export_gap:.1e})."
    )
    section.summary(
        f"compiled weather model agrees with the automaton (max rel. diff {worst:.1e}); 'contains ab' "
        f"trained {before:.2f} -> {after:.2f} test accuracy; export matches the module ({export_gap:.1e})"
    )
