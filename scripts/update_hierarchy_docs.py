"""Rewrite the generated tables of docs/hierarchy.md (languages, theory, expectations).

Usage: python scripts/update_hierarchy_docs.py
"""

from pathlib import Path

from rational.hierarchy.tables import update_markdown

PAGE = Path(__file__).resolve().parent.parent / "docs" / "hierarchy.md"

if __name__ == "__main__":
    text = PAGE.read_text(encoding="utf-8")
    updated = update_markdown(text)
    PAGE.write_text(updated, encoding="utf-8")
    print(f"{PAGE}: {'updated' if updated != text else 'already current'}")
