"""Synthetic data: deterministic, labelled by the stated rule, not decidable by word counts."""

from __future__ import annotations

from collections import Counter

from rational.train.data import read_examples
from rational.train.synthetic import (
    NEGATIVE,
    POSITIVE,
    language_sentences,
    sentiment_examples,
    sentiment_label,
    write_language_corpus,
    write_sentiment_splits,
)


def test_sentiment_is_deterministic_and_follows_the_rule():
    examples = sentiment_examples(500, seed=3)
    assert examples == sentiment_examples(500, seed=3)
    assert examples != sentiment_examples(500, seed=4)
    assert all(sentiment_label(e.tokens) == int(e.label) for e in examples)
    counts = Counter(e.label for e in examples)
    assert 200 < counts["1"] < 300
    # both classes use both kinds of adjective, and "not" also appears where it negates nothing
    for label in "01":
        words = {w for e in examples if e.label == label for w in e.tokens}
        assert words & set(POSITIVE) and words & set(NEGATIVE)
    assert any(e.tokens.count("not") == 2 for e in examples)


def test_sentiment_rule_by_hand():
    assert sentiment_label("the film was good .".split()) == 1
    assert sentiment_label("the film was not good .".split()) == 0
    assert sentiment_label("whether or not you agree , the plot was so dull .".split()) == 0
    assert sentiment_label("the plot was not really dull .".split()) == 1


def test_written_splits_read_back(tmp_path):
    paths = write_sentiment_splits(tmp_path, train=30, dev=10, test=10, seed=1)
    train = read_examples(paths["train"])
    assert len(train) == 30 and all(sentiment_label(e.tokens) == int(e.label) for e in train)
    assert read_examples(paths["dev"]) != read_examples(paths["test"])


def test_language_agrees_in_number(tmp_path):
    sentences = language_sentences(300, seed=0)
    assert sentences == language_sentences(300, seed=0)
    for words in sentences:
        assert words[0] == "the" and words[-1] == "."
        subject = next(w for w in words[1:] if w not in ("small", "old", "happy", "quiet", "red"))
        verb_at = next(i for i, w in enumerate(words) if i > words.index(subject) and w in {
            "runs", "sleeps", "sings", "waits", "laughs", "sees", "likes", "follows", "helps",
            "run", "sleep", "sing", "wait", "laugh", "see", "like", "follow", "help"})
        singular_subject = not subject.endswith("s") and subject != "children"
        assert words[verb_at].endswith("s") == singular_subject, words
    paths = write_language_corpus(tmp_path, train=20, valid=5, test=5)
    assert len(read_examples(paths["valid"], task="lm")) == 5
