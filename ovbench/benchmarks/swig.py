"""Closed-set SWiG: the original SWiG split (all 504 verbs seen in training), scored by the GSR scorer.

The same glue as :mod:`ovbench.benchmarks.ovswig` without a manifest, so only the ``all``
subset exists (the MIPD paper's Table 3 reports top-1-all on the SWiG test set). The result
names benchmark ``swig``, so its numbers are never filed or compared as Ov-SWiG ones::

    ovbench score preds.json -b swig --annotations SWiG_jsons --split test -o result.json
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from . import ovswig

CLI_OPTIONS = frozenset({"split", "averaging", "iou"})
NAME = "swig"


def evaluate_files(preds: str | Path, *, annotations: str | Path, method: str | None = None,
                   split: str | None = None, averaging: str | None = None,
                   iou: str | None = None) -> ovswig.Evaluation:
    """Read, validate and score on the whole split (no manifest); see :func:`ovswig.evaluate_files`."""
    ev = ovswig.evaluate_files(preds, annotations=annotations, method=method, split=split, manifest=None,
                               averaging=averaging, iou=iou)
    fields = dict(ev.fields)
    fields["benchmark"] = {**ev.fields["benchmark"], "name": NAME}
    fields["inputs"] = {k: v for k, v in ev.fields["inputs"].items() if k != "manifest"}
    return dataclasses.replace(ev, fields=fields)


def score_files(preds: str | Path, *, annotations: str | Path, method: str | None = None,
                split: str | None = None, averaging: str | None = None, iou: str | None = None,
                bootstrap: int | None = None, seed: int = 0, confidence: float = 0.95) -> dict[str, Any]:
    """Score a GSR predictions file on the original SWiG ``split``; returns a result dict."""
    ev = evaluate_files(preds, annotations=annotations, method=method, split=split, averaging=averaging, iou=iou)
    return ev.result(bootstrap=bootstrap, seed=seed, confidence=confidence)


def render(result: dict[str, Any], fmt: str) -> str:
    """The metrics table of a result (as for Ov-SWiG; only the ``all`` subset exists)."""
    return ovswig.render(result, fmt)
