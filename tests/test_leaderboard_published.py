"""The published tables in ``leaderboard/`` are derived, digit for digit, from the transcription.

``../shared/research/published_tables.json`` holds the MIPD paper's Tables 1-3 and CL-HOI's
Tables 1-2 as printed (values are strings, ``"23.40"``). :func:`derive` turns every row into
the reported entry it must be; the tests fail when a committed entry differs in any digit or
field, when one is missing, or when a reported entry of these papers is not in the tables.

To (re)write the entries after a correction of the transcription::

    python tests/test_leaderboard_published.py ../shared/research/published_tables.json leaderboard/
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LEADERBOARD = REPO / "leaderboard"

# Transcription column name -> ovbench metric key, per benchmark.
_GSR = {"top1-all verb": "all.top1.verb", "top1-all value": "all.top1.value", "top1-all val-all": "all.top1.value_all",
        "top1-all grnd": "all.top1.grnd", "top1-all grnd-all": "all.top1.grnd_all",
        "top1-rare verb": "rare.top1.verb", "top1-rare value": "rare.top1.value", "top1-rare grnd": "rare.top1.grnd",
        "top1-unseen verb": "unseen.top1.verb", "top1-unseen value": "unseen.top1.value",
        "top1-unseen grnd": "unseen.top1.grnd"}
_KEYS = {"ov-swig": _GSR, "swig": _GSR,
         "hico-det": {"unseen": "default.unseen", "seen": "default.seen", "full": "default.full"},
         "v-coco": {"role AP": "role.unstated"}}
_SUPERVISION = {"Full": "full", "Weak": "weak", "VLLM": "VLLM (no manual annotation)"}


def _benchmark(table: dict) -> str:
    return "swig" if table["benchmark"].startswith("swig") else table["benchmark"]


def _protocol(table: dict, row: dict) -> str:
    """The protocol of a row as far as the paper states it (the transcription's captions and notes)."""
    tag = f"{table['source'].upper()} {table['table']}"
    if tag == "MIPD Table 1":
        return ("Ov-SWiG as in MIPD Table 1: 10 unseen verbs, rare = last 20 verbs, grounding IoU >= 0.5; "
                "split lists not published, evaluator not stated")
    if tag == "MIPD Table 2":
        common = "zero-shot, 120 rare interactions excluded (MIPD Table 2); evaluator, mAP setting and unseen list not stated"
        if row["marks"] == "pretrained detector: yes":
            return common + "; quoted from each method's own paper, starts from a pretrained detector"
        return common + "; trained without a pretrained detector, under settings similar to MIPD's"
    if tag == "MIPD Table 3":
        return "original SWiG split (closed set, all 504 verbs seen), top-1-all (MIPD Table 3); evaluator not stated"
    sup = _SUPERVISION[_attributes(row)["supervision"]]
    if tag == "CL-HOI Table 1":
        return f"{sup} supervision, full mAP over 600 classes (CL-HOI Table 1); Default/Known-Object setting not named"
    if tag == "CL-HOI Table 2":
        return f"{sup} supervision, role AP (CL-HOI Table 2); scenario (1 or 2) not stated"
    raise AssertionError(f"no protocol for {tag}")


def _attributes(row: dict) -> dict[str, str]:
    """``"Sup. Full; Ann. yes; backbone RN50"`` -> supervision / annotations / backbone."""
    m = re.fullmatch(r"Sup\. (\S+); Ann\. (yes|no); backbone (.+)", row.get("marks", ""))
    return {} if m is None else {"supervision": m[1], "annotations": m[2], "backbone": m[3]}


def _method(label: str) -> str:
    return re.sub(r" \((Ours|Baseline)\)$", "", label.rstrip("*"))


def derive(published: dict) -> dict[str, dict]:
    """Every reported entry, keyed by its path relative to the leaderboard folder."""
    from ovbench.leaderboard.entries import SCHEMA, slug

    out: dict[str, dict] = {}
    for table in published["tables"]:
        src = published["sources"][table["source"]]
        benchmark = _benchmark(table)
        keys = _KEYS[benchmark]
        number = table["table"].split()[-1]
        for block in table["blocks"]:
            for pos, row in enumerate(block["rows"], 1):
                method = _method(row["method"])
                entry = {"schema": SCHEMA, "kind": "reported", "method": method, "benchmark": benchmark,
                         "split": block["split"],
                         "citation": {"paper": f"{src['title']} ({src['id']})", "table": number,
                                      "row": row["method"], "position": pos,
                                      "url": "https://arxiv.org/abs/" + src["id"].split(":", 1)[1]},
                         "scale": "percent", "protocol": _protocol(table, row),
                         "metrics": {keys[c]: v for c, v in zip(table["columns"], row["values"], strict=True)}}
                if row["method"].endswith("*"):
                    entry["marks"] = {"*": "the model uses open-vocabulary settings (MIPD Table 1 caption)"}
                if benchmark == "hico-det":
                    mark = row.get("marks", "")
                    entry["pretrained_detector"] = ({"pretrained detector: yes": True,
                                                     "pretrained detector: no": False}.get(mark))
                if _attributes(row):
                    entry["attributes"] = _attributes(row)
                if row["method"] == "ClipSitu*":
                    entry["notes"] = "Printed as 'ClipSite*' in the table; the paper's text and Table 3 name it ClipSitu [51]."
                tag = f"{table['source']}-t{number}-r{pos}"
                out[f"{benchmark}/{block['split']}/{slug(method)}.{tag}.json"] = entry
    return out


@pytest.fixture(scope="module")
def published():
    from conftest import require_shared

    return json.loads(require_shared("research", "published_tables.json").read_text(encoding="utf-8"))


def test_every_published_row_is_an_entry_digit_for_digit(published):
    expected = derive(published)
    assert len(expected) == sum(len(b["rows"]) for t in published["tables"] for b in t["blocks"])
    for rel, entry in expected.items():
        path = LEADERBOARD / rel
        assert path.is_file(), f"missing reported entry {rel}"
        got = json.loads(path.read_text(encoding="utf-8"))
        assert got == entry, f"{rel} differs from the published table"
        for key, value in entry["metrics"].items():  # the digits themselves, as strings
            assert isinstance(got["metrics"][key], str) and got["metrics"][key] == value, (rel, key)


def test_no_reported_entry_outside_the_published_tables(published):
    expected = set(derive(published))
    papers = {f"{s['title']} ({s['id']})" for s in published["sources"].values()}
    for path in LEADERBOARD.glob("*/*/*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("kind") == "reported" and data["citation"]["paper"] in papers:
            assert path.relative_to(LEADERBOARD).as_posix() in expected, f"{path} is not in the published tables"


@pytest.mark.parametrize("fmt", ["md", "latex"])
def test_rendered_tables_show_every_printed_value(published, fmt):
    """Each block renders with every printed string (23.40 stays 23.40); the paper's bold survives."""
    from ovbench.leaderboard import build_table, load_entries, render

    entries = load_entries(LEADERBOARD)
    for table in published["tables"]:
        for block in table["blocks"]:
            text = render(build_table(entries, _benchmark(table), block["split"]), fmt)
            for row in block["rows"]:
                for value in row["values"]:
                    assert re.search(rf"(?<![\d.]){re.escape(value)}(?![\d])", text), (table["table"], row, value)
    ov = render(build_table(entries, "ov-swig", "test"), fmt)
    best = r"\textbf{41.96}" if fmt == "latex" else "**41.96**"
    assert best in ov and ("\\toprule" in ov) == (fmt == "latex")


def test_hico_sections_keep_settings_apart():
    from ovbench.leaderboard import build_table, load_entries

    table = build_table(load_entries(LEADERBOARD), "hico-det", "test")
    for section in table.sections:
        if section.kind == "reported":
            # one protocol per section: the detector flag and the supervision never mix inside one
            assert len({r.pretrained_detector for r in section.rows}) == 1, section.title
            assert len({r.attributes for r in section.rows if r.attributes} | set()) <= 4, section.title
    titles = [s.protocol for s in table.sections]
    assert any("pretrained detector" in t and "quoted" in t for t in titles)
    assert any("without a pretrained detector" in t for t in titles)
    vcoco = build_table(load_entries(LEADERBOARD), "v-coco", "test")
    assert [c.key for c in vcoco.columns] == ["role.unstated"]


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    from ovbench.jsonio import write_json

    data = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    for rel, entry in derive(data).items():
        target = Path(sys.argv[2]) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        write_json(target, entry)
