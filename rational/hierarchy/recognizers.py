"""The architectures the hierarchy experiments train, and the theory entry of each.

A **recognizer** reads a string (token ids, id 0 is padding, symbol ``i`` of the
alphabet is id ``i + 1``) and returns logits: one per string for membership, one per
position and next symbol (the alphabet plus the end marker) for next-symbol
prediction. A logit above zero means "yes".

- :class:`Recognizer`: an embedding, any encoder of :mod:`rational.models.registry`,
  and a small ReLU decoder (Merrill et al. 2020 read the final counts with a
  nonlinear decoder). Membership reads the encoder's pooled output, next-symbol
  prediction its per-position outputs.
- :class:`AutomatonRecognizer`: the language's own minimal automaton compiled with
  :func:`rational.nn.compile`, read the same way. It needs no training and must be
  right on every string: a check of the whole pipeline (data, batching, evaluation,
  report).

:data:`MODELS` names each architecture of the experiments by the registry entry and
options that build it; :func:`theory_key` maps a registry name and its options to
the entry of :data:`rational.hierarchy.theory.ARCHITECTURES` whose expectations
apply (the one place where the two naming schemes meet).

Examples:
    >>> import torch
    >>> from rational.hierarchy.languages import get_language
    >>> from rational.hierarchy.recognizers import build_recognizer, theory_key
    >>> theory_key("qrnn", {"gates": "fo"}), theory_key("rrnn", {"n": 2})
    ('qrnn-f', 'rational-bigram')
    >>> parity = get_language("parity")
    >>> automaton = build_recognizer("wfsa", parity, "membership")
    >>> tokens = torch.tensor([[1, 2, 2], [2, 1, 0]])  # "abb", "ba"
    >>> (automaton(tokens, tokens != 0) > 0).tolist()
    [True, False]
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from rational.errors import ConfigError
from rational.hierarchy.data import OBJECTIVES, target_symbols
from rational.hierarchy.languages import Language, RegularLanguage
from rational.hierarchy.theory import ARCHITECTURES
from rational.models.base import Encoder
from rational.models.registry import ENCODERS, build_encoder, encoder_options

__all__ = [
    "AUTOMATON",
    "MODELS",
    "AutomatonRecognizer",
    "ModelSpec",
    "Recognizer",
    "available_models",
    "build_recognizer",
    "get_model",
    "output_size",
    "theory_key",
]

#: The name of the compiled-automaton sanity check in :data:`MODELS`.
AUTOMATON = "wfsa"


@dataclass(frozen=True)
class ModelSpec:
    """An architecture of the experiments.

    Attributes:
        name: the name used on the command line and in tables.
        title: display name.
        encoder: its :data:`~rational.models.registry.ENCODERS` name; ``None`` for
            the compiled automaton.
        options: encoder options that make it this architecture (on top of the
            harness's size settings).
        size: the encoder options that give it about ``hidden_size`` units, for
            encoders without a ``hidden_size`` option (SoPa's patterns, the CNN's
            filters); ``None`` passes ``hidden_size`` itself.
    """

    name: str
    title: str
    encoder: str | None
    options: Mapping[str, Any] = field(default_factory=dict)
    size: Callable[[int], dict[str, Any]] | None = None

    @property
    def trainable(self) -> bool:
        """Whether it is trained (every architecture but the compiled automaton)."""
        return self.encoder is not None

    def registered(self) -> bool:
        """Whether its encoder is in the registry (the compiled automaton always is)."""
        return self.encoder is None or self.encoder in ENCODERS

    @property
    def theory(self) -> str | None:
        """The theory entry for this architecture (see :func:`theory_key`)."""
        return None if self.encoder is None else theory_key(self.encoder, self.options)


#: name -> architecture, in table order. Adding one is one line here (and, if its
#: theory entry is not its registry name, one rule in :data:`THEORY_RULES`).
MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in [
        ModelSpec("elman", "Elman RNN", "elman"),
        ModelSpec("gru", "GRU", "gru"),
        ModelSpec("lstm", "LSTM", "lstm"),
        # a window of two inputs, as Bradbury et al. and the theory's recurrence
        ModelSpec("qrnn", "QRNN (fo, tied gates)", "qrnn", {"gates": "fo", "window": 2}),
        ModelSpec("qrnn-ifo", "QRNN (ifo, input gate)", "qrnn", {"gates": "ifo", "window": 2}),
        ModelSpec("sru", "SRU", "sru"),
        ModelSpec("rrnn-unigram", "rational RNN (unigram)", "rrnn", {"n": 1}),
        ModelSpec("rrnn-bigram", "rational RNN (bigram)", "rrnn", {"n": 2}),
        # σ arc scores in MaxTimes and no epsilon arcs: the theory's sopa-maxtimes recurrence
        ModelSpec("sopa", "SoPa (MaxTimes)", "sopa", {"semiring": "MaxTimes", "epsilons": False},
                  size=lambda units: {"pattern_lengths": {length: max(1, units // 4) for length in (2, 3, 4, 5)}}),
        # width 3, the theory's window
        ModelSpec("cnn", "CNN", "cnn", size=lambda units: {"filters": {3: units}}),
        ModelSpec(AUTOMATON, "compiled automaton", None),
    ]
}


def _option(encoder: str, options: Mapping[str, Any], name: str) -> Any:
    """An option's value: given, else the registered builder's default, else ``None``."""
    if name in options:
        return options[name]
    if encoder in ENCODERS:
        default = encoder_options(encoder).get(name)
        return None if default is inspect.Parameter.empty else default
    return None


def _semiring_name(value: Any) -> str:
    return str(getattr(value, "name", value)).lower()


def _qrnn(options: Mapping[str, Any]) -> str:
    # a separate input gate makes counters (Merrill et al. 2020); tied gates do not
    return "qrnn" if str(_option("qrnn", options, "gates")).lower() == "ifo" else "qrnn-f"


def _rrnn(options: Mapping[str, Any]) -> str | None:
    if _semiring_name(_option("rrnn", options, "semiring") or "Real") != "real":
        return None  # the theory's rational RNNs are the Real ones
    return {1: "rational-unigram", 2: "rational-bigram"}.get(_option("rrnn", options, "n"))


def _sopa(options: Mapping[str, Any]) -> str | None:
    # MaxTimes scores arcs with σ, as the theory's sopa-maxtimes; the model's MaxPlus
    # scores them with the affine score itself, which no theory entry describes
    # (saturated, its best-span score grows without bound)
    return "sopa-maxtimes" if _semiring_name(_option("sopa", options, "semiring")) == "maxtimes" else None


#: registry name -> rule mapping its options to a theory entry, for the names that
#: are not theory entries themselves.
THEORY_RULES: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    "qrnn": _qrnn,
    "rrnn": _rrnn,
    "sopa": _sopa,
}


def theory_key(encoder: str, options: Mapping[str, Any] | None = None) -> str | None:
    """The :data:`~rational.hierarchy.theory.ARCHITECTURES` entry whose
    expectations apply to registry model ``encoder`` built with ``options``.

    Options not given take the registered builder's defaults. ``None`` when the
    theory has no entry for it.

    Examples:
        >>> theory_key("lstm"), theory_key("qrnn", {"gates": "ifo"}), theory_key("sopa", {"semiring": "MaxTimes"})
        ('lstm', 'qrnn', 'sopa-maxtimes')
    """
    options = dict(options or {})
    if encoder in THEORY_RULES:
        return THEORY_RULES[encoder](options)
    return encoder if encoder in ARCHITECTURES else None


def get_model(name: str) -> ModelSpec:
    """The architecture called ``name`` in :data:`MODELS`.

    Raises:
        ConfigError: for an unknown name.
    """
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        raise ConfigError(f"unknown hierarchy model {name!r}; known: {', '.join(MODELS)}") from None


def available_models() -> list[str]:
    """The names in :data:`MODELS` whose encoder is registered now (always
    including the compiled automaton).

    Examples:
        >>> {"elman", "gru", "lstm", "wfsa"} <= set(available_models())
        True
    """
    return [name for name, spec in MODELS.items() if spec.registered()]


def output_size(language: Language, objective: str) -> int:
    """Logits per string (membership: 1) or per position (next symbol: the alphabet and the end)."""
    if objective not in OBJECTIVES:
        raise ConfigError(f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")
    return 1 if objective == "membership" else len(target_symbols(language))


class Recognizer(nn.Module):
    """Embedding -> encoder -> ReLU MLP -> logits.

    Args:
        encoder: any :class:`~rational.models.base.Encoder`; causal for next-symbol prediction.
        alphabet_size: the number of symbols (ids ``1..alphabet_size``; 0 is padding).
        objective: ``"membership"`` or ``"next-symbol"``.
        outputs: logits per string or position (see :func:`output_size`).
        decoder_hidden: hidden units of the decoder.

    Raises:
        ConfigError: for next-symbol prediction with an encoder that reads the future.
    """

    def __init__(self, encoder: Encoder, alphabet_size: int, objective: str, outputs: int, decoder_hidden: int = 16):
        super().__init__()
        if objective == "next-symbol" and not encoder.causal:
            raise ConfigError(
                f"next-symbol prediction needs a causal encoder; {type(encoder).__name__} reads the future"
            )
        self.objective = objective
        self.embedding = nn.Embedding(alphabet_size + 1, encoder.input_size, padding_idx=0)
        self.encoder = encoder
        self.decoder = nn.Sequential(
            nn.Linear(encoder.output_size, decoder_hidden), nn.ReLU(), nn.Linear(decoder_hidden, outputs)
        )

    def forward(self, tokens: Tensor, mask: Tensor) -> Tensor:
        """Logits: ``(B,)`` for membership, ``(B, T, outputs)`` for next-symbol prediction."""
        encoded = self.encoder(self.embedding(tokens), mask)
        if self.objective == "membership":
            return self.decoder(encoded.pooled).squeeze(-1)
        return self.decoder(encoded.sequence)


class AutomatonRecognizer(nn.Module):
    """A regular language's minimal automaton, compiled into a module, as a recognizer.

    Membership is the compiled module's document score. For next-symbol prediction
    the module's forward scores give the set of states after each prefix; symbol
    ``a`` may come next when one of them has an arc on ``a`` and the string may end
    when one of them is final (the minimal automaton has no dead state, so every
    arc leads to an accepted string). Logits are ``±10``.

    Args:
        language: a regular language.
        objective: ``"membership"`` or ``"next-symbol"``.

    Raises:
        ConfigError: for a language that is not regular.
    """

    def __init__(self, language: Language, objective: str):
        super().__init__()
        if not isinstance(language, RegularLanguage):
            raise ConfigError(
                f"the compiled automaton needs a regular language; {language.name} is {language.level}"
            )
        from rational.nn import compile as compile_wfsa

        output_size(language, objective)  # checks the objective
        self.objective = objective
        machine = language.to_wfsa()
        self.module = compile_wfsa(machine)
        symbols = [self.module.alphabet.encode([symbol])[0] for symbol in language.alphabet]
        # id 0 (padding) maps anywhere: padded positions are masked
        self.register_buffer("token_map", torch.tensor([0, *symbols], dtype=torch.int64))
        arcs = torch.from_numpy(np.array(machine.transition_tensor(), dtype=bool))  # (symbols, Q, Q), machine order
        leaves = arcs.any(dim=-1).T[:, symbols]  # (Q, alphabet): which symbols leave each state
        final = torch.zeros(machine.num_states, 1, dtype=torch.bool)
        final[machine.final_states] = True
        self.register_buffer("readout", torch.cat([leaves, final], dim=1))

    def forward(self, tokens: Tensor, mask: Tensor) -> Tensor:
        """Logits: ``(B,)`` for membership, ``(B, T, alphabet + 1)`` for next-symbol prediction."""
        ids = self.token_map[tokens]
        out = self.module(ids, mask)
        if self.objective == "membership":
            accepted = out.document[:, 0].bool()
        else:
            states = out.states[:, :, 0, :].bool()  # (B, T, Q)
            accepted = (states.unsqueeze(-1) & self.readout).any(dim=2)
        return torch.where(accepted, 10.0, -10.0)


def build_recognizer(
    name: str,
    language: Language,
    objective: str,
    hidden_size: int = 16,
    embedding_dim: int = 8,
    options: Mapping[str, Any] | None = None,
) -> nn.Module:
    """The recognizer of architecture ``name`` for ``language`` and ``objective``.

    Args:
        name: a key of :data:`MODELS`.
        language: the language (its alphabet sizes the embedding and the outputs).
        objective: ``"membership"`` or ``"next-symbol"``.
        hidden_size: the encoder's size (``hidden_size``, or the options of the
            architecture's ``size``) and the decoder's hidden units.
        embedding_dim: the embedding dimension (the encoder's input size).
        options: more encoder options (override the architecture's).

    Returns:
        A module mapping ``(tokens, mask)`` to logits.

    Raises:
        ConfigError: for an unknown or unregistered model, or options its builder does not take.
    """
    spec = get_model(name)
    outputs = output_size(language, objective)
    if spec.encoder is None:
        return AutomatonRecognizer(language, objective)
    if not spec.registered():
        raise ConfigError(
            f"hierarchy model {name!r} needs the encoder {spec.encoder!r}, which is not registered; "
            f"registered: {', '.join(sorted(ENCODERS))}"
        )
    merged = dict(spec.options)
    if spec.size is not None:
        merged.update(spec.size(hidden_size))
    elif "hidden_size" in encoder_options(spec.encoder):
        merged["hidden_size"] = hidden_size
    merged.update(options or {})
    encoder = build_encoder(spec.encoder, embedding_dim, merged)
    return Recognizer(encoder, len(language.alphabet), objective, outputs, decoder_hidden=hidden_size)
