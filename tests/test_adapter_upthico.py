"""UPT/PViC ``cache_hico`` .mat caches -> HICO-DET predictions.

The fixture (tests/fixtures/adapters/upthico, see its README) was written by running
fredzzhang/upt ``utils.CustomisedDLE.cache_hico`` itself on seeded network outputs;
``decode.json`` holds those outputs rescaled to the original images (before upstream's -1).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import scipy.io as sio

from conftest import FIXTURES
from ovbench.adapters import convert
from ovbench.errors import InputError, SpecError

HERE = FIXTURES / "adapters" / "upthico"
MAT, ANN = HERE / "mat", HERE / "annotations.json"


def _rows(preds):
    return sorted((img, d["hoi"], tuple(d["human_box"]), tuple(d["object_box"]), d["score"])
                  for img, dets in preds.items() for d in dets)


def test_equals_upstream_decode():
    out = convert("upt-hico", MAT, annotations=ANN)
    decode = json.loads((HERE / "decode.json").read_text())
    got = _rows(out["predictions"])
    want = sorted((d["image"], d["hoi"], tuple(d["human_box"]), tuple(d["object_box"]), d["score"]) for d in decode)
    assert len(got) == len(want) == 35
    for g, w in zip(got, want):
        assert g[:2] == w[:2] and g[4] == pytest.approx(w[4], abs=0, rel=1e-7)
        np.testing.assert_allclose(g[2] + g[3], w[2] + w[3], atol=1e-4, rtol=0)  # float32 x2-1+1
    assert out["meta"]["box_frame"] == "model" and out["meta"]["postprocess"]["mat_offset"] == "undo"
    assert {k for k, v in out["predictions"].items() if v} == {"HICO_test2015_00000001.jpg", "HICO_test2015_00000002.jpg",
                                       "HICO_test2015_00000003.jpg", "HICO_test2015_00000008.jpg",
                                       "HICO_test2015_00000013.jpg"}  # the empty image gets nothing


def test_keep_offset_is_the_matlab_values():
    undo = _rows(convert("upt-hico", MAT, annotations=ANN)["predictions"])
    keep = _rows(convert("upt-hico", MAT, annotations=ANN, mat_offset="keep")["predictions"])
    for u, k in zip(undo, keep):
        np.testing.assert_allclose(np.subtract(u[2] + u[3], k[2] + k[3]), [0, 0, 1, 1, 0, 0, 1, 1], atol=1e-4)


def test_scores_identically_to_native(tmp_path):
    hicodet = pytest.importorskip("ovbench.benchmarks.hicodet")
    conv = tmp_path / "conv.json"
    from ovbench.adapters import convert_json

    conv.write_bytes(convert_json("upt-hico", MAT, annotations=ANN))
    native = {}
    for d in json.loads((HERE / "decode.json").read_text()):
        native.setdefault(d["image"], []).append({k: d[k] for k in ("hoi", "human_box", "object_box", "score")})
    nat = tmp_path / "native.json"
    nat.write_text(json.dumps({"predictions": native, "meta": {"box_frame": "model"}}))
    a = hicodet.score_files(conv, annotations=ANN)
    b = hicodet.score_files(nat, annotations=ANN)
    assert a["metrics"] == b["metrics"]
    assert a["per_class_ap"] == b["per_class_ap"]
    assert a["metrics"]["default"]["full"] > 0  # the fixture GT is matched


def test_bad_inputs_exit_3(tmp_path, run_cli):
    bad = tmp_path / "mat"
    shutil.copytree(MAT, bad)
    (bad / "detections_07.mat").unlink()
    with pytest.raises(InputError, match="detections_07.mat"):
        convert("upt-hico", bad, annotations=ANN)
    shutil.copy(MAT / "detections_07.mat", bad)
    (bad / "detections_07.mat").write_bytes((MAT / "detections_07.mat").read_bytes()[:200])
    with pytest.raises(InputError, match="detections_07.mat: not a readable"):
        convert("upt-hico", bad, annotations=ANN)
    cells = sio.loadmat(str(MAT / "detections_01.mat"))["all_boxes"]
    cells[0, 0] = np.zeros((1, 8), dtype=np.float32)  # wrong box length
    sio.savemat(str(bad / "detections_07.mat"), {"all_boxes": sio.loadmat(str(MAT / "detections_07.mat"))["all_boxes"]})
    sio.savemat(str(bad / "detections_01.mat"), {"all_boxes": cells})
    with pytest.raises(InputError, match=r"detections_01.mat: image 'HICO_test2015_00000001.jpg', HOI 0: field 'all_boxes'"):
        convert("upt-hico", bad, annotations=ANN)
    cells = sio.loadmat(str(MAT / "detections_01.mat"))["all_boxes"]
    cells[0, 0][0, 8] = np.nan  # NaN score
    sio.savemat(str(bad / "detections_01.mat"), {"all_boxes": cells})
    res = run_cli("convert", "--from", "upt-hico", bad, "--annotations", ANN, "-o", tmp_path / "o.json")
    assert res.exit_code == 3 and "HICO_test2015_00000001.jpg" in res.output and "score" in res.output
    assert not (tmp_path / "o.json").exists()
    sio.savemat(str(bad / "detections_01.mat"), {"other": cells})
    with pytest.raises(InputError, match="no 'all_boxes'"):
        convert("upt-hico", bad, annotations=ANN)
    with pytest.raises(SpecError, match="--annotations"):
        convert("upt-hico", MAT)


def test_wrong_annotation_list_is_refused(tmp_path):
    doc = json.loads(ANN.read_text())
    for k in ("filenames", "annotation", "size"):
        doc[k] = doc[k][:-1]
    doc["empty"] = []
    short = tmp_path / "ann.json"
    short.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=r"expected a \d+ x 5 cell array"):
        convert("upt-hico", MAT, annotations=short)
