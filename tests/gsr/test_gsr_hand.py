"""Hand-computed GSR numbers on ``tests/fixtures/gsr/tiny`` (real imSitu verbs, roles, synsets).

Ground truth (test.json, 5 images) and predictions (preds_hand.json), per image:

* ``sleeping_1`` (agent, place). Annotators: agent man/man/girl, place room/""/room; boxes
  agent [10,10,110,210], place absent. Prediction: verbs [sleeping, glaring]; agent = girl
  (annotator 3) with the exact box, place = "" (annotator 2) with a null box.
  -> verb@1 = verb@5 = 1; value 2/2, value-all 1; grounded 2/2 (exact box; absent GT box and
  null prediction), grnd-all 1 in every setting.
* ``sleeping_2``: agent woman (box [0,0,100,100]), place room. Prediction: verbs [glaring,
  sleeping] (GT verb at rank 2); frame has agent = woman with the exact box; **place missing**.
  -> top-1: all 0. top-5 and gold: value 1/2, value-all 0, grnd 1/2, grnd-all 0.
* ``sleeping_3``: agent man, place room, both boxes absent. Prediction: verbs [glaring,
  jumping] (GT verb not in top-5) but a sleeping frame: agent man with a box [1,1,5,5], place
  room with null box. -> top-1/top-5: 0. gold: value 1, value-all 1; agent has a box where the
  GT has none -> grnd 1/2, grnd-all 0.
* ``glaring_1`` (agent, perceiver, place): agent man/man/woman, box [0,0,99,99]; perceiver ""
  (absent box); place outdoors/outdoors/outside. Prediction: verbs [glaring]; agent woman with
  box [0,0,99,198.5]; perceiver "" null; place n99999999 (well-formed, out of vocabulary).
  value 2/3, value-all 0 in all settings. Agent box: continuous IoU 99*99/(99*198.5) = 0.4987 <
  0.5 (CoFormer: wrong); +1 pixel IoU 100*100/(100*199.5) = 0.5013 > 0.5 (SWiG: right).
  -> grnd = 1/3 (coformer) or 2/3 (swig); grnd-all 0.
* ``jumping_1``: no prediction -> 0 everywhere, counted as missing.

Per-image averaging (5 images), CoFormer IoU:
  top1: verb 2/5, value (1+2/3)/5 = 1/3, value-all 1/5, grnd (1+1/3)/5 = 4/15, grnd-all 1/5
  top5: verb 3/5, value (1+1/2+2/3)/5 = 13/30, value-all 1/5, grnd (1+1/2+1/3)/5 = 11/30, grnd-all 1/5
  gold: value (1+1/2+1+2/3)/5 = 19/30, value-all 2/5, grnd (1+1/2+1/2+1/3)/5 = 7/15, grnd-all 1/5
Per-verb averaging (sleeping = images 1-3, glaring, jumping; mean over 3 verbs):
  top1: verb (1/3+1+0)/3 = 4/9, value (1/3+2/3+0)/3 = 1/3, value-all (1/3)/3 = 1/9,
        grnd (1/3+1/3)/3 = 2/9, grnd-all 1/9
  top5: verb (2/3+1)/3 = 5/9, value (1/2+2/3)/3 = 7/18, value-all 1/9, grnd (1/2+1/3)/3 = 5/18, grnd-all 1/9
  gold: value (5/6+2/3)/3 = 1/2, value-all (2/3)/3 = 2/9, grnd (2/3+1/3)/3 = 1/3, grnd-all (1/3)/3 = 1/9
SWiG IoU changes only glaring's grnd (1/3 -> 2/3): per-image grnd +1/15, per-verb grnd +1/9.
"""

from __future__ import annotations

import json
from fractions import Fraction as F

import numpy as np
import pytest

from ovbench.benchmarks.ovswig import render, score_files
from ovbench.scorers.gsr import box_hits

TINY = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures" / "gsr" / "tiny"
PREDS = TINY / "preds_hand.json"

PER_IMAGE = {
    "top1": {"verb": F(2, 5), "value": F(1, 3), "value_all": F(1, 5), "grnd": F(4, 15), "grnd_all": F(1, 5)},
    "top5": {"verb": F(3, 5), "value": F(13, 30), "value_all": F(1, 5), "grnd": F(11, 30), "grnd_all": F(1, 5)},
    "gold": {"value": F(19, 30), "value_all": F(2, 5), "grnd": F(7, 15), "grnd_all": F(1, 5)},
}
PER_VERB = {
    "top1": {"verb": F(4, 9), "value": F(1, 3), "value_all": F(1, 9), "grnd": F(2, 9), "grnd_all": F(1, 9)},
    "top5": {"verb": F(5, 9), "value": F(7, 18), "value_all": F(1, 9), "grnd": F(5, 18), "grnd_all": F(1, 9)},
    "gold": {"value": F(1, 2), "value_all": F(2, 9), "grnd": F(1, 3), "grnd_all": F(1, 9)},
}
SWIG_GRND_DELTA = {"per-image": F(1, 15), "per-verb": F(1, 9)}


def _expected(averaging, iou):
    table = PER_IMAGE if averaging == "per-image" else PER_VERB
    out = {s: dict(m) for s, m in table.items()}
    if iou == "swig":
        for s in out:
            out[s]["grnd"] += SWIG_GRND_DELTA[averaging]
    return out


@pytest.mark.parametrize("averaging", ["per-verb", "per-image"])
@pytest.mark.parametrize("iou", ["coformer", "swig"])
def test_hand_computed_numbers(averaging, iou):
    result = score_files(PREDS, annotations=TINY, split="test", averaging=averaging, iou=iou)
    got = result["metrics"]["all"]
    expected = _expected(averaging, iou)
    assert set(got) == {"top1", "top5", "gold"}
    for setting, metrics in expected.items():
        assert set(got[setting]) == set(metrics)
        for name, value in metrics.items():
            assert got[setting][name] == pytest.approx(float(value), abs=1e-12), (setting, name)
    assert result["scorer"]["options"]["averaging"] == averaging
    assert result["scorer"]["options"]["iou"] == iou


def test_counts_and_provenance():
    result = score_files(PREDS, annotations=TINY, split="test", method="hand")
    c = result["counts"]
    assert (c["expected"], c["found"], c["missing"]) == (5, 4, 1)
    assert c["missing_sample"] == ["jumping_1.jpg"]
    assert c["out_of_vocabulary_nouns"] == 1 and c["out_of_vocabulary_sample"] == ["n99999999"]
    assert result["method"] == {"name": "hand", "note": "tests/gsr/test_gsr_hand.py derives every number"}
    assert result["benchmark"]["manifest_sha256"] is None and result["benchmark"]["split"] == "test"
    assert result["scorer"]["id"] == "gsr" and result["scorer"]["version"] == "1"
    text = render(result, "table")
    assert "1 image(s) have no prediction" in text and "n99999999" in text
    top1 = text.splitlines()[2].split()
    assert top1[:2] == ["Top-1", "44.44"]  # verb, per-verb: 4/9; per-image would give 2/5 = 40.00


def test_csv_and_md_render():
    result = score_files(PREDS, annotations=TINY, split="test")
    csv_text = render(result, "csv")
    assert csv_text.splitlines()[0] == "subset,setting,metric,value,images"
    row = [r for r in csv_text.splitlines() if r.startswith("all,top1,verb,")][0]
    assert float(row.split(",")[3]) == pytest.approx(4 / 9, abs=1e-15)
    assert render(result, "md").startswith("| setting")


@pytest.mark.parametrize(
    "pred, gt, coformer, swig",
    [
        ([0, 0, 100, 100], [0, 0, 100, 100], True, True),  # identical
        ([0, 0, 99, 198], [0, 0, 99, 99], True, True),  # continuous IoU exactly 0.5: >= passes
        ([0, 0, 99, 199], [0, 0, 99, 99], False, False),  # +1 IoU exactly 100*100/(100*200) = 0.5: > fails
        ([0, 0, 99, 198.5], [0, 0, 99, 99], False, True),  # 0.4987 vs 0.5013
        ([10, 0, 20, 10], [0, 0, 10, 10], False, False),  # touching edges: 0 vs 11/231
        ([0, 0, 10, 10], [0.9, 0.9, 10.9, 10.9], True, True),  # CoFormer truncates GT with int()
        ([5, 5, 5, 5], [5, 5, 5, 5], False, True),  # zero-area boxes: union floored at 1e-4 -> 0; +1 -> 1
    ],
)
def test_box_conventions(pred, gt, coformer, swig):
    p, g = np.array([pred], float), np.array([gt], float)
    assert bool(box_hits(p, g, "coformer")[0]) is coformer
    assert bool(box_hits(p, g, "swig")[0]) is swig


def test_cli_json_output(run_cli, tmp_path):
    out = tmp_path / "result.json"
    res = run_cli("score", PREDS, "-b", "ov-swig", "--annotations", TINY, "--split", "test",
                  "--averaging", "per-image", "--iou", "swig", "-f", "json", "-o", out)
    assert res.exit_code == 0, res.output
    printed = json.loads(res.output)
    assert printed["metrics"]["all"]["top1"]["grnd"] == pytest.approx(float(F(4, 15) + F(1, 15)))
    assert json.loads(out.read_text())["payload_sha256"] == printed["payload_sha256"]


def test_cli_rejects_hico_options(run_cli):
    res = run_cli("score", PREDS, "-b", "ov-swig", "--annotations", TINY, "--split", "test", "--profile", "x")
    assert res.exit_code == 2 and "--profile does not apply" in res.output
