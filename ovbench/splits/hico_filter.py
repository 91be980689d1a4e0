"""Zero-shot filtering of HICO-DET TRAINING annotations, and the leakage check.

Two protocols, named after who uses them:

``pairs`` (GEN-VLKT, HOICLIP; ``YueLiao/gen-vlkt: datasets/hico.py``)
    Drop every (human, object) pair that carries an unseen HOI, together with any seen labels
    on that same pair; keep the image and its other pairs. A pair is a (subject_id,
    object_id) in PPDM/CMD-SE files and an identical (human box, object box) in fredzzhang
    files. (GEN-VLKT's loader later skips images left without pairs.)
``images`` (THID, CMD-SE; ``ltttpku/CMD-SE-release: datasets/hico.py``, ``load_hico_json``)
    Drop every image with any unseen annotation (their loop tests the zero-shot list before
    skipping ``no_interaction``, so an unseen ``no_interaction`` class counts), then, by
    default, every ``no_interaction`` annotation of the remaining images, as THID/CMD-SE do
    with their default ``ignore_non_interaction``; ``drop_no_interaction=False`` keeps them.
    Images left without any annotation are dropped too, as their loader skips them. Every
    choice is reported in the returned summary.

Filtering works on the parsed document and writes it back in the input's own format; every
field it does not filter is kept as it was.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..annotations.hico import detect_format, parse_annotations
from ..errors import CheckFailed, SpecError
from .hico import spec_list, unseen_ids, vocabulary

PROTOCOLS = ("pairs", "images")


def _row_hoi(doc: Any, fmt: str) -> list[list[int]]:
    """Per image, the 0-based HOI of each annotation row (validated through the reader)."""
    gt = parse_annotations(doc, "training annotations")
    bounds = np.searchsorted(gt.pair_image, np.arange(gt.n_images + 1)).tolist()
    hoi = gt.hoi.tolist()
    return [hoi[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def filter_training(doc: Any, setting: str, protocol: str, drop_no_interaction: bool | None = None):
    """Filtered copy of a training document and a summary dict of what was removed."""
    if protocol not in PROTOCOLS:
        raise SpecError(f"unknown protocol {protocol!r}; available: {', '.join(PROTOCOLS)}")
    if drop_no_interaction is None:
        drop_no_interaction = protocol == "images"
    unseen = set(unseen_ids(setting).tolist())
    no_inter = set(spec_list("no_interaction").tolist())
    fmt = detect_format(doc)
    hois = _row_hoi(doc, fmt)
    summary = {"setting": setting, "protocol": protocol, "format": fmt, "drop_no_interaction": drop_no_interaction,
               "images_in": len(hois), "images_dropped": 0, "annotations_in": sum(map(len, hois)),
               "annotations_dropped_unseen": 0, "annotations_dropped_seen_on_unseen_pairs": 0,
               "annotations_dropped_seen_in_dropped_images": 0, "annotations_dropped_no_interaction": 0,
               "images_dropped_empty": 0}
    keep_images = []
    keep_rows: list[list[bool]] = []
    for i, row_hois in enumerate(hois):
        bad = [h in unseen for h in row_hois]
        if protocol == "images" and any(bad):
            summary["images_dropped"] += 1
            summary["annotations_dropped_unseen"] += sum(bad)
            summary["annotations_dropped_seen_in_dropped_images"] += len(bad) - sum(bad)
            continue
        keep_images.append(i)
        if protocol == "pairs" and any(bad):
            pair_ids = _pair_ids(doc, fmt, i)
            unseen_pairs = {p for p, b in zip(pair_ids, bad) if b}
            rows = [p not in unseen_pairs for p in pair_ids]
            summary["annotations_dropped_unseen"] += sum(bad)
            summary["annotations_dropped_seen_on_unseen_pairs"] += sum(
                1 for r, b in zip(rows, bad) if not r and not b)
        else:
            rows = [True] * len(row_hois)
        if drop_no_interaction:
            for k, h in enumerate(row_hois):
                if rows[k] and h in no_inter:
                    rows[k] = False
                    summary["annotations_dropped_no_interaction"] += 1
        if protocol == "images" and not any(rows):
            keep_images.pop()
            summary["images_dropped_empty"] += 1
            continue
        keep_rows.append(rows)
    out = _rebuild(doc, fmt, keep_images, keep_rows)
    summary["images_out"] = len(keep_images)
    summary["annotations_out"] = sum(sum(r) for r in keep_rows)
    return out, summary


def _pair_ids(doc: Any, fmt: str, i: int) -> list:
    if fmt == "fredzzhang":
        a = doc["annotation"][i]
        return [(tuple(h), tuple(o)) for h, o in zip(a["boxes_h"], a["boxes_o"])]
    return [(h["subject_id"], h["object_id"]) for h in doc[i]["hoi_annotation"]]


def _rebuild(doc: Any, fmt: str, keep_images: list[int], keep_rows: list[list[bool]]) -> Any:
    if fmt == "fredzzhang":
        out = dict(doc)
        annos = []
        for i, rows in zip(keep_images, keep_rows):
            a = doc["annotation"][i]
            annos.append({**a, **{k: [v for v, r in zip(a[k], rows) if r]
                                  for k in ("boxes_h", "boxes_o", "hoi", "object", "verb") if k in a}})
        out["annotation"] = annos
        out["filenames"] = [doc["filenames"][i] for i in keep_images]
        if "size" in doc:
            out["size"] = [doc["size"][i] for i in keep_images]
        if "empty" in doc:
            out["empty"] = [k for k, a in enumerate(annos) if not a["hoi"]]
        return out
    out_list = []
    for i, rows in zip(keep_images, keep_rows):
        img = dict(doc[i])
        img["hoi_annotation"] = [h for h, r in zip(doc[i]["hoi_annotation"], rows) if r]
        out_list.append(img)
    return out_list


def leakage(doc: Any, setting: str) -> dict[int, int]:
    """``{unseen HOI id: number of annotations}`` present in a training document."""
    unseen = set(unseen_ids(setting).tolist())
    counts: dict[int, int] = {}
    for row_hois in _row_hoi(doc, detect_format(doc)):
        for h in row_hois:
            if h in unseen:
                counts[h] = counts.get(h, 0) + 1
    return dict(sorted(counts.items()))


def check_leakage(doc: Any, setting: str, source: str) -> str:
    """Raise :class:`CheckFailed` listing leaked unseen classes; return a one-line OK message."""
    found = leakage(doc, setting)
    if found:
        names = vocabulary().hoi_names
        lines = [f"  {h:3d} {names[h]!r}: {n} annotation{'s' if n != 1 else ''}" for h, n in found.items()]
        raise CheckFailed(f"{source}: {len(found)} unseen class(es) of setting {setting!r} appear in the "
                          f"training annotations ({sum(found.values())} annotations):\n" + "\n".join(lines)
                          + f"\nFix: ovbench split hico-det --setting {setting} --annotations {source} -o OUT")
    return f"{source}: no unseen class of setting {setting!r} in the training annotations"
