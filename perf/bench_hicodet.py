"""Speed benchmark of HICO-DET scoring (issue: >= 20x the reference, <= 1.5x json.load, < 1.5 GB).

Input: the real test annotations and ``bench-data/hico_dets_100.json`` from
``scripts/make_hico_dets.py`` (about 100 detections per image, ~130 MB).

Measures, alternating runs so that load from other processes hits both sides alike:

1. floor: stdlib ``json.load`` of the predictions file with the garbage collector paused;
2. end to end: ``ovbench score FILE -b hico-det --annotations ANNO --setting rf-uc -f json``
   in a subprocess (interpreter start, parsing, validation, Default + Known-Object scoring,
   result); peak resident memory of that subprocess;
3. scoring in every setting: per-class AP for Default and Known-Object, then full / rare /
   non-rare and unseen / seen for all nine zero-shot settings, fast scorer vs the literal
   reference in ``tests/hoi/reference_hoi.py`` (which is also checked to agree to 1e-12).

Usage: python perf/bench_hicodet.py [--preds bench-data/hico_dets_100.json]
       [--annotations ../shared/data/hicodet/instances_test2015.json] [--repeat 3] [--skip-reference]
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "hoi"))


def json_floor(path: Path) -> tuple[float, float]:
    """(wall, cpu) seconds of stdlib json.load with the collector paused."""
    gc.disable()
    w0, c0 = time.perf_counter(), time.process_time()
    with open(path, "rb") as fh:
        doc = json.load(fh)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    del doc
    gc.enable()
    return wall, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_run(preds: Path, annotations: Path) -> tuple[float, float]:
    """(wall, cpu) seconds of `ovbench score` in a subprocess (interpreter start included)."""
    exe = Path(sys.executable).with_name("ovbench")
    cmd = [str(exe), "score", str(preds), "-b", "hico-det", "--annotations", str(annotations),
           "--setting", "rf-uc", "-f", "json"]
    w0, c0 = time.perf_counter(), _children_cpu()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - w0, _children_cpu() - c0


def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def all_settings_fast(gt, det):
    from ovbench.scorers import hoi as scorer
    from ovbench.splits.hico import settings, unseen_ids

    prof = scorer.PROFILES["official"]
    ranking = scorer.rank_order(det.image, det.hoi, det.score, det.position)
    default = scorer.per_class_ap(gt, det, prof, 1.0, ranking=ranking)
    ko = scorer.known_object_mask(det.image, det.hoi, scorer.presence_from_gt(gt))
    known = scorer.per_class_ap(gt, det, prof, 1.0, keep=ko, ranking=ranking, matches=default["tp_by_detection"])
    out = {}
    for s in settings():
        out[s] = {mode: scorer.summarize(r["ap"], prof, r["npos"], unseen_ids(s))
                  for mode, r in (("default", default), ("known_object", known))}
    return default["ap"], known["ap"], out


def all_settings_reference(gt, det):
    from reference_hoi import reference_per_class_ap

    from ovbench.scorers import hoi as scorer
    from ovbench.splits.hico import settings, spec_list, unseen_ids

    boxes = (det.boxes + 1.0).tolist()
    rows = list(zip(det.image.tolist(), det.hoi.tolist(), boxes, det.score.tolist()))
    ko = scorer.known_object_mask(det.image, det.hoi, scorer.presence_from_gt(gt)).tolist()
    g = [(int(i), int(h), gt.boxes_h[k].tolist(), gt.boxes_o[k].tolist())
         for k, (i, h) in enumerate(zip(gt.pair_image, gt.hoi))]
    ap_default, _ = reference_per_class_ap(g, rows, gt.n_images)
    ap_known, _ = reference_per_class_ap(g, [r for r, k in zip(rows, ko) if k], gt.n_images)
    rare, non_rare = set(spec_list("rare").tolist()), set(spec_list("non_rare").tolist())
    out = {}
    for s in settings():
        unseen = set(unseen_ids(s).tolist())
        out[s] = {}
        for mode, ap in (("default", ap_default), ("known_object", ap_known)):
            def mean(ids, ap=ap):
                return sum(ap[c] for c in ids) / len(ids)
            out[s][mode] = {"full": mean(range(600)), "rare": mean(rare), "non_rare": mean(non_rare),
                            "unseen": mean(unseen), "seen": mean(set(range(600)) - unseen)}
    return ap_default, ap_known, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preds", type=Path, default=REPO / "bench-data" / "hico_dets_100.json")
    parser.add_argument("--annotations", type=Path, default=REPO.parent / "shared/data/hicodet/instances_test2015.json")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-reference", action="store_true")
    args = parser.parse_args()
    if not args.preds.exists():
        raise SystemExit(f"{args.preds} missing: run python scripts/make_hico_dets.py first")
    from ovbench.annotations.hico import load_annotations
    from ovbench.predictions.hoi import load_predictions

    floors, clis = [], []
    for _ in range(args.repeat):  # alternate, so that load from other processes hits both
        floors.append(json_floor(args.preds))
        clis.append(cli_run(args.preds, args.annotations))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    gt = load_annotations(args.annotations)
    det = load_predictions(args.preds, gt.image_index())
    fast = [timed(lambda: all_settings_fast(gt, det)) for _ in range(args.repeat)]
    (fast_default, fast_known, fast_metrics) = fast[0][0]
    floor_wall, floor_cpu = min(f[0] for f in floors), min(f[1] for f in floors)
    cli_wall, cli_cpu = min(c[0] for c in clis), min(c[1] for c in clis)
    fast_wall, fast_cpu = min(f[1] for f in fast), min(f[2] for f in fast)
    report = {
        "input": {"file": str(args.preds), "megabytes": round(args.preds.stat().st_size / 1e6, 1),
                  "detections": int(len(det.hoi)), "images": gt.n_images},
        "json_load_gc_paused_s": {"wall": round(floor_wall, 3), "cpu": round(floor_cpu, 3)},
        "ovbench_score_end_to_end_s": {"wall": round(cli_wall, 3), "cpu": round(cli_cpu, 3)},
        "end_to_end_ratio": {"wall": round(cli_wall / floor_wall, 3), "cpu": round(cli_cpu / floor_cpu, 3)},
        "peak_rss_mb": round(peak_mb, 1),
        "fast_all_settings_s": {"wall": round(fast_wall, 3), "cpu": round(fast_cpu, 3)},
    }
    if not args.skip_reference:
        (ref_default, ref_known, ref_metrics), ref_wall, ref_cpu = timed(lambda: all_settings_reference(gt, det))
        report["reference_all_settings_s"] = {"wall": round(ref_wall, 2), "cpu": round(ref_cpu, 2)}
        report["speedup_vs_reference"] = {"wall": round(ref_wall / fast_wall, 1), "cpu": round(ref_cpu / fast_cpu, 1)}
        report["max_abs_diff_per_class_ap"] = float(max(np.abs(fast_default - np.asarray(ref_default)).max(),
                                                        np.abs(fast_known - np.asarray(ref_known)).max()))
        report["max_abs_diff_means"] = max(abs(fast_metrics[s][m][k] - ref_metrics[s][m][k])
                                           for s in fast_metrics for m in fast_metrics[s] for k in fast_metrics[s][m])
    report["official_rf_uc"] = fast_metrics["rf-uc"]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
