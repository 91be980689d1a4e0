"""Command-line interface: a thin shell over the Python API (see :mod:`ovbench.cli.app`)."""

from . import baseline, compare, convert, demo, score, split_hicodet, split_ovswig  # noqa: F401  (register commands)
from .app import main

__all__ = ["main"]
