"""Markdown tables of the hierarchy's languages, theory and expectations.

The documentation page "Capacity hierarchy" embeds these tables between marker
comments (``<!-- name:start -->`` ... ``<!-- name:end -->``);
:func:`update_markdown` rewrites those blocks and a test checks they are current.

Examples:
    >>> from rational.hierarchy.tables import languages_markdown
    >>> print(languages_markdown().splitlines()[2])
    | `tomita-1` | Tomita 1: 1* | `01` | regular | every length | yes | yes |
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rational.hierarchy.languages import LANGUAGES, Language, RegularLanguage
from rational.hierarchy.theory import ARCHITECTURES, expectation_table, theory_table

__all__ = ["BLOCKS", "expectation_markdown", "languages_markdown", "theory_markdown", "update_markdown"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _lengths(language: Language, up_to: int = 12) -> str:
    """Which lengths have strings of the language, in words."""
    lengths = [n for n in range(up_to) if language.has_positive(n)]
    if lengths == list(range(up_to)):
        return "every length"
    if lengths == list(range(0, up_to, 2)):
        return "even lengths"
    if lengths == list(range(0, up_to, 3)):
        return "multiples of 3"
    if lengths == [n for n in range(up_to) if n >= lengths[0]]:
        return f"every length ≥ {lengths[0]}"
    if lengths == [0, *range(2, up_to)]:
        return "every length but 1"
    return ", ".join(map(str, lengths)) + ", ..."


def languages_markdown() -> str:
    """The registered languages: name, title, alphabet, level, the lengths that
    have strings, and for regular ones whether they are star-free and locally
    testable."""
    lines = [
        "| name | language | alphabet | level | lengths with strings | star-free | locally testable |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, cls in LANGUAGES.items():
        language = cls()
        if isinstance(language, RegularLanguage):
            algebra = ["yes" if language.star_free else "no", "yes" if language.locally_testable else "no"]
        else:
            algebra = ["—", "—"]
        lines.append(
            f"| `{name}` | {_cell(language.title)} | `{_cell(language.alphabet)}` | {language.level} | "
            f"{_lengths(language)} | {algebra[0]} | {algebra[1]} |"
        )
    return "\n".join(lines) + "\n"


def theory_markdown() -> str:
    """The theory table: each architecture's update, its class as placed by
    Merrill et al. (2020), the class derived by
    :func:`~rational.hierarchy.symbolic.analyze`, rationality and saturated memory."""
    lines = [
        "| architecture | update | Merrill et al. 2020 | derived by `analyze` | rational | saturated memory |",
        "|---|---|---|---|---|---|",
    ]
    for row in theory_table():
        architecture = ARCHITECTURES[row.key]
        analysis = row.analysis
        rational = f"yes ({analysis.semiring.name})" if analysis.rational else f"no: {analysis.reason}"
        extras = []
        if analysis.aperiodic:
            extras.append("aperiodic")
        if analysis.window is not None:
            extras.append(f"window {analysis.window}")
        memory = analysis.memory + (f" ({', '.join(extras)})" if extras else "")
        lines.append(
            f"| {architecture.title} (`{row.key}`) | {_cell(architecture.equations)} | {row.cited or '—'} | "
            f"{row.derived} | {_cell(rational)} | {memory} |"
        )
    return "\n".join(lines) + "\n"


def expectation_markdown(objective: str = "membership") -> str:
    """The expected outcome of every architecture (rows) on every language
    (columns): yes, no or open, with ``*`` where the argument is cited rather
    than derived."""
    languages = [cls() for cls in LANGUAGES.values()]
    table = expectation_table(languages=languages, objective=objective)
    lines = [
        "| | " + " | ".join(f"`{language.name}`" for language in languages) + " |",
        "|---|" + "---|" * len(languages),
    ]
    for key in ARCHITECTURES:
        cells = []
        for language in languages:
            expectation = table[(key, language.name)]
            cells.append(expectation.outcome + ("*" if expectation.source == "cited" else ""))
        lines.append(f"| `{key}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


#: marker name -> the function that writes the block
BLOCKS: dict[str, Callable[[], str]] = {
    "hierarchy-languages": languages_markdown,
    "hierarchy-theory": theory_markdown,
    "hierarchy-expectations": lambda: expectation_markdown("membership"),
    "hierarchy-expectations-next-symbol": lambda: expectation_markdown("next-symbol"),
}


def update_markdown(text: str) -> str:
    """``text`` with every ``<!-- name:start -->`` ... ``<!-- name:end -->`` block of
    :data:`BLOCKS` rewritten by its function."""
    for name, write in BLOCKS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
        text = pattern.sub(lambda match, write=write: match.group(1) + write() + match.group(2), text)
    return text
