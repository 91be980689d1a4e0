"""The Python API (``import ovbench``): lazy, light, typed, and byte-identical to the CLI."""

from __future__ import annotations

import ast
import doctest
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, require_module

import ovbench
from ovbench.errors import InputError, SpecError

HICO = ovbench.demo_data("hico-det")
SWIG = ovbench.demo_data("ov-swig")


def _fresh_python(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                         cwd=REPO)
    return out.stdout


def test_import_is_fast_and_imports_nothing_heavy():
    code = ("import sys, time; t = time.perf_counter(); import ovbench; dt = time.perf_counter() - t; "
            "heavy = sorted(m for m in ('numpy', 'torch', 'pandas', 'scipy', 'open_clip') if m in sys.modules); "
            "print(dt, ','.join(heavy))")
    # best of three: the first run may pay for a cold file-system cache on a loaded machine
    runs = [_fresh_python(code).split(" ") for _ in range(3)]
    assert min(float(r[0]) for r in runs) < 0.3
    assert all(r[1].strip() == "" for r in runs), runs


def test_scoring_path_needs_no_torch_pandas_or_scipy():
    code = ("import sys, ovbench; d = ovbench.demo_data('hico-det'); "
            "r = ovbench.score(d.predictions, 'hico-det', annotations=d.annotations, setting='rf-uc'); r.render(); "
            "s = ovbench.demo_data('ov-swig'); m = ovbench.generate_split(s.annotations, n_unseen=3, n_rare=5); "
            "ovbench.score(s.predictions, 'ov-swig', annotations=s.annotations, split='test', manifest=m).render('md'); "
            "print(sorted(x for x in ('torch', 'pandas', 'scipy', 'open_clip') if x in sys.modules))")
    assert _fresh_python(code).strip() == "[]"


def test_api_names_are_listed_and_unknown_names_raise():
    assert {"score", "score_settings", "load_result", "compare", "render", "generate_split", "verify_split",
            "Result"} <= set(dir(ovbench))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ovbench.nope  # noqa: B018


@pytest.mark.parametrize("module", ["ovbench.api", "ovbench.splits.hico"])
def test_docstring_examples_run(module):
    mod = __import__(module, fromlist=["_"])
    failed, attempted = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0 and failed == 0


@pytest.mark.parametrize("bench", ["hico-det", "ov-swig"])
def test_result_save_is_byte_identical_to_the_cli(run_cli, tmp_path, monkeypatch, bench):
    monkeypatch.chdir(tmp_path)
    demo = ovbench.demo_data(bench)
    opts = {"setting": "rf-uc"} if bench == "hico-det" else {"split": "test"}
    flags = [x for k, v in opts.items() for x in (f"--{k}", v)]
    res = run_cli("score", str(demo.predictions), "-b", bench, "--annotations", str(demo.annotations), *flags,
                  "-o", "cli.json")
    assert res.exit_code == 0, res.output
    result = ovbench.score(str(demo.predictions), bench, annotations=str(demo.annotations), **opts)
    assert result.save("api.json") == Path("api.json")
    assert Path("api.json").read_bytes() == Path("cli.json").read_bytes()
    assert result.to_json().encode() == Path("cli.json").read_bytes()
    assert result.render() == res.output  # render() without a format is the CLI's table
    loaded = ovbench.load_result("cli.json")
    assert isinstance(loaded, ovbench.Result) and loaded.to_dict() == result.data
    assert loaded.payload_sha256 == result.payload_sha256 and loaded["counts"] == result.counts


def test_render_formats_and_plain_dicts():
    r = ovbench.score(HICO.predictions, "hico-det", annotations=HICO.annotations)
    assert ovbench.render(r) == ovbench.render(r.data) == ovbench.render(r, "table") == r.render("text")
    assert r.render("md").startswith("| mAP (%)")
    assert r.render("csv").startswith("mode,full,rare,non_rare\n")
    assert json.loads(r.render("json")) == r.data
    with pytest.raises(SpecError, match="unknown format 'latex'"):
        r.render("latex")


def test_in_memory_predictions_score_like_the_file():
    doc = json.loads(HICO.predictions.read_text())
    from_file = ovbench.score(HICO.predictions, "hico-det", annotations=HICO.annotations, setting="rf-uc")
    in_memory = ovbench.score(doc, "hico-det", annotations=HICO.annotations, setting="rf-uc")
    bare = ovbench.score(doc["predictions"], "hico-det", annotations=HICO.annotations, setting="rf-uc")
    assert in_memory.metrics == from_file.metrics == bare.metrics
    assert in_memory["volatile"]["inputs"]["predictions"] == "<in-memory predictions>"
    assert in_memory.method == from_file.method and bare.method == {}
    with pytest.raises(InputError, match=r"^<in-memory predictions>: 1 problem"):
        ovbench.score({"nope.jpg": []}, "hico-det", annotations=HICO.annotations)


def test_options_are_checked_against_the_benchmark():
    with pytest.raises(SpecError, match="do not apply to benchmark hico-det"):
        ovbench.score(HICO.predictions, "hico-det", annotations=HICO.annotations, split="test")
    with pytest.raises(SpecError, match="unknown benchmark"):
        ovbench.score(HICO.predictions, "hico", annotations=HICO.annotations)
    with pytest.raises(SpecError, match="score_settings"):
        ovbench.score(HICO.predictions, "hico-det", annotations=HICO.annotations, setting="uc0,uc1")


def test_split_generate_verify_and_score_in_memory_manifest(tmp_path):
    path = tmp_path / "m.json"
    manifest = ovbench.generate_split(SWIG.annotations, seed=0, n_unseen=3, n_rare=5, output=path)
    assert ovbench.verify_split(path, SWIG.annotations)["sha256"] == manifest["sha256"]
    a = ovbench.score(SWIG.predictions, "ov-swig", annotations=SWIG.annotations, split="test", manifest=manifest)
    b = ovbench.score(SWIG.predictions, "ov-swig", annotations=SWIG.annotations, split="test", manifest=path)
    assert a.payload_sha256 == b.payload_sha256
    tampered = dict(manifest, rare_verbs=manifest["rare_verbs"][:-1])
    with pytest.raises(SpecError, match="in-memory manifest"):
        ovbench.score(SWIG.predictions, "ov-swig", annotations=SWIG.annotations, split="test", manifest=tampered)


def test_score_settings_equals_each_setting_alone(tmp_path):
    runs = ovbench.score_settings(HICO.predictions, "uc0,uc3", annotations=HICO.annotations)
    assert runs.settings == ["uc0", "uc3"]
    for setting in runs.settings:
        alone = ovbench.score(HICO.predictions, "hico-det", annotations=HICO.annotations, setting=setting)
        assert alone.to_json() == runs[setting].to_json()
    values = [runs[s].metrics["default"]["unseen"] for s in runs.settings]
    assert runs.mean["default"]["unseen"] == pytest.approx(np.mean(values), abs=1e-15)
    assert runs.std["default"]["unseen"] == pytest.approx(np.std(values, ddof=1), abs=1e-15)
    assert runs.std["default"]["full"] == 0.0  # the full mAP does not depend on the setting
    text = runs.render()
    assert text.splitlines()[2].startswith("uc0") and "mean" in text and "std" in text
    paths = runs.save(tmp_path / "r.json")
    assert [p.name for p in paths] == ["r.uc0.json", "r.uc3.json"]
    assert ovbench.load_result(paths[1]).to_json() == runs["uc3"].to_json()
    assert json.loads(runs.render("json"))["results"] == {s: runs[s].payload_sha256 for s in runs.settings}


def test_cli_scores_several_settings_in_one_run(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run_cli("score", HICO.predictions, "-b", "hico-det", "--annotations", HICO.annotations,
                  "--setting", "all-uc", "-o", "out.json", "-f", "csv")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"out.uc{i}.json" for i in range(5)]
    lines = res.output.splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["uc0", "uc1", "uc2", "uc3", "uc4", "mean", "std"]
    single = run_cli("score", HICO.predictions, "-b", "hico-det", "--annotations", HICO.annotations,
                     "--setting", "uc2", "-o", "single.json")
    assert single.exit_code == 0
    assert Path("single.json").read_bytes() == Path("out.uc2.json").read_bytes()
    bad = run_cli("score", HICO.predictions, "-b", "hico-det", "--annotations", HICO.annotations,
                  "--setting", "uc0,thid-ov")
    assert bad.exit_code == 3 and "is the rf-uc set" in bad.output and "--profile thid-cmdse" in bad.output


def test_compare_two_results(tmp_path):
    doc = json.loads(HICO.predictions.read_text())
    for dets in doc["predictions"].values():  # model B: scores of every other detection halved
        for i, d in enumerate(dets):
            if i % 2:
                d["score"] *= 0.5
    worse = tmp_path / "b.json"
    worse.write_text(json.dumps(doc))
    a = ovbench.score(HICO.predictions, "hico-det", annotations=HICO.annotations)
    b = ovbench.score(worse, "hico-det", annotations=HICO.annotations)
    cmp = ovbench.compare(a, b, n=50, seed=0)
    assert isinstance(cmp, ovbench.Comparison)
    full = next(r for r in cmp.rows if r["metric"] == "default/full")
    assert full["difference"] == pytest.approx(b.metrics["default"]["full"] - a.metrics["default"]["full"])
    assert cmp.significant("default/full") == full["significant"]
    assert "B - A (pp)" in cmp.render() and cmp.render("csv").startswith("metric,a,b,difference")


def test_to_frame():
    require_module("pandas")
    r = ovbench.score(HICO.predictions, "hico-det", annotations=HICO.annotations, setting="rf-uc", bootstrap=40)
    frame = r.to_frame()
    assert frame.loc["default/unseen", "value"] == r.metrics["default"]["unseen"]
    assert list(frame.columns) == ["value", "lo", "hi"] and len(frame) == 10


# --------------------------------------------------------------------------- layering

_DOWNSTREAM = {"scorers", "results", "benchmarks", "stats", "leaderboard", "check", "cli", "baselines",
               "adapters", "demo", "api"}
_LAYERS = {  # package folder -> ovbench subpackages/modules it must not import
    "annotations": _DOWNSTREAM | {"predictions"},  # may read the frozen HICO-DET vocabulary in splits/
    "splits": _DOWNSTREAM | {"predictions"},
    "predictions": _DOWNSTREAM,
    "scorers": _DOWNSTREAM - {"scorers"} | {"predictions.hoi_nms", "predictions.gsr", "predictions.hoi"},
}


def _imports(path: Path) -> set[str]:
    """Dotted ovbench-relative names imported by a module (``from ..scorers.gsr import X`` -> scorers.gsr)."""
    names = set()
    package = path.parent.relative_to(REPO / "ovbench").parts
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                names.add(".".join(base + ([node.module] if node.module else [])))
            elif node.module and node.module.startswith("ovbench."):
                names.add(node.module[len("ovbench."):])
        elif isinstance(node, ast.Import):
            names.update(a.name[len("ovbench."):] for a in node.names if a.name.startswith("ovbench."))
    return names


@pytest.mark.parametrize("layer", sorted(_LAYERS))
def test_data_flows_one_way(layer):
    bad = []
    for path in sorted((REPO / "ovbench" / layer).glob("*.py")):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in _LAYERS[layer]):
                bad.append(f"{path.relative_to(REPO)} imports ovbench.{name}")
    assert not bad, bad
