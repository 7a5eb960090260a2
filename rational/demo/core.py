"""Demo section: the WFSA core (build, score, batch-score, draw, serialize, OpenFst)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from rational import WFSA, Log, Real, Tropical
from rational.io import to_att

if TYPE_CHECKING:  # pragma: no cover
    from rational.demo import DemoContext
    from rational.report import Section


def weather_model() -> WFSA:
    """A small probabilistic automaton over {sun, rain, fog} days (a Markov chain
    with a stopping probability): the demo's generated data comes from it."""
    arcs = [
        (0, "sun", 1, 0.6), (0, "rain", 2, 0.3), (0, "fog", 2, 0.1),
        (1, "sun", 1, 0.6), (1, "rain", 2, 0.2), (1, "fog", 2, 0.1),
        (2, "rain", 2, 0.5), (2, "sun", 1, 0.3), (2, "fog", 2, 0.1),
    ]
    return WFSA.from_arcs(Real, arcs, initial=0, final={1: 0.1, 2: 0.1}, alphabet=["sun", "rain", "fog"])


def edit_cost_model() -> WFSA:
    """A Tropical machine charging 1 for every 'b' after an 'a' and 0.5 for a final 'c'."""
    arcs = [(0, "a", 1, 0.0), (0, "b", 0, 0.0), (1, "a", 1, 0.0), (1, "b", 1, 1.0), (1, "c", 2, 0.5), (0, "c", 2, 0.5)]
    return WFSA.from_arcs(Tropical, arcs, initial=0, final={0: 0.0, 1: 0.0, 2: 0.0}, alphabet="abc")


def run(section: Section, context: DemoContext) -> None:
    weather = weather_model()
    section.text(
        "A probabilistic automaton over days of weather, built arc by arc in the Real "
        "semiring. Its final weights make it a distribution over finite day sequences."
    )
    section.automaton(weather, "weather model (Real semiring)")
    total = float(weather.initial_weights @ weather.shortest_distance(reverse=True))
    section.text(f"Total probability mass (shortest distance to the final states): {total:.6f}.")

    samples = weather.sample(400 if context.quick else 4000, seed=context.seed)
    start = time.perf_counter()
    batch = weather.score_batch(samples)
    batch_seconds = time.perf_counter() - start
    start = time.perf_counter()
    one_by_one = np.array([weather.score(s) for s in samples])
    loop_seconds = time.perf_counter() - start
    agree = float(np.max(np.abs(batch - one_by_one) / np.maximum(one_by_one, 1e-300)))
    rows = [[" ".join(s) or "(empty)", weather.score(s)] for s in samples[:6]]
    section.table(["sampled sequence", "probability"], rows)
    section.text(
        f"{len(samples)} sequences sampled from the model and scored with score_batch "
        f"({batch_seconds * 1e3:.1f} ms) and one at a time ({loop_seconds * 1e3:.1f} ms); "
        f"largest relative difference {agree:.1e}."
    )

    log_weather = weather.map_weights(np.log, Log)
    fst = log_weather.to_pynini("log64")
    import pynini

    openfst_total = -float(pynini.shortestdistance(fst, reverse=True, delta=1e-12)[fst.start()])
    back = WFSA.from_pynini(fst)
    worst = max(abs(back.score(s) - log_weather.score(s)) for s in samples[:200])
    section.text(
        "The same model in the Log semiring went to OpenFst (pynini, log64 arcs) and back: "
        f"OpenFst's total log-probability {openfst_total:.9f} (ours {np.log(total):.9f}); "
        f"largest score difference after the round trip {worst:.1e}."
    )

    costs = edit_cost_model()
    section.automaton(costs, "cost model (Tropical semiring)")
    section.table(["string", "cost"], [[s, costs.score(s)] for s in ["ab", "abbb", "bac", "ca"]])
    section.text("Its OpenFst AT&T text form:")
    section.code(to_att(costs))
    section.summary(
        f"weather model: total mass {total:.4f}; {len(samples)} samples batch-scored "
        f"(max rel. diff {agree:.1e}); OpenFst round trip max diff {worst:.1e}"
    )
    context.shared["weather"] = weather

