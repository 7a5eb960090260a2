"""The demo's explain section runs (quick mode): patterns drawn with spans, an explained
document, exact extraction."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from rational.demo import run_demo


def test_explain_demo_section(tmp_path):
    result = run_demo(tmp_path, sections=["explain"], quick=True, echo=lambda line: None)
    page = result.index.read_text()
    assert "Reading a trained model" in page and "<mark" in page
    pictures = list((tmp_path / "pictures").glob("*.svg"))
    assert len(pictures) == 2
    for picture in pictures:
        ElementTree.parse(picture)
    (summary,) = result.summary
    assert "extraction agreement 100.0% exact" in summary
    assert "-> 0" in summary  # "not very good" is negative
