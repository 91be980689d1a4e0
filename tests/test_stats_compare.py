"""``ovbench compare`` and ``ovbench score --bootstrap`` end to end (CLI and Python API)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ovbench.benchmarks import hicodet, ovswig
from ovbench.stats import compare
from ovbench.stats.paired import render, not_significant

SWIG = ovswig.DEMO_DATA
HICO = Path(hicodet.__file__).resolve().parent.parent / "data" / "hico_det_demo"


def _perfect_gsr(path: Path) -> Path:
    """Predictions equal to the first annotator's frame, with GT boxes: a clearly better model."""
    space = json.loads((SWIG / "annotations" / "imsitu_space.json").read_text())
    gt = json.loads((SWIG / "annotations" / "test.json").read_text())
    preds = {img: {"verbs": [a["verb"]], "frames": {a["verb"]: {
        r: {"noun": a["frames"][0][r], "box": None if a["bb"][r][0] == -1 else a["bb"][r]}
        for r in space["verbs"][a["verb"]]["order"]}}} for img, a in gt.items()}
    path.write_text(json.dumps({"meta": {"name": "oracle"}, "predictions": preds}))
    return path


@pytest.fixture
def gsr_results(tmp_path, run_cli):
    ann = SWIG / "annotations"
    out = {}
    for name, preds in (("a", SWIG / "predictions_test.json"), ("a2", SWIG / "predictions_test.json"),
                        ("oracle", _perfect_gsr(tmp_path / "oracle_preds.json"))):
        res = run_cli("score", preds, "-b", "ov-swig", "--annotations", ann, "--split", "test",
                      "-o", tmp_path / f"{name}.json", "--method", name)
        assert res.exit_code == 0, res.output
        out[name] = tmp_path / f"{name}.json"
    res = run_cli("score", SWIG / "predictions_test.json", "-b", "ov-swig", "--annotations", ann, "--split", "test",
                  "--averaging", "per-image", "-o", tmp_path / "per_image.json")
    assert res.exit_code == 0
    out["per_image"] = tmp_path / "per_image.json"
    from ovbench.splits.ovswig import generate_split, write_manifest

    write_manifest(generate_split(ann, seed=0, n_unseen=3, n_rare=5), tmp_path / "m.json")
    res = run_cli("score", SWIG / "predictions_test.json", "-b", "ov-swig", "--annotations", ann, "--split", "test",
                  "--manifest", tmp_path / "m.json", "-o", tmp_path / "with_manifest.json")
    assert res.exit_code == 0
    out["with_manifest"] = tmp_path / "with_manifest.json"
    return out


def test_identical_predictions_give_zero_difference_and_p_one(gsr_results):
    cmp = compare(gsr_results["a"], gsr_results["a2"], n=200, seed=0)
    assert cmp["rows"] and all(r["difference"] == 0.0 and r["p_value"] == 1.0 and not r["significant"]
                               and r["interval"] == [0.0, 0.0] for r in cmp["rows"])
    assert not_significant(cmp, "all/top1/value")


def test_clearly_better_predictions_are_significant(gsr_results, run_cli):
    res = run_cli("compare", gsr_results["a"], gsr_results["oracle"], "--bootstrap", "300", "-f", "json")
    assert res.exit_code == 0, res.output
    cmp = json.loads(res.output)
    rows = {r["metric"]: r for r in cmp["rows"]}
    for metric in ("all/top1/verb", "all/top1/value", "all/gold/grnd"):
        r = rows[metric]
        assert r["difference"] > 0.2 and r["significant"] and r["p_value"] <= 0.01
        assert r["interval"][0] > 0 and r["interval"][0] <= r["difference"] <= r["interval"][1]
    assert cmp["bootstrap"]["stratified_by"] == "verb"
    again = run_cli("compare", gsr_results["a"], gsr_results["oracle"], "--bootstrap", "300", "-f", "json")
    assert again.output == res.output  # deterministic
    table = run_cli("compare", gsr_results["a"], gsr_results["oracle"], "--bootstrap", "100", "-f", "md").output
    assert "| all/top1/verb" in table and "yes" in table


def test_incompatible_results_exit_3(gsr_results, run_cli, tmp_path):
    res = run_cli("compare", gsr_results["a"], gsr_results["per_image"], "--bootstrap", "50")
    assert res.exit_code == 3 and "scorer.options.averaging" in res.output
    res = run_cli("compare", gsr_results["a"], gsr_results["with_manifest"], "--bootstrap", "50")
    assert res.exit_code == 3 and "benchmark.manifest_sha256" in res.output
    hico = tmp_path / "hico.json"
    assert run_cli("score", HICO / "predictions.json", "-b", "hico-det", "--annotations", HICO / "annotations.json",
                   "-o", hico).exit_code == 0
    res = run_cli("compare", gsr_results["a"], hico, "--bootstrap", "50")
    assert res.exit_code == 3 and "different benchmarks" in res.output


def test_edited_result_is_refused(gsr_results, run_cli, tmp_path):
    data = json.loads(gsr_results["a"].read_text())
    data["metrics"]["all"]["top1"]["verb"] = 0.99
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data))
    res = run_cli("compare", edited, gsr_results["oracle"], "--bootstrap", "50")
    assert res.exit_code == 3 and "payload_sha256 does not match" in res.output


def test_changed_predictions_are_refused(gsr_results, run_cli, tmp_path):
    copy = tmp_path / "copy.json"
    data = json.loads((SWIG / "predictions_test.json").read_text())
    copy.write_text(json.dumps(data))
    res = run_cli("compare", gsr_results["a"], gsr_results["oracle"], "--preds-a", copy, "--bootstrap", "50")
    assert res.exit_code == 3 and "changed since it was scored" in res.output
    res = run_cli("compare", gsr_results["a"], gsr_results["oracle"], "--preds-a", tmp_path / "nope.json")
    assert res.exit_code == 3 and "--preds-a" in res.output


def test_hico_compare_identical_and_better(tmp_path, run_cli):
    import numpy as np

    ann = HICO / "annotations.json"
    # a worse model: the demo's detections with random scores (the ranking carries no signal)
    preds = json.loads((HICO / "predictions.json").read_text())
    rng = np.random.default_rng(0)
    for dets in preds["predictions"].values():
        for d in dets:
            d["score"] = round(float(rng.random()), 6)
    (tmp_path / "random_scores.json").write_text(json.dumps(preds))
    for name, path in (("a", HICO / "predictions.json"), ("worse", tmp_path / "random_scores.json")):
        res = run_cli("score", path, "-b", "hico-det", "--annotations", ann, "--setting", "rf-uc",
                      "-o", tmp_path / f"{name}.json")
        assert res.exit_code == 0, res.output
    res = run_cli("compare", tmp_path / "a.json", tmp_path / "a.json", "--bootstrap", "40", "-f", "csv")
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert lines[0] == "metric,a,b,difference,lo,hi,p_value,significant"
    assert len(lines) == 11 and all(line.endswith(",0.0,0.0,0.0,1.0,false") for line in lines[1:])
    cmp = compare(tmp_path / "worse.json", tmp_path / "a.json", n=100, seed=1)
    full = next(r for r in cmp["rows"] if r["metric"] == "default/full")
    assert full["difference"] > 0.05 and full["significant"] and full["p_value"] < 0.05
    assert cmp["bootstrap"]["unit"] == "image" and cmp["bootstrap"]["stratified_by"] is None
    assert cmp["bootstrap"]["method"] == "centered" and cmp["bootstrap"]["stats_version"] == 2
    for conf in (0.95, 0.8, 0.99):  # one procedure: significant iff p < alpha iff the interval excludes 0
        for row in compare(tmp_path / "worse.json", tmp_path / "a.json", n=200, seed=2, confidence=conf)["rows"]:
            lo, hi = row["interval"]
            assert row["significant"] == (row["p_value"] < 1 - conf) == (lo > 0 or hi < 0), row
    text = render(cmp, "table")
    assert "N permutations" not in text and "centered interval" in text


def test_score_bootstrap_cli(run_cli, tmp_path):
    ann = SWIG / "annotations"
    out = tmp_path / "r.json"
    res = run_cli("score", SWIG / "predictions_test.json", "-b", "ov-swig", "--annotations", ann, "--split", "test",
                  "--bootstrap", "100", "--seed", "3", "-o", out)
    assert res.exit_code == 0 and "[lo, hi]: 95% percentile bootstrap interval, 100 resamples" in res.output
    result = json.loads(out.read_text())
    assert result["bootstrap"]["seed"] == 3 and len(result["intervals"]["all"]["top1"]["verb"]) == 2
    csv_out = run_cli("score", SWIG / "predictions_test.json", "-b", "ov-swig", "--annotations", ann, "--split", "test",
                      "--bootstrap", "100", "--seed", "3", "-f", "csv").output
    assert csv_out.splitlines()[0] == "subset,setting,metric,value,images,lo,hi"
    res = run_cli("score", SWIG / "predictions_test.json", "-b", "ov-swig", "--annotations", ann, "--split", "test",
                  "--seed", "3")
    assert res.exit_code == 2 and "--bootstrap" in res.output
    res = run_cli("score", HICO / "predictions.json", "-b", "hico-det", "--annotations", HICO / "annotations.json",
                  "--bootstrap", "40", "-f", "csv")
    assert res.exit_code == 0 and "default_lo," in res.output
