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
