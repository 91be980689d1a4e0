"""Every class of bad input: exit code 3, a message naming file, image and field, no -o file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ovbench.annotations.swig import load_annotations
from ovbench.errors import InputError

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "gsr" / "tiny"
GOOD = json.loads((TINY / "preds_hand.json").read_text())


def _set(path, value):
    def mutate(doc):
        node = doc["predictions"]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return doc
    return mutate


S1 = ["sleeping_1.jpg", "frames", "sleeping"]
CASES = {
    "unknown-verb": (_set(["sleeping_1.jpg", "verbs"], ["sleepin"]), ["'sleeping_1.jpg'", "verbs[0]", "unknown verb 'sleepin'", "Did you mean 'sleeping'"]),
    "unknown-frame-verb": (_set(["sleeping_1.jpg", "frames", "jumpin"], {}), ["'sleeping_1.jpg'", "unknown verb 'jumpin'"]),
    "unknown-role": (_set(S1 + ["agnt"], {"noun": ""}), ["'sleeping_1.jpg'", "frames.sleeping", "role 'agnt'", "agent, place"]),
    "malformed-noun": (_set(S1 + ["agent", "noun"], "man.n.01"), ["frames.sleeping.agent.noun", "'man.n.01'"]),
    "noun-not-string": (_set(S1 + ["agent", "noun"], 7), ["frames.sleeping.agent.noun", "got 7"]),
    "missing-noun": (_set(S1 + ["agent"], {"box": None}), ["frames.sleeping.agent", "\"noun\""]),
    "extra-role-key": (_set(S1 + ["agent", "score"], 0.5), ["frames.sleeping.agent", "'score'"]),
    "box-length": (_set(S1 + ["agent", "box"], [1, 2, 3]), ["frames.sleeping.agent.box", "3 values"]),
    "box-order": (_set(S1 + ["agent", "box"], [50, 10, 20, 30]), ["frames.sleeping.agent.box", "x1 <= x2"]),
    "box-string": (_set(S1 + ["agent", "box"], ["1", 2, 3, 4]), ["frames.sleeping.agent.box", "4 numbers"]),
    "verbs-not-list": (_set(["sleeping_1.jpg", "verbs"], "sleeping"), ["'sleeping_1.jpg'", "field 'verbs'"]),
    "duplicate-verb": (_set(["sleeping_1.jpg", "verbs"], ["sleeping", "sleeping"]), ["verbs[1]", "listed twice"]),
    "entry-typo": (_set(["sleeping_1.jpg", "verb"], ["sleeping"]), ["'sleeping_1.jpg'", "unknown field 'verb'"]),
    "unknown-image": (_set(["sleeping_99.jpg"], {"verbs": []}), ["'sleeping_99.jpg'", "not in test.json"]),
}


def _run(run_cli, tmp_path, text, *extra):
    preds = tmp_path / "preds.json"
    preds.write_text(text)
    out = tmp_path / "result.json"
    res = run_cli("score", preds, "-b", "ov-swig", "--annotations", TINY, "--split", "test", "-o", out, *extra)
    assert res.exit_code == 3, res.output
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["preds.json"]
    return res.output


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_predictions(run_cli, tmp_path, case):
    mutate, needles = CASES[case]
    out = _run(run_cli, tmp_path, json.dumps(mutate(json.loads(json.dumps(GOOD)))))
    assert "preds.json" in out
    for needle in needles:
        assert needle in out, (needle, out)


def test_non_finite_box(run_cli, tmp_path):
    # Not JSON, but named by image and field like any bad number (as HICO-DET does), issue 8.
    for bad, shown in (("1e999", "inf"), ("NaN", "nan"), ("Infinity", "inf"), ("-Infinity", "-inf")):
        text = json.dumps(GOOD).replace("[10, 10, 110, 210]", f"[10, 10, {bad}, 210]")
        out = _run(run_cli, tmp_path, text)
        assert "image 'sleeping_1.jpg': field 'frames.sleeping.agent.box': coordinates must be finite" in out
        assert f"[10, 10, {shown}, 210]" in out


def test_broken_json(run_cli, tmp_path):
    out = _run(run_cli, tmp_path, json.dumps(GOOD)[:-40])
    assert "not valid JSON" in out and "line 1" in out


def test_duplicate_image_keys(run_cli, tmp_path):
    text = json.dumps(GOOD)
    entry = json.dumps(GOOD["predictions"]["glaring_1.jpg"])
    text = text.replace('"predictions": {', '"predictions": {"glaring_1.jpg": ' + entry + ", ", 1)
    assert "'glaring_1.jpg': appears more than once" in _run(run_cli, tmp_path, text)


def test_image_name_inside_meta_is_not_a_duplicate(run_cli, tmp_path):
    doc = json.loads(json.dumps(GOOD))
    doc["meta"]["example"] = "glaring_1.jpg"
    (tmp_path / "p.json").write_text(json.dumps(doc))
    res = run_cli("score", tmp_path / "p.json", "-b", "ov-swig", "--annotations", TINY, "--split", "test")
    assert res.exit_code == 0, res.output


def test_wrong_split_hint(run_cli, tmp_path):
    dev = json.loads((TINY / "dev.json").read_text())
    preds = {img: {"verbs": [a["verb"]]} for img, a in dev.items()}
    out = _run(run_cli, tmp_path, json.dumps({"predictions": preds}))
    assert "all 4 unknown image(s) are dev images: did you mean --split dev?" in out


def test_too_many_problems_are_summarised(run_cli, tmp_path):
    doc = json.loads(json.dumps(GOOD))
    doc["predictions"]["sleeping_1.jpg"]["verbs"] = [f"verb{i}" for i in range(30)]
    out = _run(run_cli, tmp_path, json.dumps(doc))
    assert "30 problems" in out and "and 10 more" in out


@pytest.mark.parametrize("doc, needle", [
    ([], "expected an object"),
    ({"predictions": {}, "extra": 1}, "unknown top-level field(s) 'extra'"),
    ({"predictions": {}, "meta": []}, "field 'meta'"),
])
def test_bad_top_level(run_cli, tmp_path, doc, needle):
    assert needle in _run(run_cli, tmp_path, json.dumps(doc))


def test_missing_split_option(run_cli, tmp_path):
    res = run_cli("score", TINY / "preds_hand.json", "-b", "ov-swig", "--annotations", TINY)
    assert res.exit_code == 2 and "--split dev or --split test" in res.output  # a usage error (issue 8)


def test_missing_files(run_cli, tmp_path):
    res = run_cli("score", tmp_path / "nope.json", "-b", "ov-swig", "--annotations", TINY, "--split", "test")
    assert res.exit_code == 3 and "nope.json: no such predictions file" in res.output
    res = run_cli("score", TINY / "preds_hand.json", "-b", "ov-swig", "--annotations", tmp_path, "--split", "test")
    assert res.exit_code == 3 and "test.json" in res.output


def _broken_annotations(tmp_path, mutate):
    root = tmp_path / "ann"
    shutil.copytree(TINY, root)
    data = json.loads((root / "test.json").read_text())
    mutate(data)
    (root / "test.json").write_text(json.dumps(data))
    return root


@pytest.mark.parametrize("mutate, needles", [
    (lambda d: d["sleeping_1.jpg"].update(verb="sleepin"), ["'sleeping_1.jpg'", "field 'verb'", "Did you mean 'sleeping'"]),
    (lambda d: d["sleeping_1.jpg"]["frames"][1].pop("place"), ["'sleeping_1.jpg'", "frames[1]", "agent, place"]),
    (lambda d: d["sleeping_1.jpg"]["frames"][0].update(agent="man"), ["frames[0].agent", "'man'"]),
    (lambda d: d["sleeping_1.jpg"]["bb"].update(agent=[5, 5, 1, 1]), ["bb.agent", "x1 <= x2", "[-1, -1, -1, -1]"]),
    (lambda d: d["sleeping_1.jpg"]["bb"].update(agent=[5, 5, 9]), ["bb.agent", "3 values"]),
    (lambda d: d["sleeping_1.jpg"].update(height=0), ["field 'height'"]),
    (lambda d: d["sleeping_1.jpg"].pop("bb"), ["'sleeping_1.jpg'", "field 'bb'"]),
    (lambda d: d["sleeping_1.jpg"].update(frames=[]), ["field 'frames'", "non-empty"]),
])
def test_bad_annotations(tmp_path, mutate, needles):
    root = _broken_annotations(tmp_path, mutate)
    with pytest.raises(InputError) as info:
        load_annotations(root, ("test",))
    text = str(info.value)
    assert str(root / "test.json") in text
    for needle in needles:
        assert needle in text, (needle, text)


def test_bad_annotations_via_cli(run_cli, tmp_path):
    root = _broken_annotations(tmp_path, lambda d: d["glaring_1.jpg"].update(verb=3))
    res = run_cli("score", TINY / "preds_hand.json", "-b", "ov-swig", "--annotations", root, "--split", "test")
    assert res.exit_code == 3 and "'glaring_1.jpg'" in res.output and "unknown verb 3" in res.output


def test_bad_imsitu_folder(run_cli, tmp_path):
    folder = tmp_path / "preds"
    folder.mkdir()
    (folder / "sleeping_1.predictions").write_text('[{"verb": "sleeping", "frames": [{"agent": null}], "score": "x"}]')
    (folder / "glaring_1.predictions").write_text('{"verb": "glaring"}')
    res = run_cli("score", folder, "-b", "ov-swig", "--annotations", TINY, "--split", "test")
    assert res.exit_code == 3
    assert "sleeping_1.predictions: field 'score'" in res.output and "glaring_1.predictions: expected a list" in res.output
    (folder / "glaring_1.predictions").unlink()
    (folder / "sleeping_1.predictions").write_text('[{"verb": "sleeping", "frames": [{"agnt": null}], "score": 1}]')
    res = run_cli("score", folder, "-b", "ov-swig", "--annotations", TINY, "--split", "test")
    assert res.exit_code == 3 and "'sleeping_1.jpg'" in res.output and "role 'agnt'" in res.output
    empty = tmp_path / "empty"
    empty.mkdir()
    res = run_cli("score", empty, "-b", "ov-swig", "--annotations", TINY, "--split", "test")
    assert res.exit_code == 3 and "no *.predictions files" in res.output
