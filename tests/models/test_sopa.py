"""SoPa against a direct implementation of its recurrence, padding, export, gradients, and
the one place where the library's epsilon semantics differ from the published step."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rational import MaxPlus, MaxTimes, Real
from rational.errors import ConfigError
from rational.models import SoPa, TextClassifier

F64 = torch.float64
NEG = -math.inf
SEMIRINGS = ["MaxPlus", "MaxTimes", "Real"]


def ring_ops(semiring: str):
    """(plus, arc activation) of the working semiring, on python floats."""
    if semiring == "Real":  # sums of probabilities, in log space
        def plus(a, b):
            return NEG if a == NEG and b == NEG else max(a, b) + math.log1p(math.exp(-abs(a - b)))
    else:
        plus = max
    if semiring == "MaxPlus":
        return plus, lambda s: s
    return plus, lambda s: -math.log1p(math.exp(-s)) if s > 0 else s - math.log1p(math.exp(s))


def arc_values(module, copy, x, activation):
    """Every token arc's weight at every position: a list over t of lists over arcs."""
    w = module.weight[copy].detach().tolist()
    b = module.bias[copy].detach().tolist()
    return [[activation(sum(wi * xi for wi, xi in zip(w[a], x_t)) + b[a]) for a in range(len(w))] for x_t in x]


def sopa_direct(encoder: SoPa, x: list[list[float]], semiring: str) -> list[float]:
    """Each pattern's document score, by the library's semantics written out: restart at
    every position, then per token a main arc or a self-loop, then the full epsilon
    closure (a chain: one pass from left to right); the ⊕ over the ends at every t."""
    plus, activation = ring_ops(semiring)
    scores = []
    for module in encoder.patterns:
        length = module.template.chain_length
        loops = set(range(1, length)) if encoder.self_loops else set()
        for copy in range(module.copies):
            eps = module.epsilon_weight[copy].tolist() if encoder.epsilons else [NEG] * length
            r = [0.0] + [NEG] * length
            for j in range(1, length + 1):
                r[j] = r[j - 1] + eps[j - 1]
            alpha, document = list(r), NEG
            for arcs in arc_values(module, copy, x, activation):
                loop_index = {state: length + k for k, state in enumerate(sorted(loops))}
                beta = [NEG] * (length + 1)
                for j in range(1, length + 1):
                    beta[j] = alpha[j - 1] + arcs[j - 1]
                    if j in loops:
                        beta[j] = plus(beta[j], alpha[j] + arcs[loop_index[j]])
                for j in range(1, length + 1):
                    beta[j] = plus(beta[j], beta[j - 1] + eps[j - 1])
                document = plus(document, beta[length])
                alpha = [plus(bj, rj) for bj, rj in zip(beta, r)]
            if semiring == "MaxPlus":
                scores.append(document if document > NEG else 0.0)
            else:
                scores.append(math.exp(document))
    return scores


def sopa_published(module, copy, x, eps_on: bool) -> float:
    """Schwartz et al.'s step in MaxPlus: at most one epsilon before each token,
    ``ε̂[j] = h[j] ⊕ h[j-1] ⊗ ε_{j-1}``, then a main arc or a self-loop (interior states)."""
    length = module.template.chain_length
    eps = module.epsilon_weight[copy].tolist() if eps_on else [NEG] * length
    h, document = [0.0] + [NEG] * length, NEG
    for arcs in arc_values(module, copy, x, lambda s: s):
        hat = [h[0]] + [max(h[j], h[j - 1] + eps[j - 1]) for j in range(1, length + 1)]
        new = [0.0] + [hat[j - 1] + arcs[j - 1] for j in range(1, length + 1)]
        for k, j in enumerate(range(1, length)):
            new[j] = max(new[j], hat[j] + arcs[length + k])
        document = max(document, new[length])
        h = new
    return document


def encoder_for(semiring, epsilons=True, self_loops=True, seed=0):
    torch.manual_seed(seed)
    encoder = SoPa(3, pattern_lengths={3: 2, 2: 2, 1: 1}, semiring=semiring, epsilons=epsilons,
                   self_loops=self_loops).double()
    with torch.no_grad():  # epsilons of every size, so that skipping matters
        for module in encoder.patterns:
            if module.template.num_epsilons:
                module.epsilon_weight.copy_(torch.randn_like(module.epsilon_weight))
    return encoder


@pytest.mark.parametrize("semiring", SEMIRINGS)
@pytest.mark.parametrize("epsilons,self_loops", [(True, True), (False, True), (True, False)])
def test_sopa_matches_the_direct_recurrence_with_padding(semiring, epsilons, self_loops):
    encoder = encoder_for(semiring, epsilons, self_loops)
    x = torch.randn(3, 6, 3, dtype=F64)
    lengths = torch.tensor([6, 2, 4])
    mask = torch.arange(6) < lengths[:, None]
    x_padded = x.masked_fill(~mask[..., None], 1e6)  # padding holds garbage
    with torch.no_grad():
        out = encoder(x_padded, mask)
    for row, n in enumerate(lengths.tolist()):
        expected = sopa_direct(encoder, x[row, :n].tolist(), semiring)
        assert np.allclose(out.pooled[row].numpy(), expected, rtol=1e-5, atol=1e-8)
        # the sequence at t holds the spans ending at t: the pooled score of the prefix, less the earlier ends
        prefix = sopa_direct(encoder, x[row, :1].tolist(), semiring)
        assert np.allclose(out.sequence[row, 0].numpy(), prefix, rtol=1e-5, atol=1e-8)
        assert torch.all(out.sequence[row, n:] == 0)


def test_float32_agrees_with_float64():
    encoder = encoder_for("Real")
    x = torch.randn(2, 7, 3, dtype=F64)
    mask = torch.ones(2, 7, dtype=torch.bool)
    with torch.no_grad():
        wide = encoder(x, mask).pooled
        narrow = encoder.float()(x.float(), mask).pooled
    assert torch.allclose(narrow.double(), wide, rtol=1e-5, atol=1e-6)


def test_without_epsilons_the_published_step_and_the_library_agree():
    encoder = encoder_for("MaxPlus", epsilons=False)
    x = torch.randn(5, 3, dtype=F64)
    with torch.no_grad():
        pooled = encoder(x[None], torch.ones(1, 5, dtype=torch.bool)).pooled[0].tolist()
    published = [sopa_published(m, c, x.tolist(), False) for m in encoder.patterns for c in range(m.copies)]
    assert np.allclose(pooled, published, rtol=1e-12)


def test_the_library_closes_over_epsilons_where_the_published_step_takes_one():
    """A length-3 pattern whose first arc loves the word and whose epsilons are cheap:
    the library matches the single word with two epsilons after it (document
    main₀ + ε₁ + ε₂); the published step allows no epsilon after the last token,
    and needs three tokens to reach the end state."""
    encoder = encoder_for("MaxPlus")
    module = encoder.patterns[0]
    with torch.no_grad():
        module.weight.zero_()
        module.bias.fill_(-10.0)
        module.bias[0, 0] = 5.0                      # main arc 0 -> 1 scores 5 on anything
        module.epsilon_weight[0] = torch.tensor([-20.0, -1.0, -1.0])
    x = torch.randn(1, 1, 3, dtype=F64)
    with torch.no_grad():
        library = encoder(x, torch.ones(1, 1, dtype=torch.bool)).pooled[0, 0].item()
    assert library == pytest.approx(5.0 - 1.0 - 1.0)
    assert sopa_published(module, 0, x[0].tolist(), True) == NEG


@pytest.mark.parametrize("semiring", SEMIRINGS)
def test_to_wfsa_scores_sentences_as_the_model(semiring):
    encoder = encoder_for(semiring)
    words = ["a", "b", "c", "d", "e"]
    embeddings = torch.randn(len(words), 3, dtype=F64)
    rng = np.random.default_rng(1)
    sentences = [list(rng.integers(0, len(words), size=n)) for n in (1, 2, 4, 6)]
    for copy in range(encoder.output_size):
        machine = encoder.to_wfsa(words, embeddings, copy=copy)
        assert machine.semiring is {"MaxPlus": MaxPlus, "MaxTimes": MaxTimes, "Real": Real}[semiring]
        for sentence in sentences:
            with torch.no_grad():
                pooled = encoder(embeddings[sentence][None], torch.ones(1, len(sentence), dtype=torch.bool)).pooled
            assert np.isclose(machine.score([words[i] for i in sentence]), pooled[0, copy].item(), rtol=1e-9)


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    model = TextClassifier(SoPa(4, pattern_lengths="3:2,2:2"), num_classes=2, vocab_size=10, mlp_hidden=25)
    tokens = torch.tensor([[2, 3, 4, 5], [6, 7, 0, 0]])
    loss = F.cross_entropy(model(tokens, tokens != 0), torch.tensor([0, 1]))
    loss.backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name
        assert parameter.grad.abs().sum() > 0, name


def test_options_and_errors():
    encoder = SoPa(4, pattern_lengths={"5": 1, "2": 3}, semiring="max-times")
    assert encoder.spec == [(5, 1), (2, 3)] and encoder.semiring is MaxTimes
    assert [m.template.num_states for m in encoder.pattern_banks()] == [6, 3]
    assert SoPa(4).output_size == 200
    with pytest.raises(ConfigError, match="SoPa supports the semirings MaxPlus, MaxTimes, Real; got 'Log'"):
        SoPa(4, semiring="Log")
    with pytest.raises(ConfigError, match="must map lengths to counts"):
        SoPa(4, pattern_lengths="five")
    with pytest.raises(ConfigError, match="lengths and counts must be at least 1"):
        SoPa(4, pattern_lengths={0: 3})
    with pytest.raises(ValueError, match="copy must be a pattern 0..3"):
        SoPa(4, pattern_lengths={2: 4}).to_wfsa(None, torch.zeros(2, 4), copy=4)
