"""Reading a trained model: best spans, patterns as automata, explained documents,
and symbolic extraction with its fidelity.
"""
