"""Forward+backward throughput of chain layers: the scans against a loop, the input
projection and an LSTM.

A *layer* is a projected chain module: ``C`` chain automata whose arc weights are
``g(w_arc · x_t + b_arc)`` (``g`` = log-sigmoid in ``MaxPlus``, sigmoid in ``Real``),
built with ``rational.nn.compile(Template.chain(...), ..., parameterization="projected")``.
Measured, forward and backward of ``document.sum()``, in tokens/s (batch × time /
seconds), the best of several runs:

* ``projection``: the layer's input projection alone, ``nn.Linear(D, C·arcs)``: a
  floor that no implementation of the layer can beat;
* ``activation``: the projection and the arc activation ``g`` alone: the ceiling of
  any implementation that applies ``g`` (the targets are ratios to ``projection``);
* ``reference``: projection + ``chain_forward(method="reference")``, a loop over
  time with ``unbind``, all states at once;
* ``scan``: projection + ``chain_forward(method="fast")`` (the chain scans);
* ``module``: the compiled module's ``forward`` (scans plus the module's own work:
  parameter checks, masking, final weights, the document score);
* ``lstm``: ``torch.nn.LSTM(300, 256)``.

Cases (those of the design notes):

* (a) throughput: B=32, T=256, D=300, 200 chains of 5 states (``Template.chain(4)``,
  SoPa's self-loops on states 1..3), MaxPlus and Real;
* (b) latency: B=1, T=2048, the same layer;
* (c) a bigram rational RNN's recurrence: ``Template.chain(2, self_loops=(1, 2))`` in
  Real, 256 copies, D=300, against the LSTM at B=32/T=256 and B=1/T=2048.

Also prints the float32 error of the scans against a float64 reference at T=2000.

Run: ``python benchmarks/chain_scan.py [--quick] [--repeats N] [--threads N] [--device cuda]``.
Timings on a shared machine are noisy: each number is the best of ``--repeats``
runs; one thread (``--threads 1``) suffers least from other work on the cores.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from rational.nn import Template, compile
from rational.nn.scan import chain_forward
from rational.semirings import MaxPlus, Real

TARGETS = {
    "a": "scan >= 0.9 x projection",
    "b": "scan >= 0.8 x projection and >= 4 x reference",
    "c": "scan >= 2 x LSTM",
}


DEVICE = torch.device("cpu")


def synchronize() -> None:
    if DEVICE.type == "cuda":
        torch.cuda.synchronize(DEVICE)


def best_time(step, repeats: int) -> float:
    step()  # warm-up
    synchronize()
    best = float("inf")
    for _ in range(repeats):
        begin = time.perf_counter()
        step()
        synchronize()  # kernels run asynchronously on a GPU
        best = min(best, time.perf_counter() - begin)
    return best


class Layer:
    """A projected chain module and the same computation spelled out by hand."""

    def __init__(self, template: Template, ring, copies: int, size: int):
        self.ring = ring
        self.module = compile(template, ring, parameterization="projected", input_size=size, copies=copies)
        self.length = template.chain_length
        self.arcs = template.num_arcs
        self.loop_states = [state for state, _ in template.arcs[self.length :]]
        # the loop arcs follow the main arcs, in increasing state order
        assert self.loop_states == sorted(self.loop_states)
        # arc-major output order: the slice of one arc is contiguous over copies
        self.projection = torch.nn.Linear(size, copies * self.arcs)
        self.module.to(DEVICE)
        self.projection.to(DEVICE)

    def weights(self, x):
        """Arc weights ``(B, T, arcs, C)``: arc-major, so that each arc's series is
        contiguous over the copies."""
        scores = self.projection(x).unflatten(-1, (self.arcs, -1))
        return torch.sigmoid(scores) if self.ring is Real else F.logsigmoid(scores)

    def split(self, weights):
        """``main`` and ``loops`` (zero on states without a loop) of ``chain_forward``:
        ``(B, T, C, L)`` and ``(B, T, C, L + 1)`` views of arc-major tensors."""
        # unbind, not slices: the backward pass of a slice fills a zero tensor the
        # size of all the weights
        arcs = weights.unbind(-2)
        main = torch.stack(arcs[: self.length], -2).transpose(-1, -2)
        if not self.loop_states:
            return main, None
        zero = torch.full_like(arcs[0], float(self.ring.zero))
        loop_arcs = dict(zip(self.loop_states, arcs[self.length :]))
        loops = torch.stack([loop_arcs.get(state, zero) for state in range(self.length + 1)], -2)
        return main, loops.transpose(-1, -2)

    def chain(self, x, method):
        weights = self.weights(x)
        main, loops = self.split(weights)
        start = weights.new_full((weights.shape[-1],), float(self.ring.one))
        beta = chain_forward(main, loops, None, start, self.ring, restart=True, method=method)
        ends = beta[..., -1]
        return ends.sum(1) if self.ring is Real else ends.amax(1)


def measure(layer: Layer, batch: int, steps: int, repeats: int, lstm, with_reference: bool = True):
    x = torch.randn(batch, steps, layer.projection.in_features, device=DEVICE)
    tokens = batch * steps

    def run(fn):
        def step():
            fn().sum().backward()

        return tokens / best_time(step, repeats)

    out = {
        "projection": run(lambda: layer.projection(x)),
        "activation": run(lambda: layer.weights(x)),
        "scan": run(lambda: layer.chain(x, "fast")),
        "module": run(lambda: layer.module(x).document),
        "lstm": run(lambda: lstm(x)[0]),
    }
    if with_reference:
        out["reference"] = run(lambda: layer.chain(x, "reference"))
    return out


def report(name: str, rates: dict) -> None:
    print(f"  {name}")
    for key, value in rates.items():
        print(f"    {key:<11} {value:>12,.0f} tokens/s")


def float32_error(layer: Layer, steps: int) -> float:
    """Largest |fast float32 - reference float64| / (1 + |reference|) over the states."""
    torch.manual_seed(1)
    with torch.no_grad():
        weights = layer.weights(torch.randn(2, steps, layer.projection.in_features, device=DEVICE))
        main, loops = layer.split(weights)
        start = weights.new_full((weights.shape[-1],), float(layer.ring.one))
        fast = chain_forward(main, loops, None, start, layer.ring, restart=True)
        exact = chain_forward(
            main.double(),
            None if loops is None else loops.double(),
            None,
            start.double(),
            layer.ring,
            restart=True,
            method="reference",
        )
        finite = torch.isfinite(exact)
        return ((fast.double() - exact).abs() / (1 + exact.abs()))[finite].max().item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat (a smoke test)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per measurement; the best is kept")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda[:N]")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    global DEVICE
    DEVICE = torch.device(args.device)
    if DEVICE.type == "cuda" and not torch.cuda.is_available():
        parser.error(f"--device {args.device}: torch sees no CUDA GPU here")
    torch.manual_seed(0)
    repeats = 1 if args.quick else args.repeats
    size, copies, hidden = (30, 20, 32) if args.quick else (300, 200, 256)
    lstm = torch.nn.LSTM(size, hidden, batch_first=True).to(DEVICE)
    sopa = Template.chain(4)
    bigram = Template.chain(2, self_loops=(1, 2))
    where = torch.cuda.get_device_name(DEVICE) if DEVICE.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"torch {torch.__version__}, {where}; best of {repeats} run(s)")

    for ring in (MaxPlus, Real):
        layer = Layer(sopa, ring, copies, size)
        a = measure(layer, 32, 32 if args.quick else 256, repeats, lstm)
        report(f"(a) {ring.name}, B=32 T=256: 200 chains of 5 states", a)
        print(
            f"    scan/projection {a['scan'] / a['projection']:.2f}, module/projection "
            f"{a['module'] / a['projection']:.2f}   target: {TARGETS['a']}; "
            f"ceiling (projection + activation alone) {a['activation'] / a['projection']:.2f}"
        )
        b = measure(layer, 1, 128 if args.quick else 2048, repeats, lstm)
        report(f"(b) {ring.name}, B=1 T=2048", b)
        print(
            f"    scan/projection {b['scan'] / b['projection']:.2f}, scan/reference {b['scan'] / b['reference']:.2f}, "
            f"module/projection {b['module'] / b['projection']:.2f}   target: {TARGETS['b']}; "
            f"ceiling (projection + activation alone) {b['activation'] / b['projection']:.2f}"
        )
        print(f"    float32 error against float64 at T=2000: {float32_error(layer, 200 if args.quick else 2000):.2e}")

    layer = Layer(bigram, Real, 256 if not args.quick else 32, size)
    for batch, steps in ((32, 256), (1, 2048)):
        c = measure(layer, batch, 32 if args.quick else steps, repeats, lstm, with_reference=False)
        report(f"(c) bigram rational RNN, Real, 256 copies, B={batch} T={steps}", c)
        print(
            f"    scan/lstm {c['scan'] / c['lstm']:.2f}, module/lstm {c['module'] / c['lstm']:.2f}, "
            f"projection/lstm {c['projection'] / c['lstm']:.2f}   target: {TARGETS['c']}"
        )


if __name__ == "__main__":
    main()
