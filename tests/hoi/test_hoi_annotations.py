"""HICO-DET annotation formats: the real test file converted between formats and back."""

from __future__ import annotations

import json

import orjson
import pytest
from hoi_helpers import FIXTURES, require_shared

from ovbench.annotations.hico import (
    detect_format,
    load_annotations,
    parse_annotations,
    to_format,
    to_fredzzhang,
    to_ppdm,
)
from ovbench.errors import InputError


@pytest.fixture(scope="module")
def real():
    path = require_shared("data", "hicodet", "instances_test2015.json")
    return path, load_annotations(path)


def test_real_test_file(real):
    _, gt = real
    assert gt.n_images == 9658 and len(gt.hoi) == 33405 and gt.source_format == "fredzzhang"
    assert (gt.sizes > 0).all()


@pytest.mark.parametrize("fmt", ["fredzzhang", "ppdm", "cmdse"])
def test_conversions_give_identical_ground_truth(real, tmp_path, fmt):
    _, gt = real
    out = tmp_path / f"{fmt}.json"
    out.write_bytes(orjson.dumps(to_format(gt, fmt)))
    back = load_annotations(out)
    assert back.source_format == fmt and gt.same_pairs(back)
    if fmt != "ppdm":  # PPDM files carry no image size
        assert (back.sizes == gt.sizes).all()
    # and through a second format
    again = parse_annotations(to_ppdm(back, cmdse=True))
    assert gt.same_pairs(again)


def test_fredzzhang_writer_reproduces_the_real_file(real):
    path, gt = real
    original = json.loads(path.read_text())
    assert to_fredzzhang(gt) == original


def test_cmdse_fields(real):
    _, gt = real
    first = to_ppdm(gt, cmdse=True)[0]
    assert first["img_id"] == 1 and (first["width"], first["height"]) == (640, 427)
    assert detect_format([first]) == "cmdse" and detect_format([{k: v for k, v in first.items() if k != "img_id"}]) == "ppdm"


def test_ppdm_train_file_is_shifted_by_one_pixel():
    """PPDM's trainval_hico.json stores official boxes minus 1: the reader adds it back, the
    writer removes it again."""
    raw = json.loads((FIXTURES / "hoi" / "train_tiny_ppdm.json").read_text())
    gt = load_annotations(FIXTURES / "hoi" / "train_tiny_ppdm.json")
    assert gt.boxes_h[0].tolist() == [208, 33, 427, 300]
    assert to_ppdm(gt)[0]["annotations"][0]["bbox"] == raw[0]["annotations"][0]["bbox"]
    assert gt.same_pairs(parse_annotations(to_fredzzhang(gt)))


def _bad(tmp_path, doc):
    path = tmp_path / "anno.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        load_annotations(path)
    return str(info.value)


def test_bad_annotations_name_file_image_and_field(tmp_path):
    base = json.loads((FIXTURES / "hoi" / "train_tiny_ppdm.json").read_text())
    doc = json.loads(json.dumps(base))
    doc[0]["annotations"][1]["bbox"] = [50, 50, 10, 10]
    doc[1]["hoi_annotation"][0]["category_id"] = 1  # 'adjust dog' is not a HICO-DET class
    doc[2]["hoi_annotation"][0]["object_id"] = 9
    msg = _bad(tmp_path, doc)
    assert "anno.json: 3 problems" in msg
    assert "image 'HICO_train2015_00000001.jpg' (index 0), annotations[1]: field 'bbox'" in msg
    assert "image 'HICO_train2015_00000002.jpg' (index 1), hoi_annotation[0]" in msg and "not one of the 600" in msg
    assert "subject_id/object_id must index 'annotations'" in msg
    assert "unrecognised HICO-DET annotation format" in _bad(tmp_path, {"images": []})


def test_bad_fredzzhang_rows(tmp_path):
    gt = load_annotations(FIXTURES / "hoi" / "train_tiny_ppdm.json")
    doc = to_fredzzhang(gt)
    doc["annotation"][0]["hoi"][0] = 600
    doc["annotation"][1]["verb"][0] = 3
    doc["annotation"][3]["boxes_o"][0] = [1, 2, 0, 4]
    msg = _bad(tmp_path, doc)
    assert "3 problems" in msg and "field 'hoi' must be a 0-based id below 600" in msg
    assert "do not match hoi 125" in msg and "field 'boxes_o'" in msg
