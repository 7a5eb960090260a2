"""The torch code paths on an accelerator agree with the CPU and with float64 references.

Every test runs once per CUDA device torch sees and is skipped where there is none;
the CPU behaviour itself is covered everywhere else. ``RATIONAL_TEST_DEVICES=cpu,cuda:1``
names the devices instead (``cpu`` runs the same checks against the CPU, as a dry run).
"""

from __future__ import annotations

import os

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rational import Log, MaxPlus, MaxTimes, Real, Tropical
from rational.models import LanguageModel, TextClassifier
from rational.models.registry import build_encoder
from rational.nn import Template, compile
from rational.nn.scan import chain_forward
from rational.testing import strings, wfsas

_NAMED = os.environ.get("RATIONAL_TEST_DEVICES", "")
DEVICES = [d.strip() for d in _NAMED.split(",") if d.strip()] or [
    f"cuda:{i}" for i in range(torch.cuda.device_count())
]
pytestmark = pytest.mark.skipif(not DEVICES, reason="no CUDA device (RATIONAL_TEST_DEVICES names others)")
device_param = pytest.mark.parametrize("device", DEVICES or ["cuda"])
RINGS = (Real, Log, MaxPlus, Tropical)


def close(fast: torch.Tensor, exact: torch.Tensor, tolerance: float) -> None:
    """|fast - exact| <= tolerance · (1 + |exact|), equal infinities equal."""
    fast, exact = fast.detach().double().cpu(), exact.detach().double().cpu()
    same_infinity = (fast == exact) & ~torch.isfinite(exact)
    error = (fast - exact).abs() / (1 + exact.abs())
    ok = same_infinity | (error <= tolerance)
    assert bool(ok.all()), f"largest relative error {error[~ok].max().item():.3g} > {tolerance}"


@device_param
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ring=st.sampled_from((Real, Log, MaxPlus, MaxTimes, Tropical)), epsilons=st.booleans(), data=st.data())
def test_compiled_wfsa_on_the_device_scores_like_the_wfsa(device, ring, epsilons, data):
    machine = data.draw(wfsas(ring, epsilons=epsilons, alphabet="abc", max_states=4))
    batch = data.draw(st.lists(strings("abc", max_length=6), min_size=1, max_size=4))
    try:
        module = compile(machine, dtype=torch.float64).requires_grad_(False)
    except Exception:  # e.g. a Real epsilon closure that diverges: covered by the CPU tests
        assume(False)
    ids, mask = module.encode(batch)
    on_device = module.to(device)(ids.to(device), mask.to(device))
    assert on_device.document.device == torch.device(device)
    expected = torch.tensor([machine.score(s) for s in batch], dtype=torch.float64)
    close(on_device.document[:, 0], expected, 1e-9)


@device_param
@pytest.mark.parametrize("ring", RINGS, ids=lambda r: r.name)
@pytest.mark.parametrize("steps", [1, 37, 2000])
def test_chain_scan_on_the_device_float32_matches_float64(device, ring, steps):
    generator = torch.Generator().manual_seed(steps)
    pre = torch.randn(2, steps, 3, 4, generator=generator, dtype=torch.float64) * 1.5
    loops_pre = torch.randn(2, steps, 3, 5, generator=generator, dtype=torch.float64) * 1.5
    if ring is Real:
        main, loops = torch.sigmoid(pre), torch.sigmoid(loops_pre)
    elif ring is Tropical:
        main, loops = -torch.nn.functional.logsigmoid(pre), -torch.nn.functional.logsigmoid(loops_pre)
    else:
        main, loops = torch.nn.functional.logsigmoid(pre), torch.nn.functional.logsigmoid(loops_pre)
    loops[..., 0] = ring.zero
    start = torch.full((3,), float(ring.one), dtype=torch.float64)
    exact = chain_forward(main, loops, None, start, ring, restart=True, method="reference")
    fast = chain_forward(
        main.float().to(device), loops.float().to(device), None, start.float().to(device), ring, restart=True
    )
    assert fast.device == torch.device(device)
    close(fast, exact, 1e-4)


@device_param
@pytest.mark.parametrize("ring", RINGS, ids=lambda r: r.name)
def test_chain_scan_gradients_on_the_device_match_the_cpu(device, ring):
    torch.manual_seed(0)
    template = Template.chain(3, epsilons=True)
    module = compile(template, ring, parameterization="projected", input_size=5, copies=4, dtype=torch.float64)
    inputs = torch.randn(3, 50, 5, dtype=torch.float64)
    mask = torch.arange(50) < torch.tensor([[50], [31], [7]])

    def gradients(where: str) -> list[torch.Tensor]:
        copy = compile(template, ring, parameterization="projected", input_size=5, copies=4, dtype=torch.float64)
        copy.load_state_dict(module.state_dict())
        copy.to(where)
        document = copy(inputs.to(where), mask.to(where)).document
        document.masked_fill(~torch.isfinite(document), 0).sum().backward()
        return [p.grad.cpu() for p in copy.parameters()]

    for on_cpu, on_device in zip(gradients("cpu"), gradients(device)):
        close(on_device, on_cpu, 1e-9)


MODELS = {
    "sopa": {"pattern_lengths": "4:3,2:3"},
    "rrnn": {"n": 2, "hidden_size": 6},
    "qrnn": {"hidden_size": 6, "window": 2},
    "sru": {"hidden_size": 6},
    "cnn": {"filters": "3:4"},
    "lstm": {"hidden_size": 6},
}


@device_param
@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_on_the_device_equal_the_cpu(device, name):
    torch.manual_seed(0)
    model = TextClassifier(build_encoder(name, 8, MODELS[name]), num_classes=3, vocab_size=30).double().eval()
    tokens = torch.randint(1, 30, (4, 12))
    tokens[1, 9:] = 0
    tokens[3, 4:] = 0
    mask = tokens != 0
    expected = model(tokens, mask)
    model.to(device)
    logits = model(tokens.to(device), mask.to(device))
    assert logits.device == torch.device(device)
    close(logits, expected, 1e-9)
    model.train()  # cuDNN's recurrent backward runs in training mode only; no dropout here
    model(tokens.to(device), mask.to(device)).sum().backward()
    assert all(p.grad is None or torch.isfinite(p.grad).all() for p in model.parameters())


@device_param
def test_adaptive_language_model_on_the_device(device):
    torch.manual_seed(0)
    model = LanguageModel(build_encoder("rrnn", 8, {"n": 2, "hidden_size": 8}), vocab_size=40, softmax="adaptive",
                          cutoffs=[8, 20]).double().eval()
    tokens = torch.randint(1, 40, (2, 9))
    targets = torch.randint(0, 40, (2, 9))
    mask = torch.ones_like(tokens, dtype=torch.bool)
    expected = model.next_token_loss(model(tokens, mask), targets)
    model.to(device)
    loss = model.next_token_loss(model(tokens.to(device), mask.to(device)), targets.to(device))
    close(loss, expected, 1e-9)


@device_param
def test_export_from_a_module_on_the_device(device):
    torch.manual_seed(0)
    template = Template.chain(2)
    module = compile(template, MaxPlus, parameterization="lexical", input_size=6, dtype=torch.float64)
    on_cpu = module.to_wfsa(vocab=list("abcdef"))
    exported = module.to(device).to_wfsa(vocab=list("abcdef"))
    for string in ["", "a", "abc", "fedcba", "aab"]:
        assert exported.score(string) == pytest.approx(on_cpu.score(string), abs=1e-12)


@device_param
def test_training_on_the_device_then_evaluating_on_the_cpu(device, tmp_path):
    from rational.train.checkpoint import evaluate_checkpoint
    from rational.train.pipeline import DataConfig, train
    from rational.train.synthetic import write_sentiment_splits
    from rational.train.trainer import TrainerConfig

    paths = write_sentiment_splits(tmp_path / "data", train=60, dev=20, test=20)
    result = train(
        tmp_path / "run",
        data=DataConfig(train=str(paths["train"]), dev=str(paths["dev"]), test=str(paths["test"])),
        model="sopa",
        model_options={"pattern_lengths": "3:4,2:4"},
        embedding_dim=8,
        training=TrainerConfig(epochs=2, batch_size=16, device=device, quiet=True),
    )
    evaluated = evaluate_checkpoint(tmp_path / "run", paths["test"])
    assert evaluated["accuracy"] == pytest.approx(result.test["accuracy"], abs=1e-6)


@device_param
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ring=st.sampled_from((Real, Log, MaxPlus, MaxTimes, Tropical)), epsilons=st.booleans(), data=st.data())
def test_score_batch_on_the_device_equals_the_cpu(device, ring, epsilons, data):
    machine = data.draw(wfsas(ring, epsilons=epsilons, alphabet="ab", max_states=4))
    batch = data.draw(st.lists(strings("ab", max_length=8), min_size=1, max_size=6))
    on_device = machine.score_batch(batch, device=device)
    expected = machine.score_batch(batch)
    close(torch.as_tensor(on_device), torch.as_tensor(expected), 1e-9)
