"""The demo's sparsity section runs (quick mode): a λ sweep, its plot, a unit before and after pruning."""

from __future__ import annotations

from rational.demo import run_demo


def test_sparsity_demo_section(tmp_path):
    result = run_demo(tmp_path, sections=["sparsity"], quick=True, echo=lambda line: None)
    page = result.index.read_text()
    assert "Learning smaller automata" in page and "group lasso" in page
    assert len(list((tmp_path / "pictures").glob("*.png"))) == 1
    assert len(list((tmp_path / "pictures").glob("*.svg"))) == 2
    (summary,) = result.summary
    kept, total = summary.split(" keeps ")[1].split()[0].split("/")
    assert 0 < int(kept) < int(total) == 32
