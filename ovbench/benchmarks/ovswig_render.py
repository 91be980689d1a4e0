"""Ov-SWiG result tables: plain text, Markdown and CSV.

Layout follows the MIPD (Ov-GSR) paper: one row per setting (Top-1, Top-5, Ground-truth
verb), column groups "all" (verb, value, value-all, grnd, grnd-all), "rare" and "unseen"
(verb, value, grnd) when a manifest was used; "seen" is in the JSON and CSV only. Percentages with two decimals
(JSON keeps fractions); ``-`` marks an undefined cell (no verb metric in the gold setting,
no boxes in imSitu-format annotations). CSV is long-form with full-precision fractions.
With bootstrap intervals (``ovbench score --bootstrap N``) each cell reads ``value [lo, hi]``
and the CSV gains ``lo`` and ``hi`` columns.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from tabulate import tabulate

ROW_NAMES = {"top1": "Top-1", "top5": "Top-5", "gold": "Ground-truth verb"}
GROUP_COLUMNS = {
    "all": ("verb", "value", "value_all", "grnd", "grnd_all"),
    "rare": ("verb", "value", "grnd"),
    "unseen": ("verb", "value", "grnd"),
}
HEADS = {"verb": "verb", "value": "value", "value_all": "val-all", "grnd": "grnd", "grnd_all": "grnd-all"}


def _pct(x: float | None, interval: list[float] | None = None) -> str:
    if x is None:
        return "-"
    if interval is None:
        return f"{100.0 * x:.2f}"
    return f"{100.0 * x:.2f} [{100.0 * interval[0]:.2f}, {100.0 * interval[1]:.2f}]"


def bootstrap_note(result: dict[str, Any]) -> list[str]:
    """Footer line describing the bootstrap intervals, if the result has them."""
    bs = result.get("bootstrap")
    if not bs:
        return []
    strata = f", stratified by {bs['stratified_by']}" if bs.get("stratified_by") else ""
    return [f"[lo, hi]: {100 * bs['confidence']:g}% {bs['method']} bootstrap interval, {bs['n']} resamples of "
            f"{bs['unit']}s{strata}, seed {bs['seed']}."]


def notes(result: dict[str, Any]) -> list[str]:
    """Footer lines: protocol, counts that qualify the numbers."""
    c, b, s = result["counts"], result["benchmark"], result["scorer"]["options"]
    out = [f"ov-swig {b['split']}: {c['found']}/{c['expected']} images predicted; averaging {s['averaging']}, "
           f"IoU {s['iou']} ({s['iou_compare']} {s['iou_threshold']}, {s['box_area']} areas); "
           f"manifest {b['manifest_sha256'][:12] + '...' if b['manifest_sha256'] else 'none (subset all only)'}"]
    if c["missing"]:
        out.append(f"Note: {c['missing']} image(s) have no prediction and count as wrong "
                   f"(e.g. {', '.join(c['missing_sample'][:3])}).")
    if c.get("no_frame_for_gt_verb"):
        out.append(f"Note: {c['no_frame_for_gt_verb']} predicted image(s) have no frame for the ground-truth verb "
                   "(their value/grnd are 0 in every setting).")
    if c["out_of_vocabulary_nouns"]:
        out.append(f"Note: {c['out_of_vocabulary_nouns']} predicted role noun(s) are synsets outside imsitu_space.json "
                   f"(e.g. {', '.join(c['out_of_vocabulary_sample'][:3])}); they were scored as given.")
    if not b.get("grounding", True):
        out.append("Note: the annotations have no boxes (imSitu format): grounding is undefined.")
    return out + bootstrap_note(result)


def _table(result: dict[str, Any], tablefmt: str) -> str:
    metrics = result["metrics"]
    groups = [g for g in ("all", "rare", "unseen") if g in metrics]  # seen: JSON and CSV only
    header = ["setting"] + [f"{g} {HEADS[m]}" if g != "all" else HEADS[m]
                            for g in groups for m in GROUP_COLUMNS[g]]
    intervals = result.get("intervals", {})
    rows = []
    for setting, label in ROW_NAMES.items():
        row = [label]
        for g in groups:
            block = metrics[g][setting]
            bounds = intervals.get(g, {}).get(setting, {})
            row += [_pct(block.get(m), bounds.get(m)) for m in GROUP_COLUMNS[g]]
        rows.append(row)
    align = ("left",) + ("right",) * (len(header) - 1)
    text = tabulate(rows, headers=header, tablefmt=tablefmt, colalign=align, disable_numparse=True)
    return text + "\n\n" + "\n".join(notes(result)) + "\n"


def render(result: dict[str, Any], fmt: str = "table") -> str:
    """The result as ``table`` (plain text), ``md`` (Markdown) or ``csv`` (long form)."""
    if fmt == "table":
        return _table(result, "simple")
    if fmt == "md":
        return _table(result, "github")
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        intervals = result.get("intervals")
        w.writerow(["subset", "setting", "metric", "value", "images"] + (["lo", "hi"] if intervals else []))
        for subset, block in result["metrics"].items():
            for setting, values in block.items():
                for metric, value in values.items():
                    row = [subset, setting, metric, "" if value is None else repr(value),
                           result["counts"]["images"][subset]]
                    if intervals:
                        bounds = intervals[subset][setting].get(metric)
                        row += ["", ""] if bounds is None else [repr(bounds[0]), repr(bounds[1])]
                    w.writerow(row)
        return buf.getvalue()
    raise ValueError(f"unknown format {fmt!r}; expected table, md or csv")
