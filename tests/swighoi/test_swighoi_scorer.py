"""SWIG-HOI scorer: golden numbers of THID's own evaluator, a literal reference, hand cases, invariants."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from reference_swighoi import per_class_ap as reference_ap

from ovbench.annotations.swighoi import load_annotations
from ovbench.benchmarks import swighoi as bench
from ovbench.errors import SpecError
from ovbench.predictions.swighoi import from_arrays, load_predictions
from ovbench.scorers import swighoi as scorer
from ovbench.splits import swighoi as splits

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "swighoi"
GOLDEN = json.loads((FIX / "golden_thid.json").read_text())


# --------------------------------------------------------------------------- vocabulary


def test_vocabulary_matches_the_published_counts():
    voc = splits.vocabulary()
    assert (len(voc.object_names), len(voc.action_names), voc.n_hoi) == (1000, 407, 14130)
    assert {k: len(v) for k, v in voc.subsets.items()} == {"full": 5539, "zero_shot": 1391, "rare": 2841,
                                                           "non_rare": 1307}
    assert len(set(voc.object_names)) == 963  # why predictions use HOI ids, not names
    full = voc.subsets["full"]
    assert np.array_equal(full, np.flatnonzero(voc.hoi_evaluated))
    parts = np.sort(np.concatenate([voc.subsets[k] for k in ("zero_shot", "rare", "non_rare")]))
    assert np.array_equal(parts, full)
    assert voc.object_names[0] == "person"
    table = voc.pair_table()
    assert (table >= 0).sum() == 14130 and table[voc.hoi_action[8123], voc.hoi_object[8123]] == 8123


def test_vocabulary_file_is_reproduced_by_its_generator():
    """The committed JSON is what scripts/make_swighoi_vocab.py renders from its own data."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "make_swighoi_vocab.py"
    spec = importlib.util.spec_from_file_location("make_swighoi_vocab", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    committed = splits.spec_path().read_text(encoding="utf-8")
    assert mod.render(json.loads(committed)) == committed


def test_tampered_vocabulary_is_refused(tmp_path, monkeypatch):
    doc = json.loads(splits.spec_path().read_text())
    doc["subsets"]["zero_shot"]["values"] = doc["subsets"]["zero_shot"]["values"][1:]
    bad = tmp_path / "swig-hoi-1.json"
    bad.write_text(json.dumps(doc))
    monkeypatch.setattr(splits, "spec_path", lambda: bad)
    splits.vocabulary.cache_clear()
    try:
        with pytest.raises(SpecError, match="subsets.zero_shot"):
            splits.vocabulary()
    finally:
        monkeypatch.undo()
        splits.vocabulary.cache_clear()


# --------------------------------------------------------------------------- THID's own numbers


@pytest.mark.parametrize("variant,profile", [("plain", "ovbench"), ("plain", "thid"), ("ties", "thid")])
def test_per_class_ap_equals_thid_evaluator(variant, profile):
    """Golden numbers written by THID's SWiGEvaluator, run unchanged (see golden_thid.json provenance)."""
    result = bench.score_files(FIX / f"predictions_{variant}.json", annotations=FIX / "swig_test_1000.json",
                               profile=profile)
    ours = result["per_class_ap"]
    golden = GOLDEN["per_class_ap"][variant]
    for hoi in np.flatnonzero(splits.vocabulary().hoi_evaluated).tolist():
        assert ours[hoi] == golden.get(str(hoi), 0.0), hoi
    for name, value in GOLDEN["means"][variant].items():
        assert result["metrics"][name] == value, name


def test_fixture_files_are_the_ones_thid_scored():
    import hashlib

    for name, digest in GOLDEN["sha256"].items():
        assert hashlib.sha256((FIX / name).read_bytes()).hexdigest() == digest, name


def test_ties_change_the_number_only_under_the_thid_profile():
    """With tied scores THID's unstable argsort and ovbench's stable order rank differently."""
    kw = dict(annotations=FIX / "swig_test_1000.json")
    stable = bench.score_files(FIX / "predictions_ties.json", profile="ovbench", **kw)
    thid = bench.score_files(FIX / "predictions_ties.json", profile="thid", **kw)
    assert stable["per_class_ap"] != thid["per_class_ap"]
    assert stable["scorer"]["options"]["tie_order"] == "score-image-position"
    assert thid["scorer"]["options"]["tie_order"] == "numpy-argsort-reversed"
    # the stable order is the literal reference's stable order
    gt = load_annotations(FIX / "swig_test_1000.json")
    det = load_predictions(FIX / "predictions_ties.json", gt.image_index())
    ref = reference_ap(gt.image, gt.hoi, gt.boxes, det.image, det.hoi, det.boxes, det.score,
                       splits.vocabulary().hoi_evaluated, order="stable")
    ours = np.array([0.0 if v is None else v for v in stable["per_class_ap"]])
    assert np.array_equal(ours, ref)


def test_stable_profile_ignores_the_order_of_images_in_the_file(tmp_path):
    doc = json.loads((FIX / "predictions_ties.json").read_text())
    items = list(doc["predictions"].items())
    np.random.default_rng(0).shuffle(items)
    shuffled = tmp_path / "shuffled.json"
    shuffled.write_text(json.dumps({"predictions": dict(items)}))
    kw = dict(annotations=FIX / "swig_test_1000.json")
    a = bench.score_files(FIX / "predictions_ties.json", **kw)
    b = bench.score_files(shuffled, **kw)
    assert a["per_class_ap"] == b["per_class_ap"] and a["metrics"] == b["metrics"]


# --------------------------------------------------------------------------- literal reference


def _random_instance(rng, n_img=30, n_cls=6, ties=False):
    voc = splits.vocabulary()
    classes = rng.choice(np.flatnonzero(voc.hoi_evaluated), n_cls, replace=False)
    gt_image, gt_hoi, gt_boxes = [], [], []
    for img in range(n_img):
        for _ in range(int(rng.integers(0, 4))):
            x, y = rng.uniform(0, 80, 2)
            gt_image.append(img)
            gt_hoi.append(int(rng.choice(classes)))
            gt_boxes.append([x, y, x + rng.uniform(5, 30), y + rng.uniform(5, 30)] * 2)
    gt_boxes = np.asarray(gt_boxes)
    gt_boxes[:, 4:] += rng.uniform(-20, 20, (len(gt_boxes), 1))
    det_image, det_hoi, det_boxes, det_score = [], [], [], []
    for i in range(len(gt_hoi)):
        for _ in range(int(rng.integers(0, 4))):
            det_image.append(gt_image[i] if rng.random() < 0.8 else int(rng.integers(0, n_img)))
            det_hoi.append(gt_hoi[i] if rng.random() < 0.8 else int(rng.choice(classes)))
            det_boxes.append(gt_boxes[i] + rng.normal(0, 3, 8))
            det_score.append(round(rng.random(), 1) if ties else rng.random())
    det_boxes = np.asarray(det_boxes).reshape(-1, 8)
    for b in (det_boxes[:, :4], det_boxes[:, 4:]):  # keep x2 >= x1
        b[:, 2:] = np.maximum(b[:, 2:], b[:, :2])
    return (np.asarray(gt_image), np.asarray(gt_hoi), gt_boxes.reshape(-1, 8),
            np.asarray(det_image), np.asarray(det_hoi), det_boxes, np.asarray(det_score))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("ties", [False, True])
def test_fast_scorer_equals_the_literal_reference(seed, ties):
    rng = np.random.default_rng(seed)
    gi, gh, gb, di, dh, db, ds = _random_instance(rng, ties=ties)
    evaluated = splits.vocabulary().hoi_evaluated
    for profile, order in (("ovbench", "stable"), ("thid", "argsort")):
        out = scorer.per_class_ap(gi, gh, gb, di, dh, db, ds, np.arange(len(dh)), evaluated,
                                  scorer.get_profile(profile))
        ref = reference_ap(gi, gh, gb, di, dh, db, ds, evaluated, order=order)
        assert np.array_equal(out["ap"], ref), profile


# --------------------------------------------------------------------------- hand cases


def _one_class(gt_boxes, dets, hoi=None):
    """Score detections [(image, box8, score)] against gt [(image, box8)] of one evaluated class."""
    voc = splits.vocabulary()
    hoi = int(voc.subsets["rare"][0]) if hoi is None else hoi
    gi = np.array([g[0] for g in gt_boxes], dtype=np.int64)
    gb = np.array([g[1] for g in gt_boxes], dtype=np.float64).reshape(-1, 8)
    di = np.array([d[0] for d in dets], dtype=np.int64)
    db = np.array([d[1] for d in dets], dtype=np.float64).reshape(-1, 8)
    ds = np.array([d[2] for d in dets], dtype=np.float64)
    out = scorer.per_class_ap(gi, np.full(len(gi), hoi), gb, di, np.full(len(di), hoi), db, ds,
                              np.arange(len(di)), voc.hoi_evaluated, scorer.get_profile("ovbench"))
    return out["ap"][hoi], out["tp"]


BOX = [0, 0, 10, 10, 20, 20, 30, 30]


def test_perfect_predictions_score_one():
    ap, tp = _one_class([(0, BOX), (1, BOX)], [(0, BOX, 0.9), (1, BOX, 0.8)])
    assert tp.tolist() == [True, True] and ap == pytest.approx(1.0, abs=1e-12)


def test_duplicate_is_a_false_positive_and_iou_one_half_matches():
    # IoU exactly 0.5 for the human box (continuous areas): [0,0,10,10] vs [0,0,10,20] -> 100/200
    half = [0, 0, 10, 20, 20, 20, 30, 30]
    ap, tp = _one_class([(0, BOX)], [(0, half, 0.9), (0, BOX, 0.8)])
    assert tp.tolist() == [True, False]
    assert ap == pytest.approx(1.0, abs=1e-12)
    just_below = [0, 0, 10, 20.01, 20, 20, 30, 30]
    _, tp = _one_class([(0, BOX)], [(0, just_below, 0.9)])
    assert tp.tolist() == [False]


def test_a_taken_best_pair_makes_a_false_positive_even_if_another_pair_is_free():
    other = [0, 0, 10, 12, 20, 20, 30, 30]  # overlaps BOX with IoU 10/12 >= 0.5
    det = [0, 0, 10, 10.5, 20, 20, 30, 30]  # closer to BOX than to `other`
    _, tp = _one_class([(0, BOX), (0, other)], [(0, BOX, 0.9), (0, det, 0.8)])
    assert tp.tolist() == [True, False]


def test_recall_thresholds_are_i_over_ten():
    # 10 ground-truth pairs, 3 found first: recall 3/10 == 0.3 exactly reaches the 0.3 threshold
    gts = [(i, BOX) for i in range(10)]
    dets = [(i, BOX, 1.0 - i / 100) for i in range(3)]
    ap, _ = _one_class(gts, dets)
    assert ap == pytest.approx(4 / 11, abs=1e-12)  # thresholds 0, 0.1, 0.2, 0.3 reached with precision 1


def test_the_cap_of_19999_detections_per_class():
    voc = splits.vocabulary()
    hoi = int(voc.subsets["non_rare"][0])
    far = [100, 100, 110, 110, 120, 120, 130, 130]
    n = scorer.CAP_PER_CLASS
    dets = [(0, far, 1.0 - k * 1e-7) for k in range(n)] + [(0, BOX, 0.0)]
    ap, tp = _one_class([(0, BOX)], dets, hoi)
    assert ap == 0.0 and len(tp) == n and not tp.any()
    ap, _ = _one_class([(0, BOX)], dets[1:], hoi)  # one false positive fewer: the TP is ranked 19,999th
    assert ap > 0


def test_a_class_without_ground_truth_scores_zero_and_counts():
    voc = splits.vocabulary()
    gt = load_annotations(FIX / "swig_test_1000.json")
    det = from_arrays([0], [int(voc.subsets["zero_shot"][-1])], [BOX], [0.5])
    result = bench.score_detections(gt, det)
    assert result["counts"]["classes_without_gt"] > 0
    ap = np.array([0.0 if v is None else v for v in result["per_class_ap"]])
    assert result["metrics"]["full"] == float(np.mean(ap[voc.subsets["full"]]))
    assert any("no ground truth" in n for n in result["notes"])


def test_unknown_profile_is_named():
    with pytest.raises(SpecError, match="did you mean 'thid'|Did you mean 'thid'"):
        scorer.get_profile("thd")
