"""Speed of ``ovbench diagnose`` vs ``ovbench score`` on the full HICO-DET test set (issue 15: <= 3x).

Input: the real test annotations and ``bench-data/hico_dets_100.json`` from
``scripts/make_hico_dets.py`` (~100 detections per image, ~1M detections). Both commands run
in fresh subprocesses (interpreter start, parsing, validation included), alternating, so load
from other processes hits both alike; the ratio uses the medians.

Usage: python perf/bench_diagnose.py [--preds bench-data/hico_dets_100.json]
       [--annotations ../shared/data/hicodet/instances_test2015.json] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(args: list[str]) -> float:
    exe = Path(sys.executable).with_name("ovbench")
    t0 = time.perf_counter()
    subprocess.run([str(exe), *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preds", default=str(REPO / "bench-data" / "hico_dets_100.json"))
    p.add_argument("--annotations", default=str(REPO.parent / "shared/data/hicodet/instances_test2015.json"))
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()
    common = [a.preds, "--annotations", a.annotations, "--setting", "rf-uc", "-f", "json"]
    score, diag = [], []
    for _ in range(a.repeat):
        score.append(run(["score", common[0], "-b", "hico-det", *common[1:]]))
        diag.append(run(["diagnose", *common]))
    s, d = statistics.median(score), statistics.median(diag)
    print(f"ovbench score:    median {s:.2f} s  ({', '.join(f'{x:.2f}' for x in score)})")
    print(f"ovbench diagnose: median {d:.2f} s  ({', '.join(f'{x:.2f}' for x in diag)})")
    print(f"ratio diagnose/score: {d / s:.2f} (target <= 3)")


if __name__ == "__main__":
    main()
