"""Leaderboard: entry validation, the Table model, every renderer (golden text), the README.

The fixture folder ``tests/fixtures/leaderboard/`` holds clearly synthetic reported entries
(methods ``Example-*``, citations marked ``test_fixture``) and one reproduced entry (the
built-in demo's Ov-SWiG result). Set ``OVBENCH_UPDATE_GOLDENS=1`` to rewrite the golden files
after a deliberate rendering change, then review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from ovbench import __version__
from ovbench.errors import InputError, SpecError
from ovbench.leaderboard import build_table, load_entries, load_entry, render
from ovbench.leaderboard.readme import render_readme

from conftest import FIXTURES, REPO

LB = FIXTURES / "leaderboard"
GOLDEN = Path(__file__).resolve().parent / "golden" / "leaderboard"
EXT = {"md": "md", "latex": "tex", "csv": "csv", "json": "json", "html": "html"}


def _golden(name: str, text: str) -> None:
    text = text.replace(f"ovbench {__version__}", "ovbench <version>")
    path = GOLDEN / name
    if os.environ.get("OVBENCH_UPDATE_GOLDENS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs from its golden file"


@pytest.mark.parametrize("fmt", sorted(EXT))
@pytest.mark.parametrize("benchmark", ["ov-swig", "hico-det"])
def test_renderers_match_golden_text(benchmark, fmt):
    table = build_table(load_entries(LB), benchmark, "fixture-test")
    first = render(table, fmt)
    assert render(build_table(load_entries(LB), benchmark, "fixture-test"), fmt) == first  # deterministic
    _golden(f"fixture-{benchmark}.{EXT[fmt]}", first)


def _section_rows(table, title_part):
    (section,) = [s for s in table.sections if title_part in s.title]
    return {r.method: r for r in section.rows}


def test_sections_keep_reported_and_reproduced_apart_and_ties_bold_together():
    table = build_table(load_entries(LB), "ov-swig", "fixture-test")
    kinds = [(s.kind, s.protocol) for s in table.sections]
    assert kinds == [("reported", "as published"), ("reported", "per-image averaging (fixture)"),
                     ("reproduced", "gsr@1, per-verb averaging, IoU coformer")]
    rows = _section_rows(table, "as published")
    keys = [c.key for c in table.columns]
    verb = keys.index("all.top1.verb")
    # 40.0 and 40.004 both display as 40.00: a tie, bolded together
    assert rows["Example-A"].cells[verb].best and rows["Example-B"].cells[verb].best
    value = keys.index("all.top1.value")
    assert rows["Example-B"].cells[value].best and not rows["Example-A"].cells[value].best
    # one-row sections mark nothing as best, and a null cell is missing, never best
    assert not any(c.best for s in table.sections[1:] for r in s.rows for c in r.cells)
    unseen_verb = keys.index("unseen.top1.verb")
    assert rows["Example-B"].cells[unseen_verb].value is None
    assert rows["Example-A"].cells[unseen_verb].best is False  # only one value in the column
    assert len(table.columns) == 11


def test_reported_numbers_are_kept_exactly_as_printed_and_fraction_scale_converts():
    table = build_table(load_entries(LB), "ov-swig", "fixture-test")
    a = _section_rows(table, "as published")["Example-A"]
    assert a.cells[2].value == Decimal("20.25") and a.cells[2].text(2) == "20.25"
    assert a.cells[3].text(3) == "10.125" and a.cells[3].text(1) == "10.1"
    c = _section_rows(table, "per-image")["Example_C & D"]
    assert c.cells[0].value == Decimal("50.0") and c.cells[0].text(2) == "50.00"
    csv_text = render(table, "csv")
    assert ",0.4,0.3,0.2,0.1," in csv_text  # fractions at full precision, no float noise
    assert "0.4895833333333333" in csv_text  # the reproduced result's stored fraction, unrounded


def test_sort_option_orders_rows_best_first_missing_last():
    table = build_table(load_entries(LB), "ov-swig", "fixture-test", sort="unseen.top1.verb")
    assert [r.method for r in table.sections[0].rows] == ["Example-A", "Example-B"]
    table = build_table(load_entries(LB), "ov-swig", "fixture-test", sort="all.top1.value")
    assert [r.method for r in table.sections[0].rows] == ["Example-B", "Example-A"]
    with pytest.raises(InputError, match="cannot sort by 'all.top1.valu'.*Did you mean 'all.top1.value'"):
        build_table(load_entries(LB), "ov-swig", "fixture-test", sort="all.top1.valu")


def test_hicodet_detector_flag_and_optional_known_object_columns():
    table = build_table(load_entries(LB), "hico-det", "fixture-test")
    # rare / non-rare, like Known-Object, appear only when some row has them (none does here)
    assert [c.key for c in table.columns] == ["default.unseen", "default.seen", "default.full"]
    rows = _section_rows(table, "rf-uc")
    assert rows["Example-D"].pretrained_detector is True and rows["Example-E"].pretrained_detector is False
    demo = build_table(load_entries(REPO / "leaderboard"), "hico-det", "demo-test")
    assert "known_object.unseen" in [c.key for c in demo.columns]


def test_unknown_table_names_the_available_ones():
    with pytest.raises(InputError, match=r"no leaderboard entries for ov-swig/tset.*ov-swig/fixture-test"):
        build_table(load_entries(LB), "ov-swig", "tset")
    with pytest.raises(SpecError, match="Did you mean 'ov-swig'"):
        build_table(load_entries(LB), "ov-swg", "fixture-test")


# -- validation -------------------------------------------------------------------------------

def _copy_entry(tmp_path, name="Example-A.json", bench="ov-swig") -> tuple[Path, dict]:
    folder = tmp_path / bench / "fixture-test"
    shutil.copytree(LB / bench / "fixture-test", folder)
    path = folder / name
    return path, json.loads(path.read_text())


def _write(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data))


def test_invalid_reported_entry_lists_every_problem_with_file_and_field(tmp_path):
    path, data = _copy_entry(tmp_path)
    data["scale"] = "percnt"
    data["citation"].pop("table")
    data["metrics"]["all.top1.verbb"] = 1.0
    data["metrics"]["all.top1.value"] = "30,5"  # a string must be the number as printed
    data["benchmark_name"] = "x"
    data["citation"]["test_fixture"] = "yes"
    _write(path, data)
    with pytest.raises(InputError) as exc:
        load_entry(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}: 6 problems")
    for part in ("field 'scale': expected 'percent'", "field 'citation.table'",
                 "metric 'all.top1.verbb' is not a ov-swig metric. Did you mean 'all.top1.verb'?",
                 "metric 'all.top1.value': expected the number as printed", "unknown field 'benchmark_name'",
                 "field 'citation.test_fixture': expected true or false, got 'yes'",
                 "docs/leaderboard.md"):
        assert part in msg


def test_out_of_range_percent_and_misplaced_files_are_refused(tmp_path):
    path, data = _copy_entry(tmp_path)
    data["scale"] = "fraction"  # the numbers are percentages: 40.0 as a fraction is out of range
    data["split"] = "test"
    _write(path, data)
    with pytest.raises(InputError) as exc:
        load_entry(path)
    assert "outside the fraction range (0-1); check 'scale'" in str(exc.value)
    assert "field 'split' is 'test' but the file is in folder 'fixture-test'" in str(exc.value)
    renamed = path.with_name("example-a.json")
    path.rename(renamed)
    with pytest.raises(InputError, match=r"must be stored as Example-A.json \(or Example-A.<tag>.json .*\), not example-a.json"):
        load_entry(renamed)


def test_hicodet_reported_entry_needs_the_detector_flag(tmp_path):
    path, data = _copy_entry(tmp_path, "Example-D.json", "hico-det")
    del data["pretrained_detector"]
    _write(path, data)
    with pytest.raises(InputError, match="'pretrained_detector': required for HICO-DET reported entries"):
        load_entry(path)


def test_tampered_or_replaced_reproduced_results_are_refused(tmp_path):
    path, data = _copy_entry(tmp_path, "demo-model.json")
    result_path = path.with_name("demo-model.result.json")
    original = result_path.read_text()
    result = json.loads(original)
    result["metrics"]["all"]["top1"]["verb"] = 0.99  # edited number: payload hash no longer matches
    _write(result_path, result)
    with pytest.raises(InputError, match="payload_sha256 does not match"):
        load_entry(path)
    result_path.write_text(original)
    data["expect"]["predictions_sha256"] = "0" * 64  # a result of other predictions
    _write(path, data)
    with pytest.raises(InputError, match=r"'expect.predictions_sha256' is '0000.*the result file was replaced"):
        load_entry(path)


# -- README and CLI ---------------------------------------------------------------------------

def test_repository_leaderboard_readme_is_up_to_date():
    readme = REPO / "leaderboard" / "README.md"
    assert readme.read_text(encoding="utf-8") == render_readme(REPO / "leaderboard"), (
        "leaderboard/README.md is out of date: run `ovbench leaderboard leaderboard/ --readme`")


def test_repository_leaderboard_holds_no_test_fixtures():
    entries = load_entries(REPO / "leaderboard")
    assert any(e.kind == "reproduced" and e.split == "demo-test" for e in entries)
    assert not [e.path for e in entries if (e.citation or {}).get("test_fixture")]


def test_readme_says_whether_published_numbers_are_present(tmp_path):
    shutil.copytree(LB / "ov-swig" / "fixture-test", tmp_path / "ov-swig" / "fixture-test")
    assert "Source: Synthetic test fixture" in render_readme(tmp_path)
    assert "No published numbers have been entered yet" not in render_readme(tmp_path)
    for name in ("Example-A", "Example-B", "Example_C---D"):
        (tmp_path / "ov-swig" / "fixture-test" / f"{name}.json").unlink()
    text = render_readme(tmp_path)
    assert "No published numbers have been entered yet" in text
    assert '"schema": "ovbench.leaderboard-entry/1"' in text and "`unseen.top1.grnd`" in text


def test_cli_add_render_readme_and_check_readme(tmp_path, run_cli):
    root = tmp_path / "lb"
    src = LB / "ov-swig" / "fixture-test" / "demo-model.result.json"
    res = run_cli("leaderboard", root, "--add", src, "--split", "demo-test", "--method", "my model")
    assert res.exit_code == 0, res.output
    assert (root / "ov-swig" / "demo-test" / "my-model.json").exists()
    stored = json.loads((root / "ov-swig" / "demo-test" / "my-model.result.json").read_text())
    original = json.loads(src.read_text())
    # identical but for volatile.inputs, which holds no machine path (the payload hash is unchanged)
    assert {k: v for k, v in stored.items() if k != "volatile"} == {k: v for k, v in original.items() if k != "volatile"}
    assert not any(v.startswith("/") for v in stored["volatile"]["inputs"].values())
    again = run_cli("leaderboard", root, "--add", src, "--split", "demo-test", "--method", "my model")
    assert again.exit_code == 3 and "already exists" in again.output
    assert run_cli("leaderboard", root, "--check-readme").exit_code == 4
    assert run_cli("leaderboard", root, "--readme").exit_code == 0
    assert run_cli("leaderboard", root, "--check-readme").exit_code == 0
    out = tmp_path / "table.tex"
    res = run_cli("leaderboard", root, "-b", "ov-swig", "-s", "demo-test", "-o", out)
    assert res.exit_code == 0 and res.output == ""
    assert out.read_text().startswith("% ov-swig / demo-test") and r"\toprule" in out.read_text()
    res = run_cli("leaderboard", root, "-b", "ov-swig", "-s", "demo-test", "--digits", "1")
    assert "| my model |   49.0 |" in res.output
    assert run_cli("leaderboard", root, "-b", "ov-swig").exit_code == 2


def test_cli_invalid_entry_exits_3_with_the_file_named(tmp_path, run_cli):
    path, data = _copy_entry(tmp_path)
    data["kind"] = "published"
    _write(path, data)
    res = run_cli("leaderboard", tmp_path, "-b", "ov-swig", "-s", "fixture-test")
    assert res.exit_code == 3
    assert f"{path}: 1 problem" in res.output and "expected one of reported, reproduced" in res.output
