"""Each peer deviation changes the number in the documented direction on a crafted case."""

from __future__ import annotations

import numpy as np
import pytest
from hoi_helpers import fast_ap, make_dets, make_gt

from ovbench.benchmarks.hicodet import score_detections
from ovbench.errors import SpecError
from ovbench.scorers.hoi import PROFILES, get_profile, summarize
from ovbench.splits.hico import spec_list

B = [10, 10, 50, 90]
O = [40, 30, 120, 100]
PAIR = B + O


def test_profile_table():
    assert {p: (v.threshold_grid, v.iou, v.top_k_per_image, v.per_class_cap, v.class_set, v.drop_images)
            for p, v in PROFILES.items()} == {
        "official": ("matlab-colon", "plus1", None, None, "all", "none"),
        "gen-vlkt": ("numpy-arange", "plus1-touching-zero", 100, None, "with-gt", "none"),
        "thid-cmdse": ("i/10", "continuous", None, 19999, "no-no_interaction", "empty+only-no_interaction"),
    }
    with pytest.raises(SpecError, match="Did you mean 'gen-vlkt'"):
        get_profile("gen_vlkt")


def test_continuous_iou_lowers_overlap_of_small_pixel_boxes():
    """GT [0,0,2,2] vs det [1,0,3,2]: +1 convention 6/12 = 0.5 (TP); continuous 2/6 (FP)."""
    g, d = [0, 0, 2, 2], [1, 0, 3, 2]
    gt = make_gt([(0, 0, g, O)])
    dets = make_dets([(0, 0, d + O, 0.9)])
    assert fast_ap(gt, dets)["ap"][0] == pytest.approx(1.0)
    assert fast_ap(gt, dets, "thid-cmdse")["ap"][0] == 0.0


def test_per_class_cap_truncates_recall():
    """19,999 higher-scored false positives, then the only TP at rank 20,000: official AP =
    1/20000 (precision 1/20000 at recall 1 for all 11 thresholds); THID/CMD-SE never reach it."""
    far = [300, 300, 310, 310, 400, 400, 410, 410]
    rows = [(0, 0, far, 1.0 - k * 1e-6) for k in range(19_999)] + [(0, 0, PAIR, 0.001)]
    gt = make_gt([(0, 0, B, O)])
    official = fast_ap(gt, make_dets(rows))
    capped = fast_ap(gt, make_dets(rows), "thid-cmdse")
    assert official["ap"][0] == pytest.approx(1 / 20000, rel=1e-12)
    assert capped["ap"][0] == 0.0 and capped["counts"]["dropped_by_class_cap"] == 1


def test_top_100_per_image_drops_low_ranked_true_pairs():
    """100 distractors above one true pair in the same image: GEN-VLKT keeps only the 100."""
    far = [300, 300, 310, 310, 400, 400, 410, 410]
    rows = [(0, 1, far, 0.9)] * 100 + [(0, 0, PAIR, 0.5)]
    gt = make_gt([(0, 0, B, O)])
    assert fast_ap(gt, make_dets(rows), "official")["ap"][0] == pytest.approx(1.0)
    r = fast_ap(gt, make_dets(rows), "gen-vlkt")
    assert r["ap"][0] == 0.0 and r["counts"]["dropped_by_top_k"] == 1


def test_averaged_class_sets():
    """Two classes with GT, both perfect: official divides by 600, GEN-VLKT by the 2 classes with
    GT, THID/CMD-SE by the 520 classes without no_interaction."""
    gt = make_gt([(0, 0, B, O), (0, 1, B, O)])
    r = fast_ap(gt, make_dets([(0, 0, PAIR, 0.9), (0, 1, PAIR, 0.8)]))
    official = summarize(r["ap"], PROFILES["official"], r["npos"], None)["full"]
    gen = summarize(r["ap"], PROFILES["gen-vlkt"], r["npos"], None)["full"]
    thid = summarize(r["ap"], PROFILES["thid-cmdse"], r["npos"], None)["full"]
    assert official == pytest.approx(2 / 600) and gen == pytest.approx(1.0) and thid == pytest.approx(2 / 520)


def test_thid_drops_empty_and_only_no_interaction_images():
    """A false positive of class 0 in an image whose only GT is no_interaction (9) lowers the
    official AP of class 0 to 0.5 and vanishes under THID/CMD-SE (AP 1)."""
    no_inter = int(spec_list("no_interaction")[0])
    gt = make_gt([(0, 0, B, O), (1, no_inter, B, O)])
    rows = [(1, 0, PAIR, 0.9), (0, 0, PAIR, 0.8)]
    assert fast_ap(gt, make_dets(rows))["ap"][0] == pytest.approx(0.5)
    r = fast_ap(gt, make_dets(rows), "thid-cmdse")
    assert r["ap"][0] == pytest.approx(1.0) and r["counts"]["dropped_images"] == 1


def test_box_offset_and_options_are_recorded():
    gt = make_gt([(0, 0, B, O)])
    # a model-frame box (0-based) is the GT minus one pixel: official adds it back
    det = make_dets([(0, 0, [v - 1 for v in PAIR], 0.9)])
    results = {p: score_detections(gt, det, profile=p) for p in PROFILES}
    opts = results["official"]["scorer"]["options"]
    assert opts["box_offset"] == 1.0 and opts["box_frame"] == "model" and opts["nms"] is None
    assert opts["threshold_grid"] == "matlab-colon" and opts["ko_source"] == "gt-object-presence"
    assert results["gen-vlkt"]["scorer"]["options"]["box_offset"] == 0.0
    gt_frame = score_detections(gt, det, profile="official", box_frame="gt")
    assert gt_frame["scorer"]["options"]["box_offset"] == 0.0
    assert results["official"]["payload_sha256"] != gt_frame["payload_sha256"]


def test_zero_shot_means_follow_the_profile():
    """thid-cmdse: unseen = rf-uc without its 5 no_interaction classes (115)."""
    gt = make_gt([(0, 0, B, O)])
    result = score_detections(gt, make_dets([(0, 0, PAIR, 0.9)]), setting="rf-uc", profile="thid-cmdse")
    assert result["counts"]["unseen_classes_averaged"] == 115
    assert result["counts"]["classes_averaged"] == 520
    result = score_detections(gt, make_dets([(0, 0, PAIR, 0.9)]), setting="rf-uc")
    assert result["counts"]["unseen_classes_averaged"] == 120
    assert np.isclose(result["metrics"]["default"]["seen"], 1 / 480)


def test_nms_is_explicit_recorded_and_off_by_default():
    """GTs g0, g1. d1 = g0 (TP), d2 = g0 shifted by 1 px (taken -> FP), d3 = g1 (TP).
    No NMS: prec [1, .5, .67], rec [.5, .5, 1] -> AP = 6/11 * 1 + 5/11 * 2/3.
    GEN-VLKT's triplet NMS suppresses d2 (pair overlap > 0.7) -> AP 1."""
    from ovbench.predictions.hoi_nms import triplet_nms

    g1 = [200, 200, 260, 280, 230, 230, 330, 330]
    gt = make_gt([(0, 0, B, O), (0, 0, g1[:4], g1[4:])])
    det = make_dets([(0, 0, PAIR, 0.9), (0, 0, [v + 1 for v in PAIR], 0.8), (0, 0, g1, 0.7)])
    plain = score_detections(gt, det, box_frame="gt")
    assert plain["scorer"]["options"]["nms"] is None and "dropped_by_nms" not in plain["counts"]["default"]
    ap_plain = plain["per_class_ap"][0]
    assert ap_plain == pytest.approx(6 / 11 + 5 / 11 * 2 / 3)
    with_nms = score_detections(gt, det, box_frame="gt", nms="gen-vlkt-triplet")
    assert with_nms["scorer"]["options"]["nms"] == "gen-vlkt-triplet"
    assert with_nms["counts"]["default"]["dropped_by_nms"] == 1
    assert with_nms["per_class_ap"][0] == pytest.approx(1.0)
    keep = triplet_nms(det.image, det.hoi, det.boxes, det.score, det.position)
    assert keep.tolist() == [True, False, True]
    with pytest.raises(SpecError, match="unknown NMS"):
        score_detections(gt, det, nms="soft")
