"""The SST-2 and PTB benchmark scripts, run end to end on small synthetic data laid out like the real sets."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from rational.train.synthetic import sentiment_examples, write_language_corpus

ROOT = Path(__file__).resolve().parent.parent


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tree(words: list[str], label: int) -> str:
    """A right-branching SST tree: every suffix phrase carries the sentence's label, every word is neutral."""
    if len(words) == 1:
        return f"(2 {words[0]})"
    return f"({label} (2 {words[0]}) {tree(words[1:], label)})"


@pytest.fixture(scope="module")
def sst_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sst")
    (folder / "sst2").mkdir()
    (folder / "sst_trees").mkdir()
    for k, split in enumerate(("train", "dev", "test")):
        examples = sentiment_examples(60 if split == "train" else 20, seed=10 + k)
        (folder / "sst2" / f"stsa.binary.{split}").write_text(
            "".join(f"{e.label} {' '.join(e.tokens)}\n" for e in examples)
        )
        if split == "train":
            (folder / "sst_trees" / "train.txt").write_text(
                "".join(tree(list(e.tokens), 3 if e.label == "1" else 1) + "\n" for e in examples)
            )
    return folder


def test_sst2_benchmark_on_synthetic_data(sst_folder, tmp_path, capsys):
    sst2 = load("sst2")
    results = sst2.main(["--data", str(sst_folder), "--minutes", "5", "--epochs", "1", "--embedding-dim", "8",
                         "--threads", "1", "--out", str(tmp_path), "--quiet"])
    assert [(r["setting"], r["model"]) for r in results] == [
        (setting, model) for setting in ("phrases", "sentences") for model in ("sopa", "rrnn", "lstm")
    ]
    for result in results:
        assert 0.0 <= result["test_accuracy"] <= 1.0 and result["epochs"] == 1 and not result["stopped_by_budget"]
    printed = capsys.readouterr().out
    assert "setting    model  test acc" in printed and "phrases    sopa" in printed


def test_sst2_benchmark_rejects_unknown_models(sst_folder):
    with pytest.raises(SystemExit):
        load("sst2").main(["--data", str(sst_folder), "--models", "transformer"])


def test_ptb_benchmark_on_synthetic_data(tmp_path, capsys):
    paths = write_language_corpus(tmp_path / "data", train=60, valid=15, test=15)
    for split, name in (("train", "ptb.train.txt"), ("valid", "ptb.valid.txt"), ("test", "ptb.test.txt")):
        paths[split].rename(tmp_path / "data" / name)
    ptb = load("ptb")
    results = ptb.main(["--data", str(tmp_path / "data"), "--minutes", "5", "--epochs", "2", "--size", "8",
                        "--batch-size", "4", "--bptt", "8", "--threads", "1", "--out", str(tmp_path / "runs"), "--quiet"])
    assert [r["model"] for r in results] == ["rrnn", "lstm"]
    for result in results:
        assert 1.0 < result["test_perplexity"] < 60 and result["epochs"] == 2
    assert all(r["softmax"] == "adaptive" for r in results)
    assert "model  test ppl" in capsys.readouterr().out
    tied = ptb.main(["--data", str(tmp_path / "data"), "--models", "rrnn", "--softmax", "full", "--minutes", "5",
                     "--epochs", "1", "--size", "8", "--batch-size", "4", "--bptt", "8", "--out", str(tmp_path / "tied"),
                     "--quiet"])
    assert tied[0]["softmax"] == "full" and 1.0 < tied[0]["test_perplexity"] < 60


@pytest.mark.parametrize("warm_start", [False, True])
def test_sparsity_benchmark_on_synthetic_data(sst_folder, tmp_path, capsys, warm_start):
    results_file = tmp_path / "sparsity.json"
    argv = ["--data", str(sst_folder / "sst2"), "--minutes", "2", "--lambdas", "0.05,0", "--epochs", "2",
            "--fine-tune", "1", "--units", "3", "--order", "2", "--embedding-dim", "8", "--repeats", "1",
            "--json", str(results_file)] + (["--warm-start"] if warm_start else [])
    assert load("sparsity_sst2").main(argv) == 0
    runs = json.loads(results_file.read_text())["runs"]
    # --warm-start runs the unregularized model first (the others start from it) and its control
    assert [r["key"] for r in runs] == ([0.0, "0 continued", 0.05] if warm_start else [0.05, 0.0])
    assert all(r["stages"][0]["states"] <= 6 for r in runs)
    printed = capsys.readouterr().out
    assert "target (a pruned model with <= 25% of the states" in printed
    assert ("start from the trained λ = 0 model" in printed) == warm_start
    assert ("trained as long as the penalized runs" in printed) == warm_start
