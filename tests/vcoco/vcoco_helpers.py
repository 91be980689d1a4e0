"""Seeded V-COCO detections and ground-truth variants for the parity tests."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ovbench.annotations.vcoco import AGENT_KEYS, ROLE_ENTRIES


def random_detections(gt, seed: int, *, per_image: float = 3.0, missing: float = 0.1,
                      decimals: int | None = 1, extra_images=()) -> list[dict]:
    """Detections near GT persons (annotated or not) and role objects, plus background boxes.

    Scores rounded to ``decimals`` (ties), role boxes: jittered GT role (or another box),
    all-zero, all-NaN or random; ``missing`` share of images gets none; ``extra_images``
    (ids outside the split) get a few."""
    rng = np.random.default_rng(seed)
    dets = []
    start = np.searchsorted(gt.person_image, np.arange(gt.n_images))
    stop = np.searchsorted(gt.person_image, np.arange(gt.n_images), side="right")
    for k, iid in enumerate(gt.image_ids.tolist()):
        if rng.random() < missing:
            continue
        persons = gt.person_box[start[k]:stop[k]]
        for _ in range(rng.poisson(per_image)):
            if len(persons) and rng.random() < 0.8:
                p = int(rng.integers(len(persons)))
                box = persons[p] + rng.normal(0, 6, 4)
                rb = gt.person_role_box[start[k] + p]
            else:
                x, y = (float(v) for v in rng.uniform(0, 400, 2))
                box = np.array([x, y, x + rng.uniform(5, 200), y + rng.uniform(5, 200)])
                rb = None
            d = {"image_id": int(iid), "person_box": [float(v) for v in box]}
            for key in AGENT_KEYS:
                d[key] = _score(rng, decimals)
            for a, r, key in ROLE_ENTRIES:
                u = rng.random()
                if u < 0.15:
                    obj = [0.0, 0.0, 0.0, 0.0]
                elif u < 0.3:
                    obj = [math.nan] * 4
                elif rb is not None and not np.isnan(rb[a, r]).any() and u < 0.85:
                    obj = [float(v) for v in rb[a, r] + rng.normal(0, 8, 4)]
                else:
                    x, y = (float(v) for v in rng.uniform(0, 400, 2))
                    obj = [x, y, x + rng.uniform(5, 150), y + rng.uniform(5, 150)]
                d[key] = obj + [_score(rng, decimals)]
            dets.append(d)
    for iid in extra_images:
        d = dict(dets[0])
        d["image_id"] = int(iid)
        dets.append(d)
    order = rng.permutation(len(dets))  # file order not grouped by image
    return [dets[i] for i in order]


def _score(rng, decimals):
    s = float(rng.random())
    return round(s, decimals) if decimals is not None else s


def to_json_preds(dets: list[dict], meta: dict | None = None) -> dict:
    def conv(v):
        if isinstance(v, list):
            return [None if isinstance(x, float) and math.isnan(x) else x for x in v]
        return v
    return {"predictions": [{k: conv(v) for k, v in d.items()} for d in dets], "meta": meta or {}}


def write_variant(src: Path, dst: Path, *, add_unannotated: int = 0, drop_persons_of: int = 0, seed: int = 0):
    """Copy the val triple to ``dst`` adding unannotated COCO persons (ignore regions, one a crowd)
    next to annotated ones, and removing every COCO annotation of ``drop_persons_of`` images
    (an image of the split without any GT person, where the original crashes)."""
    dst.mkdir(parents=True, exist_ok=True)
    coco = json.loads((src / "instances_vcoco_all_2014.json").read_text())
    rng = np.random.default_rng(seed)
    anns = coco["annotations"]
    persons = [a for a in anns if a["category_id"] == 1]
    next_id = max(a["id"] for a in anns) + 1
    for n, a in enumerate(rng.choice(len(persons), add_unannotated, replace=False)):
        p = persons[int(a)]
        x, y, w, h = p["bbox"]
        new = dict(p, id=next_id, bbox=[x + w * 0.1, y + h * 0.05, w * 0.9, h], iscrowd=int(n % 5 == 0))
        anns.append(new)
        next_id += 1
    ids = [int(v) for v in (src / "vcoco_val.ids").read_text().split()]
    gone = set(ids[5:5 + drop_persons_of])
    coco["annotations"] = [a for a in anns if a["image_id"] not in gone]
    (dst / "instances_vcoco_all_2014.json").write_text(json.dumps(coco))
    for name in ("vcoco_val.json", "vcoco_val.ids"):
        (dst / name).write_bytes((src / name).read_bytes())
    return sorted(gone)
