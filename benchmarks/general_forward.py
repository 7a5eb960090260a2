"""Forward+backward throughput of the general-topology forward pass, three ways.

* ``arcs``: :func:`rational.nn.general.forward_general`, the library's choice: per
  step, gather each arc's source score, ⊗ by the arc weights, ⊕-reduce the arcs
  entering each state; then ``⊗ E*``.
* ``dense``: build every ``M_t`` as a dense ``Q×Q`` matrix (an ``O(T·Q²)`` tensor)
  and do one semiring vector-matrix product per step.
* ``prefix``: a log-depth (Hillis-Steele) prefix product of the ``M_t`` in the
  semiring, then one vector-matrix product per position: ``O(log T)`` sequential
  steps but ``O(T·Q³·log T)`` work.

All three compute the anchored forward vectors of the same random automaton.
Prints tokens/s (batch × time / seconds) and ratios measured in this run.

Run: ``python benchmarks/general_forward.py [--quick]``.
"""

from __future__ import annotations

import argparse
import time

import torch

from rational.nn.general import forward_general, incoming_arcs
from rational.nn.semiring_ops import semiring_sum, semiring_times, vecmat
from rational.semirings import Log, Real


def dense_matrices(weights, src, dst, num_states, ring):
    """``(B, T, C, Q, Q)`` transition matrices from ``(B, T, C, A)`` arc weights."""
    cells = incoming_arcs(src * num_states + dst, num_states * num_states, weights.shape[-1])
    padded = torch.cat([weights, weights.new_full((*weights.shape[:3], 1), ring.zero)], -1)
    return semiring_sum(ring, padded[..., cells], -1).unflatten(-1, (num_states, num_states))


def forward_dense(weights, src, dst, start, ring):
    matrices = dense_matrices(weights, src, dst, start.shape[-1], ring)
    alpha = start.expand(weights.shape[0], *start.shape)
    out = []
    for matrix in matrices.unbind(1):
        alpha = vecmat(ring, alpha, matrix)
        out.append(alpha)
    return torch.stack(out, 1)


def matmul(ring, a, b):
    if ring is Real:
        return a @ b
    return semiring_sum(ring, semiring_times(ring, a.unsqueeze(-1), b.unsqueeze(-3)), -2)


def forward_prefix(weights, src, dst, start, ring):
    prefix = dense_matrices(weights, src, dst, start.shape[-1], ring)
    time_steps, shift = prefix.shape[1], 1
    while shift < time_steps:  # Hillis-Steele inclusive scan
        combined = matmul(ring, prefix[:, :-shift], prefix[:, shift:])
        prefix = torch.cat([prefix[:, :shift], combined], dim=1)
        shift *= 2
    return vecmat(ring, start, prefix)


def measure(function, weights, repeats):
    function(weights).sum().backward()  # warm up
    start = time.perf_counter()
    for _ in range(repeats):
        weights.grad = None
        out = function(weights)
        out.masked_fill(~torch.isfinite(out), 0).sum().backward()
    seconds = (time.perf_counter() - start) / repeats
    return weights.shape[0] * weights.shape[1] / seconds


def run(ring, num_states, arcs_per_state, batch, time_steps, copies, repeats):
    generator = torch.Generator().manual_seed(0)
    src = torch.arange(num_states).repeat_interleave(arcs_per_state)
    dst = torch.randint(num_states, (len(src),), generator=generator)
    values = torch.rand(batch, time_steps, copies, len(src), generator=generator) / arcs_per_state
    if ring is Log:
        values = values.log()
    weights = values.requires_grad_()
    start = torch.full((copies, num_states), ring.zero)
    start[:, 0] = ring.one
    methods = {
        "arcs": lambda w: forward_general(w, src, dst, start, None, ring, restart=False),
        "dense": lambda w: forward_dense(w, src, dst, start, ring),
        "prefix": lambda w: forward_prefix(w, src, dst, start, ring),
    }
    reference = methods["arcs"](weights).detach()
    rates = {}
    for name, function in methods.items():
        with torch.no_grad():
            got = function(weights)
        both = torch.isfinite(reference)
        assert torch.allclose(got[both], reference[both], rtol=1e-3, atol=1e-4), name
        rates[name] = measure(function, weights, repeats)
    label = f"{ring.name:4s} Q={num_states:3d} arcs/state={arcs_per_state:2d} B={batch} T={time_steps} C={copies}"
    cells = "  ".join(f"{name} {rate:10.0f} tok/s" for name, rate in rates.items())
    ratios = f"arcs/dense {rates['arcs'] / rates['dense']:.2f}  arcs/prefix {rates['arcs'] / rates['prefix']:.2f}"
    print(f"{label}  {cells}  {ratios}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    repeats = 1 if args.quick else 3
    time_steps = 64 if args.quick else 256
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; forward+backward, float32")
    for ring in (Real, Log):
        run(ring, 32, 32, 32, time_steps, 1, repeats)   # dense: every state has 32 out-arcs
        run(ring, 32, 3, 32, time_steps, 1, repeats)    # sparse
        run(ring, 6, 2, 32, time_steps, 64, repeats)    # small, many copies (SoPa-like)


if __name__ == "__main__":
    main()
