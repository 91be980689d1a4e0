"""HICO-DET bootstrap: the weighted AP equals the official AP on all-ones weights (bit for bit)
and equals re-running the real scorer on physically duplicated images (to 1e-12)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "hoi"))
from hoi_helpers import make_dets, random_detections  # noqa: E402

from ovbench.annotations.hico import HicoGroundTruth, load_annotations  # noqa: E402
from ovbench.benchmarks import hicodet  # noqa: E402
from ovbench.jsonio import dump_bytes  # noqa: E402
from ovbench.predictions.hoi import from_arrays  # noqa: E402
from ovbench.scorers import hoi as scorer  # noqa: E402
from ovbench.scorers.hoi_ap import thresholds  # noqa: E402
from ovbench.stats.bootstrap import Resampler  # noqa: E402
from ovbench.stats.hoi import Ranked, weighted_class_ap  # noqa: E402

DEMO = Path(hicodet.__file__).resolve().parent.parent / "data" / "hico_det_demo"


@pytest.fixture(scope="module")
def gt():
    return load_annotations(DEMO / "annotations.json")


def _subset(gt: HicoGroundTruth, n_images: int) -> HicoGroundTruth:
    keep = gt.pair_image < n_images
    return HicoGroundTruth(gt.filenames[:n_images], gt.sizes[:n_images], gt.pair_image[keep], gt.boxes_h[keep],
                           gt.boxes_o[keep], gt.hoi[keep], gt.source_format)


def _duplicate(gt: HicoGroundTruth, det, w: np.ndarray):
    """The resampled data set built for real: image i repeated w[i] times, in place."""
    new_of = np.repeat(np.arange(gt.n_images), w.astype(int))
    names, pairs, dets = [], [], []
    for j, i in enumerate(new_of):
        names.append(f"{gt.filenames[i]}#{j}")
        pairs += [(j, p) for p in np.flatnonzero(gt.pair_image == i)]
        dets += [(j, d) for d in np.flatnonzero(det.image == i)]
    p = np.array([q for _, q in pairs], dtype=np.int64)
    g = HicoGroundTruth(tuple(names), np.zeros((len(names), 2), dtype=np.int64),
                        np.array([j for j, _ in pairs], dtype=np.int64), gt.boxes_h[p], gt.boxes_o[p], gt.hoi[p], "dup")
    d = np.array([q for _, q in dets], dtype=np.int64)
    return g, from_arrays([j for j, _ in dets], det.hoi[d], det.boxes[d], det.score[d])


@pytest.mark.parametrize("profile", list(scorer.PROFILES))
def test_all_ones_weights_reproduce_the_official_ap_bit_for_bit(gt, profile):
    det = make_dets(random_detections(gt, 12, seed=1, score_decimals=2))  # rounded scores: ties occur
    ev = hicodet.evaluate_detections(gt, det, profile=profile, box_frame="gt", setting="rf-uc")
    for mode, ranked in ev.ranked().items():
        ap, npos = weighted_class_ap(ranked, np.ones((3, gt.n_images)))
        for b in range(3):
            assert np.array_equal(ap[b], ev.modes[mode]["ap"]), (profile, mode)
            assert np.array_equal(npos[b], ev.modes[mode]["npos"])
            assert scorer.summarize(ap[b], ev.profile, npos[b].astype(int), ev.unseen) == ev.fields["metrics"][mode]


@pytest.mark.parametrize("profile, seed", [("official", 0), ("official", 1), ("gen-vlkt", 2)])
def test_weighted_ap_equals_scoring_physically_duplicated_images(gt, profile, seed):
    small = _subset(gt, 60)
    det = make_dets(random_detections(small, 10, seed=seed, score_decimals=9))
    key = det.image * 1000 + det.hoi
    for k in np.unique(key):  # precondition: no tied scores within one (image, class)
        s = det.score[key == k]
        assert len(np.unique(s)) == len(s)
    prof = scorer.PROFILES[profile]
    out = scorer.per_class_ap(small, det, prof, 0.0)
    ranked = Ranked.from_scorer(out, small, det, thresholds(prof.threshold_grid))
    for _, W in Resampler(small.n_images, 4, seed=seed).weights_chunks():
        ap, npos = weighted_class_ap(ranked, W)
        for b in range(len(W)):
            g2, d2 = _duplicate(small, det, W[b])
            ref = scorer.per_class_ap(g2, d2, prof, 0.0)
            assert np.array_equal(npos[b], ref["npos"])
            assert (ref["ap"] > 0).sum() > 5 and (W[b] == 0).any()  # not a vacuous comparison
            assert np.abs(ap[b] - ref["ap"]).max() <= 1e-12


def test_bootstrap_result_is_deterministic_and_sane(gt):
    det = make_dets(random_detections(gt, 8, seed=3, score_decimals=4))
    a = hicodet.score_detections(gt, det, setting="rf-uc", box_frame="gt", bootstrap=40, seed=5)
    b = hicodet.score_detections(gt, det, setting="rf-uc", box_frame="gt", bootstrap=40, seed=5)
    assert dump_bytes(a) == dump_bytes(b)
    plain = hicodet.score_detections(gt, det, setting="rf-uc", box_frame="gt")
    assert "intervals" not in plain and plain["metrics"] == a["metrics"]
    assert set(a["intervals"]) == {"default", "known_object"}
    assert a["bootstrap"]["unit"] == "image" and a["bootstrap"]["mean_classes_losing_gt"] > 0
    assert a["bootstrap"]["method"] == "centered" and a["bootstrap"]["stats_version"] == 2
    for mode, block in a["intervals"].items():
        for col, (lo, hi) in block.items():
            assert 0.0 <= lo <= hi <= 1.0, (mode, col)
            assert lo <= a["metrics"][mode][col] <= hi, (mode, col)  # centred: contains its estimate
            assert a["bootstrap"]["resample_shift"][mode][col] is not None


def test_trimming_never_changes_weighted_ap(gt):
    det = make_dets(random_detections(gt, 8, seed=4, score_decimals=4))
    ev = hicodet.evaluate_detections(gt, det, setting="rf-uc", box_frame="gt")
    r = ev.ranked()["default"]
    t = r.trimmed()
    assert len(t.hoi) < len(r.hoi)
    W = np.random.default_rng(0).poisson(1.0, (6, r.n_images)).astype(np.float64)
    for x, y in zip(weighted_class_ap(r, W), weighted_class_ap(t, W)):
        assert np.array_equal(x, y)
