"""Golden tests against fixtures written by the upstream code itself (see
``tests/fixtures/adapters/provenance/`` and each fixture folder's README): the converted boxes,
nouns and verbs equal what the upstream code decodes from the same outputs."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from conftest import FIXTURES, require_shared
from ovbench.adapters import convert, get_adapter

RAW = FIXTURES / "adapters"
# Per-adapter tolerance, in original-image pixels: upstream decodes in float32, ovbench in float64.
BOX_ATOL = {"gsrtr": 1e-3, "coformer": 1e-3}


@pytest.fixture
def vocab(tmp_path):
    folder = tmp_path / "SWiG_jsons"
    folder.mkdir()
    for name in ("verb_indices.txt", "train_classes.csv", "role_indices.txt"):
        shutil.copy(require_shared("data", "swig", name), folder / name)
    shutil.copy(RAW / "swig" / "imsitu_space.json", folder / "imsitu_space.json")
    return folder


def _check_against_upstream(name, preds, decoded):
    atol = BOX_ATOL[name]
    assert set(preds) == set(decoded["images"])
    n_boxes = n_null = n_dropped = 0
    for image, up in decoded["images"].items():
        got = preds[image]
        assert got["verbs"] == up["verbs"], image
        assert set(got["frames"]) == set(up["frames"]), image
        for verb, roles in up["frames"].items():
            frame = got["frames"][verb]
            for r in roles:
                if r["noun"] in ("oov", "Pad"):
                    assert r["role"] not in frame, (image, verb, r["role"])
                    n_dropped += 1
                    continue
                slot = frame[r["role"]]
                assert slot["noun"] == ("" if r["noun"] == "blank" else r["noun"]), (image, verb, r["role"])
                if r["conf"] < 0:  # the upstream's "no box" (accuracy_swig_bbox: logit < 0)
                    assert slot["box"] is None, (image, verb, r["role"])
                    n_null += 1
                else:
                    np.testing.assert_allclose(slot["box"], r["box"], rtol=0, atol=atol,
                                               err_msg=f"{image} {verb} {r['role']}")
                    n_boxes += 1
    # The fixture exercises boxes, null boxes and dropped special nouns.
    assert n_boxes > 20 and n_null > 10 and n_dropped >= 1


@pytest.mark.parametrize("source", ["letterbox arrays", "annotation sizes"])
def test_coformer_boxes_equal_coformer_decoding(source, vocab, tmp_path):
    """CoFormer's fixture (jhcho99/CoFormer: 512 / 700 / canvas 700), same procedure as GSRTR's."""
    _check_fixture("coformer", "coformer_up", source, vocab, tmp_path)


def _check_fixture(name, folder, source, vocab, tmp_path):
    decoded = json.loads((RAW / folder / "upstream_decoded.json").read_text())
    with np.load(RAW / folder / "outputs.npz") as z:
        arrays = {k: z[k] for k in z.files}
    if source == "annotation sizes":
        for key in ("width", "height", "shift_0", "shift_1", "scale"):
            del arrays[key]
        ann = tmp_path / "ann"
        ann.mkdir()
        shutil.copy(RAW / folder / "dev.json", ann / "dev.json")
        out = convert(name, arrays, vocab=vocab, annotations=ann, split="dev")
    else:
        out = convert(name, arrays, vocab=vocab)
    _check_against_upstream(name, out["predictions"], decoded)


@pytest.mark.parametrize("source", ["letterbox arrays", "annotation sizes"])
def test_gsrtr_boxes_equal_gsrtr_decoding(source, vocab, tmp_path):
    """GSRTR's fixture: its own Resizer/collater targets and its own swig_box_cxcywh_to_xyxy +
    accuracy_swig_bbox decoding. With the letterbox arrays of the collater, and recomputed from
    the original image sizes (the 300 / 400 / canvas 400 geometry of its datasets/swig.py)."""
    decoded = json.loads((RAW / "gsrtr" / "upstream_decoded.json").read_text())
    with np.load(RAW / "gsrtr" / "outputs.npz") as z:
        arrays = {k: z[k] for k in z.files}
    if source == "annotation sizes":
        for key in ("width", "height", "shift_0", "shift_1", "scale"):
            del arrays[key]
        ann = tmp_path / "ann"
        ann.mkdir()
        shutil.copy(RAW / "gsrtr" / "dev.json", ann / "dev.json")
        out = convert("gsrtr", arrays, vocab=vocab, annotations=ann, split="dev")
    else:
        out = convert("gsrtr", arrays, vocab=vocab)
    _check_against_upstream("gsrtr", out["predictions"], decoded)


def test_gsrtr_geometry_is_its_dataset_code():
    """jhcho99/GSRTR datasets/swig.py: Resizer(min_side=300, max_side=400), collater pads to 400."""
    v = get_adapter("gsrtr").variant
    assert (v["min_side"], v["max_side"], v["canvas"]) == (300, 400, 400)
    decoded = json.loads((RAW / "gsrtr" / "upstream_decoded.json").read_text())
    for up in decoded["images"].values():
        assert up["target"]["max_width"] == up["target"]["max_height"] == v["canvas"]


def test_gsrtr_512_square_image_box():
    """The issue's example: a 512 x 512 image (scale 300/512, shifts 50) and the raw box that GSRTR
    decodes to about [187.7, 119.5, 324.3, 392.5]; the old 512/700/700 geometry gave
    [392.5, 273.1, 512, 512]."""
    from ovbench.adapters.coformer import letterbox, undo_letterbox

    v = get_adapter("gsrtr").variant
    lb = letterbox([512], [512], min_side=v["min_side"], max_side=v["max_side"], canvas=v["canvas"])
    want = np.array([187.7, 119.5, 324.3, 392.5])
    s = 300 / 512
    x1, y1, x2, y2 = want * s + 50  # canvas pixels
    raw = np.array([[(x1 + x2) / 2 / 400, (y1 + y2) / 2 / 400, (x2 - x1) / 400, (y2 - y1) / 400]])
    np.testing.assert_allclose(undo_letterbox(raw, lb, v["canvas"])[0], want, atol=1e-9)


def test_docs_table_is_generated_from_the_registry():
    """docs/adapters.md's adapter table is ovbench.adapters.docs_table() (geometry, index orders
    and what the user passes come from the registry). Regenerate with OVBENCH_UPDATE_GOLDENS=1."""
    import os
    from pathlib import Path

    from ovbench.adapters import docs_table

    path = Path(__file__).resolve().parents[1] / "docs" / "adapters.md"
    text = path.read_text()
    begin = "<!-- adapters-table: generated from the registry by ovbench.adapters.docs_table(); " \
            "tests/test_adapters_upstream.py checks it -->\n"
    end = "<!-- /adapters-table -->\n"
    assert begin in text and end in text, "docs/adapters.md lost its generated-table markers"
    head, rest = text.split(begin, 1)
    current, tail = rest.split(end, 1)
    if os.environ.get("OVBENCH_UPDATE_GOLDENS") == "1":
        path.write_text(head + begin + docs_table() + end + tail)
        current = docs_table()
    assert current == docs_table(), "docs/adapters.md table differs from the registry; regenerate it"


def test_float32_shortest_matches_numpy_repr():
    from ovbench.adapters.genvlkt import float32_shortest

    rng = np.random.default_rng(0)
    vals = np.concatenate([rng.uniform(0, 1000, 20000), rng.uniform(0, 1, 20000), 10.0 ** rng.uniform(-8, 8, 5000),
                           [0.0, -0.0, 0.9, 0.1, 1e-45, 3.4e38, np.inf, -np.inf]]).astype(np.float32)
    got = float32_shortest(vals)
    assert (got.astype(np.float32) == vals).all()
    want = np.array([float(str(v)) for v in vals])
    normal = np.abs(vals) > 1e-30  # below, 10**d is inexact: still a round-trip, maybe a digit longer
    assert np.array_equal(got[normal], want[normal])


@pytest.mark.parametrize("name", ["gen-vlkt", "hoiclip"])
def test_genvlkt_memory_and_dump_give_the_same_bytes(name, tmp_path):
    """evaluator.preds (numpy float32 numbers) and the results.json dump the evaluator writes
    (json.dump of str({'preds', 'gts'})) convert to byte-identical files."""
    from ovbench.adapters import convert_json

    rng = np.random.default_rng(1)
    preds = []
    for i in range(4):
        # sorted: x1 <= y1 <= x2 <= y2, a valid xyxy box
        boxes = [{"bbox": np.sort(rng.uniform(0, 600, 4)).astype(np.float32), "category_id": np.int64(1)}
                 for _ in range(4)]
        hois = [{"subject_id": np.int64(0), "object_id": np.int64(j % 3 + 1), "category_id": np.int64(rng.integers(600)),
                 "score": np.float32(rng.uniform())} for j in range(5)]
        preds.append({"filename": f"HICO_test2015_{i + 1:08d}.jpg", "predictions": boxes, "hoi_prediction": hois})
    dump = tmp_path / "results.json"
    dump.write_text(json.dumps(str({"preds": preds, "gts": []})))
    memory = convert_json(name, preds)
    written = convert_json(name, dump)
    # meta differs only in the source file's hash; the predictions' bytes are identical
    assert memory.split(b'"predictions"', 1)[1] == written.split(b'"predictions"', 1)[1]
    m, w = json.loads(memory)["meta"], json.loads(written)["meta"]
    m.pop("source_sha256", None), w.pop("source_sha256", None)
    assert m == w
    # The rendered numbers are the float32 reprs: the same text as in the dump.
    first = json.loads(memory)["predictions"]["HICO_test2015_00000001.jpg"][0]
    assert str(preds[0]["hoi_prediction"][0]["score"]) == repr(first["score"])
