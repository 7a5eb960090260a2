"""Baselines that are not rational: Elman RNN, GRU and LSTM from ``torch.nn``.

They follow the :class:`~rational.models.base.Encoder` interface. Padding is exact:
the recurrences run on packed sequences, so a sequence never reads its padding and
its outputs do not depend on the rest of the batch.

References: Elman (1990); Cho et al. (2014) for the GRU; Hochreiter and
Schmidhuber (1997) for the LSTM.

Examples:
    >>> import torch
    >>> from rational.models import LSTM
    >>> encoder = LSTM(input_size=8, hidden_size=16, bidirectional=True)
    >>> out = encoder(torch.randn(3, 5, 8), torch.ones(3, 5, dtype=torch.bool))
    >>> tuple(out.sequence.shape), tuple(out.pooled.shape), encoder.output_size
    ((3, 5, 32), (3, 32), 32)
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rational.errors import ConfigError
from rational.models.base import POOLINGS, Encoder, EncoderOutput, check_inputs, pool

__all__ = ["GRU", "LSTM", "Elman"]


class _TorchRecurrent(Encoder):
    """A ``torch.nn`` recurrent layer stack behind the encoder interface."""

    rnn_class: type[nn.RNNBase]

    def __init__(
        self,
        input_size: int,
        hidden_size: int = 100,
        layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "last",
        **rnn_options: Any,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        for option, value in (("input_size", input_size), ("hidden_size", hidden_size), ("layers", layers)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} needs a positive integer {option}, got {value!r}")
        if not 0.0 <= dropout < 1.0:
            raise ConfigError(f"{name} needs 0 <= dropout < 1, got {dropout!r}")
        if pooling not in POOLINGS:
            raise ConfigError(f"unknown pooling {pooling!r} for {name}; choose one of {', '.join(POOLINGS)}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.layers = layers
        self.bidirectional = bidirectional
        self.pooling = pooling
        self.directions = 2 if bidirectional else 1
        self.output_size = hidden_size * self.directions
        self.causal = not bidirectional
        self.supports_state = not bidirectional
        # torch applies this dropout between stacked layers only, so it means nothing for one layer
        self.rnn = self.rnn_class(
            input_size,
            hidden_size,
            num_layers=layers,
            bidirectional=bidirectional,
            dropout=dropout if layers > 1 else 0.0,
            batch_first=True,
            **rnn_options,
        )

    def forward(self, inputs: Tensor, mask: Tensor, state: Any = None) -> EncoderOutput:
        """Encode a batch (see :class:`~rational.models.base.Encoder`).

        ``state`` (unidirectional only) is the ``state`` of a previous output:
        ``h`` of shape ``(layers, B, hidden_size)``, and ``(h, c)`` for the LSTM.
        """
        lengths = check_inputs(self, inputs, mask, state)
        batch, length, _ = inputs.shape
        empty = lengths == 0
        if length == 0 or batch == 0:
            sequence = inputs.new_zeros(batch, length, self.output_size)
            return EncoderOutput(sequence, inputs.new_zeros(batch, self.output_size), state)
        # an empty row is read as one (padding) token, then its outputs are zeroed below
        packed = pack_padded_sequence(inputs, lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False)
        packed_out, final = self.rnn(packed, state)
        sequence, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=length)
        sequence = sequence * mask.unsqueeze(-1).to(sequence.dtype)
        if self.pooling == "last":
            pooled = self._last_layer(final).masked_fill(empty.unsqueeze(-1), 0.0)
        else:
            pooled = pool(sequence, mask, self.pooling)
        if bool(empty.any()):
            final = self._keep_state(final, state, empty)
        return EncoderOutput(sequence, pooled, final)

    def _last_layer(self, final: Any) -> Tensor:
        """The last layer's final hidden state(s), both directions side by side."""
        hidden = final[0] if isinstance(final, tuple) else final
        return torch.cat(list(hidden[-self.directions :]), dim=-1)

    @staticmethod
    def _keep_state(final: Any, state: Any, empty: Tensor) -> Any:
        """Rows that read nothing keep the state they were given (zeros when none)."""

        def keep(new: Tensor, old: Tensor | None) -> Tensor:
            old = torch.zeros_like(new) if old is None else old
            return torch.where(empty.view(1, -1, 1), old, new)

        if isinstance(final, tuple):
            olds = state if state is not None else (None,) * len(final)
            return tuple(keep(new, old) for new, old in zip(final, olds))
        return keep(final, state)

    def extra_repr(self) -> str:
        return f"pooling={self.pooling!r}"


class Elman(_TorchRecurrent):
    """Elman's simple recurrent network (``torch.nn.RNN``): ``h_t = g(W x_t + U h_{t-1} + b)``.

    Args:
        input_size: the embedding dimension ``D``.
        hidden_size: units per direction.
        layers: stacked layers.
        bidirectional: also read right to left (then not causal, no carried state).
        dropout: dropout between stacked layers.
        pooling: ``"last"`` (final state; both directions' when bidirectional), ``"max"`` or ``"mean"``.
        nonlinearity: ``"tanh"`` or ``"relu"``.

    Examples:
        >>> import torch
        >>> encoder = Elman(4, hidden_size=6, layers=2)
        >>> encoder(torch.randn(2, 3, 4), torch.ones(2, 3, dtype=torch.bool)).pooled.shape
        torch.Size([2, 6])
    """

    rnn_class = nn.RNN

    def __init__(
        self,
        input_size: int,
        hidden_size: int = 100,
        layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "last",
        nonlinearity: str = "tanh",
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ConfigError(f"Elman nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, layers, bidirectional, dropout, pooling, nonlinearity=nonlinearity)


class GRU(_TorchRecurrent):
    """The gated recurrent unit of Cho et al. (2014) (``torch.nn.GRU``).

    It takes the arguments of :class:`Elman` except ``nonlinearity``.

    Examples:
        >>> import torch
        >>> GRU(4, hidden_size=6)(torch.randn(2, 3, 4), torch.ones(2, 3, dtype=torch.bool)).sequence.shape
        torch.Size([2, 3, 6])
    """

    rnn_class = nn.GRU

    def __init__(
        self,
        input_size: int,
        hidden_size: int = 100,
        layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "last",
    ) -> None:
        super().__init__(input_size, hidden_size, layers, bidirectional, dropout, pooling)


class LSTM(_TorchRecurrent):
    """The long short-term memory of Hochreiter and Schmidhuber (1997) (``torch.nn.LSTM``).

    It takes the arguments of :class:`Elman` except ``nonlinearity``. The carried state is ``(h, c)``.

    Examples:
        >>> import torch
        >>> encoder = LSTM(4, hidden_size=6)
        >>> first = encoder(torch.randn(1, 3, 4), torch.ones(1, 3, dtype=torch.bool))
        >>> h, c = first.state
        >>> encoder(torch.randn(1, 2, 4), torch.ones(1, 2, dtype=torch.bool), state=first.state).pooled.shape
        torch.Size([1, 6])
    """

    rnn_class = nn.LSTM

    def __init__(
        self,
        input_size: int,
        hidden_size: int = 100,
        layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "last",
    ) -> None:
        super().__init__(input_size, hidden_size, layers, bidirectional, dropout, pooling)
