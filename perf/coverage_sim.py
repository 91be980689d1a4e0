#!/usr/bin/env python3
"""Coverage of ovbench's bootstrap intervals and type-I error of ``compare``, by simulation.

    python perf/coverage_sim.py [--quick] [--json OUT.json]
        [--hico-annotations ../shared/data/hicodet/instances_test2015.json] [--swig bench-data/swig]

A study, not a test: it prints the table quoted in docs/statistics.md (and writes it as JSON).

HICO-DET: the population is the real test images (their ground-truth pairs) with the synthetic
detector of ``perf/hico_population.py`` (fresh detector noise for every drawn image). A test set
draws ``n`` images with replacement (n = the full 9,658, 2,000, 500); each is scored (official
profile, rf-uc, Default mode) and bootstrapped (``B`` resamples, the ``ovbench.stats.hoi`` code
path) and every interval method of :func:`ovbench.stats.bootstrap.interval` is built. The target
is the *expected* mAP on test sets of that size (what another test set of the same size would
give on average), estimated by the mean over ``R`` independent test sets; the table also gives
the mAP of one test set of 96,580 images (ten times the test set), to show that 11-point mAP depends on the test size.

Ov-SWiG: the population is the 25,200 synthetic full-scale test images of
``scripts/make_swig_fixture.py`` (50 per verb, per-image scores of its predictions) with its
default manifest; a test set draws 50 images per verb with replacement; the target is the
population's value. Subsets: all (25,200 images), seen, rare, and unseen (10 verbs: 500 images).

Paired (``compare``): A and B are the same model with independent noise (HICO-DET: two
independent detector draws on the same images; Ov-SWiG: each image's scores for A and B drawn
independently from its verb's images); ``significant`` is ``p < 0.05`` with the p-value of the
method ``compare`` uses. The rate should be 5%.

Monte Carlo error: a coverage near 95% from ``R`` test sets has standard error
``sqrt(0.95 * 0.05 / R)`` (0.69 points for R = 1,000, 0.97 for 500, 1.38 for 250); printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

METHODS = ("percentile", "centered", "basic", "bca")


def _se(p: float, r: int) -> float:
    return 100 * float(np.sqrt(max(p * (1 - p), 0.95 * 0.05) / r))


# --------------------------------------------------------------------------- HICO-DET

def hico(annotations: Path, sizes: list[tuple[int | None, int, int]], paired: list[tuple[int, int, int]],
         seed: int, groups: int, large: bool = True) -> dict:
    from hico_population import Population
    from ovbench.scorers import hoi as scorer
    from ovbench.scorers.hoi_ap import thresholds
    from ovbench.splits.hico import unseen_ids
    from ovbench.stats import hoi
    from ovbench.stats.bootstrap import interval, p_value

    pop = Population.from_annotations(annotations)
    profile = scorer.get_profile("official")
    grid = thresholds(profile.threshold_grid)
    unseen = unseen_ids("rf-uc")
    rng = np.random.default_rng(seed)

    def ranked(n, images):
        image, cls, tp, gi, gh = pop.draw(images, rng)
        return {"default": hoi.Ranked(image, cls, tp, gi, gh, grid, n)}

    def point(modes):
        return hoi._evaluate(modes, [(0, np.ones((1, next(iter(modes.values())).n_images)))], profile, unseen, 1)

    out = {"coverage": [], "paired": []}
    big = None
    for n, R, B in sizes:
        n = pop.n_images if n is None else n
        t = time.perf_counter()
        obs, los, his, shifts = [], {m: [] for m in METHODS}, {m: [] for m in METHODS}, []
        keys = None
        for r in range(R):
            modes = ranked(n, rng.integers(0, pop.n_images, n))
            keys, o = point(modes)
            _, s = hoi.bootstrap_samples(modes, profile, unseen, B, seed=int(rng.integers(2**31)))
            _, jk = hoi.jackknife_samples(modes, profile, unseen, groups=groups, seed=r)
            obs.append(o[0])
            shifts.append(np.nanmean(s, axis=0) - o[0])
            for m in METHODS:
                lo, hi = interval(s, o[0], method=m, confidence=0.95, jackknife=jk)
                los[m].append(lo)
                his[m].append(hi)
        obs = np.array(obs)
        target = obs.mean(axis=0)
        if big is None:
            big = np.full((1, len(keys)), np.nan) if not large else None
        if big is None:
            big_keys, big = point(ranked(10 * pop.n_images, rng.integers(0, pop.n_images, 10 * pop.n_images)))
        secs = time.perf_counter() - t
        for j, (mode, col) in enumerate(keys):
            if col == "seen":
                continue
            row = {"benchmark": "hico-det", "n_images": n, "metric": f"{mode}/{col}", "R": R, "B": B,
                   "target": float(target[j]), "sd": float(obs[:, j].std(ddof=1)),
                   "mean_resample_shift": float(np.mean(np.array(shifts)[:, j])),
                   "ten_times_larger": float(big[0, j]), "seconds": secs}
            for m in METHODS:
                lo, hi = np.array(los[m])[:, j], np.array(his[m])[:, j]
                ok = ~np.isnan(lo) & ~np.isnan(hi)
                row[m] = {"coverage": float(np.mean(ok & (lo <= target[j]) & (target[j] <= hi))),
                          "contains_estimate": float(np.mean(ok & (lo <= obs[:, j]) & (obs[:, j] <= hi))),
                          "undefined": float(np.mean(~ok)), "mean_width": float(np.nanmean(hi - lo))}
            out["coverage"].append(row)
        print(f"  hico-det n={n}: {R} test sets x {B} resamples in {secs:.0f} s", file=sys.stderr, flush=True)
    for n, R, B in paired:
        t = time.perf_counter()
        rejected, keys = [], None
        for r in range(R):
            images = rng.integers(0, pop.n_images, n)
            a, b = ranked(n, images), ranked(n, images)
            keys, oa = point(a)
            _, ob = point(b)
            s_seed = int(rng.integers(2**31))
            _, sa = hoi.bootstrap_samples(a, profile, unseen, B, seed=s_seed)
            _, sb = hoi.bootstrap_samples(b, profile, unseen, B, seed=s_seed)  # same resampled images
            rejected.append(p_value(sb - sa, ob[0] - oa[0], method=hoi.DEFAULT_METHOD) < 0.05)
        rej = np.array(rejected)
        for j, (mode, col) in enumerate(keys):
            if col != "seen":
                out["paired"].append({"benchmark": "hico-det", "n_images": n, "metric": f"{mode}/{col}", "R": R, "B": B,
                                      "method": hoi.DEFAULT_METHOD, "type_I": float(rej[:, j].mean()),
                                      "seconds": time.perf_counter() - t})
        print(f"  hico-det paired n={n}: {R} x {B} in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    return out


# --------------------------------------------------------------------------- Ov-SWiG

SWIG_METRICS = (("top1", "verb"), ("top1", "value"), ("top1", "value-all"), ("gold", "value"))


def swig(data: Path, R: int, B: int, R_paired: int, seed: int) -> dict:
    from ovbench.benchmarks import ovswig
    from ovbench.splits.ovswig import generate_split, write_manifest
    from ovbench.stats import gsr
    from ovbench.stats.bootstrap import Resampler, interval, p_value

    ann = data / "annotations"
    if not (ann / "test.json").exists():
        subprocess.run([sys.executable, str(REPO / "scripts" / "make_swig_fixture.py"), "--out", str(data)], check=True)
    manifest = data / "manifest_bench_bootstrap.json"
    if not manifest.exists():
        write_manifest(generate_split(ann), manifest)
    ev = ovswig.evaluate_files(data / "predictions_test.json", annotations=ann, split="test", manifest=manifest)
    d = ev.design()
    cols = [j for j, (sub, st, m) in enumerate(d.keys) if (st, m) in SWIG_METRICS]
    keys = [d.keys[j] for j in cols]
    X, strata = d.X[:, cols], d.strata
    truth = X.sum(axis=0)
    sizes = {sub: int(round((X[:, [j for j, k in enumerate(keys) if k[0] == sub][0]] != 0).sum())) for sub, _, _ in keys}
    order = np.argsort(strata, kind="stable")
    first = np.searchsorted(strata[order], strata[order], side="left")
    size = np.searchsorted(strata[order], strata[order], side="right") - first
    rng = np.random.default_rng(seed)

    def draw():  # a test set: each verb's images drawn with replacement within the verb
        return order[first + np.minimum((rng.random(len(order)) * size).astype(np.int64), size - 1)]

    out = {"coverage": [], "paired": []}
    t = time.perf_counter()
    cover = {m: [] for m in ("percentile", "centered", "basic")}
    for r in range(R):
        idx = draw()
        Xr = X[idx]
        s = np.empty((B, len(keys)))
        for start, W in Resampler(len(idx), B, int(rng.integers(2**31)), strata=strata[idx], chunk=256).weights_chunks():
            s[start:start + len(W)] = W @ Xr
        o = Xr.sum(axis=0)
        for m in cover:
            lo, hi = interval(s, o, method=m)
            cover[m].append((lo <= truth) & (truth <= hi))
    secs = time.perf_counter() - t
    for j, (sub, st, m) in enumerate(keys):
        row = {"benchmark": "ov-swig", "subset": sub, "metric": f"{st}/{m}", "R": R, "B": B, "target": float(truth[j]),
               "seconds": secs}
        for meth, c in cover.items():
            row[meth] = {"coverage": float(np.mean(np.array(c)[:, j]))}
        out["coverage"].append(row)
    print(f"  ov-swig: {R} test sets x {B} resamples in {secs:.0f} s", file=sys.stderr, flush=True)
    t = time.perf_counter()
    rej = []
    for r in range(R_paired):
        idx = draw()
        diff = X[draw()] - X[idx]  # same verbs, independent images: A and B exchangeable
        s = np.empty((B, len(keys)))
        for start, W in Resampler(len(idx), B, int(rng.integers(2**31)), strata=strata[idx], chunk=256).weights_chunks():
            s[start:start + len(W)] = W @ diff
        rej.append(p_value(s, diff.sum(axis=0), method=gsr.DEFAULT_METHOD) < 0.05)
    rej = np.array(rej)
    for j, (sub, st, m) in enumerate(keys):
        out["paired"].append({"benchmark": "ov-swig", "subset": sub, "metric": f"{st}/{m}", "R": R_paired, "B": B,
                              "method": gsr.DEFAULT_METHOD, "type_I": float(rej[:, j].mean())})
    print(f"  ov-swig paired: {R_paired} x {B} in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    out["subset_images"] = sizes
    return out


# --------------------------------------------------------------------------- report

def report(res: dict) -> str:
    lines = []
    h = [r for r in res.get("hico", {}).get("coverage", [])]
    if h:
        lines += ["HICO-DET (official, rf-uc, Default): coverage of the expected mAP at that test size (%)", "",
                  "| images | metric | R x B | percentile | centered | basic | BCa | centered contains estimate | "
                  "MC s.e. | expected mAP | resample shift | sd | mAP, 96,580-image set |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in h:
            c = [100 * r[m]["coverage"] for m in METHODS]
            undef = f" ({100 * r['bca']['undefined']:.0f}% undef.)" if r["bca"]["undefined"] else ""
            lines.append(f"| {r['n_images']} | {r['metric']} | {r['R']} x {r['B']} | {c[0]:.1f} | **{c[1]:.1f}** | {c[2]:.1f} | "
                         f"{c[3]:.1f}{undef} | {100 * r['centered']['contains_estimate']:.1f} | {_se(r['centered']['coverage'], r['R']):.1f} | "
                         f"{100 * r['target']:.2f} | {100 * r['mean_resample_shift']:+.2f} | {100 * r['sd']:.2f} | "
                         + ("—" if np.isnan(r['ten_times_larger']) else f"{100 * r['ten_times_larger']:.2f}") + " |")
        lines.append("")
    s = res.get("swig", {}).get("coverage", [])
    if s:
        sizes = res["swig"]["subset_images"]
        lines += ["Ov-SWiG (per-verb macro, stratified by verb): coverage of the population value (%)", "",
                  "| subset (images) | metric | R x B | percentile | centered | basic | MC s.e. |", "|---|---|---|---|---|---|---|"]
        for r in s:
            lines.append(f"| {r['subset']} ({sizes[r['subset']]}) | {r['metric']} | {r['R']} x {r['B']} | "
                         f"**{100 * r['percentile']['coverage']:.1f}** | {100 * r['centered']['coverage']:.1f} | "
                         f"{100 * r['basic']['coverage']:.1f} | {_se(r['percentile']['coverage'], r['R']):.1f} |")
        lines.append("")
    p = res.get("hico", {}).get("paired", []) + res.get("swig", {}).get("paired", [])
    if p:
        lines += ["`compare`: false-positive rate at alpha = 0.05, A and B the same model with independent noise (%)", "",
                  "| benchmark | images / subset | metric | R x B | method | rate | MC s.e. |", "|---|---|---|---|---|---|---|"]
        for r in p:
            where = r.get("n_images") or r.get("subset")
            lines.append(f"| {r['benchmark']} | {where} | {r['metric']} | {r['R']} x {r['B']} | {r['method']} | "
                         f"{100 * r['type_I']:.1f} | {100 * np.sqrt(0.05 * 0.95 / r['R']):.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hico-annotations", type=Path,
                    default=REPO.parent / "shared" / "data" / "hicodet" / "instances_test2015.json")
    ap.add_argument("--swig", type=Path, default=REPO / "bench-data" / "swig")
    ap.add_argument("--quick", action="store_true", help="few replications (a smoke run, not for the docs)")
    ap.add_argument("--only", choices=("hico", "swig"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--sizes", help="HICO-DET test sets as n:R:B,... (n 0 = the full test set); default "
                                    "0:30:100,2000:100:100,500:150:100")
    ap.add_argument("--paired", help="HICO-DET paired runs as n:R:B,...; default 500:150:100")
    ap.add_argument("--swig-r", type=int, default=400, help="Ov-SWiG test sets (and paired runs)")
    ap.add_argument("--swig-b", type=int, default=200, help="Ov-SWiG resamples per test set")
    ap.add_argument("--no-large", action="store_true", help="skip the 96,580-image reference draw")
    args = ap.parse_args()
    q = args.quick
    t = time.perf_counter()
    res = {}
    if args.only != "swig":
        # sized for a shared 2-core machine (about 10 minutes); see the Monte Carlo error column
        def parse(text):
            return [(int(n) or None, int(r), int(b)) for n, r, b in (x.split(":") for x in text.split(","))]

        sizes = parse(args.sizes or ("0:6:50,2000:10:50,500:10:50" if q else "0:30:100,2000:100:100,500:150:100"))
        paired = parse(args.paired or ("500:10:50" if q else "500:150:100"))
        res["hico"] = hico(args.hico_annotations, sizes, paired, args.seed, groups=10, large=not args.no_large)
    if args.only != "hico":
        res["swig"] = swig(args.swig, 20 if q else args.swig_r, 100 if q else args.swig_b, 20 if q else args.swig_r,
                           args.seed)
    res["seconds"] = time.perf_counter() - t
    text = report(res)
    print(text)
    print(f"total {res['seconds']:.0f} s", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
