"""Adversarial and tired-user inputs for every command that reads files (issue 8).

Each case corrupts one input of a working command line (built from the shipped demo data) and
checks the error model: exit 3 (bad input) or 2 (usage), never 1 (internal error); no
traceback; a message naming the file; no output file written; messages of bounded length.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from ovbench.cli import main

DATA = Path(__file__).resolve().parents[1] / "ovbench" / "data"
HD = DATA / "hico_det_demo"
OS = DATA / "ov_swig_demo"
BIG = str(2**70)
LONG = "x" * 1_000_000

# JSON text fragments put in place of one value: the classes of issue 8 and more.
EVIL = {
    "nan": "NaN", "infinity": "Infinity", "1e400": "1e400", "int-overflow": BIG, "negative": "-1",
    "null": "null", "bool": "true", "string": '"abc"', "megabyte-string": json.dumps(LONG),
    "list": "[]", "object": "{}", "deep-list": "[" * 3000 + "]" * 3000,
    "deep-object": '{"a":' * 400 + "1" + "}" * 400, "1e308": "1e308",
}
# Whole-file corruptions.
FILES = {
    "empty": b"", "truncated": None, "garbage": b"\x00\x01\xff\xfe garbage", "utf16": None,
    "top-level-list": b"[]", "top-level-null": b"null", "top-level-number": b"3",
}


def _run(argv):
    res = CliRunner().invoke(main, [str(a) for a in argv])
    return res.exit_code, res.output


def _assert_refused(argv, bad_file: Path, out: Path | None, allow_ok: bool = False, names=()):
    code, text = _run(argv)
    assert "Traceback" not in text, text[-2000:]
    assert code != 1, f"internal error for {argv}: {text[-1000:]}"
    assert max(map(len, text.splitlines() or [""])) <= 1200, "message line not capped"
    if allow_ok and code == 0:
        return text
    assert code in (2, 3), (code, text[-1000:])
    assert any(n in text for n in (bad_file.name, *names)) or code == 2, text[-1000:]
    assert out is None or not out.exists(), "output written on error"
    assert "RuntimeWarning" not in text
    return text


def _set(doc, path, marker="__EVIL__"):
    cur = doc
    for key in path[:-1]:
        cur = cur[key]
    cur[path[-1]] = marker
    return doc


def _variants(doc, paths):
    text = json.dumps(doc)
    for name, data in FILES.items():
        if name == "truncated":
            data = text[: len(text) // 2].encode()
        elif name == "utf16":
            data = text.encode("utf-16")
        yield f"file:{name}", data
    for path in paths:
        for name, raw in EVIL.items():
            d = _set(json.loads(text), path)
            yield f"{'/'.join(map(str, path))}={name}", json.dumps(d).replace('"__EVIL__"', raw).encode()


HICO_PREDS = json.loads((HD / "predictions.json").read_text())
FIRST = next(iter(HICO_PREDS["predictions"]))
HICO_PATHS = [("meta",), ("predictions",), ("predictions", FIRST), ("predictions", FIRST, 0),
              ("predictions", FIRST, 0, "human_box"), ("predictions", FIRST, 0, "human_box", 2),
              ("predictions", FIRST, 0, "score"), ("predictions", FIRST, 0, "verb")]
SWIG_PREDS = json.loads((OS / "predictions_test.json").read_text())
SFIRST = next(iter(SWIG_PREDS["predictions"]))
SVERB = next(iter(SWIG_PREDS["predictions"][SFIRST]["frames"]))
SROLE = next(iter(SWIG_PREDS["predictions"][SFIRST]["frames"][SVERB]))
SWIG_PATHS = [("meta",), ("predictions", SFIRST), ("predictions", SFIRST, "verbs"),
              ("predictions", SFIRST, "frames", SVERB, SROLE, "noun"),
              ("predictions", SFIRST, "frames", SVERB, SROLE, "box")]


@pytest.mark.parametrize("label, data", list(_variants(HICO_PREDS, HICO_PATHS)))
def test_score_hico_predictions(tmp_path, label, data):
    bad, out = tmp_path / "preds.json", tmp_path / "result.json"
    bad.write_bytes(data)
    # 1e308 boxes are valid (and silent); a megabyte verb is an unknown verb with a capped message
    # valid by design: huge or negative numbers, empty containers (coverage notes, not errors)
    ok = label.endswith(("=1e308", "meta=object", "meta=null", "predictions=object", f"{FIRST}=list",
                         "/2=int-overflow", "score=int-overflow", "score=negative"))
    _assert_refused(["score", bad, "-b", "hico-det", "--annotations", HD / "annotations.json", "--setting",
                     "rf-uc", "-o", out], bad, out, allow_ok=ok)


@pytest.mark.parametrize("label, data", list(_variants(SWIG_PREDS, SWIG_PATHS)))
def test_score_ovswig_predictions(tmp_path, label, data):
    bad, out = tmp_path / "preds.json", tmp_path / "result.json"
    bad.write_bytes(data)
    ok = label.endswith(("=1e308", "meta=object", "box=null", "noun=emptystr", f"{SFIRST}=object",
                         "verbs=list"))
    _assert_refused(["score", bad, "-b", "ov-swig", "--annotations", OS / "annotations", "--split", "test",
                     "-o", out], bad, out, allow_ok=ok)


HICO_ANN = json.loads((HD / "annotations.json").read_text())


@pytest.mark.parametrize("label, data", list(_variants(HICO_ANN, [("annotation",), ("filenames",), ("annotation", 0),
                                                                  ("filenames", 0), ("verbs",), ("objects",)])))
def test_score_hico_annotations(tmp_path, label, data):
    bad, out = tmp_path / "annotations.json", tmp_path / "result.json"
    bad.write_bytes(data)
    # 'verbs'/'objects' are not read (the 600 classes are built in); a renamed first image is
    # still a valid file. Those may score; nothing may crash.
    ok = label.startswith(("verbs", "objects", "filenames/0"))
    _assert_refused(["score", HD / "predictions.json", "-b", "hico-det", "--annotations", bad, "-o", out],
                    bad, out, allow_ok=ok, names=("predictions.json",) if ok else ())


def _cmdse(tmp_path, data) -> Path:
    path = tmp_path / "preds.pkl"
    path.write_bytes(pickle.dumps(data))
    return path


GOOD_BOX = [0.0, 0.0, 10.0, 10.0, 1.0, 1.0, 5.0, 5.0]


@pytest.mark.parametrize("adapter", ["cmd-se", "thid"])
@pytest.mark.parametrize("data", [
    [1, 2], None, {"scores": [], "boxes": {}, "keys": {}},
    {"scores": {0: 5}, "boxes": {0: 5}, "keys": {0: 5}},
    {"scores": {0: [0.5]}, "boxes": {0: [GOOD_BOX]}, "keys": {0: [1.5]}},          # float image id
    {"scores": {0: [0.5]}, "boxes": {0: [GOOD_BOX]}, "keys": {0: np.array([1.0])}},
    {"scores": {0: [0.5]}, "boxes": {0: [GOOD_BOX]}, "keys": {0: [2**70]}},        # int64 overflow
    {"scores": {2**70: [0.5]}, "boxes": {}, "keys": {}},
    {"scores": {0: [float("nan")]}, "boxes": {0: [GOOD_BOX]}, "keys": {0: [1]}},
    {"scores": {0: [0.5]}, "boxes": {0: [[float("inf")] * 8]}, "keys": {0: [1]}},
    {"scores": {0: [0.5]}, "boxes": {0: [GOOD_BOX[:7]]}, "keys": {0: [1]}},
    {"scores": {0: [0.5]}, "boxes": {0: [["a"] * 8]}, "keys": {0: [1]}},
    {"scores": {0: [0.5, 0.4]}, "boxes": {0: [GOOD_BOX]}, "keys": {0: [1]}},
], ids=lambda d: repr(d)[:40])
def test_convert_cmdse(tmp_path, adapter, data):
    bad, out = _cmdse(tmp_path, data), tmp_path / "out.json"
    _assert_refused(["convert", "--from", adapter, bad, "-o", out], bad, out)


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04truncated", b""])
def test_convert_npz(tmp_path, content):
    bad, out = tmp_path / "outputs.npz", tmp_path / "out.json"
    bad.write_bytes(content)
    text = _assert_refused(["convert", "--from", "mipd", bad, "--annotations", OS / "annotations", "--split",
                            "test", "-o", out], bad, out)
    assert "allow_pickle" not in text


def test_convert_truncated_npz(tmp_path):
    good = tmp_path / "g.npz"
    np.savez(good, image=np.arange(100))
    bad, out = tmp_path / "outputs.npz", tmp_path / "out.json"
    bad.write_bytes(good.read_bytes()[:200])
    text = _assert_refused(["convert", "--from", "mipd", bad, "--annotations", OS / "annotations", "--split",
                            "test", "-o", out], bad, out)
    assert "truncated" in text


@pytest.mark.parametrize("text", ["(" * 5000 + ")" * 5000, "-" * 100000 + "1", "[" * 300 + "]" * 300,
                                  "__import__('os').system('true')", "{'a': " * 100 + "1" + "}" * 100])
def test_convert_python_repr(tmp_path, text):
    bad, out = tmp_path / "results.json", tmp_path / "out.json"
    bad.write_text(json.dumps(text))
    _assert_refused(["convert", "--from", "gen-vlkt", bad, "-o", out], bad, out)


def _demo_result(tmp_path) -> Path:
    out = tmp_path / "good_result.json"
    code, text = _run(["score", HD / "predictions.json", "-b", "hico-det", "--annotations", HD / "annotations.json",
                       "--setting", "rf-uc", "-o", out])
    assert code == 0, text
    return out


@pytest.mark.parametrize("command", ["check", "compare", "leaderboard-add"])
@pytest.mark.parametrize("label", ["file:empty", "file:truncated", "file:top-level-list", "metrics=nan",
                                   "method=deep-object", "benchmark=megabyte-string", "counts=int-overflow"])
def test_result_readers(tmp_path, command, label):
    good = _demo_result(tmp_path)
    doc = json.loads(good.read_text())
    variants = dict(_variants(doc, [("metrics",), ("method",), ("benchmark",), ("counts",)]))
    bad = tmp_path / "result.json"
    bad.write_bytes(variants[label])
    out = tmp_path / "out.txt"
    if command == "check":
        argv = ["check", bad, "--expected", bad]
    elif command == "compare":
        argv = ["compare", good, bad]
    else:
        board = tmp_path / "board"
        board.mkdir()
        argv = ["leaderboard", board, "--add", bad, "--split", "test"]
    _assert_refused(argv, bad, None)


@pytest.mark.parametrize("label", ["file:empty", "file:garbage", "file:top-level-list", "subsets-edited"])
def test_split_verify_and_manifest(tmp_path, label):
    manifest = tmp_path / "good.json"
    code, text = _run(["split", "ov-swig", "--annotations", OS / "annotations", "--n-unseen", "3", "--n-rare", "5",
                       "-o", manifest])
    assert code == 0, text
    doc = json.loads(manifest.read_text())
    bad = tmp_path / "manifest.json"
    if label == "subsets-edited":
        from ovbench.jsonio import write_json
        from ovbench.splits import ovswig as split_module

        subsets = doc["subsets"]["test"]
        key = next(k for k, v in subsets.items() if isinstance(v, list) and v)
        subsets[key] = subsets[key][1:]  # edited, then re-hashed as a careful forger would
        rehash = getattr(split_module, "manifest_sha256", None)
        if rehash is not None and "sha256" in doc:
            doc["sha256"] = rehash(doc)
        write_json(bad, doc)
    else:
        bad.write_bytes(dict(_variants(doc, []))[label])
    out = tmp_path / "result.json"
    _assert_refused(["split", "verify", bad, "--annotations", OS / "annotations"], bad, None)
    _assert_refused(["score", OS / "predictions_test.json", "-b", "ov-swig", "--annotations", OS / "annotations",
                     "--split", "test", "--manifest", bad, "-o", out], bad, out)


def test_require_all_images(tmp_path):
    doc = json.loads((HD / "predictions.json").read_text())
    doc["predictions"] = dict(list(doc["predictions"].items())[:10])
    preds, out = tmp_path / "shard.json", tmp_path / "result.json"
    preds.write_text(json.dumps(doc))
    argv = ["score", preds, "-b", "hico-det", "--annotations", HD / "annotations.json"]
    for fmt in ("table", "md", "csv"):
        code, text = _run(argv + ["-f", fmt])
        assert code == 0 and "290 are not listed in the predictions" in text, (fmt, text)
    text = _assert_refused(argv + ["--require-all-images", "-o", out], preds, out)
    assert "290 of 300 test images are not listed" in text and "HICO_demo_00000011.jpg" in text
    code, text = _run(["score", OS / "predictions_test.json", "-b", "ov-swig", "--annotations", OS / "annotations",
                       "--split", "test", "--require-all-images"])
    assert code == 3 and "1 of 96 test images have no prediction" in text


def test_usage_errors(tmp_path):
    code, text = _run(["score", OS / "predictions_test.json", "-b", "ov-swig", "--annotations", OS / "annotations"])
    assert code == 2 and "--split" in text
    code, text = _run(["score", HD / "predictions.json", "-b", "hico-det", "--annotations", HD / "annotations.json",
                       "--setting", "RF-UC"])
    assert code == 3 and "Did you mean 'rf-uc'?" in text


@pytest.mark.parametrize("target", ["missing", "directory"])
def test_missing_or_directory_inputs(tmp_path, target):
    bad = tmp_path / "preds.json"
    if target == "directory":
        bad.mkdir()
    out = tmp_path / "o.json"
    _assert_refused(["score", bad, "-b", "hico-det", "--annotations", HD / "annotations.json", "-o", out], bad, out)
    _assert_refused(["convert", "--from", "cmd-se", bad, "-o", out], bad, out)
    _assert_refused(["check", bad, "--expected", bad], bad, None)
