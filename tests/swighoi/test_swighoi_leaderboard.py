"""SWIG-HOI results in ``ovbench check`` and ``ovbench leaderboard``."""

from __future__ import annotations

import json
from pathlib import Path

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "swighoi"


def _result(run_cli, tmp_path, preds="predictions_plain.json", name="r.json"):
    out = tmp_path / name
    res = run_cli("score", FIX / preds, "-b", "swig-hoi", "--annotations", FIX / "swig_test_1000.json", "-o", out)
    assert res.exit_code == 0, res.output
    return out


def test_check_passes_then_catches_a_drift(run_cli, tmp_path):
    result = _result(run_cli, tmp_path)
    expected = tmp_path / "expected.json"
    assert run_cli("check", result, "--write-expected", expected).exit_code == 0
    pinned = json.loads(expected.read_text())
    assert "metrics.zero_shot" in json.dumps(pinned)
    assert run_cli("check", result, "-e", expected).exit_code == 0
    other = _result(run_cli, tmp_path, "predictions_ties.json", "ties.json")
    res = run_cli("check", other, "-e", expected)
    assert res.exit_code == 4 and "full" in res.output


def test_leaderboard_table_has_the_four_columns(run_cli, tmp_path):
    result = _result(run_cli, tmp_path)
    board = tmp_path / "board"
    board.mkdir()
    res = run_cli("leaderboard", board, "--add", result, "--split", "demo-test", "--method", "synthetic")
    assert res.exit_code == 0, res.output
    res = run_cli("leaderboard", board, "-b", "swig-hoi", "-s", "demo-test", "-f", "md")
    assert res.exit_code == 0, res.output
    header = next(line for line in res.output.splitlines() if line.startswith("| Method"))
    assert [c.strip() for c in header.strip("|").split("|")] == ["Method", "zero-shot", "rare", "non-rare", "full"]
    metrics = json.loads(result.read_text())["metrics"]
    row = next(line for line in res.output.splitlines() if line.startswith("| synthetic"))
    assert f"{100 * metrics['full']:.2f}" in row
    assert "profile ovbench, ties score-image-position" in res.output
