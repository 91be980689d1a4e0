"""A literal, slow re-statement of the official HICO-DET evaluation (ywchao/ho-rcnn).

Written from ``../shared/research/hoi_scoring.md`` section 2.1 in the shape of
``eval_one.m`` / ``VOCevaldet_bboxpair.m``: plain Python loops, 1-based-thinking index
arithmetic kept out, no numpy in the algorithm. It shares no code with ``ovbench.scorers``.
Peer variants (threshold grid, IoU convention, per-class cap) are parameters so the fast
profiles can be cross-checked too.

Inputs:
* ``gt``: list of ``(image, hoi, hbox, obox)`` rows, in annotation file order;
* ``dets``: list of ``(image, hoi, boxes8, score)`` rows, in predictions file order, boxes
  already in the ground truth's pixel frame (the caller adds ``det_bb + 1`` when needed).
"""

from __future__ import annotations

import math


def matlab_0_to_1_step_01() -> list[float]:
    """``0:0.1:1`` as MATLAB builds it: a+k*d for the first half, b-k*d for the second."""
    a, d, b = 0.0, 0.1, 1.0
    return [a, a + d, a + 2 * d, a + 3 * d, a + 4 * d, (a + b) / 2, b - 4 * d, b - 3 * d, b - 2 * d, b - d, b]


GRIDS = {
    "matlab-colon": matlab_0_to_1_step_01(),
    "numpy-arange": [0.0 + k * 0.1 for k in range(11)],  # what np.arange(0., 1.1, 0.1) yields
    "i/10": [i / 10.0 for i in range(11)],
}


def overlap(bb, bbgt, convention):
    """IoU of one box pair, or None when they do not overlap (not a candidate)."""
    if convention == "continuous":
        iw = max(0.0, min(bb[2], bbgt[2]) - max(bb[0], bbgt[0]))
        ih = max(0.0, min(bb[3], bbgt[3]) - max(bb[1], bbgt[1]))
        if iw * ih <= 0:
            return None
        ua = (bb[2] - bb[0]) * (bb[3] - bb[1]) + (bbgt[2] - bbgt[0]) * (bbgt[3] - bbgt[1]) - iw * ih
        return iw * ih / ua
    bi = [max(bb[0], bbgt[0]), max(bb[1], bbgt[1]), min(bb[2], bbgt[2]), min(bb[3], bbgt[3])]
    iw = bi[2] - bi[0] + 1
    ih = bi[3] - bi[1] + 1
    if convention == "plus1-touching-zero" and (bi[0] >= bi[2] or bi[1] >= bi[3]):
        return None
    if iw > 0 and ih > 0:
        ua = (bb[2] - bb[0] + 1) * (bb[3] - bb[1] + 1) + (bbgt[2] - bbgt[0] + 1) * (bbgt[3] - bbgt[1] + 1) - iw * ih
        return iw * ih / ua
    return None


def voc_eval_det_bboxpair(det_image, det_bb, det_conf, gt_bbs, npos, grid, convention, cap=None):
    """One class: ``VOCevaldet_bboxpair.m``. Returns (ap, final recall)."""
    nd = len(det_conf)
    si = sorted(range(nd), key=lambda d: -det_conf[d])  # MATLAB sort: stable
    if cap is not None:
        si = si[:cap]
    taken = {i: [False] * len(g) for i, g in gt_bbs.items()}
    tp, fp = [], []
    for d in si:
        i = det_image[d]
        bb = det_bb[d]
        ovmax = -math.inf
        jmax = -1
        for j, (gh, go) in enumerate(gt_bbs.get(i, [])):
            ov_1 = overlap(bb[:4], gh, convention)
            ov_2 = overlap(bb[4:], go, convention)
            if ov_1 is not None and ov_2 is not None:
                ov = min(ov_1, ov_2)
                if ov > ovmax:
                    ovmax = ov
                    jmax = j
        if ovmax >= 0.5:
            if not taken[i][jmax]:
                tp.append(1)
                fp.append(0)
                taken[i][jmax] = True
            else:
                tp.append(0)
                fp.append(1)
        else:
            tp.append(0)
            fp.append(1)
    ctp, cfp, rec, prec = 0.0, 0.0, [], []
    for t_, f_ in zip(tp, fp):
        ctp += t_
        cfp += f_
        rec.append(ctp / npos if npos else math.nan)
        prec.append(ctp / (cfp + ctp))
    ap = 0.0
    for t in grid:
        ps = [p for r, p in zip(rec, prec) if r >= t]
        p = max(ps) if ps else 0.0
        ap = ap + p / 11
    return ap, (rec[-1] if rec and npos else 0.0)


def reference_per_class_ap(gt, dets, n_images, grid="matlab-colon", convention="plus1", cap=None, n_hoi=600):
    """``eval_one.m``: per-class AP over all classes (AP 0 without detections or GT)."""
    gt_by_class = [dict() for _ in range(n_hoi)]
    npos = [0] * n_hoi
    for image, hoi, hbox, obox in gt:
        gt_by_class[hoi].setdefault(image, []).append((list(hbox), list(obox)))
        npos[hoi] += 1
    # ho-rcnn concatenates detections image by image (annotation order), rows in file order
    by_image = [[] for _ in range(n_images)]
    for image, hoi, boxes, score in dets:
        by_image[image].append((hoi, list(boxes), score))
    per_class = [([], [], []) for _ in range(n_hoi)]
    for image in range(n_images):
        for hoi, boxes, score in by_image[image]:
            per_class[hoi][0].append(image)
            per_class[hoi][1].append(boxes)
            per_class[hoi][2].append(score)
    aps, recs = [], []
    for c in range(n_hoi):
        if not per_class[c][2] or npos[c] == 0:
            aps.append(0.0)
            recs.append(0.0)
            continue
        ap, rec = voc_eval_det_bboxpair(*per_class[c], gt_by_class[c], npos[c], GRIDS[grid], convention, cap)
        aps.append(ap)
        recs.append(rec)
    return aps, recs
