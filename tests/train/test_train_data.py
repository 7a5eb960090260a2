"""Data readers: label lines, TSV/CSV with quoted multi-line fields, plain text; detection; errors."""

from __future__ import annotations

import pytest

from rational.errors import ConfigError, DataError, FormatError
from rational.train.data import (
    detect_format,
    encode_labels,
    label_names,
    read_examples,
    read_lines,
    read_table,
    read_text,
    resolve_format,
)
from rational.train.sources import Example
from rational.train.vocab import Tokenizer


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_label_lines(tmp_path):
    path = write(tmp_path, "train.txt", "1 a stirring , funny film\n\n0 apparently reassembled .\n")
    examples = read_lines(path)
    assert [(e.label, e.tokens) for e in examples] == [
        ("1", ("a", "stirring", ",", "funny", "film")),
        ("0", ("apparently", "reassembled", ".")),
    ]
    assert examples[1].source == f"{path}:3"


def test_a_label_without_text_names_file_and_line(tmp_path):
    path = write(tmp_path, "train.txt", "1 fine\n0 also fine\n1   \n")
    with pytest.raises(FormatError, match=rf"{path}:3: expected 'label tokens\.\.\.'"):
        read_lines(path)


TSV = 'sentence\tlabel\n"Horrible book, horrible.\n\tTHis book was ""bad"".\n\nReally."\t0\nA fine read\t1\n'


def test_tsv_with_quoted_multiline_fields(tmp_path):
    path = write(tmp_path, "train.tsv", TSV)
    assert detect_format(path) == "tsv"
    examples = read_table(path)
    assert len(examples) == 2
    assert examples[0].tokens == ("Horrible", "book,", "horrible.", "THis", "book", "was", '"bad".', "Really.")
    assert examples[0].label == "0" and examples[0].source == f"{path}:2"
    assert examples[1].source == f"{path}:6"  # the second record starts after the four lines of the first
    simple = read_table(path, Tokenizer("simple", lowercase=True))
    assert simple[0].tokens[:4] == ("horrible", "book", ",", "horrible")


def test_csv_detected_from_its_header(tmp_path):
    path = write(tmp_path, "d.csv", 'id,Text,Label\n1,"good, really",pos\n2,bad,neg\n')
    assert detect_format(path) == "csv"
    assert [(e.label, e.tokens) for e in read_examples(path)] == [("pos", ("good,", "really")), ("neg", ("bad",))]


def test_table_errors_give_the_line(tmp_path):
    wrong_header = write(tmp_path, "a.tsv", "review\tscore\ngood\t1\n")
    with pytest.raises(FormatError, match=r"a\.tsv:1: the header needs a 'sentence' \(or 'text'\) column"):
        read_table(wrong_header)
    short_row = write(tmp_path, "b.tsv", 'sentence\tlabel\n"two\nlines"\t1\nmissing a field\n')
    with pytest.raises(FormatError, match=r"b\.tsv:4: expected 2 fields \(sentence, label\), got 1"):
        read_table(short_row)
    empty_label = write(tmp_path, "c.tsv", "sentence\tlabel\nfine\t1\nno label\t \n")
    with pytest.raises(FormatError, match=r"c\.tsv:3: empty label"):
        read_table(empty_label)
    empty_text = write(tmp_path, "d.tsv", "sentence\tlabel\n \t1\n")
    with pytest.raises(FormatError, match=r"d\.tsv:2: empty text for label '1'"):
        read_table(empty_text)


def test_plain_text_for_language_modeling(tmp_path):
    path = write(tmp_path, "ptb.txt", " the cat sat \n\n <unk> sat N \n")
    examples = read_text(path)
    assert [e.tokens for e in examples] == [("the", "cat", "sat", "<eos>"), ("<unk>", "sat", "N", "<eos>")]
    assert examples[1].label is None and examples[1].source.endswith(":3")
    assert read_examples(path, task="lm") == examples


def test_format_detection(tmp_path):
    assert detect_format(write(tmp_path, "t.txt", "\n(3 (2 a) (4 gem))\n")) == "sst-trees"
    assert detect_format(write(tmp_path, "l.txt", "1 good , and text\n")) == "lines"
    assert detect_format(write(tmp_path, "c.txt", "1 label , sentence\n")) == "lines"
    with pytest.raises(DataError, match="is empty"):
        detect_format(write(tmp_path, "e.txt", "\n \n"))
    assert resolve_format(tmp_path / "whatever", "lm") == "text"
    assert resolve_format(tmp_path / "l.txt", "classify", "tsv") == "tsv"


def test_read_examples_refusals(tmp_path):
    lines = write(tmp_path, "l.txt", "1 good\n")
    with pytest.raises(ConfigError, match="phrases needs SST trees"):
        read_examples(lines, phrases=True)
    with pytest.raises(ConfigError, match="language modeling reads plain text"):
        read_examples(lines, task="lm", format="lines")
    with pytest.raises(ConfigError, match="classification needs labels"):
        read_examples(lines, format="text")
    with pytest.raises(ConfigError, match="unknown data format 'json'"):
        read_examples(lines, format="json")
    with pytest.raises(ConfigError, match="unknown task 'tag'"):
        read_examples(lines, task="tag")
    with pytest.raises(DataError, match="holds no examples"):
        read_examples(write(tmp_path, "h.tsv", "sentence\tlabel\n"))
    with pytest.raises(DataError, match="holds no examples"):
        read_examples(write(tmp_path, "blank.txt", "\n\n"), task="lm")


def test_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file: .*missing.txt"):
        read_examples(tmp_path / "missing.txt")
    with pytest.raises(FileNotFoundError, match="is a folder"):
        read_examples(tmp_path)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("1 caf\xe9 cr\xe8me\n".encode("latin-1"))
    with pytest.raises(FormatError, match="is not UTF-8 text"):
        read_examples(latin, format="lines")


def test_tokenizers():
    assert Tokenizer()("Not  GOOD\tat all\n") == ["Not", "GOOD", "at", "all"]
    assert Tokenizer("simple", lowercase=True)("It's GREAT... (really)") == ["it's", "great", ".", ".", ".", "(", "really", ")"]
    with pytest.raises(ConfigError, match="unknown tokenizer 'spacy'"):
        Tokenizer("spacy")


def test_labels():
    examples = [Example(("a",), "10"), Example(("b",), "2"), Example(("c",), "-1")]
    assert label_names(examples) == ["-1", "2", "10"]
    assert label_names([Example(("a",), "pos"), Example(("b",), "neg")]) == ["neg", "pos"]
    assert encode_labels(examples, ["-1", "2", "10"]) == [2, 1, 0]
    with pytest.raises(DataError, match=r"dev\.txt:7: label '3' does not occur in the training data \(known labels: 0, 1\)"):
        encode_labels([Example(("x",), "3", "dev.txt:7")], ["0", "1"])


def test_amazon_reviews(data_dir):
    path = data_dir / "amazon_blitzer" / "books" / "train.tsv"
    examples = read_examples(path, tokenizer=Tokenizer("simple", lowercase=True))
    assert len(examples) == 1700
    assert label_names(examples) == ["0", "1"]
    assert examples[0].tokens[:5] == ("horrible", "book", ",", "horrible", ".")
