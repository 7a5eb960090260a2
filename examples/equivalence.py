"""Are two automata the same function? ``rational.equivalent`` answers, with a counterexample.

Three cases, one per kind of answer:

1. two regular expressions that look alike (Boolean: exact, shortest counterexample);
2. two probabilistic machines with different structure (Real: linear algebra), first
   equivalent, then after one probability changes;
3. a Tropical machine that cannot be determinized: equivalence is undecidable in
   general, so the answer comes from a bounded search and says it is not a proof.

Run it with ``python examples/equivalence.py [output-folder]``; drawings of the
machines go to the folder.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from rational import WFSA, Real, Tropical, equivalent, regex


def main(out: Path) -> None:
    # 1. Strings whose third-to-last symbol is 'a', written two ways: one is wrong.
    third_last = regex("(a|b)*a(a|b)(a|b)", alphabet="ab")
    attempt = regex("(a|b)*a(a|b)*(a|b)", alphabet="ab")  # "a, then at least one more symbol"
    result = equivalent(third_last, attempt)
    print("regular expressions:", result)
    example = result.counterexample
    print(f"  {example.string!r}: first {example.score_a}, second {example.score_b}")
    assert not result and example.score_a != example.score_b
    minimal = third_last.determinize().minimize()
    print(f"  the first as a minimal DFA: {minimal.num_states} states;", equivalent(third_last, minimal))
    minimal.save_picture(out / "third-to-last-a.svg", title="(a|b)*a(a|b)(a|b), minimal")

    # 2. A coin that stops with probability 0.5 after each toss, as one state or as two.
    one_state = WFSA.from_arcs(Real, [(0, "h", 0, 0.25), (0, "t", 0, 0.25)], initial=0, final={0: 0.5}, alphabet="ht")
    two_states = WFSA.from_arcs(
        Real,
        [(0, "h", 1, 0.25), (0, "t", 0, 0.25), (1, "h", 1, 0.25), (1, "t", 0, 0.25)],
        initial=0, final={0: 0.5, 1: 0.5}, alphabet="ht",
    )
    print("coins:", equivalent(one_state, two_states))
    biased = WFSA.from_arcs(
        Real,
        [(0, "h", 1, 0.25), (0, "t", 0, 0.25), (1, "h", 1, 0.30), (1, "t", 0, 0.20)],
        initial=0, final={0: 0.5, 1: 0.5}, alphabet="ht",
    )
    result = equivalent(one_state, biased)
    print("biased coin:", result)
    assert not result and result.counterexample.string == "hh"
    biased.save_picture(out / "biased-coin.svg", title="after heads, heads is likelier")

    # 3. Reading a^n costs min(n, 2n - 1) = n: the same function as a one-state loop,
    #    but the two branches' cost difference grows forever, so no determinization.
    loop = WFSA.from_arcs(Tropical, [(0, "a", 0, 1.0)], initial=0, final=0, alphabet="a")
    branches = WFSA.from_arcs(
        Tropical, [(0, "a", 1, 1.0), (1, "a", 1, 1.0), (0, "a", 2, 1.0), (2, "a", 2, 2.0)],
        initial=0, final=[0, 1, 2], alphabet="a",
    )
    result = equivalent(loop, branches, max_states=200)
    print("tropical:", result)
    assert result and not result.exact
    branches.save_picture(out / "two-branches.svg", title="min(n, 2n - 1)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
