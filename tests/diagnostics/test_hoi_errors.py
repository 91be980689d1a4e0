"""HICO-DET error decomposition (:mod:`ovbench.diagnostics.hoi`).

* the error type and target of every false positive equal a literal per-detection classifier
  (a Python loop over the image's ground-truth pairs, rules in the documented order);
* the oracle mAP of every fix equals re-scoring *rewritten* detections (boxes set to the
  target's, class set to the target's, other errors of the type deleted, missed pairs deleted
  from the ground truth) with the official scorer;
* gains + interaction + unreachable reconcile with 1 - mAP;
on a hand-built case and on the real HICO-DET test annotations with seeded detections.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import orjson
import pytest

from ovbench.annotations.hico import HicoGroundTruth, load_annotations
from ovbench.diagnostics import hoi as dg
from ovbench.predictions.hoi import from_arrays, load_predictions
from ovbench.scorers import hoi as scorer
from ovbench.scorers.hoi_ap import box_iou
from ovbench.splits.hico import vocabulary

from conftest import REPO, require_shared


def literal_classify(gt, det, tp, offset, bg=0.1):
    """One detection at a time: the documented rules, in order."""
    obj = vocabulary().hoi_object
    error = np.full(len(det.hoi), dg.TP)
    target = np.full(len(det.hoi), -1)
    for d in np.flatnonzero(~tp):
        pairs = np.flatnonzero(gt.pair_image == det.image[d])
        b = det.boxes[d] + offset
        rows = []
        for g in pairs:
            oh = box_iou(b[None, :4], gt.boxes_h[g][None], "plus1")[0]
            oo = box_iou(b[None, 4:], gt.boxes_o[g][None], "plus1")[0]
            rows.append((g, oh, oo, min(oh, oo)))
        same = [r for r in rows if gt.hoi[r[0]] == det.hoi[d]]
        other = [r for r in rows if gt.hoi[r[0]] != det.hoi[d]]
        best_s = max(same, key=lambda r: r[3], default=None)   # max() keeps the first maximum
        best_o = max(other, key=lambda r: r[3], default=None)
        if best_s is not None and 0.1 <= best_s[3] < 0.5:
            error[d] = 0 if best_s[2] >= 0.5 else 1 if best_s[1] >= 0.5 else 2
            target[d] = best_s[0]
        elif best_o is not None and best_o[3] >= 0.5:
            error[d] = 3 if obj[gt.hoi[best_o[0]]] == obj[det.hoi[d]] else 4
            target[d] = best_o[0]
        elif best_s is not None and best_s[3] >= 0.5:
            error[d] = 5
        elif any(r[1] >= 0.5 for r in rows) and any(r[2] >= 0.5 for r in rows):
            error[d] = 6
        else:
            error[d] = 7
    return error, target


def rescored_oracle(gt, det, diag, types: set[str], fix_missed: bool, offset: float, unseen=None):
    """Rewrite the detections (and ground truth) as the oracle says, then score officially."""
    codes = [dg.TYPES.index(t) for t in types]
    touched = np.isin(diag.error, codes)
    keep = ~touched | diag.fixed
    hoi, boxes = det.hoi.copy(), det.boxes.copy()
    for d in np.flatnonzero(touched & diag.fixed):
        g = diag.target[d]
        if diag.error[d] in dg.LOCALIZATION:
            boxes[d] = np.concatenate([gt.boxes_h[g], gt.boxes_o[g]]) - offset
        else:
            hoi[d] = gt.hoi[g]
    new = from_arrays(det.image[keep], hoi[keep], boxes[keep], det.score[keep])
    g_keep = ~diag.missed if fix_missed else np.ones(len(gt.hoi), dtype=bool)
    new_gt = dataclasses.replace(gt, pair_image=gt.pair_image[g_keep], boxes_h=gt.boxes_h[g_keep],
                                 boxes_o=gt.boxes_o[g_keep], hoi=gt.hoi[g_keep])
    prof = scorer.PROFILES["official"]
    out = scorer.per_class_ap(new_gt, new, prof, offset)
    # npos of the original ground truth minus the missed pairs (same as new_gt's)
    return scorer.summarize(out["ap"], prof, out["npos"], unseen)


def check_oracles(gt, det, diag, offset, unseen=None):
    for t in dg.TYPES:
        got = rescored_oracle(gt, det, diag, {t}, False, offset, unseen)
        assert got == diag.metrics_fixed[t], t
    assert rescored_oracle(gt, det, diag, set(), True, offset, unseen) == diag.metrics_fixed["missed"]
    assert rescored_oracle(gt, det, diag, set(dg.TYPES), True, offset, unseen) == diag.metrics_fixed["all"]
    g = diag.gains("full")
    total = diag.metrics["full"] + sum(g[t] for t in dg.FIXES) + g["interaction"] + g["unreachable"]
    assert abs(total - 1.0) < 1e-12
    # with everything fixed, every class that keeps ground truth scores 1
    left = np.bincount(gt.hoi[~diag.missed], minlength=600) > 0
    assert np.allclose(diag.ap_fixed["all"], left.astype(float), rtol=0, atol=1e-12)  # 11 x 1/11


def _classes():
    v = vocabulary()
    o = v.hoi_object[0]
    same = np.flatnonzero(v.hoi_object == o)
    other = int(np.flatnonzero(v.hoi_object != o)[0])
    return int(same[0]), int(same[1]), int(same[2]), other


def hand_case():
    A, B, D, C = _classes()
    H0, O0, O2 = [10, 10, 50, 100], [60, 40, 100, 80], [200, 200, 240, 240]
    pairs = [  # image, human, object, class
        (0, H0, O0, A), (0, H0, O0, B), (0, H0, O2, C),                       # g0 g1 g2
        (1, [0, 0, 40, 40], [50, 50, 90, 90], A),                             # g3
        (2, [0, 0, 40, 40], [100, 0, 140, 40], A), (2, [0, 100, 40, 140], [100, 100, 140, 140], A),  # g4 g5
    ]
    gt = HicoGroundTruth(("a.jpg", "b.jpg", "c.jpg"), np.zeros((3, 2), dtype=np.int64),
                         np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs], dtype=float),
                         np.array([p[2] for p in pairs], dtype=float), np.array([p[3] for p in pairs]), "test")
    dets = [  # image, human, object, class, score -> expected type, target
        (1, [0, 0, 40, 40], [50, 50, 90, 90], A, .9, dg.TP, -1),
        (1, [0, 0, 40, 40], [50, 50, 90, 90], A, .8, 5, -1),            # duplicate
        (0, H0, [82, 40, 122, 80], A, .7, 1, 0),                        # object IoU 19/63: object_loc
        (0, H0, O2, A, .6, 4, 2),                                       # boxes of g2 (other object)
        (0, H0, O0, D, .75, 3, 0),                                      # boxes of g0/g1, verb wrong
        (0, [32, 10, 72, 100], [82, 40, 122, 80], A, .5, 2, 0),         # both IoU 19/63: both_loc
        (0, [32, 10, 72, 100], O0, A, .45, 0, 0),                       # human_loc
        (2, [0, 0, 40, 40], [100, 100, 140, 140], A, .4, 6, -1),        # human of g4, object of g5
        (2, [300, 300, 340, 340], [400, 400, 440, 440], A, .3, 7, -1),  # background
    ]
    det = from_arrays([d[0] for d in dets], [d[3] for d in dets], [d[1] + d[2] for d in dets],
                      [d[4] for d in dets])
    return gt, det, np.array([d[5] for d in dets]), np.array([d[6] for d in dets])


def test_hand_case_types_targets_fixes_and_oracles():
    gt, det, want_error, want_target = hand_case()
    diag = dg.diagnose(gt, det, box_frame="gt")
    assert diag.error.tolist() == want_error.tolist()
    assert diag.target.tolist() == want_target.tolist()
    # g0 is aimed at by the wrong_action (.75), object_loc (.7), both_loc (.5), human_loc (.45): the
    # best-ranked wins; g2 by the wrong_object error alone
    assert np.flatnonzero(diag.fixed).tolist() == [3, 4]
    # g1 (B, never aimed at: ties go to g0, first in file order), g4 and g5 are missed
    assert np.flatnonzero(diag.missed).tolist() == [1, 4, 5]
    assert diag.counts["duplicate"] == 1 and diag.counts["missed"] == 3
    error, target = literal_classify(gt, det, diag.error == dg.TP, 0.0)
    assert error.tolist() == want_error.tolist() and target.tolist() == want_target.tolist()
    check_oracles(gt, det, diag, 0.0)


def test_perfect_detections_have_no_errors_and_no_gain():
    gt, _, _, _ = hand_case()
    det = from_arrays(gt.pair_image, gt.hoi, np.concatenate([gt.boxes_h, gt.boxes_o], 1), np.linspace(1, .5, len(gt.hoi)))
    diag = dg.diagnose(gt, det, box_frame="gt")
    assert (diag.error == dg.TP).all() and not diag.missed.any()
    assert all(v == 0 for k, v in diag.gains("full").items() if k != "unreachable")


def test_other_profiles_are_refused():
    from ovbench.errors import SpecError

    gt, det, _, _ = hand_case()
    with pytest.raises(SpecError, match="official"):
        dg.diagnose(gt, det, profile="gen-vlkt")


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    path = require_shared("data", "hicodet", "instances_test2015.json")
    full = load_annotations(path)
    n_img = 600
    k = int(np.searchsorted(full.pair_image, n_img))
    gt = HicoGroundTruth(full.filenames[:n_img], full.sizes[:n_img], full.pair_image[:k], full.boxes_h[:k],
                         full.boxes_o[:k], full.hoi[:k], full.source_format)
    sys.path.insert(0, str(REPO / "scripts"))
    from make_hico_dets import make

    out = tmp_path_factory.mktemp("dets") / "dets.json"
    out.write_bytes(orjson.dumps(make(gt, 30, 0)))
    return gt, load_predictions(out, gt.image_index())


def test_real_annotations_error_counts_match_the_literal_classifier(real):
    gt, det = real
    diag = dg.diagnose(gt, det)
    error, target = literal_classify(gt, det, diag.error == dg.TP, 1.0)
    assert np.array_equal(error, diag.error)
    assert np.array_equal(target, diag.target)
    # every type occurs, so each rule is exercised on real boxes
    assert all(diag.counts[t] > 0 for t in dg.TYPES), diag.counts
    assert diag.counts["true_positives"] == int(scorer.per_class_ap(
        gt, det, scorer.PROFILES["official"], 1.0)["tp_by_detection"].sum())


def test_real_annotations_oracle_maps_equal_rescored_rewrites(real):
    from ovbench.splits.hico import unseen_ids

    gt, det = real
    unseen = unseen_ids("rf-uc")
    diag = dg.diagnose(gt, det, unseen=unseen)
    check_oracles(gt, det, diag, 1.0, unseen)
    assert all(g >= 0 for t, g in diag.gains("full").items() if t in dg.FIXES)
