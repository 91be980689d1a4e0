#!/usr/bin/env python3
"""Ov-SWiG speed and memory benchmark on the full-scale synthetic fixture.

    python perf/bench_ovswig.py [--data bench-data/swig] [--repeat 3]

Generates the fixture with ``scripts/make_swig_fixture.py`` when it is absent, then measures,
end to end as a user runs them (subprocesses of the installed ``ovbench`` console script):

* ``ovbench split ov-swig --annotations A -o manifest.json``
* ``ovbench score predictions_test.json -b ov-swig --annotations A --split test --manifest M -o R``

against the *floor*: a fresh ``python -c`` that only ``json.load``s the same input files
(stdlib json, cyclic GC paused) and exits. Targets: split <= 3x floor, score <= 2x floor,
peak RSS < 2 GB. Command and floor run alternately ``--repeat`` times; the best wall time of each is
reported, with the peak RSS of the command (``resource.getrusage(RUSAGE_CHILDREN)`` in a
fresh wrapper process per run).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FLOOR = ("import gc, json, sys\ngc.disable()\n"
         "for p in sys.argv[1:]:\n    with open(p, 'rb') as fh:\n        json.load(fh)\n")
WRAP = ("import resource, subprocess, sys\nrc = subprocess.call(sys.argv[1:])\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\nsys.exit(rc)\n")


def ovbench_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("ovbench")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "ovbench"]


def _run(cmd: list[str]) -> tuple[float, int]:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WRAP, *cmd], capture_output=True, text=True)
    dt = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(f"command failed ({out.returncode}): {' '.join(cmd)}\n{out.stderr}")
    return dt, int(out.stdout.strip().splitlines()[-1]) * 1024


def timed_pair(cmd: list[str], floor_cmd: list[str], repeat: int) -> tuple[float, float, int]:
    """Best wall times of ``cmd`` and its floor, run alternately (so a busy machine slows both
    alike), and the largest peak RSS (bytes) of ``cmd``."""
    best, floor, rss = float("inf"), float("inf"), 0
    for _ in range(repeat):
        f, _ = _run(floor_cmd)
        t, r = _run(cmd)
        best, floor, rss = min(best, t), min(floor, f), max(rss, r)
    return best, floor, rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO / "bench-data" / "swig")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data, ann = args.data, args.data / "annotations"
    if not (ann / "train.json").exists():
        subprocess.run([sys.executable, str(REPO / "scripts" / "make_swig_fixture.py"), "--out", str(data)], check=True)
    sizes = {p: len(json.load(open(ann / f"{p}.json"))) for p in ("train", "dev", "test")}
    manifest, result = data / "manifest.json", data / "result.json"
    ov = ovbench_cmd()
    split_cmd = ov + ["split", "ov-swig", "--annotations", str(ann), "-o", str(manifest)]
    split_inputs = [str(ann / f) for f in ("imsitu_space.json", "train.json", "dev.json", "test.json")]
    split_t, split_floor, split_rss = timed_pair(split_cmd, [sys.executable, "-c", FLOOR, *split_inputs], args.repeat)
    preds = data / "predictions_test.json"
    score_cmd = ov + ["score", str(preds), "-b", "ov-swig", "--annotations", str(ann), "--split", "test",
                      "--manifest", str(manifest), "-o", str(result)]
    score_inputs = [str(ann / "imsitu_space.json"), str(ann / "test.json"), str(preds), str(manifest)]
    score_t, score_floor, score_rss = timed_pair(score_cmd, [sys.executable, "-c", FLOOR, *score_inputs], args.repeat)
    mb = {p: os.path.getsize(p) / 1e6 for p in split_inputs + score_inputs}
    print(f"fixture: {sizes} images; inputs: " + ", ".join(f"{Path(p).name} {s:.1f} MB" for p, s in mb.items()))
    rows = [("split", split_t, split_floor, 3.0, split_rss), ("score", score_t, score_floor, 2.0, score_rss)]
    ok = True
    for name, t, floor, target, rss in rows:
        ratio = t / floor
        good = ratio <= target and rss < 2 * 1024**3
        ok &= good
        print(f"{name:5s}: {t:6.2f} s  floor {floor:5.2f} s  ratio {ratio:4.2f} (target <= {target:.0f}x)  "
              f"peak RSS {rss / 1e6:7.1f} MB  {'OK' if good else 'MISSED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
