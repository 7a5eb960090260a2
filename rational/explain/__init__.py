"""Reading a trained model: best spans, patterns as automata, explained documents,
and symbolic extraction with its fidelity.

- :mod:`rational.explain.patterns`: a model seen as banks of automata, the words they
  read and a head (:class:`PatternModel`, :func:`as_pattern_model`);
- :mod:`rational.explain.viterbi`: best paths with back-pointers (:func:`best_paths`);
- :mod:`rational.explain.spans`: each pattern's top spans in a data set (:func:`top_spans`);
- :mod:`rational.explain.automaton`: a pattern as a WFSA whose arcs carry their best
  words (:func:`pattern_automaton`);
- :mod:`rational.explain.document`: a prediction explained by its patterns
  (:func:`explain_document`);
- :mod:`rational.explain.extract`: a symbolic classifier of exported automata and the
  model's head (:func:`extract`) and its :func:`fidelity`;
- :mod:`rational.explain.report`: all of it as an HTML report (:func:`write_report`,
  what ``rational explain`` writes).

Examples:
    >>> import torch
    >>> from rational import MaxPlus
    >>> from rational.nn import Template, compile
    >>> from rational.explain import PatternModel, top_spans
    >>> torch.manual_seed(0) and None
    >>> bank = compile(Template.chain(2), MaxPlus, parameterization="projected", input_size=4, copies=2)
    >>> model = PatternModel([bank], ["<pad>", "<unk>", "not", "good"], torch.randn(4, 4))
    >>> [span.text for span in top_spans(model, ["not good", "good not"], k=1)[0]]
    ['not good']
"""

from rational.explain.automaton import pattern_automaton
from rational.explain.document import DocumentExplanation, PatternContribution, explain_document
from rational.explain.extract import ExtractedClassifier, Fidelity, FidelityGroup, extract, fidelity
from rational.explain.patterns import Pattern, PatternModel, as_pattern_model
from rational.explain.report import ExplanationReport, write_report
from rational.explain.spans import Span, top_spans
from rational.explain.viterbi import BestPaths, Path, Step, best_paths

__all__ = [
    "BestPaths",
    "DocumentExplanation",
    "ExplanationReport",
    "ExtractedClassifier",
    "Fidelity",
    "FidelityGroup",
    "Path",
    "Pattern",
    "PatternContribution",
    "PatternModel",
    "Span",
    "Step",
    "as_pattern_model",
    "best_paths",
    "explain_document",
    "extract",
    "fidelity",
    "pattern_automaton",
    "top_spans",
    "write_report",
]
