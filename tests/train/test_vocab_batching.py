"""Vocabulary, padding, length batching, language-model streams, word dropout; padding exactness end to end."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

from rational.errors import ConfigError, DataError, FormatError
from rational.models import LSTM, TextClassifier
from rational.train.batching import classification_batches, length_batches, pad, stream_batches, word_dropout
from rational.train.vocab import PAD, UNK, Vocabulary


def test_vocabulary_counts_order_and_unknowns():
    vocab = Vocabulary.build([["b", "a", "c", "a"], ["b", "a", "d", "<unk>"]], min_count=2)
    assert vocab.tokens == [PAD, UNK, "a", "b"]
    assert vocab.encode(["a", "d", "<unk>", "b"]) == [2, 1, 1, 3]
    assert vocab.decode([3, 2]) == ["b", "a"]
    assert len(vocab) == 4 and "a" in vocab and "d" not in vocab
    assert Vocabulary.build([["x", "y", "z", "z"]], max_size=2).tokens == [PAD, UNK, "z", "x"]
    with pytest.raises(ConfigError, match="min_count"):
        Vocabulary.build([["a"]], min_count=0)


def test_vocabulary_save_and_load(tmp_path):
    vocab = Vocabulary.build([["ö", "a", "a"]])
    assert Vocabulary.load(vocab.save(tmp_path / "v.json")) == vocab
    (tmp_path / "bad.json").write_text('{"words": []}')
    with pytest.raises(FormatError, match="not a saved vocabulary"):
        Vocabulary.load(tmp_path / "bad.json")
    with pytest.raises(FileNotFoundError, match="no such vocabulary file"):
        Vocabulary.load(tmp_path / "none.json")
    with pytest.raises(FormatError, match="starts with"):
        Vocabulary(["a", "b"])
    with pytest.raises(FormatError, match="appears twice"):
        Vocabulary([PAD, UNK, "a", "a"])


@given(st.lists(st.integers(0, 12), min_size=1, max_size=40), st.integers(1, 7), st.integers(0, 99))
def test_length_batches_partition_the_data(lengths, batch_size, seed):
    for shuffle in (False, True):
        batches = length_batches(lengths, batch_size, shuffle, torch.Generator().manual_seed(seed), pool=2)
        flat = sorted(i for batch in batches for i in batch)
        assert flat == list(range(len(lengths)))
        assert all(1 <= len(batch) <= batch_size for batch in batches)
        assert all(lengths[a] <= lengths[b] for batch in batches for a, b in zip(batch, batch[1:]))
    again = length_batches(lengths, batch_size, True, torch.Generator().manual_seed(seed), pool=2)
    assert again == length_batches(lengths, batch_size, True, torch.Generator().manual_seed(seed), pool=2)


def test_classification_batches_pad_exactly():
    ids = [[5, 6, 7], [8], [9, 10]]
    batches = classification_batches(ids, [1, 0, 1], batch_size=2)
    first = batches[0]
    assert first.tokens.tolist() == [[8, 0], [9, 10]]
    assert first.mask.tolist() == [[True, False], [True, True]]
    assert first.targets.tolist() == [0, 1]
    with pytest.raises(ConfigError, match="batch_size"):
        classification_batches(ids, [1, 0, 1], batch_size=0)


def test_a_padded_batch_classifies_each_text_as_alone():
    torch.manual_seed(0)
    model = TextClassifier(LSTM(5, hidden_size=4, bidirectional=True), 2, vocab_size=20).double().eval()
    ids = [[3, 4, 5, 6, 7, 8], [9], [10, 11, 12]]
    tokens, mask = pad(ids)
    together = model(tokens, mask)
    for row, sequence in enumerate(ids):
        alone_tokens, alone_mask = pad([sequence])
        assert_close(together[row], model(alone_tokens, alone_mask)[0], rtol=0, atol=1e-12)


@given(st.integers(2, 60), st.integers(1, 5), st.integers(1, 8))
def test_stream_batches_cover_the_stream(length, batch_size, bptt):
    stream = torch.arange(100, 100 + length)
    if length // batch_size < 2:
        with pytest.raises(DataError, match="too few"):
            stream_batches(stream, batch_size, bptt)
        return
    batches = stream_batches(stream, batch_size, bptt)
    inputs = torch.cat([b.tokens for b in batches], dim=1)
    targets = torch.cat([b.targets for b in batches], dim=1)
    columns = length // batch_size
    rows = stream[: batch_size * columns].view(batch_size, columns)
    assert torch.equal(inputs, rows[:, :-1]) and torch.equal(targets, rows[:, 1:])
    assert all(b.mask.all() and b.tokens.shape[1] <= bptt for b in batches)


def test_word_dropout():
    tokens = torch.tensor([[4, 5, 6, 7, 0, 0]] * 500)
    mask = tokens != 0
    assert word_dropout(tokens, mask, 0.0, 1) is tokens
    dropped = word_dropout(tokens, mask, 0.25, 1, torch.Generator().manual_seed(0))
    assert torch.all(dropped[~mask] == 0)
    assert set(dropped[mask].unique().tolist()) <= {1, 4, 5, 6, 7}
    rate = (dropped[mask] == 1).float().mean().item()
    assert 0.2 < rate < 0.3
