"""The explanation report renders: one valid SVG per pattern, well-formed HTML with
every section, and (when a headless browser is installed) a page that loads cleanly."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser

import pytest

from rational.explain import write_report

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
VOID = {"meta", "img", "br", "hr", "input", "link"}


class _Structure(HTMLParser):
    """Checks that every tag closes in order and collects section ids and images."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.sections: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs["id"])
        if tag == "img":
            self.images.append(attrs["src"])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"


@pytest.fixture(scope="module")
def report(trained, tmp_path_factory):
    folder = tmp_path_factory.mktemp("explained")
    train_length = max(len(e.tokens) for e in trained.train)
    result = write_report(trained.model, trained.test[:100], folder, top_ks=(1, None), documents=2,
                          train_length=train_length)
    return folder, result


def test_report_renders(report, trained):
    folder, result = report
    assert len(result.pictures) == len(trained.model.patterns)
    for picture in result.pictures:
        root = ElementTree.parse(picture).getroot()  # valid XML
        assert root.tag.endswith("svg")
    page = result.index.read_text(encoding="utf-8")
    structure = _Structure()
    structure.feed(page)
    structure.close()
    assert structure.stack == []
    assert structure.sections == ["model", "patterns", "explained-documents", "fidelity-of-extracted-automata"]
    assert len(structure.images) == len(result.pictures)
    for source in structure.images:
        assert (folder / source).is_file()
    assert result.fidelity[None].agreement == 100.0
    assert set(result.seconds) >= {"spans", "drawing", "documents", "fidelity", "total"}


def test_report_limits_patterns(trained, tmp_path):
    result = write_report(trained.model, trained.test[:30], tmp_path, top_ks=(), documents=0, patterns=2)
    assert len(result.pictures) == 2 and result.fidelity == {}
    assert "explained-documents" not in result.index.read_text()


def test_report_opens_in_a_headless_browser(report):
    browser = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)
    if browser is None:
        pytest.skip("no headless browser (chromium) installed")
    folder, result = report
    completed = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
         "--dump-dom", result.index.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "Fidelity of extracted automata" in completed.stdout
    console_errors = [line for line in completed.stderr.splitlines() if "CONSOLE" in line and "ERROR" in line]
    assert not console_errors, console_errors
