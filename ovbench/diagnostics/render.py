"""Views of a HICO-DET diagnosis: ``md`` / ``csv`` / ``json`` tables and a self-contained HTML report.

The HTML page needs no network: plots are inline SVG written here (no plotting library), so
the core install stays light. Names, never indices: classes are ``"verb object"``.
"""

from __future__ import annotations

import csv
import html
import io

import numpy as np

from .hoi import FIXES, TYPES, HoiDiagnosis, class_names, per_class_errors

N_WORST = 15


def report(diag: HoiDiagnosis, det, title: str = "") -> dict:
    """JSON-ready report: official summary, gains per subset, counts, per-class rows (by name)."""
    names = class_names()
    errs = per_class_errors(diag, det)
    rows = []
    for c in range(len(names)):
        row = {"class": names[c], "ap": float(diag.ap[c]), "npos": int(diag.npos[c]),
               "missed": int(diag.missed_per_class[c])}
        row.update({t: int(errs[c, i]) for i, t in enumerate(TYPES)})
        row.update({f"gain_{t}": float(diag.ap_fixed[t][c] - diag.ap[c]) for t in FIXES})
        rows.append(row)
    return {"schema": "ovbench.diagnosis.hoi/1", "title": title, "metrics": diag.metrics,
            "gains": {s: diag.gains(s) for s, v in diag.metrics.items() if v is not None},
            "counts": diag.counts, "per_class": rows}


def render(rep: dict, fmt: str) -> str:
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        keys = list(rep["per_class"][0])
        w.writerow(keys)
        for r in rep["per_class"]:
            w.writerow([repr(r[k]) if isinstance(r[k], float) else r[k] for k in keys])
        return buf.getvalue()
    if fmt == "md":
        return _markdown(rep)
    if fmt == "html":
        return _html(rep)
    raise ValueError(f"unknown format {fmt!r}; expected md, csv, json or html")


def _gain_rows(rep: dict):
    subsets = list(rep["gains"])
    rows = [["official mAP"] + [f"{100 * rep['metrics'][s]:.2f}" for s in subsets]]
    for t in FIXES + ("interaction", "unreachable"):
        rows.append([t] + [f"{100 * rep['gains'][s][t]:+.2f}" for s in subsets])
    return subsets, rows


def _markdown(rep: dict) -> str:
    from tabulate import tabulate

    subsets, rows = _gain_rows(rep)
    out = [f"## Error decomposition{': ' + rep['title'] if rep['title'] else ''}", "",
           "mAP gain (percentage points) when an oracle fixes one error type (TIDE); "
           "official mAP + gains + interaction + unreachable = 100.", "",
           tabulate(rows, headers=["fix"] + subsets, tablefmt="github", disable_numparse=True), "",
           "False positives by type: " + ", ".join(f"{t} {rep['counts'][t]}" for t in TYPES)
           + f"; missed ground-truth pairs {rep['counts']['missed']} of {rep['counts']['gt_pairs']}.", "",
           f"### {N_WORST} classes with the largest AP gap (1 - AP)", ""]
    worst = sorted((r for r in rep["per_class"] if r["npos"] > 0), key=lambda r: (r["ap"], r["class"]))[:N_WORST]
    heads = ["class", "AP", "npos", "missed"] + list(TYPES)
    out.append(tabulate([[r["class"], f"{100 * r['ap']:.2f}", r["npos"], r["missed"]] + [r[t] for t in TYPES]
                         for r in worst], headers=heads, tablefmt="github", disable_numparse=True))
    return "\n".join(out) + "\n"


COLORS = ("#4e79a7", "#76b7b2", "#59a14f", "#f28e2b", "#e15759", "#b07aa1", "#9c755f", "#bab0ac", "#edc948")


def _bars_svg(labels: list[str], values: list[float], width: int = 640) -> str:
    h, left = 22, 130
    top = max(values + [1e-9])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h * len(values) + 10}" '
             'role="img" aria-label="mAP gain per error type">']
    for i, (lab, v) in enumerate(zip(labels, values)):
        w = max(0.0, v) / top * (width - left - 70)
        y = 5 + i * h
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" font-size="12">{html.escape(lab)}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{h - 6}" fill="{COLORS[i % len(COLORS)]}"/>'
                     f'<text x="{left + w + 4:.1f}" y="{y + 15}" font-size="12">{100 * v:+.2f}</text>')
    return "".join(parts) + "</svg>"


def _ap_svg(rows: list[dict], rare: set[str], width: int = 900, height: int = 220) -> str:
    rows = sorted(rows, key=lambda r: (-r["ap"], r["class"]))
    bw = width / max(len(rows), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 20}" role="img" '
             'aria-label="AP per class, sorted">']
    for i, r in enumerate(rows):
        hgt = r["ap"] * height
        color = "#e15759" if r["class"] in rare else "#4e79a7"
        parts.append(f'<rect x="{i * bw:.2f}" y="{height - hgt:.2f}" width="{max(bw, 0.5):.2f}" height="{hgt:.2f}" '
                     f'fill="{color}"><title>{html.escape(r["class"])}: {100 * r["ap"]:.2f}</title></rect>')
    parts.append(f'<line x1="0" y1="{height}" x2="{width}" y2="{height}" stroke="#333"/>')
    return "".join(parts) + "</svg>"


def _html(rep: dict) -> str:
    from ..splits.hico import spec_list

    names = class_names()
    rare = {names[i] for i in spec_list("rare").tolist()}
    subsets, rows = _gain_rows(rep)
    table = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    gains = rep["gains"]["full"]
    worst = sorted((r for r in rep["per_class"] if r["npos"] > 0), key=lambda r: (r["ap"], r["class"]))[:N_WORST]
    wrows = "".join(f"<tr><td>{html.escape(r['class'])}</td><td>{100 * r['ap']:.2f}</td><td>{r['npos']}</td>"
                    f"<td>{r['missed']}</td>" + "".join(f"<td>{r[t]}</td>" for t in TYPES) + "</tr>" for r in worst)
    title = html.escape(rep["title"] or "HICO-DET")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ovbench diagnosis: {title}</title>
<style>body{{font-family:sans-serif;margin:24px;color:#222}}table{{border-collapse:collapse;margin:8px 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}td:first-child{{text-align:left}}
th{{background:#eef}}</style></head><body>
<h1>Error decomposition: {title}</h1>
<p>mAP gain (percentage points) when an oracle fixes one error type (TIDE's definition); official mAP +
gains + interaction + unreachable = 100. See docs/diagnostics.md.</p>
<table id="gains"><tr><th>fix</th>{''.join(f'<th>{html.escape(s)}</th>' for s in subsets)}</tr>{table}</table>
<h2>Gain per error type (full)</h2>
{_bars_svg(list(FIXES), [gains[t] for t in FIXES])}
<h2>AP per class, sorted (red: rare classes)</h2>
{_ap_svg(rep["per_class"], rare)}
<h2>{N_WORST} classes with the lowest AP</h2>
<table id="worst"><tr><th>class</th><th>AP</th><th>npos</th><th>missed</th>{''.join(f'<th>{t}</th>' for t in TYPES)}</tr>{wrows}</table>
</body></html>
"""


def render_gsr(rep: dict, fmt: str) -> str:
    """A GSR diagnosis as ``md`` (tables), ``csv`` (per-verb rows) or ``html`` (tables + SVG curve)."""
    rows = sorted(rep["per_verb"], key=lambda r: (r["top1"], r["verb"]))
    keys = ["verb", "images", "train_images", "unseen", "top1", "top5", "top5_not_top1", "value_gold", "grnd_gold"]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(keys)
        for r in rows:
            w.writerow(["" if r[k] is None else repr(r[k]) if isinstance(r[k], float) else r[k] for k in keys])
        return buf.getvalue()

    def pct(x):
        return "—" if x is None else f"{100 * x:.2f}"

    table = [[r["verb"] + (" (unseen)" if r["unseen"] else ""), r["images"],
              "—" if r["train_images"] is None else r["train_images"], pct(r["top1"]), pct(r["top5"]),
              r["top5_not_top1"], pct(r["value_gold"]), pct(r["grnd_gold"])] for r in rows[:N_WORST]]
    heads = ["verb", "images", "train images", "top-1", "top-5", "top-5 not top-1", "value (gold)", "grnd (gold)"]
    f = rep["grounding_failures"]
    conf = [[c["gt"], c["predicted"], c["images"]] for c in rep["confusions"]]
    if fmt == "md":
        from tabulate import tabulate

        out = [f"## GSR diagnosis ({rep['images']} images)", "", f"### {N_WORST} verbs with the lowest top-1 accuracy", "",
               tabulate(table, headers=heads, tablefmt="github", disable_numparse=True), "",
               "### Most frequent verb confusions (GT -> predicted top-1)", "",
               tabulate(conf, headers=["GT verb", "predicted", "images"], tablefmt="github", disable_numparse=True)]
        if f:
            out += ["", f"Grounding failures (gold, {f['not_grounded']} of {f['slots']} role slots not grounded): "
                    f"noun wrong {f['noun_wrong']}, noun right box wrong {f['box_wrong']}, box missing "
                    f"{f['box_missing']}, box extra {f['box_extra']}."]
        return "\n".join(out) + "\n"
    if fmt != "html":
        raise ValueError(f"unknown format {fmt!r}; expected md, csv, json or html")

    def tab(hs, rs, ident):
        return (f'<table id="{ident}"><tr>' + "".join(f"<th>{html.escape(str(h))}</th>" for h in hs) + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rs)
                + "</table>")

    fail = "" if not f else _bars_svg(list(FAILURES_GSR), [f[k] / max(f["slots"], 1) for k in FAILURES_GSR])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ovbench GSR diagnosis</title>
<style>body{{font-family:sans-serif;margin:24px;color:#222}}table{{border-collapse:collapse;margin:8px 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}td:first-child{{text-align:left}}
th{{background:#eef}}</style></head><body>
<h1>GSR diagnosis ({rep['images']} images)</h1>
<h2>Top-1 verb accuracy against training images (red: unseen verbs)</h2>
{_freq_svg(rep["per_verb"])}
<h2>Grounding failures (share of role slots, gold verb)</h2>
{fail}
<h2>{N_WORST} verbs with the lowest top-1 accuracy</h2>
{tab(heads, table, "verbs")}
<h2>Verb confusions</h2>
{tab(["GT verb", "predicted", "images"], conf, "confusions")}
</body></html>
"""


FAILURES_GSR = ("noun_wrong", "box_wrong", "box_missing", "box_extra")


def _freq_svg(rows: list[dict], width: int = 640, height: int = 240) -> str:
    pts = [(r["train_images"], r["top1"], r["verb"], r["unseen"]) for r in rows if r["train_images"] is not None]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 30}" role="img" '
             'aria-label="top-1 accuracy against training frequency">',
             f'<line x1="40" y1="{height}" x2="{width}" y2="{height}" stroke="#333"/>',
             f'<line x1="40" y1="0" x2="40" y2="{height}" stroke="#333"/>',
             f'<text x="{width // 2}" y="{height + 25}" font-size="12">training images (log scale)</text>']
    top = np.log1p(max([p[0] for p in pts] + [1]))
    for n, acc, verb, unseen in pts:
        x = 45 + np.log1p(n) / top * (width - 60)
        y = height - acc * (height - 10)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{"#e15759" if unseen else "#4e79a7"}">'
                     f'<title>{html.escape(verb)}: {n} train images, top-1 {100 * acc:.1f}</title></circle>')
    return "".join(parts) + "</svg>"
