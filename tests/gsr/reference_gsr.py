"""A slow, literal GSR reference scorer, written from ``shared/research/gsr_scoring.md`` §1-§3.

Plain loops over images and roles on the raw JSON dicts; no numpy, no shared code with
``ovbench.scorers.gsr``. Used only by the differential tests.

* A role's noun is right iff the role is in the predicted frame for the GT verb and its noun
  equals the noun of any annotator for that role.
* A role's box is right iff (GT box absent and predicted box null) or (both present and the
  IoU test of the convention passes). Grounded = noun right and box right.
* top-k: only when the GT verb is among the first k predicted verbs; gold: always.
* per-verb: imSitu/SWiG score cards per GT verb (value = correct roles / roles of that verb's
  images; others = hits / images), then the plain mean over verbs; per-image: plain mean.
"""

from __future__ import annotations

import math


def iou_ok(p, g, convention):
    """IoU test for one predicted box ``p`` and GT box ``g`` (both [x1, y1, x2, y2])."""
    if convention == "swig":  # allenai/swig BboxEval: +1 pixel, strict
        xa, ya = max(p[0], g[0]), max(p[1], g[1])
        xb, yb = min(p[2], g[2]), min(p[3], g[3])
        inter = max(0, xb - xa + 1) * max(0, yb - ya + 1)
        area_p = (p[2] - p[0] + 1) * (p[3] - p[1] + 1)
        area_g = (g[2] - g[0] + 1) * (g[3] - g[1] + 1)
        return inter / float(area_p + area_g - inter) > 0.5
    g = [int(c) for c in g]  # CoFormer get_ground_truth
    xa, ya = max(p[0], g[0]), max(p[1], g[1])
    xb, yb = min(p[2], g[2]), min(p[3], g[3])
    inter = max(xb - xa, 0) * max(yb - ya, 0)
    area_p = (p[2] - p[0]) * (p[3] - p[1])
    area_g = (g[2] - g[0]) * (g[3] - g[1])
    return inter / float(max(area_p + area_g - inter, 1e-4)) >= 0.5


def image_scores(ann, order, pred, setting, convention):
    """(verb, correct roles, all correct, grounded roles, all grounded) of one image."""
    gt_verb = ann["verb"]
    if pred is None:
        return 0, 0, 0, 0, 0
    verbs = pred.get("verbs", [])
    if setting == "gold":
        gate = True
        verb_ok = None
    else:
        k = 1 if setting == "top1" else 5
        verb_ok = gt_verb in verbs[:k]
        gate = verb_ok
    frame = pred.get("frames", {}).get(gt_verb)
    correct = grounded = 0
    all_correct = all_grounded = True
    for role in order:
        noun_right = False
        box_right = False
        if gate and frame is not None and role in frame:
            slot = frame[role]
            for annotator in ann["frames"]:
                if annotator[role] == slot["noun"]:
                    noun_right = True
            if "bb" in ann:
                g = ann["bb"][role]
                p = slot.get("box")
                if g[0] == -1:
                    box_right = p is None
                else:
                    box_right = p is not None and iou_ok(p, g, convention)
        if noun_right:
            correct += 1
        else:
            all_correct = False
        if noun_right and box_right:
            grounded += 1
        else:
            all_grounded = False
    return (1 if verb_ok else 0), correct, (1 if all_correct else 0), grounded, (1 if all_grounded else 0)


def reference_score(gt, orders, preds, subsets, averaging="per-verb", convention="coformer"):
    """``{subset: {setting: {metric: value}}}`` like ``ovbench.scorers.gsr.score``."""
    boxes = all("bb" in a for a in gt.values())
    out = {}
    for name, images in subsets.items():
        block = {}
        for setting in ("top1", "top5", "gold"):
            cards = {}  # verb -> [images, roles, verb hits, correct, all correct, grounded, all grounded]
            per_image = []
            for img in images:
                ann = gt[img]
                order = orders[ann["verb"]]
                v, c, ca, g, ga = image_scores(ann, order, preds.get(img), setting, convention)
                card = cards.setdefault(ann["verb"], [0, 0, 0, 0, 0, 0, 0])
                for i, x in enumerate((1, len(order), v, c, ca, g, ga)):
                    card[i] += x
                per_image.append((v, c / len(order), ca, g / len(order), ga))
            if not images:
                metrics = {"verb": None, "value": None, "value_all": None, "grnd": None, "grnd_all": None}
            elif averaging == "per-image":
                n = len(per_image)
                metrics = {m: math.fsum(r[i] for r in per_image) / n
                           for i, m in enumerate(("verb", "value", "value_all", "grnd", "grnd_all"))}
            else:
                nv = len(cards)
                metrics = {
                    "verb": math.fsum(c[2] / c[0] for c in cards.values()) / nv,
                    "value": math.fsum(c[3] / c[1] for c in cards.values()) / nv,
                    "value_all": math.fsum(c[4] / c[0] for c in cards.values()) / nv,
                    "grnd": math.fsum(c[5] / c[1] for c in cards.values()) / nv,
                    "grnd_all": math.fsum(c[6] / c[0] for c in cards.values()) / nv,
                }
            if setting == "gold":
                del metrics["verb"]
            if not boxes:
                metrics["grnd"] = metrics["grnd_all"] = None
            block[setting] = metrics
        out[name] = block
    return out
