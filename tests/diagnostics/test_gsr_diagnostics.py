"""GSR diagnostics on the hand fixture ``tests/fixtures/gsr/tiny`` (numbers derived in
``tests/gsr/test_gsr_hand.py``'s docstring; gold setting, CoFormer IoU):

* sleeping (3 images): top-1 1/3, top-5 2/3, value (1 + 1/2 + 1)/3 = 5/6, grnd (1 + 1/2 + 1/2)/3
  = 2/3; one top-5 hit that misses top-1 (sleeping_2); agent: value 1, grnd 2/3 (sleeping_3's
  agent has a box where the GT has none); place: value 2/3 (missing in sleeping_2), grnd 2/3;
* glaring: top-1 1, value 2/3, grnd 1/3; jumping: no prediction, 0 everywhere;
* grounding failures: noun wrong = sleeping_2 place + glaring place + jumping's roles; box wrong =
  glaring agent (IoU 0.4987); box extra = sleeping_3 agent; box missing = 0;
* confusions: sleeping -> glaring twice (sleeping_2 and sleeping_3).
"""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import pytest

from ovbench.annotations.swig import load_space
from ovbench.diagnostics.gsr import diagnose_files, to_frames

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "gsr" / "tiny"


@pytest.fixture(scope="module")
def diag():
    return diagnose_files(TINY / "preds_hand.json", annotations=TINY, split="test")


def close(a, b):
    return abs(a - float(b)) < 1e-12


def test_per_verb(diag):
    v = {r["verb"]: r for r in diag["per_verb"]}
    s = v["sleeping"]
    assert s["images"] == 3 and close(s["top1"], F(1, 3)) and close(s["top5"], F(2, 3))
    assert close(s["value_gold"], F(5, 6)) and close(s["grnd_gold"], F(2, 3)) and s["top5_not_top1"] == 1
    g = v["glaring"]
    assert close(g["top1"], 1) and close(g["value_gold"], F(2, 3)) and close(g["grnd_gold"], F(1, 3))
    j = v["jumping"]
    assert j["top1"] == j["top5"] == j["value_gold"] == j["grnd_gold"] == 0
    assert diag["top5_not_top1"] == 1


def test_per_role(diag):
    r = {(x["verb"], x["role"]): x for x in diag["per_role"]}
    assert close(r["sleeping", "agent"]["value_gold"], 1) and close(r["sleeping", "agent"]["grnd_gold"], F(2, 3))
    assert close(r["sleeping", "place"]["value_gold"], F(2, 3)) and close(r["sleeping", "place"]["grnd_gold"], F(2, 3))
    assert close(r["glaring", "agent"]["value_gold"], 1) and r["glaring", "agent"]["grnd_gold"] == 0


def test_grounding_failures_and_confusions(diag):
    n_jump = len(load_space(TINY).orders["jumping"])
    f = diag["grounding_failures"]
    assert f == {"slots": 6 + 3 + n_jump, "not_grounded": 4 + n_jump, "noun_wrong": 2 + n_jump,
                 "box_wrong": 1, "box_missing": 0, "box_extra": 1}
    assert diag["confusions"] == [{"gt": "sleeping", "predicted": "glaring", "images": 2}]


def test_frames_use_names(diag):
    verbs, roles = to_frames(diag)
    assert list(verbs.index) == ["glaring", "jumping", "sleeping"]
    assert ("sleeping", "place") in roles.index


def test_cli_formats_and_html_in_chromium(tmp_path, run_cli):
    from test_leaderboard_browser import _png_size_and_pixels, _run

    demo = Path(__file__).resolve().parents[2] / "ovbench" / "data" / "ov_swig_demo"
    man = tmp_path / "manifest.json"
    assert run_cli("split", "ov-swig", "--annotations", demo / "annotations", "--seed", "0", "--n-unseen", "3",
                   "--n-rare", "5", "-o", man).exit_code == 0
    args = (demo / "predictions_test.json", "-b", "ov-swig", "--annotations", demo / "annotations",
            "--split", "test", "--manifest", man)
    md = run_cli("diagnose", *args, "-f", "md").output
    assert "verb confusions" in md and "(unseen)" in md
    assert run_cli("diagnose", *args, "-f", "csv").output.startswith("verb,images,train_images,unseen,top1")
    out = tmp_path / "gsr.html"
    assert run_cli("diagnose", *args, "-f", "html", "-o", out).exit_code == 0
    assert "https://" not in out.read_text()
    shot = tmp_path / "shot.png"
    _run(tmp_path, f"--screenshot={shot}", "--window-size=1000,1200", out.as_uri())
    w, h, pixels = _png_size_and_pixels(shot.read_bytes())
    assert (w, h) == (1000, 1200) and len(set(pixels)) > 50
    dom = _run(tmp_path, "--dump-dom", out.as_uri()).stdout
    assert 'fill="#e15759"' in dom and dom.count("<circle") >= 3  # unseen verbs marked on the curve
