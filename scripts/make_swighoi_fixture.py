"""Synthetic SWIG-HOI test set and detections in the real formats, with the real vocabulary.

The real ``swig_test_1000.json`` is not redistributable here, so tests, the demo and the speed
script use this generator. It keeps what matters for scoring: THID's annotation format, the
frozen 14,130-interaction vocabulary, every one of the 5,539 evaluated interactions present
(non-rare ones more often, as in the real split), several people and objects per image, several
pairs per image sharing boxes, and a few non-evaluated interactions. Detections come from a
noisy model: jittered true pairs, wrong actions, swapped objects, duplicates and background
boxes, with scores that optionally repeat (``--ties``).

    python scripts/make_swighoi_fixture.py OUT_DIR [--images 14000] [--dets-per-pair 4] [--seed 0] [--ties]
        [--digits D] [--classes K]

The built-in demo (``ovbench/data/swig_hoi_demo``) is
``make_swighoi_fixture.py ovbench/data/swig_hoi_demo --images 2300 --dets-per-pair 1.2 --seed 7 --digits 4``.

writes ``OUT_DIR/swig_test_1000.json`` and ``OUT_DIR/predictions.json`` (ovbench format).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ovbench.splits.swighoi import vocabulary  # noqa: E402


def _box(rng, w, h, integer=False):
    bw, bh = rng.uniform(0.1, 0.6) * w, rng.uniform(0.1, 0.7) * h
    x1, y1 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
    if integer:  # ground truth: whole pixels, as in SWiG
        return [int(x1), int(y1), int(x1 + bw), int(y1 + bh)]
    return [round(x1, 2), round(y1, 2), round(x1 + bw, 2), round(y1 + bh, 2)]


def _jitter(rng, box, w, h, scale):
    bw, bh = box[2] - box[0], box[3] - box[1]
    d = rng.normal(0, scale, 4) * np.array([bw, bh, bw, bh])
    x1, y1 = min(max(box[0] + d[0], 0.0), w - 1.0), min(max(box[1] + d[1], 0.0), h - 1.0)
    x2, y2 = min(max(box[2] + d[2], x1 + 1.0), float(w)), min(max(box[3] + d[3], y1 + 1.0), float(h))
    return [float(x1), float(y1), float(x2), float(y2)]


def make(n_images: int, dets_per_pair: float, seed: int, ties: bool, digits: int | None = None,
         classes: int | None = None) -> tuple[list, dict]:
    voc = vocabulary()
    rng = np.random.default_rng(seed)
    evaluated = np.flatnonzero(voc.hoi_evaluated)
    if classes is not None:  # small fixtures: a seeded sample of the evaluated interactions
        evaluated = np.sort(rng.choice(evaluated, size=classes, replace=False))
    top = int(evaluated.max())
    extra = np.flatnonzero(~voc.hoi_evaluated & (np.arange(voc.n_hoi) < top))[:200 if classes is None else 5]
    # pair budget: every evaluated class at least once; common classes more (Zipf-like tail)
    weight = np.where(voc.hoi_frequency[evaluated] == 2, 6.0, np.where(voc.hoi_frequency[evaluated] == 1, 1.5, 1.0))
    weight *= rng.pareto(1.5, len(evaluated)) + 1
    n_pairs = int(n_images * 2.5)
    counts = 1 + rng.multinomial(max(n_pairs - len(evaluated), 0), weight / weight.sum())
    classes = np.concatenate([np.repeat(evaluated, counts), extra])
    rng.shuffle(classes)
    # deal the pairs to images (1..6 per image; some images left without annotations)
    per_image = np.array_split(classes, n_images)
    actions = [voc.action_names[a] for a in range(len(voc.action_names))]
    annos, preds = [], {}
    base_id = 40000
    carry = np.empty(0, dtype=np.int64)
    for i, group in enumerate(per_image):
        group = np.concatenate([carry, group])
        carry = np.empty(0, dtype=np.int64)
        if i % 97 == 5 and i + 1 < n_images:  # a few images without HOI annotations (THID skips them)
            carry, group = group, np.empty(0, dtype=np.int64)
        w, h = int(rng.integers(300, 1025)), int(rng.integers(300, 1025))
        name = f"{actions[i % len(actions)]}_{i}.jpg"
        boxes, hois = [], []
        people = [_box(rng, w, h, integer=True) for _ in range(int(rng.integers(1, 3)))]
        for p in people:
            boxes.append({"bbox": p, "category_id": 0, "aux_category_id": []})
        for k in group.tolist():
            obj = int(voc.hoi_object[k])
            if rng.random() < 0.3 and len(boxes) > len(people):  # share an object box of the same class
                same = [j for j in range(len(people), len(boxes)) if boxes[j]["category_id"] == obj]
                oj = same[0] if same else None
            else:
                oj = None
            if oj is None:
                boxes.append({"bbox": _box(rng, w, h, integer=True), "category_id": obj, "aux_category_id": []})
                oj = len(boxes) - 1
            hois.append({"subject_id": int(rng.integers(0, len(people))), "object_id": oj,
                         "action_id": int(voc.hoi_action[k])})
        annos.append({"file_name": name, "img_id": base_id + i, "height": h, "width": w,
                      "box_annotations": boxes, "hoi_annotations": hois})
        dets = []
        for hh in hois:
            pb, ob = boxes[hh["subject_id"]]["bbox"], boxes[hh["object_id"]]["bbox"]
            k = int(_TABLE[hh["action_id"], boxes[hh["object_id"]]["category_id"]])
            for _ in range(int(rng.poisson(dets_per_pair))):
                r = rng.random()
                if r < 0.55:
                    cls, scale, s = k, 0.05, rng.beta(4, 2)
                elif r < 0.7:  # wrong action, same object
                    same_obj = _BY_OBJECT[int(voc.hoi_object[k])]
                    cls, scale, s = int(rng.choice(same_obj)), 0.05, rng.beta(2, 3)
                elif r < 0.85:  # badly localised
                    cls, scale, s = k, 0.35, rng.beta(2, 3)
                else:  # background
                    cls, scale, s = int(rng.choice(evaluated)), 1.0, rng.beta(1, 4)
                hb = _jitter(rng, pb, w, h, scale) if scale < 1 else _box(rng, w, h)
                obb = _jitter(rng, ob, w, h, scale) if scale < 1 else _box(rng, w, h)
                score = round(float(s), 2) if ties else float(s)
                if digits is not None:  # compact files (the demo): boxes to 1 decimal, scores to `digits`
                    hb, obb = [round(v, 1) for v in hb], [round(v, 1) for v in obb]
                    score = round(score, digits)
                dets.append({"human_box": hb, "object_box": obb, "hoi": cls, "score": score})
        if dets and rng.random() < 0.02:
            continue  # an image the model never reached
        if dets:
            preds[name] = dets
    return annos, {"predictions": preds, "meta": {"name": f"synthetic-seed{seed}", "box_frame": "model"}}


_TABLE = vocabulary().pair_table()
_BY_OBJECT: dict[int, np.ndarray] = {}
for _o in range(_TABLE.shape[1]):
    _BY_OBJECT[_o] = np.flatnonzero(vocabulary().hoi_object == _o)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--images", type=int, default=14000)
    ap.add_argument("--dets-per-pair", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ties", action="store_true", help="round scores to 2 decimals (many ties)")
    ap.add_argument("--digits", type=int, default=None,
                    help="compact output: boxes to 1 decimal and scores to this many decimals")
    ap.add_argument("--classes", type=int, default=None,
                    help="use a seeded sample of this many evaluated interactions (default: all 5,539)")
    args = ap.parse_args()
    annos, preds = make(args.images, args.dets_per_pair, args.seed, args.ties, args.digits, args.classes)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "swig_test_1000.json").write_text(json.dumps(annos, separators=(",", ":")))
    (args.out / "predictions.json").write_text(json.dumps(preds, separators=(",", ":")))
    n_det = sum(len(v) for v in preds["predictions"].values())
    n_pairs = sum(len(a["hoi_annotations"]) for a in annos)
    print(f"{args.out}: {len(annos)} images, {n_pairs} pairs, {n_det} detections")


if __name__ == "__main__":
    main()
