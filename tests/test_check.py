"""``ovbench check``: the built-in demo against its golden numbers, drift, tolerance, bad inputs.

``tests/golden/demo-expected.json`` pins every metric and count of the demo's two results
(written once with ``ovbench check ... --write-expected`` and reviewed); this repository's CI
runs the demo and checks it, as a user's CI would check their own results.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ovbench.check import check_results, diff_table, load_expected
from ovbench.errors import CheckFailed, InputError

GOLDEN = Path(__file__).resolve().parent / "golden" / "demo-expected.json"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, Path]:
    from click.testing import CliRunner

    from ovbench.cli import main

    work = tmp_path_factory.mktemp("demo")
    res = CliRunner().invoke(main, ["demo", "--workdir", str(work)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return {"ov-swig": work / "ov-swig" / "result.json", "hico-det": work / "hico-det" / "result.json"}


def _expected(tmp_path, edit) -> Path:
    data = json.loads(GOLDEN.read_text())
    edit(data)
    path = tmp_path / "expected.json"
    path.write_text(json.dumps(data))
    return path


def _block(data, benchmark):
    return next(b for b in data["results"] if b["benchmark"] == benchmark)


def test_demo_matches_its_golden_numbers(demo, run_cli):
    res = run_cli("check", demo["ov-swig"], demo["hico-det"], "--expected", GOLDEN)
    assert res.exit_code == 0, res.output
    total = sum(len(b["metrics"]) for b in json.loads(GOLDEN.read_text())["results"])
    assert res.output.startswith(f"ok: {total} numbers in 2 result file(s)")
    assert total > 60


def test_drift_exits_4_with_a_diff_table(demo, tmp_path, run_cli):
    def edit(data):
        _block(data, "ov-swig")["metrics"]["metrics.unseen.top1.value"] += 0.01
        _block(data, "hico-det")["metrics"]["counts.gt_pairs"] = 751
    expected = _expected(tmp_path, edit)
    res = run_cli("check", demo["ov-swig"], demo["hico-det"], "-e", expected)
    assert res.exit_code == 4
    lines = res.output.splitlines()
    assert "2 of " in lines[0] and "drifted beyond tolerance" in lines[0]
    assert lines[1].split() == ["result", "metric", "expected", "got", "delta", "tolerance"]
    row = next(line for line in lines if "metrics.unseen.top1.value" in line).split()
    assert row[0].endswith("ov-swig/result.json") and row[4] == "-0.01" and row[5] == "1e-09"
    assert float(row[2]) == pytest.approx(0.32666666666666666) and float(row[3]) == pytest.approx(0.31666666666666665)
    assert any("counts.gt_pairs" in line and "751.0" in line and "750.0" in line for line in lines)


def test_tolerance_global_per_metric_and_cli_override(demo, tmp_path, run_cli):
    def edit(data):
        block = _block(data, "ov-swig")
        block["metrics"] = {"metrics.all.top1.verb": block["metrics"]["metrics.all.top1.verb"] + 0.004,
                            "metrics.all.top1.value": {"value": block["metrics"]["metrics.all.top1.value"] + 0.02,
                                                       "tolerance": 0.05}}
        data["results"] = [block]
    expected = _expected(tmp_path, edit)
    assert run_cli("check", demo["ov-swig"], "-e", expected).exit_code == 4  # 0.004 > 1e-9
    assert run_cli("check", demo["ov-swig"], "-e", expected, "--tolerance", "0.005").exit_code == 0
    assert run_cli("check", demo["ov-swig"], "-e", expected, "--tolerance", "0.003").exit_code == 4
    comparisons = check_results([demo["ov-swig"]], expected, tolerance=0.005)
    assert [c.tolerance for c in comparisons] == [0.05, 0.005]


def test_null_expects_an_undefined_metric_and_missing_paths_fail(demo, tmp_path):
    def edit(data):
        block = _block(data, "ov-swig")
        block["metrics"] = {"metrics.all.top1.verb": None, "metrics.all.top9.verb": 0.5}
        data["results"] = [block]
    with pytest.raises(CheckFailed) as exc:
        check_results([demo["ov-swig"]], _expected(tmp_path, edit))
    text = str(exc.value)
    assert "2 of 2" in text
    assert "metrics.all.top9.verb" in text and "null" in text


def test_tampered_result_exits_3(demo, tmp_path, run_cli):
    result = json.loads(demo["ov-swig"].read_text())
    result["metrics"]["all"]["top1"]["verb"] = 0.99
    edited = tmp_path / "result.json"
    edited.write_text(json.dumps(result))
    res = run_cli("check", edited, demo["hico-det"], "-e", GOLDEN)
    assert res.exit_code == 3
    assert "payload_sha256 does not match" in res.output and "Re-score" in res.output


def test_mismatched_scorer_version_benchmark_or_split_exit_3(demo, tmp_path, run_cli):
    expected = _expected(tmp_path, lambda d: _block(d, "ov-swig").__setitem__("scorer", "gsr@2"))
    res = run_cli("check", demo["ov-swig"], demo["hico-det"], "-e", expected)
    assert res.exit_code == 3
    assert "scored by gsr@1 but the expected numbers are for gsr@2" in res.output
    expected = _expected(tmp_path, lambda d: _block(d, "ov-swig").__setitem__("split", "dev"))
    res = run_cli("check", demo["ov-swig"], demo["hico-det"], "-e", expected)
    assert res.exit_code == 3
    assert "is for ov-swig/test, which has no block; blocks: hico-det/test, ov-swig/dev" in res.output
    assert "no result given for block ov-swig/dev" in res.output
    res = run_cli("check", demo["ov-swig"], "-e", GOLDEN)  # the hico-det block is left unchecked
    assert res.exit_code == 3 and "no result given for block hico-det/test" in res.output


def test_invalid_expected_files_exit_3(tmp_path, demo, run_cli):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema": "ovbench.expected/1", "tolerance": -1,
                               "results": [{"benchmark": "ov-swig", "split": "test", "scorer": "gsr@1",
                                            "metrics": {"metrics.all.top1.verb": "0.5"}}]}))
    with pytest.raises(InputError) as exc:
        load_expected(bad)
    assert "field 'tolerance': expected a non-negative number, got -1" in str(exc.value)
    assert "expected a number, null or" in str(exc.value)
    bad.write_text(json.dumps({"results": []}))
    res = run_cli("check", demo["ov-swig"], "-e", bad)
    assert res.exit_code == 3 and "field 'schema' should be 'ovbench.expected/1'" in res.output
    assert run_cli("check", demo["ov-swig"]).exit_code == 2
    res = run_cli("check", demo["ov-swig"], "-e", GOLDEN, "--tolerance", "-1")
    assert res.exit_code == 3 and "--tolerance must be a non-negative number" in res.output


def test_write_expected_round_trips(demo, tmp_path, run_cli):
    out = tmp_path / "pinned.json"
    assert run_cli("check", demo["hico-det"], "--write-expected", out).exit_code == 0
    data = json.loads(out.read_text())
    assert data["results"][0]["scorer"] == "hoi-map@1" and "metrics.default.unseen" in data["results"][0]["metrics"]
    assert run_cli("check", demo["hico-det"], "-e", out).exit_code == 0


def test_diff_table_marks_missing_values():
    from ovbench.check import Comparison

    text = diff_table([Comparison("a/result.json", "metrics.x", 0.5, None, 1e-9)])
    assert "result.json" in text and "metrics.x" in text and "null" in text and "—" in text
