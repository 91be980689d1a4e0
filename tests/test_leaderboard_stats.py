"""Leaderboard intervals (``--intervals``) and significance marks (``--significance``).

The folder is built once per module from the built-in Ov-SWiG demo, scored with
``--bootstrap 200 --seed 0`` and added with ``ovbench leaderboard --add``:

* ``demo-model``: the demo predictions;
* ``copy``: the *same* predictions under another name (every difference is exactly 0, so
  never significant);
* ``reversed``: each image's verb ranking reversed (Top-1 verb 48.96 -> 6.25: clearly worse);
* ``Example-A``: a synthetic reported row (no intervals, never compared).

Goldens live in ``tests/golden/leaderboard/demo-intervals.*``; set ``OVBENCH_UPDATE_GOLDENS=1``
to rewrite them after a deliberate rendering change.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ovbench.benchmarks.ovswig import DEMO_DATA
from ovbench.cli import main
from ovbench.errors import InputError, SpecError
from ovbench.leaderboard import build_table, load_entries, render
from ovbench.leaderboard.significance import SignificanceOptions

from conftest import FIXTURES
from test_leaderboard import EXT, _golden

SPLIT = "demo-test"
OPTS = SignificanceOptions(n=200, seed=0)


def _cli(*args) -> str:
    res = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def _score(work: Path, preds: Path, method: str, *extra) -> Path:
    out = work / f"{method}.json"
    _cli("score", preds, "-b", "ov-swig", "--annotations", Path(DEMO_DATA) / "annotations", "--split", "test",
         "--manifest", work / "manifest.json", "--method", method, *extra, "-o", out)
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("lbstats")
    _cli("split", "ov-swig", "--annotations", Path(DEMO_DATA) / "annotations", "--n-unseen", "3", "--n-rare", "5",
         "-o", work / "manifest.json")
    preds = work / "preds.json"  # a copy, so a test can make it unreachable without touching the package
    shutil.copyfile(Path(DEMO_DATA) / "predictions_test.json", preds)
    data = json.loads(preds.read_text())
    for p in data["predictions"].values():
        p["verbs"] = p["verbs"][::-1]
    (work / "reversed-preds.json").write_text(json.dumps(data))
    root = work / "lb"
    boot = ("--bootstrap", "200", "--seed", "0")
    for method, src in (("demo-model", preds), ("copy", preds), ("reversed", work / "reversed-preds.json")):
        _cli("leaderboard", root, "--add", _score(work, src, method, *boot), "--split", SPLIT)
    folder = root / "ov-swig" / SPLIT
    example = json.loads((FIXTURES / "leaderboard" / "ov-swig" / "fixture-test" / "Example-A.json").read_text())
    example["split"] = SPLIT
    (folder / "Example-A.json").write_text(json.dumps(example))
    return {"work": work, "root": root, "preds": preds}


def _rows(table):
    return {r.method: r for s in table.sections for r in s.rows}


def _col(table, key):
    return [c.key for c in table.columns].index(key)


@pytest.mark.parametrize("fmt", sorted(set(EXT) - {"html"}))
def test_interval_renderers_match_golden_text(demo, fmt):
    table = build_table(load_entries(demo["root"]), "ov-swig", SPLIT, intervals=True)
    _golden(f"demo-intervals.{EXT[fmt]}", render(table, fmt))


def test_interval_page_shows_intervals_and_marks_and_still_sorts_in_a_browser(demo, tmp_path):
    from test_leaderboard_browser import _methods_in_dom, _run

    html = render(build_table(load_entries(demo["root"]), "ov-swig", SPLIT, intervals=True, significance=OPTS),
                  "html")
    assert ('<td class="metric" data-value="0.0625" title="confidence interval [2.08, 10.42]">6.25'
            '<small class="ci">[2.08, 10.42]</small></td>') in html
    assert '48.96<sup class="tie" title="not significantly different' in html
    assert "<style>small.ci{" in html
    assert "<style>small.ci{" not in render(build_table(load_entries(demo["root"]), "ov-swig", SPLIT), "html")
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    dom = _run(tmp_path, "--dump-dom", page.as_uri() + "#sort=all.top1.verb&asc").stdout
    assert 'data-sorted="all.top1.verb asc"' in dom  # sorts by the value, not the interval text
    assert _methods_in_dom(dom) == ["Example-A", "reversed", "copy", "demo-model"]


def test_intervals_come_from_results_only_and_are_off_by_default(demo):
    entries = load_entries(demo["root"])
    table = build_table(entries, "ov-swig", SPLIT, intervals=True)
    rows, verb = _rows(table), _col(table, "all.top1.verb")
    assert rows["demo-model"].cells[verb].interval_text(2) == "[40.62, 57.29]"
    assert all(c.interval is None for c in rows["Example-A"].cells)  # reported: never invented
    plain = build_table(entries, "ov-swig", SPLIT)
    assert all(c.interval is None for r in _rows(plain).values() for c in r.cells)
    for fmt in ("md", "csv", "json", "latex"):
        text = render(plain, fmt)
        assert "40.62" not in text and "0.40625" not in text and "_lo" not in text, fmt


def test_significance_marks_noise_but_not_a_clear_gap_each_pair_once(demo, monkeypatch):
    import ovbench.stats as stats

    calls = []
    real = stats.compare

    def counting(a, b, **kw):
        calls.append((Path(a).name, Path(b).name))
        return real(a, b, **kw)

    monkeypatch.setattr(stats, "compare", counting)
    table = build_table(load_entries(demo["root"]), "ov-swig", SPLIT, intervals=True, significance=OPTS)
    # the best of every column is "copy" (first of the two identical rows): two pairs, each once
    assert sorted(calls) == [("copy.result.json", "demo-model.result.json"),
                             ("copy.result.json", "reversed.result.json")]
    assert table.significance == {"n": 200, "seed": 0, "confidence": 0.95, "compared_pairs": 2}
    rows, verb = _rows(table), _col(table, "all.top1.verb")
    assert all(c.tie for c in rows["demo-model"].cells)  # identical predictions: difference 0
    assert not any(c.tie for c in rows["copy"].cells)  # the reference itself
    assert not rows["reversed"].cells[verb].tie  # 48.96 vs 6.25: significant
    assert not any(c.tie for c in rows["Example-A"].cells)  # reported: never compared
    md = render(table, "md")
    _golden("demo-significance.md", md)
    assert "| reversed   |        6.25 [2.08, 10.42] |" in md
    assert "Reported rows are never compared" in md
    by_method = {r["method"]: r for r in csv.DictReader(io.StringIO(render(table, "csv")))}
    assert [by_method[m]["all.top1.verb_not_significant"] for m in ("demo-model", "reversed", "copy", "Example-A")] \
        == ["true", "false", "", ""]
    payload = json.loads(render(table, "json"))
    assert payload["significance"]["compared_pairs"] == 2
    assert render(build_table(load_entries(demo["root"]), "ov-swig", SPLIT, intervals=True,
                              significance=OPTS), "md") == md  # seeded: same marks, same bytes


def test_significance_with_one_reproduced_row_compares_nothing(demo, tmp_path):
    root = tmp_path / "lb"
    shutil.copytree(demo["root"], root)
    for name in ("copy", "reversed"):
        (root / "ov-swig" / SPLIT / f"{name}.json").unlink()
    table = build_table(load_entries(root), "ov-swig", SPLIT, significance=OPTS)
    assert not any(c.tie for r in _rows(table).values() for c in r.cells)
    assert table.significance["compared_pairs"] == 0
    assert any("fewer than two reproduced rows" in line for line in table.footer)


def test_significance_refuses_unreachable_predictions(demo, tmp_path, run_cli):
    root = demo["root"]  # stored results name their inputs relative to the leaderboard: not copied elsewhere
    moved = demo["work"] / "reversed-preds.json"
    hidden = tmp_path / "hidden.json"
    shutil.move(moved, hidden)
    try:
        with pytest.raises(InputError, match=r"not readable here:\n  - 'reversed': predictions '.*reversed-preds"):
            build_table(load_entries(root), "ov-swig", SPLIT, significance=OPTS)
        res = run_cli("leaderboard", root, "-b", "ov-swig", "-s", SPLIT, "--significance", "--bootstrap", "200")
        assert res.exit_code == 3 and "volatile.inputs" in res.output
        # intervals need no predictions: they are stored in the results
        assert run_cli("leaderboard", root, "-b", "ov-swig", "-s", SPLIT, "--intervals").exit_code == 0
    finally:
        shutil.move(hidden, moved)


def test_significance_refuses_results_scored_with_other_options(demo, tmp_path, run_cli):
    root = tmp_path / "lb"
    shutil.copytree(demo["root"], root)
    shutil.copyfile(demo["work"] / "manifest.json", tmp_path / "manifest.json")
    other = _score(tmp_path, demo["preds"], "per-image", "--averaging", "per-image")
    assert run_cli("leaderboard", root, "--add", other, "--split", SPLIT).exit_code == 0
    with pytest.raises(SpecError, match="(?s)same benchmark, split and scorer options.*scorer.options.averaging"):
        build_table(load_entries(root), "ov-swig", SPLIT, significance=OPTS)
    assert run_cli("leaderboard", root, "-b", "ov-swig", "-s", SPLIT, "--significance").exit_code == 3


def test_cli_intervals_significance_and_usage_errors(demo, run_cli):
    args = ("leaderboard", demo["root"], "-b", "ov-swig", "-s", SPLIT)
    res = run_cli(*args, "--intervals", "--significance", "--bootstrap", "200", "--seed", "0")
    assert res.exit_code == 0 and "**48.96**≈ [40.62, 57.29]" in res.output
    assert run_cli(*args, "--bootstrap", "200").exit_code == 2  # needs --significance
    assert run_cli(*args, "--significance", "--bootstrap", "1").exit_code == 2


def test_hicodet_intervals_note_and_identical_rows_within_noise(tmp_path, run_cli):
    """HICO-DET: the same predictions under two names tie everywhere; the small demo's low intervals are noted."""
    HICO = Path(DEMO_DATA).parent / "hico_det_demo"  # noqa: N806 (package data beside the Ov-SWiG demo)

    for method in ("h1", "h2"):
        out = tmp_path / f"{method}.json"
        assert run_cli("score", Path(HICO) / "predictions.json", "-b", "hico-det", "--annotations",
                       Path(HICO) / "annotations.json", "--setting", "rf-uc", "--bootstrap", "50",
                       "--method", method, "-o", out).exit_code == 0
        assert run_cli("leaderboard", tmp_path / "lb", "--add", out, "--split", SPLIT,
                       "--no-pretrained-detector").exit_code == 0
    table = build_table(load_entries(tmp_path / "lb"), "hico-det", SPLIT, intervals=True,
                        significance=SignificanceOptions(n=50, seed=0))
    rows = _rows(table)
    assert all(c.tie for c in rows["h2"].cells if c.value is not None)
    assert rows["h1"].cells[0].interval is not None
    assert any(line.startswith("Intervals of h1, h2: a resample leaves") for line in table.footer)
