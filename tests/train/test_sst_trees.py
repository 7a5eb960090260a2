"""SST trees: parsing, phrase expansion counts, labels, errors; the real treebank with --data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rational.errors import FormatError
from rational.train.data import read_examples
from rational.train.trees import Tree, parse_tree, read_trees, tree_examples
from rational.train.vocab import Tokenizer

TREES = """(3 (2 It) (4 (4 (2 's) (4 (3 a) (4 gem))) (2 .)))
(1 (2 Not) (1 (2 a) (0 (1 very) (0 gem))))

(2 (2 It) (2 's))
(4 (2 a) (4 gem))
"""


@pytest.fixture
def trees_file(tmp_path):
    path = tmp_path / "train.txt"
    path.write_text(TREES)
    return path


def test_sentence_level_drops_neutral(trees_file):
    examples = read_examples(trees_file)
    assert [(e.label, " ".join(e.tokens)) for e in examples] == [
        ("1", "It 's a gem ."),
        ("0", "Not a very gem"),
        ("1", "a gem"),
    ]
    assert examples[2].source == f"{trees_file}:5"


def test_phrase_expansion_counts(trees_file):
    trees = read_trees(trees_file)
    nodes = [node for tree in trees for node in tree.subtrees()]
    assert len(nodes) == 9 + 7 + 3 + 3
    labelled = [n for n in nodes if n.label != 2]
    # binary, every non-neutral node
    assert len(tree_examples(trees, phrases=True, distinct=False)) == len(labelled) == 6 + 5 + 0 + 2
    # "gem" and "a gem" are positive in the first and the last tree: distinct keeps one each
    distinct = tree_examples(trees, phrases=True)
    assert len(distinct) == 13 - 2
    assert len({(e.tokens, e.label) for e in distinct}) == len(distinct)
    # fine-grained keeps neutral and uses five classes
    fine = tree_examples(trees, phrases=True, fine_grained=True, distinct=False)
    assert len(fine) == len(nodes) and {e.label for e in fine} == {"0", "1", "2", "3", "4"}
    assert [e.label for e in tree_examples(trees, fine_grained=True)] == ["3", "1", "2", "4"]
    # lower-casing merges "Not" phrases with nothing here, but applies to every token
    lowered = tree_examples(trees, Tokenizer(lowercase=True), phrases=True)
    assert all(token == token.lower() for e in lowered for token in e.tokens)


def test_phrases_come_children_first(trees_file):
    first = tree_examples(read_trees(trees_file)[:1], phrases=True, distinct=False)
    assert [" ".join(e.tokens) for e in first] == ["a", "gem", "a gem", "'s a gem", "'s a gem .", "It 's a gem ."]


def test_multi_word_leaf():
    tree = parse_tree(r"(2 (2 8 1\/2) (3 rocks))")
    assert tree.words() == ["8", r"1\/2", "rocks"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(3 (2 a) (4 gem)", r"unbalanced brackets: 1 node\(s\) left open"),
        ("(3 (2 a)) (4 gem))", "column 11: text after the end of the tree"),
        ("(7 (2 a))", "column 2: expected a sentiment label 0-4 after '\\(', got '7'"),
        ("(3 (2 a) (4))", "column 12: empty node"),
        ("(3 word (2 a))", "column 9: a node mixes words and subtrees"),
        ("(3 (2 a) word)", "column 10: a node mixes words and subtrees"),
        ("word (2 a)", "column 1: expected '\\(' to start a tree"),
        (")", "column 1: unbalanced brackets"),
    ],
)
def test_malformed_trees(text, message):
    with pytest.raises(FormatError, match=f"t.txt:4: {message}"):
        parse_tree(text, "t.txt:4")


def test_errors_in_files_name_the_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("(3 (2 a) (4 gem))\n(3 (2 a) (4 gem)\n")
    with pytest.raises(FormatError, match=rf"{path}:2: unbalanced"):
        read_examples(path, format="sst-trees")


def _trees(depth: int = 3):
    words = st.lists(st.sampled_from(["a", "gem", "not", "dull", "8", r"1\/2"]), min_size=1, max_size=2)
    leaf = st.builds(lambda label, w: Tree(label, leaf_words=w), st.integers(0, 4), words)
    return st.recursive(
        leaf, lambda kids: st.builds(lambda label, c: Tree(label, children=c), st.integers(0, 4), st.lists(kids, min_size=1, max_size=3)), max_leaves=12
    )


def _render(tree: Tree) -> str:
    inside = " ".join(tree.leaf_words) if not tree.children else " ".join(_render(c) for c in tree.children)
    return f"({tree.label} {inside})"


def _count(tree: Tree) -> int:
    return 1 + sum(_count(c) for c in tree.children)


@given(_trees())
def test_parse_inverts_rendering(tree):
    parsed = parse_tree(_render(tree))
    assert _render(parsed) == _render(tree)
    assert parsed.words() == tree.words()
    assert len(list(parsed.subtrees())) == _count(tree)


def test_real_treebank(data_dir):
    lower = Tokenizer(lowercase=True)
    train = data_dir / "sst_trees" / "train.txt"
    assert len(read_examples(train)) == 6920
    assert len(read_examples(data_dir / "sst_trees" / "dev.txt")) == 872
    assert len(read_examples(data_dir / "sst_trees" / "test.txt")) == 1821
    assert len(read_examples(train, tokenizer=lower, phrases=True)) == 77201
    # lower-cased tree sentences are the SST-2 sentences of Kim (2014)
    trees = {(e.label, e.tokens) for e in read_examples(data_dir / "sst_trees" / "dev.txt", tokenizer=lower)}
    lines = {(e.label, e.tokens) for e in read_examples(data_dir / "sst2" / "stsa.binary.dev")}
    assert trees == lines
