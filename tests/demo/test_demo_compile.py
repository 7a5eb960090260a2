"""The demo's compile section runs (quick mode) and reports agreement and training."""

from __future__ import annotations

from rational.demo import run_demo


def test_compile_demo_section(tmp_path):
    result = run_demo(tmp_path, sections=["compile"], quick=True, echo=lambda line: None)
    page = result.index.read_text()
    assert "Compiling automata into PyTorch modules" in page
    assert len(list((tmp_path / "pictures").glob("*.svg"))) == 2
    (summary,) = result.summary
    assert "max rel. diff" in summary and "export matches the module" in summary
    accuracy_after = float(summary.split("->")[1].split()[0])
    assert accuracy_after > 0.9
