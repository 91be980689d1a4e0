"""HICO-DET error decomposition: each false positive's error type and each type's oracle mAP gain.

Definitions (long form with examples: ``docs/diagnostics.md``). Everything starts from the
official scorer's own matching (:func:`ovbench.scorers.hoi.per_class_ap` with ``matched_gt``):
its TP flags and the ground-truth pair each TP took (``used`` pairs). No second matcher decides
what is a TP. For a false positive ``d`` of class ``c`` the overlaps with every ground-truth pair
``g`` of its image are ``ov_h``, ``ov_o`` (the scorer's IoU convention) and ``ov = min(ov_h, ov_o)``
(the official pair overlap); "best" is the largest ``ov``, first in file order on ties. Types are
tested in TIDE's order (``dbolya/tide: tidecv/quantify.py``, ``TIDERun._eval_image``):

1. localization: the best pair of class ``c`` has ``bg <= ov < 0.5`` (``bg`` = 0.1): ``human_loc``
   when its ``ov_o >= 0.5``, ``object_loc`` when its ``ov_h >= 0.5``, else ``both_loc``;
2. classification: the best pair of another class has ``ov >= 0.5``: ``wrong_action`` when it has
   the detection's object category, else ``wrong_object``;
3. ``duplicate``: a pair of class ``c`` has ``ov >= 0.5`` (greedy matching then chose a used pair);
4. ``wrong_pairing``: some pair's human has ``ov_h >= 0.5`` and some pair's object ``ov_o >= 0.5``;
5. ``background``: everything else.

``missed``: ground-truth pairs neither used nor the target of a localization or classification
error. Oracle fixes (TIDE's ``fix``): a localization or classification error whose target is
unused and which is the best-ranked (score desc, image, position) of all such errors targeting
it is fixed: its boxes become the target's (localization) or its class the target's
(classification), which makes it a TP; every other error of the fixed type is removed; missed
pairs are removed from the ground truth. The gain of a type is ``mAP(fixed) - mAP``. With all
types fixed every remaining detection is a TP and every remaining pair matched, so
``mAP + sum(gains) + interaction = mAP(all fixed)`` and ``1 - mAP(all fixed)`` is ``unreachable``
(averaged classes left without ground truth, which score 0). Exact under the ``official``
profile: re-scoring the rewritten detections reproduces every oracle mAP (tests/diagnostics).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import SpecError
from ..scorers import hoi as scorer
from ..scorers.hoi_ap import MIN_OVERLAP, box_iou, class_ap, thresholds

TYPES = ("human_loc", "object_loc", "both_loc", "wrong_action", "wrong_object", "duplicate",
         "wrong_pairing", "background")
LOCALIZATION = (0, 1, 2)
CLASSIFICATION = (3, 4)
FIXES = TYPES + ("missed",)
TP = -1
BG_THRESHOLD = 0.1


@dataclass
class HoiDiagnosis:
    """Per-detection error types, fix targets and the oracle mAP of every fix."""

    error: np.ndarray          # (n_det,) int8: index into TYPES, TP (-1) for true positives
    target: np.ndarray         # (n_det,) int64: target pair of localization/classification errors, else -1
    fixed: np.ndarray          # (n_det,) bool: the error the oracle turns into a TP
    missed: np.ndarray         # (n_gt,) bool
    matched_gt: np.ndarray     # (n_det,) int64 from the scorer: pair each TP took, else -1
    ap: np.ndarray             # (600,) official per-class AP
    ap_fixed: dict[str, np.ndarray]        # fix name (FIXES + "all") -> per-class AP
    npos: np.ndarray
    metrics: dict[str, float | None]       # official summary (full, rare, non_rare[, unseen, seen])
    metrics_fixed: dict[str, dict]         # fix name -> summary
    counts: dict[str, int] = field(default_factory=dict)
    missed_per_class: np.ndarray | None = None

    def gains(self, subset: str = "full") -> dict[str, float]:
        """``{fix: mAP(fixed) - mAP}`` over a summary subset, plus ``interaction`` and ``unreachable``."""
        base = self.metrics[subset]
        out = {t: self.metrics_fixed[t][subset] - base for t in FIXES}
        allfix = self.metrics_fixed["all"][subset]
        out["interaction"] = allfix - base - sum(out[t] for t in FIXES)
        out["unreachable"] = 1.0 - allfix
        return out

    def to_dict(self, names: list[str] | None = None) -> dict:
        """JSON-ready summary: counts, gains per subset, per-class rows (names when given)."""
        names = names or [str(i) for i in range(len(self.ap))]
        return {
            "counts": dict(self.counts),
            "metrics": self.metrics,
            "gains": {s: self.gains(s) for s, v in self.metrics.items() if v is not None},
            "per_class": [
                {"class": names[c], "ap": float(self.ap[c]), "npos": int(self.npos[c]),
                 **{f"gain_{t}": float(self.ap_fixed[t][c] - self.ap[c]) for t in FIXES}}
                for c in range(len(self.ap))],
        }


def _first_best(val: np.ndarray, seg_start: np.ndarray, n_seg: int, seg_len: np.ndarray):
    """Per segment of ``val``: the maximum and the index of its first occurrence."""
    best = np.maximum.reduceat(val, seg_start)
    hit = np.flatnonzero(val == np.repeat(best, seg_len))
    seg = np.searchsorted(seg_start, hit, side="right") - 1
    first = np.full(n_seg, -1, dtype=np.int64)
    first[seg[::-1]] = hit[::-1]  # the last write wins: the first hit of each segment
    return best, first


def classify(gt, det, tp: np.ndarray, box_offset: float, iou: str, bg: float = BG_THRESHOLD):
    """``(error, target)`` of every detection (see the module docstring); vectorised."""
    n = len(det.hoi)
    error = np.full(n, TP, dtype=np.int8)
    target = np.full(n, -1, dtype=np.int64)
    fp = np.flatnonzero(~tp)
    error[fp] = TYPES.index("background")
    bounds = np.searchsorted(gt.pair_image, np.arange(gt.n_images + 1))
    count = (bounds[1:] - bounds[:-1])[det.image[fp]]
    fp = fp[count > 0]
    count = count[count > 0]
    if len(fp) == 0:
        return error, target
    total = int(count.sum())
    seg_start = np.cumsum(count) - count
    d_rep = np.repeat(fp, count)
    g_rep = np.repeat(bounds[det.image[fp]] - seg_start, count) + np.arange(total)
    boxes = det.boxes[d_rep] + box_offset if box_offset else det.boxes[d_rep]
    ov_h = box_iou(boxes[:, :4], gt.boxes_h[g_rep], iou)
    ov_o = box_iou(boxes[:, 4:], gt.boxes_o[g_rep], iou)
    del boxes
    ov = np.minimum(ov_h, ov_o)
    same = gt.hoi[g_rep] == det.hoi[d_rep]
    m = len(fp)
    best_s, arg_s = _first_best(np.where(same, ov, -1.0), seg_start, m, count)
    best_o, arg_o = _first_best(np.where(same, -1.0, ov), seg_start, m, count)
    any_h = np.maximum.reduceat(ov_h, seg_start) >= MIN_OVERLAP
    any_o = np.maximum.reduceat(ov_o, seg_start) >= MIN_OVERLAP
    kind = np.full(m, TYPES.index("background"), dtype=np.int8)
    tgt = np.full(m, -1, dtype=np.int64)
    # tested from the last rule to the first, so the first rule that holds wins
    kind[any_h & any_o] = TYPES.index("wrong_pairing")
    kind[best_s >= MIN_OVERLAP] = TYPES.index("duplicate")
    cls = best_o >= MIN_OVERLAP
    from ..splits.hico import vocabulary

    hoi_object = vocabulary().hoi_object
    g = g_rep[np.maximum(arg_o, 0)]
    same_obj = hoi_object[gt.hoi[g]] == hoi_object[det.hoi[fp]]
    kind[cls] = np.where(same_obj[cls], TYPES.index("wrong_action"), TYPES.index("wrong_object"))
    tgt[cls] = g[cls]
    loc = (best_s >= bg) & (best_s < MIN_OVERLAP)
    j = np.maximum(arg_s, 0)
    lt = np.where(ov_o[j] >= MIN_OVERLAP, 0, np.where(ov_h[j] >= MIN_OVERLAP, 1, 2)).astype(np.int8)
    kind[loc] = lt[loc]
    tgt[loc] = g_rep[j][loc]
    error[fp] = kind
    target[fp] = tgt
    return error, target


def fix_winners(det, error: np.ndarray, target: np.ndarray, used: np.ndarray) -> np.ndarray:
    """Errors the oracle turns into TPs: per unused target, the best-ranked error aiming at it."""
    cand = np.flatnonzero((target >= 0) & ~used[np.maximum(target, 0)])
    fixed = np.zeros(len(error), dtype=bool)
    if len(cand):
        o = np.lexsort((det.position[cand], det.image[cand], -det.score[cand], target[cand]))
        t = target[cand[o]]
        first = np.concatenate(([True], t[1:] != t[:-1]))
        fixed[cand[o[first]]] = True
    return fixed


def diagnose(gt, det, *, box_frame: str = "model", profile: str = "official", unseen: np.ndarray | None = None,
             bg_threshold: float = BG_THRESHOLD) -> HoiDiagnosis:
    """Error decomposition of HICO-DET detections ``det`` on ground truth ``gt`` (Default mode)."""
    prof = scorer.get_profile(profile)
    if not scorer.reusable_matches(prof, None) or prof.drop_images != "none":
        raise SpecError(f"error diagnosis is defined for profiles without per-image top-k, per-class caps "
                        f"or dropped images; {prof.name!r} has them (use --profile official)")
    offset = scorer.profile_options(prof, box_frame)["box_offset"]
    ranking = scorer.rank_order(det.image, det.hoi, det.score, det.position)
    matched = np.full(len(det.hoi), -1, dtype=np.int64)
    out = scorer.per_class_ap(gt, det, prof, offset, ranking=ranking, matched_gt=matched)
    tp = out["tp_by_detection"]
    used = np.zeros(len(gt.hoi), dtype=bool)
    used[matched[tp]] = True
    error, target = classify(gt, det, tp, offset, prof.iou, bg_threshold)
    fixed = fix_winners(det, error, target, used)
    aimed = np.zeros(len(gt.hoi), dtype=bool)
    aimed[target[target >= 0]] = True
    missed = ~used & ~aimed
    grid = thresholds(prof.threshold_grid)
    npos = out["npos"]
    missed_per_class = np.bincount(gt.hoi[missed], minlength=scorer.N_HOI)
    order, tp_sorted = out["order"], out["tp_sorted"]

    def oracle(types: set[int], fix_missed: bool) -> np.ndarray:
        touched = np.isin(error, list(types)) if types else np.zeros(len(error), dtype=bool)
        win = touched & fixed
        keep = ~touched | win
        n_pos = npos - missed_per_class if fix_missed else npos
        if not (win & np.isin(error, CLASSIFICATION)).any():
            o = order[keep[order]]
            t = tp_sorted[keep[order]] | win[o]
            return class_ap(t, det.hoi[o], n_pos, grid)[0]
        hoi = det.hoi.copy()
        relabel = win & np.isin(error, CLASSIFICATION)
        hoi[relabel] = gt.hoi[target[relabel]]
        sel = np.flatnonzero(keep)
        o = sel[scorer.rank_order(det.image[sel], hoi[sel], det.score[sel], det.position[sel])]
        return class_ap(tp[o] | win[o], hoi[o], n_pos, grid)[0]

    ap_fixed = {t: oracle({i}, False) for i, t in enumerate(TYPES)}
    ap_fixed["missed"] = oracle(set(), True)
    ap_fixed["all"] = oracle(set(range(len(TYPES))), True)
    summ = {k: scorer.summarize(v, prof, npos, unseen) for k, v in ap_fixed.items()}
    counts = {"detections": int(len(error)), "true_positives": int(tp.sum()),
              **{t: int((error == i).sum()) for i, t in enumerate(TYPES)},
              "fixed_by_oracle": int(fixed.sum()), "gt_pairs": int(len(gt.hoi)), "missed": int(missed.sum())}
    return HoiDiagnosis(error, target, fixed, missed, matched, out["ap"], ap_fixed, npos,
                        scorer.summarize(out["ap"], prof, npos, unseen), summ, counts, missed_per_class)


def class_names() -> list[str]:
    """``"verb object"`` name of each of the 600 HOI classes (official order)."""
    from ..splits.hico import vocabulary

    v = vocabulary()
    return [f"{v.verbs[a]} {v.objects[b]}" for a, b in zip(v.hoi_verb.tolist(), v.hoi_object.tolist())]


def per_class_errors(diag: HoiDiagnosis, det) -> np.ndarray:
    """(600, len(TYPES)) false-positive counts per class (the detection's class) and type."""
    fp = diag.error >= 0
    return np.bincount(det.hoi[fp] * len(TYPES) + diag.error[fp],
                       minlength=scorer.N_HOI * len(TYPES)).reshape(scorer.N_HOI, len(TYPES))


def to_frame(diag: HoiDiagnosis, det):
    """Per-class ``pandas.DataFrame`` indexed by class name: AP, npos, FP counts, missed, gains.

    pandas is optional and imported only here (never on the scoring path).
    """
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("to_frame needs pandas: pip install pandas") from exc
    errs = per_class_errors(diag, det)
    data = {"ap": diag.ap, "npos": diag.npos}
    for i, t in enumerate(TYPES):
        data[t] = errs[:, i]
    data["missed"] = diag.missed_per_class
    for t in FIXES:
        data[f"gain_{t}"] = diag.ap_fixed[t] - diag.ap
    return pd.DataFrame(data, index=pd.Index(class_names(), name="class"))
