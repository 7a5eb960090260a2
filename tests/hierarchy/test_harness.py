"""The length-generalization harness: recognizers, runs, resumable sweeps, the report and the command."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from rational.cli import main
from rational.errors import ConfigError, LanguageError
from rational.hierarchy.data import encode, next_symbol_targets
from rational.hierarchy.harness import (
    Budget,
    Dataset,
    Run,
    SweepConfig,
    bin_datasets,
    bins,
    evaluate,
    load_model,
    load_results,
    majority_accuracy,
    plan_runs,
    probe,
    run_one,
    run_sweep,
    with_budget,
)
from rational.hierarchy.languages import LANGUAGES, RegularLanguage, get_language
from rational.hierarchy.recognizers import (
    MODELS,
    AutomatonRecognizer,
    available_models,
    build_recognizer,
    theory_key,
)
from rational.hierarchy.report import aggregate, agreement, table_markdown, write_report
from rational.hierarchy.theory import ARCHITECTURES
from rational.models import GRU
from rational.models.registry import ENCODERS
from rational.train.batching import pad

REGULAR = [name for name, cls in LANGUAGES.items() if issubclass(cls, RegularLanguage)]
TINY = Budget(
    train_max_length=6, test_max_length=14, bin_width=4, train_per_length=4, valid_per_length=2,
    test_per_bin=8, lengths_per_bin=2, steps=6, batch_size=8, eval_every=3, hidden_size=4, embedding_dim=4,
)


def quiet(line: str) -> None:
    pass


# -- recognizers and the theory mapping -----------------------------------------------------------
def test_every_model_maps_to_a_theory_entry():
    keys = {name: spec.theory for name, spec in MODELS.items()}
    assert keys == {
        "elman": "elman", "gru": "gru", "lstm": "lstm", "qrnn": "qrnn-f", "qrnn-ifo": "qrnn", "sru": "sru",
        "rrnn-unigram": "rational-unigram", "rrnn-bigram": "rational-bigram", "sopa": "sopa-maxtimes",
        "cnn": "cnn", "wfsa": None,
    }
    assert all(key in ARCHITECTURES for key in keys.values() if key is not None)


def test_theory_key_reads_options_and_registered_defaults(monkeypatch):
    assert theory_key("qrnn", {"gates": "ifo"}) == "qrnn"
    assert theory_key("qrnn", {"gates": "fo"}) == "qrnn-f"
    assert theory_key("rrnn", {"n": 3}) is None  # no theory entry for trigrams
    assert theory_key("rrnn", {"n": 1, "semiring": "MaxPlus"}) is None  # nor for max-plus rational RNNs
    assert theory_key("sopa", {"semiring": "MaxTimes"}) == "sopa-maxtimes"
    assert theory_key("sopa", {"semiring": "MaxPlus"}) is None  # affine arc scores: no theory entry
    assert theory_key("no-such-model") is None

    def bigram_by_default(input_size: int, hidden_size: int = 4, n: int = 2, gates: str = "ifo") -> GRU:
        return GRU(input_size, hidden_size)

    monkeypatch.setitem(ENCODERS, "rrnn", bigram_by_default)
    monkeypatch.setitem(ENCODERS, "qrnn", bigram_by_default)
    assert theory_key("rrnn") == "rational-bigram"  # the builder's defaults
    assert theory_key("rrnn", {"n": 1}) == "rational-unigram"
    assert theory_key("qrnn") == "qrnn"

    def order_required(input_size: int, n: int) -> GRU:
        return GRU(input_size, 4)

    monkeypatch.setitem(ENCODERS, "rrnn", order_required)
    assert theory_key("rrnn") is None  # no default order: no theory entry


def _strings(language, data):
    return data.draw(st.lists(st.text(alphabet=language.alphabet, min_size=1, max_size=12), min_size=1, max_size=6))


@settings(max_examples=15, deadline=None)
@given(name=st.sampled_from(REGULAR), data=st.data())
def test_compiled_automaton_decides_membership_and_next_symbols(name, data):
    language = get_language(name)
    strings = _strings(language, data)
    tokens, mask = pad([(encode(language, s) + 1).tolist() for s in strings])
    accepted = AutomatonRecognizer(language, "membership")(tokens, mask) > 0
    assert accepted.tolist() == [language.contains(s) for s in strings]
    legal = AutomatonRecognizer(language, "next-symbol")(tokens, mask) > 0
    for row, string in enumerate(strings):
        assert np.array_equal(legal[row, : len(string)].numpy(), next_symbol_targets(language, string))


@pytest.mark.parametrize("objective", ["membership", "next-symbol"])
def test_compiled_automaton_run_is_perfect(objective):
    budget = Budget(train_max_length=8, test_max_length=60, bin_width=26, test_per_bin=24, lengths_per_bin=3)
    result = run_one(Run("tomita-3", "wfsa", objective, 0, 0.01, budget))
    assert result["train_accuracy"] == 1.0 and result["accuracy"] == 1.0
    assert [(b["low"], b["high"], b["accuracy"]) for b in result["bins"]] == [(9, 34, 1.0), (35, 60, 1.0)]
    assert result["steps_run"] == 0 and not result["trained"]


def test_recognizer_shapes_and_errors():
    anbn = get_language("anbn")
    tokens = torch.tensor([[1, 1, 2, 2], [1, 2, 0, 0]])
    membership = build_recognizer("lstm", anbn, "membership", hidden_size=5)
    assert membership(tokens, tokens != 0).shape == (2,)
    assert membership.encoder.hidden_size == 5
    next_symbol = build_recognizer("gru", anbn, "next-symbol")
    assert next_symbol(tokens, tokens != 0).shape == (2, 4, 3)
    with pytest.raises(ConfigError, match="causal"):
        build_recognizer("lstm", anbn, "next-symbol", options={"bidirectional": True})
    with pytest.raises(ConfigError, match="regular"):
        build_recognizer("wfsa", anbn, "membership")
    with pytest.raises(ConfigError, match="unknown hierarchy model 'transformer'"):
        build_recognizer("transformer", anbn, "membership")
    with pytest.raises(ConfigError, match="no option 'width'"):
        build_recognizer("gru", anbn, "membership", options={"width": 3})


def test_a_model_registered_later_is_trained_by_name(monkeypatch):
    """The rational models join the registry under their names; the harness needs nothing more."""
    if "sru" not in ENCODERS:
        monkeypatch.setitem(ENCODERS, "sru", GRU)  # a stand-in encoder under the future name
    assert "sru" in available_models()
    result = run_one(Run("parity", "sru", "membership", 0, 0.01, TINY))
    assert result["steps_run"] == TINY.steps and 0.0 <= result["accuracy"] <= 1.0


# -- evaluation -----------------------------------------------------------------------------------
class FixedLogits(nn.Module):
    """Answers from stored logits (one row per batch row, in order)."""

    def __init__(self, logits: torch.Tensor):
        super().__init__()
        self.logits = logits

    def forward(self, tokens, mask):
        return self.logits[: tokens.shape[0], : tokens.shape[1]]


def test_next_symbol_string_is_right_only_when_every_position_is():
    language = get_language("anbn")
    strings = ["aabb", "ab"]
    targets = [next_symbol_targets(language, s) for s in strings]
    dataset = Dataset([encode(language, s) + 1 for s in strings], targets, np.array([4, 2]))
    # evaluation sorts by length: row 0 is "ab", row 1 is "aabb"
    logits = torch.full((2, 4, 3), -5.0)
    logits[0, :2] = torch.where(torch.as_tensor(targets[1]), 5.0, -5.0)
    logits[1] = torch.where(torch.as_tensor(targets[0]), 5.0, -5.0)
    assert evaluate(FixedLogits(logits), dataset, "next-symbol")[0] == 1.0
    logits[1, 2, 0] = 5.0  # one wrong symbol at one position of "aabb"
    assert evaluate(FixedLogits(logits), dataset, "next-symbol")[0] == 0.5
    logits[0, 2:] = 99.0  # padding positions of "ab" are ignored
    assert evaluate(FixedLogits(logits), dataset, "next-symbol")[0] == 0.5


def test_majority_baselines():
    membership = Dataset([np.array([1])] * 4, np.array([True, False, False, False]), np.ones(4, dtype=int))
    assert majority_accuracy(membership, "membership") == 0.75
    # next symbols: the constant prediction is each column's majority over all positions
    rows = [np.array([[1, 0], [1, 0]], bool), np.array([[1, 0]], bool), np.array([[0, 1], [1, 1]], bool)]
    dataset = Dataset([np.ones(len(r), int) for r in rows], rows, np.array([len(r) for r in rows]))
    assert majority_accuracy(dataset, "next-symbol") == pytest.approx(2 / 3)


def test_bins_merge_a_short_remainder():
    assert bins(Budget(train_max_length=40, test_max_length=500, bin_width=50))[-1] == (441, 500)
    assert bins(Budget(train_max_length=40, test_max_length=115, bin_width=50)) == [(41, 90), (91, 115)]
    assert bins(Budget(train_max_length=10, test_max_length=12, bin_width=50)) == [(11, 12)]


def test_bad_settings_are_refused():
    with pytest.raises(ConfigError, match="test_max_length"):
        Budget(train_max_length=40, test_max_length=40)
    with pytest.raises(ConfigError, match="steps"):
        Budget(steps=0)
    with pytest.raises(LanguageError, match="unknown language"):
        SweepConfig(["klingon"], ["gru"])
    with pytest.raises(ConfigError, match="unknown hierarchy model"):
        SweepConfig(["parity"], ["gpt"])
    with pytest.raises(ConfigError, match="learning rates"):
        SweepConfig(["parity"], ["gru"], lrs=(0.0,))


def test_unregistered_models_are_named(tmp_path, monkeypatch):
    monkeypatch.delitem(ENCODERS, "cnn", raising=False)
    with pytest.raises(ConfigError, match="cnn are not registered"):
        run_sweep(SweepConfig(["parity"], ["gru", "cnn"], budget=TINY), tmp_path, jobs=1, progress=quiet)


def test_plan_runs_the_automaton_once_and_only_on_regular_languages():
    config = SweepConfig(["parity", "anbn"], ["gru", "wfsa"], seeds=(0, 1), lrs=(0.1, 0.01), budget=TINY)
    planned = [(r.language, r.model) for r in plan_runs(config)]
    assert planned.count(("parity", "gru")) == 4 and planned.count(("anbn", "gru")) == 4
    assert planned.count(("parity", "wfsa")) == 1 and ("anbn", "wfsa") not in planned


# -- sweeps, resume, report -------------------------------------------------------------------------
def test_quick_end_to_end_writes_the_table_and_heatmap(tmp_path):
    config = SweepConfig(["parity", "anbn"], ["gru", "wfsa"], seeds=(0,), lrs=(0.02,), budget=TINY)
    sweep = run_sweep(config, tmp_path, jobs=1, progress=quiet)
    assert len(sweep.results) == 3 and len(sweep.ran) == 3 and not sweep.skipped
    files = write_report(sweep.results, tmp_path, settings=config.to_dict())
    for path in (files.table_markdown, files.table_csv, files.bins_csv, files.heatmap, files.curves, files.index):
        assert path.is_file() and path.stat().st_size > 0
    assert files.heatmap.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = files.table_markdown.read_text()
    assert "| parity (even #b) (`parity`) |" in table and "`wfsa`" in table
    anbn_row = next(line for line in table.splitlines() if "`anbn`" in line)
    assert anbn_row.rstrip().endswith("| — |")  # no automaton for a counter language
    cells = {(c.language, c.model): c for c in files.cells}
    assert cells[("parity", "wfsa")].best == 1.0 and not cells[("parity", "wfsa")].disagrees
    assert cells[("anbn", "gru")].expected.outcome == "no"
    csv_rows = files.table_csv.read_text().splitlines()
    assert csv_rows[0].startswith("language,model,objective,runs,best") and len(csv_rows) == 4
    assert "heatmap.png" in files.index.read_text()
    # the saved weights give the saved results back, and can be probed at other lengths
    gru = next(r for r in sweep.results if r["model"] == "gru" and r["language"] == "parity")
    model = load_model(tmp_path, gru)
    (low, high), dataset = bin_datasets("parity", "membership", TINY)[0]
    assert evaluate(model, dataset, "membership")[0] == gru["bins"][0]["accuracy"]
    (far,) = probe(model, "parity", "membership", [40], per_length=3)
    assert far["length"] == 40 and far["strings"] == 4 and far["majority"] == 0.5


def test_disagreements_are_marked():
    def result(language, model, accuracy):
        return {"language": language, "model": model, "objective": "membership", "accuracy": accuracy,
                "majority": 0.5, "train_accuracy": 1.0,
                "bins": [{"low": 7, "high": 10, "accuracy": accuracy, "majority": 0.5, "strings": 8}]}

    cells = aggregate([
        result("parity", "gru", 0.55),      # expected yes (cited), not recognized: disagrees
        result("parity", "gru", 0.65),
        result("dyck-2", "lstm", 0.97),     # expected no, recognized: disagrees
        result("tomita-4", "sru", 0.5),     # open: never disagrees
        result("anbn", "elman", 0.6),       # expected no, not recognized: agrees
    ])
    marks = {(c.language, c.model): c.disagrees for c in cells}
    assert marks == {("parity", "gru"): True, ("dyck-2", "lstm"): True, ("tomita-4", "sru"): False,
                     ("anbn", "elman"): False}
    gru = next(c for c in cells if c.model == "gru")
    assert (gru.runs, gru.best, gru.mean, gru.std) == (2, 0.65, pytest.approx(0.6), pytest.approx(0.05))
    assert agreement(cells) == (1, 3)
    table = table_markdown(cells)
    assert "0.65 (0.60 ± 0.05) yes* **✗**" in table and "0.50 open |" in table


def test_resume_skips_finished_runs(tmp_path):
    config = SweepConfig(["parity"], ["gru", "wfsa"], seeds=(0, 1), lrs=(0.02,), budget=TINY)

    class Interrupt(Exception):
        pass

    def stop_after_two(line: str) -> None:
        if line.startswith("[2/"):
            raise Interrupt

    with pytest.raises(Interrupt):
        run_sweep(config, tmp_path, jobs=1, progress=stop_after_two)
    saved = sorted((tmp_path / "runs").glob("*.json"))
    assert len(saved) == 2
    stamps = {path: path.stat().st_mtime_ns for path in saved}
    resumed = run_sweep(config, tmp_path, jobs=1, progress=quiet)
    assert len(resumed.skipped) == 2 and len(resumed.ran) == 1
    assert all(path.stat().st_mtime_ns == stamp for path, stamp in stamps.items())
    again = run_sweep(config, tmp_path, jobs=1, progress=quiet)
    assert again.ran == [] and len(again.skipped) == 3
    assert [r["run_id"] for r in again.results] == [r["run_id"] for r in resumed.results]
    # other settings are other runs: nothing is reused
    longer = run_sweep(with_budget(config, steps=TINY.steps + 1), tmp_path, jobs=1, progress=quiet)
    assert len(longer.ran) == 3 and not longer.skipped
    assert len(load_results(tmp_path)) == 6


def test_a_damaged_result_is_redone(tmp_path):
    config = SweepConfig(["parity"], ["wfsa"], budget=TINY)
    first = run_sweep(config, tmp_path, jobs=1, progress=quiet)
    (path,) = (tmp_path / "runs").glob("*.json")
    path.write_text('{"version": 1, "run": ')  # cut short
    second = run_sweep(config, tmp_path, jobs=1, progress=quiet)
    assert second.ran == first.ran and json.loads(path.read_text())["accuracy"] == 1.0


def test_process_pool_gives_the_in_process_results(tmp_path):
    config = SweepConfig(["parity", "tomita-3"], ["wfsa"], budget=TINY)
    pooled = run_sweep(config, tmp_path / "pool", jobs=2, progress=quiet)
    inline = run_sweep(config, tmp_path / "inline", jobs=1, progress=quiet)
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in pooled.results]
    assert strip == [{k: v for k, v in r.items() if k != "seconds"} for r in inline.results]
    assert os.path.isfile(tmp_path / "pool" / "sweep.json")


def test_command_line(tmp_path, capsys):
    out = tmp_path / "cli"
    argv = ["hierarchy", "--out", str(out), "--languages", "parity,tomita-3", "--models", "wfsa",
            "--train-max-length", "6", "--test-max-length", "14", "--bin-width", "4", "--test-per-bin", "8",
            "--jobs", "1", "--json"]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ran"] == 2 and report["agree"] == report["decided"] == 2
    assert {c["best"] for c in report["cells"]} == {1.0}
    assert (out / "heatmap.png").is_file() and (out / "table.md").is_file()
    assert main(argv[:-1]) == 0  # again, as a table: everything is reused
    printed = capsys.readouterr().out
    assert "0 runs made, 2 reused" in printed and "| Tomita 3 (`tomita-3`) | 0.50 | 1.00 yes |" in printed
    assert main(["hierarchy", "--out", str(out), "--models", "gru", "--seeds", "a,b"]) == 1
    assert "--seeds takes comma-separated ints" in capsys.readouterr().err


def test_demo_section(tmp_path):
    from rational.demo import run_demo

    result = run_demo(tmp_path, sections=["hierarchy-runs"], quick=True, echo=quiet)
    page = result.index.read_text()
    assert "Capacity hierarchy: measured" in page and "heatmap" in page
    assert len(list((tmp_path / "pictures").glob("*.png"))) == 2
    (summary,) = result.summary
    assert "compiled automata: 100% on every regular language" in summary
