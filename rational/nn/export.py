"""Export a (trained) module back to an exact WFSA over a vocabulary.

For one copy of a :class:`~rational.nn.NeuralWFSA`, every token arc becomes one arc
per vocabulary word, weighted by what the module gives that arc on that word:
``theta[copy, arc, word]`` (lexical) or ``g(w_arc · e_word + b_arc)`` for the
word's embedding ``e_word`` (projected, computed in float64). Epsilon arcs, initial
and final weights are copied. The result scores every sentence over the vocabulary
exactly as the module does (up to the module's float precision).

An unanchored module scores a document as the ⊕ over its non-empty spans. Its
export makes that explicit: a prefix state with a self-loop of weight one on every
word (the context before the span), then two copies of the template, *before* the
span's first token (entered from the prefix state through epsilon arcs carrying the
initial weights; only epsilon arcs inside it) and *after* it (every token arc of
the first copy leads into the second), then a suffix state with weight-one
self-loops, entered through epsilon arcs carrying the final weights. Every span
and every template path inside it is one path of the export, so ⊕-sums agree
exactly, in every semiring, and empty spans are excluded as in the module. States
on no accepting path are then trimmed away (scores are unchanged).

With ``top_k``, each arc keeps only its ``k`` best words (largest weight; smallest
cost in ``Tropical``; largest magnitude in ``Real``): smaller, and approximate.

Examples:
    >>> import torch
    >>> from rational import WFSA, Log
    >>> from rational.nn import compile
    >>> a = WFSA.from_arcs(Log, [(0, "a", 1, -0.5), (1, "b", 1, -1.0)], initial=0, final=1, alphabet="ab")
    >>> exported = compile(a, dtype=torch.float64).to_wfsa()
    >>> exported.score("abb"), a.score("abb")
    (-2.5, -2.5)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from rational.algorithms.connect import trim
from rational.errors import ShapeError
from rational.nn.compile import activate
from rational.nn.semiring_ops import from_working_numpy
from rational.semirings import Real, Tropical
from rational.symbols import SymbolTable
from rational.wfsa import EPSILON_ID, WFSA

if TYPE_CHECKING:  # pragma: no cover
    from rational.nn.compile import NeuralWFSA

__all__ = ["to_wfsa"]


def _numpy(values) -> np.ndarray:
    if torch.is_tensor(values):
        values = values.detach().cpu()
    return np.asarray(values, dtype=np.float64)


def _is_id_list(vocab) -> bool:
    if isinstance(vocab, (SymbolTable, str)):
        return False
    items = list(vocab)
    return bool(items) and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items)


def _lexical_table(module: NeuralWFSA, vocab, embeddings, copy: int) -> tuple[np.ndarray, list[Hashable]]:
    if embeddings is not None:
        raise ValueError("a lexical module reads token ids: pass vocab (names or ids), not embeddings")
    table = _numpy(module.token_table()[:, copy, :])  # (V, A)
    size = module.input_size
    names = list(module.alphabet) if module.alphabet is not None else list(range(size))
    if vocab is None:
        return table, names
    if _is_id_list(vocab):
        ids = np.asarray(list(vocab), dtype=np.int64)
        bad = ids[(ids < 0) | (ids >= size)]
        if len(bad):
            raise ShapeError(f"token id {int(bad[0])} in vocab is outside the module's vocabulary 0..{size - 1}")
        return table[ids], [names[i] for i in ids.tolist()]
    symbols = list(vocab)
    if len(symbols) != size:
        raise ShapeError(
            f"vocab names {len(symbols)} words but the module has {size} token ids; "
            "give one name per id (or a list of token ids to export a subset)"
        )
    return table, symbols


def _projected_table(module: NeuralWFSA, vocab, embeddings, copy: int) -> tuple[np.ndarray, list[Hashable]]:
    if embeddings is None:
        raise ValueError(
            "a projected module reads vectors: pass embeddings, the (V, D) table of the words' vectors "
            "(and vocab, their names)"
        )
    table = _numpy(embeddings)
    if table.ndim != 2 or table.shape[1] != module.input_size:
        raise ShapeError(f"embeddings must have shape (V, {module.input_size}), got {table.shape}")
    if np.isnan(table).any():
        row = int(np.argwhere(np.isnan(table))[0, 0])
        raise ShapeError(f"embeddings row {row} holds NaN")
    names: list[Hashable] = list(range(len(table))) if vocab is None else list(vocab)
    if len(names) != len(table):
        raise ShapeError(f"vocab names {len(names)} words but embeddings has {len(table)} rows")
    weight = module.weight.detach()[copy].to(torch.float64).cpu()
    bias = module.bias.detach()[copy].to(torch.float64).cpu()
    scores = torch.as_tensor(table) @ weight.T + bias
    return activate(module.working, module.activation, scores).numpy(), names


def _given_table(module: NeuralWFSA, vocab, embeddings, table, copy: int) -> tuple[np.ndarray, list[Hashable]]:
    if embeddings is not None:
        raise ValueError("give either table (the arc weights per word) or embeddings, not both")
    values = _numpy(table)
    shape = (module.copies, module.template.num_arcs)
    if values.ndim != 3 or values.shape[1:] != shape:
        raise ShapeError(f"table must have shape (V, copies, arcs) = (V, {shape[0]}, {shape[1]}), got {values.shape}")
    values = values[:, copy, :]
    ring = module.working
    bad = np.isnan(values) | ((values == np.inf) if ring is not Tropical else (values == -np.inf))
    if ring is Real:
        bad |= ~np.isfinite(values)
    if bad.any():
        row, arc = (int(v) for v in np.argwhere(bad)[0])
        raise ShapeError(f"table[{row}, {copy}, {arc}] = {values[row, arc]} is not a {ring.name} value")
    names: list[Hashable] = list(range(len(values))) if vocab is None else list(vocab)
    if len(names) != len(values):
        raise ShapeError(f"vocab names {len(names)} words but table has {len(values)} rows")
    return values, names


def _keep_top_k(values: np.ndarray, ring, top_k: int) -> np.ndarray:
    """Set all but each column's ``top_k`` best entries to the working zero."""
    if top_k >= len(values):
        return values
    if ring is Real:
        key = -np.abs(values)
    elif ring is Tropical:
        key = values
    else:
        key = -values
    order = np.argsort(key, axis=0, kind="stable")[:top_k]
    kept = np.full_like(values, ring.zero)
    columns = np.arange(values.shape[1])[None, :]
    kept[order, columns] = values[order, columns]
    return kept


def to_wfsa(
    module: NeuralWFSA,
    vocab: SymbolTable | Sequence[Hashable] | None = None,
    embeddings: torch.Tensor | np.ndarray | None = None,
    copy: int = 0,
    top_k: int | None = None,
    *,
    table: torch.Tensor | np.ndarray | None = None,
    span_end: str = "any",
) -> WFSA:
    """The automaton of copy ``copy`` of ``module`` as a WFSA in the module's semiring.

    Args:
        module: a :class:`~rational.nn.NeuralWFSA`.
        vocab: lexical modules: ``None`` (every token id, named by the module's
            alphabet when it has one), a list of token ids (export only those), or
            one name per token id (a list or a :class:`~rational.SymbolTable`).
            Projected modules: one name per row of ``embeddings`` (default: the
            row numbers).
        embeddings: projected modules: the ``(V, D)`` vectors of the vocabulary.
        copy: which of the module's automata.
        top_k: keep only each arc's ``top_k`` best words (approximate).
        table: ``(V, copies, arcs)`` the weight of every token arc on every word
            (working semiring), for modules run with
            :meth:`~rational.nn.NeuralWFSA.forward_weights` whose arc weights the
            module alone does not determine; ``vocab`` names its rows.
        span_end: ``"any"``: the machine scores a string as the module's
            ``document``; ``"last"``: as its ``ends`` at the last token, the
            spans (unanchored) that end there: the state of a recurrent network
            after reading the string. Anchored modules score prefixes, so both
            are the document.

    Returns:
        A WFSA whose alphabet is the vocabulary. Anchored modules keep the
        template's states; unanchored ones get the span construction above
        (at most ``2·Q + 2`` states after trimming).

    Raises:
        ValueError: for a missing or superfluous ``embeddings``, a bad ``copy``
            or ``top_k``.
        ShapeError: for a vocabulary or embedding table that does not fit.
        InvalidWeightError: when a parameter holds NaN.

    Examples:
        >>> import torch
        >>> from rational import MaxPlus
        >>> from rational.nn import Template, compile
        >>> torch.manual_seed(0) and None
        >>> module = compile(Template.chain(2), MaxPlus, parameterization="projected", input_size=3,
        ...                  dtype=torch.float64)
        >>> words = torch.randn(4, 3, dtype=torch.float64)
        >>> machine = module.to_wfsa(["not", "very", "good", "bad"], words)
        >>> sentence = torch.tensor([[0, 2, 3]])
        >>> abs(machine.score("not good bad") - module(words[sentence]).document.item()) < 1e-12
        True
    """
    if isinstance(copy, bool) or not isinstance(copy, (int, np.integer)) or not 0 <= copy < module.copies:
        raise ValueError(f"copy must be an index 0..{module.copies - 1}, got {copy!r}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1):
        raise ValueError(f"top_k must be a positive integer or None, got {top_k!r}")
    if span_end not in ("any", "last"):
        raise ValueError(f"span_end must be 'any' (the document score) or 'last' (spans ending at the last token), got {span_end!r}")
    module._check_parameters()
    ring, user = module.working, module.semiring
    if table is not None:
        table, names = _given_table(module, vocab, embeddings, table, copy)
    elif module.parameterization == "lexical":
        table, names = _lexical_table(module, vocab, embeddings, copy)
    else:
        table, names = _projected_table(module, vocab, embeddings, copy)
    if top_k is not None:
        table = _keep_top_k(table, ring, int(top_k))
    alphabet = SymbolTable()
    label_of = np.asarray([alphabet.add(name) for name in names], dtype=np.int64)

    template = module.template
    q = template.num_states
    word, arc = np.nonzero(table != ring.zero)
    token_src, token_dst = template.src[arc], template.dst[arc]
    token_label, token_weight = label_of[word], table[word, arc]
    epsilons = _numpy(module.epsilon_vector()[copy])
    keep = epsilons != ring.zero
    eps_src, eps_dst, eps_weight = template.epsilon_src[keep], template.epsilon_dst[keep], epsilons[keep]
    initial = _numpy(module.initial_vector()[copy])
    final = _numpy(module.final_vector()[copy])

    if module.anchored:
        src = np.concatenate([token_src, eps_src])
        dst = np.concatenate([token_dst, eps_dst])
        label = np.concatenate([token_label, np.full(len(eps_src), EPSILON_ID)])
        weight = np.concatenate([token_weight, eps_weight])
    else:
        initial, final, src, label, dst, weight = _span_machine(
            ring, q, initial, final, (token_src, token_label, token_dst, token_weight),
            (eps_src, eps_dst, eps_weight), len(alphabet), suffix_loops=span_end == "any",
        )
    machine = WFSA.from_arrays(
        user,
        alphabet,
        from_working_numpy(user, initial),
        from_working_numpy(user, final),
        src,
        label,
        dst,
        from_working_numpy(user, weight),
    )
    return machine if module.anchored else trim(machine)


def _span_machine(ring, q, initial, final, tokens, epsilons, vocab_size, suffix_loops=True):
    """The unanchored construction: prefix state ``0``, the template before the
    first token (``1..Q``), after it (``Q+1..2Q``), suffix state ``2Q+1`` (which
    reads the rest of the string unless ``suffix_loops`` is False: spans then end
    at the last token)."""
    token_src, token_label, token_dst, token_weight = tokens
    eps_src, eps_dst, eps_weight = epsilons
    prefix, suffix = 0, 2 * q + 1
    before, after = 1, q + 1
    words = np.arange(vocab_size, dtype=np.int64)
    states = np.arange(q, dtype=np.int64)
    starts, ends = states[initial != ring.zero], states[final != ring.zero]
    pieces = [
        # (src, label, dst, weight)
        (np.full(vocab_size, prefix), words, np.full(vocab_size, prefix), np.full(vocab_size, ring.one)),
        (np.full(len(starts), prefix), np.full(len(starts), EPSILON_ID), before + starts, initial[starts]),
        (before + eps_src, np.full(len(eps_src), EPSILON_ID), before + eps_dst, eps_weight),
        (before + token_src, token_label, after + token_dst, token_weight),
        (after + token_src, token_label, after + token_dst, token_weight),
        (after + eps_src, np.full(len(eps_src), EPSILON_ID), after + eps_dst, eps_weight),
        (after + ends, np.full(len(ends), EPSILON_ID), np.full(len(ends), suffix), final[ends]),
    ]
    if suffix_loops:
        pieces.append((np.full(vocab_size, suffix), words, np.full(vocab_size, suffix), np.full(vocab_size, ring.one)))
    src, label, dst, weight = (np.concatenate([np.asarray(p[i]) for p in pieces]) for i in range(4))
    n = 2 * q + 2
    new_initial = np.full(n, ring.zero)
    new_initial[prefix] = ring.one
    new_final = np.full(n, ring.zero)
    new_final[suffix] = ring.one
    return (
        new_initial,
        new_final,
        src.astype(np.int64),
        label.astype(np.int64),
        dst.astype(np.int64),
        weight.astype(np.float64),
    )
