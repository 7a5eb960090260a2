"""The `rational` command: demo, draw, help and errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rational import WFSA, Real
from rational.cli import COMMANDS, main


def test_every_command_has_help(capsys):
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
        assert "usage: rational" in capsys.readouterr().out


def test_core_demo_writes_a_report_with_pictures(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--sections", "core", "--quick", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    index = tmp_path / "index.html"
    assert result["index"] == str(index)
    page = index.read_text()
    assert "weather model" in page and "<img" in page
    assert any("total mass 1.0000" in line for line in result["summary"])
    assert len(list((tmp_path / "pictures").glob("*.svg"))) >= 2


def test_unknown_demo_section_is_an_error(capsys):
    assert main(["demo", "--sections", "nope"]) == 1
    assert "unknown demo section(s) nope" in capsys.readouterr().err


def test_draw_command(tmp_path, capsys):
    path = tmp_path / "m.json"
    WFSA.from_arcs(Real, [(0, "a", 0, 0.5)], initial=0, final=0, alphabet="a").save(path)
    assert main(["draw", str(path), "--out", str(tmp_path / "m.svg")]) == 0
    assert (tmp_path / "m.svg").read_text().lstrip().startswith("<?xml")
    assert main(["draw", str(tmp_path / "missing.json"), "--out", str(tmp_path / "x.svg")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "rational.cli", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("rational ")
