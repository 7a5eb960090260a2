"""Batch scoring against the OpenFst route, measured in one run.

Scores random strings against a random WFSA with ``WFSA.score_batch`` and with
OpenFst through pynini (a string acceptor composed with the machine, then
``shortestdistance`` per string), in ``Log`` and ``Tropical``; checks that the
results agree and prints times and ratios. ``score_batch`` runs its compiled loops
(numba, one core, like OpenFst; the default on the CPU); the line below each gives
its torch engine (vectorized over the batch, ``--threads`` threads) for comparison.

Usage: python benchmarks/score_batch.py [--strings 10000] [--states 100] [--symbols 50] [--arcs 5000]
Targets: Log at least 5x faster than OpenFst; Tropical at least as fast.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pynini

from rational import WFSA, Log, Tropical
from rational._batch_score import score_batch


def random_machine(semiring, states: int, symbols: int, arcs: int, rng: np.random.Generator) -> WFSA:
    alphabet = [f"s{i}" for i in range(symbols)]
    src = rng.integers(0, states, arcs)
    dst = rng.integers(0, states, arcs)
    label = rng.integers(0, symbols, arcs)
    probabilities = rng.uniform(0.05, 1.0, arcs) / 2.0
    weight = np.log(probabilities) if semiring is Log else -np.log(probabilities)
    initial = semiring.zeros(states)
    initial[rng.choice(states, 3, replace=False)] = semiring.one
    final = np.where(rng.random(states) < 0.3, semiring.one, semiring.zero)
    from rational.symbols import SymbolTable

    return WFSA.from_arrays(semiring, SymbolTable(alphabet), initial, final, src, label, dst, weight)


def openfst_scores(machine: WFSA, strings: list[list[str]], arc_type: str) -> np.ndarray:
    fst = machine.to_pynini(arc_type).arcsort("ilabel")
    table = fst.input_symbols()
    sign = -1.0 if machine.semiring is Log else 1.0
    out = np.empty(len(strings))
    for i, string in enumerate(strings):
        acceptor = pynini.accep(" ".join(string), arc_type=arc_type, token_type=table)
        composed = pynini.compose(acceptor, fst)
        if composed.start() < 0:
            out[i] = machine.semiring.zero
            continue
        distance = pynini.shortestdistance(composed, reverse=True)
        out[i] = sign * float(distance[composed.start()]) if distance else machine.semiring.zero
    return out


def dense_product_floor(machine: WFSA, strings: list[list[str]]) -> float:
    """Seconds for only the matrix products of the dense per-symbol method (rows
    grouped by symbol at every step, one float64 Q×Q product per group): a floor for
    any implementation of that method, whatever its bookkeeping costs."""
    import torch

    matrices = torch.rand(len(machine.alphabet), machine.num_states, machine.num_states, dtype=torch.float64)
    ids = [machine.encode(s) for s in strings]
    longest = max(len(x) for x in ids)
    counts = [np.bincount([x[t] for x in ids if len(x) > t], minlength=len(machine.alphabet)) for t in range(longest)]
    rows = torch.rand(len(strings), machine.num_states, dtype=torch.float64)
    start = time.perf_counter()
    for step in counts:
        for symbol, count in enumerate(step):
            if count:
                rows[:count] @ matrices[symbol]
    return time.perf_counter() - start


def best_time(function, repeats: int):
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strings", type=int, default=10_000)
    parser.add_argument("--states", type=int, default=100)
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--arcs", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs per timing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the torch engine (default 1)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    lengths = rng.integers(20, 61, args.strings)
    strings = [[f"s{k}" for k in rng.integers(0, args.symbols, n)] for n in lengths]
    print(
        f"{args.strings} strings of length 20-60; WFSA with {args.states} states, {args.symbols} symbols, "
        f"{args.arcs} arcs; best of {args.repeats}"
    )
    print(f"{'semiring':9} {'score_batch s':>14} {'OpenFst s':>10} {'ratio':>7} {'target':>8}  agreement")
    for semiring, arc_type, target in ((Log, "log", 5.0), (Tropical, "standard", 1.0)):
        machine = random_machine(semiring, args.states, args.symbols, args.arcs, rng)
        score_batch(machine, strings[:2])  # compiles the loops on a first call (cached on disk after)
        ours_time, ours = best_time(lambda m=machine: m.score_batch(strings), args.repeats)
        theirs_time, theirs = best_time(lambda m=machine, a=arc_type: openfst_scores(m, strings, a), max(1, args.repeats - 1))
        finite = np.isfinite(ours) & np.isfinite(theirs)
        same_support = bool(np.array_equal(np.isfinite(ours), np.isfinite(theirs)))
        worst = float(np.max(np.abs(ours[finite] - theirs[finite]) / np.maximum(1.0, np.abs(theirs[finite])))) if finite.any() else 0.0
        ratio = theirs_time / ours_time
        verdict = "met" if ratio >= target else "NOT met"
        print(
            f"{semiring.name:9} {ours_time:14.3f} {theirs_time:10.3f} {ratio:6.2f}x {target:6.1f}x  "
            f"max rel diff {worst:.1e} (OpenFst weights are float32), same accepted set: {same_support}; target {verdict}"
        )
        torch_time, torch_scores = best_time(lambda m=machine: score_batch(m, strings, engine="torch"), args.repeats)
        same = np.allclose(torch_scores, ours, rtol=1e-9, atol=1e-9, equal_nan=True) and bool(
            np.array_equal(np.isfinite(torch_scores), np.isfinite(ours))
        )
        print(
            f"{'  torch':9} {torch_time:14.3f} {'':>10} {theirs_time / torch_time:6.2f}x {'':>7}  "
            f"the torch engine ({args.threads} thread(s)), same scores as the compiled loops: {same}"
        )
        if semiring is Log:
            floor, _ = best_time(lambda m=machine: dense_product_floor(m, strings), args.repeats)
            print(
                f"{'':9} dense per-symbol products alone (float64, no bookkeeping): {floor:.3f} s = "
                f"{theirs_time / floor:.2f}x OpenFst's speed at best"
            )


if __name__ == "__main__":
    main()
