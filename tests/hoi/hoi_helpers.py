"""Builders shared by the HICO-DET tests: tiny ground truth / detections, seeded random predictions."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from conftest import require_shared  # noqa: F401  (re-exported for the HICO-DET tests)
from ovbench.annotations.hico import HicoGroundTruth
from ovbench.predictions.hoi import from_arrays
from ovbench.scorers import hoi as scorer
from ovbench.splits.hico import vocabulary

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


def make_gt(rows, n_images=None, names=None) -> HicoGroundTruth:
    """rows: (image, hoi, hbox, obox); images must be non-decreasing."""
    n = n_images if n_images is not None else (max(r[0] for r in rows) + 1 if rows else 1)
    names = names or [f"img_{i:03d}.jpg" for i in range(n)]
    return HicoGroundTruth(
        filenames=tuple(names), sizes=np.zeros((n, 2), dtype=np.int64),
        pair_image=np.asarray([r[0] for r in rows], dtype=np.int64),
        boxes_h=np.asarray([r[2] for r in rows], dtype=np.float64).reshape(-1, 4),
        boxes_o=np.asarray([r[3] for r in rows], dtype=np.float64).reshape(-1, 4),
        hoi=np.asarray([r[1] for r in rows], dtype=np.int64), source_format="test",
    )


def make_dets(rows):
    """rows: (image, hoi, boxes8, score) in file order."""
    if not rows:
        return from_arrays(np.zeros(0), np.zeros(0), np.zeros((0, 8)), np.zeros(0))
    return from_arrays([r[0] for r in rows], [r[1] for r in rows], [list(r[2]) for r in rows], [r[3] for r in rows])


def fast_ap(gt, dets, profile="official", box_offset=0.0, **changes):
    """Per-class AP/recall with a (possibly modified) profile; box offset explicit."""
    prof = scorer.PROFILES[profile]
    if changes:
        from dataclasses import replace

        prof = replace(prof, **changes)
    return scorer.per_class_ap(gt, dets, prof, box_offset)


def gt_rows(gt: HicoGroundTruth):
    return [(int(i), int(h), gt.boxes_h[k].tolist(), gt.boxes_o[k].tolist())
            for k, (i, h) in enumerate(zip(gt.pair_image, gt.hoi))]


def random_detections(gt: HicoGroundTruth, per_image: int, seed: int, score_decimals: int = 2):
    """Seeded predictions in the GT frame: jittered GT copies (some exact), other classes of the
    same object, random distractors; scores rounded so that ties occur."""
    vocab = vocabulary()
    rng = np.random.default_rng(seed)
    bounds = np.searchsorted(gt.pair_image, np.arange(gt.n_images + 1))
    rows = []
    for i in range(gt.n_images):
        s, e = bounds[i], bounds[i + 1]
        img_rows = []
        for p in range(s, e):
            base = np.concatenate([gt.boxes_h[p], gt.boxes_o[p]])
            for _ in range(int(rng.integers(1, 4))):
                kind = rng.random()
                if kind < 0.15:
                    boxes = base.copy()  # exact copy: IoU 1, duplicates compete for one GT
                else:
                    boxes = np.round(base + rng.normal(0, 6, 8), 0 if kind < 0.5 else 1)
                boxes[2:4] = np.maximum(boxes[2:4], boxes[0:2])
                boxes[6:8] = np.maximum(boxes[6:8], boxes[4:6])
                hoi = int(gt.hoi[p]) if rng.random() < 0.8 else int(rng.choice(np.flatnonzero(vocab.hoi_object == vocab.hoi_object[gt.hoi[p]])))
                img_rows.append((i, hoi, boxes.tolist(), round(float(rng.random()), score_decimals)))
        while len(img_rows) < per_image:
            xy = np.sort(rng.uniform(0, 500, (4, 2)), axis=1)
            boxes = [xy[0, 0], xy[1, 0], xy[0, 1], xy[1, 1], xy[2, 0], xy[3, 0], xy[2, 1], xy[3, 1]]
            img_rows.append((i, int(rng.integers(600)), [round(float(v), 1) for v in boxes],
                             round(float(rng.random()) * 0.6, score_decimals)))
        order = rng.permutation(len(img_rows))
        rows += [img_rows[k] for k in order[:max(per_image, e - s)]]
    return rows
