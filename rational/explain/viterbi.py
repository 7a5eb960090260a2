"""Best paths with back-pointers through a compiled automaton (Viterbi).

:func:`best_paths` runs the forward recursion of a :class:`~rational.nn.NeuralWFSA`
(``docs/compiling.md``) with ⊕ replaced by *max* and records, at every position and
state, which arc gave the maximum. :meth:`BestPaths.path` then walks the pointers
back from the best end and returns the span and every arc taken: a token arc
(``"main"``, or ``"self-loop"`` when it stays in its state) at each token, and the
``"epsilon"`` arcs between tokens.

Scores are on the *path scale*, a max-plus scale where a path's score is the sum
of its arcs' scores:

==================================  ==========================================
module semiring                     path score of a weight ``w``
==================================  ==========================================
``MaxPlus``, ``Log``                ``w`` (a log-score)
``MaxTimes``, ``Boolean``           ``log w`` (the working values)
``Real`` (non-negative weights)     ``log w`` (best path under max-times)
``Tropical``                        ``-w`` (the best path has the least cost)
==================================  ==========================================

In the max semirings the best path's score *is* the module's document score (its
logarithm for ``MaxTimes``); for ``Log`` and ``Real`` it is the best single path
under the max counterpart of the sum (the Viterbi approximation).

Exactness: the recursion updates a state's value only by adding one arc's score to
one predecessor's value, and epsilon arcs are relaxed one arc at a time (in
topological order, or Bellman-Ford rounds when epsilon arcs form cycles). So the
score of a traced path, summed left to right in float64 (initial weight, then the
arcs in order, then the final weight), equals the recorded best score bit for bit.

Examples:
    >>> import torch
    >>> from rational import MaxPlus
    >>> from rational.nn import Template, compile
    >>> torch.manual_seed(0) and None
    >>> module = compile(Template.chain(2), MaxPlus, parameterization="projected", input_size=3,
    ...                  dtype=torch.float64)
    >>> x = torch.randn(1, 5, 3, dtype=torch.float64)
    >>> paths = best_paths(module, x)
    >>> path = paths.path(0, copy=0)
    >>> [step.kind for step in path.steps], path.start, path.end
    (['main', 'main'], 0, 2)
    >>> bool(abs(path.score - module(x).document[0, 0].item()) < 1e-12)
    True
    >>> total = path.initial
    >>> for step in path.steps:
    ...     total += step.score
    >>> total + path.final == path.score
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rational.errors import ShapeError, UnsupportedSemiringError
from rational.nn import inputs as checks
from rational.nn.compile import NeuralWFSA
from rational.nn.general import incoming_arcs
from rational.semirings import Log, MaxPlus, Real, Semiring, Tropical

__all__ = ["BestPaths", "Path", "Step", "best_paths", "path_scale"]

NEG_INF = float("-inf")


@dataclass(frozen=True)
class Step:
    """One arc of a best path.

    Attributes:
        kind: ``"main"`` (a token arc to another state), ``"self-loop"`` (a token
            arc that stays) or ``"epsilon"`` (reads nothing).
        src: the state it leaves.
        dst: the state it enters.
        arc: its index among the template's token arcs, or among its epsilon arcs.
        position: the index of the token it reads in the document; ``None`` for
            an epsilon arc.
        score: its score on the path scale.
    """

    kind: str
    src: int
    dst: int
    arc: int
    position: int | None
    score: float

    @property
    def name(self) -> str:
        """``"src->dst"``, as in :attr:`rational.nn.Template.arc_names`."""
        return f"{self.src}->{self.dst}"


@dataclass(frozen=True)
class Path:
    """The best path of one automaton in one document.

    Attributes:
        copy: which of the module's automata.
        start: the index of the first token it reads.
        end: one past the index of the last token it reads (the span is
            ``tokens[start:end]``).
        score: its score on the path scale.
        initial: the score of the initial weight it starts with (0 for templates).
        final: the score of the final weight it ends with (0 for templates).
        steps: every arc, in order.
    """

    copy: int
    start: int
    end: int
    score: float
    initial: float
    final: float
    steps: tuple[Step, ...]

    def summed_score(self) -> float:
        """The initial score, every arc's score and the final score, added left to
        right: equal to :attr:`score` exactly."""
        total = self.initial
        for step in self.steps:
            total += step.score
        return total + self.final


def path_scale(ring: Semiring, values: torch.Tensor) -> torch.Tensor:
    """Working-semiring weights as float64 path scores (see the module docstring).

    Args:
        ring: the module's *working* semiring (``module.working``).
        values: weights in it.

    Raises:
        UnsupportedSemiringError: for negative ``Real`` weights (no best path under
            max-times) or a semiring modules do not compute in.

    Examples:
        >>> import torch
        >>> from rational import Real, Tropical
        >>> [round(v, 4) for v in path_scale(Real, torch.tensor([1.0, 0.5])).tolist()]
        [0.0, -0.6931]
        >>> path_scale(Tropical, torch.tensor([2.0])).tolist()
        [-2.0]
    """
    values = values.detach().to(torch.float64)
    if ring is MaxPlus or ring is Log:
        return values
    if ring is Tropical:
        return -values
    if ring is Real:
        if bool((values < 0).any()):
            raise UnsupportedSemiringError(
                f"a Real module with negative weights ({values.min().item():.4g}) has no best path under "
                "max-times; best paths need non-negative weights (the default sigmoid activation gives them)"
            )
        return torch.log(values)
    raise UnsupportedSemiringError(f"{ring.name} is not a semiring modules compute in")


def _epsilon_order(src: np.ndarray, dst: np.ndarray, num_states: int) -> tuple[list[int], int]:
    """The epsilon arcs in the topological order of their sources, and how many
    relaxation rounds converge: one when the epsilon arcs form no cycle, else
    ``num_states`` (Bellman-Ford)."""
    remaining = {int(e) for e in range(len(src))}
    indegree = np.zeros(num_states, dtype=np.int64)
    for d, s in zip(dst, src):
        if s != d:
            indegree[d] += 1
    order, ready = [], [q for q in range(num_states) if indegree[q] == 0]
    while ready:
        q = ready.pop(0)
        for e in sorted(remaining):
            if src[e] == q:
                order.append(e)
                remaining.discard(e)
                if dst[e] != q:
                    indegree[dst[e]] -= 1
                    if indegree[dst[e]] == 0:
                        ready.append(int(dst[e]))
    if remaining:  # a cycle: relax every arc, in index order, for num_states rounds
        return list(range(len(src))), num_states
    if any(src[e] == dst[e] for e in order):
        return order, num_states  # an epsilon self-loop: a cycle of one arc
    return order, 1


def _relax(values: torch.Tensor, eps: torch.Tensor, src, dst, order, rounds) -> tuple[torch.Tensor, torch.Tensor]:
    """Max-plus relaxation of epsilon arcs: ``values (..., C, Q)``, ``eps (C, E)``.

    Returns the relaxed values and, per state, the epsilon arc that last improved
    it (``-1``: none did)."""
    values = values.clone()
    pointer = torch.full(values.shape, -1, dtype=torch.int64)
    for _ in range(rounds):
        changed = False
        for e in order:
            p, q = int(src[e]), int(dst[e])
            candidate = values[..., p] + eps[:, e]
            better = candidate > values[..., q]
            if bool(better.any()):
                changed = True
                values[..., q] = torch.where(better, candidate, values[..., q])
                pointer[..., q] = torch.where(better, torch.full_like(pointer[..., q], e), pointer[..., q])
        if not changed:
            break
    return values, pointer


class BestPaths:
    """Best scores and back-pointers of a batch; :meth:`path` traces one.

    Attributes:
        scores: ``(B, C)`` numpy float64, each document's best path score per
            automaton (path scale; ``-inf`` where no path exists).
        module: the module the paths run through.
    """

    def __init__(self, module, scores, ends, end_states, token_arc, eps_pointer, restart, start_pointer,
                 arc_scores, eps_scores, initial, final, lengths):
        self.module = module
        self.scores = scores
        self._ends = ends
        self._end_states = end_states
        self._token_arc = token_arc
        self._eps_pointer = eps_pointer
        self._restart = restart
        self._start_pointer = start_pointer
        self._arc_scores = arc_scores
        self._eps_scores = eps_scores
        self._initial = initial
        self._final = final
        self.lengths = lengths
        template = module.template
        self._src, self._dst = template.src, template.dst
        self._eps_src, self._eps_dst = template.epsilon_src, template.epsilon_dst

    def _epsilon_chain(self, pointer_row: np.ndarray, state: int, scores: np.ndarray) -> tuple[int, list[Step]]:
        """Follow epsilon pointers back from ``state``; return where they start and
        the arcs in forward order."""
        steps = []
        e = int(pointer_row[state])
        while e >= 0:
            p = int(self._eps_src[e])
            steps.append(Step("epsilon", p, state, e, None, float(scores[e])))
            state = p
            e = int(pointer_row[state])
        steps.reverse()
        return state, steps

    def path(self, row: int, copy: int) -> Path | None:
        """The best path of automaton ``copy`` in document ``row`` (``None`` when the
        document has no path, e.g. it is empty or shorter than the pattern)."""
        score = float(self.scores[row, copy])
        if score == NEG_INF:
            return None
        end = int(self._ends[row, copy])
        state = int(self._end_states[row, copy])
        eps = self._eps_scores[copy]
        pieces: list[list[Step]] = []
        t = end - 1
        while t >= 0:
            state, after = self._epsilon_chain(self._eps_pointer[row, t, copy], state, eps)
            pieces.append(after)
            a = int(self._token_arc[row, t, copy, state])
            p = int(self._src[a])
            kind = "self-loop" if p == state else "main"
            pieces.append([Step(kind, p, state, a, t, float(self._arc_scores[row, t, copy, a]))])
            state = p
            if t == 0 or self._restart[row, t - 1, copy, state]:
                break
            t -= 1
        first, before = self._epsilon_chain(self._start_pointer[copy], state, eps)
        pieces.append(before)
        steps = tuple(step for piece in reversed(pieces) for step in piece)
        return Path(copy, t, end, score, float(self._initial[copy, first]),
                    float(self._final[copy, int(self._end_states[row, copy])]), steps)


def _checked(module: NeuralWFSA, inputs, mask, lengths):
    """Inputs, mask and lengths checked as the module's forward pass checks them."""
    device = next(module.buffers()).device
    if module.parameterization == "lexical":
        x = checks.token_ids(inputs, module.input_size, device)
    else:
        x = checks.vectors(inputs, module.input_size, module.weight.dtype, device)
    mask, lengths = checks.padding(x.shape[0], x.shape[1], mask, lengths, device)
    if module.parameterization == "lexical":
        outside = mask & ((x < 0) | (x >= module.input_size))
        if bool(outside.any()):
            row, col = (int(v) for v in outside.nonzero()[0])
            raise ShapeError(f"token id {int(x[row, col])} at position ({row}, {col}) is outside the vocabulary "
                             f"0..{module.input_size - 1}")
        return x.masked_fill(~mask, 0), mask, lengths
    if bool((mask.unsqueeze(-1) & torch.isnan(x)).any()):
        raise ShapeError("input vectors hold NaN at a real position; clean the embeddings")
    return x.masked_fill(~mask.unsqueeze(-1), 0.0), mask, lengths


def best_paths(
    module: NeuralWFSA,
    inputs: torch.Tensor | None = None,
    mask: torch.Tensor | None = None,
    lengths: torch.Tensor | None = None,
    *,
    weights: torch.Tensor | None = None,
) -> BestPaths:
    """Viterbi best paths of every automaton of ``module`` in every document.

    Args:
        module: a :class:`~rational.nn.NeuralWFSA`, any template (chains run the
            same way as general topologies), anchored or not.
        inputs: token ids ``(B, T)`` (lexical) or vectors ``(B, T, D)`` (projected).
        mask: ``(B, T)`` prefix mask of the real positions.
        lengths: ``(B,)`` instead of ``mask``.
        weights: instead of ``inputs``, the token-arc weights ``(B, T, copies,
            arcs)`` in the working semiring, for models that compute them
            themselves and run :meth:`~rational.nn.NeuralWFSA.forward_weights`.

    Returns:
        The scores and back-pointers (:class:`BestPaths`).

    Raises:
        ShapeError: for malformed inputs (as the module's forward pass).
        UnsupportedSemiringError: for a ``Real`` module with negative weights.
    """
    if not isinstance(module, NeuralWFSA):
        raise TypeError(f"best_paths needs a rational.nn.NeuralWFSA, got {type(module).__name__}")
    if (inputs is None) == (weights is None):
        raise ValueError("give either inputs or weights (the token-arc weights), not both or neither")
    with torch.no_grad():
        ring = module.working
        if weights is None:
            x, mask, lengths = _checked(module, inputs, mask, lengths)
            weights = module.arc_weights(x)
        else:
            shape = (module.copies, module.template.num_arcs)
            if not torch.is_tensor(weights) or weights.dim() != 4 or tuple(weights.shape[2:]) != shape:
                got = tuple(weights.shape) if torch.is_tensor(weights) else type(weights).__name__
                raise ShapeError(f"weights must be (batch, time, copies, arcs) = (B, T, {shape[0]}, {shape[1]}), got {got}")
            mask, lengths = checks.padding(weights.shape[0], weights.shape[1], mask, lengths, weights.device)
        scores = path_scale(ring, weights).cpu()  # (B, T, C, A)
        eps = path_scale(ring, module.epsilon_vector()).cpu()  # (C, E)
        initial = path_scale(ring, module.initial_vector()).cpu()  # (C, Q)
        final = path_scale(ring, module.final_vector()).cpu()
    mask, lengths = mask.cpu(), lengths.cpu()
    template = module.template
    q, a = template.num_states, template.num_arcs
    batch, time, copies = scores.shape[0], scores.shape[1], module.copies
    order, rounds = _epsilon_order(template.epsilon_src, template.epsilon_dst, q)

    def relax(values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return _relax(values, eps, template.epsilon_src, template.epsilon_dst, order, rounds)

    start, start_pointer = relax(initial)  # r = λ ⊗ E*, (C, Q)
    src = torch.as_tensor(template.src)
    incoming = incoming_arcs(template.dst, q, a)  # (Q, K), padded with a
    alpha = start.expand(batch, copies, q)
    token_arc = torch.full((batch, time, copies, q), -1, dtype=torch.int64)
    eps_pointer = torch.full((batch, time, copies, q), -1, dtype=torch.int64)
    restart = torch.zeros((batch, time, copies, q), dtype=torch.bool)
    ends = torch.full((batch, time, copies), NEG_INF, dtype=torch.float64)
    end_states = torch.zeros((batch, time, copies), dtype=torch.int64)
    padding_column = torch.full((batch, copies, 1), NEG_INF, dtype=torch.float64)
    for t, step_scores in enumerate(scores.unbind(1)):
        candidates = torch.cat([alpha[..., src] + step_scores, padding_column], -1)  # (B, C, A + 1)
        best, which = candidates[..., incoming].max(-1)  # (B, C, Q)
        token_arc[:, t] = incoming[torch.arange(q)[None, None, :].expand_as(which), which]
        beta, eps_pointer[:, t] = relax(best)
        end_values, end_states[:, t] = (beta + final).max(-1)
        ends[:, t] = end_values
        if module.anchored:
            alpha = beta
        else:
            restart[:, t] = start >= beta  # a tie starts the span later: the shorter match
            alpha = torch.where(restart[:, t], start.expand_as(beta), beta)
    ends = ends.masked_fill(~mask[:, :, None], NEG_INF)
    if module.anchored:
        last = (lengths - 1).clamp(min=0)
        rows = torch.arange(batch)
        best_ends = last[:, None].expand(batch, copies).clone()
        best_scores = ends[rows, last] if time else torch.full((batch, copies), NEG_INF, dtype=torch.float64)
        best_scores = torch.where((lengths > 0)[:, None], best_scores, torch.full_like(best_scores, NEG_INF))
    else:
        best_scores, best_ends = ends.max(1) if time else (torch.full((batch, copies), NEG_INF, dtype=torch.float64),
                                                           torch.zeros((batch, copies), dtype=torch.int64))
    final_states = end_states.gather(1, best_ends[:, None, :]).squeeze(1) if time else best_ends
    return BestPaths(
        module,
        best_scores.numpy(),
        (best_ends + 1).numpy(),
        final_states.numpy(),
        token_arc.numpy(),
        eps_pointer.numpy(),
        restart.numpy(),
        start_pointer.numpy(),
        scores.numpy(),
        eps.numpy(),
        initial.numpy(),
        final.numpy(),
        lengths.numpy(),
    )

