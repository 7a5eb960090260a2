"""Tokenizers and the vocabulary that turns tokens into ids.

Examples:
    >>> from rational.train.vocab import Tokenizer, Vocabulary
    >>> tokenize = Tokenizer(lowercase=True)
    >>> tokenize("Not  GOOD at all")
    ['not', 'good', 'at', 'all']
    >>> vocab = Vocabulary.build([["a", "b", "a"], ["a", "c"]], min_count=2)
    >>> vocab.tokens
    ['<pad>', '<unk>', 'a']
    >>> vocab.encode(["a", "c"])
    [2, 1]
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rational.errors import ConfigError, FormatError

__all__ = ["PAD", "TOKENIZERS", "UNK", "Tokenizer", "Vocabulary"]

PAD = "<pad>"
UNK = "<unk>"

#: ``whitespace``: split on runs of whitespace (for pre-tokenized text such as SST and PTB);
#: ``simple``: also split punctuation off words (for raw text such as Amazon reviews).
TOKENIZERS = ("whitespace", "simple")
_SIMPLE = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


@dataclass(frozen=True)
class Tokenizer:
    """Split text into tokens.

    Args:
        kind: ``"whitespace"`` or ``"simple"`` (words and punctuation marks).
        lowercase: lower-case the text first.

    Raises:
        ConfigError: for an unknown kind.

    Examples:
        >>> Tokenizer("simple")("Great book, don't miss it!")
        ['Great', 'book', ',', "don't", 'miss', 'it', '!']
    """

    kind: str = "whitespace"
    lowercase: bool = False

    def __post_init__(self) -> None:
        if self.kind not in TOKENIZERS:
            raise ConfigError(f"unknown tokenizer {self.kind!r}; choose one of {', '.join(TOKENIZERS)}")

    def __call__(self, text: str) -> list[str]:
        if self.lowercase:
            text = text.lower()
        return text.split() if self.kind == "whitespace" else _SIMPLE.findall(text)

    def normalize(self, tokens: Sequence[str]) -> list[str]:
        """Apply the tokenizer's normalization (lower-casing) to tokens split elsewhere (tree leaves)."""
        return [token.lower() for token in tokens] if self.lowercase else list(tokens)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Vocabulary:
    """A bijection between tokens and ids; id 0 is ``<pad>``, id 1 is ``<unk>``.

    Build it with :meth:`build`; unknown tokens encode to ``<unk>``.

    Args:
        tokens: every token, in id order, starting with ``<pad>`` and ``<unk>``.

    Raises:
        FormatError: when the specials are missing or a token repeats.
    """

    def __init__(self, tokens: Sequence[str]) -> None:
        tokens = list(tokens)
        if tokens[:2] != [PAD, UNK]:
            raise FormatError(f"a vocabulary starts with {PAD!r}, {UNK!r}; got {tokens[:2]!r}")
        if len(set(tokens)) != len(tokens):
            repeated = next(t for t, n in Counter(tokens).items() if n > 1)
            raise FormatError(f"token {repeated!r} appears twice in the vocabulary")
        self.tokens = tokens
        self.index = {token: i for i, token in enumerate(tokens)}

    pad_index = 0
    unk_index = 1

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]], min_count: int = 1, max_size: int | None = None) -> Vocabulary:
        """The vocabulary of a corpus: tokens seen at least ``min_count`` times, most frequent first.

        Ties are broken alphabetically, so the result is deterministic.

        Args:
            token_lists: the tokenized texts.
            min_count: the fewest occurrences a token needs to get its own id.
            max_size: keep at most this many tokens besides the specials.

        Returns:
            The vocabulary.

        Raises:
            ConfigError: for ``min_count < 1`` or ``max_size < 0``.
        """
        if min_count < 1:
            raise ConfigError(f"min_count must be at least 1, got {min_count}")
        if max_size is not None and max_size < 0:
            raise ConfigError(f"max_size must be non-negative, got {max_size}")
        counts = Counter(token for tokens in token_lists for token in tokens)
        counts.pop(PAD, None)
        counts.pop(UNK, None)
        kept = sorted((t for t, n in counts.items() if n >= min_count), key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[:max_size]
        return cls([PAD, UNK, *kept])

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: object) -> bool:
        return token in self.index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.tokens == other.tokens

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} tokens)"

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Token ids; unknown tokens become ``<unk>``."""
        return [self.index.get(token, self.unk_index) for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """The tokens of ids."""
        return [self.tokens[i] for i in ids]

    def save(self, path: str | Path) -> Path:
        """Write the vocabulary as JSON (a list of tokens in id order)."""
        path = Path(path)
        path.write_text(json.dumps({"tokens": self.tokens}, ensure_ascii=False))
        return path

    @classmethod
    def load(cls, path: str | Path) -> Vocabulary:
        """Read a vocabulary written by :meth:`save`.

        Raises:
            FileNotFoundError: when the file does not exist.
            FormatError: when it is not a saved vocabulary.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no such vocabulary file: {path}")
        try:
            tokens = json.loads(path.read_text())["tokens"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise FormatError(f"{path} is not a saved vocabulary ({error})") from None
        return cls(tokens)
