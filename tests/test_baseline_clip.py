"""The zero-shot CLIP baseline, end to end through the CLI, offline.

A tiny open_clip architecture (registered from a JSON config) is created with random weights,
saved as a local checkpoint and loaded back through ``--pretrained CHECKPOINT``, the same code
path a real checkpoint takes; images are generated. Real weights:
``ovbench baseline clip -b ov-swig --annotations SWiG_jsons --images images_512 --model ViT-B-32
--pretrained laion2b_s34b_b79k --split test -o preds.json``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import shutil
import sys

import pytest

from conftest import FIXTURES, require_module, require_shared

TINY = {"embed_dim": 32,
        "vision_cfg": {"image_size": 32, "layers": 1, "width": 64, "head_width": 32, "patch_size": 16},
        "text_cfg": {"context_length": 32, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1}}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    torch = require_module("torch")
    open_clip = require_module("open_clip")
    require_module("PIL")
    folder = tmp_path_factory.mktemp("model")
    config = folder / "ovbench-tiny.json"
    config.write_text(json.dumps(TINY))
    open_clip.add_model_config(config)
    torch.manual_seed(0)
    ckpt = folder / "tiny.pt"
    torch.save(open_clip.create_model("ovbench-tiny").state_dict(), ckpt)
    return config, ckpt


def _image(path, width, height, seed):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8)).save(path)


@pytest.fixture(scope="module")
def swig(tmp_path_factory):
    require_module("PIL")
    tmp_path = tmp_path_factory.mktemp("swig")
    ann = tmp_path / "SWiG_jsons"
    ann.mkdir()
    for name in ("dev.json", "imsitu_space.json"):
        shutil.copy(FIXTURES / "adapters" / "swig" / name, ann / name)
    images = tmp_path / "images_512"
    images.mkdir()
    for seed, (name, entry) in enumerate(json.loads((ann / "dev.json").read_text()).items()):
        _image(images / name, entry["width"], entry["height"], seed)
    return ann, images


def _run(run_cli, tiny_model, *args):
    config, ckpt = tiny_model
    return run_cli("baseline", "clip", "--model", "ovbench-tiny", "--model-config", config,
                   "--pretrained", ckpt, "--device", "cpu", "--batch-size", "2", *args)


@pytest.fixture(scope="module")
def gsr_preds(tiny_model, swig, tmp_path_factory):
    from click.testing import CliRunner

    from ovbench.cli import main

    ann, images = swig
    out = tmp_path_factory.mktemp("gsr") / "preds.json"
    config, ckpt = tiny_model
    args = ["baseline", "clip", "--model", "ovbench-tiny", "--model-config", config, "--pretrained", ckpt,
            "--device", "cpu", "--batch-size", "2", "-b", "ov-swig", "--annotations", ann, "--images", images,
            "--split", "dev", "-o", out]
    res = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return out


def test_gsr_end_to_end(run_cli, tiny_model, swig, gsr_preds, tmp_path):
    ann, images = swig
    out = gsr_preds
    data = json.loads(out.read_text())
    space = json.loads((ann / "imsitu_space.json").read_text())
    gold = json.loads((ann / "dev.json").read_text())
    assert set(data["predictions"]) == set(gold)
    for name, entry in data["predictions"].items():
        assert len(entry["verbs"]) == 5 and set(entry["verbs"]) <= set(space["verbs"])
        assert set(entry["frames"]) == set(entry["verbs"]) | {gold[name]["verb"]}
        for verb, frame in entry["frames"].items():
            assert set(frame) == set(space["verbs"][verb]["order"])
            for slot in frame.values():
                assert slot["noun"] in space["nouns"] and slot["box"] is None
    meta = data["meta"]
    assert meta["clip"]["checkpoint_sha256"] == hashlib.sha256(tiny_model[1].read_bytes()).hexdigest()
    assert meta["clip"]["pretrained_kind"] == "checkpoint" and meta["clip"]["model"] == "ovbench-tiny"
    assert {"mean", "std", "size", "interpolation"} <= set(meta["clip"]["preprocess"])
    from importlib.resources import files

    packaged = (files("ovbench.data") / "prompts" / "clip_v1.json").read_bytes()
    assert meta["prompts"]["sha256"] == hashlib.sha256(packaged).hexdigest()
    assert len(meta["prompts"]["resolved_sha256"]) == 64  # incl. open_clip's SIMPLE_IMAGENET_TEMPLATES
    again = tmp_path / "again.json"
    _run(run_cli, tiny_model, "-b", "ov-swig", "--annotations", ann, "--images", images, "--split", "dev", "-o", again)
    assert again.read_bytes() == out.read_bytes()


def test_gsr_baseline_scores(swig, gsr_preds):
    ovswig = importlib.import_module("ovbench.benchmarks.ovswig")
    assert ovswig.score_files(gsr_preds, annotations=swig[0], split="dev")["metrics"]


def test_gsr_boxes_from_detections(run_cli, tiny_model, swig, tmp_path):
    ann, images = swig
    dets = {"rowing_1.jpg": [{"box": [10, 20, 200, 400], "score": 0.9}, {"box": [250, 300, 500, 680], "score": 0.8}]}
    (tmp_path / "dets.json").write_text(json.dumps(dets))
    out = tmp_path / "preds.json"
    res = _run(run_cli, tiny_model, "-b", "ov-swig", "--annotations", ann, "--images", images, "--split", "dev",
               "--detections", tmp_path / "dets.json", "-o", out)
    assert res.exit_code == 0, res.output
    preds = json.loads(out.read_text())["predictions"]
    allowed = [d["box"] for d in dets["rowing_1.jpg"]]
    for verb, frame in preds["rowing_1.jpg"]["frames"].items():
        for role, slot in frame.items():
            assert (slot["box"] is None) if role == "place" else (slot["box"] in allowed)
    assert all(s["box"] is None for f in preds["raining_3.jpg"]["frames"].values() for s in f.values())


@pytest.fixture(scope="module")
def hoi_run(tiny_model, tmp_path_factory):
    from click.testing import CliRunner

    from ovbench.cli import main

    tmp_path = tmp_path_factory.mktemp("hoi")
    full = json.loads(require_shared("data", "hicodet", "instances_test2015.json").read_text())
    keep = [0, 1, full["empty"][0]]
    ann = {k: full[k] for k in ("objects", "verbs", "correspondence", "rare", "non_rare")}
    ann.update({"annotation": [full["annotation"][i] for i in keep], "filenames": [full["filenames"][i] for i in keep],
                "size": [full["size"][i] for i in keep], "empty": [2]})
    (tmp_path / "test.json").write_text(json.dumps(ann))
    images = tmp_path / "images"
    images.mkdir()
    for seed, (name, (w, h)) in enumerate(zip(ann["filenames"], ann["size"])):
        _image(images / name, w, h, seed)
    out = tmp_path / "preds.json"
    config, ckpt = tiny_model
    args = ["baseline", "clip", "--model", "ovbench-tiny", "--model-config", config, "--pretrained", ckpt,
            "--device", "cpu", "--batch-size", "2", "-b", "hico-det", "--annotations", tmp_path / "test.json",
            "--images", images, "-o", out]
    res = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return ann, tmp_path / "test.json", out


def test_hoi_oracle_boxes(hoi_run):
    ann, _, out = hoi_run
    data = json.loads(out.read_text())
    assert data["meta"]["box_frame"] == "gt" and "oracle boxes" in data["meta"]["postprocess"]["pairs"]
    obj_of = {h: o for h, o, _ in ann["correspondence"]}
    for name, entry in zip(ann["filenames"], ann["annotation"]):
        dets = data["predictions"][name]
        humans = {tuple(b) for b in entry["boxes_h"]}
        objects = {(tuple(b), o) for b, o in zip(entry["boxes_o"], entry["object"])}
        n_classes = {o: sum(1 for _, o2, _ in ann["correspondence"] if o2 == o) for _, o in objects}
        want = sum(n_classes[o] for h in humans for b, o in objects if b != h)
        assert len(dets) == want
        for d in dets:
            assert tuple(d["human_box"]) in humans
            assert (tuple(d["object_box"]), obj_of[d["hoi"]]) in objects
            assert 0 < d["score"] <= 1
    assert data["predictions"][ann["filenames"][2]] == []


def test_hoi_baseline_scores(hoi_run):
    hicodet = importlib.import_module("ovbench.benchmarks.hicodet")
    _, ann_path, out = hoi_run
    assert hicodet.score_files(out, annotations=ann_path)["metrics"]


def test_without_the_extra_says_what_to_install(run_cli, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "open_clip", None)
    (tmp_path / "images").mkdir()
    res = run_cli("baseline", "clip", "-b", "hico-det", "--annotations", FIXTURES / "adapters" / "swig" / "dev.json",
                  "--images", tmp_path / "images", "--model", "ViT-B-32", "--pretrained", "laion2b_s34b_b79k")
    assert res.exit_code == 3
    assert 'pip install "ovbench[clip]"' in res.output


def test_unknown_tag_is_an_input_error(run_cli, tiny_model, swig):
    ann, images = swig
    config, _ = tiny_model
    res = run_cli("baseline", "clip", "-b", "ov-swig", "--annotations", ann, "--images", images, "--split", "dev",
                  "--model", "ovbench-tiny", "--model-config", config, "--pretrained", "no_such_tag")
    assert res.exit_code == 3 and "neither a checkpoint file nor an open_clip tag" in res.output
