"""Invariants of the HICO-DET scorer, on the built-in demo data and the real test annotations."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hoi_helpers import fast_ap, make_dets, random_detections, require_shared

from ovbench.annotations.hico import load_annotations
from ovbench.benchmarks.hicodet import score_detections
from ovbench.predictions.hoi import from_arrays, load_predictions

DEMO = Path(str(resources.files("ovbench.data").joinpath("hico_det_demo")))


@pytest.fixture(scope="module")
def demo():
    gt = load_annotations(DEMO / "annotations.json")
    return gt, load_predictions(DEMO / "predictions.json", gt.image_index())


def _gt_as_predictions(gt, offset=0.0):
    boxes = np.concatenate([gt.boxes_h, gt.boxes_o], axis=1) + offset
    return from_arrays(gt.pair_image, gt.hoi, boxes, np.linspace(1.0, 0.5, len(gt.hoi)))


@pytest.mark.parametrize("profile", ["official", "thid-cmdse"])
def test_ground_truth_as_predictions_scores_one(profile):
    gt = load_annotations(require_shared("data", "hicodet", "instances_test2015.json"))
    # model frame: 0-based, i.e. the ground truth minus one pixel (official profile adds it back)
    offset = -1.0 if profile == "official" else 0.0
    result = score_detections(gt, _gt_as_predictions(gt, offset), setting="rf-uc", profile=profile)
    for mode in ("default", "known_object"):
        for value in result["metrics"][mode].values():
            assert value == pytest.approx(1.0, abs=1e-12)
    # and in the gt frame with --box-frame gt
    result = score_detections(gt, _gt_as_predictions(gt), profile=profile, box_frame="gt")
    assert result["metrics"]["default"]["full"] == pytest.approx(1.0, abs=1e-12)


def test_ground_truth_as_predictions_under_gen_vlkt_loses_only_the_top_100_overflow():
    """Some test images hold more than 100 pairs (up to 161): GEN-VLKT's top-100 per image drops
    true pairs even from perfect predictions; without the cap the score is 1."""
    gt = load_annotations(require_shared("data", "hicodet", "instances_test2015.json"))
    result = score_detections(gt, _gt_as_predictions(gt), profile="gen-vlkt")
    assert 0.99 < result["metrics"]["default"]["full"] < 1.0
    assert result["counts"]["default"]["dropped_by_top_k"] == int(
        np.maximum(np.bincount(gt.pair_image) - 100, 0).sum())
    uncapped = fast_ap(gt, _gt_as_predictions(gt), profile="gen-vlkt", top_k_per_image=None)
    assert np.allclose(uncapped["ap"], 1.0, atol=1e-12)


def _permuted(det, perm):
    return from_arrays(det.image[perm], det.hoi[perm], det.boxes[perm], det.score[perm])


def test_shuffling_images_or_detections_changes_nothing(demo):
    """Scores in the demo are distinct within each image and class, so no tie depends on order."""
    gt, det = demo
    base = fast_ap(gt, det, box_offset=1.0)
    rng = np.random.default_rng(0)
    for _ in range(3):
        perm = rng.permutation(len(det.hoi))
        again = fast_ap(gt, _permuted(det, perm), box_offset=1.0)
        assert np.array_equal(base["ap"], again["ap"]) and np.array_equal(base["recall"], again["recall"])
    # whole image blocks reordered, rows inside each image kept
    blocks = rng.permutation(gt.n_images)
    perm = np.concatenate([np.flatnonzero(det.image == i) for i in blocks])
    assert np.array_equal(base["ap"], fast_ap(gt, _permuted(det, perm), box_offset=1.0)["ap"])


def test_removing_a_false_positive_never_lowers_ap(demo):
    """A detection of a class absent from its image is a false positive whatever the order."""
    gt, det = demo
    present = set(zip(gt.pair_image.tolist(), gt.hoi.tolist()))
    fps = [k for k, key in enumerate(zip(det.image.tolist(), det.hoi.tolist())) if key not in present]
    base = fast_ap(gt, det, box_offset=1.0)["ap"]
    rng = np.random.default_rng(1)
    for k in rng.choice(fps, 25, replace=False):
        keep = np.ones(len(det.hoi), dtype=bool)
        keep[k] = False
        after = fast_ap(gt, _permuted(det, np.flatnonzero(keep)), box_offset=1.0)["ap"]
        assert (after >= base - 1e-15).all()
        assert after[det.hoi[k]] >= base[det.hoi[k]]


def test_duplicate_true_positive_never_raises_ap(demo):
    gt, det = demo
    base = fast_ap(gt, det, box_offset=1.0)["ap"]
    perm = np.concatenate([np.arange(len(det.hoi)), np.arange(0, len(det.hoi), 7)])
    doubled = fast_ap(gt, _permuted(det, perm), box_offset=1.0)["ap"]
    assert (doubled <= base + 1e-15).all()


def test_strictly_increasing_score_transform_changes_nothing():
    gt = load_annotations(DEMO / "annotations.json")
    rows = random_detections(gt, per_image=8, seed=4, score_decimals=6)
    det = make_dets(rows)
    transformed = from_arrays(det.image, det.hoi, det.boxes, np.exp(3 * det.score) - 7)
    assert np.array_equal(fast_ap(gt, det)["ap"], fast_ap(gt, transformed)["ap"])


def test_full_mean_is_the_class_weighted_mix_of_rare_and_non_rare(demo):
    gt, det = demo
    m = score_detections(gt, det, setting="uo")["metrics"]["default"]
    assert m["full"] == pytest.approx((138 * m["rare"] + 462 * m["non_rare"]) / 600, abs=1e-12)
    assert m["full"] == pytest.approx((100 * m["unseen"] + 500 * m["seen"]) / 600, abs=1e-12)


def test_known_object_reusing_default_matches_equals_matching_again(demo):
    """Known-Object removes whole (image, class) groups, so Default's TP flags still hold."""
    from ovbench.scorers.hoi import PROFILES, known_object_mask, per_class_ap, presence_from_gt

    gt, det = demo
    rows = random_detections(gt, per_image=6, seed=11)
    det = make_dets(rows)
    prof = PROFILES["official"]
    ko = known_object_mask(det.image, det.hoi, presence_from_gt(gt))
    ko[det.image % 3 == 0] = False  # image-level labels may also drop images that hold GT
    default = per_class_ap(gt, det, prof, 0.0)
    fresh = per_class_ap(gt, det, prof, 0.0, keep=ko)
    reused = per_class_ap(gt, det, prof, 0.0, keep=ko, matches=default["tp_by_detection"])
    assert np.array_equal(fresh["ap"], reused["ap"]) and np.array_equal(fresh["recall"], reused["recall"])
    assert (fresh["ap"] != default["ap"]).any()
