"""Sparsity adapters of the library's modules (see :mod:`rational.train.sparsity.groups`).

* :class:`NeuralWFSAAdapter`: a projected chain :class:`~rational.nn.NeuralWFSA`;
  the group of ``(copy, j)`` holds the weights and biases of the main arc
  ``j-1 -> j`` and of the self-loop on ``j`` (where the template has one).
"""

from __future__ import annotations

from torch import nn

from rational.errors import ConfigError
from rational.nn import NeuralWFSA
from rational.train.sparsity.groups import ChainBlock, GroupPart, SparsityAdapter, register_adapter

__all__ = ["NeuralWFSAAdapter"]


class NeuralWFSAAdapter(SparsityAdapter):
    """Groups of a projected chain :class:`~rational.nn.NeuralWFSA`.

    Its document score reads only the last state, so a cut chain would score
    differently: this adapter gives groups (penalty, proximal step, live lengths),
    and models that read every state prune through their own adapters.
    """

    cuttable = False

    def blocks(self, module: nn.Module, name: str) -> list[ChainBlock]:
        assert isinstance(module, NeuralWFSA)
        template = module.template
        if not template.is_chain:
            return []
        if module.parameterization != "projected":
            raise ConfigError(
                f"{name or 'the module'} is a lexical NeuralWFSA: its weights are semiring values, and zero is not "
                "'no arc' in every semiring; group lasso needs a projected module (parameterization='projected')"
            )
        length = template.chain_length
        loop_states = [state for state, _ in template.arcs[length:]]
        # loops come after the main arcs, in increasing state order: those on states >= 1 are a suffix
        first = next((k for k, state in enumerate(loop_states) if state >= 1), len(loop_states))
        grouped_loops = tuple(state - 1 for state in loop_states[first:])
        begin = length + first

        def parts() -> list[GroupPart]:
            weight, bias = module.weight, module.bias
            found = [GroupPart(weight[:, :length, :]), GroupPart(bias[:, :length].unsqueeze(-1))]
            if grouped_loops:
                found.append(GroupPart(weight[:, begin:, :], grouped_loops))
                found.append(GroupPart(bias[:, begin:].unsqueeze(-1), grouped_loops))
            return found

        return [ChainBlock(name, module.copies, length, parts)]


register_adapter(NeuralWFSA, NeuralWFSAAdapter())
