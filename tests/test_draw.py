"""Drawings: what the graph says, valid SVG, picture files, and a missing `dot`."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import graphviz
import pytest

from rational import WFSA, Boolean, Log, Real
from rational.draw import format_weight
from rational.errors import MissingDependencyError


def machine() -> WFSA:
    return WFSA.from_arcs(
        Real, [(0, "a", 1, 0.5), (0, None, 1, 0.25), (1, "<unk>", 1, 1.0)], initial={0: 2.0}, final={1: 0.75}, alphabet=["a", "<unk>"]
    )


def test_the_graph_shows_weights_epsilons_and_final_states():
    source = machine().draw().source
    assert "a/0.5\nε/0.25" in source or "a/0.5\\nε/0.25" in source
    assert "<unk>" in source  # not read as an HTML label
    assert 'label="1/0.75" shape=doublecircle' in source
    assert "start0 -> 0 [label=2]" in source


def test_svg_is_valid_xml_and_notebooks_get_it():
    svg = machine()._repr_svg_()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")


@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
def test_save_picture_writes_the_format_of_the_suffix(tmp_path, suffix):
    path = machine().save_picture(tmp_path / "deep" / f"m{suffix}")
    head = path.read_bytes()[:8]
    assert {".svg": b"<?xml", ".png": b"\x89PNG", ".pdf": b"%PDF"}[suffix] in head


def test_unknown_suffix_and_missing_dot(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="use .svg, .png or .pdf"):
        machine().save_picture(tmp_path / "m.gif")

    def no_dot(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graphviz.Digraph, "pipe", no_dot)
    with pytest.raises(MissingDependencyError, match="apt-get install graphviz"):
        machine().save_picture(tmp_path / "m.svg")


def test_weight_formatting():
    assert format_weight(float("inf")) == "∞"
    assert format_weight(float("-inf")) == "-∞"
    assert format_weight(True) == "T"
    assert format_weight(0.123456, precision=2) == "0.12"
    boolean = WFSA.from_arcs(Boolean, [(0, "a", 0)], initial=0, final=0, alphabet="a")
    assert "a/T" not in boolean.draw().source
    log = WFSA.from_arcs(Log, [(0, "a", 0, 0.0)], initial=0, final=0, alphabet="a")
    assert "a/0" in log.draw(show_one_weights=True).source
