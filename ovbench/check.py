"""Regression check: do result files still hold the expected numbers?

An expected file lists, per (benchmark, split), the scorer it was made with and metric
values at dotted paths into a result (``metrics.all.top1.verb``, ``counts.found``)::

    {"schema": "ovbench.expected/1",
     "tolerance": 1e-9,
     "results": [
       {"benchmark": "ov-swig", "split": "test", "scorer": "gsr@1",
        "metrics": {"metrics.all.top1.verb": 0.4896,
                    "metrics.unseen.top1.value": {"value": 0.3167, "tolerance": 0.001}}}]}

Every RESULT is matched to the block of its benchmark and split, and every block must be
matched. A number passes when ``|got - expected| <= tolerance`` (absolute; per-metric
tolerance, else the block's, else ``--tolerance``, else the file's, else 1e-9); ``null``
expects the metric to be undefined. Drifted or missing numbers raise :class:`CheckFailed`
(exit 4) with a diff table; unreadable, tampered or mismatched inputs raise
:class:`InputError` (exit 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CheckFailed, InputError, Problems
from .jsonio import load_json

SCHEMA = "ovbench.expected/1"
DEFAULT_TOLERANCE = 1e-9
_MISSING = object()


@dataclass(frozen=True)
class Comparison:
    source: str
    path: str
    expected: float | None
    got: Any
    tolerance: float

    @property
    def delta(self) -> float | None:
        if isinstance(self.got, (int, float)) and not isinstance(self.got, bool) and self.expected is not None:
            return float(self.got) - self.expected
        return None

    @property
    def ok(self) -> bool:
        if self.expected is None:
            return self.got is None
        return self.delta is not None and abs(self.delta) <= self.tolerance


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _tolerance(value: Any, where: str, problems: Problems) -> float | None:
    if value is None:
        return None
    if not _number(value) or value < 0:
        problems.add(f"{where}: expected a non-negative number, got {value!r}")
        return None
    return float(value)


def load_expected(path: str | Path) -> tuple[list[dict[str, Any]], float | None]:
    """Read and validate an expected file; return its blocks and file-level tolerance."""
    data = load_json(path, "expected-results file")
    problems = Problems(str(path))
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        got = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise InputError(f"{path}: not an ovbench expected-results file: field 'schema' should be "
                         f"{SCHEMA!r}, got {got!r} (see docs/leaderboard.md)")
    tol = _tolerance(data.get("tolerance"), "field 'tolerance'", problems)
    blocks = data.get("results")
    if not isinstance(blocks, list) or not blocks:
        raise InputError(f"{path}: field 'results': expected a non-empty list of blocks")
    seen = set()
    for i, block in enumerate(blocks):
        where = f"results[{i}]"
        if not isinstance(block, dict):
            problems.add(f"{where}: expected an object")
            continue
        for key in ("benchmark", "split", "scorer"):
            if not isinstance(block.get(key), str):
                problems.add(f"{where}.{key}: expected a string, got {block.get(key)!r}")
        key = (block.get("benchmark"), block.get("split"))
        if key in seen:
            problems.add(f"{where}: a second block for {key[0]}/{key[1]}; merge them")
        seen.add(key)
        _tolerance(block.get("tolerance"), f"{where}.tolerance", problems)
        metrics = block.get("metrics")
        if not isinstance(metrics, dict) or not metrics:
            problems.add(f"{where}.metrics: expected a non-empty object {{path: value}}")
            continue
        for mpath, spec in metrics.items():
            value = spec.get("value", _MISSING) if isinstance(spec, dict) else spec
            if value is not None and not _number(value):
                problems.add(f"{where}.metrics[{mpath!r}]: expected a number, null or "
                             f'{{"value": ..., "tolerance": ...}}, got {spec!r}')
            if isinstance(spec, dict):
                _tolerance(spec.get("tolerance"), f"{where}.metrics[{mpath!r}].tolerance", problems)
    problems.raise_if_any()
    return blocks, tol


def _at(result: dict[str, Any], dotted: str) -> Any:
    node: Any = result
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _scorer(result: dict[str, Any]) -> str:
    return f"{result['scorer']['id']}@{result['scorer']['version']}"


def check_results(result_paths: list[str | Path], expected_path: str | Path,
                  tolerance: float | None = None) -> list[Comparison]:
    """Compare every result with its expected block; raise CheckFailed on drift, else return all comparisons.

    ``tolerance`` (``--tolerance``) overrides the expected file's own global tolerance;
    per-block and per-metric tolerances still apply.
    """
    from .results import load_result

    if tolerance is not None and not tolerance >= 0:
        raise InputError(f"--tolerance must be a non-negative number, got {tolerance!r}")
    blocks, file_tol = load_expected(expected_path)
    by_key = {(b["benchmark"], b["split"]): b for b in blocks}
    results = [(str(p), load_result(p)) for p in result_paths]  # InputError when tampered
    problems = Problems(str(expected_path))
    used = set()
    comparisons: list[Comparison] = []
    for source, result in results:
        key = (result["benchmark"]["name"], result["benchmark"]["split"])
        block = by_key.get(key)
        if block is None:
            problems.add(f"result {source} is for {key[0]}/{key[1]}, which has no block; blocks: "
                         + ", ".join(f"{b}/{s}" for b, s in sorted(by_key)))
            continue
        if key in used:
            problems.add(f"result {source}: a second result for {key[0]}/{key[1]}; check them one at a time")
            continue
        used.add(key)
        if _scorer(result) != block["scorer"]:
            problems.add(f"result {source} was scored by {_scorer(result)} but the expected numbers are for "
                         f"{block['scorer']}; numbers from different scorer versions are not comparable. "
                         "Re-score with the expected version or update the expected file deliberately.")
            continue
        base = block.get("tolerance", tolerance if tolerance is not None else file_tol)
        base = DEFAULT_TOLERANCE if base is None else float(base)
        for mpath, spec in sorted(block["metrics"].items()):
            value, tol = (spec.get("value"), spec.get("tolerance", base)) if isinstance(spec, dict) else (spec, base)
            got = _at(result, mpath)
            comparisons.append(Comparison(source, mpath, None if value is None else float(value),
                                          None if got is _MISSING else got, float(tol)))
    for key in sorted(set(by_key) - used):
        problems.add(f"no result given for block {key[0]}/{key[1]}; give its result file or remove the block")
    problems.raise_if_any()
    failed = [c for c in comparisons if not c.ok]
    if failed:
        raise CheckFailed(f"{len(failed)} of {len(comparisons)} checked numbers drifted beyond tolerance:\n"
                          + diff_table(failed))
    return comparisons


def _fmt(value: Any) -> str:
    if value is None:
        return "null"
    return repr(float(value)) if _number(value) else repr(value)


def diff_table(comparisons: list[Comparison]) -> str:
    """A readable table: result, metric, expected, got, delta, tolerance."""
    from tabulate import tabulate

    rows = [[c.source, c.path, _fmt(c.expected), _fmt(c.got),
             "—" if c.delta is None else f"{c.delta:+.3g}", f"{c.tolerance:g}"] for c in comparisons]
    return tabulate(rows, headers=["result", "metric", "expected", "got", "delta", "tolerance"],
                    tablefmt="simple", disable_numparse=True)


def expected_from_results(result_paths: list[str | Path], tolerance: float | None = None) -> dict[str, Any]:
    """An expected file pinning every number under ``metrics`` and ``counts`` of each (verified) result."""
    from .results import load_result

    blocks = []
    for p in result_paths:
        result = load_result(p)
        flat: dict[str, Any] = {}
        _flatten(result["metrics"], "metrics", flat)
        _flatten(result["counts"], "counts", flat)
        blocks.append({"benchmark": result["benchmark"]["name"], "split": result["benchmark"]["split"],
                       "scorer": _scorer(result), "metrics": flat})
    out: dict[str, Any] = {"schema": SCHEMA, "tolerance": DEFAULT_TOLERANCE if tolerance is None else tolerance}
    out["results"] = sorted(blocks, key=lambda b: (b["benchmark"], b["split"]))
    return out


def _flatten(node: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _flatten(v, f"{prefix}.{k}", out)
    elif node is None or _number(node):
        out[prefix] = node
