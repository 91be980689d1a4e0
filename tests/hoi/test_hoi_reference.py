"""Fast scorer vs the literal reference (tests/hoi/reference_hoi.py) and hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from hoi_helpers import fast_ap, gt_rows, make_dets, make_gt, random_detections, require_shared
from reference_hoi import GRIDS, reference_per_class_ap

from ovbench.annotations.hico import load_annotations
from ovbench.scorers.hoi import PROFILES
from ovbench.scorers.hoi_ap import box_iou, matlab_colon, thresholds

B = [10, 10, 50, 90]          # a human box
O = [40, 30, 120, 100]        # an object box
PAIR = B + O


@pytest.fixture(scope="module")
def real_case():
    gt = load_annotations(require_shared("data", "hicodet", "instances_test2015.json"))
    rows = random_detections(gt, per_image=12, seed=7)
    # predictions files list images in any order: shuffle the image blocks
    rng = np.random.default_rng(3)
    blocks = {}
    for r in rows:
        blocks.setdefault(r[0], []).append(r)
    shuffled = [r for i in rng.permutation(sorted(blocks)) for r in blocks[i]]
    return gt, shuffled


@pytest.mark.parametrize("grid,iou,cap", [
    ("matlab-colon", "plus1", None),            # official
    ("numpy-arange", "plus1-touching-zero", None),  # GEN-VLKT core
    ("i/10", "continuous", 40),                 # THID/CMD-SE core with a (small) per-class cap
])
def test_fast_equals_reference_on_real_annotations(real_case, grid, iou, cap):
    gt, rows = real_case
    ref_ap, ref_rec = reference_per_class_ap(gt_rows(gt), rows, gt.n_images, grid=grid, convention=iou, cap=cap)
    fast = fast_ap(gt, make_dets(rows), threshold_grid=grid, iou=iou, per_class_cap=cap,
                   top_k_per_image=None, class_set="all", drop_images="none")
    assert len(rows) > 100_000
    assert np.max(np.abs(fast["ap"] - np.asarray(ref_ap))) <= 1e-12
    assert np.max(np.abs(fast["recall"] - np.asarray(ref_rec))) <= 1e-12
    assert 0.2 < float(np.mean(ref_ap)) < 0.9  # a non-trivial mix of TPs and FPs


def test_matlab_grid():
    grid = matlab_colon(0.0, 0.1, 1.0)
    assert grid.tolist() == GRIDS["matlab-colon"]
    assert grid[3] == 0.30000000000000004 and grid[6] == 0.6 and grid[7] == 0.7
    assert thresholds("numpy-arange")[6] == 0.6000000000000001
    assert thresholds("i/10")[3] == 0.3


def _one_class(dets, gts, n_images=2, profile="official", **kw):
    """Fast AP of class 0, checked against the literal reference on the same case."""
    gt = make_gt([(i, 0, h, o) for i, h, o in gts], n_images=n_images)
    rows = [(i, 0, b, s) for i, b, s in dets]
    fast = fast_ap(gt, make_dets(rows), profile, **kw)
    prof = PROFILES[profile]
    ref_ap, ref_rec = reference_per_class_ap(
        gt_rows(gt), rows, n_images, grid=kw.get("threshold_grid", prof.threshold_grid),
        convention=prof.iou, cap=prof.per_class_cap, n_hoi=600)
    assert abs(fast["ap"][0] - ref_ap[0]) <= 1e-12 and abs(fast["recall"][0] - ref_rec[0]) <= 1e-12
    return fast


def test_ties_follow_image_order_then_file_position():
    """Two detections with score 0.5: image 0's is a FP, image 1's a TP; npos = 1.
    Canonical order [FP, TP]: prec = [0, 0.5], rec = [0, 1] -> every threshold sees 0.5 -> AP 0.5.
    (The reverse order would give AP 1.0.)"""
    far = [200, 200, 210, 210, 300, 300, 310, 310]
    r = _one_class([(1, PAIR, 0.5), (0, far, 0.5)], [(1, B, O)])
    assert r["ap"][0] == pytest.approx(0.5, abs=1e-15)
    # within one image, the first in the file wins the tie
    r = _one_class([(0, far, 0.5), (0, PAIR, 0.5)], [(0, B, O)], n_images=1)
    assert r["ap"][0] == pytest.approx(0.5, abs=1e-15)
    r = _one_class([(0, PAIR, 0.5), (0, far, 0.5)], [(0, B, O)], n_images=1)
    assert r["ap"][0] == pytest.approx(1.0, abs=1e-15)


def test_taken_ground_truth_makes_a_false_positive():
    """GT g0 = PAIR and g1 (shifted 6 px). d1 (0.9) = g0 exactly -> TP. d2 (0.8) overlaps g0 best
    and g1 >= 0.5, but g0 is taken -> FP (no fallback to g1). tp = [1, 0], npos = 2:
    rec = [0.5, 0.5], prec = [1, 0.5] -> thresholds 0..0.5 (6 of 11) see 1 -> AP = 6/11."""
    g1 = [v + 6 for v in PAIR]
    d2 = [v + 2 for v in PAIR]
    r = _one_class([(0, PAIR, 0.9), (0, d2, 0.8)], [(0, PAIR[:4], PAIR[4:]), (0, g1[:4], g1[4:])], n_images=1)
    assert r["ap"][0] == pytest.approx(6 / 11, abs=1e-15)
    assert r["recall"][0] == 0.5


def test_boxes_touching_at_one_pixel():
    """Inclusive pixel boxes [1,1,10,10] and [10,1,19,10] share the column x = 10:
    official IoU = 10 / (100 + 100 - 10); GEN-VLKT and THID treat them as disjoint."""
    a, b = np.array([[1.0, 1, 10, 10]]), np.array([[10.0, 1, 19, 10]])
    assert box_iou(a, b, "plus1")[0] == 10 / 190
    assert box_iou(a, b, "plus1-touching-zero")[0] == 0.0
    assert box_iou(a, b, "continuous")[0] == 0.0
    # a one-pixel-wide box matches itself officially (IoU 1) but not under GEN-VLKT's rule
    thin = [5, 1, 5, 10]
    r_off = _one_class([(0, thin + O, 0.9)], [(0, thin, O)], n_images=1)
    r_gen = _one_class([(0, thin + O, 0.9)], [(0, thin, O)], n_images=1, profile="gen-vlkt")
    assert r_off["ap"][0] == pytest.approx(1.0) and r_gen["ap"][0] == 0.0


@pytest.mark.parametrize("npos,n_tp,expected", [
    # rec = 3/10 = 0.3 < 0.30000000000000004: thresholds 0, .1, .2 count -> 3/11 (i/10 would give 4/11)
    (10, 3, {"matlab-colon": 3, "numpy-arange": 3, "i/10": 4}),
    # rec = 3/5 = 0.6 == MATLAB's 0.6 -> 7/11; np.arange's 0.6000000000000001 -> 6/11
    (5, 3, {"matlab-colon": 7, "numpy-arange": 6, "i/10": 7}),
    # rec = 7/10 = 0.7 == MATLAB's 1 - 3*0.1 -> 8/11; np.arange's 0.7000000000000001 -> 7/11
    (10, 7, {"matlab-colon": 8, "numpy-arange": 7, "i/10": 8}),
])
def test_recall_exactly_on_a_threshold(npos, n_tp, expected):
    gts = [(k, B, O) for k in range(npos)]
    dets = [(k, PAIR, 1.0 - k / 100) for k in range(n_tp)]
    for grid, n_points in expected.items():
        r = _one_class(dets, gts, n_images=npos, threshold_grid=grid)
        assert r["ap"][0] == pytest.approx(n_points / 11, abs=1e-15), grid


def test_classes_without_detections_score_zero_and_count_in_the_mean():
    from ovbench.scorers.hoi import PROFILES, summarize

    gt = make_gt([(0, 0, B, O), (0, 1, B, O)])
    r = fast_ap(gt, make_dets([(0, 0, PAIR, 0.9)]))
    ref_ap, _ = reference_per_class_ap(gt_rows(gt), [(0, 0, PAIR, 0.9)], 1)
    assert np.max(np.abs(r["ap"] - np.asarray(ref_ap))) <= 1e-12
    # 11 sequential additions of 1/11, as MATLAB's ap = ap + p/11, give 1.0000000000000002
    assert r["ap"][0] == pytest.approx(1.0, abs=1e-15) and r["ap"][1] == 0.0 and r["n_scored"][1] == 0
    assert summarize(r["ap"], PROFILES["official"], r["npos"], None)["full"] == pytest.approx(1 / 600, abs=1e-15)
    # and a detection of a class without any ground truth is simply a false positive there
    r = fast_ap(gt, make_dets([(0, 5, PAIR, 0.9)]))
    assert r["ap"][5] == 0.0 and r["counts"]["true_positives"] == 0


def test_no_detections_at_all():
    gt = make_gt([(0, 0, B, O)])
    r = fast_ap(gt, make_dets([]))
    assert not r["ap"].any() and r["counts"]["scored_detections"] == 0


@pytest.mark.parametrize("sorted_images", [True, False])
def test_rank_order_equals_the_canonical_lexsort(sorted_images):
    from ovbench.scorers.hoi import rank_order

    rng = np.random.default_rng(5)
    n = 20_000
    image = rng.integers(0, 300, n)
    if sorted_images:
        image = np.sort(image)
    hoi = rng.integers(0, 600, n)
    score = np.round(rng.random(n), 2)  # many ties
    for position in (np.arange(n), rng.permutation(n)):
        assert np.array_equal(rank_order(image, hoi, score, position), np.lexsort((position, image, -score, hoi)))
