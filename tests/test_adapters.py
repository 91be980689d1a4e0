"""Adapters: committed raw samples -> golden predictions, hand-computed box conversions, errors.

Goldens (``tests/fixtures/adapters/<method>/expected*.json``) are compared byte for byte. To
regenerate them after a deliberate change (and an ``adapter_version`` bump), run
``OVBENCH_UPDATE_GOLDENS=1 pytest tests/test_adapters.py`` and review the diff.
"""

from __future__ import annotations

import importlib

import json
import os
import pickle
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import FIXTURES, require_module, require_shared
from ovbench.adapters import convert, get_adapter, list_adapters
from ovbench.adapters.coformer import convert_outputs, letterbox, load_vocab, undo_letterbox
from ovbench.errors import InputError, SpecError

RAW = FIXTURES / "adapters"
SWIG = RAW / "swig"


@pytest.fixture
def vocab(tmp_path):
    """A SWiG_jsons-like folder: the real vocabulary files (from ../shared) + tiny fixture JSONs."""
    folder = tmp_path / "SWiG_jsons"
    folder.mkdir()
    for name in ("verb_indices.txt", "train_classes.csv", "role_indices.txt"):
        shutil.copy(require_shared("data", "swig", name), folder / name)
    for name in ("imsitu_space.json", "dev.json", "train.json"):
        shutil.copy(SWIG / name, folder / name)
    return folder


def _cases(vocab):
    return {
        "coformer": (["coformer", RAW / "coformer/outputs.npz", "--annotations", vocab, "--split", "dev"],
                     RAW / "coformer/expected.json"),
        "mipd": (["mipd", RAW / "coformer/outputs.npz", "--annotations", vocab, "--split", "dev"],
                 RAW / "coformer/expected_mipd.json"),
        "clipsitu": (["clipsitu", RAW / "clipsitu/dev.pkl", "--verb-scores", RAW / "clipsitu/dev_scores.pkl",
                      "--annotations", vocab, "--split", "dev"], RAW / "clipsitu/expected.json"),
        "jsl": (["jsl", RAW / "jsl/results.json", "--top5", RAW / "jsl/top_5_verbs.json", "--vocab", vocab],
                RAW / "jsl/expected.json"),
        "cmd-se": (["cmd-se", RAW / "cmdse/preds.pkl"], RAW / "cmdse/expected.json"),
        "thid": (["thid", RAW / "cmdse/preds.pkl"], RAW / "cmdse/expected_thid.json"),
        "gen-vlkt": (["gen-vlkt", RAW / "genvlkt/results.json"], RAW / "genvlkt/expected.json"),
        "hoiclip": (["hoiclip", RAW / "genvlkt/results.json"], RAW / "genvlkt/expected_hoiclip.json"),
    }


@pytest.mark.parametrize("case", ["coformer", "mipd", "clipsitu", "jsl", "cmd-se", "thid", "gen-vlkt", "hoiclip"])
def test_golden(case, vocab, tmp_path, run_cli):
    args, golden = _cases(vocab)[case]
    out = tmp_path / "preds.json"
    res = run_cli("convert", "--from", *args, "-o", out)
    assert res.exit_code == 0, res.output
    if os.environ.get("OVBENCH_UPDATE_GOLDENS") == "1":
        shutil.copy(out, golden)
    assert out.read_bytes() == golden.read_bytes()
    again = tmp_path / "again.json"
    run_cli("convert", "--from", *args, "-o", again)
    assert again.read_bytes() == out.read_bytes()


def test_list_names_every_adapter(run_cli):
    res = run_cli("convert", "--list")
    assert res.exit_code == 0
    for info in list_adapters():
        assert info.name in res.output and info.upstream_repo in res.output


def test_unknown_adapter_lists_names_and_close_match(run_cli):
    with pytest.raises(SpecError, match="Did you mean 'gen-vlkt'"):
        get_adapter("gen-vlk")
    res = run_cli("convert", "--from", "thidd", RAW / "cmdse/preds.pkl")
    assert res.exit_code == 3 and "cmd-se" in res.output


def test_duplicate_registration_raises():
    from ovbench.adapters import register

    with pytest.raises(ValueError, match="already registered"):
        register(get_adapter("jsl"))


def test_letterbox_by_hand():
    """rowing_1.jpg is 512 x 683. CoFormer: scale 1, resized 512 x 683, shifts (8, 94); the box
    cxcywh (0.5, 0.5, 0.2, 0.4) on the 700 canvas is (280, 210, 420, 490) -> (186, 202, 326, 482).
    Ov-GSR: scale 246/512, resized round(328.16)=328 x 246, shifts (4, 45); on the 336 canvas
    (134.4, 100.8, 201.6, 235.2) -> minus shifts -> / scale."""
    lb = letterbox([512], [683], min_side=512, max_side=700, canvas=700)
    assert lb["scale"][0] == 1 and lb["shift_0"][0] == 8 and lb["shift_1"][0] == 94
    got = undo_letterbox(np.array([[0.5, 0.5, 0.2, 0.4]]), lb, 700)
    assert np.allclose(got, [[186, 202, 326, 482]])
    lb = letterbox([512], [683], min_side=246, max_side=336, canvas=336)
    assert (lb["height"][0], lb["width"][0], lb["shift_0"][0], lb["shift_1"][0]) == (328, 246, 4, 45)
    got = undo_letterbox(np.array([[0.5, 0.5, 0.2, 0.4]]), lb, 336)
    want = (np.array([134.4, 100.8, 201.6, 235.2]) - [45, 4, 45, 4]) / (246 / 512)
    assert np.allclose(got, [want])
    # Clamped to the resized image before dividing by the scale (accuracy_swig_bbox).
    lb = letterbox([700], [512], min_side=512, max_side=700, canvas=700)  # shifts (94, 0)
    got = undo_letterbox(np.array([[0.02, 0.02, 0.1, 0.1]]), lb, 700)
    assert np.allclose(got, [[0, 0, 49, 0]])


def test_golden_values_by_hand(vocab):
    """The hand-set raw values reach the output: rowing_1's rowing/agent box, a null box from a
    negative confidence, blank -> '', the oov role of phoning_2's GT frame left out."""
    preds = convert("coformer", RAW / "coformer/outputs.npz", annotations=vocab, split="dev")["predictions"]
    rowing = preds["rowing_1.jpg"]["frames"]["rowing"]
    assert rowing["agent"]["noun"] == "n10287213"
    assert np.allclose(rowing["agent"]["box"], [186, 202, 326, 482])
    assert rowing["vehicle"]["box"] is None
    assert rowing["place"]["noun"] == ""
    assert preds["rowing_1.jpg"]["verbs"] == ["rowing", "phoning", "patting", "plowing", "coloring"]
    assert "phoning" in preds["phoning_2.jpg"]["frames"]  # GT verb outside the top 5
    assert set(preds["phoning_2.jpg"]["frames"]["phoning"]) == {"agent", "tool"}


def test_letterbox_arrays_match_annotation_sizes(vocab):
    with np.load(RAW / "coformer/outputs.npz") as z:
        arrays = {k: z[k] for k in z.files}
    lb = letterbox([512, 700, 512], [683, 512, 512], min_side=512, max_side=700, canvas=700)
    with_lb = convert("coformer", {**arrays, **lb}, vocab=vocab)["predictions"]
    from_sizes = convert("coformer", arrays, annotations=vocab, split="dev")["predictions"]
    assert with_lb == from_sizes


def test_full_logits_and_next_best(vocab):
    voc = load_vocab(vocab=vocab)
    variant = get_adapter("coformer").variant
    n_cls = len(voc["nouns"])
    logits = np.zeros((1, 1, 6, n_cls), dtype=np.float32)
    oov, man = voc["nouns"].index("oov"), voc["nouns"].index("n10287213")
    logits[0, 0, :, oov], logits[0, 0, :, man] = 5.0, 4.0
    arrays = {"image": np.array(["x.jpg"]), "pred_verb": np.zeros((1, len(voc["verbs"]))),
              "cond_verb": np.array([[voc["verbs"].index("raining")]]), "pred_noun": logits,
              "pred_bbox": np.full((1, 1, 6, 4), 0.5), "pred_bbox_conf": np.full((1, 1, 6), -1.0),
              **letterbox([512], [512], min_side=512, max_side=700, canvas=700)}
    dropped, counts = convert_outputs(arrays, vocab=voc, variant=variant)
    assert dropped["x.jpg"]["frames"]["raining"] == {} and counts["roles_dropped_oov"] == 1
    best, _ = convert_outputs(arrays, vocab=voc, variant=variant, special_nouns="next-best")
    assert best["x.jpg"]["frames"]["raining"] == {"place": {"noun": "n10287213", "box": None}}


def test_clipsitu_orders_follow_its_encoder():
    from ovbench.adapters.clipsitu import encoder_orders

    train = json.loads((SWIG / "train.json").read_text())
    verbs, roles = encoder_orders(train)
    assert verbs == ["phoning", "rowing", "raining", "glaring", "coloring"]
    assert roles["glaring"] == ["perceiver", "agent", "place"]  # admiring_130.jpg is dropped
    verbs, roles = encoder_orders(train, dropped=())
    assert verbs[1] == "glaring" and roles["glaring"] == ["place", "agent", "perceiver"]


def test_clipsitu_torch_tensor_scores(vocab, tmp_path):
    torch = require_module("torch")
    with open(RAW / "clipsitu/dev_scores.pkl", "rb") as fh:
        scores = pickle.load(fh)
    path = tmp_path / "scores.pkl"
    with open(path, "wb") as fh:
        pickle.dump({k: torch.from_numpy(v) for k, v in scores.items()}, fh)
    a = convert("clipsitu", RAW / "clipsitu/dev.pkl", annotations=vocab, split="dev", verb_scores=path)
    b = convert("clipsitu", RAW / "clipsitu/dev.pkl", annotations=vocab, split="dev",
                verb_scores=RAW / "clipsitu/dev_scores.pkl")
    assert a["predictions"] == b["predictions"]


def test_unsafe_pickle_is_refused(tmp_path):
    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "preds.pkl"
    path.write_bytes(pickle.dumps({"scores": Boom(), "boxes": {}, "keys": {}}))
    with pytest.raises(InputError, match="refusing to unpickle"):
        convert("cmd-se", path)


def test_bad_hoi_input_names_image_detection_field():
    raw = {"scores": {5: [0.5, float("nan")]}, "boxes": {5: [[0, 0, 1, 1, 0, 0, 1, 1], [0, 0, 1, 1, 3, 0, 1, 1]]},
           "keys": {5: [7, 7]}}
    with pytest.raises(InputError) as err:
        convert("cmd-se", raw)
    msg = str(err.value)
    assert "HICO_test2015_00000007.jpg" in msg and "detection 1" in msg
    assert "'score'" in msg and "'object_box'" in msg
    with pytest.raises(InputError, match="box has 7 numbers"):
        convert("thid", {"scores": {1: [0.5]}, "boxes": {1: [[0] * 7]}, "keys": {1: [3]}})
    with pytest.raises(InputError, match="0-based official ids"):
        convert("cmd-se", {"scores": {600: [0.1]}, "boxes": {600: [[0] * 8]}, "keys": {600: [1]}})


def test_genvlkt_repr_variants_parse_identically(tmp_path):
    from ovbench.adapters.pyrepr import parse_repr

    text = json.loads((RAW / "genvlkt/results.json").read_text())
    fast = parse_repr(text, "x")
    slow = parse_repr(text.replace("{'preds':", "{'x': None, 'preds':", 1), "x")  # None -> AST path
    assert slow["preds"] == fast["preds"]
    old = text.replace("np.float32(", "(").replace("np.int64(", "(")  # NumPy 1.x: bare numbers
    old = old.replace("(", "").replace(")", "")
    assert parse_repr(old, "x")["preds"] == fast["preds"]
    arr = parse_repr("{'bbox': array([1.5, 2.0], dtype=float32), 'm': array([[1, 2], [3, 4]])}", "x")
    assert arr == {"bbox": [1.5, 2.0], "m": [[1, 2], [3, 4]]}
    with pytest.raises(InputError, match="refusing to read"):
        parse_repr("{'preds': __import__('os').system('echo pwned')}", "x")
    assert parse_repr("[np.float32(nan), -inf, None, True]", "x")[1:] == [float("-inf"), None, True]


def test_genvlkt_in_memory_preds():
    preds = [{"filename": "HICO_test2015_00000009.jpg", "predictions": [{"bbox": np.array([1, 2, 3, 4.0])},
                                                                         {"bbox": [2, 2, 5, 5]}],
              "hoi_prediction": [{"subject_id": np.int64(0), "object_id": 1, "category_id": np.int64(3),
                                  "score": np.float32(0.25)}]}]
    out = convert("hoiclip", preds)
    assert out["predictions"] == {"HICO_test2015_00000009.jpg": [
        {"human_box": [1.0, 2.0, 3.0, 4.0], "object_box": [2.0, 2.0, 5.0, 5.0], "hoi": 3, "score": 0.25}]}
    assert out["meta"]["box_frame"] == "model" and out["meta"]["adapter"] == "hoiclip"
    with pytest.raises(InputError, match="detection 0"):
        convert("gen-vlkt", [{**preds[0], "hoi_prediction": [{"subject_id": 0, "object_id": 7,
                                                              "category_id": 1, "score": 0.1}]}])


def test_jsl_top5_keyed_by_path(vocab):
    top5 = json.loads((RAW / "jsl/top_5_verbs.json").read_text())
    by_path = {f"./images_512/{k}": v for k, v in top5.items()}
    a = convert("jsl", RAW / "jsl/results.json", top5=by_path, vocab=vocab)["predictions"]
    b = convert("jsl", RAW / "jsl/results.json", top5=RAW / "jsl/top_5_verbs.json", vocab=vocab)["predictions"]
    assert a == b


def test_missing_inputs_say_what_to_pass(vocab, tmp_path):
    with pytest.raises(InputError, match="--top5"):
        convert("jsl", RAW / "jsl/results.json", vocab=vocab)
    with pytest.raises(InputError, match="imsitu_space.json: not found"):
        convert("jsl", RAW / "jsl/results.json", top5=RAW / "jsl/top_5_verbs.json", vocab=tmp_path)
    with pytest.raises(InputError, match="--split"):
        convert("clipsitu", RAW / "clipsitu/dev.pkl", annotations=vocab)


def test_adapters_do_not_import_torch():
    code = ("import sys, ovbench.cli, ovbench.adapters as a\n"
            "import ovbench.adapters.coformer, ovbench.adapters.clipsitu, ovbench.adapters.jsl\n"
            "import ovbench.adapters.cmdse, ovbench.adapters.genvlkt\n"
            "a.convert('cmd-se', sys.argv[1])\n"
            "assert 'torch' not in sys.modules and 'open_clip' not in sys.modules, 'heavy import'\n")
    res = subprocess.run([sys.executable, "-c", code, str(RAW / "cmdse/preds.pkl")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_gsr_goldens_round_trip_through_scorer(vocab):
    ovswig = importlib.import_module("ovbench.benchmarks.ovswig")
    for golden in ("coformer/expected.json", "jsl/expected.json", "clipsitu/expected.json"):
        result = ovswig.score_files(RAW / golden, annotations=vocab, split="dev")
        assert result["metrics"]


def test_hoi_goldens_round_trip_through_scorer():
    hicodet = importlib.import_module("ovbench.benchmarks.hicodet")
    ann = require_shared("data", "hicodet", "instances_test2015.json")
    for golden in ("cmdse/expected.json", "genvlkt/expected.json"):
        result = hicodet.score_files(RAW / golden, annotations=ann)
        assert result["metrics"]
        assert result["method"]["box_frame"] == "model"


def test_bad_model_outputs_name_image_and_array(vocab):
    with np.load(RAW / "coformer/outputs.npz") as z:
        arrays = {k: z[k].copy() for k in z.files}
    bad = {**arrays, "pred_bbox_conf": arrays["pred_bbox_conf"].copy()}
    bad["pred_bbox_conf"][1, 0, 0] = np.nan
    with pytest.raises(InputError, match="pred_bbox_conf"):
        convert("coformer", bad, annotations=vocab, split="dev")
    bad = {**arrays, "pred_bbox": arrays["pred_bbox"].copy(), "pred_bbox_conf": np.ones_like(arrays["pred_bbox_conf"])}
    bad["pred_bbox"][2, 0, 0, 2] = -0.1
    with pytest.raises(InputError, match="image 'raining_3.jpg': candidate 0, role row 0"):
        convert("coformer", bad, annotations=vocab, split="dev")
    with pytest.raises(InputError, match="missing arrays"):
        convert("coformer", {k: v for k, v in arrays.items() if k != "cond_verb"}, annotations=vocab, split="dev")


@pytest.mark.parametrize("case", ["coformer", "mipd", "clipsitu", "jsl", "cmd-se", "thid", "gen-vlkt", "hoiclip"])
def test_python_api_writes_the_golden_bytes(case, vocab):
    """``dump_bytes(convert(...))`` (Python API) and ``convert_json`` (CLI) give the golden bytes."""
    from ovbench.adapters import convert_json
    from ovbench.jsonio import dump_bytes

    args, golden = _cases(vocab)[case]
    name, raw, rest = args[0], args[1], args[2:]
    opts = {rest[i].lstrip("-").replace("-", "_"): rest[i + 1] for i in range(0, len(rest), 2)}
    assert dump_bytes(convert(name, raw, **opts), check_finite=False) == golden.read_bytes()
    assert convert_json(name, raw, **opts) == golden.read_bytes()


@pytest.mark.parametrize("chunk", [1, 3, 8192])
def test_hoi_bytes_match_objects(monkeypatch, chunk):
    """The direct HOI writer: unsorted and empty images, chunk boundaries, awkward numbers."""
    from ovbench.adapters import _common
    from ovbench.jsonio import dump_bytes

    monkeypatch.setattr(_common, "_CHUNK", chunk)
    rng = np.random.default_rng(3)
    images = ["z.jpg", "a.jpg", "empty.jpg", "m\u00e9\"x.jpg", "b.jpg", "last-empty.jpg"]
    idx = np.array([0, 1, 0, 3, 4, 4, 1, 0, 3], dtype=np.int64)
    m = len(idx)
    xy = np.concatenate([rng.uniform(0, 1e3, (m - 3, 2)), [[0.0, -0.0], [1e-7, 1e16], [1 / 3, 5e-324]]])
    human = np.concatenate([xy, xy + [[1.5, 2.0]]], axis=1)
    obj = np.concatenate([xy, xy + 1e21], axis=1)
    hoi = rng.integers(0, 600, m)
    score = np.concatenate([rng.uniform(size=m - 2), [1e-5, 123456789.0]])
    meta = {"adapter": "t", "counts": {"n": 1}}
    want = dump_bytes({"meta": meta, "predictions": _common.build_hoi(images, idx, human, obj, hoi, score, "t")},
                      check_finite=False)
    assert _common.hoi_json(meta, images, idx, human, obj, hoi, score, "t") == want
    empty = dump_bytes({"meta": meta, "predictions": {}}, check_finite=False)
    assert _common.hoi_json(meta, [], np.zeros(0), np.zeros((0, 4)), np.zeros((0, 4)), [], [], "t") == empty
    assert _common.hoi_json(meta, ["x"], np.zeros(0), np.zeros((0, 4)), np.zeros((0, 4)), [], [], "t") == \
        dump_bytes({"meta": meta, "predictions": {"x": []}}, check_finite=False)


def test_genvlkt_fast_gather_matches_loop():
    from ovbench.adapters.genvlkt import _gather, _gather_fast, load_dump

    preds = load_dump(RAW / "genvlkt/results.json", "x")
    fast, slow = _gather_fast(preds), _gather(preds, "x")
    assert fast[0] == slow[0] and (fast[1] == slow[1]).all()
    for a, b in zip(fast[2], slow[2]):
        assert a.dtype == b.dtype and a.shape == b.shape and (a == b).all()
    odd = [dict(preds[0], hoi_prediction=[dict(h, subject_id=True) for h in preds[0]["hoi_prediction"]])]
    assert _gather_fast(odd) is None  # bool ids: the element-wise loop decides
    assert _gather_fast([dict(preds[0], predictions=preds[0]["predictions"] + [{"bbox": [1, 2]}])]) is None
    assert _gather_fast(tuple(preds)) is None


def test_top_k_matches_stable_argsort():
    from ovbench.adapters._common import top_k

    rng = np.random.default_rng(5)
    for dtype in (np.float32, np.float64, np.int64):
        ties = rng.integers(-2, 3, (300, 40)).astype(dtype)
        for scores in (ties, rng.normal(size=(50, 504)).astype(dtype)):
            for k in (1, 5, 17, 40):
                assert (top_k(scores, k) == np.argsort(-scores, axis=1, kind="stable")[:, :k]).all()
    signed_zero = np.array([[0.0, -0.0, 0.0, -1.0]])
    assert top_k(signed_zero, 3).tolist() == [[0, 1, 2]]
