"""Fast scorer vs the literal reference on seeded random instances, plus metric invariants.

Random instances use the tiny fixture's real vocabulary (4 verbs, 9 synsets + "") with small
integer boxes (so IoU boundary cases are frequent), absent GT boxes, missing images, missing
roles, null boxes, out-of-vocabulary synsets and GT verbs at every rank or absent.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest
from reference_gsr import reference_score

from ovbench.benchmarks.ovswig import score_files
from ovbench.splits.ovswig import generate_split, write_manifest

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "gsr" / "tiny"
SPACE = json.loads((TINY / "imsitu_space.json").read_text())
ORDERS = {v: s["order"] for v, s in SPACE["verbs"].items()}
NOUNS = sorted(SPACE["nouns"])[:5] + [""]
SETTINGS_METRICS = [(s, m) for s in ("top1", "top5", "gold") for m in ("verb", "value", "value_all", "grnd", "grnd_all")
                    if not (s == "gold" and m == "verb")]


def _box(rng, least=0):
    """Small integer box; GT boxes have positive area (a zero-area GT box can never be matched
    under the CoFormer convention: its union is floored at 1e-4 and the intersection is 0)."""
    x1, y1 = rng.randint(0, 6), rng.randint(0, 6)
    return [x1, y1, x1 + rng.randint(least, 6), y1 + rng.randint(least, 6)]


def random_split(rng, prefix, n, boxes=True):
    data = {}
    for i in range(n):
        verb = rng.choice(sorted(ORDERS))
        order = ORDERS[verb]
        ann = {"verb": verb, "frames": [{r: rng.choice(NOUNS) for r in order} for _ in range(3)]}
        if boxes:
            ann.update(height=64, width=64, bb={r: [-1, -1, -1, -1] if rng.random() < 0.3 else _box(rng, 1) for r in order})
        data[f"{verb}_{prefix}{i}.jpg"] = ann
    return data


def random_preds(rng, gt):
    preds = {}
    for img, ann in gt.items():
        if rng.random() < 0.1:
            continue
        others = [v for v in ORDERS if v != ann["verb"]]
        rng.shuffle(others)
        verbs = others[: rng.randint(0, 3)]
        if rng.random() < 0.8:
            verbs.insert(rng.randint(0, len(verbs)), ann["verb"])
        frames = {}
        for v in set(verbs) | ({ann["verb"]} if rng.random() < 0.9 else set()):
            frame = {}
            for r in ORDERS[v]:
                if rng.random() < 0.1:
                    continue
                u = rng.random()
                noun = rng.choice(ann["frames"])[r] if (v == ann["verb"] and u < 0.6) else rng.choice(NOUNS + ["n00000001"])
                gb = ann.get("bb", {}).get(r) if v == ann["verb"] else None
                w = rng.random()
                if w < 0.3:
                    box = None
                elif gb and gb[0] != -1 and w < 0.7:
                    box = [c + rng.choice([0, 0, 1, -1, 0.5]) for c in gb]
                    box = [min(box[0], box[2]), min(box[1], box[3]), max(box[0], box[2]), max(box[1], box[3])]
                else:
                    box = _box(rng)
                frame[r] = {"noun": noun, "box": box}
            frames[v] = frame
        preds[img] = {"verbs": verbs, "frames": frames}
    return preds


def write_dataset(root, splits, preds=None):
    root.mkdir(parents=True, exist_ok=True)
    (root / "imsitu_space.json").write_text(json.dumps(SPACE))
    for name, data in splits.items():
        (root / f"{name}.json").write_text(json.dumps(data))
    if preds is not None:
        (root / "preds.json").write_text(json.dumps({"predictions": preds}))
    return root


def assert_close(got, want):
    for subset, block in want.items():
        for setting, metrics in block.items():
            assert set(got[subset][setting]) == set(metrics)
            for m, v in metrics.items():
                g = got[subset][setting][m]
                if v is None:
                    assert g is None, (subset, setting, m)
                else:
                    assert g == pytest.approx(v, abs=1e-12), (subset, setting, m, g, v)


@pytest.mark.parametrize("seed", range(6))
def test_fast_matches_reference(tmp_path, seed):
    rng = random.Random(seed)
    boxes = seed != 5  # one imSitu-format (box-less) instance
    splits = {"train": random_split(rng, "t", 40, boxes), "dev": random_split(rng, "d", 10, boxes),
              "test": random_split(rng, "s", 70, boxes)}
    preds = random_preds(rng, splits["test"])
    root = write_dataset(tmp_path / "ds", splits, preds)
    manifest = generate_split(root, seed=seed, n_unseen=1, n_rare=1)
    write_manifest(manifest, tmp_path / "m.json")
    subsets = manifest["subsets"]["test"]
    for averaging in ("per-verb", "per-image"):
        for iou in ("coformer", "swig"):
            result = score_files(root / "preds.json", annotations=root, split="test", manifest=tmp_path / "m.json",
                                 averaging=averaging, iou=iou)
            want = reference_score(splits["test"], ORDERS, preds, subsets, averaging, iou)
            assert_close(result["metrics"], want)


def _perfect(gt):
    return {img: {"verbs": [a["verb"]], "frames": {a["verb"]: {
        r: {"noun": a["frames"][0][r], "box": None if a["bb"][r][0] == -1 else a["bb"][r]} for r in ORDERS[a["verb"]]}}}
        for img, a in gt.items()}


def _metrics(tmp_path, gt, preds, name="p", **options):
    root = write_dataset(tmp_path / "ds", {"test": gt})
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"predictions": preds}))
    return score_files(path, annotations=root, split="test", **options)["metrics"]["all"]


def test_perfect_predictions_score_one(tmp_path):
    gt = random_split(random.Random(1), "s", 50)
    for iou in ("coformer", "swig"):
        got = _metrics(tmp_path, gt, _perfect(gt), iou=iou)
        assert all(got[s][m] == 1.0 for s, m in SETTINGS_METRICS), got


def test_order_of_images_and_keys_changes_nothing(tmp_path):
    rng = random.Random(7)
    gt = random_split(rng, "s", 60)
    preds = random_preds(rng, gt)
    base = _metrics(tmp_path, gt, preds)
    items = list(preds.items())
    rng.shuffle(items)
    shuffled = {}
    for img, e in items:
        frames = {v: dict(reversed(list(f.items()))) for v, f in reversed(list(e["frames"].items()))}
        shuffled[img] = {"frames": frames, "verbs": e["verbs"]}
    gt_items = list(gt.items())
    rng.shuffle(gt_items)
    assert _metrics(tmp_path, dict(gt_items), shuffled, name="q") == base


def test_fixing_a_role_never_lowers_a_metric(tmp_path):
    rng = random.Random(11)
    gt = random_split(rng, "s", 40)
    preds = random_preds(rng, gt)
    before = _metrics(tmp_path, gt, preds)
    for step in range(8):
        fixed = copy.deepcopy(preds)
        img = rng.choice(sorted(fixed))
        a = gt[img]
        role = rng.choice(ORDERS[a["verb"]])
        frame = fixed[img]["frames"].setdefault(a["verb"], {})
        frame[role] = {"noun": a["frames"][2][role], "box": None if a["bb"][role][0] == -1 else a["bb"][role]}
        after = _metrics(tmp_path, gt, fixed, name=f"f{step}")
        for s, m in SETTINGS_METRICS:
            assert after[s][m] >= before[s][m] - 1e-15, (s, m)
        preds, before = fixed, after


@pytest.mark.parametrize("seed", range(3))
def test_metric_inequalities(tmp_path, seed):
    rng = random.Random(100 + seed)
    gt = random_split(rng, "s", 60)
    got = _metrics(tmp_path, gt, random_preds(rng, gt), averaging=rng.choice(["per-verb", "per-image"]))
    for s in ("top1", "top5", "gold"):
        g = got[s]
        assert g["grnd"] <= g["value"] + 1e-15 and g["value_all"] <= g["value"] + 1e-15
        assert g["grnd_all"] <= g["value_all"] + 1e-15 and g["grnd_all"] <= g["grnd"] + 1e-15
    for m in ("verb", "value", "value_all", "grnd", "grnd_all"):
        assert got["top5"][m] >= got["top1"][m] - 1e-15
        if m != "verb":
            assert got["gold"][m] >= got["top5"][m] - 1e-15


def test_empty_predictions_score_zero(tmp_path):
    gt = random_split(random.Random(3), "s", 20)
    got = _metrics(tmp_path, gt, {})
    assert all(got[s][m] == 0.0 for s, m in SETTINGS_METRICS)
