"""Leaderboard entries: one JSON file per (method, benchmark, split).

Entries live at ``<DIR>/<benchmark>/<split>/<method>.json`` and come in two kinds that are
never mixed silently:

``reported``
    Numbers as printed in a paper, with the citation they come from::

        {"schema": "ovbench.leaderboard-entry/1", "kind": "reported",
         "method": "<name as in the paper>", "benchmark": "ov-swig", "split": "test",
         "citation": {"paper": "<title>", "table": "<n>", "row": "<row label>", "position": <n>},
         "scale": "percent", "marks": {"*": "<meaning, as the paper's caption says>"},
         "protocol": "as published", "metrics": {"all.top1.verb": <number as printed>, ...}}

    ``scale`` says how the numbers are written (``percent`` as printed, or ``fraction``);
    HICO-DET entries also say ``"pretrained_detector": true|false``.

``reproduced``
    A result that ovbench computed (``ovbench score -o``), kept beside the entry as
    ``<method>.result.json`` and pinned by its hashes::

        {"schema": "ovbench.leaderboard-entry/1", "kind": "reproduced",
         "method": "demo-model", "benchmark": "ov-swig", "split": "demo-test",
         "result": "demo-model.result.json",
         "expect": {"payload_sha256": "...", "scorer": "gsr@1", "split": "test",
                    "benchmark_sha256": "...", "predictions_sha256": "..."}}

    Loading re-verifies the result file (schema, payload hash) and every pinned hash.

A reproduced result scored with ``--bootstrap`` also brings its ``intervals`` (kept per metric
key as ``(lo, hi)`` percentages); reported entries never have intervals.

Values are kept as :class:`~decimal.Decimal` percentages, exactly as printed (reported) or
exactly 100 x the stored fraction (reproduced), so a table reproduces a paper digit for digit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import InputError, Problems, SpecError, did_you_mean
from ..jsonio import load_json, sha256_hex
from .columns import get_spec, metric_at

SCHEMA = "ovbench.leaderboard-entry/1"
KINDS = ("reported", "reproduced")
SCALES = {"percent": Decimal(1), "fraction": Decimal(100)}
RESULT_SUFFIX = ".result.json"
_COMMON = {"schema", "kind", "method", "benchmark", "split", "marks", "protocol", "notes",
           "pretrained_detector"}
_FIELDS = {"reported": _COMMON | {"citation", "scale", "metrics"},
           "reproduced": _COMMON | {"result", "expect"}}
_CITATION = {"paper", "table", "row", "position", "url", "test_fixture"}
_EXPECT = ("payload_sha256", "scorer", "split", "benchmark_sha256", "predictions_sha256")


@dataclass
class Entry:
    path: Path
    kind: str
    method: str
    benchmark: str
    split: str
    values: dict[str, Decimal | None]  # metric key -> percent
    protocol: str
    marks: dict[str, str] = field(default_factory=dict)
    citation: dict[str, Any] | None = None
    scorer: str | None = None  # "gsr@1" for reproduced entries
    pretrained_detector: bool | None = None
    notes: str = ""
    result_sha256: str | None = None
    result_path: Path | None = None  # reproduced: the result file beside the entry
    intervals: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # key -> [lo, hi] percent
    bootstrap: dict[str, Any] | None = None  # reproduced: the result's "bootstrap" block, if scored with one

    @property
    def source(self) -> str:
        """Where the numbers come from, in words (footers, CSV)."""
        if self.citation:
            c = self.citation
            fixture = " [test fixture]" if c.get("test_fixture") else ""
            return f"{c['paper']}, Table {c['table']}, row {c['row']!r}{fixture}"
        return f"ovbench {self.scorer}, result {self.result_sha256[:12]}..."


def slug(method: str) -> str:
    """The file name stem of a method's entry: characters other than ``A-Za-z0-9._+-`` -> ``-``."""
    return re.sub(r"[^A-Za-z0-9._+-]", "-", method)


def scorer_tag(result: dict[str, Any]) -> str:
    return f"{result['scorer']['id']}@{result['scorer']['version']}"


def result_protocol(result: dict[str, Any]) -> str:
    """The protocol of a result in words: scorer version plus the options that move numbers."""
    s, b = result["scorer"], result["benchmark"]
    opts = s.get("options", {})
    if b["name"] == "ov-swig":
        detail = f"{opts.get('averaging')} averaging, IoU {opts.get('iou')}"
    elif b["name"] == "swig-hoi":
        detail = f"profile {s.get('profile')}, ties {opts.get('tie_order')}"
    else:
        detail = f"profile {s.get('profile')}, setting {b.get('setting') or 'none'}"
    return f"{scorer_tag(result)}, {detail}"


def expect_block(result: dict[str, Any]) -> dict[str, str]:
    """The hashes a reproduced entry pins (see the module docstring)."""
    return {"payload_sha256": result["payload_sha256"], "scorer": scorer_tag(result),
            "split": result["benchmark"]["split"], "benchmark_sha256": sha256_hex(result["benchmark"]),
            "predictions_sha256": result["predictions"]["sha256"]}


def load_entries(root: str | Path, benchmark: str | None = None, split: str | None = None) -> list[Entry]:
    """Load and validate every entry under ``root`` (optionally one benchmark / split)."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: leaderboard folder not found (expected <DIR>/<benchmark>/<split>/<method>.json)")
    paths = sorted(p for p in root.glob("*/*/*.json") if not p.name.endswith(RESULT_SUFFIX))
    entries = []
    for p in paths:
        if (benchmark is None or p.parent.parent.name == benchmark) and (split is None or p.parent.name == split):
            entries.append(load_entry(p))
    return entries


def load_entry(path: str | Path) -> Entry:
    """Load one entry file, collecting every problem before raising (exit 3)."""
    path = Path(path)
    data = load_json(path, "leaderboard entry")
    problems = Problems(str(path))
    if not isinstance(data, dict):
        raise InputError(f"{path}: a leaderboard entry must be a JSON object, got {type(data).__name__}")
    if data.get("schema") != SCHEMA:
        problems.add(f"field 'schema': expected {SCHEMA!r}, got {data.get('schema')!r}")
    kind = data.get("kind")
    if kind not in KINDS:
        problems.add(f"field 'kind': expected one of {', '.join(KINDS)}, got {kind!r}")
        problems.raise_if_any()
    for key in sorted(set(data) - _FIELDS[kind]):
        problems.add(f"unknown field {key!r} for a {kind} entry." + did_you_mean(key, _FIELDS[kind]))
    method, benchmark, split = (_text(data, k, problems) for k in ("method", "benchmark", "split"))
    spec = None
    if benchmark:
        try:
            spec = get_spec(benchmark)
        except SpecError as exc:
            problems.add(f"field 'benchmark': {exc}")
    _check_location(path, method, benchmark, split, problems)
    marks = data.get("marks", {})
    if not isinstance(marks, dict) or not all(isinstance(k, str) and k and isinstance(v, str) and v
                                              for k, v in marks.items()):
        problems.add('field \'marks\': expected an object {"*": "meaning", ...} of non-empty strings')
        marks = {}
    detector = data.get("pretrained_detector")
    if detector is not None and not isinstance(detector, bool):
        problems.add(f"field 'pretrained_detector': expected true or false, got {detector!r}")
    if spec is not None and spec.detector_flag and kind == "reported" and detector is None:
        problems.add("field 'pretrained_detector': required for HICO-DET reported entries "
                     "(true when the method starts from a pretrained object detector)")
    for key in ("protocol", "notes"):
        if key in data and not isinstance(data[key], str):
            problems.add(f"field {key!r}: expected a string, got {type(data[key]).__name__}")
    common = dict(path=path, kind=kind, method=method or "", benchmark=benchmark or "", split=split or "",
                  marks=dict(sorted(marks.items())), pretrained_detector=detector,
                  notes=data.get("notes", "") if isinstance(data.get("notes", ""), str) else "")
    if kind == "reported":
        entry = _reported(data, spec, problems, common)
    else:
        entry = _reproduced(data, spec, problems, common)
    problems.raise_if_any(hint="See docs/leaderboard.md for the entry format.")
    return entry


def _text(data: dict, key: str, problems: Problems) -> str | None:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.add(f"field {key!r}: expected a non-empty string, got {value!r}")
        return None
    return value


def _check_location(path: Path, method, benchmark, split, problems: Problems) -> None:
    if benchmark and path.parent.parent.name != benchmark:
        problems.add(f"field 'benchmark' is {benchmark!r} but the file is in folder "
                     f"{path.parent.parent.name!r}; move it to <DIR>/{benchmark}/{split}/")
    if split and path.parent.name != split:
        problems.add(f"field 'split' is {split!r} but the file is in folder {path.parent.name!r}")
    if method and path.stem != slug(method):
        problems.add(f"method {method!r} must be stored as {slug(method)}.json, not {path.name}")


def _reported(data: dict, spec, problems: Problems, common: dict) -> Entry:
    citation = data.get("citation")
    if not isinstance(citation, dict):
        problems.add('field \'citation\': required: {"paper": ..., "table": ..., "row": ...}')
        citation = None
    else:
        for key in ("paper", "table", "row"):
            if not isinstance(citation.get(key), str) or not citation[key].strip():
                problems.add(f"field 'citation.{key}': expected a non-empty string, got {citation.get(key)!r}")
        for key in sorted(set(citation) - _CITATION):
            problems.add(f"unknown field 'citation.{key}'." + did_you_mean(key, _CITATION))
        if not isinstance(citation.get("test_fixture", False), bool):
            problems.add(f"field 'citation.test_fixture': expected true or false, got {citation['test_fixture']!r}")
        if not isinstance(citation.get("url", ""), str):
            problems.add(f"field 'citation.url': expected a string, got {citation['url']!r}")
        if "position" in citation and (not isinstance(citation["position"], int) or isinstance(citation["position"], bool)):
            problems.add(f"field 'citation.position': expected the row's position in the table (an integer), "
                         f"got {citation['position']!r}")
    scale = data.get("scale")
    if scale not in SCALES:
        problems.add(f"field 'scale': expected 'percent' (numbers as printed) or 'fraction', got {scale!r}")
    metrics = data.get("metrics")
    values: dict[str, Decimal | None] = {}
    if not isinstance(metrics, dict) or not metrics:
        problems.add("field 'metrics': expected a non-empty object {metric key: number or null}")
    else:
        for key, value in sorted(metrics.items()):
            if spec is not None and key not in spec.known_keys:
                problems.add(f"metric {key!r} is not a {spec.name} metric." + did_you_mean(key, spec.known_keys))
            elif value is None:
                values[key] = None
            elif not isinstance(value, (int, float)) or isinstance(value, bool):
                problems.add(f"metric {key!r}: expected a number or null, got {value!r}")
            elif scale in SCALES:
                pct = Decimal(repr(value)) * SCALES[scale]
                if not Decimal(0) <= pct <= Decimal(100):
                    problems.add(f"metric {key!r}: {value!r} is outside the {scale} range "
                                 f"({'0-100' if scale == 'percent' else '0-1'}); check 'scale'")
                values[key] = pct
    return Entry(values=values, protocol=data.get("protocol") or "as published", citation=citation, **common)


def _reproduced(data: dict, spec, problems: Problems, common: dict) -> Entry:
    from ..results import load_result

    path: Path = common["path"]
    ref, expect = data.get("result"), data.get("expect")
    if not isinstance(ref, str) or not ref.endswith(RESULT_SUFFIX) or "/" in ref or "\\" in ref:
        problems.add(f"field 'result': expected the name of a result file beside the entry, ending in "
                     f"{RESULT_SUFFIX!r}, got {ref!r}")
    if not isinstance(expect, dict) or any(not isinstance(expect.get(k), str) for k in _EXPECT):
        problems.add(f"field 'expect': expected an object with string fields {', '.join(_EXPECT)}")
    problems.raise_if_any(hint="See docs/leaderboard.md for the entry format.")
    result = load_result(path.parent / ref)  # schema and payload hash; InputError on tampering
    got = expect_block(result)
    for key in _EXPECT:
        if got[key] != expect[key]:
            problems.add(f"'expect.{key}' is {expect[key]!r} but result {ref} has {got[key]!r}: the result "
                         "file was replaced; re-create the entry with `ovbench leaderboard --add`")
    if common["benchmark"] and result["benchmark"]["name"] != common["benchmark"]:
        problems.add(f"field 'benchmark' is {common['benchmark']!r} but result {ref} is for "
                     f"{result['benchmark']['name']!r}")
    values: dict[str, Decimal | None] = {}
    intervals: dict[str, tuple[Decimal, Decimal]] = {}
    if spec is not None and result["benchmark"]["name"] == spec.name:
        for key in sorted(spec.known_keys):
            value = metric_at(result["metrics"], key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                values[key] = Decimal(repr(float(value))) * 100
            bounds = metric_at(result.get("intervals") or {}, key)
            if (isinstance(bounds, list) and len(bounds) == 2
                    and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in bounds)):
                intervals[key] = (Decimal(repr(float(bounds[0]))) * 100, Decimal(repr(float(bounds[1]))) * 100)
    return Entry(values=values, protocol=result_protocol(result), scorer=scorer_tag(result),
                 result_sha256=result["payload_sha256"], result_path=path.parent / ref, intervals=intervals,
                 bootstrap=result.get("bootstrap") if intervals else None, **common)


def add_reproduced(root: str | Path, result_path: str | Path, split: str, method: str | None = None,
                   *, pretrained_detector: bool | None = None, notes: str = "") -> Path:
    """Store a result file (from ``ovbench score -o``) as a reproduced entry; return the entry path.

    The result is copied byte for byte to ``<root>/<benchmark>/<split>/<method>.result.json``
    beside a new entry pinning its hashes. ``split`` is the leaderboard's split label (for
    example ``demo-test`` for the built-in demo); ``method`` defaults to the result's
    ``method.name``. An existing entry is never overwritten.
    """
    from ..jsonio import atomic_write, read_bytes, write_json
    from ..results import load_result

    result = load_result(result_path)
    method = method or result.get("method", {}).get("name")
    if not method:
        raise InputError(f"{result_path}: the result records no method name; give one with --method")
    folder = Path(root) / result["benchmark"]["name"] / split
    entry_path = folder / f"{slug(method)}.json"
    if entry_path.exists():
        raise InputError(f"{entry_path}: an entry for {method!r} already exists; remove it first to replace it")
    folder.mkdir(parents=True, exist_ok=True)
    ref = f"{slug(method)}{RESULT_SUFFIX}"
    atomic_write(folder / ref, read_bytes(result_path, "result file"))
    entry: dict[str, Any] = {"schema": SCHEMA, "kind": "reproduced", "method": method,
                             "benchmark": result["benchmark"]["name"], "split": split,
                             "result": ref, "expect": expect_block(result)}
    if pretrained_detector is not None:
        entry["pretrained_detector"] = pretrained_detector
    if notes:
        entry["notes"] = notes
    write_json(entry_path, entry)
    load_entry(entry_path)  # the new entry must load
    return entry_path
