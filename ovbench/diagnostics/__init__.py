"""Diagnostics: why a method scores what it scores (see ``docs/diagnostics.md``).

* :mod:`.hoi`: HICO-DET error decomposition (TIDE-style error types and oracle mAP gains),
  computed from the official scorer's own matching.
"""
