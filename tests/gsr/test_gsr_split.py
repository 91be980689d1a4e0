"""Ov-SWiG split generator: the rule, determinism, verification, explicit lists, written annotations.

Tiny fixture training counts: sleeping 5, glaring 3, jumping 2, operating 1 (ranking in that
order). With n_unseen = 2 the strata are [sleeping, glaring] and [jumping, operating].
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ovbench.annotations.swig import load_annotations
from ovbench.errors import InputError, SpecError
from ovbench.splits.ovswig import RULE, generate_split, verify_manifest, write_manifest

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "gsr" / "tiny"


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_rule_on_tiny_fixture(seed):
    m = generate_split(TINY, seed=seed, n_unseen=2, n_rare=1)
    rng = np.random.default_rng(seed)  # the rule, as recorded in the manifest
    strata = [["sleeping", "glaring"], ["jumping", "operating"]]
    expected = sorted(s[rng.integers(len(s))] for s in strata)
    assert m["unseen_verbs"] == expected
    remaining = [v for v in ["operating", "jumping", "glaring", "sleeping"] if v not in expected]
    assert m["rare_verbs"] == remaining[:1]
    assert m["rule"] == RULE and m["seed"] == seed and (m["n_unseen"], m["n_rare"]) == (2, 1)
    dev = m["subsets"]["dev"]
    assert dev["all"] == ["glaring_20.jpg", "jumping_20.jpg", "operating_20.jpg", "sleeping_20.jpg"]
    assert sorted(dev["seen"] + dev["unseen"]) == dev["all"]
    assert set(dev["rare"]) <= set(dev["seen"])
    assert all(img.split("_")[0] in expected for img in dev["unseen"])
    assert not any(img.split("_")[0] in expected for img in m["subsets"]["train"]["all"])
    counts = {"sleeping": 5, "glaring": 3, "jumping": 2, "operating": 1}
    assert m["counts"]["train"]["removed"] == sum(counts[v] for v in expected)
    assert m["verb_train_images"] == {v: counts[v] for v in sorted(set(expected) | set(m["rare_verbs"]))}


def test_unseen_only_nouns_from_explicit_list(tmp_path):
    (tmp_path / "unseen.txt").write_text("# one verb per line\noperating\n")
    m = generate_split(TINY, unseen_verbs=tmp_path / "unseen.txt", n_rare=2)
    assert m["unseen_verbs"] == ["operating"] and m["seed"] is None and m["n_unseen"] == 1
    # knife (n03624134) occurs only in operating images; man, woman and room also in other train images
    assert m["unseen_only_nouns"] == ["n03624134"]
    assert m["rare_verbs"] == ["glaring", "jumping"]
    assert m["counts"]["unseen_annotator_frames"] == {"dev": 3, "test": 0}
    (tmp_path / "list.json").write_text('["operating", "jumping"]')
    assert generate_split(TINY, unseen_verbs=tmp_path / "list.json", n_rare=1)["unseen_verbs"] == ["jumping", "operating"]


@pytest.mark.parametrize("text, needle", [
    ("operatin\n", "Did you mean 'operating'"),
    ("operating\noperating\n", "more than once"),
    ("# nothing\n", "empty"),
])
def test_bad_verb_lists(tmp_path, text, needle):
    (tmp_path / "u.txt").write_text(text)
    with pytest.raises(InputError, match=needle):
        generate_split(TINY, unseen_verbs=tmp_path / "u.txt")


def test_bad_sizes():
    with pytest.raises(SpecError, match="--n-unseen"):
        generate_split(TINY, n_unseen=5)
    with pytest.raises(SpecError, match="--n-rare"):
        generate_split(TINY, n_unseen=2, n_rare=3)


def test_cli_is_byte_identical_and_verifies(run_cli, tmp_path):
    outs = []
    for name in ("a.json", "b.json"):
        res = run_cli("split", "ov-swig", "--annotations", TINY, "--n-unseen", "2", "--n-rare", "1",
                      "--seed", "3", "-o", tmp_path / name)
        assert res.exit_code == 0, res.output
        outs.append((tmp_path / name).read_bytes())
    assert outs[0] == outs[1] and outs[0].endswith(b"\n")
    m = json.loads(outs[0])
    assert m["benchmark"] == "ov-swig" and m["version"] == "1" and len(m["sha256"]) == 64
    assert set(m["source"]) == {"imsitu_space.json", "train.json", "dev.json", "test.json"}
    res = run_cli("split", "verify", tmp_path / "a.json", "--annotations", TINY)
    assert res.exit_code == 0 and "OK" in res.output and "regenerated" in res.output


def test_verify_fails_on_tamper(run_cli, tmp_path):
    write_manifest(generate_split(TINY, n_unseen=2, n_rare=1), tmp_path / "m.json")
    m = json.loads((tmp_path / "m.json").read_text())
    m["subsets"]["test"]["unseen"] = m["subsets"]["test"]["unseen"][1:]
    (tmp_path / "t.json").write_text(json.dumps(m))
    res = run_cli("split", "verify", tmp_path / "t.json")
    assert res.exit_code == 3 and "does not match its sha256" in res.output
    res = run_cli("score", TINY / "preds_hand.json", "-b", "ov-swig", "--annotations", TINY, "--split", "test",
                  "--manifest", tmp_path / "t.json")
    assert res.exit_code == 3 and "edited" in res.output


def test_verify_against_other_annotations(tmp_path):
    write_manifest(generate_split(TINY, n_unseen=2, n_rare=1, seed=1), tmp_path / "m.json")
    other = tmp_path / "ann"
    other.mkdir()
    for f in TINY.glob("*.json"):
        (other / f.name).write_bytes(f.read_bytes())
    train = json.loads((other / "train.json").read_text())
    train.pop("sleeping_11.jpg")
    (other / "train.json").write_text(json.dumps(train))
    with pytest.raises(SpecError, match="differing field"):
        verify_manifest(tmp_path / "m.json", other)


def test_manifest_must_match_scored_annotations(tmp_path):
    from ovbench.benchmarks.ovswig import score_files

    m = generate_split(TINY, n_unseen=2, n_rare=1)
    m["subsets"]["test"]["all"] = m["subsets"]["test"]["all"][:-1]
    from ovbench.splits.ovswig import content_sha256

    m["sha256"] = content_sha256(m)  # a consistent manifest, but for other annotations
    write_manifest(m, tmp_path / "m.json")
    with pytest.raises(SpecError, match="made from other annotations"):
        score_files(TINY / "preds_hand.json", annotations=TINY, split="test", manifest=tmp_path / "m.json")


def test_write_annotations_round_trip(run_cli, tmp_path):
    out = tmp_path / "ovswig"
    res = run_cli("split", "ov-swig", "--annotations", TINY, "--n-unseen", "2", "--n-rare", "1",
                  "-o", tmp_path / "m.json", "--write-annotations", out)
    assert res.exit_code == 0, res.output
    m = json.loads((tmp_path / "m.json").read_text())
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["imsitu_space.json", "train.json", "dev.json", "test.json"]
                           + [f"{s}_{k}.json" for s in ("dev", "test") for k in ("seen", "rare", "unseen")])
    space, splits = load_annotations(out)
    assert splits["train"].images == m["subsets"]["train"]["all"]
    original = json.loads((TINY / "dev.json").read_text())
    for key in ("seen", "rare", "unseen"):
        written = json.loads((out / f"dev_{key}.json").read_text())
        assert sorted(written) == m["subsets"]["dev"][key]
        assert all(written[i] == original[i] for i in written)
    # the written folder is itself splittable and gives the same subsets except the removed verbs
    m2 = generate_split(out, unseen_verbs=m["unseen_verbs"], n_rare=1)
    assert m2["subsets"]["dev"] == m["subsets"]["dev"]


def test_empty_subset_scores_null(tmp_path):
    from ovbench.benchmarks.ovswig import render, score_files

    write_manifest(generate_split(TINY, n_unseen=1, n_rare=0), tmp_path / "m.json")
    result = score_files(TINY / "preds_hand.json", annotations=TINY, split="test", manifest=tmp_path / "m.json")
    assert result["counts"]["images"]["rare"] == 0
    assert all(v is None for block in result["metrics"]["rare"].values() for v in block.values())
    assert "rare verb" in render(result, "table")


def test_cli_bad_verb_list_writes_nothing(run_cli, tmp_path):
    (tmp_path / "u.txt").write_text("sleepin\n")
    res = run_cli("split", "ov-swig", "--annotations", TINY, "--unseen-verbs", tmp_path / "u.txt",
                  "-o", tmp_path / "m.json")
    assert res.exit_code == 3 and "u.txt" in res.output and "Did you mean 'sleeping'" in res.output
    assert not (tmp_path / "m.json").exists()
    res = run_cli("split", "verify", TINY / "test.json")
    assert res.exit_code == 3 and "not a split manifest" in res.output
