"""A tour of the automaton core: build, score, draw, serialize, and go through OpenFst.

Run it with ``python examples/core_tour.py [output-folder]``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from rational import WFSA, Log, Real, Tropical


def main(out: Path) -> None:
    # 1. Build: a probabilistic automaton for "a+ b", arc by arc.
    machine = WFSA(Real, alphabet="ab")
    start, loop, end = machine.add_state(initial=1.0), machine.add_state(), machine.add_state(final=1.0)
    machine.add_arc(start, "a", loop, 1.0)
    machine.add_arc(loop, "a", loop, 0.5)
    machine.add_arc(loop, "b", end, 0.5)

    # 2. Score one string, then many at once.
    print("P(aab) =", machine.score("aab"))  # 1 * 0.5 * 0.5 = 0.25
    strings = ["ab", "aab", "aaab", "b", ""]
    print("batch:", dict(zip(strings, machine.score_batch(strings).round(4).tolist())))
    total = machine.initial_weights @ machine.shortest_distance(reverse=True)
    print("total probability:", total)  # the geometric series sums to 1

    # 3. Draw it.
    picture = machine.save_picture(out / "a-plus-b.svg", title="a+ b")
    print("drawing:", picture)

    # 4. Serialize: JSON exactly, AT&T text for OpenFst tools.
    machine.save(out / "a-plus-b.json")
    again = WFSA.load(out / "a-plus-b.json")
    assert all(again.score(s) == machine.score(s) for s in strings)
    print(machine.map_weights(np.log, Log).to_att(), end="")

    # 5. Through OpenFst and back (Log weights become OpenFst costs).
    log_machine = machine.map_weights(np.log, Log)
    fst = log_machine.to_pynini()
    back = WFSA.from_pynini(fst)
    for s in strings:
        assert np.isclose(back.score(s), log_machine.score(s), atol=1e-6)
    print("OpenFst round trip: scores agree; arc type", fst.arc_type())

    # 6. Another semiring: the cheapest way to read a string (Tropical costs).
    costs = WFSA.from_arcs(Tropical, [(0, "a", 0, 1.0), (0, "a", 1, 3.0), (1, "b", 1, 0.5)], initial=0, final=[0, 1], alphabet="ab")
    print("cheapest cost of 'aa':", costs.score("aa"), "and of 'abb':", costs.score("abb"))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()))
