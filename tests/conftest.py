"""Shared test configuration: hypothesis profiles and the data-folder option."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# One torch thread per test process: pytest-xdist already runs a process per core,
# and more threads than cores make every torch test several times slower.
try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    pass

settings.register_profile(
    "default",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile("thorough", max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser):
    parser.addoption(
        "--data",
        default=None,
        help="folder of the benchmark data sets (e.g. ../shared/data); tests that need it skip without it",
    )


@pytest.fixture
def data_dir(request) -> Path:
    """The benchmark data folder given with --data; skips the test when absent."""
    value = request.config.getoption("--data")
    if not value or not Path(value).is_dir():
        pytest.skip("benchmark data folder not given (--data) or absent")
    return Path(value)
