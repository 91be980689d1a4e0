"""Closed-set SWiG (``-b swig``): the GSR scorer on the original split, without a manifest."""

from __future__ import annotations

import json

from ovbench.benchmarks import get_benchmark
from ovbench.benchmarks.ovswig import DEMO_DATA


def test_swig_scores_like_ovswig_without_manifest_but_names_its_benchmark():
    preds, ann = DEMO_DATA / "predictions_test.json", DEMO_DATA / "annotations"
    closed = get_benchmark("swig").score_files(preds, annotations=ann, split="test")
    ov = get_benchmark("ov-swig").score_files(preds, annotations=ann, split="test")
    assert closed["benchmark"]["name"] == "swig" and ov["benchmark"]["name"] == "ov-swig"
    assert closed["benchmark"]["manifest_sha256"] is None and list(closed["metrics"]) == ["all"]
    assert closed["metrics"] == ov["metrics"] and closed["payload_sha256"] != ov["payload_sha256"]


def test_cli_score_swig_and_file_it_under_a_demo_split(tmp_path, run_cli):
    out = tmp_path / "r.json"
    res = run_cli("score", DEMO_DATA / "predictions_test.json", "-b", "swig", "--annotations",
                  DEMO_DATA / "annotations", "--split", "test", "-o", out)
    assert res.exit_code == 0, res.output
    assert "swig test:" in res.output and "ov-swig" not in res.output
    assert run_cli("score", DEMO_DATA / "predictions_test.json", "-b", "swig", "--annotations",
                   DEMO_DATA / "annotations", "--manifest", out).exit_code == 2  # no manifest for swig
    assert json.loads(out.read_text())["benchmark"]["name"] == "swig"
    root = tmp_path / "lb"
    assert run_cli("leaderboard", root, "--add", out, "--split", "demo-test", "--method", "demo").exit_code == 0
    table = run_cli("leaderboard", root, "-b", "swig", "-s", "demo-test", "-f", "md")
    assert table.exit_code == 0 and "| demo " in table.output and "48.96" in table.output


def test_compare_works_for_closed_set_swig_and_refuses_swig_hoi(run_cli, tmp_path):
    from importlib import resources
    from pathlib import Path

    demo = Path(str(resources.files("ovbench.data")))
    a = tmp_path / "a.json"
    res = run_cli("score", demo / "ov_swig_demo" / "predictions_test.json", "-b", "swig", "--annotations",
                  demo / "ov_swig_demo" / "annotations", "--split", "test", "-o", a)
    assert res.exit_code == 0, res.output
    res = run_cli("compare", a, a, "--bootstrap", "50")
    assert res.exit_code == 0, res.output
    assert "swig test" in res.output
    h = tmp_path / "h.json"
    swig_hoi = demo / "swig_hoi_demo"
    run_cli("score", swig_hoi / "predictions.json", "-b", "swig-hoi", "--annotations",
            swig_hoi / "swig_test_1000.json", "-o", h)
    res = run_cli("compare", h, h)
    assert res.exit_code == 3 and "no validated paired procedure" in res.output
