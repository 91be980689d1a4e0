"""``ovbench diagnose``: tables by class name, CSV/JSON agree with the Python API, and the HTML
report renders in headless chromium (non-blank screenshot) with no network reference."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np

from ovbench.annotations.hico import load_annotations
from ovbench.diagnostics import hoi as dg
from ovbench.predictions.hoi import load_predictions

from test_leaderboard_browser import _png_size_and_pixels, _run

DEMO = Path(str(resources.files("ovbench.data").joinpath("hico_det_demo")))
ARGS = (DEMO / "predictions.json", "--annotations", DEMO / "annotations.json", "--setting", "rf-uc")


def test_json_matches_the_api_and_uses_names(run_cli):
    res = run_cli("diagnose", *ARGS, "-f", "json")
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    gt = load_annotations(DEMO / "annotations.json")
    det = load_predictions(DEMO / "predictions.json", gt.image_index())
    diag = dg.diagnose(gt, det)
    assert rep["counts"] == diag.counts
    assert rep["per_class"][0]["class"] == "board airplane"
    g = rep["gains"]["full"]
    assert abs(rep["metrics"]["full"] + sum(g.values()) - 1.0) < 1e-12
    # the official mAP in the report is the one `ovbench score` prints
    score = json.loads(run_cli("score", DEMO / "predictions.json", "-b", "hico-det", "--annotations",
                               DEMO / "annotations.json", "--setting", "rf-uc", "-f", "json").output)
    assert rep["metrics"] == score["metrics"]["default"]
    frame = dg.to_frame(diag, det)
    assert frame.index[0] == "board airplane" and np.allclose(frame["ap"].to_numpy(), diag.ap)
    assert (frame[list(dg.TYPES)].to_numpy().sum() == sum(diag.counts[t] for t in dg.TYPES))


def test_md_and_csv(run_cli):
    md = run_cli("diagnose", *ARGS, "-f", "md").output
    assert "| both_loc" in md and "unreachable" in md and "classes with the largest AP gap" in md
    csv = run_cli("diagnose", *ARGS, "-f", "csv").output.splitlines()
    assert csv[0].startswith("class,ap,npos,missed,human_loc") and len(csv) == 601


def test_bad_setting_exits_3(run_cli):
    res = run_cli("diagnose", *ARGS[:3], "--setting", "nope")
    assert res.exit_code == 3


def test_html_report_renders_in_chromium(tmp_path, run_cli):
    out = tmp_path / "diag.html"
    assert run_cli("diagnose", *ARGS, "-f", "html", "-o", out).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "https://" not in text and "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    shot = tmp_path / "shot.png"
    proc = _run(tmp_path, f"--screenshot={shot}", "--window-size=1200,1400", out.as_uri())
    assert shot.exists(), proc.stderr[-2000:]
    width, height, pixels = _png_size_and_pixels(shot.read_bytes())
    assert (width, height) == (1200, 1400)
    assert len(set(pixels)) > 50
    dom = _run(tmp_path, "--dump-dom", out.as_uri()).stdout
    assert dom.count("<rect") > 600 and 'id="gains"' in dom  # 600 class bars + 9 gain bars


def test_two_method_diff(tmp_path, run_cli):
    """B = A with shuffled scores: the diff's rows are B's minus A's numbers from each report."""
    import orjson

    doc = orjson.loads((DEMO / "predictions.json").read_bytes())
    rng = np.random.default_rng(0)
    for dets in doc["predictions"].values():
        for d in dets:
            d["score"] = float(rng.random())
    b = tmp_path / "b.json"
    b.write_bytes(orjson.dumps(doc))
    rest = ARGS[1:]
    ra = json.loads(run_cli("diagnose", ARGS[0], *rest, "-f", "json").output)
    rb = json.loads(run_cli("diagnose", b, *rest, "-f", "json").output)
    d = json.loads(run_cli("diagnose", ARGS[0], b, *rest, "-f", "json").output)
    ap_a = {r["class"]: r["ap"] for r in ra["per_class"]}
    ap_b = {r["class"]: r["ap"] for r in rb["per_class"]}
    assert len(d["rows"]) == sum(r["npos"] > 0 for r in ra["per_class"])
    assert all(r["difference"] == ap_b[r["name"]] - ap_a[r["name"]] for r in d["rows"])
    bg = next(t for t in d["types"] if t["type"] == "background")
    assert bg["difference"] == rb["gains"]["full"]["background"] - ra["gains"]["full"]["background"]
    assert d["summary"]["b"] < d["summary"]["a"]  # random scores are worse
    same = json.loads(run_cli("diagnose", ARGS[0], ARGS[0], *rest, "-f", "json").output)
    assert all(r["difference"] == 0 for r in same["rows"])
    assert "Largest losses of B" in run_cli("diagnose", ARGS[0], b, *rest).output


def test_html_report_on_the_full_hicodet_test_set_renders(tmp_path):
    """Full scale: every real test image and class, seeded detections (5 per image), in chromium."""
    import sys

    import orjson

    from conftest import REPO, require_shared
    from ovbench.diagnostics.render import render, report

    gt = load_annotations(require_shared("data", "hicodet", "instances_test2015.json"))
    sys.path.insert(0, str(REPO / "scripts"))
    from make_hico_dets import make

    path = tmp_path / "dets.json"
    path.write_bytes(orjson.dumps(make(gt, 5, 0)))
    det = load_predictions(path, gt.image_index())
    diag = dg.diagnose(gt, det)
    rep = report(diag, det, "seeded")
    g = rep["gains"]["full"]
    assert abs(rep["metrics"]["full"] + sum(g.values()) - 1.0) < 1e-12
    out = tmp_path / "full.html"
    out.write_text(render(rep, "html"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    _run(tmp_path, f"--screenshot={shot}", "--window-size=1200,1400", out.as_uri())
    width, height, pixels = _png_size_and_pixels(shot.read_bytes())
    assert (width, height) == (1200, 1400) and len(set(pixels)) > 50
    assert _run(tmp_path, "--dump-dom", out.as_uri()).stdout.count("<rect") > 600
