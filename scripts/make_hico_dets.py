"""Generate the speed-benchmark predictions: the real HICO-DET test set, ~100 detections/image.

For every test image: each ground-truth pair yields a few jittered copies (mostly its own
class, some another class of the same object), then random distractor pairs (random boxes,
random classes) fill the image up to ``--per-image`` detections. Scores are random with
true-pair copies scored higher on average. Deterministic for a given ``--seed``.

The output (~150 MB for 100 per image) is written outside git, by default
``bench-data/hico_dets_100.json``, in the ovbench HOI predictions format with verb/object names
and boxes in the model frame (0-based: the ground truth minus one pixel, plus jitter).

Usage: python scripts/make_hico_dets.py [--annotations ../shared/data/hicodet/instances_test2015.json]
       [--per-image 100] [--seed 0] [-o bench-data/hico_dets_100.json]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import orjson

REPO = Path(__file__).resolve().parents[1]


def make(gt, per_image: int, seed: int) -> dict:
    from ovbench.splits.hico import vocabulary

    vocab = vocabulary()
    rng = np.random.default_rng(seed)
    same_object = [np.flatnonzero(vocab.hoi_object == o) for o in range(80)]
    bounds = np.searchsorted(gt.pair_image, np.arange(gt.n_images + 1))
    preds = {}
    for i, name in enumerate(gt.filenames):
        w, h = (int(v) for v in gt.sizes[i]) if gt.sizes[i].all() else (640, 480)
        s, e = bounds[i], bounds[i + 1]
        rows = []
        for p in range(s, e):
            base = np.concatenate([gt.boxes_h[p], gt.boxes_o[p]]) - 1.0
            for _ in range(int(rng.integers(2, 5))):
                hoi = int(gt.hoi[p]) if rng.random() < 0.75 else int(rng.choice(same_object[vocab.hoi_object[gt.hoi[p]]]))
                scale = np.tile([base[2] - base[0], base[3] - base[1]], 4) * 0.5 + 1.0
                boxes = base + rng.normal(0.0, 0.08, 8) * np.repeat(scale[:2], 4)[[0, 4, 1, 5, 2, 6, 3, 7]]
                rows.append((boxes, hoi, float(rng.beta(5, 2))))
        while len(rows) < per_image:
            xy = rng.uniform(0, [w, h, w, h, w, h, w, h])
            boxes = np.concatenate([np.minimum(xy[:2], xy[2:4]), np.maximum(xy[:2], xy[2:4]),
                                    np.minimum(xy[4:6], xy[6:]), np.maximum(xy[4:6], xy[6:])])
            rows.append((boxes, int(rng.integers(600)), float(rng.beta(2, 5))))
        dets = []
        for boxes, hoi, score in rows[:per_image]:
            b = np.round(boxes, 2)
            hb = [float(min(b[0], b[2])), float(min(b[1], b[3])), float(max(b[0], b[2])), float(max(b[1], b[3]))]
            ob = [float(min(b[4], b[6])), float(min(b[5], b[7])), float(max(b[4], b[6])), float(max(b[5], b[7]))]
            dets.append({"human_box": hb, "object_box": ob, "verb": vocab.verbs[vocab.hoi_verb[hoi]],
                         "object": vocab.objects[vocab.hoi_object[hoi]], "score": round(score, 6)})
        preds[name] = dets
    return {"predictions": preds, "meta": {"name": "synthetic-jitter", "seed": seed, "per_image": per_image}}


def main() -> None:
    from ovbench.annotations.hico import load_annotations

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", default=str(REPO.parent / "shared/data/hicodet/instances_test2015.json"))
    parser.add_argument("--per-image", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", default=str(REPO / "bench-data" / "hico_dets_100.json"))
    args = parser.parse_args()
    doc = make(load_annotations(args.annotations), args.per_image, args.seed)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(orjson.dumps(doc))
    n = sum(len(v) for v in doc["predictions"].values())
    print(f"wrote {out}: {n} detections, {out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
