"""Golden numbers from running the original s-gupta/v-coco vsrl_eval.py (provenance in the file)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
from conftest import require_shared
from vcoco_helpers import random_detections

from ovbench.annotations.vcoco import load_annotations
from ovbench.benchmarks import vcoco as bench
from ovbench.predictions.vcoco import load_predictions

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "vcoco_vsrl_eval_val_seed7.json"


def test_matches_original_vsrl_eval_on_val(tmp_path):
    root = require_shared("data", "vcoco", "val-complete")
    golden = json.loads(GOLDEN.read_text())
    gt = load_annotations(root, "val")
    dets = random_detections(gt, seed=golden["seed"], decimals=None, missing=0.1)
    assert len(dets) == golden["n_detections"]
    path = tmp_path / "dets.pkl"
    path.write_bytes(pickle.dumps(dets, protocol=2))
    det = load_predictions(path, gt.image_index())  # the official pickle, through the safe loader
    result = bench.score_detections(gt, det, ties="official")
    per = result["per_entry_ap"]
    np.testing.assert_allclose(list(per["agent"].values()), golden["agent_ap"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(list(per["role_s1"].values()), golden["role_ap_scenario_1"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(list(per["role_s2"].values()), golden["role_ap_scenario_2"], rtol=0, atol=1e-12)
    # float32 scores still tie now and then: the declared stable order moves an AP by < 1e-5
    stable = bench.score_detections(gt, det)["per_entry_ap"]
    for group in per:
        np.testing.assert_allclose(list(stable[group].values()), list(per[group].values()), rtol=0, atol=1e-5)
    assert abs(result["metrics"]["role"]["s2"]["mean"] - np.mean(golden["role_ap_scenario_2"])) < 1e-12
