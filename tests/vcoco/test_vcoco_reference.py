"""ovbench's V-COCO scorer equals a literal restatement of vsrl_eval.py on the real val triple."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require_shared
from reference_vcoco import VCOCOeval
from vcoco_helpers import random_detections, write_variant

from ovbench.annotations.vcoco import ROLE_ENTRIES, load_annotations
from ovbench.predictions.vcoco import parse_detections
from ovbench.scorers import vcoco as scorer


def _compare(root, dets, ties):
    gt = load_annotations(root, "val")
    det = parse_detections(dets, gt.image_index(), "seeded")
    out = scorer.score(gt, det, ties=ties)
    ref = VCOCOeval(root / "vcoco_val.json", root / "instances_vcoco_all_2014.json", root / "vcoco_val.ids", ties=ties)
    by_image: dict = {}
    for d in dets:
        by_image.setdefault(d["image_id"], []).append(d)
    ref_agent, npos = _run_by_image(ref, by_image, "agent")
    np.testing.assert_array_equal(out["npos"], npos.astype(np.int64))
    np.testing.assert_allclose(out["agent_ap"], ref_agent.astype(np.float64), rtol=0, atol=1e-12)
    for scen in scorer.SCENARIOS:
        ref_role, _ = _run_by_image(ref, by_image, scen)
        want = np.array([ref_role[a, r] for a, r, _ in ROLE_ENTRIES], dtype=np.float64)
        np.testing.assert_allclose(out["role_ap"][scen], want, rtol=0, atol=1e-12)
    return out


def _run_by_image(ref, by_image, what):
    # the original scans the whole list per image; handing it each image's own dicts is the same filter
    orig = ref._collect_detections_for_image
    ref._collect_detections_for_image = lambda dets, image_id: orig(by_image.get(image_id, []), image_id)
    try:
        return ref.agent_eval(None) if what == "agent" else ref.role_eval(None, what)
    finally:
        ref._collect_detections_for_image = orig


@pytest.mark.parametrize("ties", ["stable", "official"])
def test_val_triple_parity_with_ties(ties):
    root = require_shared("data", "vcoco", "val-complete")
    gt = load_annotations(root, "val")
    dets = random_detections(gt, seed=1, decimals=1, extra_images=[999999999])
    out = _compare(root, dets, ties)
    assert out["counts"]["tied_scores"] > 1000
    assert out["counts"]["dropped_unannotated_person"] > 0   # persons that are only role objects
    assert not np.isnan(out["role_ap"]["scenario_1"]).any()
    assert (out["role_ap"]["scenario_2"] >= out["role_ap"]["scenario_1"]).all()


def test_val_variant_ignore_regions_and_no_person_image(tmp_path):
    src = require_shared("data", "vcoco", "val-complete")
    gone = write_variant(src, tmp_path, add_unannotated=300, drop_persons_of=2)
    gt = load_annotations(tmp_path, "val")
    dets = random_detections(gt, seed=2, decimals=2, missing=0.2)
    background = sum(d["image_id"] in gone for d in dets)  # random background boxes there
    dets += [dict(dets[0], image_id=i) for i in gone]   # detections on images without GT persons
    out = _compare(tmp_path, dets, "stable")
    assert out["counts"]["dropped_unannotated_person"] > 0
    assert out["counts"]["on_images_without_gt_person"] == len(gone) + background
    assert any(c["case"] == "image-without-gt-person" for c in out["crashes"])
