"""What every reader shares: the :class:`Example` type and opening text files with clear errors.

Examples:
    >>> from rational.train.sources import Example
    >>> Example(("a", "gem"), "1", "train.txt:3")
    Example(tokens=('a', 'gem'), label='1', source='train.txt:3')
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from rational.errors import FormatError

__all__ = ["Example", "open_text"]


@dataclass(frozen=True)
class Example:
    """One text: its tokens, its label (``None`` for language modeling), and where it came from.

    Attributes:
        tokens: the tokens.
        label: the class label as written in the file.
        source: ``path:line`` of the text, for error messages.
    """

    tokens: tuple[str, ...]
    label: str | None = None
    source: str = ""


@contextmanager
def open_text(path: str | Path, newline: str | None = None) -> Iterator[TextIO]:
    """Open a UTF-8 text file for reading, with errors that name the file.

    Args:
        path: the file.
        newline: passed to :func:`open` (``""`` for the csv module).

    Raises:
        FileNotFoundError: when the path does not exist or is a folder.
        FormatError: when the file is not UTF-8 text.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if path.is_dir():
        raise FileNotFoundError(f"{path} is a folder; give the path of a data file")
    try:
        with open(path, encoding="utf-8", newline=newline) as handle:
            yield handle
    except UnicodeDecodeError as error:
        raise FormatError(f"{path} is not UTF-8 text ({error.reason} at byte {error.start}); re-encode it as UTF-8") from None
