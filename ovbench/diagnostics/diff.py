"""Two-method diff of diagnoses: where B gains or loses against A (per class or verb, per error type).

Works on the JSON reports of :func:`ovbench.diagnostics.render.report` (HICO-DET) or
:func:`ovbench.diagnostics.gsr.diagnose` (Ov-SWiG) of the same benchmark and split.
"""

from __future__ import annotations

import csv
import io

from ..errors import SpecError
from .hoi import FIXES, TYPES


def diff(a: dict, b: dict, top: int = 15) -> dict:
    if a.get("schema") != b.get("schema"):
        raise SpecError("cannot diff diagnoses of different benchmarks")
    if a["schema"].startswith("ovbench.diagnosis.hoi"):
        pa, pb = {r["class"]: r for r in a["per_class"]}, {r["class"]: r for r in b["per_class"]}
        rows = sorted(({"name": k, "a": pa[k]["ap"], "b": pb[k]["ap"], "difference": pb[k]["ap"] - pa[k]["ap"]}
                       for k in pa if pa[k]["npos"] > 0), key=lambda r: (r["difference"], r["name"]))
        types = [{"type": t, "a": a["gains"]["full"][t], "b": b["gains"]["full"][t],
                  "difference": b["gains"]["full"][t] - a["gains"]["full"][t],
                  "count_a": a["counts"].get(t), "count_b": b["counts"].get(t)}
                 for t in FIXES + ("interaction", "unreachable")]
        head = {"metric": "mAP (full)", "a": a["metrics"]["full"], "b": b["metrics"]["full"]}
        unit = "class AP"
    else:
        pa, pb = {r["verb"]: r for r in a["per_verb"]}, {r["verb"]: r for r in b["per_verb"]}
        if set(pa) != set(pb):
            raise SpecError("cannot diff GSR diagnoses of different images")
        rows = sorted(({"name": k, "a": pa[k]["top1"], "b": pb[k]["top1"], "difference": pb[k]["top1"] - pa[k]["top1"]}
                       for k in pa), key=lambda r: (r["difference"], r["name"]))
        fa, fb = a["grounding_failures"] or {}, b["grounding_failures"] or {}
        types = [{"type": t, "a": fa.get(t), "b": fb.get(t),
                  "difference": None if t not in fa or t not in fb else fb[t] - fa[t]}
                 for t in ("noun_wrong", "box_wrong", "box_missing", "box_extra")]
        head = {"metric": "top5_not_top1", "a": a["top5_not_top1"], "b": b["top5_not_top1"]}
        unit = "verb top-1 accuracy"
    return {"schema": "ovbench.diagnosis-diff/1", "unit": unit, "summary": head, "types": types,
            "losses": rows[:top], "gains": rows[::-1][:top], "rows": rows}


def render_diff(d: dict, fmt: str) -> str:
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["name", "a", "b", "difference"])
        for r in d["rows"]:
            w.writerow([r["name"], repr(r["a"]), repr(r["b"]), repr(r["difference"])])
        return buf.getvalue()
    from tabulate import tabulate

    def f(x):
        return "—" if x is None else (f"{100 * x:+.2f}" if isinstance(x, float) else str(x))

    types = tabulate([[t["type"], f(t["a"]), f(t["b"]), f(t["difference"])] for t in d["types"]],
                     headers=["error type", "A", "B", "B - A"], tablefmt="github", disable_numparse=True)
    gains = tabulate([[r["name"], f(r["a"]), f(r["b"]), f(r["difference"])] for r in d["gains"]],
                     headers=["name", "A", "B", "B - A"], tablefmt="github", disable_numparse=True)
    losses = tabulate([[r["name"], f(r["a"]), f(r["b"]), f(r["difference"])] for r in d["losses"]],
                      headers=["name", "A", "B", "B - A"], tablefmt="github", disable_numparse=True)
    s = d["summary"]
    def plain(x):
        return f"{100 * x:.2f}" if isinstance(x, float) else str(x)

    text = (f"## B against A\n\n{s['metric']}: A {plain(s['a'])}, B {plain(s['b'])}\n\n### Per error type\n\n{types}\n\n"
            f"### Largest gains of B ({d['unit']})\n\n{gains}\n\n### Largest losses of B ({d['unit']})\n\n{losses}\n")
    if fmt == "md":
        return text
    raise ValueError(f"unknown format {fmt!r} for a diff; expected md, csv or json")


__all__ = ["diff", "render_diff", "TYPES"]
