"""QPIC/CDN/GEN-VLKT ``generate_vcoco_official.py`` pickle -> V-COCO predictions.

tests/fixtures/adapters/qpicvcoco/detections.pkl was written by QPIC's own ``generate()`` and
``pickle.dump(..., protocol=2)`` (see make_qpic_pkl.py there for commit and inputs).
"""

from __future__ import annotations

import math
import pickle

import pytest

from conftest import FIXTURES
from ovbench.adapters import convert
from ovbench.adapters.vcocoofficial import AGENT_KEYS, KEYS, ROLE_KEYS
from ovbench.errors import InputError

PKL = FIXTURES / "adapters" / "qpicvcoco" / "detections.pkl"


def _upstream():
    with open(PKL, "rb") as f:  # our own committed fixture, written by upstream code: trusted here
        return pickle.load(f)


def test_equals_upstream_values():
    raw = _upstream()
    out = convert("qpic-vcoco", PKL)
    preds = out["predictions"]
    assert len(preds) == len(raw) == 12
    n_null = 0
    for p, r in zip(preds, raw):
        assert set(p) == set(r) == KEYS
        assert p["image_id"] == r["image_id"] and p["person_box"] == r["person_box"]
        for k in AGENT_KEYS:
            assert p[k] == r[k]
        for k in ROLE_KEYS:
            assert p[k][4] == r[k][4]
            if math.isnan(r[k][0]):
                assert p[k][:4] == [None] * 4
                n_null += 1
            else:
                assert p[k][:4] == r[k][:4]
    assert n_null == 75  # 3 pairs whose object query is the "missing object" class
    assert out["meta"]["box_frame"] == "model" and out["meta"]["counts"]["role_boxes_missing"] == 75


def _write(tmp_path, dets):
    p = tmp_path / "d.pkl"
    p.write_bytes(pickle.dumps(dets, protocol=2))
    return p


def test_bad_input_names_file_image_field(tmp_path, run_cli):
    trunc = tmp_path / "t.pkl"
    trunc.write_bytes(PKL.read_bytes()[:500])
    with pytest.raises(InputError, match="t.pkl: not a readable"):
        convert("qpic-vcoco", trunc)
    dets = _upstream()
    dets[1].pop("hold_obj")
    dets[1]["hodl_obj"] = [0, 0, 1, 1, 0.5]
    dets[2]["ride_agent"] = float("nan")
    dets[3]["sit_instr"] = [1.0, 2.0, 3.0, 0.4]
    dets[4]["person_box"] = [1.0, 2.0, 3.0]
    path = _write(tmp_path, dets)
    with pytest.raises(InputError) as exc:
        convert("qpic-vcoco", path)
    msg = str(exc.value)
    for part in ("d.pkl", "detection 1: unknown field(s) ['hodl_obj']", "'ride_agent': expected a finite score",
                 "'sit_instr': expected [x1, y1, x2, y2, score]", "'person_box': expected 4 finite numbers",
                 f"image {dets[2]['image_id']!r}"):
        assert part in msg, msg
    res = run_cli("convert", "--from", "qpic-vcoco", path, "-o", tmp_path / "o.json")
    assert res.exit_code == 3 and not (tmp_path / "o.json").exists()
    evil = tmp_path / "e.pkl"
    evil.write_bytes(b"cos\nsystem\n(S'true'\ntR.")
    with pytest.raises(InputError, match="os.system"):
        convert("qpic-vcoco", evil)


UPT = FIXTURES / "adapters" / "uptvcoco"


def test_upt_cache_equals_upstream_decode_with_fillers():
    import json

    out = convert("upt-vcoco", UPT / "cache.pkl")
    preds = out["predictions"]
    decode = json.loads((UPT / "decode.json").read_text())
    assert len(preds) == len(decode) == 15
    for p, d in zip(preds, decode):
        assert set(p) == KEYS and p["image_id"] == d["image_id"]
        assert p["person_box"] == pytest.approx(d["person_box"], rel=1e-6)
        action = d["key"].split("_")[0] if not d["key"].startswith(("talk", "work")) else d["key"].rsplit("_", 1)[0]
        assert p[d["key"]] == pytest.approx(d["object_box"] + [d["score"]], rel=1e-6)
        assert p[f"{action}_agent"] == pytest.approx(d["score"], rel=1e-6)
        for k in AGENT_KEYS:
            if k != f"{action}_agent":
                assert p[k] == 0.0
        for k in ROLE_KEYS:
            if k != d["key"]:
                assert p[k] == [0.0, 0.0, 0.1, 0.1, 0.0]
    fill = out["meta"]["postprocess"]["cache_template_fillers"]
    assert fill["agent_entries"] == 15 * 25 and fill["role_entries"] == 15 * 24 and fill["class_module"] == ["utils"]


def test_upt_cache_bad_input(tmp_path):
    data = (UPT / "cache.pkl").read_bytes()
    trunc = tmp_path / "cache.pkl"
    trunc.write_bytes(data[:300])
    with pytest.raises(InputError, match=r"cache.pkl: not a readable"):
        convert("upt-vcoco", trunc)
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(data.replace(b"cutils\nCacheTemplate\n", b"cos\nsystem\n"))
    with pytest.raises(InputError, match=r"evil.pkl: .*os.system"):
        convert("upt-vcoco", evil)


def test_conversions_score_identically_to_native(tmp_path):
    """Converted files and the same detections written natively (from upstream's decode) give the
    same V-COCO result; the fixtures' COCO ids are moved onto three real val images."""
    import json

    from conftest import require_shared

    vcoco = pytest.importorskip("ovbench.benchmarks.vcoco")
    ann = require_shared("data", "vcoco", "val-complete")
    ids = {36: 165, 42: 436, 73: 625}
    native_q = []
    for r in _upstream():
        d = {"image_id": ids[r["image_id"]], "person_box": r["person_box"]}
        d.update({k: r[k] for k in AGENT_KEYS})
        d.update({k: ([None] * 4 if math.isnan(r[k][0]) else r[k][:4]) + [r[k][4]] for k in ROLE_KEYS})
        native_q.append(d)
    native_u = []
    for r in json.loads((UPT / "decode.json").read_text()):
        action = r["key"].rsplit("_", 1)[0]
        d = {"image_id": ids[r["image_id"]], "person_box": r["person_box"]}
        d.update({k: 0.0 for k in AGENT_KEYS})
        d.update({k: [0.0, 0.0, 0.1, 0.1, 0.0] for k in ROLE_KEYS})
        d[f"{action}_agent"] = r["score"]
        d[r["key"]] = r["object_box"] + [r["score"]]
        native_u.append(d)
    for name, raw, native in (("qpic-vcoco", PKL, native_q), ("upt-vcoco", UPT / "cache.pkl", native_u)):
        conv = convert(name, raw)
        for d in conv["predictions"]:
            d["image_id"] = ids[d["image_id"]]
        a, b = tmp_path / f"{name}.json", tmp_path / f"{name}-native.json"
        a.write_text(json.dumps(conv))
        b.write_text(json.dumps({"predictions": native, "meta": {"box_frame": "model"}}))
        ra = vcoco.score_files(a, annotations=ann, split="val")
        rb = vcoco.score_files(b, annotations=ann, split="val")
        assert ra["metrics"] == rb["metrics"] and ra["per_entry_ap"] == rb["per_entry_ap"], name
        assert ra["counts"] == rb["counts"]
