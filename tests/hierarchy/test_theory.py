"""The theory table: cited classes reproduced, expectations, generated docs, demo section."""

from __future__ import annotations

from pathlib import Path

import pytest

from rational.errors import LanguageError
from rational.hierarchy.languages import LANGUAGES, get_language
from rational.hierarchy.tables import BLOCKS, update_markdown
from rational.hierarchy.theory import (
    ARCHITECTURES,
    CLASSES,
    OUTCOMES,
    architecture_class,
    expectation_table,
    expected_outcome,
    recurrence,
    theory_table,
)

ROOT = Path(__file__).resolve().parents[2]


def test_analysis_reproduces_the_cited_classes():
    cited = {row.key: (row.cited, row.derived) for row in theory_table() if row.cited}
    assert cited == {
        "elman": ("finite-state", "finite-state"),
        "gru": ("finite-state", "finite-state"),
        "cnn": ("finite-state", "finite-state"),
        "qrnn": ("counter-blind rational", "counter-blind rational"),
        "lstm": ("counter-aware", "counter-aware"),
    }


def test_derived_classes():
    derived = {row.key: row.derived for row in theory_table() if not row.cited}
    assert derived == {
        "qrnn-f": "finite-state",
        "sru": "finite-state",
        "sru-state-gates": "finite-state",
        "rational-unigram": "finite-state",
        "rational-bigram": "finite-state",
        "sopa": "finite-state",
        "sopa-maxtimes": "finite-state",
    }
    for row in theory_table():
        assert row.derived in CLASSES and row.source == ("cited" if row.cited else "derived")
        assert row.expected == (row.cited or row.derived)


@pytest.mark.parametrize(
    ("key", "language", "objective", "outcome", "source"),
    [
        ("lstm", "anbn", "membership", "yes", "cited"),
        ("lstm", "anbn-sigma-star", "membership", "yes", "cited"),
        ("qrnn", "anbn", "membership", "yes", "cited"),
        ("qrnn", "anbn-sigma-star", "membership", "no", "cited"),
        ("qrnn", "anbn-sigma-star", "next-symbol", "no", "cited"),
        ("qrnn", "dyck-1", "membership", "no", "derived"),
        ("qrnn", "dyck-1", "next-symbol", "yes", "derived"),
        ("qrnn-f", "anbn", "membership", "no", "derived"),
        ("elman", "anbn", "membership", "no", "cited"),
        ("elman", "parity", "membership", "yes", "cited"),
        ("gru", "tomita-5", "membership", "yes", "cited"),
        ("qrnn", "parity", "membership", "no", "derived"),
        ("sopa", "tomita-3", "membership", "no", "derived"),
        ("sopa", "tomita-4", "membership", "open", "derived"),
        ("cnn", "tomita-4", "membership", "yes", "derived"),
        ("cnn", "tomita-7", "membership", "no", "derived"),
        ("cnn", "tomita-4", "next-symbol", "open", "derived"),
        ("sru-state-gates", "parity", "membership", "open", "derived"),
        ("lstm", "dyck-2", "membership", "no", "derived"),
        ("lstm", "copy", "next-symbol", "no", "derived"),
    ],
)
def test_expected_outcomes(key, language, objective, outcome, source):
    expectation = expected_outcome(key, get_language(language), objective)
    assert (expectation.outcome, expectation.source) == (outcome, source)
    assert expectation.reason


def test_expectation_table_covers_every_pair():
    table = expectation_table()
    assert len(table) == len(ARCHITECTURES) * len(LANGUAGES)
    assert {e.outcome for e in table.values()} <= set(OUTCOMES)
    # languages beyond counters are out of reach of every class here
    assert all(table[(key, name)].outcome == "no" for key in ARCHITECTURES for name in ("dyck-2", "copy"))


def test_bad_input_is_a_clear_error():
    with pytest.raises(LanguageError, match="unknown architecture 'transformer'; known: elman"):
        architecture_class("transformer")
    with pytest.raises(LanguageError, match="unknown objective 'lm'"):
        expected_outcome("lstm", get_language("anbn"), "lm")
    with pytest.raises(LanguageError, match="units must be an integer >= 1, got 0"):
        recurrence("lstm", units=0)


def test_recurrences_scale_with_units_and_features():
    lstm = recurrence("lstm", units=3, features=2)
    assert len(lstm.updates) == 6 and len(lstm.inputs) == 2
    assert len(recurrence("qrnn", features=2).inputs) == 4  # x and the previous x
    assert len(recurrence("sopa", units=2).updates) == 6


def test_docs_tables_are_current():
    page = (ROOT / "docs" / "hierarchy.md").read_text(encoding="utf-8")
    for name in BLOCKS:
        assert f"<!-- {name}:start -->" in page and f"<!-- {name}:end -->" in page
    assert update_markdown(page) == page, "run: python scripts/update_hierarchy_docs.py"


def test_demo_section(tmp_path):
    from rational.demo import run_demo

    result = run_demo(tmp_path, sections=["hierarchy-theory"], quick=True, echo=lambda line: None)
    page = result.index.read_text()
    assert "counter-blind rational" in page and "Tomita 3" in page and "<img" in page
    assert any("reproduces 5/5 classes" in line for line in result.summary)
