"""Freeze the HICO-DET vocabulary and zero-shot split lists into splits/hico-det/hico-det-1.json.

Inputs (read-only, beside the repository):

* ``../shared/research/hico_zs_splits.json``: every published split list, 0-based in the
  official 600-class order, with its source repository and file;
* ``../shared/data/hicodet/instances_test2015.json``: only its vocabulary keys (``verbs``,
  ``objects``, ``correspondence``, ``rare``, ``non_rare``); no annotation is copied.

The output is deterministic (same inputs, same bytes); ``tests/hoi/test_hoi_splits.py`` checks
that running this script reproduces the committed file byte for byte. A content change is a
new version (``hico-det-2.json``), never an edit of version 1.

Usage: python scripts/make_hicodet_splits.py [--shared ../shared] [--out splits/hico-det]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]

#: COCO's 80 categories in contiguous COCO-80 order, with their COCO-91 ids (PPDM json files
#: store COCO-91 ids; GEN-VLKT maps them through ``_valid_obj_ids`` in datasets/hico.py).
COCO80 = [
    ("person", 1), ("bicycle", 2), ("car", 3), ("motorcycle", 4), ("airplane", 5), ("bus", 6),
    ("train", 7), ("truck", 8), ("boat", 9), ("traffic_light", 10), ("fire_hydrant", 11),
    ("stop_sign", 13), ("parking_meter", 14), ("bench", 15), ("bird", 16), ("cat", 17),
    ("dog", 18), ("horse", 19), ("sheep", 20), ("cow", 21), ("elephant", 22), ("bear", 23),
    ("zebra", 24), ("giraffe", 25), ("backpack", 27), ("umbrella", 28), ("handbag", 31),
    ("tie", 32), ("suitcase", 33), ("frisbee", 34), ("skis", 35), ("snowboard", 36),
    ("sports_ball", 37), ("kite", 38), ("baseball_bat", 39), ("baseball_glove", 40),
    ("skateboard", 41), ("surfboard", 42), ("tennis_racket", 43), ("bottle", 44),
    ("wine_glass", 46), ("cup", 47), ("fork", 48), ("knife", 49), ("spoon", 50), ("bowl", 51),
    ("banana", 52), ("apple", 53), ("sandwich", 54), ("orange", 55), ("broccoli", 56),
    ("carrot", 57), ("hot_dog", 58), ("pizza", 59), ("donut", 60), ("cake", 61), ("chair", 62),
    ("couch", 63), ("potted_plant", 64), ("bed", 65), ("dining_table", 67), ("toilet", 70),
    ("tv", 72), ("laptop", 73), ("mouse", 74), ("remote", 75), ("keyboard", 76),
    ("cell_phone", 77), ("microwave", 78), ("oven", 79), ("toaster", 80), ("sink", 81),
    ("refrigerator", 82), ("book", 84), ("clock", 85), ("vase", 86), ("scissors", 87),
    ("teddy_bear", 88), ("hair_drier", 89), ("toothbrush", 90),
]

SETTINGS = {
    "rf-uc": ("rf_uc", "Rare-first unseen combinations: 120 of the 138 rare classes (GEN-VLKT 'rare_first')."),
    "nf-uc": ("nf_uc", "Non-rare-first unseen combinations: 120 non-rare classes (GEN-VLKT 'non_rare_first')."),
    "uo": ("uo.hois", "Unseen objects: every class of 12 objects (GEN-VLKT 'unseen_object')."),
    "uv": ("uv.hois", "Unseen verbs: every class of 20 verbs (GEN-VLKT 'unseen_verb')."),
    **{f"uc{i}": (f"uc_random.uc{i}", f"Unseen combinations, random draw {i} (CMD-SE/HOICLIP 'uc{i}').")
       for i in range(5)},
}
SOURCES = {"rf_uc": "rf_uc", "nf_uc": "nf_uc", "uo": "uo", "uv": "uv", "uc_random": "uc_random"}


def _get(tree: dict, dotted: str):
    for part in dotted.split("."):
        tree = tree[part]
    return tree


def list_sha256(values) -> str:
    """sha256 of the canonical JSON (no whitespace) of a list, in its stored order."""
    return hashlib.sha256(orjson.dumps(values)).hexdigest()


def entry(ids, provenance: str, description: str) -> dict:
    return {"description": description, "ids": ids, "provenance": provenance, "sha256": list_sha256(ids)}


def build(shared: Path) -> dict:
    research = json.loads((shared / "research" / "hico_zs_splits.json").read_text())
    test = json.loads((shared / "data" / "hicodet" / "instances_test2015.json").read_text())
    objects, verbs, corr = test["objects"], test["verbs"], test["correspondence"]
    coco91 = dict(COCO80)
    coco80 = {name: i for i, (name, _) in enumerate(COCO80)}
    if sorted(coco91) != sorted(objects):
        raise SystemExit("COCO-80 names do not match the HICO-DET object names")
    if sorted(coco80[n] for n in research["uo"]["objects"]) != sorted(research["uo"]["objects_coco80"]):
        raise SystemExit("COCO-80 indices of the unseen objects disagree with the research note")
    if [c[0] for c in corr] != list(range(600)):
        raise SystemExit("correspondence is not in official order")
    names = [f"{verbs[v]} {objects[o]}" for _, o, v in corr]
    if [n.replace("_", " ") for n in names] != [n.replace("_", " ") for n in research["hoi_names"]]:
        raise SystemExit("HOI names differ from the research note")
    if sorted(test["rare"]) != sorted(research["rare"]):
        raise SystemExit("rare lists differ")
    src_test = "fredzzhang/hicodet instances_test2015.json"
    lists = {}
    for name, (key, description) in SETTINGS.items():
        src = research["source"][SOURCES[key.split(".")[0]]]
        lists[name] = entry(_get(research, key), src, description)
    extra = {
        "rare": (research["rare"], research["source"]["rare"], "Rare classes: fewer than 10 training instances (138)."),
        "non_rare": (research["non_rare"], f"{src_test} key 'non_rare'", "Non-rare classes (462)."),
        "no_interaction": (research["no_interaction"], research["source"]["no_interaction"],
                           "Classes whose verb is no_interaction (80)."),
        "thid-ov": (research["thid_ov"], research["source"]["thid_ov"],
                    "THID zero-shot set (= rf-uc as a set, sorted)."),
        "thid-cmdse-valid": (research["thid_cmdse_eval"]["valid_520"], "scwangdyd/promting_hoi, ltttpku/CMD-SE-release datasets/hico_evaluator.py (all classes but no_interaction)",
                             "Classes THID/CMD-SE average (520: all but no_interaction)."),
        "thid-cmdse-unseen": (research["thid_cmdse_eval"]["unseen_115"], "scwangdyd/promting_hoi, ltttpku/CMD-SE-release datasets/hico_evaluator.py (zero-shot ids without no_interaction)",
                              "THID/CMD-SE 'zero-shot' classes: rf-uc without its 5 no_interaction classes (115)."),
        "thid-cmdse-seen": (research["thid_cmdse_eval"]["seen_405"], "scwangdyd/promting_hoi, ltttpku/CMD-SE-release datasets/hico_evaluator.py (seen ids without no_interaction)",
                            "THID/CMD-SE 'seen' classes: the 520 minus the 115 unseen (405)."),
    }
    for name, (ids, src, description) in extra.items():
        lists[name] = entry(ids, src, description)
    vocab = {
        "correspondence": corr,
        "hoi_names": names,
        "objects": objects,
        "objects_coco80": [coco80[o] for o in objects],
        "objects_coco91": [coco91[o] for o in objects],
        "verbs": verbs,
    }
    return {
        "name": "hico-det",
        "version": "1",
        "hash_rule": "sha256 of the list's canonical JSON (no whitespace), in stored order",
        "id_space": "0-based HOI ids in the official HICO-DET 600-class order (anno_bbox.mat list_action); "
                    "verbs 0-based official order (117); objects in alphabetical 'hico80' order",
        "settings": list(SETTINGS),
        "lists": lists,
        "vocabulary": {k: {"sha256": list_sha256(v), "values": v} for k, v in vocab.items()},
        "vocabulary_provenance": {
            "correspondence": f"{src_test} key 'correspondence' ([hoi, object, verb])",
            "hoi_names": "'<verb> <object>' from the correspondence",
            "objects": f"{src_test} key 'objects'",
            "objects_coco80": "contiguous COCO-80 index of each object (GEN-VLKT, HOICLIP)",
            "objects_coco91": "COCO-91 category id of each object (PPDM, THID, CMD-SE json files)",
            "verbs": f"{src_test} key 'verbs'",
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--out", type=Path, default=REPO / "splits" / "hico-det")
    args = parser.parse_args()
    data = build(args.shared)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hico-det-1.json").write_bytes(orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n")


if __name__ == "__main__":
    main()
