"""Pruning: cut every chain after its last live state, drop empty automata, rebuild smaller.

:func:`prune` finds the live length of every automaton (the longest prefix of states
whose group norm exceeds the threshold, :func:`~rational.train.sparsity.groups.live_lengths`),
asks the model's adapter to rebuild a module of the same class with the surviving
weights, and shrinks the head that reads the encoder's features: the columns of the
dropped features leave the first linear layer (their constant value, zero for the
models here, is folded into its bias). On every input the pruned model computes what
the original computes with the dropped groups set to zero
(:func:`~rational.train.sparsity.groups.zero_dropped_groups`): exactly, up to
floating-point rounding.

Models: an encoder with an adapter, or a model whose ``encoder`` has one and whose
``output`` is a linear layer or a ``Sequential`` that starts with one
(:class:`~rational.models.TextClassifier`, :class:`~rational.models.LanguageModel`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from rational.errors import ConfigError
from rational.train.sparsity.groups import (
    Rebuilt,
    adapter_for,
    chain_blocks,
    group_norms,
    live_lengths,
)

__all__ = ["PruneResult", "count_parameters", "prune", "pruned_lengths"]


def count_parameters(model: nn.Module) -> int:
    """The number of trainable parameters (shared ones once)."""
    seen: set[int] = set()
    total = 0
    for parameter in model.parameters():
        if parameter.requires_grad and id(parameter) not in seen:
            seen.add(id(parameter))
            total += parameter.numel()
    return total


@dataclass
class PruneResult:
    """A pruned model and what pruning did.

    Attributes:
        model: the smaller model (the input model is left as it was).
        lengths: the kept number of states of every automaton, per block.
        states_before: grouped states before pruning.
        states_after: grouped states kept.
        automata_before: automata before pruning.
        automata_after: automata kept (those with at least one state).
        parameters_before: trainable parameters before.
        parameters_after: trainable parameters after.
        features: the encoder features the pruned model keeps (indices into the original's).
        encoder_options: the pruned encoder's builder options (for ``config.json``).
    """

    model: nn.Module
    lengths: list[list[int]]
    states_before: int
    states_after: int
    automata_before: int
    automata_after: int
    parameters_before: int
    parameters_after: int
    features: list[int] = field(default_factory=list)
    encoder_options: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The counts as a JSON-ready dictionary."""
        return {
            "states_before": self.states_before,
            "states_after": self.states_after,
            "automata_before": self.automata_before,
            "automata_after": self.automata_after,
            "parameters_before": self.parameters_before,
            "parameters_after": self.parameters_after,
            "lengths": self.lengths,
        }


def _encoder_and_adapter(model: nn.Module):
    adapter = adapter_for(model)
    if adapter is not None:
        return model, adapter, None
    encoder = getattr(model, "encoder", None)
    if isinstance(encoder, nn.Module):
        adapter = adapter_for(encoder)
        if adapter is not None:
            return encoder, adapter, model
    raise ConfigError(
        f"cannot prune a {type(model).__name__}: prune takes an encoder with chain automata (a rational RNN, "
        "SoPa) or a model whose .encoder is one"
    )


def pruned_lengths(model: nn.Module, threshold: float) -> list[Tensor]:
    """The lengths :func:`prune` keeps: live prefixes (whole automata or nothing for
    models whose outputs read only the last state).

    Raises:
        ConfigError: for a bad threshold or a model without state groups.
    """
    if not isinstance(threshold, (int, float)) or not threshold >= 0:
        raise ConfigError(f"the pruning threshold must be a number >= 0, got {threshold!r}")
    encoder, adapter, _ = _encoder_and_adapter(model)
    blocks = chain_blocks(encoder)
    lengths = live_lengths(group_norms(encoder), float(threshold))
    if not adapter.cuttable(encoder):
        lengths = [torch.where(keep == block.length, keep, torch.zeros_like(keep)) for keep, block in zip(lengths, blocks)]
    return lengths


def _first_linear(head: nn.Module | None) -> tuple[nn.Module, str]:
    if isinstance(head, nn.Linear):
        return head, ""
    if isinstance(head, nn.Sequential) and len(head) and isinstance(head[0], nn.Linear):
        return head[0], "0"
    raise ConfigError(
        f"cannot shrink a head of type {type(head).__name__} (the model's .output): prune knows a Linear layer or a "
        "Sequential starting with one"
    )


@torch.no_grad()
def _shrink_linear(layer: nn.Linear, features: Tensor, constants: Tensor | None) -> nn.Linear:
    kept = torch.as_tensor(features, dtype=torch.int64, device=layer.weight.device)
    smaller = nn.Linear(len(kept), layer.out_features, bias=layer.bias is not None,
                        device=layer.weight.device, dtype=layer.weight.dtype)
    smaller.weight.copy_(layer.weight[:, kept])
    if layer.bias is not None:
        bias = layer.bias.clone()
        if constants is not None:
            dropped = torch.ones(layer.in_features, dtype=torch.bool, device=kept.device)
            dropped[kept] = False
            bias += layer.weight[:, dropped] @ constants.to(layer.weight)[dropped]
        smaller.bias.copy_(bias)
    return smaller


def prune(model: nn.Module, threshold: float) -> PruneResult:
    """Remove the states whose groups fell under ``threshold`` and rebuild the model smaller.

    Args:
        model: an encoder with chain automata, or a classifier or language model whose
            ``encoder`` is one (see the module docstring).
        threshold: a state is live when its group norm is strictly greater.

    Returns:
        The pruned model (a new object; ``model`` is not changed) and the counts.

    Raises:
        ConfigError: when no state is left (with the largest group norm, so a lower
            threshold can be chosen), for a tied language model (its output layer is
            the embedding and cannot lose columns), or a model prune does not know.

    Examples:
        >>> import torch
        >>> from rational.models import RationalRNN, TextClassifier
        >>> from rational.train.sparsity import zero_dropped_groups
        >>> _ = torch.manual_seed(0)
        >>> model = TextClassifier(RationalRNN(4, n=3, hidden_size=4), num_classes=2, vocab_size=10)
        >>> zero_dropped_groups(model, [torch.tensor([3, 1, 0, 2])])     # as group lasso would
        >>> result = prune(model, threshold=0.1)
        >>> result.states_before, result.states_after, result.encoder_options["n"]
        (12, 6, {'3': 1, '2': 1, '1': 1})
        >>> tokens = torch.tensor([[2, 5, 7, 3]])
        >>> torch.allclose(result.model(tokens, tokens != 0), model(tokens, tokens != 0))
        True
    """
    lengths = pruned_lengths(model, threshold)
    encoder, adapter, head_owner = _encoder_and_adapter(model)
    blocks = chain_blocks(encoder)
    if all(int(keep.sum()) == 0 for keep in lengths):
        largest = max(float(n.detach().max()) for n in group_norms(encoder))
        raise ConfigError(
            f"pruning at threshold {threshold} removes every state (the largest group norm is {largest:.4g}): "
            "nothing would be left to compute; choose a threshold below that, or train with a weaker group lasso"
        )
    if head_owner is not None and getattr(head_owner, "tie_embeddings", False):
        raise ConfigError(
            "this language model ties its output layer to the embedding, whose size pruning cannot change; "
            "train it with tie_embeddings=False to prune it"
        )
    parameters_before = count_parameters(model)
    rebuilt: Rebuilt = adapter.rebuild(encoder, lengths)
    if head_owner is None:
        pruned = rebuilt.module
    else:
        pruned = copy.deepcopy(head_owner)  # shares no tensor with the original
        pruned.encoder = rebuilt.module
        layer, index = _first_linear(getattr(pruned, "output", None))
        smaller = _shrink_linear(layer, rebuilt.features, rebuilt.constants)
        if index == "":
            pruned.output = smaller
        else:
            pruned.output[0] = smaller
    kept = [keep.tolist() for keep in lengths]
    return PruneResult(
        model=pruned,
        lengths=kept,
        states_before=sum(block.copies * block.length for block in blocks),
        states_after=sum(sum(keep) for keep in kept),
        automata_before=sum(block.copies for block in blocks),
        automata_after=sum(sum(1 for k in keep if k > 0) for keep in kept),
        parameters_before=parameters_before,
        parameters_after=count_parameters(pruned),
        features=[int(i) for i in rebuilt.features],
        encoder_options=dict(rebuilt.options),
    )
