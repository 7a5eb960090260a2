"""Algorithms against OpenFst (through pynini) on random machines of 10^3, 10^4, 10^5 arcs.

Operations and machines (all seeded):

* ``shortest distance``: a random cyclic machine, 5 arcs per state over 10 symbols;
  ``Tropical`` (Dijkstra) and ``Log`` (weights scaled so that the sums converge;
  OpenFst on 64-bit log arcs with ``delta=1e-9``);
* ``determinize``: a random word list as an automaton (every word a path from the
  start state, 3-10 symbols over 20, ``Tropical`` weights in {0, 1, 2, 3}): the
  construction of a lexicon's trie;
* ``minimize``: the determinized word list (a trie, many states merge) and a random
  partial DFA (5 of 10 symbols per state, cyclic, few states merge);
* ``intersect``: a random cyclic machine with a 3-state DFA over the same symbols
  (symbol 0 read a multiple of 3 times).

Each time is the best of ``--repeats`` runs, conversions to OpenFst excluded, and
the ratio is ours / OpenFst measured in the same run. Targets at 10^5 arcs: at most
20x OpenFst for every operation, at most 5x for shortest distance.

Run: ``python benchmarks/algorithms.py [--quick] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pynini

from rational import WFSA, Log, SymbolTable, Tropical
from rational.algorithms.combine import intersect
from rational.algorithms.determinize import determinize
from rational.algorithms.minimize import minimize
from rational.algorithms.shortest_distance import shortest_distance

TARGETS = {"shortest distance": 5.0}
DEFAULT_TARGET = 20.0


def best_time(step, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        begin = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - begin)
    return best


def alphabet(size: int) -> SymbolTable:
    return SymbolTable([f"s{i}" for i in range(size)])


def random_machine(rng, num_arcs: int, ring=Tropical, symbols: int = 10, per_state: int = 5) -> WFSA:
    n = max(2, num_arcs // per_state)
    src = np.repeat(np.arange(n), per_state)[:num_arcs]
    dst = rng.integers(0, n, size=len(src))
    label = rng.integers(0, symbols, size=len(src))
    initial = ring.zeros(n)
    initial[0] = ring.one
    final = np.where(rng.random(n) < 0.2, ring.one, ring.zero)
    if ring is Log:  # each state's arcs sum to at most 0.9: the path sums converge
        weight = np.log(rng.uniform(0.05, 1.0, size=len(src)) * 0.9 / per_state)
    else:
        weight = rng.integers(0, 4, size=len(src)).astype(np.float64)
    return WFSA.from_arrays(ring, alphabet(symbols), initial, final, src, label, dst, weight)


def word_list(rng, num_arcs: int, symbols: int = 20) -> WFSA:
    lengths = []
    while sum(lengths) < num_arcs:
        lengths.append(int(rng.integers(3, 11)))
    total = sum(lengths)
    dst = np.arange(1, total + 1)  # arc i enters the fresh state i + 1...
    src = dst - 1  # ...from the previous one,
    src[np.cumsum([0] + lengths[:-1])] = 0  # except a word's first arc, which leaves the start state
    ends = np.cumsum(lengths)  # the last state of each word is final
    initial = Tropical.zeros(total + 1)
    initial[0] = 0.0
    final = Tropical.zeros(total + 1)
    final[ends] = 0.0
    label = rng.integers(0, symbols, size=total)
    weight = rng.integers(0, 4, size=total).astype(np.float64)
    return WFSA.from_arrays(Tropical, alphabet(symbols), initial, final, src, label, dst, weight)


def random_dfa(rng, num_arcs: int, symbols: int = 10) -> WFSA:
    per_state = symbols // 2
    n = max(2, num_arcs // per_state)
    src = np.repeat(np.arange(n), per_state)
    label = np.concatenate([rng.choice(symbols, size=per_state, replace=False) for _ in range(n)])
    dst = rng.integers(0, n, size=len(src))
    initial = Tropical.zeros(n)
    initial[0] = 0.0
    final = np.where(rng.random(n) < 0.3, 0.0, np.inf)
    weight = rng.integers(0, 3, size=len(src)).astype(np.float64)
    return WFSA.from_arrays(Tropical, alphabet(symbols), initial, final, src, label, dst, weight)


def counting_dfa(symbols: int = 10) -> WFSA:
    arcs = [(q, f"s{a}", (q + 1) % 3 if a == 0 else q, 0.0) for q in range(3) for a in range(symbols)]
    return WFSA.from_arcs(Tropical, arcs, initial=0, final=0, alphabet=alphabet(symbols))


def cases(rng, num_arcs: int):
    """(operation, machine description, ours, OpenFst) for one size."""
    tropical = random_machine(rng, num_arcs)
    f_tropical = tropical.to_pynini()
    log = random_machine(rng, num_arcs, Log)
    f_log = log.to_pynini("log64")
    words = word_list(rng, num_arcs)
    f_words = words.to_pynini()
    trie = determinize(words)
    f_trie = trie.to_pynini()
    dfa = random_dfa(rng, num_arcs)
    f_dfa = dfa.to_pynini()
    counter = counting_dfa()
    f_counter = counter.to_pynini()
    yield ("shortest distance", "Tropical", lambda: shortest_distance(tropical), lambda: pynini.shortestdistance(f_tropical))
    yield ("shortest distance", "Log", lambda: shortest_distance(log), lambda: pynini.shortestdistance(f_log, delta=1e-9))
    yield ("determinize", "word list", lambda: determinize(words, max_states=10 * num_arcs), lambda: pynini.determinize(f_words))
    yield ("minimize", "trie", lambda: minimize(trie), lambda: pynini.minimize(f_trie.copy()))
    yield ("minimize", "random DFA", lambda: minimize(dfa), lambda: pynini.minimize(f_dfa.copy()))
    yield (
        "intersect",
        "random x 3-state DFA",
        lambda: intersect(tropical, counter),
        lambda: pynini.intersect(f_tropical.copy().arcsort("olabel"), f_counter.copy().arcsort("ilabel")),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^3 and 10^4 arcs only")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs (default 3)")
    args = parser.parse_args()
    sizes = [10**3, 10**4] if args.quick else [10**3, 10**4, 10**5]
    rng = np.random.default_rng(0)
    print(f"{'operation':<18} {'machine':<22} {'arcs':>7} {'ours (s)':>10} {'OpenFst (s)':>12} {'ratio':>7}  target")
    worst: dict[str, float] = {}
    for num_arcs in sizes:
        for operation, machine, ours, theirs in cases(rng, num_arcs):
            ours(), theirs()  # warm-up
            t_ours, t_theirs = best_time(ours, args.repeats), best_time(theirs, args.repeats)
            ratio = t_ours / t_theirs
            target = TARGETS.get(operation, DEFAULT_TARGET)
            verdict = ""
            if num_arcs == sizes[-1]:
                worst[operation] = max(worst.get(operation, 0.0), ratio)
                verdict = f"<= {target:g}x {'met' if ratio <= target else 'MISSED'}"
            print(f"{operation:<18} {machine:<22} {num_arcs:>7} {t_ours:>10.4f} {t_theirs:>12.4f} {ratio:>7.2f}  {verdict}")
    print()
    for operation, ratio in worst.items():
        target = TARGETS.get(operation, DEFAULT_TARGET)
        print(f"{operation} at {sizes[-1]} arcs: worst ratio {ratio:.2f} (target <= {target:g}x)")


if __name__ == "__main__":
    main()
