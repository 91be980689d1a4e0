"""Split commands (filled in by the benchmark's implementation)."""

from .app import split  # noqa: F401
