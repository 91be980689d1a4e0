"""Frozen HICO-DET splits: reproducibility, hashes, tampering, CLI, training filters, leakage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hoi_helpers import FIXTURES, REPO, require_shared

from ovbench.errors import SpecError
from ovbench.splits import hico

TRAIN = FIXTURES / "hoi" / "train_tiny_ppdm.json"


def test_generator_reproduces_the_frozen_file(tmp_path):
    shared = require_shared()
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_hicodet_splits.py"), "--shared", str(shared),
                    "--out", str(tmp_path)], check=True)
    frozen = REPO / "splits" / "hico-det" / hico.SPEC_NAME
    assert (tmp_path / hico.SPEC_NAME).read_bytes() == frozen.read_bytes()


def test_lists_match_the_research_note():
    import hashlib

    research = json.loads(require_shared("research", "hico_zs_splits.json").read_text())
    for ours, theirs in (("rf-uc", "rf_uc"), ("nf-uc", "nf_uc"), ("uo", "uo"), ("uv", "uv"), ("rare", "rare")):
        ids = sorted(hico.spec_list(ours).tolist())
        assert hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16] == research["sha256_16_of_sorted"][theirs]
    sizes = {k: v["size"] for k, v in hico.list_settings().items()}
    assert sizes == {"rf-uc": 120, "nf-uc": 120, "uo": 100, "uv": 84, **{f"uc{i}": 120 for i in range(5)}}
    assert len(hico.spec_list("thid-cmdse-valid")) == 520 and len(hico.spec_list("no_interaction")) == 80
    assert set(hico.spec_list("thid-ov").tolist()) == set(hico.spec_list("rf-uc").tolist())
    valid = set(hico.spec_list("thid-cmdse-valid").tolist())
    rf_uc = set(hico.spec_list("rf-uc").tolist())
    assert sorted(valid & rf_uc) == sorted(hico.spec_list("thid-cmdse-unseen").tolist()) == sorted(
        research["thid_cmdse_eval"]["unseen_115"])
    assert sorted(valid - rf_uc) == sorted(hico.spec_list("thid-cmdse-seen").tolist()) == sorted(
        research["thid_cmdse_eval"]["seen_405"])


def test_tampered_list_is_a_hard_error(tmp_path, monkeypatch, run_cli):
    spec = json.loads((REPO / "splits" / "hico-det" / hico.SPEC_NAME).read_text())
    spec["lists"]["rf-uc"]["ids"][0] = 0
    bad = tmp_path / hico.SPEC_NAME
    bad.write_text(json.dumps(spec))
    monkeypatch.setenv("OVBENCH_HICO_SPEC", str(bad))
    with pytest.raises(SpecError, match=r"lists\.rf-uc do not match their recorded sha256"):
        hico.load_spec()
    result = run_cli("split", "hico-det", "--list")
    assert result.exit_code == 3 and "modified" in result.output


def test_unknown_setting():
    with pytest.raises(SpecError, match="Did you mean 'rf-uc'"):
        hico.unseen_ids("rf_uc")


def test_list_cli_json(run_cli):
    result = run_cli("split", "hico-det", "--list", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert list(data) == sorted(["rf-uc", "nf-uc", "uo", "uv", "uc0", "uc1", "uc2", "uc3", "uc4"])
    assert data["uv"]["unseen"] == hico.list_settings()["uv"]["unseen"] and len(data["uv"]["sha256"]) == 64
    table = run_cli("split", "hico-det", "--list")
    assert table.exit_code == 0 and "rf-uc" in table.output and "120" in table.output


def _hois(doc):
    return [[h["hoi_category_id"] - 1 for h in img["hoi_annotation"]] for img in doc]


def test_pairs_protocol_drops_unseen_pairs_with_their_seen_labels(tmp_path, run_cli):
    """rf-uc: 'wash motorcycle' (158) shares its pair with 'ride motorcycle' (153): both go, the
    other person's 'hold motorcycle' stays. 'peel orange' (402) takes 'hold orange' with it."""
    out = tmp_path / "train_rf-uc.json"
    result = run_cli("split", "hico-det", "--setting", "rf-uc", "--annotations", TRAIN, "-o", out)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert _hois(doc) == [[146], [125, 128], [], [296]]
    assert doc[0]["annotations"] == json.loads(TRAIN.read_text())[0]["annotations"]  # untouched fields
    assert run_cli("split", "hico-det", "check-leakage", "--setting", "rf-uc", "--annotations", out).exit_code == 0


def test_images_protocol_drops_images_and_no_interaction(tmp_path, run_cli):
    out = tmp_path / "train_images.json"
    assert run_cli("split", "hico-det", "--setting", "rf-uc", "--annotations", TRAIN, "-o", out,
                   "--protocol", "images").exit_code == 0
    doc = json.loads(out.read_text())
    assert [d["file_name"][-6:] for d in doc] == ["02.jpg", "04.jpg"] and _hois(doc) == [[125], [296]]
    run_cli("split", "hico-det", "--setting", "rf-uc", "--annotations", TRAIN, "-o", out,
            "--protocol", "images", "--keep-no-interaction")
    assert _hois(json.loads(out.read_text())) == [[125, 128], [296]]


def test_images_protocol_drops_images_left_empty():
    """An image whose only annotation is no_interaction is skipped by THID/CMD-SE's loader."""
    from ovbench.splits.hico_filter import filter_training

    doc = json.loads(TRAIN.read_text())
    doc[1]["hoi_annotation"] = doc[1]["hoi_annotation"][1:]  # keep only 'no_interaction dog'
    out, summary = filter_training(doc, "rf-uc", "images")
    assert [d["file_name"][-6:] for d in out] == ["04.jpg"] and summary["images_dropped_empty"] == 1
    out, summary = filter_training(doc, "rf-uc", "images", drop_no_interaction=False)
    assert [d["file_name"][-6:] for d in out] == ["02.jpg", "04.jpg"] and summary["images_dropped_empty"] == 0


def test_filter_fredzzhang_format_pairs_by_identical_boxes(tmp_path):
    from ovbench.annotations.hico import load_annotations, to_fredzzhang
    from ovbench.splits.hico_filter import filter_training

    doc = to_fredzzhang(load_annotations(TRAIN))
    out, summary = filter_training(doc, "rf-uc", "pairs")
    assert [a["hoi"] for a in out["annotation"]] == [[146], [125, 128], [], [296]]
    assert out["empty"] == [2] and summary["annotations_dropped_seen_on_unseen_pairs"] == 2


def test_leakage_exit_4_lists_classes(run_cli):
    result = run_cli("split", "hico-det", "check-leakage", "--setting", "rf-uc", "--annotations", TRAIN)
    assert result.exit_code == 4
    assert "158 'wash motorcycle': 1 annotation" in result.output and "402 'peel orange'" in result.output
    clean = run_cli("split", "hico-det", "check-leakage", "--setting", "uc0", "--annotations", TRAIN)
    assert clean.exit_code == 0 and "no unseen class" in clean.output


def test_split_usage_errors(run_cli, tmp_path):
    assert run_cli("split", "hico-det").exit_code == 2
    result = run_cli("split", "hico-det", "--setting", "xx", "--annotations", TRAIN, "-o", tmp_path / "o.json")
    assert result.exit_code == 3 and not (tmp_path / "o.json").exists()


def test_vocabulary_is_packaged():
    vocab = hico.vocabulary()
    assert len(vocab.hoi_names) == 600 and vocab.verbs[57] == "no_interaction"
    assert vocab.pair_to_hoi[vocab.verb_index["ride"], vocab.object_index["bicycle"]] == 18
    assert vocab.hoi_names[18] == "ride bicycle"
    assert Path(hico._spec_path()).name == hico.SPEC_NAME


@pytest.mark.parametrize("fmt,scale", [("ppdm", 1.0), ("fredzzhang", 0.1)])
def test_full_scale_training_file(tmp_path, run_cli, fmt, scale):
    """A full-size synthetic PPDM training file (38,118 images, ~118k pairs; a tenth of that in
    fredzzhang format) in both protocols: the output is leak-free, keeps the input's format,
    and the counts add up."""
    import orjson
    from train_fixture import N_IMAGES, N_PAIRS, make_train

    from ovbench.annotations.hico import load_annotations, parse_annotations, to_format
    from ovbench.splits.hico_filter import filter_training

    doc = make_train(int(N_IMAGES * scale), int(N_PAIRS * scale), seed=1)
    if fmt == "fredzzhang":
        doc = to_format(parse_annotations(doc), "fredzzhang")
    train = tmp_path / f"train_{fmt}.json"
    train.write_bytes(orjson.dumps(doc))
    assert run_cli("split", "hico-det", "check-leakage", "--setting", "nf-uc", "--annotations", train).exit_code == 4
    for protocol in ("pairs", "images"):
        out = tmp_path / f"out_{protocol}.json"
        assert run_cli("split", "hico-det", "--setting", "nf-uc", "--annotations", train, "-o", out,
                       "--protocol", protocol).exit_code == 0
        filtered = load_annotations(out)
        assert filtered.source_format == fmt
        assert run_cli("split", "hico-det", "check-leakage", "--setting", "nf-uc", "--annotations", out).exit_code == 0
        _, summary = filter_training(doc, "nf-uc", protocol)
        assert summary["annotations_out"] == len(filtered.hoi)
        assert summary["annotations_in"] - summary["annotations_out"] == (
            summary["annotations_dropped_unseen"] + summary["annotations_dropped_seen_on_unseen_pairs"]
            + summary["annotations_dropped_seen_in_dropped_images"] + summary["annotations_dropped_no_interaction"])
    assert summary["images_dropped"] > 0 and summary["annotations_dropped_no_interaction"] > 0
    assert summary["images_out"] == summary["images_in"] - summary["images_dropped"] - summary["images_dropped_empty"]
