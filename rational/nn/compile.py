"""Compile a WFSA or a template into a differentiable PyTorch module.

:func:`compile` returns a :class:`NeuralWFSA`: an ``nn.Module`` holding ``copies``
automata with one template whose forward pass computes their path sums over a batch
of inputs, exactly, with gradients.

Two ways to weight the token arcs:

* ``"lexical"``: inputs are token ids and ``weight(arc, a) = theta[copy, arc, a]``.
  ``compile(wfsa)`` fills ``theta`` from the machine's transition tensor, so the
  module scores every string exactly as ``wfsa.score`` does until it is trained.
* ``"projected"``: inputs are vectors and ``weight(arc, x) = g(w_arc · x + b_arc)``
  with ``g`` chosen by the semiring: log-sigmoid for ``Log``, ``MaxPlus`` and
  ``MaxTimes`` (in log space), sigmoid for ``Real``, ``-log σ`` (a cost) for
  ``Tropical``; ``activation="identity"`` uses the affine score itself.

Input-independent weights (epsilon arcs; for a WFSA source also the initial and
final weights) are parameters holding working-semiring values directly. What is the
semiring's zero in a WFSA source (no arc on that symbol, not initial, not final)
stays zero: such entries are fixed by a support mask, so training never adds arcs
and no parameter ever holds an infinity (an optimizer's weight decay would turn it
into NaN). A template's initial and final weights are the fixed one.

Examples:
    >>> import torch
    >>> from rational import WFSA, Real
    >>> from rational.nn import compile
    >>> a = WFSA.from_arcs(Real, [(0, "a", 0, 0.5), (0, "b", 1, 2.0)], initial=0, final=1, alphabet="ab")
    >>> module = compile(a, dtype=torch.float64)
    >>> ids, mask = module.encode(["aab", "b"])
    >>> module(ids, mask).document[:, 0].tolist(), a.score("aab"), a.score("b")
    ([0.5, 2.0], 0.5, 2.0)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rational.errors import InvalidWeightError, ShapeError, UnsupportedSemiringError
from rational.nn import inputs as checks
from rational.nn.general import forward_general, forward_reference, incoming_arcs
from rational.nn.semiring_ops import (
    closure,
    from_working,
    is_member,
    semiring_plus,
    semiring_sum,
    semiring_times,
    to_working_numpy,
    vecmat,
    working_semiring,
)
from rational.nn.template import Template
from rational.semirings import Boolean, Log, MaxPlus, MaxTimes, Real, Semiring, Tropical
from rational.symbols import SymbolTable
from rational.wfsa import WFSA

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Hashable, Sequence

__all__ = ["ForwardOutput", "NeuralWFSA", "activate", "compile"]

PARAMETERIZATIONS = ("lexical", "projected")
ACTIVATIONS = ("auto", "identity")
METHODS = ("auto", "chain", "general", "reference")


class ForwardOutput:
    """What :meth:`NeuralWFSA.forward` returns; scores are in the module's semiring.

    Attributes:
        states: ``(B, T, copies, Q)`` the forward score of every state after each
            position (``α_t``): the ⊕ over paths that start at position 0 (anchored)
            or at any position (unanchored) and have read up to ``t``. The semiring
            zero at padded positions. Computed on first access (models that only
            need ``ends`` or ``document`` never pay for it).
        ends: ``(B, T, copies)`` the score of the paths that end at ``t`` having
            read at least one token, final weights applied: prefixes ``x_1..x_t``
            (anchored) or every span ending at ``t`` (unanchored).
        document: ``(B, copies)`` anchored: the score of the whole (unpadded)
            input, equal to ``wfsa.score``; unanchored: the ⊕ over all non-empty
            spans of their scores.
        mask: ``(B, T)`` which positions are real.
    """

    def __init__(self, ends: torch.Tensor, document: torch.Tensor, mask: torch.Tensor, states) -> None:
        self.ends = ends
        self.document = document
        self.mask = mask
        self._states = states  # a tensor, or a function computing it

    @property
    def states(self) -> torch.Tensor:
        if callable(self._states):
            self._states = self._states()
        return self._states

    def __repr__(self) -> str:
        return f"ForwardOutput(ends={tuple(self.ends.shape)}, document={tuple(self.document.shape)})"


def activate(semiring: Semiring, name: str, scores: torch.Tensor) -> torch.Tensor:
    """``g(scores)``: arc weights in the working ``semiring`` from affine scores.

    ``"auto"``: the sigmoid in ``Real``, the log-sigmoid in the log-space semirings
    (``Log``, ``MaxPlus``, and so ``MaxTimes``), ``-log σ`` (a cost) in ``Tropical``;
    ``"identity"``: the scores themselves.
    """
    if name == "identity":
        return scores
    if semiring is Real:
        return torch.sigmoid(scores)
    if semiring is Tropical:
        return F.softplus(-scores)  # -log σ(z): a non-negative cost
    return F.logsigmoid(scores)


class NeuralWFSA(nn.Module):
    """``copies`` weighted automata sharing one :class:`Template`, as a module.

    Build it with :func:`compile`. Parameters (all in the working semiring, see
    :mod:`rational.nn.semiring_ops`):

    * lexical: ``theta`` ``(copies, arcs, vocab)``;
    * projected: ``weight`` ``(copies, arcs, input_size)`` and ``bias`` ``(copies, arcs)``;
    * ``epsilon_weight`` ``(copies, epsilons)`` (a buffer when the template fixes them);
    * ``initial_weight`` and ``final_weight`` ``(copies, Q)``: parameters for a WFSA
      source, fixed buffers for a template.

    ``*_support`` buffers (boolean) mark which entries exist; the others are the
    semiring's zero whatever the parameter holds.

    Attributes:
        template: the topology.
        semiring: the user's semiring (outputs are in it).
        working: the semiring computed in.
        parameterization: ``"lexical"`` or ``"projected"``.
        input_size: vocabulary size (lexical) or vector size (projected).
        copies: the number of automata.
        anchored: whether matches start at position 0 and end at the last token.
        alphabet: the symbol table of a WFSA source (token ``i`` is its symbol
            ``i``), else ``None``.
    """

    def __init__(
        self,
        template: Template,
        semiring: Semiring,
        *,
        parameterization: str = "lexical",
        input_size: int,
        copies: int = 1,
        anchored: bool = False,
        activation: str = "auto",
        alphabet: SymbolTable | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(template, Template):
            raise TypeError(f"template must be a rational.nn.Template, got {type(template).__name__}")
        if parameterization not in PARAMETERIZATIONS:
            raise ValueError(f"parameterization must be one of {PARAMETERIZATIONS}, got {parameterization!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        if isinstance(copies, bool) or not isinstance(copies, int) or copies < 1:
            raise ValueError(f"copies must be a positive integer, got {copies!r}")
        if isinstance(input_size, bool) or not isinstance(input_size, (int, np.integer)) or input_size < 1:
            what = "the vocabulary size" if parameterization == "lexical" else "the input vector size"
            raise ValueError(f"input_size ({what}) must be a positive integer, got {input_size!r}")
        self.template = template
        self.semiring = semiring
        self.working = working_semiring(semiring)
        if semiring is Boolean and parameterization == "projected":
            raise UnsupportedSemiringError(
                "a projected Boolean module has no meaning (its weights are not Boolean); "
                "train in MaxPlus or Real and threshold instead"
            )
        self.parameterization = parameterization
        self.input_size = int(input_size)
        self.copies = copies
        self.anchored = bool(anchored)
        self.activation = activation
        self.alphabet = alphabet

        c, a, e, q = copies, template.num_arcs, template.num_epsilons, template.num_states
        ring = self.working

        def initial_values(draws):  # valid working values from normal draws
            return activate(ring, "auto", draws)

        if parameterization == "lexical":
            self.theta = nn.Parameter(initial_values(torch.randn(c, a, self.input_size)))
            self.register_buffer("theta_support", None)
        else:
            bound = 1.0 / math.sqrt(self.input_size)
            self.weight = nn.Parameter(torch.empty(c, a, self.input_size).uniform_(-bound, bound))
            self.bias = nn.Parameter(torch.empty(c, a).uniform_(-bound, bound))
        if template.fixed_epsilons:
            self.register_buffer("epsilon_weight", torch.full((c, e), float(ring.one)))
        else:
            self.epsilon_weight = nn.Parameter(self._damped(initial_values(torch.randn(c, e))))
        self.register_buffer("epsilon_support", None)
        self.register_buffer("initial_weight", self._indicator(template.initial_states))
        self.register_buffer("final_weight", self._indicator(template.final_states))
        self.register_buffer("initial_support", None)
        self.register_buffer("final_support", None)
        self.register_buffer("_src", torch.as_tensor(template.src), persistent=False)
        self.register_buffer("_dst", torch.as_tensor(template.dst), persistent=False)
        self.register_buffer("_incoming", incoming_arcs(template.dst, q, a), persistent=False)
        cells = template.epsilon_src * q + template.epsilon_dst
        self.register_buffer("_epsilon_cells", incoming_arcs(cells, q * q, e), persistent=False)
        if template.is_chain:
            self.register_buffer("_loop_index", self._chain_loop_index(), persistent=False)

    def _damped(self, values: torch.Tensor) -> torch.Tensor:
        """Divide each epsilon arc's initial weight by (1 + the out-degree of its
        source in epsilon arcs): each state's outgoing epsilon weights then sum to
        less than one, so sums over epsilon cycles start out convergent."""
        degree = np.bincount(self.template.epsilon_src, minlength=self.template.num_states)
        factor = torch.as_tensor(1.0 + degree[self.template.epsilon_src], dtype=values.dtype)
        ring = self.working
        if ring is Real:
            return values / factor
        if ring is Tropical:
            return values + factor.log()
        return values - factor.log()

    def _indicator(self, states) -> torch.Tensor:
        values = torch.full((self.copies, self.template.num_states), float(self.working.zero))
        values[:, list(states)] = float(self.working.one)
        return values

    def _chain_loop_index(self) -> torch.Tensor:
        """For each chain state, the position of its loop among the loop arcs, or
        the number of loops (where a zero column will be) when it has none."""
        length = self.template.chain_length
        loops = self.template.arcs[length:]
        index = torch.full((length + 1,), len(loops), dtype=torch.int64)
        for k, (state, _) in enumerate(loops):
            index[state] = k
        return index

    # -- the weights in the working semiring --------------------------------------------
    def _masked(self, values: torch.Tensor, support: torch.Tensor | None) -> torch.Tensor:
        if support is None:
            return values
        return values.masked_fill(~support, float(self.working.zero))

    def initial_vector(self) -> torch.Tensor:
        """``λ`` per copy, ``(copies, Q)``, in the working semiring."""
        return self._masked(self.initial_weight, self.initial_support)

    def final_vector(self) -> torch.Tensor:
        """``ρ`` per copy, ``(copies, Q)``, in the working semiring."""
        return self._masked(self.final_weight, self.final_support)

    def epsilon_vector(self) -> torch.Tensor:
        """The weight of every epsilon arc per copy, ``(copies, epsilons)``, working semiring."""
        return self._masked(self.epsilon_weight, self.epsilon_support)

    def epsilon_matrix(self) -> torch.Tensor:
        """``E`` per copy, ``(copies, Q, Q)`` (parallel epsilon arcs ⊕-summed), working semiring."""
        ring, q = self.working, self.template.num_states
        weights = self.epsilon_vector()
        padded = torch.cat([weights, weights.new_full((self.copies, 1), float(ring.zero))], dim=-1)
        return semiring_sum(ring, padded[:, self._epsilon_cells], -1).view(self.copies, q, q)

    def epsilon_closure(self) -> torch.Tensor | None:
        """``E*`` per copy ``(copies, Q, Q)``, or ``None`` when the template has no
        epsilon arcs.

        Raises:
            DivergenceError: when sums over epsilon cycles diverge.
        """
        if self.template.num_epsilons == 0:
            return None
        return closure(self.working, self.epsilon_matrix())

    def token_table(self) -> torch.Tensor:
        """Lexical modules: ``(vocab, copies, arcs)`` the weight of every arc on every
        token, working semiring."""
        if self.parameterization != "lexical":
            raise ValueError("token_table() is for lexical modules; projected ones score vectors")
        theta = self.theta
        if self.theta_support is not None:
            theta = theta.masked_fill(~self.theta_support, float(self.working.zero))
        return theta.permute(2, 0, 1)

    def arc_weights(self, inputs: torch.Tensor) -> torch.Tensor:
        """Token-arc weights ``(B, T, copies, arcs)`` (working semiring) of checked
        inputs: ids ``(B, T)`` or vectors ``(B, T, D)``."""
        c, a = self.copies, self.template.num_arcs
        if self.parameterization == "lexical":
            table = self.token_table().reshape(self.input_size, c * a)
            return F.embedding(inputs, table).view(*inputs.shape, c, a)
        scores = F.linear(inputs, self.weight.reshape(c * a, self.input_size), self.bias.reshape(c * a))
        return activate(self.working, self.activation, scores).view(*inputs.shape[:2], c, a)

    # -- checks ----------------------------------------------------------------------------
    def _check_parameters(self) -> None:
        ring = self.working
        for name, value in self.named_parameters():
            if name in ("weight", "bias"):
                bad = ~torch.isfinite(value)
            else:
                bad = ~is_member(ring, value)
            if bool(bad.any()):
                first = value.detach()[bad].flatten()[0].item()
                raise InvalidWeightError(
                    f"parameter {name!r} holds {first} (at {tuple(int(i) for i in bad.nonzero()[0])}), which is not "
                    f"a {ring.name} value: training diverged (lower the learning rate or clip gradients)"
                )

    def _prepare(self, inputs, mask, lengths):
        device = self._src.device
        if self.parameterization == "lexical":
            x = checks.token_ids(inputs, self.input_size, device)
        else:
            dtype = self.weight.dtype
            x = checks.vectors(inputs, self.input_size, dtype, device)
        mask, lengths = checks.padding(x.shape[0], x.shape[1], mask, lengths, device)
        real = mask if x.dim() == 2 else mask.unsqueeze(-1)
        if self.parameterization == "lexical":
            outside = real & ((x < 0) | (x >= self.input_size))
            if bool(outside.any()):
                row, col = (int(v) for v in outside.nonzero()[0])
                raise ShapeError(
                    f"token id {int(x[row, col])} at position ({row}, {col}) is outside the vocabulary "
                    f"0..{self.input_size - 1}"
                )
            x = x.masked_fill(~mask, 0)  # padding may hold any id
        else:
            nan = real & torch.isnan(x)
            if bool(nan.any()):
                row, col = (int(v) for v in nan.nonzero()[0][:2])
                raise ShapeError(f"input vectors hold NaN at position ({row}, {col}); clean the embeddings")
            if not bool(mask.all()):
                x = x.masked_fill(~real, 0.0)  # padding may hold anything, even NaN
        return x, mask, lengths

    # -- forward ---------------------------------------------------------------------------
    def forward(
        self,
        inputs: torch.Tensor,
        mask: torch.Tensor | None = None,
        lengths: torch.Tensor | None = None,
        *,
        method: str = "auto",
    ) -> ForwardOutput:
        """Forward scores of a batch.

        Args:
            inputs: token ids ``(B, T)`` (lexical) or vectors ``(B, T, D)`` (projected).
            mask: ``(B, T)`` boolean, ``True`` on real positions: a prefix of each
                row (pad on the right). Padding is exact: padded positions change
                nothing.
            lengths: ``(B,)`` the real length of each row, instead of ``mask``.
            method: ``"auto"`` (the chain scans for chain templates, the fast
                general loop otherwise), ``"chain"``, ``"general"``, or
                ``"reference"`` (the slow obviously-correct loop).

        Returns:
            A :class:`ForwardOutput` with ``states``, ``ends``, ``document``, ``mask``.

        Raises:
            ShapeError: for malformed inputs, ids outside the vocabulary, a mask
                that is not a prefix mask, NaN input vectors, or an empty batch.
            InvalidWeightError: when a parameter holds NaN (diverged training).
            DivergenceError: when learned epsilon cycles make the closure diverge.
        """
        self._check_method(method)
        self._check_parameters()
        x, mask, lengths = self._prepare(inputs, mask, lengths)
        return self._run(self.arc_weights(x), mask, lengths, method, None)

    def forward_weights(
        self,
        weights: torch.Tensor,
        mask: torch.Tensor | None = None,
        lengths: torch.Tensor | None = None,
        *,
        method: str = "auto",
        initial_states: torch.Tensor | None = None,
    ) -> ForwardOutput:
        """Forward scores from token-arc weights computed elsewhere.

        :meth:`forward` computes the weights of the token arcs from the inputs
        (:meth:`arc_weights`); models whose arc weights combine several projections
        (a rational RNN's ``u = ũ ⊙ (1 - f)``, a QRNN's ``f ⊙ z``) compute them
        themselves and run the same automata through this method. The module's own
        ``theta`` or ``weight``/``bias`` are not read; its epsilon, initial and
        final weights are.

        Args:
            weights: ``(B, T, copies, arcs)`` the weight of every token arc at every
                position, in the *working* semiring (see
                :mod:`rational.nn.semiring_ops`), with the module's dtype.
            mask: ``(B, T)`` prefix mask of the real positions (padding is exact:
                whatever the weights hold there changes nothing).
            lengths: ``(B,)`` the real lengths, instead of ``mask``.
            method: as in :meth:`forward`.
            initial_states: ``(B, copies, Q)`` the forward vector before the first
                position (working semiring), instead of the start vector ``r``:
                pass ``states`` at the last position of a previous chunk to
                continue a stream (a language model reading a corpus chunk by
                chunk). Rows of length 0 keep it.

        Returns:
            A :class:`ForwardOutput`, as :meth:`forward`.

        Raises:
            ShapeError: for weights or initial states of the wrong shape or dtype,
                weights that are not values of the working semiring (NaN, or
                ``+inf`` in a max semiring) at real positions, or bad padding.
            InvalidWeightError: when an epsilon, initial or final weight holds NaN.

        Examples:
            >>> import torch
            >>> from rational import Real
            >>> from rational.nn import Template, compile
            >>> forget = compile(Template.chain(1, self_loops=[1]), Real, parameterization="projected",
            ...                  input_size=1, dtype=torch.float64)
            >>> f = torch.tensor([0.5, 0.5, 0.5], dtype=torch.float64)
            >>> z = torch.tensor([1.0, 2.0, 4.0], dtype=torch.float64)
            >>> weights = torch.stack([(1 - f) * z, f], -1).view(1, 3, 1, 2)   # main 0->1, loop 1->1
            >>> forget.forward_weights(weights).ends[0, :, 0].tolist()    # c_t = f c_{t-1} + (1 - f) z_t
            [0.5, 1.25, 2.625]
        """
        self._check_method(method)
        self._check_parameters()
        device = self._src.device
        dtype = self.final_weight.dtype
        shape = (self.copies, self.template.num_arcs)
        if not torch.is_tensor(weights) or weights.dim() != 4 or tuple(weights.shape[2:]) != shape:
            got = tuple(weights.shape) if torch.is_tensor(weights) else type(weights).__name__
            raise ShapeError(f"weights must be a tensor (batch, time, copies, arcs) = (B, T, {shape[0]}, {shape[1]}), got {got}")
        if weights.dtype != dtype:
            raise ShapeError(f"weights are {weights.dtype} but the module computes in {dtype}; convert one of them")
        if weights.shape[0] == 0:
            raise ShapeError("empty batch: weights have shape (0, T, ...); give at least one sequence")
        weights = weights.to(device)
        mask, lengths = checks.padding(weights.shape[0], weights.shape[1], mask, lengths, device)
        real = mask[:, :, None, None]
        bad = real & ~is_member(self.working, weights)
        if bool(bad.any()):
            row, col, copy, arc = (int(v) for v in bad.nonzero()[0])
            raise ShapeError(
                f"weights[{row}, {col}, {copy}, {arc}] = {weights[row, col, copy, arc].item()} is not a "
                f"{self.working.name} value (the working semiring of this {self.semiring.name} module)"
            )
        if not bool(mask.all()):
            weights = weights.masked_fill(~real, float(self.working.one))  # padding may hold anything
        if initial_states is not None:
            expected = (weights.shape[0], self.copies, self.template.num_states)
            if not torch.is_tensor(initial_states) or tuple(initial_states.shape) != expected:
                got = tuple(initial_states.shape) if torch.is_tensor(initial_states) else type(initial_states).__name__
                raise ShapeError(f"initial_states must be (batch, copies, states) = {expected}, got {got}")
            if initial_states.dtype != dtype:
                raise ShapeError(f"initial_states are {initial_states.dtype} but the module computes in {dtype}")
            initial_states = initial_states.to(device)
        return self._run(weights, mask, lengths, method, initial_states)

    @staticmethod
    def _check_method(method: str) -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")

    def _run(self, weights, mask, lengths, method, initial_states) -> ForwardOutput:
        """The forward pass from checked token-arc weights (working semiring)."""
        if method == "chain" and not self.template.is_chain:
            raise ValueError("method='chain' needs a chain template (Template.chain)")
        ring = self.working
        eps_closure = self.epsilon_closure()
        initial, final = self.initial_vector(), self.final_vector()
        start = initial if eps_closure is None else vecmat(ring, initial, eps_closure)
        beta = self._beta(weights, start, eps_closure, method, initial_states)
        zero = float(ring.zero)
        finals = self.template.final_states
        if len(finals) == 1:  # chains: only the last state is final
            ends = semiring_times(ring, beta[..., finals[0]], final[:, finals[0]])
        else:
            ends = semiring_sum(ring, semiring_times(ring, beta, final), -1)
        ends = ends.masked_fill(~mask[:, :, None], zero)

        def states() -> torch.Tensor:
            alpha = beta if self.anchored else semiring_plus(ring, beta, start)
            return alpha.masked_fill(~mask[:, :, None, None], zero)

        if self.anchored:
            batch_size, time = weights.shape[:2]
            before = start.expand(batch_size, -1, -1) if initial_states is None else initial_states
            last = (lengths - 1).clamp(min=0)
            batch = torch.arange(batch_size, device=weights.device)
            final_states = beta[batch, last] if time else before
            final_states = torch.where((lengths > 0)[:, None, None], final_states, before)
            document = semiring_sum(ring, semiring_times(ring, final_states, final), -1)
        else:
            document = semiring_sum(ring, ends, 1)
        convert = self.semiring
        return ForwardOutput(
            ends=from_working(convert, ends),
            document=from_working(convert, document),
            mask=mask,
            states=lambda: from_working(convert, states()),
        )

    def _beta(self, weights, start, eps_closure, method, initial_states=None) -> torch.Tensor:
        ring, restart = self.working, not self.anchored
        batch, time = weights.shape[:2]
        if time == 0:
            return weights.new_full((batch, 0, self.copies, self.template.num_states), float(ring.zero))
        if method == "reference":
            return forward_reference(
                weights, self._src, self._dst, start, eps_closure, ring, restart=restart, initial=initial_states
            )
        if self.template.is_chain and method in ("auto", "chain"):
            return self._chain_beta(weights, initial_states)
        return forward_general(
            weights, self._src, self._dst, start, eps_closure, ring, restart=restart, incoming=self._incoming,
            initial=initial_states,
        )

    def _chain_beta(self, weights: torch.Tensor, initial_states: torch.Tensor | None = None) -> torch.Tensor:
        from rational.nn.scan import chain_forward

        ring, length = self.working, self.template.chain_length
        main = weights[..., :length]
        loops = None
        if self.template.num_arcs > length:
            padded = torch.cat([weights[..., length:], weights.new_full((*weights.shape[:3], 1), float(ring.zero))], -1)
            loops = padded.index_select(-1, self._loop_index)
        epsilons = self.epsilon_vector() if self.template.num_epsilons else None
        start = self.initial_vector()[:, 0]
        return chain_forward(main, loops, epsilons, start, ring, restart=not self.anchored, initial=initial_states)

    # -- conveniences ----------------------------------------------------------------------
    def encode(self, strings: Sequence[str | Sequence[Hashable]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids ``(B, T)`` and mask of strings over the module's alphabet (padded
        on the right with id 0), on the module's device.

        Raises:
            ValueError: for a module without an alphabet (compiled from a template).
            UnknownSymbolError: for a symbol outside the alphabet.
        """
        if self.alphabet is None:
            raise ValueError("this module has no alphabet (it was compiled from a template): pass token ids")
        encoded = [self.alphabet.encode(s) for s in strings]
        width = max((len(ids) for ids in encoded), default=0)
        ids = torch.zeros(len(encoded), width, dtype=torch.int64)
        mask = torch.zeros(len(encoded), width, dtype=torch.bool)
        for row, seq in enumerate(encoded):
            ids[row, : len(seq)] = torch.as_tensor(seq, dtype=torch.int64)
            mask[row, : len(seq)] = True
        device = self._src.device
        return ids.to(device), mask.to(device)

    def to_wfsa(
        self,
        vocab: SymbolTable | Sequence[Hashable] | None = None,
        embeddings: torch.Tensor | np.ndarray | None = None,
        copy: int = 0,
        top_k: int | None = None,
        *,
        table: torch.Tensor | np.ndarray | None = None,
        span_end: str = "any",
    ) -> WFSA:
        """The automaton of one copy as a :class:`~rational.WFSA` over a vocabulary
        (see :func:`rational.nn.export.to_wfsa`)."""
        from rational.nn.export import to_wfsa

        return to_wfsa(
            self, vocab=vocab, embeddings=embeddings, copy=copy, top_k=top_k, table=table, span_end=span_end
        )

    def extra_repr(self) -> str:
        return (
            f"{self.template!r}, semiring={self.semiring.name}, parameterization={self.parameterization!r}, "
            f"input_size={self.input_size}, copies={self.copies}, anchored={self.anchored}"
        )


def _zero_support(ring: Semiring, values: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Working values (float64) as (finite placeholder values, support mask)."""
    support = values != ring.zero
    return torch.as_tensor(np.where(support, values, 0.0)), torch.as_tensor(support)


def _load_wfsa(module: NeuralWFSA, wfsa: WFSA) -> None:
    """Set the module's input-independent weights (and lexical ``theta``) from ``wfsa``."""
    template, ring, c = module.template, module.working, module.copies
    dtype = module.final_weight.dtype

    def as_parameter(values: np.ndarray, shape) -> tuple[nn.Parameter, torch.Tensor]:
        finite, support = _zero_support(ring, values)
        return nn.Parameter(finite.to(dtype).expand(c, *shape).clone()), support

    if module.parameterization == "lexical":
        tensor = wfsa.transition_tensor()  # (V, Q, Q)
        columns = to_working_numpy(wfsa.semiring, tensor[:, template.src, template.dst].T)  # (A, V)
        module.theta, module.theta_support = as_parameter(columns, columns.shape)
    eps = to_working_numpy(wfsa.semiring, wfsa.epsilon_matrix()[template.epsilon_src, template.epsilon_dst])
    module.epsilon_weight, module.epsilon_support = as_parameter(eps, eps.shape)
    for name, values in (("initial", wfsa.initial_weights), ("final", wfsa.final_weights)):
        working = to_working_numpy(wfsa.semiring, values)
        parameter, support = as_parameter(working, working.shape)
        delattr(module, f"{name}_weight")
        setattr(module, f"{name}_weight", parameter)
        setattr(module, f"{name}_support", support)


def compile(
    source: WFSA | Template,
    semiring: Semiring | None = None,
    *,
    parameterization: str = "lexical",
    input_size: int | None = None,
    copies: int = 1,
    anchored: bool | None = None,
    activation: str = "auto",
    dtype: torch.dtype | None = None,
) -> NeuralWFSA:
    """Compile a WFSA or a template into a :class:`NeuralWFSA` module.

    Args:
        source: a :class:`~rational.WFSA` (its topology and, for ``"lexical"``, its
            weights) or a :class:`Template` (randomly initialized weights).
        semiring: the module's semiring; a WFSA source's own by default (it must
            match), ``Real`` for a template.
        parameterization: ``"lexical"`` (inputs are token ids) or ``"projected"``
            (inputs are vectors; ``weight(arc, x) = g(w_arc · x + b_arc)``).
        input_size: vocabulary size (lexical; a WFSA source's alphabet size by
            default) or input vector size (projected; required).
        copies: how many automata the module holds (SoPa's patterns of one
            length, a rational RNN's hidden units); a WFSA source is replicated.
        anchored: ``True``: paths start at position 0 and end after the last
            token (the WFSA's own semantics, the default for a WFSA source);
            ``False``: a match may start and end anywhere (SoPa and rational RNNs,
            the default for a template).
        activation: ``"auto"`` (``g`` by semiring) or ``"identity"`` (projected).
        dtype: the parameters' dtype (torch's default, float32, when omitted).
            Pass ``torch.float64`` to score exactly as the WFSA: ``.double()``
            after compiling would keep the float32 rounding of its weights.

    Returns:
        The module.

    Raises:
        TypeError: for a source that is neither a WFSA nor a Template.
        SemiringMismatchError: for a semiring different from a WFSA source's.
        UnsupportedSemiringError: for semirings modules do not support.
        ValueError: for a bad parameterization, a missing or inconsistent
            ``input_size``, or ``copies`` below 1.

    Examples:
        >>> import torch
        >>> from rational import MaxPlus
        >>> from rational.nn import Template
        >>> torch.manual_seed(0) and None
        >>> sopa = compile(Template.chain(3), MaxPlus, parameterization="projected", input_size=8, copies=5)
        >>> sopa(torch.randn(2, 7, 8)).document.shape
        torch.Size([2, 5])
    """
    from rational.errors import SemiringMismatchError

    if isinstance(source, WFSA):
        if semiring is not None and semiring is not source.semiring:
            raise SemiringMismatchError(
                f"the WFSA is over {source.semiring.name}, not {semiring.name}; convert it first "
                "(wfsa.map_weights(function, semiring))"
            )
        ring = source.semiring
        template = Template.from_wfsa(source)
        alphabet = source.alphabet
        if parameterization == "lexical":
            if len(alphabet) == 0:
                raise ValueError("the WFSA's alphabet is empty: a lexical module needs at least one token")
            if input_size is not None and input_size != len(alphabet):
                raise ValueError(
                    f"input_size={input_size} but the WFSA's alphabet has {len(alphabet)} symbols "
                    "(the token ids are the alphabet's ids; leave input_size out)"
                )
            input_size = len(alphabet)
        anchored = True if anchored is None else anchored
    elif isinstance(source, Template):
        ring = Real if semiring is None else semiring
        template = source
        alphabet = None
        anchored = False if anchored is None else anchored
    else:
        raise TypeError(f"compile() takes a WFSA or a Template, got {type(source).__name__}")
    if not isinstance(ring, Semiring):
        raise TypeError(f"semiring must be a Semiring object such as rational.Log, got {ring!r}")
    if ring not in (Real, Log, MaxPlus, MaxTimes, Tropical, Boolean):
        working_semiring(ring)  # raises with the list of supported semirings
    if input_size is None:
        raise ValueError(
            "input_size is required: the vocabulary size (lexical) or the input vector size (projected)"
        )
    module = NeuralWFSA(
        template,
        ring,
        parameterization=parameterization,
        input_size=input_size,
        copies=copies,
        anchored=anchored,
        activation=activation,
        alphabet=alphabet,
    )
    if dtype is not None:
        module.to(dtype)
    if isinstance(source, WFSA):
        _load_wfsa(module, source)
    return module
