"""Pretrained word vectors from GloVe or word2vec text files.

Both are text: one word a line followed by its numbers, separated by spaces;
word2vec files start with a header line ``count dimension``. Only the vocabulary's
words are kept, so large files cost reading time but little memory. A token without
a vector of its own takes its lower-cased form's vector when there is one.

Examples:
    >>> import pathlib, tempfile
    >>> from torch import nn
    >>> from rational.train.vocab import Vocabulary
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "glove.txt"
    >>> _ = path.write_text("good 0.5 1.0\\nbad -0.5 -1.0\\n")
    >>> vocab = Vocabulary.build([["good", "Bad", "meh"]])
    >>> embedding = nn.Embedding(len(vocab), vector_dimension(path))
    >>> load_vectors(embedding, vocab, path)
    2
    >>> embedding.weight[vocab.index["Bad"]].tolist()
    [-0.5, -1.0]
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path

import torch
from torch import nn

from rational.errors import ConfigError, FormatError
from rational.train.sources import open_text
from rational.train.vocab import Vocabulary

__all__ = ["load_vectors", "read_vectors", "vector_dimension"]


def _header(first: str) -> tuple[bool, int]:
    """Whether the first line is a word2vec header, and the dimension it gives away."""
    fields = first.split()
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        return True, int(fields[1])
    return False, len(fields) - 1


def vector_dimension(path: str | Path) -> int:
    """The dimension of the vectors in a GloVe or word2vec text file.

    Raises:
        FileNotFoundError: when the file does not exist.
        FormatError: when the file is empty or its first line holds no numbers.
    """
    path = Path(path)
    with open_text(path) as lines:
        first = next(lines, "")
    _, dimension = _header(first)
    if dimension < 1:
        raise FormatError(f"{path}:1: expected 'word x1 x2 ...' or a word2vec header 'count dimension', got {first!r}")
    return dimension


def _records(path: Path) -> Iterator[tuple[int, str, list[str], int]]:
    """(line number, word, its number fields, dimension) for every vector line."""
    with open_text(path) as lines:
        first = next(lines, "")
        has_header, dimension = _header(first)
        if dimension < 1:
            raise FormatError(f"{path}:1: expected 'word x1 x2 ...' or a word2vec header 'count dimension'")
        numbered = enumerate(lines, 2)
        if not has_header:
            numbered = iter([(1, first), *numbered])
        for number, line in numbered:
            fields = line.rstrip("\r\n").rstrip(" ").split(" ")
            if len(fields) == 1 and not fields[0]:
                continue
            if len(fields) < dimension + 1:
                raise FormatError(f"{path}:{number}: expected a word and {dimension} numbers, got {len(fields)} fields")
            # a word may itself hold spaces (GloVe 840B): the numbers are the last fields
            yield number, " ".join(fields[:-dimension]), fields[-dimension:], dimension


def read_vectors(path: str | Path, words: Collection[str] | None = None) -> dict[str, torch.Tensor]:
    """Read vectors, keeping only ``words`` (and the words whose lower-cased form is in ``words``) when given.

    Raises:
        FileNotFoundError: when the file does not exist.
        FormatError: for a line with too few fields or a field that is not a number (``path:line``).
    """
    path = Path(path)
    vectors: dict[str, torch.Tensor] = {}
    for number, word, numbers, _ in _records(path):
        if words is not None and word not in words and word.lower() not in words:
            continue
        try:
            vectors[word] = torch.tensor([float(x) for x in numbers])
        except ValueError:
            bad = next(x for x in numbers if not _is_float(x))
            raise FormatError(f"{path}:{number}: {bad!r} in the vector of {word!r} is not a number") from None
    return vectors


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_vectors(embedding: nn.Embedding, vocab: Vocabulary, path: str | Path) -> int:
    """Copy pretrained vectors into the embedding rows of the vocabulary's tokens.

    Tokens without a vector (and the padding row) keep their values. A token without
    an exact match takes the vector of its lower-cased form, if the file has one.

    Args:
        embedding: the embedding to fill, of ``len(vocab)`` rows.
        vocab: the vocabulary its rows follow.
        path: a GloVe or word2vec text file.

    Returns:
        How many tokens got a pretrained vector.

    Raises:
        ConfigError: when the dimensions or sizes disagree.
        FormatError: for a malformed vector file.
    """
    dimension = vector_dimension(path)
    if dimension != embedding.embedding_dim:
        raise ConfigError(
            f"the vectors in {path} have dimension {dimension} but the embedding has {embedding.embedding_dim}; "
            f"use an embedding dimension of {dimension}"
        )
    if embedding.num_embeddings != len(vocab):
        raise ConfigError(f"the embedding has {embedding.num_embeddings} rows for a vocabulary of {len(vocab)}")
    wanted = set(vocab.tokens[2:])
    vectors = read_vectors(path, wanted | {token.lower() for token in wanted})
    found = 0
    with torch.no_grad():
        for index, token in enumerate(vocab.tokens):
            if index == vocab.pad_index:
                continue
            vector = vectors.get(token)
            if vector is None:
                vector = vectors.get(token.lower())
            if vector is not None:
                embedding.weight[index] = vector
                found += 1
    return found
