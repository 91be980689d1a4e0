"""Core helpers: canonical JSON, hashing, atomic writes, result envelopes, CLI error mapping."""

from __future__ import annotations

import json
import re

import pytest

from ovbench.errors import InputError, Problems
from ovbench.jsonio import atomic_write, canonical_bytes, dump_bytes, load_json, sha256_hex
from ovbench.results import build_result, load_result, save_result


def test_canonical_bytes_ignore_key_order():
    assert canonical_bytes({"b": 1, "a": [1, 2]}) == canonical_bytes({"a": [1, 2], "b": 1})
    assert sha256_hex({"b": 1, "a": 2}) == sha256_hex({"a": 2, "b": 1})
    assert dump_bytes({"b": 1, "a": 2}).endswith(b"\n")


def test_non_finite_numbers_are_refused():
    with pytest.raises(ValueError, match="non-finite"):
        canonical_bytes({"x": [1.0, float("nan")]})


def test_load_json_names_file_and_position(tmp_path):
    bad = tmp_path / "preds.json"
    bad.write_text('{"predictions": {"a.jpg": [1, 2')
    with pytest.raises(InputError, match=r"preds.json: not valid JSON.*line 1.*truncated"):
        load_json(bad)
    with pytest.raises(InputError, match="no such"):
        load_json(tmp_path / "missing.json")


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.json"
    atomic_write(target, b"old")

    with pytest.raises(InputError):
        atomic_write(tmp_path / "nope" / "x.json", b"data")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    assert target.stat().st_mode & 0o777 == 0o666 & ~_current_umask()


def _current_umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_problems_collects_then_raises():
    problems = Problems("preds.json", limit=2)
    for i in range(5):
        problems.add(f"image '{i}.jpg': bad")
    with pytest.raises(InputError) as info:
        problems.raise_if_any()
    text = str(info.value)
    assert "5 problems" in text and "'0.jpg'" in text and "and 3 more" in text
    assert "'4.jpg'" not in text


def _result():
    return build_result(
        benchmark={"name": "x", "split": "test"},
        scorer={"id": "s", "version": "1", "options": {}},
        predictions={"sha256": "0" * 64},
        counts={"expected": 2, "found": 2},
        metrics={"all": {"a": 0.5}},
        inputs={"predictions": "p.json"},
    )


def test_result_round_trip_and_tamper_detection(tmp_path):
    path = tmp_path / "result.json"
    save_result(path, _result())
    assert load_result(path)["metrics"] == {"all": {"a": 0.5}}
    data = json.loads(path.read_text())
    data["metrics"]["all"]["a"] = 0.9
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="edited after it was written"):
        load_result(path)


def test_payload_hash_ignores_volatile_fields():
    a, b = _result(), _result()
    b["volatile"]["inputs"]["predictions"] = "elsewhere/p.json"
    assert a["payload_sha256"] == b["payload_sha256"]


def test_non_finite_numbers_are_found_at_any_depth_and_in_numpy_values():
    import numpy as np

    cases = {
        "$.a.b[0].c": {"a": {"b": [{"c": float("inf")}]}},
        "$.n": {"n": np.array([1.0, np.nan])},
        "$.s": {"s": np.float32("nan")},
        "$": float("-inf"),
    }
    for where, obj in cases.items():
        with pytest.raises(ValueError, match=rf"non-finite number at {re.escape(where)} "):
            canonical_bytes(obj)
    canonical_bytes({"ok": [1, 2.5, "x", None, True, np.arange(3), np.float64(0.5)]})
