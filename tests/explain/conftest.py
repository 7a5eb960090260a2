"""A small SoPa trained (seeded, a few seconds) on synthetic sentiment whose label is
decided by a phrase: an adjective, negated by ``not`` or not."""

from __future__ import annotations

import pytest

from rational.explain.synthetic import TrainedSoPa, train_sentiment_sopa


@pytest.fixture(scope="session")
def trained() -> TrainedSoPa:
    return train_sentiment_sopa(seed=0)
