"""A literal, slow statement of the SWIG-HOI protocol (THID's ``swig_evaluator.py``), for tests.

Written from the protocol, not copied: one class at a time, one detection at a time, in plain
Python floats. ``order`` chooses the ranking of tied scores: ``"stable"`` sorts by score
descending, then image index, then position in the file; ``"argsort"`` is numpy's
``np.argsort(scores)[::-1]`` over the class's scores in file order.
"""

from __future__ import annotations

import numpy as np

CAP = 19_999


def overlap(a, b) -> float:
    """Continuous-area IoU; 0 when the boxes do not overlap."""
    wa, ha = max(a[2] - a[0], 0), max(a[3] - a[1], 0)
    wb, hb = max(b[2] - b[0], 0), max(b[3] - b[1], 0)
    iw = max(min(a[2], b[2]) - max(a[0], b[0]), 0)
    ih = max(min(a[3], b[3]) - max(a[1], b[1]), 0)
    inter = iw * ih
    if inter <= 0:
        return 0.0
    return inter / (wa * ha + wb * hb - inter)


def class_ap(dets, gts, order: str) -> float:
    """dets: list of (score, image, position, box8); gts: {image: [box8, ...]} in file order."""
    if not dets:
        return 0.0
    if order == "stable":
        ranked = sorted(dets, key=lambda d: (-d[0], d[1], d[2]))
    else:
        in_file = sorted(dets, key=lambda d: d[2])
        idx = np.argsort(np.array([d[0] for d in in_file]))[::-1]
        ranked = [in_file[i] for i in idx]
    npos = sum(len(v) for v in gts.values())
    taken = {img: set() for img in gts}
    hits = []
    for score, img, pos, box in ranked[:CAP]:
        best, k = 0.0, -1
        for j, g in enumerate(gts.get(img, [])):
            o = min(overlap(box[:4], g[:4]), overlap(box[4:], g[4:]))
            if o > best:
                best, k = o, j
        if k >= 0 and best >= 0.5 and k not in taken[img]:
            hits.append(1)
            taken[img].add(k)
        else:
            hits.append(0)
    if npos == 0:
        return 0.0
    ap, tp = 0.0, 0
    rec, prec = [], []
    for n, h in enumerate(hits, start=1):
        tp += h
        rec.append(tp / npos)
        prec.append(tp / n)
    for i in range(11):
        ok = [p for r, p in zip(rec, prec) if r >= i / 10.0]
        if ok:
            ap += max(ok) / 11.0
    return ap


def per_class_ap(gt_image, gt_hoi, gt_boxes, det_image, det_hoi, det_boxes, det_score, evaluated, order="stable"):
    n = len(evaluated)
    gts = {}
    for img, h, box in zip(gt_image.tolist(), gt_hoi.tolist(), gt_boxes.tolist()):
        gts.setdefault(h, {}).setdefault(img, []).append(box)
    dets = {}
    for pos, (img, h, box, s) in enumerate(zip(det_image.tolist(), det_hoi.tolist(), det_boxes.tolist(),
                                               det_score.tolist())):
        dets.setdefault(h, []).append((s, img, pos, box))
    ap = np.zeros(n)
    for h in np.flatnonzero(evaluated).tolist():
        ap[h] = class_ap(dets.get(h, []), gts.get(h, {}), order)
    return ap
