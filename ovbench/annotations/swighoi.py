"""SWIG-HOI annotations: ``swig_{train,val,test}_1000.json`` as THID and CMD-SE read them.

The file is a JSON list with one object per image::

    {"file_name": "tattooing_233.jpg", "img_id": 12, "height": 512, "width": 683,
     "box_annotations": [{"bbox": [x1, y1, x2, y2], "category_id": 0, "aux_category_id": [...]}, ...],
     "hoi_annotations": [{"subject_id": 0, "object_id": 1, "action_id": 340}, ...]}

Boxes are continuous ``[x1, y1, x2, y2]`` in image pixels; ``category_id`` is a SWIG-HOI object
id (0..999), ``action_id`` an action id (0..406), ``subject_id``/``object_id`` index
``box_annotations``. Each HOI annotation is one ground-truth pair of the interaction
``(action_id, category of the object box)``, kept in file order (THID's evaluator picks the
first of equally good pairs in that order).

THID's data loader drops images without box or HOI annotations, so no prediction is ever made
for them; :attr:`SwigHoiGroundTruth.annotated` marks the images that count for coverage.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from ..errors import InputError, Problems
from ..jsonio import load_json, sha256_file
from ..splits.swighoi import vocabulary

MAX_ID = 2**53


@dataclass(frozen=True)
class SwigHoiGroundTruth:
    """Ground-truth pairs as flat arrays (``image`` indexes :attr:`file_names`)."""

    file_names: tuple[str, ...]
    img_ids: np.ndarray      # (n_images,) int64, the file's ``img_id`` (THID's key)
    annotated: np.ndarray    # (n_images,) bool: has box and HOI annotations (THID evaluates it)
    image: np.ndarray        # (n_pairs,) int64
    hoi: np.ndarray          # (n_pairs,) int64 interaction id
    boxes: np.ndarray        # (n_pairs, 8) float64 human box then object box
    sha256: str | None = None
    source: str = ""

    @property
    def n_images(self) -> int:
        return len(self.file_names)

    def image_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.file_names)}


def load_annotations(path: str | os.PathLike) -> SwigHoiGroundTruth:
    """Read and validate a SWIG-HOI annotation file (:class:`InputError` naming image and field)."""
    doc = load_json(path, "SWIG-HOI annotation file")
    gt = parse_annotations(doc, str(path))
    return SwigHoiGroundTruth(**{**gt.__dict__, "sha256": sha256_file(path)})


def _short(value, n: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= n else text[:n] + f"... ({len(text)} characters)"


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _box(v) -> bool:
    return (isinstance(v, list) and len(v) == 4
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in v))


def parse_annotations(doc, source: str = "annotations") -> SwigHoiGroundTruth:
    """Validate a parsed annotation list and flatten it into arrays."""
    voc = vocabulary()
    table = voc.pair_table()
    n_obj, n_act = table.shape[1], table.shape[0]
    problems = Problems(source)
    if not isinstance(doc, list):
        raise InputError(f"{source}: expected a SWIG-HOI annotation file (a JSON list of images, as "
                         f"swig_test_1000.json), got a JSON {type(doc).__name__}")
    names: list[str] = []
    ids: list[int] = []
    annotated: list[bool] = []
    image, hoi, boxes = [], [], []
    seen_names: dict[str, int] = {}
    seen_ids: dict[int, int] = {}
    for i, rec in enumerate(doc):
        if not isinstance(rec, dict):
            problems.add(f"entry {i}: expected an object, got {type(rec).__name__}")
            continue
        name, img_id = rec.get("file_name"), rec.get("img_id")
        where = f"image {_short(name)} (entry {i})" if isinstance(name, str) else f"entry {i}"
        if not isinstance(name, str) or not name:
            problems.add(f"{where}: field 'file_name': expected a non-empty string, got {_short(name)}")
            continue
        if not _is_int(img_id) or not 0 <= img_id < MAX_ID:
            problems.add(f"{where}: field 'img_id': expected a non-negative integer, got {_short(img_id)}")
            continue
        if name in seen_names:
            problems.add(f"{where}: file name repeats entry {seen_names[name]}")
            continue
        if img_id in seen_ids:
            problems.add(f"{where}: img_id {img_id} repeats entry {seen_ids[img_id]}")
            continue
        seen_names[name], seen_ids[img_id] = i, i
        box_annos = rec.get("box_annotations", [])
        hoi_annos = rec.get("hoi_annotations", [])
        if not isinstance(box_annos, list) or not isinstance(hoi_annos, list):
            problems.add(f"{where}: fields 'box_annotations' and 'hoi_annotations' must be lists")
            continue
        ok = True
        cats = []
        for j, b in enumerate(box_annos):
            if not isinstance(b, dict) or not _box(b.get("bbox")):
                problems.add(f"{where}: box_annotations[{j}].bbox: expected 4 finite numbers "
                             f"[x1, y1, x2, y2], got {_short(b.get('bbox') if isinstance(b, dict) else b)}")
                ok = False
                continue
            c = b.get("category_id")
            if not _is_int(c) or not 0 <= c < n_obj:
                problems.add(f"{where}: box_annotations[{j}].category_id: expected an object id 0..{n_obj - 1}, "
                             f"got {_short(c)}")
                ok = False
            cats.append(c)
        if not ok:
            continue
        image_index = len(names)
        names.append(name)
        ids.append(img_id)
        annotated.append(bool(box_annos) and bool(hoi_annos))
        for j, h in enumerate(hoi_annos):
            fields = (h.get("subject_id"), h.get("object_id"), h.get("action_id")) if isinstance(h, dict) else None
            if fields is None or not all(_is_int(f) for f in fields):
                problems.add(f"{where}: hoi_annotations[{j}]: expected integer subject_id, object_id, action_id")
                continue
            s, o, a = fields
            if not (0 <= s < len(box_annos) and 0 <= o < len(box_annos)):
                problems.add(f"{where}: hoi_annotations[{j}]: subject_id {s} / object_id {o} outside the "
                             f"{len(box_annos)} box_annotations")
                continue
            if not 0 <= a < n_act:
                problems.add(f"{where}: hoi_annotations[{j}].action_id: expected 0..{n_act - 1}, got {a}")
                continue
            k = int(table[a, cats[o]])
            if k < 0:
                problems.add(f"{where}: hoi_annotations[{j}]: ({voc.action_names[a]!r}, "
                             f"{voc.object_names[cats[o]]!r}) = action {a}, object {cats[o]} is not one of "
                             "the 14,130 SWIG-HOI interactions")
                continue
            image.append(image_index)
            hoi.append(k)
            boxes.append(box_annos[s]["bbox"] + box_annos[o]["bbox"])
    problems.raise_if_any("Fix: the file must be a SWIG-HOI annotation file (swig_{train,val,test}_1000.json "
                          "of THID / CMD-SE); see docs/swig-hoi.md.")
    if not names:
        raise InputError(f"{source}: the annotation file holds no images")
    return SwigHoiGroundTruth(
        file_names=tuple(names), img_ids=np.asarray(ids, dtype=np.int64),
        annotated=np.asarray(annotated, dtype=bool),
        image=np.asarray(image, dtype=np.int64), hoi=np.asarray(hoi, dtype=np.int64),
        boxes=np.asarray(boxes, dtype=np.float64).reshape(-1, 8), source=source,
    )
