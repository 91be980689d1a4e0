"""GSR scorer (``gsr`` version 1): verb, value, value-all, grnd, grnd-all. Pure numpy, no I/O.

Definitions (``../docs/ov-swig.md`` has the long form; the research note behind them is
``shared/research/gsr_scoring.md``):

* **Roles** of an image are the roles of its *ground-truth* verb, in ``imsitu_space`` order.
* **Noun match** (per role): the predicted noun equals the noun of *any* of the annotators for
  that role (each role matched independently). ``""`` is an ordinary noun. A role missing from
  the predicted frame is wrong. Nouns are compared as synset strings; there is no ``oov``
  class that could match another unknown noun.
* **Box match** (per role, SWiG-format annotations only): GT box present -> the predicted box is
  present and overlaps it (see IoU below); GT box absent (``[-1,-1,-1,-1]``) -> the predicted
  box is ``null``. A role is *grounded* iff its noun matches **and** its box matches.
* **Scored frame and verb gating.** Setting ``top1`` / ``top5``: the image scores the frame
  predicted for the GT verb (``frames[gt_verb]``) when the GT verb is among the first 1 / 5
  predicted verbs, else 0 for every role. Setting ``gold`` (ground-truth verb given): the
  frame ``frames[gt_verb]`` is scored whenever present; there is no verb metric.
* Per image: ``verb`` = gate; ``value`` = gate * matched roles / roles; ``value_all`` =
  gate * [all roles match]; ``grnd`` and ``grnd_all`` likewise with grounded roles.
  An image without any prediction scores 0 everywhere; it is counted, never dropped.
* **Averaging** ``per-verb`` (default; imSitu ``imSituTensorEvaluation.get_average_results``
  and SWiG ``BboxEval``): per GT verb, roles are pooled (value is micro over the verb's roles,
  which equals the mean of the per-image fractions because a verb has a fixed role count) and
  then the unweighted mean over the verbs present in the subset is taken; verb accuracy is
  macro over verbs too, as in imSitu. ``per-image`` (CoFormer family, with batch size 1):
  the mean over images of the per-image numbers. The two agree when every verb has the same
  number of images (full dev/test: 50 per verb).
* **IoU** ``coformer`` (default; ``jhcho99/CoFormer: util/misc.py`` ``bb_intersection_over_union``,
  shared by GSRTR, OpenSU and ``caicch/Ov-GSR``): GT coordinates truncated with ``int()`` as its
  ``get_ground_truth`` does (a no-op for SWiG's integer boxes); intersection ``max(xB-xA,0) *
  max(yB-yA,0)``; continuous areas; union floored at 1e-4; correct iff IoU >= 0.5.
  ``swig`` (``allenai/swig: global_utils/imsitu_eval.py`` ``BboxEval.bb_intersection_over_union``):
  ``+1`` pixel convention for widths, heights and the intersection; correct iff IoU > 0.5.

Input arrays (``n`` images, ``R`` role slots, ``A`` annotators), all aligned by image:

* ``gt_verb (n,)`` int, ``n_roles (n,)`` int, ``gt_nouns (n,R,A)`` int (-1 = padding),
  ``gt_boxes (n,R,4)`` float and ``gt_box_present (n,R)`` bool, or None for box-less files;
* ``found (n,)`` bool (the image has a prediction), ``gt_rank (n,)`` int (0-based rank of
  the GT verb in the predicted list; >= 5 when absent), ``frame_present (n,)`` bool
  (``frames[gt_verb]`` exists), ``pred_nouns (n,R)`` int (ids in ``gt_nouns``' space; any value
  < -1 never matches, -2 = role missing), ``pred_boxes (n,R,4)`` float and
  ``pred_box_present (n,R)`` bool.

Undefined numbers (an empty subset; grounding without GT boxes) are ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..predictions.gsr_arrays import MISSING_ROLE, Predictions  # noqa: F401  (the scorer's input type)

SCORER_ID = "gsr"
SCORER_VERSION = "1"
AVERAGING = ("per-verb", "per-image")
IOU = ("coformer", "swig")
SETTINGS = ("top1", "top5", "gold")
METRICS = ("verb", "value", "value_all", "grnd", "grnd_all")
TOPK = {"top1": 1, "top5": 5}


@dataclass(frozen=True)
class GroundTruth:
    gt_verb: np.ndarray
    n_roles: np.ndarray
    gt_nouns: np.ndarray
    gt_boxes: np.ndarray | None = None
    gt_box_present: np.ndarray | None = None


def box_hits(pred: np.ndarray, gt: np.ndarray, iou: str) -> np.ndarray:
    """Whether each predicted box overlaps its GT box under an IoU convention (any shape (..., 4))."""
    if iou == "coformer":
        gt = np.trunc(gt)
        one = 0.0
    elif iou == "swig":
        one = 1.0
    else:
        raise ValueError(f"unknown IoU convention {iou!r}; expected one of {IOU}")
    iw = np.minimum(pred[..., 2], gt[..., 2]) - np.maximum(pred[..., 0], gt[..., 0]) + one
    ih = np.minimum(pred[..., 3], gt[..., 3]) - np.maximum(pred[..., 1], gt[..., 1]) + one
    inter = np.maximum(iw, 0.0) * np.maximum(ih, 0.0)
    area_p = (pred[..., 2] - pred[..., 0] + one) * (pred[..., 3] - pred[..., 1] + one)
    area_g = (gt[..., 2] - gt[..., 0] + one) * (gt[..., 3] - gt[..., 1] + one)
    union = area_p + area_g - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        if iou == "coformer":
            return inter / np.maximum(union, 1e-4) >= 0.5
        return inter / union > 0.5


def role_hits(gt: GroundTruth, pred: Predictions, iou: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Per role slot: noun correct ``(n,R)`` and grounded correct ``(n,R)`` (None without GT boxes).

    Not gated by the verb; padding slots are False.
    """
    n, R = gt.gt_nouns.shape[:2]
    slot = np.arange(R)[None, :] < gt.n_roles[:, None]
    usable = slot & pred.found[:, None] & pred.frame_present[:, None]
    noun_ok = usable & (gt.gt_nouns == pred.pred_nouns[:, :, None]).any(axis=2)
    if gt.gt_boxes is None:
        return noun_ok, None
    hit = box_hits(pred.pred_boxes, gt.gt_boxes, iou)
    both = gt.gt_box_present & pred.pred_box_present & hit
    neither = ~gt.gt_box_present & ~pred.pred_box_present
    return noun_ok, noun_ok & (both | neither)


def per_image(gt: GroundTruth, pred: Predictions, iou: str) -> dict[str, dict[str, np.ndarray]]:
    """Per-image scores ``{setting: {metric: (n,) float64}}`` (grounding absent without GT boxes)."""
    noun_ok, grnd_ok = role_hits(gt, pred, iou)
    R = gt.gt_nouns.shape[1]
    slot = np.arange(R)[None, :] < gt.n_roles[:, None]
    nr = gt.n_roles.astype(np.float64)
    base = {
        "value": noun_ok.sum(axis=1) / nr,
        "value_all": (noun_ok | ~slot).all(axis=1).astype(np.float64),
    }
    if grnd_ok is not None:
        base["grnd"] = grnd_ok.sum(axis=1) / nr
        base["grnd_all"] = (grnd_ok | ~slot).all(axis=1).astype(np.float64)
    out: dict[str, dict[str, np.ndarray]] = {}
    for setting in SETTINGS:
        if setting == "gold":
            out[setting] = dict(base)  # role hits already require a found image and frame
            continue
        verb_ok = pred.found & (pred.gt_rank < TOPK[setting])
        gate = verb_ok.astype(np.float64)
        scores = {"verb": gate}
        scores.update({m: v * gate for m, v in base.items()})
        out[setting] = scores
    return out


def average(values: np.ndarray, verbs: np.ndarray, mask: np.ndarray, averaging: str) -> float | None:
    """Mean of ``values[mask]`` per image, or macro over the verbs of ``verbs[mask]``."""
    if not mask.any():
        return None
    v = values[mask]
    if averaging == "per-image":
        return float(v.mean())
    if averaging != "per-verb":
        raise ValueError(f"unknown averaging {averaging!r}; expected one of {AVERAGING}")
    _, inverse, counts = np.unique(verbs[mask], return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=v, minlength=len(counts))
    return float((sums / counts).mean())


def score(gt: GroundTruth, pred: Predictions, subsets: dict[str, np.ndarray], *,
          averaging: str = "per-verb", iou: str = "coformer") -> dict[str, dict[str, dict[str, float | None]]]:
    """``{subset: {setting: {metric: fraction or None}}}`` for boolean image masks ``subsets``.

    ``gold`` has no ``verb``; grounding metrics are None when the annotations have no boxes.
    """
    if averaging not in AVERAGING:
        raise ValueError(f"unknown averaging {averaging!r}; expected one of {AVERAGING}")
    if iou not in IOU:
        raise ValueError(f"unknown IoU convention {iou!r}; expected one of {IOU}")
    scores = per_image(gt, pred, iou)
    result: dict[str, dict[str, dict[str, float | None]]] = {}
    for name, mask in subsets.items():
        block: dict[str, dict[str, float | None]] = {}
        for setting in SETTINGS:
            metrics = [m for m in METRICS if not (setting == "gold" and m == "verb")]
            block[setting] = {
                m: (average(scores[setting][m], gt.gt_verb, mask, averaging)
                    if m in scores[setting] else None)
                for m in metrics
            }
        result[name] = block
    return result
