"""``ovbench score -b hico-det``: formats, result file, bad predictions, Known-Object labels, demo."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from ovbench.results import load_result

DEMO = Path(str(resources.files("ovbench.data").joinpath("hico_det_demo")))
ANNO = DEMO / "annotations.json"
PREDS = DEMO / "predictions.json"
IMG = "HICO_demo_00000001.jpg"


def score(run_cli, preds, *extra):
    return run_cli("score", preds, "-b", "hico-det", "--annotations", ANNO, *extra)


def test_score_formats_and_result_file(run_cli, tmp_path):
    out = tmp_path / "result.json"
    table = score(run_cli, PREDS, "--setting", "rf-uc", "-o", out)
    assert table.exit_code == 0, table.output
    assert "Known-Object" in table.output and "Unseen" in table.output and "profile official" in table.output
    result = load_result(out)
    assert result["benchmark"]["setting"] == "rf-uc" and len(result["benchmark"]["setting_sha256"]) == 64
    assert len(result["per_class_ap"]) == 600 and len(result["per_class_recall"]) == 600
    assert result["scorer"]["id"] == "hoi-map" and result["method"]["name"] == "noisy-demo-model"
    assert result["counts"]["images_missing"] == 0 and result["counts"]["detections"] == 1800
    m = result["metrics"]["default"]
    assert f"{100 * m['full']:.2f}" in table.output
    as_json = json.loads(score(run_cli, PREDS, "--setting", "rf-uc", "-f", "json").output)
    assert as_json["metrics"] == result["metrics"] and as_json["payload_sha256"] == result["payload_sha256"]
    csv = score(run_cli, PREDS, "-f", "csv").output.splitlines()
    assert csv[0] == "mode,full,rare,non_rare" and csv[1].startswith("default,0.")
    md = score(run_cli, PREDS, "-f", "md", "--profile", "thid-cmdse").output
    assert md.startswith("| mAP (%)") and "520 classes averaged" in md


def test_unseen_seen_only_with_a_setting(run_cli):
    result = json.loads(score(run_cli, PREDS, "-f", "json").output)
    assert set(result["metrics"]["default"]) == {"full", "rare", "non_rare"}
    assert result["benchmark"]["setting"] is None


def test_box_frame_changes_the_number_and_is_recorded(run_cli):
    model = json.loads(score(run_cli, PREDS, "-f", "json").output)
    gt = json.loads(score(run_cli, PREDS, "-f", "json", "--box-frame", "gt").output)
    assert model["scorer"]["options"]["box_frame"] == "model" and gt["scorer"]["options"]["box_frame"] == "gt"
    assert model["metrics"]["default"]["full"] != gt["metrics"]["default"]["full"]


def test_unknown_setting_and_profile_exit_3(run_cli):
    assert score(run_cli, PREDS, "--setting", "rfuc").exit_code == 3
    result = score(run_cli, PREDS, "--profile", "matlab")
    assert result.exit_code == 3 and "available: official, gen-vlkt, thid-cmdse" in result.output


def _write(tmp_path, text):
    path = tmp_path / "preds.json"
    path.write_text(text)
    return path


def _det(**over):
    det = {"human_box": [1, 2, 30, 40], "object_box": [5, 6, 50, 60], "verb": "ride", "object": "bicycle", "score": 0.5}
    det.update(over)
    return det


BAD_CASES = {
    "unknown image": ({"nope.jpg": [_det()]}, ["image 'nope.jpg': not in the annotation file"]),
    "image path": ({"images/" + IMG: [_det()]}, [f"did you mean '{IMG}'?"]),
    "numeric id": ({"1": [_det()]}, ["not numeric image ids"]),
    "unknown verb": ({IMG: [_det(), _det(verb="rdie")]},
                     [f"image '{IMG}', detection 1: field 'verb': unknown verb 'rdie'", "Did you mean 'ride'"]),
    "unknown object": ({IMG: [_det(object="bike")]}, [f"image '{IMG}', detection 0: field 'object': unknown object"]),
    "bad hoi id": ({IMG: [{**_det(), "hoi": 600}]}, ["field 'hoi': expected a 0-based HOI id 0..599, got 600"]),
    "inconsistent pair": ({IMG: [_det(verb="eat")]}, ["('eat', 'bicycle') is not one of the 600 HICO-DET classes"]),
    "hoi disagrees": ({IMG: [{**_det(), "hoi": 0}]}, ["field 'hoi': 0 disagrees with verb/object"]),
    "inverted box": ({IMG: [_det(object_box=[50, 6, 5, 60])]}, [f"image '{IMG}', detection 0: field 'object_box': inverted box"]),
    "missing class": ({IMG: [{"human_box": [1, 2, 3, 4], "object_box": [1, 2, 3, 4], "score": 1}]}, ["missing class"]),
    "string score": ({IMG: [_det(score="high")]}, [f"image '{IMG}', detection 0: field 'score': expected a number"]),
    "short box": ({IMG: [_det(human_box=[1, 2, 3])]}, [f"image '{IMG}', detection 0: field 'human_box': expected [x1, y1, x2, y2]"]),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_predictions_exit_3_and_write_nothing(run_cli, tmp_path, case):
    preds, expected = BAD_CASES[case]
    path = _write(tmp_path, json.dumps({"predictions": preds}))
    out = tmp_path / "result.json"
    result = score(run_cli, path, "-o", out)
    assert result.exit_code == 3
    assert "preds.json" in result.output
    for text in expected:
        assert text in result.output
    assert not out.exists()


def test_non_finite_numbers_are_located(run_cli, tmp_path):
    text = json.dumps({"predictions": {IMG: [_det(), _det(score=float("nan")), _det(human_box=[1, 2, float("inf"), 4])]}})
    result = score(run_cli, _write(tmp_path, text))
    assert result.exit_code == 3 and "2 problems" in result.output
    assert f"image '{IMG}', detection 1: field 'score': expected a finite number, got nan" in result.output
    assert f"image '{IMG}', detection 2: field 'human_box': non-finite coordinate" in result.output
    huge = json.dumps({"predictions": {IMG: [_det(score=1.0)]}}).replace("1.0", "1e999")
    result = score(run_cli, _write(tmp_path, huge))
    assert result.exit_code == 3 and "field 'score'" in result.output


def test_duplicate_image_keys_are_detected(run_cli, tmp_path):
    body = json.dumps([_det()])
    text = '{"predictions": {"%s": %s, "HICO_demo_00000002.jpg": %s, "%s": []}}' % (IMG, body, body, IMG)
    result = score(run_cli, _write(tmp_path, text))
    assert result.exit_code == 3 and f"image '{IMG}': listed more than once" in result.output


def test_truncated_json(run_cli, tmp_path):
    text = json.dumps({"predictions": {IMG: [_det(), _det()]}})[:-25]
    result = score(run_cli, _write(tmp_path, text))
    assert result.exit_code == 3 and "not valid JSON" in result.output and "truncated" in result.output


def test_problems_are_collected_up_to_20(run_cli, tmp_path):
    result = score(run_cli, _write(tmp_path, json.dumps({"predictions": {IMG: [_det(verb="zzz")] * 30}})))
    assert "30 problems" in result.output and "... and 10 more" in result.output


def test_hoi_ids_instead_of_names_give_the_same_result(run_cli, tmp_path):
    from ovbench.splits.hico import vocabulary

    vocab = vocabulary()
    doc = json.loads(PREDS.read_text())
    for dets in doc["predictions"].values():
        for d in dets:
            d["hoi"] = int(vocab.pair_to_hoi[vocab.verb_index[d.pop("verb")], vocab.object_index[d.pop("object")]])
    names = json.loads(score(run_cli, PREDS, "-f", "json").output)
    ids = json.loads(score(run_cli, _write(tmp_path, json.dumps(doc)), "-f", "json").output)
    assert ids["metrics"] == names["metrics"] and ids["per_class_ap"] == names["per_class_ap"]


def test_ko_labels_json_and_mat(run_cli, tmp_path):
    from scipy.io import savemat

    from ovbench.annotations.hico import load_annotations

    gt = load_annotations(ANNO)
    positives = {}
    for i, h in zip(gt.pair_image.tolist(), gt.hoi.tolist()):
        positives.setdefault(gt.filenames[i], []).append(h)
    labels = tmp_path / "ko.json"
    labels.write_text(json.dumps(positives))
    derived = json.loads(score(run_cli, PREDS, "-f", "json").output)
    from_json = json.loads(score(run_cli, PREDS, "-f", "json", "--ko-labels", labels).output)
    assert from_json["metrics"] == derived["metrics"]
    assert from_json["scorer"]["options"]["ko_source"].startswith("hico-image-labels:json sha256=")
    anno = np.full((600, gt.n_images), np.nan)
    anno[gt.hoi, gt.pair_image] = 1
    anno[:, 0] = 1  # image 0 labelled positive for everything: Known-Object keeps all its detections
    mat = tmp_path / "anno.mat"
    names = np.empty((gt.n_images, 1), dtype=object)
    names[:, 0] = list(gt.filenames)
    savemat(mat, {"anno_test": anno, "list_test": names})
    from_mat = json.loads(score(run_cli, PREDS, "-f", "json", "--ko-labels", mat).output)
    assert from_mat["scorer"]["options"]["ko_source"].startswith("hico-image-labels:anno.mat")
    assert from_mat["metrics"]["default"] == derived["metrics"]["default"]
    assert (from_mat["counts"]["known_object"]["dropped_by_known_object"]
            < derived["counts"]["known_object"]["dropped_by_known_object"])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"x.jpg": [1]}))
    assert score(run_cli, PREDS, "--ko-labels", bad).exit_code == 3


def test_demo_section(tmp_path):
    from ovbench.benchmarks.hicodet import run_demo

    text = run_demo(tmp_path)
    assert "rf-uc" in text and "Known-Object" in text and (tmp_path / "result.json").exists()
    assert load_result(tmp_path / "result.json")["counts"]["gt_pairs"] == 750


def test_demo_data_is_reproduced_by_its_generator(tmp_path):
    import subprocess
    import sys

    repo = DEMO.parents[2]
    subprocess.run([sys.executable, str(repo / "scripts" / "make_hicodet_demo.py"), "--out", str(tmp_path)], check=True)
    for name in ("annotations.json", "predictions.json", "README.md"):
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), name
    assert sum((DEMO / n).stat().st_size for n in ("annotations.json", "predictions.json")) < 400_000


def test_golden_numbers_of_the_demo():
    """Pinned numbers of scorer hoi-map@1; a change here needs a new scorer version."""
    from ovbench.benchmarks.hicodet import score_files

    golden = json.loads((DEMO.parents[2] / "tests" / "fixtures" / "hoi" / "golden_demo_hoi-map@1.json").read_text())
    for key, expected in golden["metrics"].items():
        profile, frame = key.split("/")
        got = score_files(PREDS, annotations=ANNO, setting="rf-uc", profile=profile, box_frame=frame)["metrics"]
        for mode in expected:
            for name, value in expected[mode].items():
                assert got[mode][name] == pytest.approx(value, abs=1e-12), (key, mode, name)


def _with_meta(tmp_path, **meta):
    doc = json.loads(PREDS.read_text())
    doc["meta"] = {**doc.get("meta", {}), **meta}
    path = tmp_path / "preds.json"
    path.write_text(json.dumps(doc))
    return path


def test_box_frame_defaults_to_the_predictions_meta(run_cli, tmp_path):
    """Adapters record meta.box_frame; without --box-frame the scorer follows it."""
    gt_file = _with_meta(tmp_path, box_frame="gt")
    from_meta = json.loads(score(run_cli, gt_file, "-f", "json").output)
    explicit = json.loads(score(run_cli, PREDS, "-f", "json", "--box-frame", "gt").output)
    assert from_meta["scorer"]["options"]["box_frame"] == "gt"
    assert from_meta["metrics"] == explicit["metrics"]
    same = score(run_cli, gt_file, "-f", "json", "--box-frame", "gt")
    assert same.exit_code == 0


def test_box_frame_option_contradicting_meta_is_an_error(run_cli, tmp_path):
    out = tmp_path / "result.json"
    result = score(run_cli, _with_meta(tmp_path, box_frame="gt"), "--box-frame", "model", "-o", out)
    assert result.exit_code == 3 and "contradicts" in result.output and "meta.box_frame is 'gt'" in result.output
    assert not out.exists()
    bad = score(run_cli, _with_meta(tmp_path, box_frame="pixels"))
    assert bad.exit_code == 3 and "meta.box_frame" in bad.output


def test_nms_option_is_applied_and_recorded(run_cli):
    plain = json.loads(score(run_cli, PREDS, "-f", "json", "--profile", "gen-vlkt").output)
    nms = json.loads(score(run_cli, PREDS, "-f", "json", "--profile", "gen-vlkt", "--nms", "gen-vlkt-triplet").output)
    assert plain["scorer"]["options"]["nms"] is None
    assert nms["scorer"]["options"]["nms"] == "gen-vlkt-triplet"
    ovswig = run_cli("score", PREDS, "-b", "ov-swig", "--annotations", ANNO, "--split", "test", "--nms", "gen-vlkt-triplet")
    assert ovswig.exit_code == 2 and "--nms does not apply" in ovswig.output
