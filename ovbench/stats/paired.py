"""Paired comparison of two result files: difference B - A, its interval and a p-value.

A result file holds no per-image data, so :func:`compare` re-reads the predictions and
annotations each result names (``volatile.inputs``, or paths given explicitly), checks that the
predictions' sha256 and the whole re-scored payload equal what the result recorded (so the
numbers compared are the numbers in the files), and then resamples the *same* images for both:

* the paired bootstrap values ``d* = metric_B(w) - metric_A(w)`` (Ov-SWiG: images stratified by
  verb; HICO-DET: images, AP recomputed), see :mod:`.gsr` and :mod:`.hoi`;
* one procedure gives both the interval and the p-value: the benchmark's interval method
  (Ov-SWiG ``percentile``, HICO-DET ``centered``) and the p-value that inverts it
  (:func:`.bootstrap.p_value`), so ``p < alpha`` exactly when the ``1 - alpha`` interval
  excludes 0. A difference is *significant* when ``p < 1 - confidence``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, SpecError
from ..jsonio import sha256_hex
from ..results import load_result, payload_of
from .bootstrap import check_args, interval, p_value, significant

SCHEMA = "ovbench.compare/2"
STATS_FIELDS = ("bootstrap", "intervals")  # added by --bootstrap; not re-derived by re-scoring


def _load(r: str | Path | dict, label: str) -> dict:
    if isinstance(r, dict):
        if r.get("payload_sha256") != sha256_hex(payload_of(r)):
            raise InputError(f"result {label}: payload_sha256 does not match its content (edited after scoring?)")
        return r
    return load_result(r)


def check_compatible(a: dict, b: dict) -> None:
    """Raise :class:`SpecError` unless A and B are scorings of the same benchmark, split and protocol."""
    diffs = []
    if a["benchmark"].get("name") != b["benchmark"].get("name"):
        raise SpecError(f"cannot compare results of different benchmarks: A is {a['benchmark'].get('name')!r}, "
                        f"B is {b['benchmark'].get('name')!r}")
    for block in ("benchmark", "scorer"):
        for key in sorted(set(a[block]) | set(b[block])):
            if a[block].get(key) != b[block].get(key):
                va, vb = a[block].get(key), b[block].get(key)
                if isinstance(va, dict) and isinstance(vb, dict):
                    sub = [k for k in sorted(set(va) | set(vb)) if va.get(k) != vb.get(k)]
                    diffs += [f"{block}.{key}.{k}: A {va.get(k)!r}, B {vb.get(k)!r}" for k in sub]
                else:
                    diffs.append(f"{block}.{key}: A {va!r}, B {vb!r}")
    if diffs:
        raise SpecError("cannot compare: the two results differ in split or protocol:\n  - "
                        + "\n  - ".join(diffs) + "\nRe-score both with the same split, manifest and options.")


def _path(given, result: dict, key: str) -> str | None:
    if given is not None:
        return str(given)
    value = result.get("volatile", {}).get("inputs", {}).get(key)
    return value or None


def hicodet_gt_ko_source() -> str:
    from ..benchmarks.hicodet import GT_KO_SOURCE

    return GT_KO_SOURCE


def _rescore(result: dict, label: str, preds, annotations, manifest, ko_labels):
    """Re-score one result from its inputs and check that nothing changed since it was written."""
    from ..benchmarks import get_benchmark

    bench_name = result["benchmark"]["name"]
    preds = _path(preds, result, "predictions")
    annotations = _path(annotations, result, "annotations")
    for what, path, option in (("predictions", preds, f"--preds-{label.lower()}"),
                               ("annotations", annotations, "--annotations")):
        if not path or not Path(path).exists():
            raise InputError(f"result {label}: its {what} {path!r} are not readable here; give them with {option}")
    bench = get_benchmark(bench_name)
    opts = result["scorer"]["options"]
    method = result.get("method", {}).get("name")
    if bench_name == "swig":  # closed-set SWiG: the GSR scorer without a manifest
        ev = bench.evaluate_files(preds, annotations=annotations, method=method, split=result["benchmark"]["split"],
                                  averaging=opts["averaging"], iou=opts["iou"])
    elif bench_name == "ov-swig":
        manifest = _path(manifest, result, "manifest")
        if result["benchmark"].get("manifest_sha256") and not manifest:
            raise InputError(f"result {label} was scored with a manifest; give it with --manifest")
        ev = bench.evaluate_files(preds, annotations=annotations, method=method, split=result["benchmark"]["split"],
                                  manifest=manifest, averaging=opts["averaging"], iou=opts["iou"])
    else:
        ko = None
        if opts.get("ko_source") != hicodet_gt_ko_source():
            ko = _path(ko_labels, result, "ko_labels")
            if not ko or not Path(ko).exists():
                raise InputError(f"result {label} used Known-Object labels ({opts.get('ko_source')}) that are not "
                                 f"readable here ({ko!r}); give them with --ko-labels")
        ev = bench.evaluate_files(preds, annotations=annotations, method=method, setting=result["benchmark"]["setting"],
                                  profile=result["scorer"]["profile"], box_frame=opts["box_frame"], ko_labels=ko,
                                  nms=opts.get("nms"))
    fresh = payload_of(ev.result())
    stored = {k: v for k, v in payload_of(result).items() if k not in STATS_FIELDS}
    if fresh["predictions"].get("sha256") != stored["predictions"].get("sha256"):
        raise InputError(f"result {label}: predictions file {preds} has sha256 "
                         f"{str(fresh['predictions'].get('sha256'))[:16]}..., the result recorded "
                         f"{str(stored['predictions'].get('sha256'))[:16]}...: the file changed since it was scored")
    changed = sorted(k for k in set(fresh) | set(stored) if fresh.get(k) != stored.get(k))
    if changed:
        raise InputError(f"result {label}: re-scoring {preds} does not reproduce the result "
                         f"(fields differ: {', '.join(changed)}); the annotations, manifest or ovbench "
                         "version changed since it was scored: re-score both files")
    return ev


def compare(a: str | Path | dict, b: str | Path | dict, *, n: int = 1000, seed: int = 0,
            confidence: float = 0.95, preds_a=None, preds_b=None, annotations=None, manifest=None,
            ko_labels=None) -> dict[str, Any]:
    """Paired comparison of results ``a`` and ``b`` (paths or dicts); see the module docstring.

    Returns ``{"schema", "benchmark", "scorer", "a", "b", "bootstrap", "rows"}`` where each row
    is ``{"metric", "a", "b", "difference", "interval": [lo, hi], "p_value", "significant"}``.
    Raises :class:`SpecError` (exit 3) for incompatible results, :class:`InputError` when an
    input is missing or changed.
    """
    check_args(n, seed, confidence)
    ra, rb = _load(a, "A"), _load(b, "B")
    check_compatible(ra, rb)
    if ra["benchmark"].get("name") not in ("ov-swig", "swig", "hico-det"):
        raise SpecError(f"paired comparison is available for ov-swig, swig and hico-det results; "
                        f"{ra['benchmark'].get('name')!r} has no validated paired procedure yet")
    ea = _rescore(ra, "A", preds_a, annotations, manifest, ko_labels)
    eb = _rescore(rb, "B", preds_b, annotations, manifest, ko_labels)
    if ra["benchmark"]["name"] in ("ov-swig", "swig"):
        keys, diffs, observed, info = _gsr(ea, eb, n, seed)
    else:
        keys, diffs, observed, info = _hoi(ea, eb, n, seed)
    lo, hi = interval(diffs, observed, method=info["method"], confidence=confidence)
    p = p_value(diffs, observed, method=info["method"])
    sig = significant(p, confidence)
    rows = []
    for j, key in enumerate(keys):
        va, vb = _get(ra["metrics"], key), _get(rb["metrics"], key)
        if va is None or vb is None or np.isnan(diffs[:, j]).any() or np.isnan(lo[j]) or np.isnan(hi[j]):
            continue
        rows.append({"metric": "/".join(key), "a": va, "b": vb, "difference": vb - va,
                     "interval": [float(lo[j]), float(hi[j])], "p_value": float(p[j]), "significant": bool(sig[j])})
    return {
        "schema": SCHEMA, "benchmark": ra["benchmark"], "scorer": ra["scorer"],
        "a": _who(ra), "b": _who(rb),
        "bootstrap": {"n": int(n), "seed": int(seed), "confidence": float(confidence), **info,
                      "decision": "significant iff p < 1 - confidence, iff the interval excludes 0"},
        "rows": rows,
    }


def not_significant(comparison: dict, metric: str) -> bool:
    """True when the difference in ``metric`` (e.g. ``"all/top1/value"``) is within noise."""
    for row in comparison["rows"]:
        if row["metric"] == metric:
            return not row["significant"]
    raise KeyError(f"metric {metric!r} not in the comparison; available: "
                   + ", ".join(r["metric"] for r in comparison["rows"]))


def _who(r: dict) -> dict:
    return {"method": r.get("method", {}).get("name"), "payload_sha256": r["payload_sha256"],
            "predictions_sha256": r["predictions"].get("sha256")}


def _get(metrics: dict, key: tuple[str, ...]):
    for k in key:
        metrics = metrics.get(k) if isinstance(metrics, dict) else None
    return metrics


def _gsr(ea, eb, n: int, seed: int):
    from . import gsr

    da, db = ea.design(), eb.design()
    if da.keys != db.keys or not np.array_equal(da.strata, db.strata):
        raise SpecError("cannot compare: the two scorings define different metrics or images")
    diff = gsr.Design(da.keys, db.X - da.X, da.strata)
    samples = gsr.bootstrap_samples(diff, n, seed)
    info = {**gsr.METHOD, "paired": "same resampled images for A and B",
            "p_value": f"inverts the paired {gsr.DEFAULT_METHOD} interval: smallest alpha whose interval excludes 0, "
                       f"from the same {n} resamples"}
    return [tuple(k) for k in da.keys], samples, diff.point(), info


def _hoi(ea, eb, n: int, seed: int):
    from . import hoi

    sa_keys, sa = hoi.bootstrap_samples(ea.ranked(), ea.profile, ea.unseen, n, seed)
    sb_keys, sb = hoi.bootstrap_samples(eb.ranked(), eb.profile, eb.unseen, n, seed)  # same seed: same images
    if sa_keys != sb_keys:
        raise SpecError("cannot compare: the two scorings define different metrics")
    diffs = sb - sa
    observed = np.array([np.nan if (x := _get(eb.fields["metrics"], k)) is None or (y := _get(ea.fields["metrics"], k)) is None
                         else x - y for k in sa_keys])
    info = {**hoi.method(ea.profile), "paired": "same resampled images for A and B",
            "p_value": f"inverts the paired {hoi.DEFAULT_METHOD} interval: smallest alpha whose interval excludes 0, "
                       f"from the same {n} resamples"}
    return list(sa_keys), diffs, observed, info


def render(cmp: dict, fmt: str) -> str:
    """A comparison as ``table`` / ``md`` (percentage points) or ``csv`` (full precision)."""
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["metric", "a", "b", "difference", "lo", "hi", "p_value", "significant"])
        for r in cmp["rows"]:
            w.writerow([r["metric"], repr(r["a"]), repr(r["b"]), repr(r["difference"]), repr(r["interval"][0]),
                        repr(r["interval"][1]), repr(r["p_value"]), str(r["significant"]).lower()])
        return buf.getvalue()
    if fmt not in ("table", "md"):
        raise ValueError(f"unknown format {fmt!r}; expected table, md or csv")
    from tabulate import tabulate

    bs = cmp["bootstrap"]
    conf = f"{100 * bs['confidence']:g}%"
    rows = [[r["metric"], f"{100 * r['a']:.2f}", f"{100 * r['b']:.2f}", f"{100 * r['difference']:+.2f}",
             f"[{100 * r['interval'][0]:+.2f}, {100 * r['interval'][1]:+.2f}]",
             _p(r["p_value"]), "yes" if r["significant"] else "no"] for r in cmp["rows"]]
    heads = ["metric", "A (%)", "B (%)", "B - A (pp)", f"{conf} interval", "p", "significant"]
    text = tabulate(rows, headers=heads, tablefmt="github" if fmt == "md" else "simple", disable_numparse=True,
                    colalign=("left",) + ("right",) * (len(heads) - 1))
    foot = (f"A = {cmp['a']['method'] or cmp['a']['payload_sha256'][:12]}, B = {cmp['b']['method'] or cmp['b']['payload_sha256'][:12]}; "
            f"{cmp['benchmark']['name']} {cmp['benchmark'].get('split')}; {bs['n']} paired resamples "
            f"(seed {bs['seed']}, unit {bs['unit']}, stratified by {bs['stratified_by'] or 'nothing'}); "
            f"{bs['method']} interval; significant = p < {1 - bs['confidence']:.2g} = the {conf} interval excludes 0; "
            f"p {bs['p_value']}")
    return text + "\n\n" + (f"_{foot}_" if fmt == "md" else foot) + "\n"


def _p(p: float) -> str:
    return f"{p:.3f}" if p >= 0.001 else "<0.001"
