#!/usr/bin/env python3
"""Bootstrap speed on the full-scale data: Ov-SWiG test (25,200 images) and HICO-DET test
(9,658 real images, ~100 detections per image).

    python perf/bench_bootstrap.py [--swig bench-data/swig] [--hico-preds bench-data/hico_dets_100.json]
                                         [--swig-n 1000] [--hico-n 200]

Generates the inputs with ``scripts/make_swig_fixture.py`` / ``scripts/make_hico_dets.py``
when absent. Times, in process (scoring itself is measured by bench_ovswig.py / bench_hicodet.py):

* Ov-SWiG: building the per-image design (all 4 subsets x 14 metrics) and ``--swig-n``
  resamples stratified by verb with their percentile intervals; then a paired comparison
  (bootstrap + p-values inverting the interval) on the same file twice;
* HICO-DET: ``--hico-n`` image resamples with 600-class AP recomputed for Default and
  Known-Object, and the summaries (full / rare / non-rare / unseen / seen).

Each bootstrap step is run ``--repeat`` times; the best wall time is reported.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def best(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def bench_swig(data: Path, n: int, repeat: int) -> None:
    from ovbench.benchmarks import ovswig
    from ovbench.splits.ovswig import generate_split, write_manifest
    from ovbench.stats import gsr
    from ovbench.stats.bootstrap import interval, p_value

    ann = data / "annotations"
    if not (ann / "test.json").exists():
        subprocess.run([sys.executable, str(REPO / "scripts" / "make_swig_fixture.py"), "--out", str(data)], check=True)
    manifest = data / "manifest_bench_bootstrap.json"
    if not manifest.exists():
        write_manifest(generate_split(ann), manifest)
    t = time.perf_counter()
    ev = ovswig.evaluate_files(data / "predictions_test.json", annotations=ann, split="test", manifest=manifest)
    t_score = time.perf_counter() - t
    t_design, d = best(ev.design, repeat)
    t_boot, samples = best(lambda: gsr.bootstrap_samples(d, n, seed=0), repeat)
    t_pct, _ = best(lambda: interval(samples, d.point(), method=gsr.DEFAULT_METHOD), repeat)
    t_perm, _ = best(lambda: p_value(samples - samples, np.zeros(samples.shape[1])), repeat)
    n_img, k = d.X.shape
    print(f"Ov-SWiG test: {n_img} images, {len(np.unique(d.strata))} verbs, {k} statistics "
          f"(scoring, not part of the bootstrap: {t_score:.2f} s)")
    print(f"  per-image design                      {t_design:7.3f} s")
    print(f"  {n} resamples stratified by verb     {t_boot:7.3f} s  ({1e3 * t_boot / n:.2f} ms per resample)")
    print(f"  percentile intervals                  {t_pct:7.3f} s")
    print(f"  p-values (interval inversion)          {t_perm:7.3f} s")
    print(f"  => ovbench score --bootstrap {n} adds {t_design + t_boot + t_pct:.2f} s")


def bench_hico(preds: Path, annotations: Path, n: int, repeat: int) -> None:
    from ovbench.benchmarks import hicodet
    from ovbench.stats import hoi

    if not preds.exists():
        subprocess.run([sys.executable, str(REPO / "scripts" / "make_hico_dets.py"), "-o", str(preds)], check=True)
    t = time.perf_counter()
    ev = hicodet.evaluate_files(preds, annotations=annotations, setting="rf-uc")
    t_score = time.perf_counter() - t
    ranked = ev.ranked()
    diag: dict = {}
    t_boot, _ = best(lambda: hoi.bootstrap_samples(ranked, ev.profile, ev.unseen, n, seed=0, diagnostics=diag), repeat)
    n_det = {m: len(r.hoi) for m, r in ranked.items()}
    print(f"HICO-DET test (rf-uc): {ev.gt.n_images} images, {len(ev.det.hoi)} detections "
          f"(scored: {n_det}), scoring {t_score:.2f} s")
    print(f"  {n} image resamples, AP recomputed (Default + Known-Object): {t_boot:.2f} s "
          f"({1e3 * t_boot / n:.0f} ms per resample); classes losing all GT per resample: "
          f"{diag['mean_classes_losing_gt']:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--swig", type=Path, default=REPO / "bench-data" / "swig")
    ap.add_argument("--hico-preds", type=Path, default=REPO / "bench-data" / "hico_dets_100.json")
    ap.add_argument("--hico-annotations", type=Path,
                    default=REPO.parent / "shared" / "data" / "hicodet" / "instances_test2015.json")
    ap.add_argument("--swig-n", type=int, default=1000)
    ap.add_argument("--hico-n", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=("swig", "hico"), default=None)
    args = ap.parse_args()
    if args.only != "hico":
        bench_swig(args.swig, args.swig_n, args.repeat)
    if args.only != "swig":
        bench_hico(args.hico_preds, args.hico_annotations, args.hico_n, max(1, args.repeat // 3))


if __name__ == "__main__":
    main()
