"""``leaderboard --add`` files a result under a real split only when it was scored on official data.

The pinned fingerprints live in :mod:`ovbench.leaderboard.official`; this file keeps a second
copy, so a silent change of a pinned hash takes two deliberate edits.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest

from ovbench.errors import InputError
from ovbench.leaderboard.official import OFFICIAL, check_official

REPO = Path(__file__).resolve().parents[1]
HICO_RESULT = REPO / "leaderboard" / "hico-det" / "demo-test" / "noisy-demo-model.result.json"
SWIG_RESULT = REPO / "leaderboard" / "ov-swig" / "demo-test" / "demo-model.result.json"
HICO_TEST_SHA256 = "cfeaefcc1e006a0d7d205dfba95ac6614341995d18613e016ae650d278757daa"  # instances_test2015.json


def test_pinned_fingerprints_are_the_reviewed_ones():
    assert {k: {p: sorted(v) for p, v in pins.items()} for k, pins in OFFICIAL.items()} == {
        ("hico-det", "test"): {"annotations_sha256": [HICO_TEST_SHA256]}}


def test_pinned_hicodet_hash_is_the_shared_test_annotation_file():
    from conftest import require_shared

    path = require_shared("data", "hicodet", "instances_test2015.json")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == HICO_TEST_SHA256


def test_add_refuses_synthetic_results_under_real_splits(tmp_path, run_cli):
    root = tmp_path / "lb"
    res = run_cli("leaderboard", root, "--add", HICO_RESULT, "--split", "test", "--method", "m")
    assert res.exit_code == 3
    assert "benchmark.annotations_sha256" in res.output and "not the official hico-det/test data" in res.output
    assert "--split demo-test" in res.output
    res = run_cli("leaderboard", root, "--add", SWIG_RESULT, "--split", "test", "--method", "m")
    assert res.exit_code == 3 and "no official data fingerprint is pinned for ov-swig/test" in res.output
    res = run_cli("leaderboard", root, "--add", SWIG_RESULT, "--split", "dev", "--method", "m")
    assert res.exit_code == 3 and "scored on split 'test'" in res.output
    assert not root.exists() or not any(root.rglob("*.json"))  # nothing half-written
    ok = run_cli("leaderboard", root, "--add", HICO_RESULT, "--split", "demo-test", "--method", "m")
    assert ok.exit_code == 0, ok.output


def test_official_hicodet_annotations_are_accepted():
    result = json.loads(HICO_RESULT.read_text())
    check_official(result, "demo-anything", "r.json")  # demo labels take anything
    with pytest.raises(InputError):
        check_official(result, "test", "r.json")
    official = copy.deepcopy(result)
    official["benchmark"]["annotations_sha256"] = HICO_TEST_SHA256
    check_official(official, "test", "r.json")


def test_no_machine_paths_in_the_repository_leaderboard():
    """Stored results name their inputs relative to themselves or as ovbench:<package path>."""
    from ovbench.leaderboard import load_entries
    from ovbench.leaderboard.entries import resolve_input

    for path in (REPO / "leaderboard").rglob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for value in (data.get("volatile") or {}).get("inputs", {}).values():
            assert not value.startswith("/") and ":\\" not in value, (path, value)
    for entry in load_entries(REPO / "leaderboard"):
        if entry.kind == "reproduced":  # the demo's inputs resolve from any clone or install
            inputs = json.loads(entry.result_path.read_text())["volatile"]["inputs"]
            for key in ("predictions", "annotations"):
                assert Path(resolve_input(entry, inputs[key])).exists(), (entry.method, key)
