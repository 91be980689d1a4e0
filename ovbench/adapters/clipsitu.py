"""ClipSitu (LUNAProject22/CLIPSitu): saved noun and verb pickles -> GSR predictions.

Inputs, as the released scripts write them:

* noun predictions (``main.py --save_noun_predictions`` -> ``saved_noun_preds/{dev,test}.pkl``,
  ``train_and_eval.py: save_noun_predictions``): ``{image: [noun, ...]}``, the argmax noun for each
  role of the **ground-truth** verb, as strings from ``encoder.label_list`` (synset ids or ``""``);
* verb scores, optional (``verb_pred.py --save_scores`` -> ``{dev,test}_scores.pkl``):
  ``{image: 504 verb logits}`` (CPU torch tensors, numpy arrays or lists).

Index orders are ClipSitu's own and are rebuilt from the annotation files exactly as
``utils/imsitu_encoder.py`` does: verbs in first-appearance order over ``train.json`` (after
``main.py``/``verb_pred.py`` drop four training images), and each verb's roles in the order they
first appear in its training frames (``verb2_role_dict``), not imsitu_space ``order``.

ClipSitu predicts no absent-box signal and its grounding is scored differently (no noun check,
absent ground-truth boxes skipped, per-image "any box" hits), so its own grounding numbers are not
comparable; boxes are written as null and its grounding is not converted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, SpecError
from ..jsonio import load_json
from ._common import SYNSET_RE, as_array, is_path, load_pickle, make_meta, top_k

# main.py and verb_pred.py: train_set.pop(...) before building the encoder.
TRAIN_DROPPED = ("barbecuing_6.jpg", "admiring_130.jpg", "filming_66.jpg", "kissing_171.jpg")


def encoder_orders(train: dict[str, Any], dropped=TRAIN_DROPPED) -> tuple[list[str], dict[str, list[str]]]:
    """ClipSitu's ``verb_list`` and ``verb2_role_dict`` from a ``train.json`` mapping."""
    verb_list: list[str] = []
    roles: dict[str, list[str]] = {}
    skip = set(dropped)
    for image, entry in train.items():
        if image in skip:
            continue
        verb = entry["verb"]
        if verb not in roles:
            verb_list.append(verb)
            roles[verb] = []
        seen = roles[verb]
        for frame in entry["frames"]:
            for role in frame:
                if role not in seen:
                    seen.append(role)
    return verb_list, roles


def _logits(value: Any) -> np.ndarray:
    """One image's verb logits: a float array keeps its dtype (ranking a float32 row as float64
    gives the same order: the conversion is exact), anything else becomes float64."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value
    return as_array(value)


def _split_file(annotations, split, source) -> Path:
    if annotations is None:
        raise InputError(f"{source}: ClipSitu needs --annotations (the folder with train.json and "
                         "dev.json/test.json) to rebuild its verb and role orders")
    path = Path(annotations)
    if not path.is_dir():
        raise InputError(f"{path}: expected the annotation folder (train.json + dev.json/test.json)")
    if split not in ("dev", "test"):
        raise InputError(f"{source}: say which split the predictions are for with --split dev|test")
    return path


def convert(raw: Any, *, info, annotations=None, split=None, verb_scores=None, method=None,
            verbs_kept: int = 5, train_dropped=TRAIN_DROPPED, **unused) -> dict[str, Any]:
    """``ovbench convert --from clipsitu NOUNS.pkl --annotations DIR --split dev [--verb-scores S.pkl]``."""
    if unused:
        raise SpecError(f"adapter {info.name!r} takes no option(s) {sorted(unused)}")
    source = str(raw) if is_path(raw) else "<noun predictions>"
    folder = _split_file(annotations, split, source)
    train = load_json(folder / "train.json", "train.json")
    gold = load_json(folder / f"{split}.json", f"{split}.json")
    verb_list, verb_roles = encoder_orders(train, train_dropped)
    nouns = load_pickle(raw, "noun predictions") if is_path(raw) else raw
    if not isinstance(nouns, dict):
        raise InputError(f"{source}: expected a dict {{image: [noun, ...]}}, got {type(nouns).__name__}")
    vsource = str(verb_scores) if verb_scores is not None else None
    scores = {}
    if verb_scores is not None:
        scores = load_pickle(verb_scores, "verb scores") if is_path(verb_scores) else verb_scores
        if not isinstance(scores, dict):
            raise InputError(f"{vsource}: expected a dict {{image: verb logits}}, got {type(scores).__name__}")
    counts = {"images_with_nouns": len(nouns), "images_with_verb_scores": len(scores), "roles_dropped_unk": 0}
    ranked: dict[str, list[str]] = {}
    if scores:
        names = list(scores)
        rows = [_logits(scores[k]) for k in names]
        for image, row in zip(names, rows):
            if row.shape != (len(verb_list),):
                raise InputError(f"{vsource}: image {image!r}: expected {len(verb_list)} verb logits "
                                 f"(ClipSitu verb_list order), got shape {row.shape}")
        matrix = np.stack(rows)
        bad = ~np.isfinite(matrix).all(axis=1)
        if bad.any():
            raise InputError(f"{vsource}: image {names[int(np.argmax(bad))]!r}: NaN or infinite verb logits")
        for image, top in zip(names, top_k(matrix, verbs_kept).tolist()):
            ranked[image] = [verb_list[i] for i in top]
    out: dict[str, Any] = {}
    for image in sorted(set(nouns) | set(scores)):
        entry: dict[str, Any] = {"verbs": ranked.get(image, []), "frames": {}}
        if image in nouns:
            if image not in gold:
                raise InputError(f"{source}: image {image!r} is not in {split}.json")
            verb = gold[image]["verb"]
            roles = verb_roles.get(verb)
            if roles is None:
                raise InputError(f"{source}: image {image!r}: verb {verb!r} never occurs in train.json")
            pred = nouns[image]
            if not isinstance(pred, (list, tuple)) or len(pred) != len(roles):
                raise InputError(f"{source}: image {image!r}: expected {len(roles)} nouns for the roles "
                                 f"{roles} of {verb!r}, got {pred!r}")
            frame = {}
            for role, noun in zip(roles, pred):
                if noun != "" and not (isinstance(noun, str) and SYNSET_RE.match(noun)):
                    if noun == "UNK":
                        counts["roles_dropped_unk"] += 1
                        continue
                    raise InputError(f"{source}: image {image!r}: role {role!r}: expected a synset id or '', got {noun!r}")
                frame[role] = {"noun": noun, "box": None}
            entry["frames"][verb] = frame
        out[image] = entry
    # Validated while built: nouns are checked above, boxes are null, verbs come from verb_list.
    post = {
        "verb_ranking": "verb logits descending; ties -> earlier ClipSitu verb_list index",
        "verbs_kept": verbs_kept if scores else 0,
        "verb_order": "ClipSitu encoder.verb_list: first appearance in train.json",
        "train_images_dropped": list(train_dropped),
        "role_order": "ClipSitu verb2_role_dict: first appearance in the verb's train.json frames",
        "frames": "ground-truth verb only (save_noun_predictions conditions on the ground-truth verb)",
        "boxes": "null (grounding not converted: ClipSitu's grounding protocol is not comparable)",
        "noun_unk": "role dropped (counted)",
    }
    sources = [s for s in (raw, verb_scores) if is_path(s)]
    meta = make_meta(info, method=method, postprocess=post, sources=sources, extra={"counts": counts})
    return {"predictions": out, "meta": meta}
