"""Stanford Sentiment Treebank trees: parsing, and sentence- or phrase-level examples.

A tree is one line in bracket form, a sentiment label 0-4 on every node:
``(3 (2 The) (4 (3 gorgeously) (2 elaborate)))``. Sentence-level data takes the root of
each tree; phrase-level data (how the literature trains on SST, e.g. Kim 2014) takes
every labelled subtree. Binary labels map 0-1 to ``"0"`` (negative) and 3-4 to ``"1"``
(positive) and drop neutral 2; fine-grained labels keep all five classes.

Examples:
    >>> from rational.train.trees import parse_tree, tree_examples
    >>> tree = parse_tree("(3 (2 not) (4 (3 very) (1 bad)))")
    >>> tree.label, tree.words()
    (3, ['not', 'very', 'bad'])
    >>> [(e.label, " ".join(e.tokens)) for e in tree_examples([tree], phrases=True)]
    [('1', 'very'), ('0', 'bad'), ('1', 'very bad'), ('1', 'not very bad')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rational.errors import FormatError
from rational.train.sources import Example, open_text
from rational.train.vocab import Tokenizer

__all__ = ["Tree", "parse_tree", "read_trees", "sentiment_label", "tree_examples"]

_TOKEN = re.compile(r"\(|\)|[^\s()]+")


@dataclass
class Tree:
    """A labelled node; a leaf holds its words (usually one, occasionally more, as in ``8 1\\/2``)."""

    label: int
    children: list[Tree] = field(default_factory=list)
    leaf_words: list[str] = field(default_factory=list)
    source: str = ""

    def words(self) -> list[str]:
        """The words of the phrase this node spans, left to right."""
        if not self.children:
            return list(self.leaf_words)
        return [word for child in self.children for word in child.words()]

    def subtrees(self) -> Iterator[Tree]:
        """Every node, children before their parent (post-order)."""
        stack: list[tuple[Tree, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded or not node.children:
                yield node
            else:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node.children))


def parse_tree(text: str, source: str = "<string>") -> Tree:
    """Parse one bracketed tree.

    Args:
        text: the tree, e.g. ``"(4 (2 a) (4 gem))"``.
        source: where it comes from (``path:line``), for error messages.

    Returns:
        The root.

    Raises:
        FormatError: for unbalanced brackets, a missing or out-of-range label, an
            empty node, or text after the tree; the message gives the column.

    Examples:
        >>> parse_tree("(4 (2 a) (4 gem))").words()
        ['a', 'gem']
        >>> parse_tree("(4 (2 a) (4 gem)")
        Traceback (most recent call last):
        ...
        rational.errors.FormatError: <string>: unbalanced brackets: 1 node(s) left open at the end of the tree
    """
    stack: list[Tree] = []
    root: Tree | None = None
    expect_label = False
    for match in _TOKEN.finditer(text):
        token, column = match.group(), match.start() + 1
        if root is not None:
            raise FormatError(f"{source}: column {column}: text after the end of the tree: {token!r}")
        if expect_label:
            if token in "()" or not token.isdigit() or not 0 <= int(token) <= 4:
                raise FormatError(f"{source}: column {column}: expected a sentiment label 0-4 after '(', got {token!r}")
            stack[-1].label = int(token)
            expect_label = False
        elif token == "(":
            if stack and stack[-1].leaf_words:
                raise FormatError(f"{source}: column {column}: a node mixes words and subtrees")
            node = Tree(-1, source=source)
            if stack:
                stack[-1].children.append(node)
            stack.append(node)
            expect_label = True
        elif token == ")":
            if not stack:
                raise FormatError(f"{source}: column {column}: unbalanced brackets: ')' closes nothing")
            node = stack.pop()
            if not node.children and not node.leaf_words:
                raise FormatError(f"{source}: column {column}: empty node (a label without words or subtrees)")
            if not stack:
                root = node
        else:
            if not stack:
                raise FormatError(f"{source}: column {column}: expected '(' to start a tree, got {token!r}")
            if stack[-1].children:
                raise FormatError(f"{source}: column {column}: a node mixes words and subtrees")
            stack[-1].leaf_words.append(token)
    if stack:
        raise FormatError(f"{source}: unbalanced brackets: {len(stack)} node(s) left open at the end of the tree")
    if root is None:
        raise FormatError(f"{source}: no tree found")
    return root


def read_trees(path: str | Path) -> list[Tree]:
    """Read one tree per non-blank line of a file.

    Raises:
        FileNotFoundError: when the file does not exist.
        FormatError: for a malformed tree (with the file and line number).
    """
    path = Path(path)
    with open_text(path) as lines:
        return [parse_tree(line, f"{path}:{number}") for number, line in enumerate(lines, 1) if line.strip()]


def sentiment_label(label: int, fine_grained: bool = False) -> str | None:
    """The class of a 0-4 sentiment label: itself when fine-grained, else ``"0"``/``"1"`` with neutral dropped (``None``).

    Examples:
        >>> [sentiment_label(v) for v in range(5)]
        ['0', '0', None, '1', '1']
    """
    if fine_grained:
        return str(label)
    if label == 2:
        return None
    return "0" if label < 2 else "1"


def tree_examples(
    trees: Sequence[Tree],
    tokenizer: Tokenizer | None = None,
    phrases: bool = False,
    fine_grained: bool = False,
    distinct: bool = True,
) -> list[Example]:
    """Classification examples from trees.

    Args:
        trees: parsed trees.
        tokenizer: applies its lower-casing to the words (trees are already tokenized).
        phrases: every labelled subtree instead of only the sentences (roots).
        fine_grained: five classes ``"0"``..``"4"`` instead of binary with neutral dropped.
        distinct: with ``phrases``, keep each (phrase, label) once, at its first occurrence.

    Returns:
        The examples, in file order (phrases: children before parents).
    """
    tokenizer = tokenizer or Tokenizer()
    examples: list[Example] = []
    seen: set[tuple[tuple[str, ...], str]] = set()
    for tree in trees:
        for node in tree.subtrees() if phrases else [tree]:
            label = sentiment_label(node.label, fine_grained)
            if label is None:
                continue
            tokens = tuple(tokenizer.normalize(node.words()))
            if phrases and distinct:
                if (tokens, label) in seen:
                    continue
                seen.add((tokens, label))
            examples.append(Example(tokens, label, tree.source))
    return examples
