"""Benchmarks: the glue from files to a result for each benchmark.

Each benchmark module reads annotations, a split and a predictions file, validates them,
calls its pure scorer and builds a result (:mod:`ovbench.results`); it also renders a
result as a table. The CLI's ``score`` command looks benchmarks up here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import SpecError, did_you_mean

#: benchmark name -> module implementing ``score_files(...)`` and ``render(result, fmt)``
BENCHMARKS = {
    "ov-swig": "ovbench.benchmarks.ovswig",
    "hico-det": "ovbench.benchmarks.hicodet",
    "v-coco": "ovbench.benchmarks.vcoco",
    "swig-hoi": "ovbench.benchmarks.swighoi",
    "swig": "ovbench.benchmarks.swig",  # closed-set SWiG: the original split, no manifest
}


def get_benchmark(name: str) -> ModuleType:
    """The module of benchmark ``name`` (imported on first use)."""
    try:
        return importlib.import_module(BENCHMARKS[name])
    except KeyError:
        raise SpecError(
            f"unknown benchmark {name!r}; available: {', '.join(sorted(BENCHMARKS))}."
            + did_you_mean(name, BENCHMARKS)
        ) from None
