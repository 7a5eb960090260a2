"""Regenerate the measured part of docs/hierarchy.md: run the quick sweep (what
``rational hierarchy --quick`` runs, every architecture registered now), then write
docs/hierarchy/quick-heatmap.png, quick-curves.png, quick-table.csv and the table
between the ``<!-- hierarchy-quick-table:start/end -->`` markers of the page.

Usage: python scripts/update_hierarchy_runs_docs.py [--runs DIR] [--jobs N]

``--runs`` keeps the runs (and resumes from them); by default they go to a
temporary folder.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
from pathlib import Path

from rational.hierarchy.commands import DEFAULT_LANGUAGES
from rational.hierarchy.harness import QUICK, SweepConfig, run_sweep
from rational.hierarchy.recognizers import available_models
from rational.hierarchy.report import write_report

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "hierarchy.md"
PICTURES = ROOT / "docs" / "hierarchy"
BLOCK = re.compile(r"(<!-- hierarchy-quick-table:start -->\n).*?(<!-- hierarchy-quick-table:end -->)", re.DOTALL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default=None, help="folder for the runs (default: a temporary one)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    args = parser.parse_args()
    runs = Path(args.runs) if args.runs else Path(tempfile.mkdtemp(prefix="hierarchy-quick-"))
    config = SweepConfig(list(DEFAULT_LANGUAGES), available_models(), seeds=(0,), lrs=(0.01,), budget=QUICK)
    sweep = run_sweep(config, runs, jobs=args.jobs)
    files = write_report(sweep.results, runs, settings=config.to_dict())
    PICTURES.mkdir(exist_ok=True)
    shutil.copyfile(files.heatmap, PICTURES / "quick-heatmap.png")
    shutil.copyfile(files.curves, PICTURES / "quick-curves.png")
    shutil.copyfile(files.table_csv, PICTURES / "quick-table.csv")
    block = files.table_markdown.read_text() + f"\nArchitectures run: {', '.join(config.models)}.\n"
    text = PAGE.read_text(encoding="utf-8")
    updated = BLOCK.sub(lambda match: match.group(1) + block + match.group(2), text)
    if updated == text and not BLOCK.search(text):
        raise SystemExit(f"{PAGE} has no <!-- hierarchy-quick-table:start --> block")
    PAGE.write_text(updated, encoding="utf-8")
    print(f"{PAGE}: table {'updated' if updated != text else 'unchanged'}; pictures in {PICTURES}; "
          f"{len(sweep.ran)} runs made in {sweep.seconds:.0f}s, runs in {runs}")


if __name__ == "__main__":
    main()
