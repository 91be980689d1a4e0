"""Primitives of HICO-DET mAP: threshold grids, pair IoU, greedy matching, 11-point AP.

Reference reproduced: ywchao/ho-rcnn ``evaluation/VOCevaldet_bboxpair.m`` (matching, AP) and
``evaluation/eval_one.m`` (ground truth, averages). Peer conventions (GEN-VLKT
``datasets/hico_eval_triplet.py``, THID/CMD-SE ``datasets/hico_evaluator.py``) are selected by
name. Everything here is pure numpy on flat arrays; no I/O.

Array conventions: ``boxes`` are (n, 8) float64 ``[hx1, hy1, hx2, hy2, ox1, oy1, ox2, oy2]``
in the ground truth's pixel frame; ``hoi`` and ``image`` are int64 ids.
"""

from __future__ import annotations

import numpy as np

IOU_CONVENTIONS = ("plus1", "plus1-touching-zero", "continuous")
THRESHOLD_GRIDS = ("matlab-colon", "numpy-arange", "i/10")
MIN_OVERLAP = 0.5
_DENSE_LIMIT = 1 << 24  # (image, class) cells up to which greedy_match uses a lookup table


def matlab_colon(a: float, step: float, b: float) -> np.ndarray:
    """``a:step:b`` exactly as MATLAB builds it.

    MATLAB's colon operator is symmetric: the first half is ``a + k*step`` and the second half
    ``b - (n-k)*step``, with the exact midpoint ``(a+b)/2`` when ``n`` is even. For ``0:0.1:1``
    this gives 0.30000000000000004, 0.6 and 0.7 where ``np.arange`` gives 0.30000000000000004,
    0.6000000000000001 and 0.7000000000000001 and ``i/10`` gives 0.3, 0.6, 0.7. A class whose
    recall lands exactly on one of these values scores differently under each grid, so the
    official profile must use this one.
    """
    n = int(np.floor((b - a) / step + 1e-10))
    out = np.empty(n + 1, dtype=np.float64)
    for k in range(n // 2 + 1):
        out[k] = a + k * step
        out[n - k] = b - k * step
    if n % 2 == 0:
        out[n // 2] = (a + b) / 2
    return out


def thresholds(grid: str) -> np.ndarray:
    """The 11 recall thresholds of an 11-point AP grid (see :data:`THRESHOLD_GRIDS`)."""
    if grid == "matlab-colon":
        return matlab_colon(0.0, 0.1, 1.0)
    if grid == "numpy-arange":
        return np.arange(0.0, 1.1, 0.1)
    if grid == "i/10":
        return np.array([i / 10.0 for i in range(11)])
    raise ValueError(f"unknown threshold grid {grid!r}; available: {', '.join(THRESHOLD_GRIDS)}")


def box_iou(a: np.ndarray, b: np.ndarray, convention: str) -> np.ndarray:
    """Row-wise IoU of boxes ``a`` and ``b`` (n, 4); pairs that do not overlap give 0.

    ``plus1`` (official): inclusive pixel boxes, ``iw = min(x2) - max(x1) + 1``; a pair
    overlaps when ``iw > 0`` and ``ih > 0`` (boxes sharing one pixel column overlap).
    ``plus1-touching-zero`` (GEN-VLKT): the same areas, but ``max(x1) >= min(x2)`` gives 0.
    ``continuous`` (THID/CMD-SE): no +1, widths clamped at 0.
    The operation order follows the reference code so the ``>= 0.5`` test is bit-identical.
    (The reference skips non-overlapping pairs instead of scoring them 0; only overlaps
    >= 0.5 can ever decide a match, so both give the same matches.)
    """
    ix1 = np.maximum(a[:, 0], b[:, 0])
    iy1 = np.maximum(a[:, 1], b[:, 1])
    ix2 = np.minimum(a[:, 2], b[:, 2])
    iy2 = np.minimum(a[:, 3], b[:, 3])
    if convention == "continuous":
        iw = np.maximum(ix2 - ix1, 0.0)
        ih = np.maximum(iy2 - iy1, 0.0)
        inter = iw * ih
        union = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
    elif convention in ("plus1", "plus1-touching-zero"):
        iw = ix2 - ix1 + 1
        ih = iy2 - iy1 + 1
        if convention == "plus1-touching-zero":
            overlapping = (ix1 < ix2) & (iy1 < iy2)
        else:
            overlapping = (iw > 0) & (ih > 0)
        iw = np.where(overlapping, iw, 0.0)
        ih = np.where(overlapping, ih, 0.0)
        inter = iw * ih
        union = (a[:, 2] - a[:, 0] + 1) * (a[:, 3] - a[:, 1] + 1) + (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1) - inter
    else:
        raise ValueError(f"unknown IoU convention {convention!r}; available: {', '.join(IOU_CONVENTIONS)}")
    out = np.zeros(len(a))
    np.divide(inter, union, out=out, where=(inter > 0) & (union > 0))
    return out


def greedy_match(
    det_image: np.ndarray, det_hoi: np.ndarray, det_boxes: np.ndarray,
    gt_image: np.ndarray, gt_hoi: np.ndarray, gt_boxes: np.ndarray, convention: str,
) -> np.ndarray:
    """True-positive flags of detections given in ranking order (official greedy rule).

    Each detection looks at the ground-truth pairs of its class in its image and picks the
    one with the largest ``min(IoU_h, IoU_o)``, the first one on ties (strict ``>`` in
    file order). It is a true positive iff that overlap is >= 0.5 and that pair was not taken
    by an earlier detection; otherwise it is a false positive, even when another free pair
    overlaps >= 0.5 (``VOCevaldet_bboxpair.m``). Hence a pair is taken by the first detection
    (in ranking order) that picks it with overlap >= 0.5, which is what is computed here.
    """
    n_det = len(det_hoi)
    tp = np.zeros(n_det, dtype=bool)
    if n_det == 0 or len(gt_hoi) == 0:
        return tp
    n_hoi = int(max(det_hoi.max(), gt_hoi.max())) + 1
    n_img = int(max(det_image.max(), gt_image.max())) + 1
    gt_key = gt_image * n_hoi + gt_hoi
    gt_order = np.argsort(gt_key, kind="stable")  # keeps file order inside an (image, class) group
    keys, group_first, group_size = np.unique(gt_key[gt_order], return_index=True, return_counts=True)
    det_key = det_image * n_hoi + det_hoi
    if n_img * n_hoi <= _DENSE_LIMIT:
        # dense (image, class) -> ground-truth group table; -1 where the image has no such pair
        group_of_key = np.full(n_img * n_hoi, -1, dtype=np.int32)
        group_of_key[keys] = np.arange(len(keys), dtype=np.int32)
        group = group_of_key[det_key]
        del group_of_key
    else:  # large vocabularies (SWIG-HOI: 14,130 classes): binary search instead of a huge table
        pos = np.minimum(np.searchsorted(keys, det_key), len(keys) - 1)
        group = np.where(keys[pos] == det_key, pos, -1)
    cand = np.flatnonzero(group >= 0)  # detections whose image holds pairs of their class
    if len(cand) == 0:
        return tp
    group = group[cand]
    count = group_size[group]
    total = int(count.sum())
    det_rep = np.repeat(cand, count)  # ranked index of each (detection, ground truth) candidate
    start = np.cumsum(count) - count
    gt_rep = gt_order[np.repeat(group_first[group] - start, count) + np.arange(total)]
    ov_h = box_iou(det_boxes[det_rep, :4], gt_boxes[gt_rep, :4], convention)
    # only overlaps >= 0.5 can decide a match: drop the rest before the object IoU
    sel = np.flatnonzero(ov_h >= MIN_OVERLAP)
    det_rep, gt_rep = det_rep[sel], gt_rep[sel]
    ov = np.minimum(ov_h[sel], box_iou(det_boxes[det_rep, 4:], gt_boxes[gt_rep, 4:], convention))
    sel = np.flatnonzero(ov >= MIN_OVERLAP)
    if len(sel) == 0:
        return tp
    det_rep, gt_rep, ov = det_rep[sel], gt_rep[sel], ov[sel]
    # per detection (runs of equal det_rep, ground truth in file order): first maximum
    seg_start = np.flatnonzero(np.concatenate(([True], det_rep[1:] != det_rep[:-1])))
    seg_len = np.diff(np.append(seg_start, len(det_rep)))
    best = np.maximum.reduceat(ov, seg_start)
    first = np.flatnonzero(ov == np.repeat(best, seg_len))
    seg_of_first = np.searchsorted(seg_start, first, side="right") - 1
    keep = np.concatenate(([True], seg_of_first[1:] != seg_of_first[:-1]))
    chosen = first[keep]
    # a ground-truth pair is taken by the first detection (in ranking order) that chooses it
    _, first_taker = np.unique(gt_rep[chosen], return_index=True)
    tp[det_rep[chosen[first_taker]]] = True
    return tp


def first_recall_count(npos: np.ndarray, t: float) -> np.ndarray:
    """Smallest integer ``k`` with ``k / npos >= t`` evaluated in float64, per class.

    Recall reaches threshold ``t`` at the first detection whose cumulative TP count is ``k``;
    testing the float division itself (not ``t * npos``) keeps the MATLAB comparison exact.
    """
    k0 = np.ceil(t * npos)
    k = k0 + 1
    for cand in (k0, k0 - 1):
        k = np.where((cand >= 0) & (cand / npos >= t), cand, k)
    return k.astype(np.int64)


def class_ap(tp_sorted: np.ndarray, hoi_sorted: np.ndarray, npos: np.ndarray, grid: np.ndarray):
    """11-point interpolated AP and final recall of every class.

    ``tp_sorted`` holds the TP flags of all scored detections sorted by class, then rank.
    For each class: ``rec = cumsum(tp)/npos``, ``prec = cumsum(tp)/(cumsum(tp)+cumsum(fp))``,
    ``ap = sum over t in grid of max(prec[rec >= t]) / 11`` (0 when empty), accumulated over
    ``t`` in the reference's order. A class without ground truth or without detections
    scores 0. Counts are exact integers in float64 and every value is computed with the
    reference's operations, so the result is bit-identical to the loop version.
    """
    n_cls, n = len(npos), len(tp_sorted)
    ap = np.zeros(n_cls)
    recall = np.zeros(n_cls)
    if n == 0:
        return ap, recall
    bounds = np.searchsorted(hoi_sorted, np.arange(n_cls + 1))
    start, end = bounds[:-1], bounds[1:]
    ctp = np.cumsum(tp_sorted, dtype=np.int64)
    tp_int = ctp - np.concatenate(([0], ctp))[start][hoi_sorted]  # cumulative TPs inside the class
    tp = tp_int.astype(np.float64)
    fp = (np.arange(n) - start[hoi_sorted] + 1) - tp
    prec = tp / (fp + tp)
    cls = np.flatnonzero((end > start) & (np.asarray(npos) > 0))
    s, e = start[cls], end[cls]
    npos_f = np.asarray(npos, dtype=np.float64)[cls]
    suffix_max = np.empty(n)
    for a, b in zip(s.tolist(), e.tolist()):
        suffix_max[a:b] = np.maximum.accumulate(prec[a:b][::-1])[::-1]
    # tp_int is non-decreasing inside a class: class * (n + 1) + tp_int is sorted overall
    key = hoi_sorted.astype(np.int64) * (n + 1) + tp_int
    total = np.zeros(len(cls))
    for t in grid:
        first = np.searchsorted(key, cls * (n + 1) + first_recall_count(npos_f, t), side="left")
        first = np.maximum(first, s)
        p = np.where(first < e, suffix_max[np.minimum(first, n - 1)], 0.0)
        total = total + p / len(grid)
    ap[cls] = total
    recall[cls] = tp[e - 1] / npos_f
    return ap, recall
