"""Interoperability with other automata libraries (OpenFst through pynini)."""
