"""HICO-DET mAP (scorer ``hoi-map`` version 1): official parity plus named peer profiles.

Definition (profile ``official``, ywchao/ho-rcnn ``eval_one.m`` + ``VOCevaldet_bboxpair.m``):

* ground truth: every (human box, object box, HOI) connection; ``npos[c]`` counts class ``c``;
* detections of class ``c`` are ranked by score (descending), ties broken canonically by the
  image's position in the annotation file, then the detection's position in the predictions
  file. This equals MATLAB's stable ``sort(-score)`` over ho-rcnn's image-then-row
  concatenation, so the official number is reproduced exactly even with tied scores;
* greedy matching with ``min(IoU_h, IoU_o) >= 0.5``, +1-pixel IoU (:mod:`.hoi_ap`);
* 11-point AP on MATLAB's ``0:0.1:1`` grid; a class without detections scores 0;
* full = mean over the 600 classes, rare / non-rare over the official 138 / 462 lists, and
  with a zero-shot setting unseen = mean over its list, seen = mean over the rest.

Known-Object keeps only the detections in images where the object of the detection's class
is known to be present; ``npos`` is unchanged (``eval_one.m``). The source of presence is
recorded: ``gt-object-presence`` (derived from the ground-truth pairs) or HICO's image-level
labels (``anno.mat``), which is what ho-rcnn uses.

Profiles ``gen-vlkt`` and ``thid-cmdse`` reproduce those evaluators' settings; see
:data:`PROFILES` and docs/hico-det.md. Post-processing (NMS) is never applied by a profile.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from ..errors import SpecError, did_you_mean
from .hoi_ap import class_ap, greedy_match, thresholds

SCORER_ID = "hoi-map"
SCORER_VERSION = "1"
N_HOI = 600


@dataclass(frozen=True)
class Profile:
    """Every knob in which HICO-DET evaluators differ (all recorded in the result)."""

    name: str
    threshold_grid: str              # see hoi_ap.THRESHOLD_GRIDS
    iou: str                         # see hoi_ap.IOU_CONVENTIONS
    model_box_offset: float          # added to --box-frame model boxes (0 for gt-frame boxes)
    top_k_per_image: int | None      # keep the k best detections of each image
    per_class_cap: int | None        # score only the first k ranked detections of each class
    class_set: str                   # "all" | "with-gt" | "no-no_interaction"
    drop_images: str                 # "none" | "empty+only-no_interaction"
    tie_order: str = "score desc, image order in the annotation file, position in the predictions file"


PROFILES = {
    "official": Profile("official", "matlab-colon", "plus1", 1.0, None, None, "all", "none"),
    "gen-vlkt": Profile("gen-vlkt", "numpy-arange", "plus1-touching-zero", 0.0, 100, None, "with-gt", "none"),
    "thid-cmdse": Profile("thid-cmdse", "i/10", "continuous", 0.0, None, 19999, "no-no_interaction",
                          "empty+only-no_interaction"),
}


def get_profile(name: str) -> Profile:
    if name not in PROFILES:
        raise SpecError(f"unknown HICO-DET profile {name!r}; available: {', '.join(PROFILES)}."
                        + did_you_mean(name, PROFILES))
    return PROFILES[name]


def profile_options(profile: Profile, box_frame: str, nms: str | None = None) -> dict:
    opts = asdict(profile)
    opts.pop("name")
    opts["box_frame"] = box_frame
    opts["box_offset"] = profile.model_box_offset if box_frame == "model" else 0.0
    opts["min_overlap"] = 0.5
    opts["overlap"] = "min(IoU_human, IoU_object)"
    opts["ap"] = "11-point interpolated (VOC2007)"
    opts["nms"] = nms
    return opts


def rank_order(image: np.ndarray, hoi: np.ndarray, score: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Indices sorting detections by class, then canonical rank (score desc, image, position).

    Equal to ``np.lexsort((position, image, -score, hoi))``, computed as stable sorts from the
    last key to the first: (image, position) order is usually already the array order (files
    list images in annotation order), the class sort runs on int16 (radix sort), then each
    class is sorted by score on its own.
    """
    n = len(hoi)
    if n and not ((np.diff(position) > 0).all() and (np.diff(image) >= 0).all()):
        base = np.lexsort((position, image))
    else:
        base = np.arange(n)
    order = base[np.argsort(hoi[base].astype(np.int16), kind="stable")]
    bounds = np.searchsorted(hoi[order], np.arange(N_HOI + 1))
    neg = -score
    for c in np.flatnonzero(bounds[1:] > bounds[:-1]):  # small per-class sorts stay in cache
        seg = order[bounds[c]:bounds[c + 1]]
        seg[:] = seg[np.argsort(neg[seg], kind="stable")]
    return order


def top_k_per_image(image: np.ndarray, score: np.ndarray, position: np.ndarray, k: int) -> np.ndarray:
    """Boolean mask of each image's ``k`` best detections (ties: position in the file)."""
    order = np.lexsort((position, -score, image))
    img = image[order]
    starts = np.searchsorted(img, img, side="left")
    keep = np.zeros(len(image), dtype=bool)
    keep[order[(np.arange(len(order)) - starts) < k]] = True
    return keep


def dropped_images(gt_image: np.ndarray, gt_hoi: np.ndarray, n_images: int, no_interaction: np.ndarray) -> np.ndarray:
    """Images THID/CMD-SE never evaluate: no pair at all, or only no_interaction pairs."""
    interacting = np.zeros(n_images, dtype=bool)
    interacting[gt_image[~np.isin(gt_hoi, no_interaction)]] = True
    return ~interacting


def reusable_matches(profile: Profile, nms: str | None) -> bool:
    """Whether TP flags from one detection subset hold for another (see ``per_class_ap``)."""
    return profile.top_k_per_image is None and profile.per_class_cap is None and nms is None


def per_class_ap(gt, det, profile: Profile, box_offset: float, keep: np.ndarray | None = None,
                 ranking: np.ndarray | None = None, postprocess: tuple[str, Callable] | None = None,
                 matches: np.ndarray | None = None) -> dict:
    """Per-class AP, recall, npos and scored-detection counts for one profile.

    ``gt``: object with ``pair_image``, ``hoi``, ``boxes_h``, ``boxes_o``, ``n_images``.
    ``det``: object with ``image``, ``hoi``, ``boxes`` (n, 8), ``score``, ``position``.
    ``keep``: optional mask of detections to consider (Known-Object, dropped images).
    ``ranking``: optional :func:`rank_order` of all detections, reused across calls.
    ``postprocess``: optional ``(name, keep_fn)``: an evaluation-time post-processing step
    chosen and recorded by the caller (GEN-VLKT's triplet NMS, :mod:`ovbench.predictions.hoi_nms`,
    passed in by :mod:`ovbench.benchmarks.hicodet`). ``keep_fn(sel)`` gets the indices of the
    detections still scored after the per-image top-k (the order GEN-VLKT applies them in) and
    returns their boolean keep-mask; ``counts["dropped_by_<name>"]`` counts what it removed. The
    scorer owns no post-processing of its own.
    ``matches``: the ``tp_by_detection`` of an earlier call to reuse instead of matching again.
    Valid when ``keep`` removes whole (image, class) groups, as Known-Object does, and
    :func:`reusable_matches` holds: matching inside a group depends only on that group's
    detections and ground truth, so the flags of the detections kept are unchanged.

    Returns ``ap``, ``recall``, ``npos``, ``n_scored`` (per class), ``tp_by_detection`` (per
    detection, False where not scored) and ``counts``; and, for :mod:`ovbench.stats`, ``order``
    (indices of the scored detections sorted by class, then rank), ``tp_sorted`` (their TP
    flags, the array ``class_ap`` was given) and ``gt_keep`` (the ground-truth pairs counted).
    """
    from ..splits.hico import spec_list

    counts = {"detections": int(len(det.hoi))}
    mask = np.ones(len(det.hoi), dtype=bool) if keep is None else keep.copy()
    gt_keep = np.ones(len(gt.hoi), dtype=bool)
    if profile.drop_images != "none":
        dropped = dropped_images(gt.pair_image, gt.hoi, gt.n_images, spec_list("no_interaction"))
        before = int(mask.sum())
        mask &= ~dropped[det.image]
        gt_keep &= ~dropped[gt.pair_image]
        counts["dropped_images"] = int(dropped.sum())
        counts["dropped_by_images"] = before - int(mask.sum())
    if profile.top_k_per_image is not None:
        sel = np.flatnonzero(mask)
        topk = top_k_per_image(det.image[sel], det.score[sel], det.position[sel], profile.top_k_per_image)
        counts["dropped_by_top_k"] = int((~topk).sum())
        mask[sel[~topk]] = False
    if postprocess is not None:
        name, keep_fn = postprocess
        sel = np.flatnonzero(mask)
        kept = keep_fn(sel)
        counts[f"dropped_by_{name}"] = int((~kept).sum())
        mask[sel[~kept]] = False
    if ranking is None:
        ranking = rank_order(det.image, det.hoi, det.score, det.position)
    order = ranking[mask[ranking]]  # a subset of a ranking is still ranked
    hoi_sorted = det.hoi[order]
    if profile.per_class_cap is not None:
        starts = np.searchsorted(hoi_sorted, hoi_sorted, side="left")
        capped = (np.arange(len(order)) - starts) < profile.per_class_cap
        counts["dropped_by_class_cap"] = int((~capped).sum())
        order, hoi_sorted = order[capped], hoi_sorted[capped]
    if matches is not None:
        tp = matches[order]
    else:
        gt_boxes = np.concatenate([gt.boxes_h, gt.boxes_o], axis=1)[gt_keep]
        # only detections whose image holds ground truth of their class can match: match those
        with_gt = np.zeros((gt.n_images, N_HOI), dtype=bool)
        with_gt[gt.pair_image[gt_keep], gt.hoi[gt_keep]] = True
        cand = np.flatnonzero(with_gt[det.image[order], hoi_sorted])
        tp = np.zeros(len(order), dtype=bool)
        cand_boxes = det.boxes[order[cand]]  # one gather, then matching reads this small array
        if box_offset:
            cand_boxes += box_offset
        tp[cand] = greedy_match(det.image[order[cand]], hoi_sorted[cand], cand_boxes, gt.pair_image[gt_keep],
                                gt.hoi[gt_keep], gt_boxes, profile.iou)
    tp_by_detection = np.zeros(len(det.hoi), dtype=bool)
    tp_by_detection[order] = tp
    npos = np.bincount(gt.hoi[gt_keep], minlength=N_HOI)
    ap, recall = class_ap(tp, hoi_sorted, npos, thresholds(profile.threshold_grid))
    counts["scored_detections"] = int(len(order))
    counts["true_positives"] = int(tp.sum())
    return {"ap": ap, "recall": recall, "npos": npos, "n_scored": np.bincount(hoi_sorted, minlength=N_HOI),
            "tp_by_detection": tp_by_detection, "counts": counts,
            # intermediates for ovbench.stats (weighted AP under image resampling)
            "order": order, "tp_sorted": tp, "gt_keep": gt_keep}


def averaged_classes(profile: Profile, npos: np.ndarray) -> np.ndarray:
    """Boolean mask of the classes a profile averages."""
    from ..splits.hico import spec_list

    mask = np.ones(N_HOI, dtype=bool)
    if profile.class_set == "with-gt":
        mask &= npos > 0
    elif profile.class_set == "no-no_interaction":
        mask[spec_list("no_interaction")] = False
    return mask


def summarize(ap: np.ndarray, profile: Profile, npos: np.ndarray, unseen: np.ndarray | None) -> dict:
    """``{"full", "rare", "non_rare"[, "unseen", "seen"]}`` means (fractions; None if empty)."""
    from ..splits.hico import spec_list

    averaged = averaged_classes(profile, npos)

    def mean(ids_mask: np.ndarray) -> float | None:
        m = ids_mask & averaged
        return float(np.mean(ap[m])) if m.any() else None

    def as_mask(ids) -> np.ndarray:
        m = np.zeros(N_HOI, dtype=bool)
        m[ids] = True
        return m

    out = {"full": mean(np.ones(N_HOI, dtype=bool)), "rare": mean(as_mask(spec_list("rare"))),
           "non_rare": mean(as_mask(spec_list("non_rare")))}
    if unseen is not None:
        out["unseen"] = mean(as_mask(unseen))
        out["seen"] = mean(~as_mask(unseen))
    return out


def known_object_mask(det_image: np.ndarray, det_hoi: np.ndarray, presence: np.ndarray) -> np.ndarray:
    """Detections whose class's object is present in their image (``presence``: images x 80)."""
    from ..splits.hico import vocabulary

    return presence[det_image, vocabulary().hoi_object[det_hoi]]


def presence_from_gt(gt) -> np.ndarray:
    """Object presence per image derived from the ground-truth pairs (``gt-object-presence``)."""
    from ..splits.hico import vocabulary

    presence = np.zeros((gt.n_images, 80), dtype=bool)
    presence[gt.pair_image, vocabulary().hoi_object[gt.hoi]] = True
    return presence


def presence_from_labels(n_images: int, image: np.ndarray, hoi: np.ndarray) -> np.ndarray:
    """Object presence from image-level positive HOI labels (image index, HOI id pairs)."""
    from ..splits.hico import vocabulary

    presence = np.zeros((n_images, 80), dtype=bool)
    presence[image, vocabulary().hoi_object[hoi]] = True
    return presence
