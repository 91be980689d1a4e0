"""Command-line interface: a thin shell over the Python API (see :mod:`ovbench.cli.app`)."""

from . import (  # noqa: F401  (register commands)
    baseline, check, compare, convert, demo, diagnose, leaderboard, score, split_hicodet, split_ovswig,
)
from .app import main

__all__ = ["main"]
