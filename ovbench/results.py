"""Result files: what ``ovbench score -o`` writes and every later stage reads.

A result is one JSON object::

    {
      "schema": "ovbench.result/1",
      "benchmark": {"name": "ov-swig", "split": "test", "split_sha256": "...", ...},
      "scorer": {"id": "gsr", "version": "1", "options": {...}},
      "method": {...},                 # the predictions file's "meta" block, if any
      "predictions": {"sha256": "..."},
      "counts": {...},                 # expected / found / missing / invalid ...
      "metrics": {...},                # benchmark-specific, values are fractions
      ...                              # benchmark-specific extras (e.g. per_class_ap)
      "payload_sha256": "...",         # sha256 of everything above (canonical JSON)
      "volatile": {"env": {...}, "inputs": {...}}
    }

Everything that decides a number is in the payload; ``volatile`` holds what may differ
between two identical scorings (package and library versions, the paths given), so two
scorings of the same predictions under the same protocol have the same ``payload_sha256``.
There is no timestamp: the same inputs give the same bytes.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .errors import InputError
from .jsonio import check_depth, load_json, sha256_hex, write_json

SCHEMA = "ovbench.result/1"
_REQUIRED = ("schema", "benchmark", "scorer", "predictions", "counts", "metrics", "payload_sha256")


def environment() -> dict[str, str]:
    """Versions of what computed a result (volatile: not part of the payload hash)."""
    import numpy

    return {
        "ovbench": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "platform": sys.platform,
    }


def payload_of(result: dict[str, Any]) -> dict[str, Any]:
    """The hashed part of a result: everything but ``payload_sha256`` and ``volatile``."""
    return {k: v for k, v in result.items() if k not in ("payload_sha256", "volatile")}


def build_result(
    *,
    benchmark: dict[str, Any],
    scorer: dict[str, Any],
    predictions: dict[str, Any],
    counts: dict[str, Any],
    metrics: dict[str, Any],
    method: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    inputs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble a result, compute its payload hash and attach the volatile block."""
    result: dict[str, Any] = {
        "schema": SCHEMA,
        "benchmark": benchmark,
        "scorer": scorer,
        "method": method or {},
        "predictions": predictions,
        "counts": counts,
        "metrics": metrics,
    }
    for key, value in (extra or {}).items():
        if key in result or key in ("payload_sha256", "volatile"):
            raise ValueError(f"extra result field {key!r} would overwrite a standard field")
        result[key] = value
    result["payload_sha256"] = sha256_hex(result)
    result["volatile"] = {"env": environment(), "inputs": {k: str(v) for k, v in (inputs or {}).items()}}
    return result


def save_result(path: str | Path, result: dict[str, Any]) -> None:
    """Write a result atomically as deterministic JSON."""
    write_json(path, result)


def load_result(path: str | Path) -> dict[str, Any]:
    """Read a result file, checking its schema and that its payload hash still matches."""
    result = load_json(path, "result file")
    if not isinstance(result, dict):
        raise InputError(f"{path}: not an ovbench result (expected a JSON object)")
    check_depth(result, str(path), "$")
    missing = [k for k in _REQUIRED if k not in result]
    if missing:
        raise InputError(f"{path}: not an ovbench result: missing field(s) {', '.join(missing)}")
    if result["schema"] != SCHEMA:
        raise InputError(
            f"{path}: result schema {result['schema']!r} is not supported by ovbench {__version__} "
            f"(expected {SCHEMA!r}); upgrade ovbench or re-score the predictions"
        )
    expected = sha256_hex(payload_of(result))
    if result["payload_sha256"] != expected:
        raise InputError(
            f"{path}: payload_sha256 does not match the file's content: the result was edited "
            f"after it was written (stored {result['payload_sha256'][:16]}..., content hashes to "
            f"{expected[:16]}...). Re-score the predictions instead of editing numbers."
        )
    return result
