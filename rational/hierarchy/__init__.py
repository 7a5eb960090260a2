"""The capacity hierarchy: which sequence architectures can recognize which languages.

- :mod:`rational.hierarchy.languages`: formal languages (Tomita 1-7, parity, a^n b^n,
  Dyck, ww, ...) with membership, samplers of positives and near-miss negatives,
  legal next symbols, and automata for the regular ones.
- :mod:`rational.hierarchy.data`: membership and next-symbol examples for training.
- :mod:`rational.hierarchy.symbolic`: :func:`~rational.hierarchy.symbolic.analyze`, a
  symbolic test of whether a recurrence is rational and what its saturated memory is.
- :mod:`rational.hierarchy.theory`: the update equations of the built-in
  architectures, their classes, and the expected outcome for each architecture and
  language; :mod:`rational.hierarchy.tables` writes them as Markdown.
- :mod:`rational.hierarchy.recognizers`: the architectures of the experiments (any
  registered encoder, and each regular language's compiled automaton) and the theory
  entry of each; :mod:`rational.hierarchy.harness`: length-generalization runs and
  resumable sweeps; :mod:`rational.hierarchy.report`: the measured table beside the
  expectations, heatmap and length curves; :mod:`rational.hierarchy.commands`:
  ``rational hierarchy``.

Importing this package is cheap; sympy loads with the symbolic modules, torch with
the experiment modules.
"""

__all__ = [
    "commands", "data", "dfa", "harness", "languages", "recognizers", "report", "symbolic", "tables", "theory",
]
