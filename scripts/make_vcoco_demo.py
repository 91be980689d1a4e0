"""Write the built-in synthetic V-COCO demo (official format) to ovbench/data/v_coco_demo/.

Synthetic, seeded: 60 images, 2-4 persons each (one in five not annotated by V-COCO, i.e. an
ignore region), a few objects; random actions with role objects (or none: "no object"), and a
noisy detector's output in the official detection format (JSON). Run from the repository root:
``python scripts/make_vcoco_demo.py``; the output is byte-identical for the same numpy.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ovbench.annotations.vcoco import ACTIONS, AGENT_KEYS, ROLE_ENTRIES

OUT = Path(__file__).resolve().parents[1] / "ovbench" / "data" / "v_coco_demo"
CATEGORIES = [{"id": 1, "name": "person"}, {"id": 2, "name": "bicycle"}, {"id": 37, "name": "sports ball"},
              {"id": 41, "name": "skateboard"}, {"id": 47, "name": "cup"}, {"id": 77, "name": "cell phone"}]


def box(rng, w, h):
    x, y = rng.uniform(0, w - 60), rng.uniform(0, h - 60)
    return [round(x, 2), round(y, 2), round(rng.uniform(30, min(200, w - x)), 2), round(rng.uniform(30, min(200, h - y)), 2)]


def main(seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    images, anns, rows = [], [], []
    aid = 1
    for k in range(60):
        iid = 100 + 7 * k
        w, h = 640, 480
        images.append({"id": iid, "width": w, "height": h, "file_name": f"demo_{iid}.jpg"})
        objs = []
        for _ in range(int(rng.integers(1, 4))):
            b = box(rng, w, h)
            anns.append({"id": aid, "image_id": iid, "category_id": int(rng.choice([2, 37, 41, 47, 77])),
                         "bbox": b, "area": b[2] * b[3], "iscrowd": 0})
            objs.append(aid)
            aid += 1
        for p in range(int(rng.integers(2, 5))):
            b = box(rng, w, h)
            anns.append({"id": aid, "image_id": iid, "category_id": 1, "bbox": b, "area": b[2] * b[3],
                         "iscrowd": 0})
            if p == 0 or rng.random() > 0.2:  # the others are persons V-COCO did not annotate
                labels = (rng.random(26) < 0.15).astype(int)
                roles = [[int(rng.choice(objs)) if rng.random() < 0.7 else 0 for _ in ACTIONS[a][1][1:]]
                         for a in range(26)]
                rows.append((iid, aid, labels, roles))
            aid += 1
    vsrl = []
    for a, (name, role_names) in enumerate(ACTIONS):
        rid = [[r[1] for r in rows]]
        for j in range(len(role_names) - 1):
            rid.append([r[3][a][j] if r[2][a] == 1 else 0 for r in rows])
        vsrl.append({"action_name": name, "role_name": list(role_names), "include": [[] for _ in role_names],
                     "image_id": [r[0] for r in rows], "ann_id": [r[1] for r in rows],
                     "label": [int(r[2][a]) for r in rows], "role_object_id": [v for col in rid for v in col]})
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "vcoco_val.json").write_text(json.dumps(vsrl))
    (OUT / "instances_vcoco_all_2014.json").write_text(json.dumps(
        {"images": images, "annotations": anns, "categories": CATEGORIES}))
    (OUT / "vcoco_val.ids").write_text("".join(f"{im['id']}\n" for im in images))
    # a noisy detector: jittered persons with scores correlated with the labels, role boxes
    # jittered from the true object, "no object" (null) or another object
    by_id = {a["id"]: a for a in anns}
    label_of = {r[1]: r for r in rows}
    preds = []
    for a in anns:
        if a["category_id"] != 1 or a["image_id"] == images[-1]["id"]:  # last image: no detections
            continue
        row = label_of.get(a["id"])
        for _ in range(2):
            x, y, bw, bh = a["bbox"]
            d = {"image_id": a["image_id"],
                 "person_box": [round(v + rng.normal(0, 4), 2) for v in (x, y, x + bw, y + bh)]}
            for k, key in enumerate(AGENT_KEYS):
                pos = row is not None and row[2][k] == 1
                d[key] = round(float(np.clip(rng.normal(0.6 if pos else 0.3, 0.2), 0, 1)), 4)
            for act, r, key in ROLE_ENTRIES:
                target = row[3][act][r] if row is not None and row[2][act] == 1 else 0
                pos = row is not None and row[2][act] == 1
                s = round(float(np.clip(rng.normal(0.6 if pos else 0.3, 0.2), 0, 1)), 4)
                if target and rng.random() < 0.8:
                    ox, oy, ow, oh = by_id[target]["bbox"]
                    d[key] = [round(v + rng.normal(0, 4), 2) for v in (ox, oy, ox + ow, oy + oh)] + [s]
                elif rng.random() < 0.5:
                    d[key] = [None, None, None, None, s]
                else:
                    ox, oy, ow, oh = box(rng, 640, 480)
                    d[key] = [ox, oy, ox + ow, oy + oh, s]
            preds.append(d)
    (OUT / "predictions.json").write_text(json.dumps(
        {"predictions": preds, "meta": {"name": "demo-noisy-detector", "box_frame": "model"}}))
    (OUT / "README.md").write_text(
        "# Synthetic V-COCO demo\n\nMade by `scripts/make_vcoco_demo.py` (seeded): the official V-COCO "
        "triple (`vcoco_val.json`, `instances_vcoco_all_2014.json`, `vcoco_val.ids`) for 60 invented "
        "images, and a noisy detector's output in the official detection format (`predictions.json`). "
        "Not real data.\n\n    ovbench score ovbench/data/v_coco_demo/predictions.json -b v-coco "
        "--annotations ovbench/data/v_coco_demo --split val\n")


if __name__ == "__main__":
    main()
