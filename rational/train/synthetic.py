"""Synthetic data the project generates itself: sentiment with negation, and a small language.

**Sentiment.** Each sentence holds one adjective, positive (``good``, ``great``, ...)
or negative (``bad``, ``dull``, ...), possibly negated by ``not`` directly before it
(an intensifier such as ``very`` may stand between: ``not very good``). The label is
1 (positive) when the adjective is positive and not negated, or negative and
negated; 0 otherwise. Some sentences open with a clause holding a ``not`` that
negates nothing, so counting words does not decide the label: a model must read
``not good`` as a phrase. :func:`sentiment_label` states the rule as code.

**Language.** Sentences from a small grammar with subject-verb number agreement
(``the dog near the cats runs .``), for language modeling.

Both are deterministic in their seed and written in the formats
:mod:`rational.train.data` reads (``label tokens...`` lines and plain text).

Examples:
    >>> from rational.train.synthetic import sentiment_examples, sentiment_label
    >>> examples = sentiment_examples(4, seed=0)
    >>> all(sentiment_label(e.tokens) == int(e.label) for e in examples)
    True
    >>> sentiment_label("the plot was not very good .".split())
    0
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from rational.errors import ConfigError
from rational.train.sources import Example

__all__ = [
    "NEGATIVE",
    "POSITIVE",
    "language_sentences",
    "sentiment_examples",
    "sentiment_label",
    "write_language_corpus",
    "write_sentiment_splits",
]

POSITIVE = ("good", "great", "fun", "moving", "clever", "charming")
NEGATIVE = ("bad", "dull", "boring", "awful", "clumsy", "tedious")
INTENSIFIERS = ("very", "really", "quite", "so")
_SUBJECTS = ("the film", "this movie", "the story", "the acting", "the ending", "the plot", "the music", "the script")
_LINKS = ("is", "was", "seems", "felt", "looks")
_OPENERS = ("honestly ,", "i must say", "whether or not you agree ,", "i can not lie ,", "not to spoil it ,", "in short ,")
_TAILS = ("", "overall", "to me", "in the end", "at times", "for a sequel", "from start to finish")


def sentiment_label(tokens: Sequence[str]) -> int:
    """The label the generator's rule gives a sentence: 1 positive, 0 negative.

    Raises:
        ValueError: when the sentence holds no adjective of :data:`POSITIVE` or :data:`NEGATIVE`.
    """
    tokens = list(tokens)
    for position, token in enumerate(tokens):
        if token in POSITIVE or token in NEGATIVE:
            before = position - 1
            while before >= 0 and tokens[before] in INTENSIFIERS:
                before -= 1
            negated = before >= 0 and tokens[before] == "not"
            return int((token in POSITIVE) != negated)
    raise ValueError(f"no sentiment adjective in {' '.join(tokens)!r}")


def _sentiment_sentence(rng: random.Random) -> tuple[int, list[str]]:
    label, negated = rng.randrange(2), rng.random() < 0.5
    adjective = rng.choice(POSITIVE if bool(label) != negated else NEGATIVE)
    words: list[str] = []
    if rng.random() < 0.3:
        words += rng.choice(_OPENERS).split()
    words += rng.choice(_SUBJECTS).split() + [rng.choice(_LINKS)]
    if negated:
        words.append("not")
    if rng.random() < 0.4:
        words.append(rng.choice(INTENSIFIERS))
    words.append(adjective)
    words += rng.choice(_TAILS).split() + ["."]
    return label, words


def sentiment_examples(n: int, seed: int = 0) -> list[Example]:
    """``n`` labelled sentences (labels ``"0"``/``"1"``, balanced in expectation).

    Raises:
        ConfigError: for a negative ``n``.
    """
    if n < 0:
        raise ConfigError(f"the number of sentences must be non-negative, got {n}")
    rng = random.Random(seed)
    examples = []
    for i in range(n):
        label, words = _sentiment_sentence(rng)
        examples.append(Example(tuple(words), str(label), f"synthetic:{i + 1}"))
    return examples


def _write_splits(folder: str | Path, lines_by_split: dict[str, list[str]]) -> dict[str, Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for split, lines in lines_by_split.items():
        paths[split] = folder / f"{split}.txt"
        paths[split].write_text("".join(line + "\n" for line in lines))
    return paths


def write_sentiment_splits(
    folder: str | Path, train: int = 2000, dev: int = 300, test: int = 300, seed: int = 0
) -> dict[str, Path]:
    """Write ``train.txt``, ``dev.txt`` and ``test.txt`` in ``label tokens...`` lines.

    Returns:
        The paths, by split name.

    Examples:
        >>> import tempfile
        >>> paths = write_sentiment_splits(tempfile.mkdtemp(), train=3, dev=2, test=2)
        >>> sorted(paths), len(paths["train"].read_text().splitlines())
        (['dev', 'test', 'train'], 3)
    """
    sizes = {"train": train, "dev": dev, "test": test}
    lines = {
        split: [f"{e.label} {' '.join(e.tokens)}" for e in sentiment_examples(size, seed=seed * 1000 + k)]
        for k, (split, size) in enumerate(sizes.items())
    }
    return _write_splits(folder, lines)


_NOUNS = {"sg": ("dog", "cat", "bird", "child", "teacher", "farmer"), "pl": ("dogs", "cats", "birds", "children", "teachers", "farmers")}
_VERBS = {"sg": ("runs", "sleeps", "sings", "waits", "laughs"), "pl": ("run", "sleep", "sing", "wait", "laugh")}
_TRANSITIVE = {"sg": ("sees", "likes", "follows", "helps"), "pl": ("see", "like", "follow", "help")}
_ADJECTIVES = ("small", "old", "happy", "quiet", "red")
_PREPOSITIONS = ("near", "behind", "with")


def _noun_phrase(rng: random.Random, number: str, depth: int) -> list[str]:
    words = ["the"]
    if rng.random() < 0.3:
        words.append(rng.choice(_ADJECTIVES))
    words.append(rng.choice(_NOUNS[number]))
    if depth < 1 and rng.random() < 0.25:
        words += [rng.choice(_PREPOSITIONS), *_noun_phrase(rng, rng.choice(("sg", "pl")), depth + 1)]
    return words


def language_sentences(n: int, seed: int = 0) -> list[list[str]]:
    """``n`` sentences of a small grammar whose verbs agree in number with their subjects.

    Examples:
        >>> language_sentences(2, seed=3)
        [['the', 'cat', 'sees', 'the', 'child', '.'], ['the', 'cats', 'laugh', '.']]
    """
    if n < 0:
        raise ConfigError(f"the number of sentences must be non-negative, got {n}")
    rng = random.Random(seed)
    sentences = []
    for _ in range(n):
        number = rng.choice(("sg", "pl"))
        words = _noun_phrase(rng, number, 0)
        if rng.random() < 0.5:
            words.append(rng.choice(_VERBS[number]))
        else:
            words += [rng.choice(_TRANSITIVE[number]), *_noun_phrase(rng, rng.choice(("sg", "pl")), 1)]
        sentences.append(words + ["."])
    return sentences


def write_language_corpus(
    folder: str | Path, train: int = 2000, valid: int = 200, test: int = 200, seed: int = 0
) -> dict[str, Path]:
    """Write ``train.txt``, ``valid.txt`` and ``test.txt`` of :func:`language_sentences`, one a line.

    Returns:
        The paths, by split name.
    """
    sizes = {"train": train, "valid": valid, "test": test}
    lines = {
        split: [" ".join(words) for words in language_sentences(size, seed=seed * 1000 + k)]
        for k, (split, size) in enumerate(sizes.items())
    }
    return _write_splits(folder, lines)
