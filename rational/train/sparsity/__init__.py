"""Learning smaller automata: group lasso over automaton states, pruning, and the search for λ.

Dodge et al. (2019): give every state of every automaton a parameter group, train
with the penalty ``λ Σ_g ‖g‖₂`` (Yuan and Lin 2006) or its proximal step (Parikh
and Boyd 2014), cut each chain after its last live state, drop the automata left
with none, and fine-tune the smaller model without the penalty.

- :mod:`~rational.train.sparsity.groups`: the groups, their norms, live lengths, adapters;
- :mod:`~rational.train.sparsity.adapters`: the adapters of the library's models;
- :mod:`~rational.train.sparsity.penalty`: the penalty and the proximal step;
- :mod:`~rational.train.sparsity.pruning`: pruning a model;
- :mod:`~rational.train.sparsity.search`: the search for λ;
- :mod:`~rational.train.sparsity.workflow`: train, prune, fine-tune and measure; λ sweeps;
- :mod:`~rational.train.sparsity.report`: tables and the accuracy-versus-states plot;
- :mod:`~rational.train.sparsity.checkpoints`: pruning a checkpoint folder (``rational prune``);
- :mod:`~rational.train.sparsity.commands`: the command-line options.

The names below are imported on first use, so that ``import rational.train.sparsity.commands``
(the command line) does not import torch.

Examples:
    >>> from rational.train.sparsity import GroupLasso
    >>> GroupLasso(0.01)
    GroupLasso(0.01)
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ChainBlock": "groups",
    "GroupPart": "groups",
    "Rebuilt": "groups",
    "SparsityAdapter": "groups",
    "block_norms": "groups",
    "chain_blocks": "groups",
    "count_states": "groups",
    "group_norms": "groups",
    "live_lengths": "groups",
    "register_adapter": "groups",
    "zero_dropped_groups": "groups",
    "GroupLasso": "penalty",
    "ProximalStep": "penalty",
    "group_scale": "penalty",
    "penalty_value": "penalty",
    "proximal_step": "penalty",
    "PruneResult": "pruning",
    "count_parameters": "pruning",
    "prune": "pruning",
    "pruned_lengths": "pruning",
    "SearchResult": "search",
    "search_lambda": "search",
    "states_at": "search",
    "SparsifyResult": "workflow",
    "Stage": "workflow",
    "fine_tune": "workflow",
    "lambda_sweep": "workflow",
    "sparsify": "workflow",
    "train_sparse": "workflow",
    "plot_sweep": "report",
    "sweep_table": "report",
    "prune_checkpoint": "checkpoints",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
