"""Reports of sparse training: tables of sizes and metrics, and the accuracy-versus-states plot.

Examples:
    >>> from rational.train.sparsity.workflow import SparsifyResult, Stage
    >>> run = SparsifyResult(0.01, 0.1, False, 24, 900, [
    ...     Stage("trained", 9, 900, {"dev": {"accuracy": 0.91}}),
    ...     Stage("pruned", 9, 400, {"dev": {"accuracy": 0.91}}),
    ...     Stage("fine-tuned", 9, 400, {"dev": {"accuracy": 0.93}})])
    >>> headers, rows = sweep_table([run], "dev", "accuracy")
    >>> rows[0]
    ['0.01', '9/24', '400/900', '0.910', '0.910', '0.930']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rational.train.sparsity.workflow import SparsifyResult

__all__ = ["plot_sweep", "sweep_table"]


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def sweep_table(results: Sequence[SparsifyResult], split: str = "dev", metric: str = "accuracy") -> tuple[list[str], list[list[str]]]:
    """Headers and rows: λ, states kept/total, parameters kept/total, and the metric
    after training, after pruning and after fine-tuning."""
    headers = ["λ", "states", "parameters", f"{split} {metric} trained", "pruned", "fine-tuned"]
    rows = []
    for run in results:
        last = run.stages[-1]
        values = [run.stage(name) for name in ("trained", "pruned", "fine-tuned")]
        rows.append([
            f"{run.strength:g}",
            f"{last.states if last.name != 'trained' else 0}/{run.states_total}",
            f"{last.parameters if last.name != 'trained' else 0}/{run.parameters_total}",
            *[_cell(None if stage is None else stage.metric(split, metric)) for stage in values],
        ])
    return headers, rows


def plot_sweep(
    results: Sequence[SparsifyResult],
    path: str | Path,
    *,
    split: str = "dev",
    metric: str = "accuracy",
    title: str | None = None,
) -> Path:
    """Plot the metric against the number of states kept, one point per λ, as a PNG.

    Filled points: after fine-tuning (or after pruning where there was none);
    hollow points: right after pruning; the dashed line: the model trained without
    the penalty (a λ of 0 in the sweep), at its full size.

    Args:
        results: a λ sweep (:func:`~rational.train.sparsity.workflow.lambda_sweep`).
        path: the PNG to write.
        split: which split's metric (``dev`` or ``test``).
        metric: which metric (``accuracy``, ``perplexity``).
        title: the plot's title.

    Returns:
        The path written.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.0, 4.0), dpi=120)
    kept = [r for r in results if r.stage("pruned") is not None and r.strength > 0]
    kept.sort(key=lambda r: r.stages[-1].states)
    final = [(r.stages[-1].states, r.stages[-1].metric(split, metric), r.strength) for r in kept]
    pruned = [(r.stage("pruned").states, r.stage("pruned").metric(split, metric)) for r in kept]
    if any(r.stage("fine-tuned") is not None for r in kept):
        ax.scatter([s for s, _ in pruned], [m for _, m in pruned], facecolors="none", edgecolors="tab:blue",
                   label="pruned", zorder=3)
    ax.plot([s for s, _, _ in final], [m for _, m, _ in final], "o-", color="tab:blue",
            label="pruned and fine-tuned" if any(r.stage("fine-tuned") for r in kept) else "pruned", zorder=4)
    for states, value, strength in final:
        ax.annotate(f"λ={strength:g}", (states, value), textcoords="offset points", xytext=(4, 4), fontsize=7)
    baseline = next((r for r in results if r.strength == 0), None)
    if baseline is not None:
        value = baseline.stage("trained").metric(split, metric)
        ax.axhline(value, color="gray", linestyle="--", linewidth=1,
                   label=f"no penalty ({baseline.states_total} states)")
        ax.scatter([baseline.states_total], [value], marker="s", color="gray", zorder=5)
    ax.set_xlabel("states kept")
    ax.set_ylabel(f"{split} {metric}")
    ax.set_title(title or f"{split} {metric} against the number of states")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
