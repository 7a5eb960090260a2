"""The quasi-recurrent network of Bradbury et al. (2017) as unigram chain automata.

Each hidden unit is the chain ``0 -> 1`` with a self-loop on state 1
(``Template.chain(1, self_loops=[1])``), unanchored, in the ``Real`` semiring. The
gates read a window of the input: ``x̃_t = x_t`` (``window=1``) or
``x̃_t = [x_t; x_{t-1}]`` (``window=2``, ``x_0 = 0`` at the start of a text), and

    z_t = tanh(W_z x̃_t + b_z),   f_t = σ(W_f x̃_t + b_f),   o_t = σ(W_o x̃_t + b_o)
    fo:  c_t = f_t ⊙ z_t + (1 - f_t) ⊙ c_{t-1}
    ifo: c_t = i_t ⊙ z_t + (1 - f_t) ⊙ c_{t-1},   i_t = σ(W_i x̃_t + b_i)
    h_t = o_t ⊙ c_t

The main arc weighs ``f_t ⊙ z_t`` (``i_t ⊙ z_t``) and the loop ``1 - f_t``. ``fo`` is
the tied form (the one ``torch``'s QRNN implementations compute as
``f ⊙ x + (1 - f) ⊙ c``); ``ifo`` unties the input gate, as Bradbury et al.'s
ifo-pooling ``c_t = f'_t ⊙ c_{t-1} + i_t ⊙ z_t`` with ``f' = 1 - f`` (the form
Merrill et al. 2020 call counter-blind rational). Bradbury et al. call these
"fo-pooling" and "ifo-pooling"; the option is named ``gates`` here because
``pooling`` is every encoder's option for the document vector.

Examples:
    >>> import torch
    >>> from rational.models import QRNN
    >>> encoder = QRNN(8, hidden_size=16, window=2)
    >>> encoder(torch.randn(3, 5, 8), torch.ones(3, 5, dtype=torch.bool)).pooled.shape
    torch.Size([3, 16])
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from rational.algorithms.connect import trim
from rational.errors import ConfigError
from rational.models.chain import ChainCell, ChainEncoder, _project
from rational.nn.export import _keep_top_k
from rational.nn.template import Template
from rational.semirings import Real
from rational.symbols import SymbolTable
from rational.wfsa import WFSA

__all__ = ["GATES", "QRNN", "QRNNCell"]

#: Bradbury et al.'s pooling variants: tied (``fo``) or separate (``ifo``) input gate.
GATES = ("fo", "ifo")


class QRNNCell(ChainCell):
    """One QRNN layer (see the module docstring).

    Args:
        input_size: the size of the vectors it reads.
        hidden_size: the number of units.
        window: 1 or 2 consecutive inputs per step.
        gates: ``"fo"`` or ``"ifo"``.
    """

    def __init__(self, input_size: int, hidden_size: int, window: int, gates: str) -> None:
        super().__init__(input_size, hidden_size, Template.chain(1, self_loops=[1]), Real, window=window)
        self.gates = gates
        width = input_size * window
        self.output_gate = nn.Linear(width, hidden_size)
        self.input_gate = nn.Linear(width, hidden_size) if gates == "ifo" else None

    def arc_weights(self, scores: Tensor, inputs: Tensor) -> Tensor:
        """Main arc ``f ⊙ z`` (``i ⊙ z``), loop ``1 - f``."""
        z, forget = torch.tanh(scores[..., 0]), scores[..., 1]
        gate = torch.sigmoid(forget) if self.input_gate is None else torch.sigmoid(_project(self.input_gate, inputs))
        return torch.stack([gate * z, torch.sigmoid(-forget)], dim=-1)

    def output(self, cells: Tensor, inputs: Tensor, original: Tensor) -> Tensor:
        return torch.sigmoid(_project(self.output_gate, inputs)) * cells

    def to_wfsa(self, vocab, embeddings: Tensor, unit: int, top_k: int | None) -> WFSA:
        if self.window == 1:
            return super().to_wfsa(vocab, embeddings, unit, top_k)
        return self._window_machine(vocab, embeddings, unit, top_k)

    def _window_machine(self, vocab, embeddings: Tensor, unit: int, top_k: int | None) -> WFSA:
        """A window-2 unit reads word pairs: its machine remembers the previous word.

        States ``(0, p)`` (no match open) and ``(1, p)`` (inside a match) for every
        previous word ``p`` and the start of the text; reading ``w`` moves to
        ``(·, w)`` with the arc weights of the pair ``(p, w)``.
        """
        vectors = embeddings.detach().to(torch.float64)
        size = len(vectors)
        names: list[Hashable] = list(range(size)) if vocab is None else list(vocab)
        if len(names) != size:
            raise ValueError(f"vocab names {len(names)} words but embeddings has {size} rows")
        before = torch.cat([vectors.new_zeros(1, vectors.shape[1]), vectors])  # row 0: the start of the text
        pairs = torch.cat(
            [vectors.unsqueeze(0).expand(size + 1, -1, -1), before.unsqueeze(1).expand(-1, size, -1)], dim=-1
        )  # (previous, word, 2D)
        with torch.no_grad():
            table = self.arc_weights(self.scores(pairs), pairs)[:, :, unit, :].numpy()  # (P, V, arcs)
        if top_k is not None:
            table = np.stack([_keep_top_k(rows, Real, int(top_k)) for rows in table])
        alphabet = SymbolTable()
        labels = np.asarray([alphabet.add(name) for name in names], dtype=np.int64)
        previous, word = np.meshgrid(np.arange(size + 1), np.arange(size), indexing="ij")
        previous, word = previous.ravel(), word.ravel()
        main, loop = table[..., 0].ravel(), table[..., 1].ravel()

        def outside(p):  # state (0, p): no match open
            return p

        def inside(p):  # state (1, p)
            return size + 1 + p

        keep_main, keep_loop = main != 0, loop != 0
        src = np.concatenate([outside(previous), outside(previous)[keep_main], inside(previous)[keep_loop]])
        dst = np.concatenate([outside(word + 1), inside(word + 1)[keep_main], inside(word + 1)[keep_loop]])
        label = np.concatenate([labels[word], labels[word][keep_main], labels[word][keep_loop]])
        weight = np.concatenate([np.ones(len(word)), main[keep_main], loop[keep_loop]])
        states = 2 * (size + 1)
        initial = np.zeros(states)
        initial[outside(0)] = 1.0
        final = np.zeros(states)
        final[inside(np.arange(size + 1))] = 1.0
        machine = WFSA.from_arrays(Real, alphabet, initial, final, src, label, dst, weight)
        return trim(machine)


class QRNN(ChainEncoder):
    """Bradbury et al.'s (2017) quasi-recurrent network, as chain automata.

    Args:
        input_size: the embedding dimension ``D``.
        hidden_size: units per direction.
        layers: stacked layers.
        window: the convolution width: 1 (``x_t``) or 2 (``[x_t; x_{t-1}]``).
        gates: ``"fo"`` (tied input gate) or ``"ifo"`` (separate input gate).
        bidirectional: add a right-to-left direction (then not causal).
        dropout: dropout between stacked layers.
        pooling: ``"last"``, ``"max"`` or ``"mean"`` (the document vector).

    Raises:
        ConfigError: for a bad window, gates, size or pooling.

    Examples:
        >>> QRNN(4, hidden_size=3, gates="ifo").forward_cells[0].input_gate
        Linear(in_features=4, out_features=3, bias=True)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int = 100,
        layers: int = 1,
        window: int = 1,
        gates: str = "fo",
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "last",
    ) -> None:
        if window not in (1, 2) or isinstance(window, bool):
            raise ConfigError(f"QRNN window must be 1 or 2, got {window!r}")
        if gates not in GATES:
            raise ConfigError(f"QRNN gates must be one of {', '.join(GATES)}, got {gates!r}")
        self.window = window
        self.gates = gates
        super().__init__(input_size, hidden_size, layers, bidirectional, dropout, pooling)

    def make_cell(self, input_size: int) -> QRNNCell:
        return QRNNCell(input_size, self.hidden_size, self.window, self.gates)

    def to_wfsa(
        self,
        vocab: SymbolTable | Sequence[Hashable] | None,
        embeddings: Tensor | np.ndarray,
        copy: int = 0,
        top_k: int | None = None,
    ) -> WFSA:
        """The automaton of one unit of the first layer (see
        :meth:`~rational.models.chain.ChainEncoder.to_wfsa`). With ``window=2`` its
        states also remember the previous word: ``2 (V + 1)`` states and
        ``3 V (V + 1)`` arcs at most, so export a small vocabulary (or use ``top_k``).
        """
        return super().to_wfsa(vocab, embeddings, copy, top_k)

    def extra_repr(self) -> str:
        return f"window={self.window}, gates={self.gates!r}, " + super().extra_repr()
