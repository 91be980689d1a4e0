"""Real imSitu samples from ``../shared/data/imsitu`` (original imSitu format, no boxes).

* ``debug_eval.json`` (50 real annotations) as a dev split: perfect predictions give 1.0 for
  verb, value and value-all in every setting and null grounding; derived predictions (every
  third image's verb list shifted, roles replaced by another annotator's or a wrong noun,
  every seventh image missing) match the literal reference to 1e-12.
* The imSitu baseline's ``example_predictions/*.predictions`` folder (11 ``jumping`` images):
  read through ``ovbench score`` with ground truth whose first annotator equals the
  baseline's own ``jumping`` frame, so gold value and value-all are exactly 1 and top-1 verb
  accuracy is the share of files that rank ``jumping`` first.
"""

from __future__ import annotations

import json
import random

import pytest
from conftest import require_shared
from reference_gsr import reference_score

from ovbench.benchmarks.ovswig import score_files


def _space(annotations: dict, extra_frames=()) -> dict:
    orders, nouns = {}, set()
    for ann in annotations.values():
        orders.setdefault(ann["verb"], list(ann["frames"][0]))
        for f in ann["frames"]:
            nouns.update(n for n in f.values() if n)
    for verb, frame in extra_frames:
        orders.setdefault(verb, list(frame))
        nouns.update(n for n in frame.values() if n)
    return {"nouns": {n: {"gloss": [n], "def": ""} for n in sorted(nouns)},
            "verbs": {v: {"framenet": "", "abstract": "", "def": "", "order": o, "roles": {r: {} for r in o}}
                      for v, o in orders.items()}}


def _write(root, space, split, data):
    root.mkdir(parents=True, exist_ok=True)
    (root / "imsitu_space.json").write_text(json.dumps(space))
    (root / f"{split}.json").write_text(json.dumps(data))
    return root


@pytest.fixture(scope="module")
def debug_eval():
    return json.loads(require_shared("data", "imsitu", "debug_eval.json").read_text())


def test_real_samples_perfect_predictions(tmp_path, debug_eval):
    space = _space(debug_eval)
    root = _write(tmp_path / "ann", space, "dev", debug_eval)
    preds = {img: {"verbs": [a["verb"]], "frames": {a["verb"]: {r: {"noun": n} for r, n in a["frames"][1].items()}}}
             for img, a in debug_eval.items()}
    (tmp_path / "p.json").write_text(json.dumps({"predictions": preds}))
    result = score_files(tmp_path / "p.json", annotations=root, split="dev")
    assert result["benchmark"]["annotations"]["format"] == "imsitu" and result["benchmark"]["grounding"] is False
    for setting, metrics in result["metrics"]["all"].items():
        for name, value in metrics.items():
            assert value == (None if name.startswith("grnd") else 1.0), (setting, name)
    assert result["counts"]["expected"] == 50


def test_real_samples_match_reference(tmp_path, debug_eval):
    rng = random.Random(5)
    space = _space(debug_eval)
    verbs = sorted(space["verbs"])
    root = _write(tmp_path / "ann", space, "dev", debug_eval)
    preds = {}
    for k, (img, a) in enumerate(sorted(debug_eval.items())):
        if k % 7 == 3:
            continue
        ranked = [a["verb"]] + [v for v in rng.sample(verbs, 5) if v != a["verb"]][:4]
        if k % 3 == 0:
            ranked = ranked[1:] + ranked[:1]
        frame = {}
        for r in space["verbs"][a["verb"]]["order"]:
            u = rng.random()
            if u < 0.1:
                continue
            frame[r] = {"noun": a["frames"][rng.randrange(3)][r] if u < 0.7 else rng.choice(sorted(space["nouns"]))}
        preds[img] = {"verbs": ranked, "frames": {a["verb"]: frame}}
    (tmp_path / "p.json").write_text(json.dumps({"predictions": preds}))
    for averaging in ("per-verb", "per-image"):
        got = score_files(tmp_path / "p.json", annotations=root, split="dev", averaging=averaging)["metrics"]
        want = reference_score(debug_eval, {v: s["order"] for v, s in space["verbs"].items()}, preds,
                               {"all": sorted(debug_eval)}, averaging)
        for setting, metrics in want["all"].items():
            for name, value in metrics.items():
                assert got["all"][setting][name] == (None if value is None else pytest.approx(value, abs=1e-12))


def test_imsitu_baseline_predictions_folder(tmp_path, run_cli):
    folder = require_shared("data", "imsitu", "example_predictions")
    files = sorted(folder.glob("*.predictions"))
    raw = {f.name.replace(".predictions", ".jpg"): json.loads(f.read_text()) for f in files}
    gt, frames = {}, []
    for img, entries in raw.items():
        for e in entries:
            frames.append((e["verb"], e["frames"][0]))
        own = next(e for e in entries if e["verb"] == "jumping")["frames"][0]
        other = {r: ("" if n else "n10287213") for r, n in own.items()}
        gt[img] = {"verb": "jumping", "frames": [own, other, other]}
    root = _write(tmp_path / "ann", _space(gt, frames), "test", gt)
    res = run_cli("score", folder, "-b", "ov-swig", "--annotations", root, "--split", "test", "-f", "json")
    assert res.exit_code == 0, res.output
    result = json.loads(res.output)
    assert result["predictions"]["format"] == "imsitu-folder"
    top1 = sum(max(entries, key=lambda e: e["score"])["verb"] == "jumping" for entries in raw.values()) / len(raw)
    m = result["metrics"]["all"]
    assert m["top1"]["verb"] == pytest.approx(top1, abs=1e-12)
    assert m["gold"]["value"] == 1.0 and m["gold"]["value_all"] == 1.0
    assert m["top5"]["value"] >= m["top1"]["value"] and m["gold"]["grnd"] is None
    assert result["counts"]["found"] == len(files) == 11
