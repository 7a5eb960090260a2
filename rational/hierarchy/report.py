"""The hierarchy table: measured accuracy beside the theory's expected outcome.

:func:`aggregate` groups run results (:func:`rational.hierarchy.harness.run_sweep`)
by language and architecture: the test score of a run is its accuracy averaged over
the test bins, and a cell reports the maximum over seeds × learning rates (theory
asks whether *some* network recognizes the language) and the mean ± standard
deviation. A cell counts as **recognized** when its maximum reaches ``threshold``
(default 0.9, the bar of Delétang et al. 2023). It **disagrees** with theory when
the expected outcome (:func:`rational.hierarchy.theory.expected_outcome`) is
``"yes"`` and it is not recognized, or ``"no"`` and it is; ``"open"`` cells never
disagree. The compiled automaton is expected to recognize every regular language.

:func:`write_report` writes ``table.md``, ``table.csv`` (one row per cell),
``bins.csv`` (one row per cell and bin), ``heatmap.png``, ``curves.png`` and an
``index.html`` that shows them all.

Examples:
    >>> from rational.hierarchy.report import aggregate
    >>> run = {"language": "parity", "model": "wfsa", "objective": "membership", "accuracy": 1.0,
    ...        "majority": 0.5, "train_accuracy": 1.0,
    ...        "bins": [{"low": 41, "high": 90, "accuracy": 1.0, "majority": 0.5, "strings": 64}]}
    >>> (cell,) = aggregate([run])
    >>> cell.best, cell.expected.outcome, cell.disagrees
    (1.0, 'yes', False)
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rational.hierarchy.languages import RegularLanguage, get_language
from rational.hierarchy.recognizers import AUTOMATON, MODELS, get_model
from rational.hierarchy.theory import Expectation, expected_outcome

__all__ = [
    "THRESHOLD",
    "Cell",
    "ReportFiles",
    "aggregate",
    "agreement",
    "bins_csv",
    "cell_expectation",
    "heatmap",
    "length_curves",
    "table_csv",
    "table_markdown",
    "write_report",
]

#: A cell counts as recognized when its best run's mean test accuracy reaches this.
THRESHOLD = 0.9


@dataclass
class Cell:
    """One language × architecture cell of the table.

    Attributes:
        language, model, objective: what was run.
        runs: how many runs (seeds × learning rates) it aggregates.
        best, mean, std: the maximum, mean and standard deviation of the runs'
            test scores (accuracy averaged over the test bins).
        majority: the majority-class baseline's score on the same strings.
        train_accuracy: the best run's accuracy on held-out strings of the training lengths.
        bins: per bin ``(low, high)``: the maximum and mean accuracy over runs and the majority baseline.
        theory: the theory entry that applies (``None`` when there is none).
        expected: the expected outcome (``None`` when there is no theory entry).
        threshold: the recognition bar.
    """

    language: str
    model: str
    objective: str
    runs: int
    best: float
    mean: float
    std: float
    majority: float
    train_accuracy: float
    bins: list[dict[str, float]]
    theory: str | None
    expected: Expectation | None
    threshold: float = THRESHOLD

    @property
    def recognized(self) -> bool:
        """Whether the best run reaches the threshold."""
        return self.best >= self.threshold

    @property
    def disagrees(self) -> bool:
        """Whether measurement and theory disagree (never for ``"open"``)."""
        if self.expected is None or self.expected.outcome == "open":
            return False
        return self.recognized != (self.expected.outcome == "yes")

    @property
    def expected_label(self) -> str:
        """``yes``/``no``/``open`` with ``*`` when cited, ``—`` without a theory entry."""
        if self.expected is None:
            return "—"
        return self.expected.outcome + ("*" if self.expected.source == "cited" else "")


def cell_expectation(model: str, language: str, objective: str) -> tuple[str | None, Expectation | None]:
    """The theory entry and expected outcome for architecture ``model`` on ``language``."""
    if model == AUTOMATON:
        lang = get_language(language)
        if isinstance(lang, RegularLanguage):
            return None, Expectation("yes", "the language's own minimal automaton", "derived")
        return None, None
    key = get_model(model).theory
    if key is None:
        return None, None
    return key, expected_outcome(key, get_language(language), objective)


def aggregate(results: Iterable[dict[str, Any]], threshold: float = THRESHOLD) -> list[Cell]:
    """Group run results into cells, in the order languages and models first appear.

    Args:
        results: run results (:func:`~rational.hierarchy.harness.run_one`).
        threshold: the recognition bar.

    Returns:
        One :class:`Cell` per (language, model, objective).
    """
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for result in results:
        groups.setdefault((result["language"], result["model"], result["objective"]), []).append(result)
    cells = []
    for (language, model, objective), runs in groups.items():
        scores = np.array([r["accuracy"] for r in runs], dtype=float)
        best_run = runs[int(np.argmax(scores))]
        per_bin: dict[tuple[int, int], list[dict[str, Any]]] = {}
        for run in runs:
            for entry in run["bins"]:
                per_bin.setdefault((entry["low"], entry["high"]), []).append(entry)
        bins = [
            {
                "low": low,
                "high": high,
                "best": max(e["accuracy"] for e in entries),
                "mean": float(np.mean([e["accuracy"] for e in entries])),
                "majority": float(np.mean([e["majority"] for e in entries])),
            }
            for (low, high), entries in sorted(per_bin.items())
        ]
        theory, expected = cell_expectation(model, language, objective)
        cells.append(
            Cell(
                language=language,
                model=model,
                objective=objective,
                runs=len(runs),
                best=float(scores.max()),
                mean=float(scores.mean()),
                std=float(scores.std()),
                majority=float(np.mean([r["majority"] for r in runs])),
                train_accuracy=float(best_run["train_accuracy"]),
                bins=bins,
                theory=theory,
                expected=expected,
                threshold=threshold,
            )
        )
    return cells


def agreement(cells: Sequence[Cell]) -> tuple[int, int]:
    """How many cells with a definite expectation (yes or no) agree with it, out of how many."""
    decided = [c for c in cells if c.expected is not None and c.expected.outcome != "open"]
    return sum(not c.disagrees for c in decided), len(decided)


def _ordered(cells: Sequence[Cell]) -> tuple[list[str], list[str], dict[tuple[str, str], Cell]]:
    languages = list(dict.fromkeys(c.language for c in cells))
    order = {name: i for i, name in enumerate(MODELS)}
    models = sorted(dict.fromkeys(c.model for c in cells), key=lambda m: order.get(m, len(order)))
    return languages, models, {(c.language, c.model): c for c in cells}


def _shown(value: float) -> str:
    """Two decimals, truncated: a cell just under the threshold never shows as reaching it."""
    return f"{math.floor(value * 100 + 1e-9) / 100:.2f}"


def _title(language: str) -> str:
    return get_language(language).title


def table_markdown(cells: Sequence[Cell]) -> str:
    """Languages (rows) × architectures (columns): ``best (mean ± std) expected``,
    with ✗ where measurement and theory disagree, and the majority baseline. The
    best accuracy is truncated to two decimals (0.899 shows as 0.89)."""
    languages, models, table = _ordered(cells)
    lines = [
        "| language | majority | " + " | ".join(f"`{m}`" for m in models) + " |",
        "|---|---|" + "---|" * len(models),
    ]
    for language in languages:
        row = [c for c in (table.get((language, m)) for m in models) if c is not None]
        majority = float(np.mean([c.majority for c in row])) if row else math.nan
        entries = []
        for model in models:
            cell = table.get((language, model))
            if cell is None:
                entries.append("—")
                continue
            spread = f" ({cell.mean:.2f} ± {cell.std:.2f})" if cell.runs > 1 else ""
            mark = " **✗**" if cell.disagrees else ""
            entries.append(f"{_shown(cell.best)}{spread} {cell.expected_label}{mark}")
        title = _title(language).replace("|", "\\|")
        lines.append(f"| {title} (`{language}`) | {majority:.2f} | " + " | ".join(entries) + " |")
    return "\n".join(lines) + "\n"


CSV_FIELDS = [
    "language", "model", "objective", "runs", "best", "mean", "std", "majority", "train_accuracy",
    "recognized", "theory", "expected", "expected_source", "disagrees",
]


def table_csv(cells: Sequence[Cell], path: str | Path) -> Path:
    """One row per cell (see :data:`CSV_FIELDS`)."""
    path = Path(path)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        for c in cells:
            writer.writerow([
                c.language, c.model, c.objective, c.runs, f"{c.best:.4f}", f"{c.mean:.4f}", f"{c.std:.4f}",
                f"{c.majority:.4f}", f"{c.train_accuracy:.4f}", c.recognized, c.theory or "",
                c.expected.outcome if c.expected else "", c.expected.source if c.expected else "", c.disagrees,
            ])
    return path


def bins_csv(cells: Sequence[Cell], path: str | Path) -> Path:
    """One row per cell and test bin: best and mean accuracy over runs, majority baseline."""
    path = Path(path)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["language", "model", "objective", "low", "high", "best", "mean", "majority"])
        for c in cells:
            for b in c.bins:
                writer.writerow([
                    c.language, c.model, c.objective, b["low"], b["high"],
                    f"{b['best']:.4f}", f"{b['mean']:.4f}", f"{b['majority']:.4f}",
                ])
    return path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only; never a window
    import matplotlib.pyplot as plt

    return plt


def heatmap(cells: Sequence[Cell], path: str | Path, title: str | None = None) -> Path:
    """Best accuracy by language (rows) × architecture (columns) as a PNG; each
    square shows the value and the expected outcome, and a red frame marks a
    disagreement with theory. Cells not run are grey."""
    plt = _pyplot()
    languages, models, table = _ordered(cells)
    values = np.full((len(languages), len(models)), np.nan)
    for i, language in enumerate(languages):
        for j, model in enumerate(models):
            if (language, model) in table:
                values[i, j] = table[(language, model)].best
    width = 1.6 + 1.05 * len(models)
    height = 1.4 + 0.55 * len(languages)
    figure, axes = plt.subplots(figsize=(width, height))
    colors = plt.get_cmap("viridis").with_extremes(bad="#dddddd")
    image = axes.imshow(np.ma.masked_invalid(values), cmap=colors, vmin=0.0, vmax=1.0, aspect="auto")
    for i, language in enumerate(languages):
        for j, model in enumerate(models):
            cell = table.get((language, model))
            if cell is None:
                axes.text(j, i, "—", ha="center", va="center", fontsize=8, color="#555555")
                continue
            shade = "black" if cell.best > 0.6 else "white"
            axes.text(j, i, f"{_shown(cell.best)}\n{cell.expected_label}", ha="center", va="center", fontsize=7,
                      color=shade)
            if cell.disagrees:
                axes.add_patch(plt.Rectangle((j - 0.46, i - 0.46), 0.92, 0.92, fill=False, edgecolor="red", linewidth=2))
    axes.set_xticks(range(len(models)), models, rotation=35, ha="right", fontsize=8)
    axes.set_yticks(range(len(languages)), [_title(name) for name in languages], fontsize=8)
    objective = cells[0].objective if cells else ""
    axes.set_title(title or f"best test accuracy ({objective}); red frame: disagrees with theory", fontsize=9)
    figure.colorbar(image, ax=axes, fraction=0.04, pad=0.02)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def length_curves(cells: Sequence[Cell], path: str | Path, train_max_length: int | None = None) -> Path:
    """Accuracy by test length bin, one panel per language and one line per
    architecture (best run), with the majority baseline dashed, as a PNG."""
    plt = _pyplot()
    languages, models, table = _ordered(cells)
    columns = min(4, len(languages))
    rows = math.ceil(len(languages) / columns)
    figure, grid = plt.subplots(rows, columns, figsize=(3.4 * columns, 2.6 * rows + 0.6), squeeze=False)
    palette = plt.get_cmap("tab10")
    for k, language in enumerate(languages):
        axes = grid[k // columns][k % columns]
        majority = None
        for j, model in enumerate(models):
            cell = table.get((language, model))
            if cell is None:
                continue
            centers = [(b["low"] + b["high"]) / 2 for b in cell.bins]
            # the automaton is a wide pale band under the trained models' lines, which often lie on it
            style = {"linewidth": 4, "alpha": 0.35, "zorder": 1} if model == AUTOMATON else {"marker": "o", "markersize": 3}
            axes.plot(centers, [b["best"] for b in cell.bins], color=palette(j % 10), label=model, **style)
            majority = majority or (centers, [b["majority"] for b in cell.bins])
        if majority is not None:
            axes.plot(*majority, linestyle="--", color="black", linewidth=1, label="majority")
        if train_max_length is not None:
            axes.axvline(train_max_length, color="grey", linewidth=0.8, linestyle=":")
        axes.set_ylim(-0.03, 1.03)
        axes.set_title(_title(language), fontsize=9)
        axes.set_xlabel("string length", fontsize=8)
        axes.set_ylabel("accuracy", fontsize=8)
        axes.tick_params(labelsize=7)
    for k in range(len(languages), rows * columns):
        grid[k // columns][k % columns].axis("off")
    handles, labels = [], []
    for axes in grid.flat:
        for handle, label in zip(*axes.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    figure.legend(handles, labels, loc="lower center", ncol=min(len(labels), 7), fontsize=8, frameon=False)
    figure.tight_layout(rect=(0, 0.08 if rows == 1 else 0.05, 1, 1))
    path = Path(path)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


@dataclass
class ReportFiles:
    """What :func:`write_report` wrote, and the cells."""

    table_markdown: Path
    table_csv: Path
    bins_csv: Path
    heatmap: Path
    curves: Path
    index: Path
    cells: list[Cell]

    def to_dict(self) -> dict[str, str]:
        return {k: str(getattr(self, k)) for k in ("table_markdown", "table_csv", "bins_csv", "heatmap", "curves", "index")}


def write_report(
    results: Sequence[dict[str, Any]],
    out: str | Path,
    threshold: float = THRESHOLD,
    settings: dict[str, Any] | None = None,
) -> ReportFiles:
    """Write the table (Markdown, CSV), the heatmap, the length curves and ``index.html``.

    Args:
        results: run results.
        out: the folder.
        threshold: the recognition bar.
        settings: shown in the report (e.g. the sweep's configuration).

    Returns:
        The paths written and the cells.
    """
    from rational.report import Report

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cells = aggregate(results, threshold)
    markdown = out / "table.md"
    agree, decided = agreement(cells)
    notes = (
        f"\nEach cell: the best test accuracy over seeds × learning rates (truncated to two decimals; mean ± std "
        f"over them when there are several), then the "
        f"expected outcome (`*`: cited, Merrill et al. 2020); **✗**: measurement and theory disagree "
        f"(recognized means best ≥ {threshold:g}). Agreement: {agree}/{decided} cells with a yes/no expectation.\n"
    )
    markdown.write_text(table_markdown(cells) + notes)
    train_max = None
    if settings and isinstance(settings.get("budget"), dict):
        train_max = settings["budget"].get("train_max_length")
    files = ReportFiles(
        table_markdown=markdown,
        table_csv=table_csv(cells, out / "table.csv"),
        bins_csv=bins_csv(cells, out / "bins.csv"),
        heatmap=heatmap(cells, out / "heatmap.png"),
        curves=length_curves(cells, out / "curves.png", train_max),
        index=out / "index.html",
        cells=cells,
    )
    report = Report(out, title="Capacity hierarchy: measured and expected")
    section = report.section("Accuracy by language and architecture")
    section.text(
        "Best test accuracy over seeds × learning rates (accuracy averaged over the test length bins), "
        f"mean ± std over them, the majority baseline, and the expected outcome (* cited). Recognized: best ≥ "
        f"{threshold:g}. ✗: measurement and theory disagree."
    )
    section.table(
        ["language", "model", "runs", "best", "mean ± std", "majority", "train lengths", "expected", "theory", ""],
        [
            [
                c.language, c.model, c.runs, round(c.best, 3), f"{c.mean:.3f} ± {c.std:.3f}", round(c.majority, 3),
                round(c.train_accuracy, 3), c.expected_label, c.theory or "—", "✗" if c.disagrees else "",
            ]
            for c in cells
        ],
    )
    section.picture(files.heatmap, "best accuracy by language and architecture (red frame: disagrees with theory)")
    section.picture(files.curves, "accuracy by test length (best run), majority baseline dashed")
    section.summary(f"{len(cells)} cells, {agree}/{decided} agree with theory")
    reasons = report.section("Expected outcomes: reasons")
    reasons.table(
        ["language", "model", "expected", "reason"],
        [[c.language, c.model, c.expected_label, c.expected.reason if c.expected else "no theory entry"] for c in cells],
    )
    if settings:
        setup = report.section("Settings")
        setup.code("\n".join(f"{key}: {value}" for key, value in settings.items()))
    report.write()
    return files
