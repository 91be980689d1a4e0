"""``ovbench score -b swig-hoi``: formats, result file, coverage, profiles and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "swighoi"
ANNO = FIX / "swig_test_1000.json"
PREDS = FIX / "predictions_plain.json"


def score(run_cli, preds, *extra, annotations=ANNO):
    return run_cli("score", preds, "-b", "swig-hoi", "--annotations", annotations, *extra)


def test_table_md_csv_json_and_result_file(run_cli, tmp_path):
    out = tmp_path / "r.json"
    res = score(run_cli, PREDS, "-o", out)
    assert res.exit_code == 0, res.output
    assert "Zero-shot" in res.output and "Non-rare" in res.output and "profile ovbench" in res.output
    result = json.loads(out.read_text())
    assert result["benchmark"]["name"] == "swig-hoi" and result["scorer"]["id"] == "swig-hoi-ap"
    assert len(result["per_class_ap"]) == 14130
    assert set(result["metrics"]) == {"full", "zero_shot", "rare", "non_rare"}
    md = score(run_cli, PREDS, "-f", "md")
    assert md.output.startswith("| SWIG-HOI")
    csv = score(run_cli, PREDS, "-f", "csv")
    assert csv.output.splitlines()[0] == "benchmark,zero_shot,rare,non_rare,full"
    js = score(run_cli, PREDS, "-f", "json")
    assert json.loads(js.output)["payload_sha256"] == result["payload_sha256"]


def test_annotation_folder_and_split(run_cli, tmp_path):
    (tmp_path / "swig_val_1000.json").write_bytes(ANNO.read_bytes())
    res = score(run_cli, PREDS, "--split", "val", "-f", "json", annotations=tmp_path)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["benchmark"]["split"] == "val"
    res = score(run_cli, PREDS, annotations=tmp_path)  # default test: not in the folder
    assert res.exit_code == 3 and "swig_test_1000.json" in res.output


def test_profile_thid_is_recorded_and_unknown_profile_exit_3(run_cli):
    res = score(run_cli, FIX / "predictions_ties.json", "--profile", "thid", "-f", "json")
    assert json.loads(res.output)["scorer"]["profile"] == "thid"
    res = score(run_cli, PREDS, "--profile", "official")
    assert res.exit_code == 3 and "ovbench, thid" in res.output


def test_options_of_other_benchmarks_are_usage_errors(run_cli):
    res = score(run_cli, PREDS, "--setting", "rf-uc")
    assert res.exit_code == 2 and "does not apply" in res.output


def test_missing_images_are_counted_and_noted(run_cli, tmp_path):
    doc = json.loads(PREDS.read_text())
    names = list(doc["predictions"])
    for name in names[:7]:
        del doc["predictions"][name]
    part = tmp_path / "part.json"
    part.write_text(json.dumps(doc))
    res = score(run_cli, part, "-f", "json")
    result = json.loads(res.output)
    full = json.loads(score(run_cli, PREDS, "-f", "json").output)
    assert result["counts"]["images_missing"] == full["counts"]["images_missing"] + 7
    table = score(run_cli, part)
    assert "have no predictions" in table.output


def test_empty_predictions_score_zero(run_cli, tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text('{"predictions": {}}')
    res = score(run_cli, empty, "-f", "json")
    result = json.loads(res.output)
    assert result["metrics"]["full"] == 0.0 and result["counts"]["images_with_predictions"] == 0


def _det(**over):
    det = {"human_box": [1, 2, 30, 40], "object_box": [5, 6, 50, 60], "hoi": 8123, "score": 0.5}
    det.update(over)
    return det


def _first_image():
    return json.loads(ANNO.read_text())[0]["file_name"]


BAD = {
    "unknown image": lambda img: {"predictions": {"nope.jpg": [_det()]}},
    "hoi out of range": lambda img: {"predictions": {img: [_det(hoi=14130)]}},
    "negative hoi": lambda img: {"predictions": {img: [_det(hoi=-1)]}},
    "hoi not an integer": lambda img: {"predictions": {img: [_det(hoi="ride horse")]}},
    "huge hoi": lambda img: {"predictions": {img: [_det(hoi=10 ** 30)]}},
    "inverted box": lambda img: {"predictions": {img: [_det(object_box=[50, 6, 5, 60])]}},
    "short box": lambda img: {"predictions": {img: [_det(human_box=[1, 2, 3])]}},
    "score missing": lambda img: {"predictions": {img: [{k: v for k, v in _det().items() if k != "score"}]}},
    "detections not a list": lambda img: {"predictions": {img: {"hoi": 1}}},
    "predictions a list": lambda img: {"predictions": [_det()]},
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_predictions_exit_3_name_the_place_and_write_nothing(run_cli, tmp_path, case):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(BAD[case](_first_image())))
    out = tmp_path / "out.json"
    res = score(run_cli, bad, "-o", out)
    assert res.exit_code == 3, res.output
    assert str(bad) in res.output and "Traceback" not in res.output
    assert not out.exists()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1e400"])
def test_non_finite_numbers_are_located(run_cli, tmp_path, literal):
    img = _first_image()
    text = json.dumps({"predictions": {img: [_det(), _det(score=0.25)]}}).replace("0.25", literal)
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    res = score(run_cli, bad)
    assert res.exit_code == 3
    assert img in res.output and "detection 1" in res.output and "score" in res.output


def test_truncated_and_duplicate_keys(run_cli, tmp_path):
    img = _first_image()
    text = json.dumps({"predictions": {img: [_det()]}})
    bad = tmp_path / "trunc.json"
    bad.write_text(text[:-5])
    res = score(run_cli, bad)
    assert res.exit_code == 3 and "truncated" in res.output
    dup = tmp_path / "dup.json"
    dup.write_text('{"predictions": {"%s": [%s], "%s": [%s]}}' % (img, json.dumps(_det()), img, json.dumps(_det())))
    res = score(run_cli, dup)
    assert res.exit_code == 3 and "more than once" in res.output


def test_hico_det_predictions_get_a_hint(run_cli, tmp_path):
    img = _first_image()
    det = {"human_box": [1, 2, 30, 40], "object_box": [5, 6, 50, 60], "verb": "ride", "object": "horse", "score": 0.5}
    bad = tmp_path / "hico.json"
    bad.write_text(json.dumps({"predictions": {img: [det]}}))
    res = score(run_cli, bad)
    assert res.exit_code == 3 and "-b hico-det" in res.output


BAD_ANNO = {
    "not a list": {"images": []},
    "pair not an interaction": "pair",
    "box out of range index": "index",
    "bad bbox": "bbox",
    "duplicate img_id": "dup",
}


@pytest.mark.parametrize("case", sorted(BAD_ANNO))
def test_bad_annotations_exit_3(run_cli, tmp_path, case):
    doc = json.loads(ANNO.read_text())[:3]
    if case == "not a list":
        doc = BAD_ANNO[case]
    elif case == "pair not an interaction":
        doc[0]["hoi_annotations"][0]["action_id"] = 0
        doc[0]["box_annotations"][doc[0]["hoi_annotations"][0]["object_id"]]["category_id"] = 999
    elif case == "box out of range index":
        doc[0]["hoi_annotations"][0]["object_id"] = 99
    elif case == "bad bbox":
        doc[1]["box_annotations"][0]["bbox"] = [1, 2, "x", 4]
    elif case == "duplicate img_id":
        doc[1]["img_id"] = doc[0]["img_id"]
    anno = tmp_path / "swig_test_1000.json"
    anno.write_text(json.dumps(doc))
    res = score(run_cli, PREDS, annotations=anno)
    assert res.exit_code == 3, res.output
    assert str(anno) in res.output and "Traceback" not in res.output


def test_demo_section_runs_and_is_reproducible(tmp_path):
    from ovbench.benchmarks.swighoi import run_demo

    text = run_demo(tmp_path)
    assert "SWIG-HOI" in text and (tmp_path / "result.json").exists()
    assert run_demo(tmp_path / "again") == text.replace(str(tmp_path), str(tmp_path / "again"))
