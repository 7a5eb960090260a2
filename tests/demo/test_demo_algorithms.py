"""The demo's algorithms section runs (quick mode): drawings and equivalence verdicts."""

from __future__ import annotations

from rational.demo import run_demo


def test_algorithms_demo_section(tmp_path):
    result = run_demo(tmp_path, sections=["algorithms"], quick=True, echo=lambda line: None)
    page = result.index.read_text()
    assert "Algorithms: determinize, minimize, equivalence" in page
    assert len(list((tmp_path / "pictures").glob("*.svg"))) == 4
    (summary,) = result.summary
    assert "minimal 4 states" in summary  # the classic minimal DFA of (a|b)*abb
    assert "!= on 'bb'" in summary and "!= on 'rain rain'" in summary
    assert "counterexample" in page
