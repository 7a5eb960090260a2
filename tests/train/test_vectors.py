"""Pretrained vectors: GloVe and word2vec text files, lower-case fallback, errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rational.errors import ConfigError, FormatError
from rational.train.vectors import load_vectors, read_vectors, vector_dimension
from rational.train.vocab import Vocabulary


@pytest.fixture
def vocab():
    return Vocabulary.build([["good", "Bad", "meh", "new york"]])


def test_glove_file(tmp_path, vocab):
    path = tmp_path / "glove.txt"
    path.write_text("good 0.5 1.0 -1\nbad -0.5 -1.0 2e-1\nnew york 3 4 5\nunused 9 9 9\n")
    assert vector_dimension(path) == 3
    torch.manual_seed(0)
    embedding = nn.Embedding(len(vocab), 3, padding_idx=0)
    before = embedding.weight.detach().clone()
    assert load_vectors(embedding, vocab, path) == 3
    rows = embedding.weight.detach()
    assert rows[vocab.index["good"]].tolist() == [0.5, 1.0, -1.0]
    assert rows[vocab.index["Bad"]].tolist() == pytest.approx([-0.5, -1.0, 0.2])  # lower-case fallback
    assert rows[vocab.index["new york"]].tolist() == [3.0, 4.0, 5.0]  # a word with a space
    assert torch.equal(rows[vocab.index["meh"]], before[vocab.index["meh"]])
    assert torch.equal(rows[0], before[0])
    assert "unused" not in read_vectors(path, {"good"})


def test_word2vec_header(tmp_path, vocab):
    path = tmp_path / "w2v.txt"
    path.write_text("2 2\ngood 1 2 \nmeh 3 4\n")
    assert vector_dimension(path) == 2
    assert set(read_vectors(path)) == {"good", "meh"}
    assert load_vectors(nn.Embedding(len(vocab), 2), vocab, path) == 2


def test_vector_errors(tmp_path, vocab):
    path = tmp_path / "v.txt"
    path.write_text("good 1 2\nbad 1 x\n")
    with pytest.raises(FormatError, match=r"v\.txt:2: 'x' in the vector of 'bad' is not a number"):
        read_vectors(path)
    path.write_text("good 1 2\nbad 1\n")
    with pytest.raises(FormatError, match=r"v\.txt:2: expected a word and 2 numbers, got 2 fields"):
        read_vectors(path)
    path.write_text("good 1 2\n")
    with pytest.raises(ConfigError, match="dimension 2 but the embedding has 5"):
        load_vectors(nn.Embedding(len(vocab), 5), vocab, path)
    with pytest.raises(FileNotFoundError):
        vector_dimension(tmp_path / "none.txt")
