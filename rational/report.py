"""A small HTML report writer: sections of text, tables, code and pictures.

The demo and the command-line reports (explain, hierarchy, sparsity) write through
it so that every report looks alike and every picture is a file beside the page.

Examples:
    >>> import tempfile
    >>> from rational.report import Report
    >>> report = Report(tempfile.mkdtemp(), title="Example")
    >>> section = report.section("Scores")
    >>> section.table(["string", "score"], [["ab", 0.5]])
    >>> path = report.write()
    >>> path.name
    'index.html'
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from rational.wfsa import WFSA

__all__ = ["Report", "Section"]

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { border-bottom: 2px solid #345; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1rem 0; } td, th { border: 1px solid #ccc; padding: .25rem .6rem; }
th { background: #eef; } pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; }
figure { display: inline-block; margin: .5rem 1rem .5rem 0; vertical-align: top; }
figcaption { font-size: .9rem; color: #555; } img { max-width: 100%; }
.summary { background: #f3f8ee; padding: .6rem 1rem; border-left: 4px solid #7a5; }
"""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


class Section:
    """One titled part of a report; add content in order."""

    def __init__(self, report: Report, title: str):
        self.report = report
        self.title = title
        self.slug = _slug(title)
        self._parts: list[str] = []

    def text(self, paragraph: str) -> None:
        """A paragraph of plain text (escaped)."""
        self._parts.append(f"<p>{html.escape(paragraph)}</p>")

    def html(self, fragment: str) -> None:
        """A raw HTML fragment (the caller escapes its contents)."""
        self._parts.append(fragment)

    def code(self, source: str) -> None:
        """A block of code or terminal output."""
        self._parts.append(f"<pre>{html.escape(source)}</pre>")

    def table(self, headers: list[str], rows: list[list[Any]]) -> None:
        """A table; floats are shown with 4 significant digits."""

        def cell(value: Any) -> str:
            if isinstance(value, float):
                return f"{value:.4g}"
            return html.escape(str(value))

        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
        body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
        self._parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def picture(self, path: str | Path, caption: str = "") -> None:
        """A picture file already written inside the report folder."""
        relative = Path(path).resolve().relative_to(self.report.folder.resolve())
        self._parts.append(
            f'<figure><img src="{html.escape(relative.as_posix())}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def picture_path(self, name: str, suffix: str = ".svg") -> Path:
        """A fresh path inside the report's picture folder."""
        return self.report.new_picture_path(f"{self.slug}-{_slug(name)}", suffix)

    def automaton(self, machine: WFSA, caption: str, **draw_options: Any) -> Path:
        """Draw ``machine`` to an SVG file and show it."""
        path = machine.save_picture(self.picture_path(caption), **draw_options)
        self.picture(path, caption)
        return path

    def summary(self, line: str) -> None:
        """A line for the terminal summary (also shown in the section)."""
        self.report.summary_lines.append(f"[{self.title}] {line}")
        self._parts.append(f'<p class="summary">{html.escape(line)}</p>')

    def render(self) -> str:
        return f'<section id="{self.slug}"><h2>{html.escape(self.title)}</h2>{"".join(self._parts)}</section>'


class Report:
    """An HTML report folder: ``index.html`` plus a ``pictures/`` folder.

    Args:
        folder: where to write (created if needed).
        title: the page title.
    """

    def __init__(self, folder: str | Path, title: str = "rational report"):
        self.folder = Path(folder)
        self.pictures = self.folder / "pictures"
        self.pictures.mkdir(parents=True, exist_ok=True)
        self.title = title
        self.sections: list[Section] = []
        self.summary_lines: list[str] = []
        self._names: set[str] = set()

    def section(self, title: str) -> Section:
        """Start a new section."""
        section = Section(self, title)
        self.sections.append(section)
        return section

    def new_picture_path(self, stem: str, suffix: str) -> Path:
        name, count = stem, 1
        while name in self._names:
            count += 1
            name = f"{stem}-{count}"
        self._names.add(name)
        return self.pictures / f"{name}{suffix}"

    def write(self) -> Path:
        """Write ``index.html`` and return its path."""
        contents = "".join(f'<li><a href="#{s.slug}">{html.escape(s.title)}</a></li>' for s in self.sections)
        page = (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(self.title)}</title>'
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(self.title)}</h1>"
            f"<nav><ul>{contents}</ul></nav>{''.join(s.render() for s in self.sections)}</body></html>\n"
        )
        path = self.folder / "index.html"
        path.write_text(page, encoding="utf-8")
        return path
