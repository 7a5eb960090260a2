"""The demo's models section trains SoPa and a rational RNN (quick mode) and shares the SoPa."""

from __future__ import annotations

from rational.demo import DemoContext
from rational.demo import models as section_module
from rational.models import SoPa, TextClassifier
from rational.report import Report


def test_models_demo_section(tmp_path):
    report = Report(tmp_path, title="demo")
    context = DemoContext(quick=True)
    section_module.run(report.section("Rational models"), context)
    page = report.write().read_text()
    assert "test accuracy" in page and "P(positive)" in page
    assert len(list((tmp_path / "pictures").glob("*.svg"))) == 3
    (summary,) = report.summary_lines
    sopa_accuracy = float(summary.split("SoPa test accuracy ")[1].split(",")[0])
    rnn_accuracy = float(summary.split("test accuracy ")[2].split()[0])
    assert sopa_accuracy > 0.9 and rnn_accuracy > 0.9
    shared = context.shared
    assert isinstance(shared["sopa"], TextClassifier) and isinstance(shared["sopa"].encoder, SoPa)
    assert not shared["sopa"].training
    assert len(shared["sopa_vocab"]) > 10 and shared["sopa_labels"] == ["0", "1"]
    assert shared["sopa_train"] is shared["synthetic_sentiment"]["train"] and len(shared["sopa_test"]) == 300
