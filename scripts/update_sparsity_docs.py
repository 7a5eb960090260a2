"""Regenerate docs/pictures/sparsity_sweep.png (the λ sweep of docs/sparsity.md).

It runs examples/sparsify.py with docs/pictures as its output folder.

Usage: python scripts/update_sparsity_docs.py
"""

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    sys.argv = [str(ROOT / "examples" / "sparsify.py"), str(ROOT / "docs" / "pictures")]
    runpy.run_path(sys.argv[0], run_name="__main__")
