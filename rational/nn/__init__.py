"""rational.nn: compile WFSAs and templates into PyTorch modules, and export them back.

* :class:`Template`: a WFSA topology whose token arcs take their weights from the input.
* :func:`compile`: a WFSA or a template as a :class:`NeuralWFSA` module (exact,
  batched, differentiable forward scores).
* :meth:`NeuralWFSA.to_wfsa`: a (trained) module back as an exact WFSA over a vocabulary.

Examples:
    >>> import torch
    >>> from rational import WFSA, Log
    >>> from rational.nn import compile
    >>> a = WFSA.from_arcs(Log, [(0, "a", 0, -1.0)], initial=0, final=0, alphabet="a")
    >>> module = compile(a, dtype=torch.float64)
    >>> ids, mask = module.encode(["aaa"])
    >>> module(ids, mask).document.item()
    -3.0
"""

from rational.nn.compile import ForwardOutput, NeuralWFSA, compile
from rational.nn.template import Template

__all__ = ["ForwardOutput", "NeuralWFSA", "Template", "compile"]
