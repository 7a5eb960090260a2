"""A small pattern classifier trained (seeded, a few seconds) on synthetic sentiment
whose label is decided by a phrase: an adjective, negated by ``not`` or not."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from torch import nn

from rational import MaxPlus
from rational.explain import PatternModel
from rational.nn import Template, compile
from rational.train.batching import pad
from rational.train.synthetic import sentiment_examples
from rational.train.vocab import Vocabulary


@dataclass
class Trained:
    model: PatternModel
    train: list
    test: list
    vocab: Vocabulary


def train_pattern_classifier(seed: int = 0, epochs: int = 6) -> Trained:
    torch.manual_seed(seed)
    train = sentiment_examples(1500, seed=1)
    test = sentiment_examples(200, seed=2)
    vocab = Vocabulary.build(e.tokens for e in train)
    dim = 16
    embedding = nn.Embedding(len(vocab), dim, padding_idx=0)
    banks = nn.ModuleList(
        compile(Template.chain(length, epsilons=True), MaxPlus, parameterization="projected", input_size=dim, copies=4)
        for length in (2, 3)
    )
    head = nn.Sequential(nn.Linear(8, 10), nn.ReLU(), nn.Linear(10, 2))
    optimizer = torch.optim.Adam([*embedding.parameters(), *banks.parameters(), *head.parameters()], lr=0.02)
    ids = [vocab.encode(e.tokens) for e in train]
    labels = torch.tensor([int(e.label) for e in train])
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(ids), generator=generator).tolist()
        for start in range(0, len(ids), 50):
            rows = order[start : start + 50]
            tokens, mask = pad([ids[i] for i in rows])
            x = embedding(tokens)
            features = torch.cat([bank(x, mask).document for bank in banks], -1)
            loss = nn.functional.cross_entropy(head(features), labels[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model = PatternModel(list(banks), vocab, embedding, head=head, labels=["0", "1"])
    return Trained(model, train, test, vocab)


@pytest.fixture(scope="session")
def trained() -> Trained:
    return train_pattern_classifier()
