"""THID / CMD-SE SWIG-HOI adapters on ``preds.pkl`` files written by THID's own evaluator."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from ovbench.adapters import convert
from ovbench.errors import InputError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "swighoi"
ANNO = FIX / "swig_test_1000.json"
GOLDEN = json.loads((FIX / "golden_thid_adapter.json").read_text())


@pytest.mark.parametrize("variant", ["sequential", "shuffled"])
@pytest.mark.parametrize("adapter", ["thid-swig-hoi", "cmd-se-swig-hoi"])
def test_converted_pickle_scores_exactly_as_thid_did(run_cli, tmp_path, variant, adapter):
    """The pickle THID's save_preds wrote, converted and scored under --profile thid, gives the
    per-class APs THID's own accumulate() computed from it, ties included (order preserved)."""
    out = tmp_path / "preds.json"
    res = run_cli("convert", "--from", adapter, FIX / f"thid_preds_{variant}.pkl", "--annotations", ANNO,
                  "-b", "swig-hoi", "-o", out)
    assert res.exit_code == 0, res.output
    meta = json.loads(out.read_text())["meta"]
    assert meta["adapter"] == adapter and meta["box_frame"] == "model"
    assert "consistent with every class's pickle order" in meta["postprocess"]["order"]
    res = run_cli("score", out, "-b", "swig-hoi", "--annotations", ANNO, "--profile", "thid", "-f", "json")
    assert res.exit_code == 0, res.output
    ours = json.loads(res.output)["per_class_ap"]
    golden = GOLDEN[variant]["per_class_ap"]
    evaluated = [i for i, v in enumerate(ours) if v is not None]
    assert len(evaluated) == 5539
    assert all(ours[i] == golden.get(str(i), 0.0) for i in evaluated)


def test_converted_detections_equal_the_native_file():
    """Same detections, same numbers under the stable profile, whatever order the pickle had."""
    from ovbench.benchmarks import swighoi as bench

    native = bench.score_files(FIX / "predictions_ties.json", annotations=ANNO)
    for variant in ("sequential", "shuffled"):
        doc = convert("thid-swig-hoi", str(FIX / f"thid_preds_{variant}.pkl"), annotations=str(ANNO))
        n = sum(len(v) for v in doc["predictions"].values())
        assert n == native["counts"]["detections"]
        from ovbench.annotations.swighoi import load_annotations
        from ovbench.predictions.swighoi import from_arrays

        gt = load_annotations(ANNO)
        idx = gt.image_index()
        rows = [(idx[name], d) for name, dets in doc["predictions"].items() for d in dets]
        det = from_arrays([r[0] for r in rows], [r[1]["hoi"] for r in rows],
                          [r[1]["human_box"] + r[1]["object_box"] for r in rows], [r[1]["score"] for r in rows])
        ours = bench.score_detections(gt, det)
        assert ours["per_class_ap"] == native["per_class_ap"]


def _pickle(tmp_path, obj, name="preds.pkl"):
    p = tmp_path / name
    p.write_bytes(pickle.dumps(obj))
    return p


def _good():
    return {"scores": {5: [0.5]}, "boxes": {5: [[1, 2, 3, 4, 5, 6, 7, 8]]}, "keys": {5: [40000]}}


BAD = {
    "not a dict": [1, 2, 3],
    "missing keys": {"scores": {}},
    "hoi out of range": {"scores": {20000: [0.5]}, "boxes": {20000: [[1] * 8]}, "keys": {20000: [40000]}},
    "float image ids": {**_good(), "keys": {5: [40000.7]}},
    "length mismatch": {**_good(), "scores": {5: [0.5, 0.4]}},
    "short box": {**_good(), "boxes": {5: [[1, 2, 3]]}},
    "unknown image id": {**_good(), "keys": {5: [7]}},
    "nan score": {**_good(), "scores": {5: [float("nan")]}},
    "inverted box": {**_good(), "boxes": {5: [[3, 2, 1, 4, 5, 6, 7, 8]]}},
    "per-class lists not lists": {"scores": {5: 0.5}, "boxes": {5: 1}, "keys": {5: 2}},
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_pickles_exit_3_and_write_nothing(run_cli, tmp_path, case):
    raw = _pickle(tmp_path, BAD[case])
    out = tmp_path / "out.json"
    res = run_cli("convert", "--from", "thid-swig-hoi", raw, "--annotations", ANNO, "-o", out)
    assert res.exit_code == 3, (case, res.output)
    assert str(raw) in res.output and not out.exists()


def test_annotations_are_required(run_cli, tmp_path):
    res = run_cli("convert", "--from", "thid-swig-hoi", _pickle(tmp_path, _good()))
    assert res.exit_code == 3 and "--annotations" in res.output


def test_a_pickle_that_would_run_code_is_refused(tmp_path):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (marker,))

    raw = _pickle(tmp_path, {"scores": Evil(), "boxes": {}, "keys": {}})
    with pytest.raises(InputError):
        convert("thid-swig-hoi", str(raw), annotations=str(ANNO))
    assert not marker.exists()


def test_order_merge_when_the_loader_was_not_sequential():
    from ovbench.adapters.swighoi import _image_order

    # class 1 saw images 2 then 0; class 2 saw 0 then 1: a consistent order is 2, 0, 1
    image = np.array([2, 0, 0, 1])
    hoi = np.array([1, 1, 2, 2])
    rank, how = _image_order(image, hoi, 3)
    assert rank.tolist() == [1, 2, 0] and how.startswith("merged")
    rank, how = _image_order(np.array([1, 0, 0, 1]), hoi, 2)  # contradiction: 1 before 0 and 0 before 1
    assert rank.tolist() == [0, 1] and "contradict" in how
