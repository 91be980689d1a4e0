"""SWIG-HOI mAP: THID's ``datasets/swig_evaluator.py`` protocol, vectorised.

Reference reproduced: ``SWiGEvaluator`` and ``calc_ap`` of scwangdyd/promting_hoi (THID, commit
29938cc; CMD-SE ships the same evaluator). Per evaluated interaction (``evaluation == 1``):

* detections of the class are ranked by score, and only the first 19,999 are scored (THID's cap);
* each detection takes the ground-truth pair of its class in its image with the largest
  ``min(IoU_human, IoU_object)`` (continuous areas, no +1; the first one on ties); it is a true
  positive iff that overlap is >= 0.5 and the pair was not taken before (otherwise a false
  positive, even when another free pair overlaps);
* AP is 11-point interpolated on the thresholds ``i / 10.0``, summed as ``ap += max(prec) / 11``;
  a class without detections or without ground truth scores 0 and still counts in the means;
* full / zero-shot / rare / non-rare mAP are plain means over the frozen subsets.

Profiles differ only in how tied scores are ranked:

* ``ovbench`` (default): a declared stable order, score descending, then the image's position in
  the annotation file, then the detection's position in the predictions file. The same file
  always gives the same number, on every machine.
* ``thid``: exactly THID's ``np.argsort(scores)[::-1]`` over each class's scores in the order the
  detections were added (the predictions file's order). numpy's default sort is not stable, so
  among tied scores this order is an artefact of the sorting algorithm (and may change with the
  numpy version); it is reproduced by running the same call on the same array.

Without ties both profiles give identical numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SpecError, did_you_mean
from .hoi_ap import class_ap, greedy_match, thresholds

SCORER_ID = "swig-hoi-ap"
SCORER_VERSION = "1"
CAP_PER_CLASS = 19_999
GRID = "i/10"
IOU = "continuous"


@dataclass(frozen=True)
class Profile:
    name: str
    tie_order: str
    description: str


PROFILES = {
    "ovbench": Profile("ovbench", "score-image-position",
                       "THID's protocol with a stable tie order (score, image, position in file)"),
    "thid": Profile("thid", "numpy-argsort-reversed",
                    "THID/CMD-SE datasets/swig_evaluator.py exactly: np.argsort(scores)[::-1] per class"),
}
DEFAULT_PROFILE = "ovbench"


def get_profile(name: str | None) -> Profile:
    name = DEFAULT_PROFILE if name is None else name
    try:
        return PROFILES[name]
    except KeyError:
        raise SpecError(f"unknown SWIG-HOI profile {name!r}; available: {', '.join(PROFILES)}."
                        + did_you_mean(name, PROFILES)) from None


def profile_options(profile: Profile) -> dict:
    return {
        "tie_order": profile.tie_order,
        "cap_per_class": CAP_PER_CLASS,
        "iou": "continuous areas, min(IoU_human, IoU_object) >= 0.5",
        "ap": "11-point interpolated, recall thresholds i/10",
        "matching": "best pair of the class in the image (first on ties); FP if taken",
        "empty_class": "AP 0, counted in the means",
    }


def rank(hoi: np.ndarray, score: np.ndarray, image: np.ndarray, position: np.ndarray,
         scored: np.ndarray, profile: Profile) -> np.ndarray:
    """Indices of the detections to score, sorted by class then rank, at most the cap per class.

    ``scored`` is a boolean mask over classes (the evaluated interactions).
    """
    keep = np.flatnonzero(scored[hoi])
    if profile.tie_order == "score-image-position":
        # three sorts, least significant key first (each later one stable): (image, position),
        # then score descending, then class (16-bit ids: numpy's stable sort is a radix sort)
        order = keep[np.argsort(image[keep] * (len(position) + 1) + position[keep])]
        order = order[np.argsort(-score[order], kind="stable")]
        order = order[np.argsort(hoi[order].astype(np.int16), kind="stable")]
    elif profile.tie_order == "numpy-argsort-reversed":
        # each class's detections in file order, then THID's own call on exactly that array
        if len(keep) > 1 and not (np.diff(position[keep]) > 0).all():
            keep = keep[np.argsort(position[keep], kind="stable")]  # file order
        by_class = keep[np.argsort(hoi[keep].astype(np.int16), kind="stable")]
        h = hoi[by_class]
        starts = np.flatnonzero(np.concatenate(([True], h[1:] != h[:-1])))
        ends = np.append(starts[1:], len(h))
        order = np.empty_like(by_class)
        for a, b in zip(starts.tolist(), ends.tolist()):
            seg = by_class[a:b]
            order[a:b] = seg[np.argsort(score[seg])[::-1]]
    else:  # pragma: no cover - profiles are fixed above
        raise SpecError(f"unknown tie order {profile.tie_order!r}")
    h = hoi[order]
    starts = np.searchsorted(h, h, side="left")  # first index of each row's class
    return order[np.arange(len(order)) - starts < CAP_PER_CLASS]


def per_class_ap(gt_image, gt_hoi, gt_boxes, det_image, det_hoi, det_boxes, det_score, det_position,
                 evaluated: np.ndarray, profile: Profile) -> dict:
    """AP, recall and positives of every interaction (0 for classes not evaluated)."""
    n_hoi = len(evaluated)
    order = rank(det_hoi, det_score, det_image, det_position, evaluated, profile)
    ranked_hoi = det_hoi[order]
    # only detections whose image holds ground truth of their class can match: with 14,130
    # classes that is a small part of a detector's output, so the boxes of the rest are never read
    gt_keys = np.unique(gt_image * n_hoi + gt_hoi)
    tp = np.zeros(len(order), dtype=bool)
    if len(gt_keys) and len(order):
        det_key = det_image[order] * n_hoi + ranked_hoi
        at = np.minimum(np.searchsorted(gt_keys, det_key), len(gt_keys) - 1)
        cand = np.flatnonzero(gt_keys[at] == det_key)
        sub = order[cand]  # still in ranking order
        tp[cand] = greedy_match(det_image[sub], det_hoi[sub], det_boxes[sub], gt_image, gt_hoi, gt_boxes, IOU)
    npos = np.bincount(gt_hoi, minlength=n_hoi)
    ap, recall = class_ap(tp, ranked_hoi, npos, thresholds(GRID))
    capped = np.bincount(det_hoi[evaluated[det_hoi]], minlength=n_hoi) - np.bincount(ranked_hoi, minlength=n_hoi)
    return {"ap": ap, "recall": recall, "npos": npos, "order": order, "tp": tp,
            "dropped_by_cap": int(capped.sum()), "classes_capped": int((capped > 0).sum())}


def summarize(ap: np.ndarray, subsets: dict[str, np.ndarray]) -> dict[str, float]:
    """Mean AP over each subset, in THID's operation (``np.mean`` of the subset, id order)."""
    return {name: float(np.mean(ap[ids])) for name, ids in subsets.items()}
