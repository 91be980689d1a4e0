"""Speed of SWIG-HOI scoring against THID's evaluator and against just parsing the input.

Input: a folder from ``scripts/make_swighoi_fixture.py`` (``swig_test_1000.json`` +
``predictions.json``; e.g. ``--images 14000 --dets-per-pair 20`` for ~700k detections).

Measures (best of ``--repeat``, alternating sides):

1. parse floor: stdlib ``json.load`` of both files with the garbage collector paused;
2. ovbench end to end in-process: read and validate both files, score, build the result
   (``benchmarks.swighoi.score_files``), and the scoring step alone on loaded arrays, for the
   ``ovbench`` and ``thid`` profiles;
3. THID's own evaluator (optional, ``--thid DIR``: a checkout of scwangdyd/promting_hoi, which
   ovbench does not ship): ``SWiGEvaluator(anno)`` (annotation load), ``update`` with the
   detections, ``accumulate()``; the per-class APs are checked to be identical.

Usage: python perf/bench_swighoi.py DIR [--thid PATH_TO_promting_hoi] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ovbench.annotations.swighoi import load_annotations  # noqa: E402
from ovbench.benchmarks import swighoi as bench  # noqa: E402
from ovbench.predictions.swighoi import load_predictions  # noqa: E402
from ovbench.scorers import swighoi as scorer  # noqa: E402
from ovbench.splits.swighoi import vocabulary  # noqa: E402


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def floor(anno: Path, preds: Path) -> float:
    gc.disable()
    t = time.perf_counter()
    for p in (anno, preds):
        with open(p, "rb") as fh:
            json.load(fh)
    gc.enable()
    return time.perf_counter() - t


def thid_run(thid: Path, anno: Path, preds: Path) -> tuple[dict, np.ndarray]:
    sys.path.insert(0, str(thid))
    from datasets.swig_evaluator import SWiGEvaluator  # THID's, from the given checkout

    doc = json.loads(preds.read_bytes())["predictions"]
    ids = {a["file_name"]: a["img_id"] for a in json.loads(anno.read_bytes())}
    batch = {ids[n]: [[d["hoi"], d["score"]] + d["human_box"] + d["object_box"] for d in dets]
             for n, dets in doc.items()}
    t0 = time.perf_counter()
    ev = SWiGEvaluator(str(anno), "/tmp")
    t1 = time.perf_counter()
    ev.update(batch)
    t2 = time.perf_counter()
    with np.errstate(all="ignore"):
        ev.accumulate()
    t3 = time.perf_counter()
    return {"load": t1 - t0, "update": t2 - t1, "accumulate": t3 - t2, "total": t3 - t0}, ev.swig_ap


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--thid", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    anno, preds = args.folder / "swig_test_1000.json", args.folder / "predictions.json"
    voc = vocabulary()
    gt = load_annotations(anno)
    det = load_predictions(preds, gt.image_index())
    print(f"input: {gt.n_images} images, {len(gt.hoi)} pairs, {len(det.hoi)} detections, "
          f"{(anno.stat().st_size + preds.stat().st_size) / 1e6:.1f} MB")
    times: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        times.setdefault("parse floor (json.load both files)", []).append(floor(anno, preds))
        times.setdefault("ovbench end to end (read, validate, score, result)", []).append(
            timed(lambda: bench.score_files(preds, annotations=anno))[0])
        for prof in ("ovbench", "thid"):
            p = scorer.get_profile(prof)
            times.setdefault(f"ovbench scoring only, profile {prof}", []).append(timed(lambda: scorer.per_class_ap(
                gt.image, gt.hoi, gt.boxes, det.image, det.hoi, det.boxes, det.score, det.position,
                voc.hoi_evaluated, p))[0])
    best = {k: min(v) for k, v in times.items()}
    for k, v in best.items():
        print(f"{k:55s} {v:7.3f} s")
    fl = best["parse floor (json.load both files)"]
    e2e = best["ovbench end to end (read, validate, score, result)"]
    print(f"end to end / parse floor: {e2e / fl:.2f}x")
    if args.thid:
        t, ref = thid_run(args.thid, anno, preds)
        ours = scorer.per_class_ap(gt.image, gt.hoi, gt.boxes, det.image, det.hoi, det.boxes, det.score,
                                   det.position, voc.hoi_evaluated, scorer.get_profile("thid"))["ap"]
        ids = voc.subsets["full"]
        diff = float(np.abs(ours[ids] - ref[ids]).max())
        print(f"THID SWiGEvaluator: load {t['load']:.2f} s, update {t['update']:.2f} s, accumulate "
              f"{t['accumulate']:.2f} s, total {t['total']:.2f} s; max |AP difference| (thid profile) {diff}")
        sc = best["ovbench scoring only, profile thid"]
        print(f"THID accumulate / ovbench scoring (thid profile): {t['accumulate'] / sc:.1f}x; "
              f"THID total / ovbench end to end: {t['total'] / e2e:.1f}x")


if __name__ == "__main__":
    main()
