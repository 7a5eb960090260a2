"""Reading training data: classification files in four formats and plain text for language modeling.

Formats (:data:`FORMATS`):

- ``lines``: one example a line, ``label tokens...`` (the SST-2 files of Kim 2014).
- ``tsv`` / ``csv``: a header naming a ``sentence`` (or ``text``) column and a ``label``
  column; fields may be quoted and hold newlines and delimiters (Python's :mod:`csv`).
- ``sst-trees``: Stanford Sentiment Treebank trees (:mod:`rational.train.trees`),
  sentence-level or, with ``phrases=True``, every labelled phrase.
- ``text``: plain text for language modeling; one sentence a line, ``<eos>`` appended.

``format="auto"`` detects the format from the first non-blank line: ``(`` starts a
tree, a tab or a header with the column names means TSV/CSV, anything else is
``label tokens...`` lines; language modeling always reads ``text``.

Examples:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "train.txt"
    >>> _ = path.write_text("1 a gem\\n0 not good\\n")
    >>> detect_format(path)
    'lines'
    >>> [(e.label, e.tokens) for e in read_examples(path)]
    [('1', ('a', 'gem')), ('0', ('not', 'good'))]
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from rational.errors import ConfigError, DataError, FormatError
from rational.train.sources import Example, open_text
from rational.train.trees import read_trees, tree_examples
from rational.train.vocab import Tokenizer

__all__ = [
    "EOS",
    "FORMATS",
    "Example",
    "detect_format",
    "encode_labels",
    "label_names",
    "read_examples",
    "read_lines",
    "read_table",
    "read_text",
    "resolve_format",
]

FORMATS = ("lines", "tsv", "csv", "sst-trees", "text")
EOS = "<eos>"
TEXT_COLUMNS = ("sentence", "text")
LABEL_COLUMN = "label"


def _excerpt(text: str, limit: int = 60) -> str:
    text = text.strip()
    return repr(text if len(text) <= limit else text[:limit] + "...")


def detect_format(path: str | Path) -> str:
    """The classification format of a file, from its first non-blank line.

    Returns:
        ``"sst-trees"``, ``"tsv"``, ``"csv"`` or ``"lines"``.

    Raises:
        FileNotFoundError: when the file does not exist.
        DataError: when the file holds only blank lines.
    """
    path = Path(path)
    with open_text(path) as lines:
        first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise DataError(f"{path} is empty: no examples to read")
    if first.lstrip().startswith("("):
        return "sst-trees"
    if "\t" in first:
        return "tsv"
    columns = [name.strip().lower() for name in next(csv.reader([first]))]
    if LABEL_COLUMN in columns and any(name in columns for name in TEXT_COLUMNS):
        return "csv"
    return "lines"


def read_lines(path: str | Path, tokenizer: Tokenizer | None = None) -> list[Example]:
    """Read ``label tokens...`` lines; blank lines are skipped.

    Raises:
        FormatError: for a line with a label but no text (``path:line``).
    """
    path, tokenizer = Path(path), tokenizer or Tokenizer()
    examples = []
    with open_text(path) as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            parts = line.split(None, 1)
            tokens = tokenizer(parts[1]) if len(parts) == 2 else []
            if not tokens:
                raise FormatError(
                    f"{path}:{number}: expected 'label tokens...', got {_excerpt(line)} (a label without text)"
                )
            examples.append(Example(tuple(tokens), parts[0], f"{path}:{number}"))
    return examples


def read_table(path: str | Path, tokenizer: Tokenizer | None = None, delimiter: str = "\t") -> list[Example]:
    """Read a TSV or CSV file with a header naming a ``sentence``/``text`` column and a ``label`` column.

    Fields may be quoted (``"``) and then hold delimiters and newlines; column names
    are matched case-insensitively and other columns are ignored.

    Args:
        path: the file.
        tokenizer: splits the text field.
        delimiter: ``"\\t"`` for TSV, ``","`` for CSV.

    Raises:
        FormatError: for a header without the needed columns, a record with the wrong
            number of fields, an empty label or text (``path:line`` of the record's start).
    """
    path, tokenizer = Path(path), tokenizer or Tokenizer()
    examples = []
    with open_text(path, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quotechar='"')
        try:
            header = next((row for row in reader if any(field.strip() for field in row)), None)
            if header is None:
                return []
            columns = [name.strip().lower() for name in header]
            text_column = next((name for name in TEXT_COLUMNS if name in columns), None)
            if text_column is None or LABEL_COLUMN not in columns:
                raise FormatError(
                    f"{path}:{reader.line_num}: the header needs a 'sentence' (or 'text') column and a 'label' "
                    f"column; found {header!r} (is the delimiter {delimiter!r} right? use --format tsv or csv)"
                )
            text_at, label_at = columns.index(text_column), columns.index(LABEL_COLUMN)
            end = reader.line_num
            for row in reader:
                start, end = end + 1, reader.line_num
                if not any(field.strip() for field in row):
                    continue
                if len(row) != len(header):
                    raise FormatError(
                        f"{path}:{start}: expected {len(header)} fields ({', '.join(header)}), got {len(row)}: "
                        f"{_excerpt(delimiter.join(row))}"
                    )
                label, tokens = row[label_at].strip(), tokenizer(row[text_at])
                if not label:
                    raise FormatError(f"{path}:{start}: empty label for text {_excerpt(row[text_at])}")
                if not tokens:
                    raise FormatError(f"{path}:{start}: empty text for label {label!r}")
                examples.append(Example(tuple(tokens), label, f"{path}:{start}"))
        except csv.Error as error:
            raise FormatError(f"{path}:{reader.line_num}: {error}") from None
    return examples


def read_text(path: str | Path, tokenizer: Tokenizer | None = None, eos: str = EOS) -> list[Example]:
    """Read plain text for language modeling: one example a non-blank line, ``eos`` appended."""
    path, tokenizer = Path(path), tokenizer or Tokenizer()
    examples = []
    with open_text(path) as lines:
        for number, line in enumerate(lines, 1):
            tokens = tokenizer(line)
            if tokens:
                examples.append(Example((*tokens, eos), None, f"{path}:{number}"))
    return examples


def resolve_format(path: str | Path, task: str = "classify", format: str = "auto") -> str:
    """The format a file is read in: ``format`` checked against the task, or detected when ``"auto"``.

    Raises:
        ConfigError: for an unknown format or task, or a format that does not fit the task.
        FileNotFoundError: when detection needs a file that does not exist.
        DataError: when detection finds the file empty.

    Examples:
        >>> resolve_format("any.txt", task="lm")
        'text'
    """
    if format not in ("auto", *FORMATS):
        raise ConfigError(f"unknown data format {format!r}; choose auto or one of {', '.join(FORMATS)}")
    if task == "lm":
        if format not in ("auto", "text"):
            raise ConfigError(f"language modeling reads plain text (format 'text'), not {format!r}")
        return "text"
    if task != "classify":
        raise ConfigError(f"unknown task {task!r}; choose classify or lm")
    if format == "text":
        raise ConfigError("classification needs labels; 'text' is the language-modeling format")
    return detect_format(path) if format == "auto" else format


def read_examples(
    path: str | Path,
    task: str = "classify",
    format: str = "auto",
    tokenizer: Tokenizer | None = None,
    phrases: bool = False,
    fine_grained: bool = False,
) -> list[Example]:
    """Read a data file for a task.

    Args:
        path: the file.
        task: ``"classify"`` or ``"lm"``.
        format: one of :data:`FORMATS`, or ``"auto"`` to detect it.
        tokenizer: how text is split (default: whitespace, case kept).
        phrases: ``sst-trees`` only: every labelled phrase, not just sentences.
        fine_grained: ``sst-trees`` only: five classes instead of binary.

    Returns:
        The examples, in file order.

    Raises:
        FileNotFoundError: when the file does not exist.
        FormatError: for a malformed line (with ``path:line``).
        DataError: when the file holds no examples.
        ConfigError: for an unknown format or one that does not fit the task.
    """
    path, tokenizer = Path(path), tokenizer or Tokenizer()
    format = resolve_format(path, task, format)
    if (phrases or fine_grained) and format != "sst-trees":
        option = "phrases" if phrases else "fine_grained"
        raise ConfigError(f"{option} needs SST trees (format 'sst-trees'), but {path} is read as {format!r}")
    if format == "sst-trees":
        examples = tree_examples(read_trees(path), tokenizer, phrases=phrases, fine_grained=fine_grained)
    elif format == "lines":
        examples = read_lines(path, tokenizer)
    elif format == "text":
        examples = read_text(path, tokenizer)
    else:
        examples = read_table(path, tokenizer, "\t" if format == "tsv" else ",")
    if not examples:
        raise DataError(f"{path} holds no examples (read as {format!r})")
    return examples


def label_names(examples: Sequence[Example]) -> list[str]:
    """The distinct labels, sorted (numerically when every label is an integer).

    Examples:
        >>> label_names([Example(("a",), "10"), Example(("b",), "9"), Example(("c",), "10")])
        ['9', '10']
    """
    labels = {example.label for example in examples if example.label is not None}
    if all(label.lstrip("-").isdigit() for label in labels):
        return sorted(labels, key=int)
    return sorted(labels)


def encode_labels(examples: Sequence[Example], labels: Sequence[str]) -> list[int]:
    """Class ids of the examples' labels.

    Raises:
        DataError: for a label outside ``labels`` (naming the example's ``path:line``).
    """
    index = {label: i for i, label in enumerate(labels)}
    ids = []
    for example in examples:
        if example.label not in index:
            raise DataError(
                f"{example.source}: label {example.label!r} does not occur in the training data "
                f"(known labels: {', '.join(labels)})"
            )
        ids.append(index[example.label])
    return ids
