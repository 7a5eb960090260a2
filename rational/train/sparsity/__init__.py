"""Learning smaller automata: group lasso over automaton states, pruning, and the search for λ.

Dodge et al. (2019): give every state of every automaton a parameter group, train
with the penalty ``λ Σ_g ‖g‖₂`` (Yuan and Lin 2006) or its proximal step (Parikh
and Boyd 2014), cut each chain after its last live state, drop the automata left
with none, and fine-tune the smaller model without the penalty.

- :mod:`~rational.train.sparsity.groups`: the groups, their norms, live lengths, adapters;
- :mod:`~rational.train.sparsity.penalty`: the penalty and the proximal step;
"""

from rational.train.sparsity.groups import (
    ChainBlock,
    GroupPart,
    SparsityAdapter,
    block_norms,
    chain_blocks,
    count_states,
    group_norms,
    live_lengths,
    register_adapter,
    zero_dropped_groups,
)
from rational.train.sparsity.penalty import GroupLasso, ProximalStep, group_scale, penalty_value, proximal_step

__all__ = [
    "ChainBlock",
    "GroupLasso",
    "GroupPart",
    "ProximalStep",
    "SparsityAdapter",
    "block_norms",
    "chain_blocks",
    "count_states",
    "group_norms",
    "group_scale",
    "live_lengths",
    "penalty_value",
    "proximal_step",
    "register_adapter",
    "zero_dropped_groups",
]
