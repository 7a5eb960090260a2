"""``rational explain`` end to end: a SoPa checkpoint trained by ``rational train``, a
report folder with one valid SVG per pattern, fidelity as JSON, clear errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree

import pytest

from rational.cli import main
from rational.train.synthetic import write_sentiment_splits


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    paths = write_sentiment_splits(folder / "data", train=300, dev=50, test=60, seed=3)
    run = folder / "run"
    status = main([
        "train", "--model", "sopa", "--train", str(paths["train"]), "--dev", str(paths["dev"]), "--out", str(run),
        "--embedding-dim", "8", "--option", "pattern_lengths=3:2,2:2", "--option", "semiring=MaxTimes",
        "--mlp-hidden", "6", "--epochs", "2", "--batch-size", "30", "--lr", "0.01", "--quiet",
    ])
    assert status == 0
    return run, paths


def test_explain_writes_the_report(checkpoint, tmp_path, capsys):
    run, paths = checkpoint
    capsys.readouterr()
    out = tmp_path / "explained"
    status = main(["explain", "--checkpoint", str(run), "--data", str(paths["test"]), "--out", str(out),
                   "--top-k", "1,all", "--spans", "3", "--documents", "2", "--json"])
    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["pictures"] == 4 and summary["train_length"] > 0
    assert summary["fidelity"]["all"]["agreement"] == 100.0
    assert set(summary["fidelity"]) == {"1", "all"}
    assert (out / "index.html").is_file()
    pictures = sorted((out / "pictures").glob("*.svg"))
    assert len(pictures) == 4
    for picture in pictures:
        ElementTree.parse(picture)
    page = (out / "index.html").read_text()
    assert "Fidelity of extracted automata" in page and "Explained documents" in page


def test_explain_errors(checkpoint, tmp_path, capsys):
    run, paths = checkpoint
    assert main(["explain", "--checkpoint", str(tmp_path / "missing"), "--data", str(paths["test"]),
                 "--out", str(tmp_path / "o")]) == 1
    assert "no such checkpoint folder" in capsys.readouterr().err
    assert main(["explain", "--checkpoint", str(run), "--data", str(tmp_path / "none.txt"),
                 "--out", str(tmp_path / "o")]) == 1
    assert "no such data file" in capsys.readouterr().err
    assert main(["explain", "--checkpoint", str(run), "--data", str(paths["test"]), "--out", str(tmp_path / "o"),
                 "--spans", "0"]) == 1
    assert "--spans must be a positive integer" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["explain", "--checkpoint", str(run), "--data", str(paths["test"]), "--out", "o", "--top-k", "x"])
