"""Patterns drawn as automata: the best words on every arc, exact scores with every
word kept, visible self-loops and epsilons."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rational import Log, MaxPlus, Tropical
from rational.errors import ConfigError
from rational.explain import pattern_automaton, top_spans
from rational.explain.automaton import best_words
from rational.nn import Template, compile
from rational.nn.semiring_ops import from_working_numpy


def test_arcs_carry_the_best_words(trained):
    model = trained.model
    pattern = model.patterns[1]
    machine = pattern_automaton(model, 1, top_words=3)
    table = model.arc_word_weights(pattern).double().numpy()
    table[model.special_ids] = -np.inf
    template = pattern.module.template
    for arc, (src, dst) in enumerate(template.arcs):
        best = np.argsort(-table[:, arc], kind="stable")[:3]
        drawn = {a.label: a.weight for a in machine.arcs(src) if a.dst == dst and a.label is not None}
        assert set(drawn) == {model.vocab[i] for i in best}
        for i in best:  # MaxTimes weights, computed as logarithms
            assert drawn[model.vocab[i]] == pytest.approx(np.exp(table[i, arc]))
    epsilons = [a for a in machine.arcs() if a.label is None]
    assert len(epsilons) == template.num_epsilons
    assert machine.initial_states == [0] and machine.final_states == [template.num_states - 1]


def test_with_every_word_it_scores_a_span_as_the_pattern_does(trained):
    model = trained.model
    spans = top_spans(model, trained.test[:40], k=3)
    for p in (0, 6):
        machine = pattern_automaton(model, p, top_words=len(model.vocab), include_special=True)
        for span in spans[p]:  # a MaxTimes machine; span scores are logarithms
            assert np.log(machine.score(list(span.words))) == pytest.approx(span.score, abs=1e-9)


def test_drawing_shows_loops_epsilons_and_words(trained):
    machine = pattern_automaton(trained.model, 2, top_words=2)
    source = machine.draw().source
    assert "1 -> 1" in source and "2 -> 2" in source  # self-loops on the interior states
    assert "ε" in source
    words = {a.label for a in machine.arcs() if a.label}
    assert all(word in source for word in words)
    assert "<pad>" not in words and "<unk>" not in words


def test_subset_vocabulary_and_errors(trained):
    machine = pattern_automaton(trained.model, 0, vocab=["not", "good", "bad"], top_words=5)
    assert {a.label for a in machine.arcs() if a.label} <= {"not", "good", "bad"}
    with pytest.raises(ConfigError, match="not in the model's vocabulary"):
        pattern_automaton(trained.model, 0, vocab=["zebra"])
    with pytest.raises(ConfigError, match="pattern must be an index"):
        pattern_automaton(trained.model, 99)
    with pytest.raises(ConfigError, match="top_words"):
        pattern_automaton(trained.model, 0, top_words=0)


@pytest.mark.parametrize("ring", [Log, Tropical])
def test_other_semirings_keep_their_weights(ring):
    torch.manual_seed(0)
    bank = compile(Template.chain(2, epsilons=True), ring, parameterization="projected", input_size=3, copies=2)
    words = ["<pad>", "<unk>", "a", "b", "c"]
    vectors = torch.randn(5, 3)
    machine = pattern_automaton(bank, 1, vocab=words, embeddings=vectors, top_words=3)
    assert machine.semiring is ring
    table = bank.arc_weights(vectors[None])[0, :, 1, :].detach().double().numpy()
    chosen = best_words(table, bank.working, 3, excluded=[0, 1])
    for arc, (src, dst) in enumerate(bank.template.arcs):
        drawn = {a.label: a.weight for a in machine.arcs(src) if a.dst == dst and a.label}
        assert set(drawn) == {words[i] for i in chosen[:, arc]}
        for i in chosen[:, arc]:
            assert drawn[words[i]] == pytest.approx(float(from_working_numpy(ring, table[i, arc])))
    if ring is Tropical:  # the best words are the cheapest
        assert all(table[chosen[0, a], a] <= table[2:, a].min() + 1e-12 for a in range(table.shape[1]))


def test_max_plus_best_words_are_the_largest():
    weights = np.array([[-3.0, -0.5], [-0.1, -2.0], [-1.0, -1.0]])
    assert best_words(weights, MaxPlus, 1).tolist() == [[1, 0]]
    assert best_words(weights, MaxPlus, 1, excluded=[1]).tolist() == [[2, 0]]
