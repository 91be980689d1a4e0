"""The built-in demo, its reproducibility, and a full-scale (75,702/25,200/25,200) split + score."""

from __future__ import annotations

import filecmp
import importlib.util
import json
import time

import pytest
from conftest import REPO, require_shared

from ovbench.benchmarks.ovswig import DEMO_DATA, run_demo, score_files
from ovbench.results import load_result
from ovbench.splits.ovswig import generate_split, write_manifest


def _script(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_runs_end_to_end(tmp_path):
    text = run_demo(tmp_path)
    assert "Top-1" in text and "Ground-truth verb" in text and "unseen verb" in text
    assert "1 image(s) have no prediction" in text
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert len(manifest["unseen_verbs"]) == 3 and len(manifest["rare_verbs"]) == 5
    result = load_result(tmp_path / "result.json")
    assert result["benchmark"]["manifest_sha256"] == manifest["sha256"]
    assert result["counts"]["images"] == {k: manifest["counts"]["test"][k] for k in ("all", "seen", "rare", "unseen")}
    assert run_demo(tmp_path / "again") == text.replace(str(tmp_path), str(tmp_path / "again"))


def test_demo_data_is_reproducible_and_small(tmp_path):
    require_shared("data", "swig", "verb_indices.txt")
    _script("make_ovswig_demo").main(tmp_path)
    cmp = filecmp.dircmp(tmp_path, DEMO_DATA)
    assert not cmp.diff_files and not cmp.left_only and not cmp.right_only
    assert not filecmp.dircmp(tmp_path / "annotations", DEMO_DATA / "annotations").diff_files
    assert sum(p.stat().st_size for p in DEMO_DATA.rglob("*.json")) < 300_000


@pytest.mark.slow
def test_full_scale_split_and_score(tmp_path):
    require_shared("data", "swig", "train_classes.csv")
    sizes = _script("make_swig_fixture").generate(tmp_path)
    assert sizes == {"train": 75_702, "dev": 25_200, "test": 25_200}
    ann = tmp_path / "annotations"
    t = time.perf_counter()
    manifest = generate_split(ann, seed=0)
    split_s = time.perf_counter() - t
    write_manifest(manifest, tmp_path / "m.json")
    c = manifest["counts"]
    assert len(manifest["unseen_verbs"]) == 10 and len(manifest["rare_verbs"]) == 20
    for split in ("dev", "test"):
        assert c[split] == {"all": 25_200, "seen": 24_700, "rare": 1_000, "unseen": 500}
        assert c["unseen_annotator_frames"][split] == 1_500
    assert c["train"]["original"] == 75_702
    assert c["train"]["all"] == 75_702 - sum(manifest["verb_train_images"][v] for v in manifest["unseen_verbs"])
    assert len(manifest["subsets"]["train"]["all"]) == c["train"]["all"]
    t = time.perf_counter()
    result = score_files(tmp_path / "predictions_test.json", annotations=ann, split="test", manifest=tmp_path / "m.json")
    score_s = time.perf_counter() - t
    assert result["counts"]["expected"] == 25_200 and result["counts"]["missing"] == 10
    assert result["counts"]["images"] == {"all": 25_200, "seen": 24_700, "rare": 1_000, "unseen": 500}
    assert result["counts"]["verbs"] == {"all": 504, "seen": 494, "rare": 20, "unseen": 10}
    m = result["metrics"]
    assert 0 < m["unseen"]["top1"]["grnd"] < m["unseen"]["top1"]["value"] < m["unseen"]["top5"]["value"] < 1
    assert split_s < 20 and score_s < 20  # generous: the benchmark script measures the real targets
