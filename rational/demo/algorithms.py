"""Demo section: determinize and minimize machines, drawn before and after, and
equivalence checks with their counterexamples."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rational import WFSA, Real, Tropical, equivalent, regex
from rational.regex import thompson

if TYPE_CHECKING:  # pragma: no cover
    from rational.demo import DemoContext
    from rational.report import Section

PATTERN = "(a|b)*abb"
NEAR_MISS = "(a|b)*bb"
WORDS = {"cat": 1.0, "car": 2.0, "cart": 2.5, "bat": 1.0, "bar": 2.0, "bart": 2.5, "at": 0.5}


def word_list(words: dict[str, float]) -> WFSA:
    """A Tropical machine with one path per word (its cost on the first arc), all
    leaving the same start state: a small nondeterministic lexicon."""
    arcs, finals, state = [], [], 1
    for word, cost in words.items():
        previous = 0
        for i, letter in enumerate(word):
            arcs.append((previous, letter, state, cost if i == 0 else 0.0))
            previous, state = state, state + 1
        finals.append(previous)
    return WFSA.from_arcs(Tropical, arcs, initial=0, final=finals, alphabet=sorted(set("".join(words))))


def run(section: Section, context: DemoContext) -> None:
    # 1. A regular expression, its automata, and the minimal DFA.
    epsilon_machine = thompson(PATTERN, alphabet="ab")
    nfa = epsilon_machine.remove_epsilons()
    dfa = nfa.determinize()
    minimal = dfa.minimize()
    section.text(
        f"The regular expression {PATTERN} becomes an automaton with epsilon arcs by Thompson's "
        f"construction ({epsilon_machine.num_states} states), then an epsilon-free nondeterministic one "
        f"({nfa.num_states} states); the subset construction makes it deterministic ({dfa.num_states} "
        f"states) and Hopcroft's partition refinement minimal ({minimal.num_states} states)."
    )
    section.automaton(nfa, f"{PATTERN}: epsilon-free NFA, {nfa.num_states} states")
    section.automaton(minimal, f"{PATTERN}: minimal DFA, {minimal.num_states} states")

    # 2. A weighted lexicon: determinization merges prefixes, minimization suffixes.
    lexicon = word_list(WORDS)
    trie = lexicon.determinize()
    compact = trie.minimize()
    section.text(
        "A Tropical word list (one path per word, its cost on the first letter): determinizing merges "
        f"common prefixes ({lexicon.num_states} -> {trie.num_states} states) and minimizing, after pushing "
        f"the costs toward the start, merges common suffixes ({compact.num_states} states). "
        "Every word keeps its cost."
    )
    section.automaton(lexicon, f"word list, {lexicon.num_states} states")
    section.automaton(compact, f"minimal deterministic, {compact.num_states} states")
    section.table(["word", "cost (word list)", "cost (minimal)"], [[w, lexicon.score(w), compact.score(w)] for w in WORDS])

    # 3. Equivalence checks, each with the method that decided it.
    from rational.demo.core import weather_model

    weather = context.shared.get("weather") or weather_model()
    src, label, dst, weight = weather.arc_arrays
    changed = weight.copy()
    changed[(src == 2) & (label == weather.alphabet.index("rain"))] = 0.25
    tweaked = WFSA.from_arrays(
        Real, weather.alphabet, weather.initial_weights, weather.final_weights, src, label, dst, changed
    )
    checks = [
        (f"{PATTERN}: NFA vs minimal DFA", nfa, minimal),
        (f"{PATTERN} vs {NEAR_MISS}", regex(PATTERN, "ab"), regex(NEAR_MISS, "ab")),
        ("word list vs its minimal form", lexicon, compact),
        ("weather model vs P(rain | rain) 0.5 -> 0.25", weather, tweaked),
    ]
    rows, verdicts = [], []
    for name, a, b in checks:
        result = equivalent(a, b)
        example = result.counterexample
        shown = "-" if example is None else (example.string or "(empty)")
        scores = "-" if example is None else f"{example.score_a!r} vs {example.score_b!r}"
        rows.append([name, "equivalent" if result else "different", shown, scores, result.method])
        verdicts.append("=" if result else f"!= on {shown!r}")
    section.table(["machines", "verdict", "counterexample", "scores", "method"], rows)
    section.text(
        "Boolean machines are compared by Hopcroft and Karp's union-find over the determinized "
        "machines (a shortest counterexample), Real ones by linear algebra over forward vectors "
        "(Schützenberger, Tzeng), Tropical ones by comparing their pushed deterministic forms."
    )
    section.summary(
        f"{PATTERN}: NFA {nfa.num_states} -> DFA {dfa.num_states} -> minimal {minimal.num_states} states; "
        f"lexicon {lexicon.num_states} -> {compact.num_states} states; equivalence checks: {', '.join(verdicts)}"
    )
