"""Membership and next-symbol examples: balanced, correct, deterministic."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from rational.errors import LanguageError, UnknownSymbolError
from rational.hierarchy.data import (
    encode,
    membership_examples,
    next_symbol_examples,
    next_symbol_targets,
    target_symbols,
    usable_lengths,
)
from rational.hierarchy.languages import END, LANGUAGES, get_language


@pytest.mark.parametrize("name", list(LANGUAGES))
def test_membership_examples_are_balanced_and_labelled_right(name):
    language = get_language(name)
    examples = membership_examples(language, range(0, 25), per_length=6, seed=1)
    by_length = Counter((len(e.string), e.label) for e in examples)
    for length in usable_lengths(language, range(0, 25)):
        assert by_length[(length, True)] == 3 and by_length[(length, False)] == 3
    assert {n for n, _ in by_length} == set(usable_lengths(language, range(0, 25)))
    assert all(language.contains(e.string) == e.label for e in examples)


def test_membership_examples_are_deterministic_and_per_length():
    language = get_language("dyck-2")
    first = membership_examples(language, [4, 8, 12], per_length=5, seed=3)
    again = membership_examples(language, [4, 8, 12], per_length=5, seed=3)
    alone = membership_examples(language, [8], per_length=5, seed=3)
    other_seed = membership_examples(language, [4, 8, 12], per_length=5, seed=4)
    assert first == again
    assert [e for e in first if len(e.string) == 8] == alone  # other lengths do not shift the stream
    assert first != other_seed
    assert sum(e.label for e in first) == 9  # odd per_length: the extra example is positive


def test_lengths_without_both_classes_are_skipped():
    assert usable_lengths(get_language("anbn"), range(7)) == [2, 4, 6]
    assert usable_lengths(get_language("anbn"), range(7), "next-symbol") == [0, 2, 4, 6]
    assert usable_lengths(get_language("tomita-4"), range(5)) == [3, 4]  # all strings shorter than 3 are in it


@pytest.mark.parametrize("name", list(LANGUAGES))
def test_next_symbol_targets_match_next_symbols(name):
    language = get_language(name)
    columns = target_symbols(language)
    assert columns[-1] == END and columns[:-1] == tuple(language.alphabet)
    examples = next_symbol_examples(language, [6, 9, 30], per_length=2, seed=0)
    assert examples and all(language.contains(e.string) for e in examples)
    for string, targets in examples:
        assert targets.shape == (len(string), len(columns)) and targets.dtype == bool
        for t in range(len(string)):
            legal = {columns[k] for k in np.flatnonzero(targets[t])}
            assert legal == language.next_symbols(string[: t + 1])
        assert targets[-1, -1]  # a string of the language may end
        with_start = next_symbol_targets(language, string, include_empty_prefix=True)
        assert np.array_equal(with_start[1:], targets)
        assert {columns[k] for k in np.flatnonzero(with_start[0])} == language.next_symbols("")


def test_encode_and_errors():
    dyck = get_language("dyck-2")
    assert encode(dyck, "([])").tolist() == [0, 2, 3, 1]
    with pytest.raises(UnknownSymbolError):
        encode(dyck, "(x")
    with pytest.raises(LanguageError, match="per_length is the number of examples per length"):
        membership_examples(dyck, [4], per_length=0)
    with pytest.raises(LanguageError, match="unknown objective 'lm'"):
        usable_lengths(dyck, [4], "lm")
    with pytest.raises(LanguageError, match="a length is an integer >= 0"):
        membership_examples(dyck, [-2], per_length=2)
