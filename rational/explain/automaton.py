"""A pattern drawn as an automaton whose arcs carry the words that score highest on them.

The pattern's template keeps its states, initial and final weights and epsilon arcs;
each token arc becomes ``top_words`` parallel arcs, one per word of the vocabulary
that weighs most on it (largest weight; least cost in ``Tropical``), weighted as the
model weighs that word there. Self-loops stay loops and epsilon arcs are drawn ``ε``.

This is the pattern itself, the automaton that scores one span: the document score
of an unanchored pattern is the best (or the sum) of its scores over all spans, which
the full export ``module.to_wfsa(vocab, embeddings, copy, top_k)`` spells out with
extra context states (see :mod:`rational.explain.extract`).

Examples:
    >>> import torch
    >>> from rational import MaxPlus
    >>> from rational.nn import Template, compile
    >>> torch.manual_seed(0) and None
    >>> bank = compile(Template.chain(2, epsilons=True), MaxPlus, parameterization="projected", input_size=4)
    >>> words = ["<pad>", "<unk>", "not", "good", "bad", "film"]
    >>> machine = pattern_automaton(bank, 0, vocab=words, embeddings=torch.randn(6, 4), top_words=2)
    >>> machine.num_states, machine.num_arcs     # (2 main arcs + 1 self-loop) x 2 words, 2 epsilons
    (3, 8)
    >>> sorted({arc.label for arc in machine.arcs() if arc.label})  # <pad> and <unk> are left out
    ['bad', 'good', 'not']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from rational.errors import ConfigError
from rational.explain.patterns import Pattern, as_pattern_model, carries_vocabulary
from rational.nn.semiring_ops import from_working_numpy
from rational.semirings import Real, Tropical
from rational.symbols import SymbolTable
from rational.wfsa import EPSILON_ID, WFSA

__all__ = ["best_words", "pattern_automaton"]


def best_words(weights: np.ndarray, ring, top_words: int, excluded: Sequence[int] = ()) -> np.ndarray:
    """``(top_words, arcs)``: for each column of ``weights (V, arcs)`` (working
    semiring) the ids of its best words, best first; ``excluded`` ids never appear.

    Examples:
        >>> from rational import MaxPlus
        >>> best_words(np.array([[-1.0, -0.1], [-0.2, -3.0], [-0.5, -0.4]]), MaxPlus, 2).tolist()
        [[1, 0], [2, 2]]
    """
    key = weights if ring is Tropical else (-np.abs(weights) if ring is Real else -weights)
    key = np.array(key, dtype=np.float64)
    key[list(excluded)] = np.inf
    order = np.argsort(key, axis=0, kind="stable")[:top_words]
    return order


def pattern_automaton(
    model: Any,
    pattern: int | Pattern,
    vocab: Sequence[str] | None = None,
    top_words: int = 3,
    *,
    embeddings: nn.Embedding | torch.Tensor | None = None,
    include_special: bool = False,
) -> WFSA:
    """The pattern as a :class:`~rational.WFSA` whose arcs carry their best words.

    Args:
        model: anything :func:`~rational.explain.patterns.as_pattern_model` reads.
        pattern: the pattern's index (or a :class:`~rational.explain.patterns.Pattern`).
        vocab: the words to choose from: a bare module's or classifier's
            vocabulary (all its words, in id order), or, for a model that knows its
            vocabulary (a pattern model, a checkpoint), a subset of it (default: all).
        top_words: words per token arc.
        embeddings: a bare projected module's word vectors.
        include_special: also consider ``<pad>`` and ``<unk>``.

    Returns:
        A machine in the model's semiring with the template's states; draw it
        with ``.draw()`` or ``.save_picture(path)``.

    Raises:
        ConfigError: for a bad pattern index or ``top_words``, or words outside
            the model's vocabulary.
    """
    if isinstance(top_words, bool) or not isinstance(top_words, int) or top_words < 1:
        raise ConfigError(f"top_words must be a positive integer, got {top_words!r}")
    bare = not carries_vocabulary(model)  # then vocab names its ids; otherwise vocab picks words
    model = as_pattern_model(model, vocab if bare else None, embeddings)
    pattern = model.pattern(pattern)
    module, ring = pattern.module, pattern.module.working
    table = model.arc_word_weights(pattern).to(torch.float64).cpu().numpy()  # (V, A)
    excluded = set() if include_special else set(model.special_ids)
    if vocab is not None and not bare:
        unknown = [w for w in vocab if w not in model.index]
        if unknown:
            raise ConfigError(f"word {unknown[0]!r} is not in the model's vocabulary")
        allowed = {model.index[w] for w in vocab}
        excluded |= set(range(len(model.vocab))) - allowed
    candidates = len(model.vocab) - len(excluded)
    if candidates < 1:
        raise ConfigError("no words left to put on the arcs")
    chosen = best_words(table, ring, min(top_words, candidates), sorted(excluded))  # (k, A)
    template = module.template
    alphabet = SymbolTable()
    src, label, dst, weight = [], [], [], []
    for arc in range(template.num_arcs):
        for word in chosen[:, arc].tolist():
            src.append(int(template.src[arc]))
            dst.append(int(template.dst[arc]))
            label.append(alphabet.add(model.vocab[word]))
            weight.append(table[word, arc])
    with torch.no_grad():
        eps = module.epsilon_vector()[pattern.copy].to(torch.float64).cpu().numpy()
        initial = module.initial_vector()[pattern.copy].to(torch.float64).cpu().numpy()
        final = module.final_vector()[pattern.copy].to(torch.float64).cpu().numpy()
    for e in range(template.num_epsilons):
        if eps[e] != ring.zero:
            src.append(int(template.epsilon_src[e]))
            dst.append(int(template.epsilon_dst[e]))
            label.append(EPSILON_ID)
            weight.append(eps[e])
    user = module.semiring
    return WFSA.from_arrays(
        user,
        alphabet,
        from_working_numpy(user, initial),
        from_working_numpy(user, final),
        np.asarray(src, dtype=np.int64),
        np.asarray(label, dtype=np.int64),
        np.asarray(dst, dtype=np.int64),
        from_working_numpy(user, np.asarray(weight, dtype=np.float64)),
    )
