"""Rational RNN, QRNN and SRU against direct loops over time of their equations (same
weights), padding, carried state, bidirectional reading, export and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rational import Real
from rational.errors import ConfigError, ShapeError
from rational.models import QRNN, SRU, LanguageModel, RationalRNN, TextClassifier
from rational.models.chain import reverse_padded

F64 = torch.float64


def sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def projections(cell):
    """Per arc: W (units, arcs, D) and b (units, arcs) as numpy, main-arc biases masked."""
    module = cell.automaton
    return module.weight.detach().numpy(), (module.bias * cell.bias_mask).detach().numpy()


def linear(layer, x):
    return x @ layer.weight.detach().numpy().T + (0 if layer.bias is None else layer.bias.detach().numpy())


# -- the equations, written out --------------------------------------------------------------


def rrnn_cells(cell, x):
    """c_t per unit (before the output function) of an n-gram rational RNN layer:
    c1_t = f1 c1_{t-1} + u1_t, cj_t = fj cj_{t-1} + c(j-1)_{t-1} uj_t, u = ũ (1 - f);
    MaxPlus: max and +, log f on the loops, ũ on the main arcs."""
    W, b = projections(cell)
    n, units = cell.n, W.shape[0]
    real = cell.automaton.working is Real
    out = np.zeros((len(x), units))
    for unit in range(units):
        c = np.zeros(n + 1) if real else np.full(n + 1, -np.inf)
        for t, x_t in enumerate(x):
            scores = W[unit] @ x_t + b[unit]
            u_tilde, f = scores[:n], sig(scores[n:])
            new = c.copy()
            for j in range(1, n + 1):
                before = (1.0 if real else 0.0) if j == 1 else c[j - 1]
                if real:
                    new[j] = f[j - 1] * c[j] + before * u_tilde[j - 1] * (1 - f[j - 1])
                else:
                    new[j] = max(np.log(f[j - 1]) + c[j], before + u_tilde[j - 1])
            c = new
            finals = c[1:] if cell.template.final_states == tuple(range(1, n + 1)) else c[n:]
            out[t, unit] = finals.sum() if real else finals.max()
    return out


def rrnn_layer(cell, x):
    c = rrnn_cells(cell, x)
    if cell.automaton.working is not Real:
        c = np.where(np.isfinite(c), c, 0.0)
    if cell.gate is not None:
        c = sig(linear(cell.gate, x)) * c
    return np.tanh(c), c


def qrnn_layer(cell, x):
    """z = tanh(W_z x̃ + b_z), f = σ(W_f x̃ + b_f), o = σ(W_o x̃ + b_o);
    fo: c_t = f z + (1 - f) c_{t-1}; ifo: c_t = i z + (1 - f) c_{t-1}; h = o c."""
    W, b = projections(cell)
    if cell.window == 2:
        x = np.concatenate([x, np.vstack([np.zeros((1, x.shape[1])), x[:-1]])], axis=1)
    z = np.tanh(x @ W[:, 0].T + b[:, 0])
    f = sig(x @ W[:, 1].T + b[:, 1])
    i = f if cell.input_gate is None else sig(linear(cell.input_gate, x))
    o = sig(linear(cell.output_gate, x))
    c, cells = np.zeros(W.shape[0]), []
    for t in range(len(x)):
        c = i[t] * z[t] + (1 - f[t]) * c
        cells.append(c)
    cells = np.array(cells).reshape(len(x), -1)
    return o * cells, cells


def sru_layer(cell, x):
    """f = σ(W_f x + b_f), r = σ(W_r x + b_r), c_t = f c_{t-1} + (1 - f) W x,
    h = r tanh(c) + (1 - r) x'."""
    W, b = projections(cell)
    candidate = x @ W[:, 0].T
    f = sig(x @ W[:, 1].T + b[:, 1])
    r = sig(linear(cell.highway, x))
    skip = x if cell.skip is None else linear(cell.skip, x)
    c, cells = np.zeros(W.shape[0]), []
    for t in range(len(x)):
        c = f[t] * c + (1 - f[t]) * candidate[t]
        cells.append(c)
    cells = np.array(cells).reshape(len(x), -1)
    return r * np.tanh(cells) + (1 - r) * skip, cells


LAYER = {RationalRNN: rrnn_layer, QRNN: qrnn_layer, SRU: sru_layer}


def direct(encoder, x):
    """The encoder's outputs for one unpadded text, layer by layer (and right to left)."""
    layer_fn = LAYER[type(encoder)]
    for layer in range(encoder.layers):
        forward = layer_fn(encoder.forward_cells[layer], x)[0]
        if encoder.bidirectional:
            backward = layer_fn(encoder.backward_cells[layer], x[::-1].copy())[0][::-1]
            forward = np.concatenate([forward, backward], axis=1)
        x = forward
    return x


ENCODERS = [
    ("rrnn n=1", lambda: RationalRNN(3, n=1, hidden_size=4, output_gate=False)),
    ("rrnn n=2", lambda: RationalRNN(3, n=2, hidden_size=4)),
    ("rrnn n=3 last", lambda: RationalRNN(3, n=3, hidden_size=4, output="last")),
    ("rrnn maxplus", lambda: RationalRNN(3, n=2, hidden_size=4, semiring="MaxPlus", output="last")),
    ("rrnn maxplus sum", lambda: RationalRNN(3, n=3, hidden_size=4, semiring="MaxPlus")),
    ("rrnn 2 layers bidirectional", lambda: RationalRNN(3, n=2, hidden_size=4, layers=2, bidirectional=True)),
    ("qrnn fo", lambda: QRNN(3, hidden_size=4)),
    ("qrnn ifo window 2", lambda: QRNN(3, hidden_size=4, window=2, gates="ifo")),
    ("qrnn 2 layers bidirectional", lambda: QRNN(3, hidden_size=4, layers=2, window=2, bidirectional=True)),
    ("sru", lambda: SRU(3, hidden_size=4)),
    ("sru same size, 2 layers", lambda: SRU(3, hidden_size=3, layers=2)),
]


def randomized(build):
    torch.manual_seed(0)
    encoder = build().double().eval()
    with torch.no_grad():  # non-zero biases everywhere they exist
        for name, parameter in encoder.named_parameters():
            if name.endswith("bias"):
                parameter.normal_()
    return encoder


@pytest.mark.parametrize("name,build", ENCODERS, ids=[name for name, _ in ENCODERS])
def test_outputs_match_the_equations_with_padding(name, build):
    encoder = randomized(build)
    x = torch.randn(3, 7, 3, dtype=F64)
    lengths = torch.tensor([7, 3, 5])
    mask = torch.arange(7) < lengths[:, None]
    with torch.no_grad():
        out = encoder(x.masked_fill(~mask[..., None], float("nan")), mask)
    for row, n in enumerate(lengths.tolist()):
        expected = direct(encoder, x[row, :n].numpy())
        assert np.allclose(out.sequence[row, :n].numpy(), expected, atol=1e-10), name
        assert torch.all(out.sequence[row, n:] == 0)
        if not encoder.bidirectional:
            assert np.allclose(out.pooled[row].numpy(), expected[-1], atol=1e-10)
        else:
            half = encoder.hidden_size
            assert np.allclose(out.pooled[row, :half].numpy(), expected[-1, :half], atol=1e-10)
            assert np.allclose(out.pooled[row, half:].numpy(), expected[0, half:], atol=1e-10)


@pytest.mark.parametrize("name,build", [e for e in ENCODERS if "bidirectional" not in e[0]],
                         ids=[n for n, _ in ENCODERS if "bidirectional" not in n])
def test_carried_state_continues_a_stream(name, build):
    encoder = randomized(build)
    x = torch.randn(2, 9, 3, dtype=F64)
    mask = torch.ones(2, 9, dtype=torch.bool)
    with torch.no_grad():
        whole = encoder(x, mask).sequence
        first = encoder(x[:, :4], mask[:, :4])
        second = encoder(x[:, 4:], mask[:, 4:], state=first.state)
    assert torch.allclose(torch.cat([first.sequence, second.sequence], 1), whole, atol=1e-12)


def test_float32_agrees_with_float64():
    encoder = randomized(lambda: RationalRNN(3, n=3, hidden_size=5, layers=2))
    x = torch.randn(2, 40, 3, dtype=F64)
    mask = torch.ones(2, 40, dtype=torch.bool)
    with torch.no_grad():
        wide = encoder(x, mask).sequence
        narrow = encoder.float()(x.float(), mask).sequence
    assert torch.allclose(narrow.double(), wide, atol=1e-5)


def test_pooling_options():
    x = torch.randn(2, 5, 3, dtype=F64)
    mask = torch.tensor([[True] * 5, [True] * 2 + [False] * 3])
    for pooling in ("max", "mean"):
        encoder = randomized(lambda pooling=pooling: RationalRNN(3, hidden_size=4, pooling=pooling))
        with torch.no_grad():
            out = encoder(x, mask)
        second = out.sequence[1, :2]
        expected = second.max(0).values if pooling == "max" else second.mean(0)
        assert torch.allclose(out.pooled[1], expected)


@pytest.mark.parametrize("name,build", ENCODERS, ids=[name for name, _ in ENCODERS])
def test_to_wfsa_scores_sentences_as_the_cell_values(name, build):
    """The first layer's unit automata score a sentence as the unit's cell value after it."""
    encoder = randomized(build)
    words = ["a", "b", "c", "d"]
    embeddings = torch.randn(len(words), 3, dtype=F64)
    layer_fn = LAYER[type(encoder)]
    rng = np.random.default_rng(0)
    sentences = [list(rng.integers(0, len(words), size=n)) for n in (1, 3, 5)]
    for copy in (0, encoder.output_size - 1):
        machine = encoder.to_wfsa(words, embeddings, copy=copy)
        backward = copy >= encoder.hidden_size
        cell = (encoder.backward_cells if backward else encoder.forward_cells)[0]
        unit = copy % encoder.hidden_size
        for sentence in sentences:
            x = embeddings[sentence].numpy()
            cells = layer_fn(cell, x[::-1].copy() if backward else x)[1]
            expected = rrnn_cells(cell, x[::-1].copy() if backward else x) if isinstance(encoder, RationalRNN) else cells
            score = machine.score([words[i] for i in sentence])
            target = expected[-1, unit]
            assert np.isclose(score, target, rtol=1e-9, atol=1e-12) or (np.isinf(target) and score == target), name


def test_top_k_keeps_fewer_arcs():
    encoder = randomized(lambda: QRNN(3, hidden_size=2, window=2))
    embeddings = torch.randn(5, 3, dtype=F64)
    full = encoder.to_wfsa(None, embeddings, copy=1)
    pruned = encoder.to_wfsa(None, embeddings, copy=1, top_k=2)
    assert pruned.num_arcs < full.num_arcs


@pytest.mark.parametrize("build", [lambda: RationalRNN(4, n=2, hidden_size=5), lambda: QRNN(4, hidden_size=5, window=2,
                                   gates="ifo"), lambda: SRU(4, hidden_size=5)])
def test_gradients_reach_every_parameter(build):
    torch.manual_seed(0)
    model = TextClassifier(build(), num_classes=2, vocab_size=10)
    tokens = torch.tensor([[2, 3, 4, 5], [6, 7, 0, 0]])
    F.cross_entropy(model(tokens, tokens != 0), torch.tensor([0, 1])).backward()
    for name, parameter in model.named_parameters():
        if parameter.numel() == 0:  # the (empty) epsilon weights of templates without epsilons
            continue
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name
        if name.endswith("automaton.bias"):  # main arcs without a bias get none
            cell = model.encoder.forward_cells[0]
            assert torch.all(parameter.grad[:, cell.bias_mask == 0] == 0)
            assert parameter.grad[:, cell.bias_mask == 1].abs().sum() > 0
        else:
            assert parameter.grad.abs().sum() > 0, name


def test_language_model_carries_state():
    torch.manual_seed(0)
    lm = LanguageModel(RationalRNN(6, n=2, hidden_size=6, layers=2), vocab_size=12, tie_embeddings=True)
    tokens = torch.randint(2, 12, (2, 8))
    mask = torch.ones(2, 8, dtype=torch.bool)
    whole = lm(tokens, mask).logits
    first = lm(tokens[:, :5], mask[:, :5])
    second = lm(tokens[:, 5:], mask[:, 5:], first.state)
    assert torch.allclose(torch.cat([first.logits, second.logits], 1), whole, atol=1e-5)


def test_reverse_padded_is_an_involution():
    x = torch.arange(12).view(2, 6)
    lengths = torch.tensor([6, 4])
    assert torch.equal(reverse_padded(reverse_padded(x, lengths), lengths), x)
    assert reverse_padded(x, lengths)[1].tolist() == [9, 8, 7, 6, 10, 11]


def test_errors():
    with pytest.raises(ConfigError, match="order n >= 1"):
        RationalRNN(3, n=0)
    with pytest.raises(ConfigError, match="output must be one of sum, last"):
        RationalRNN(3, output="first")
    with pytest.raises(ConfigError, match="RationalRNN supports the semirings Real, MaxPlus; got 'Log'"):
        RationalRNN(3, semiring="Log")
    with pytest.raises(ConfigError, match="QRNN window must be 1 or 2"):
        QRNN(3, window=3)
    with pytest.raises(ConfigError, match="QRNN gates must be one of fo, ifo"):
        QRNN(3, gates="f")
    with pytest.raises(ConfigError, match="unknown pooling 'sum'"):
        SRU(3, pooling="sum")
    with pytest.raises(ConfigError, match="positive integer hidden_size"):
        SRU(3, hidden_size=0)
    encoder = RationalRNN(3, hidden_size=2, layers=2)
    with pytest.raises(ShapeError, match="one entry per layer"):
        encoder(torch.zeros(1, 2, 3), torch.ones(1, 2, dtype=torch.bool), state=(None,))
    with pytest.raises(ConfigError, match="does not carry state"):
        RationalRNN(3, bidirectional=True)(torch.zeros(1, 2, 3), torch.ones(1, 2, dtype=torch.bool), state=((),))
    with pytest.raises(ValueError, match="copy must be a unit 0..1"):
        encoder.to_wfsa(None, torch.zeros(3, 3), copy=2)
    with pytest.raises(ShapeError, match=r"embeddings must have shape \(V, 3\)"):
        encoder.to_wfsa(None, torch.zeros(3, 4))
