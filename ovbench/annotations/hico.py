"""HICO-DET annotation files: three formats in, one ground truth out, and back.

Formats (detected from the content, see :func:`detect_format`):

``fredzzhang``
    ``instances_{train,test}2015.json`` of fredzzhang/hicodet: a dict with ``annotation``
    (per image ``boxes_h``, ``boxes_o``, ``hoi``, ``object``, ``verb``; one row per pair and
    HOI), ``filenames``, ``size`` ([w, h]), ``empty``, ``objects`` (alphabetical "hico80"),
    ``verbs``, ``correspondence``, ``rare``, ``non_rare``. Boxes are the official 1-based pixels.
``ppdm``
    PPDM / GEN-VLKT ``trainval_hico.json`` / ``test_hico.json``: a list of images
    ``{file_name, annotations: [{bbox, category_id: COCO-91}], hoi_annotation: [{subject_id,
    object_id, category_id: verb + 1, hoi_category_id: 1-based HOI}]}``. The test file holds the
    official boxes; the TRAIN file is shifted by -1 pixel on all four coordinates, which the
    reader undoes (and the writer re-applies) for ``HICO_train2015_*`` images.
``cmdse``
    CMD-SE / THID ``test_hico_ann.json``: the ``ppdm`` format plus ``img_id``, ``width`` and
    ``height`` per image.

Every reader returns a :class:`HicoGroundTruth`: one row per (human box, object box, HOI)
connection in the official 1-based pixel frame, images in file order. Readers validate what
they read and report up to 20 problems naming the file, image and field.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from ..errors import InputError, Problems, shorten
from ..jsonio import load_json
from ..splits.hico import N_HOI, vocabulary

FORMATS = ("fredzzhang", "ppdm", "cmdse")
TRAIN_PREFIX = "HICO_train2015_"


@dataclass(frozen=True, eq=False)
class HicoGroundTruth:
    """Ground-truth pairs of a HICO-DET split, official 1-based pixel frame.

    ``filenames[i]`` is image ``i`` (file order); ``sizes[i]`` its (width, height), 0 when the
    format does not store it. Pair ``p`` lies in image ``pair_image[p]`` with boxes
    ``boxes_h[p]``, ``boxes_o[p]`` (x1, y1, x2, y2) and 0-based HOI class ``hoi[p]``; pairs are
    grouped by image, in file order within an image.
    """

    filenames: tuple[str, ...]
    sizes: np.ndarray        # (n_images, 2) int64
    pair_image: np.ndarray   # (n_pairs,) int64
    boxes_h: np.ndarray      # (n_pairs, 4) float64
    boxes_o: np.ndarray      # (n_pairs, 4) float64
    hoi: np.ndarray          # (n_pairs,) int64
    source_format: str

    @property
    def n_images(self) -> int:
        return len(self.filenames)

    def image_index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.filenames)}

    def same_pairs(self, other: HicoGroundTruth) -> bool:
        """True when both hold the same images (order) and the same pairs (order, values)."""
        return (self.filenames == other.filenames
                and all(np.array_equal(getattr(self, k), getattr(other, k))
                        for k in ("pair_image", "boxes_h", "boxes_o", "hoi")))


def detect_format(doc: Any, source: str = "annotations") -> str:
    """``fredzzhang``, ``ppdm`` or ``cmdse`` from a parsed annotation document."""
    if isinstance(doc, dict) and "annotation" in doc and "filenames" in doc:
        return "fredzzhang"
    if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "file_name" in doc[0]:
        return "cmdse" if "img_id" in doc[0] else "ppdm"
    raise InputError(
        f"{source}: unrecognised HICO-DET annotation format. Expected fredzzhang "
        "instances_*.json (an object with 'annotation' and 'filenames'), PPDM/GEN-VLKT "
        "trainval_hico.json/test_hico.json or CMD-SE/THID test_hico_ann.json (a list of images "
        "with 'file_name', 'annotations' and 'hoi_annotation')."
    )


def load_annotations(path: str | os.PathLike) -> HicoGroundTruth:
    """Read a HICO-DET annotation file in any supported format (auto-detected)."""
    return parse_annotations(load_json(path, "annotation file"), str(path))


def parse_annotations(doc: Any, source: str = "annotations") -> HicoGroundTruth:
    fmt = detect_format(doc, source)
    if fmt == "fredzzhang":
        return _read_fredzzhang(doc, source)
    return _read_ppdm(doc, source, fmt)


def _box(value: Any) -> list[float] | None:
    if (isinstance(value, list) and len(value) == 4
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        box = [float(v) for v in value]
        if all(np.isfinite(box)) and box[0] <= box[2] and box[1] <= box[3]:
            return box
    return None


def _assemble(names, sizes, rows, fmt) -> HicoGroundTruth:
    pair_image = np.asarray([r[0] for r in rows], dtype=np.int64)
    boxes = np.asarray([r[1] + r[2] for r in rows], dtype=np.float64).reshape(-1, 8)
    return HicoGroundTruth(
        filenames=tuple(names), sizes=np.asarray(sizes, dtype=np.int64).reshape(-1, 2),
        pair_image=pair_image, boxes_h=boxes[:, :4].copy(), boxes_o=boxes[:, 4:].copy(),
        hoi=np.asarray([r[3] for r in rows], dtype=np.int64), source_format=fmt,
    )


def _check_names(names: list, problems: Problems) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if not isinstance(name, str):
            problems.add(f"image {i}: file name must be a string, got {name!r}")
        elif name in seen:
            problems.add(f"image {name!r}: listed twice")
        seen.add(name)


def _fast_fredzzhang(names: list, annos: list, sizes: list) -> HicoGroundTruth | None:
    """Vectorised read of a valid file; None when anything is off (the slow path explains)."""
    vocab = vocabulary()
    try:
        counts = np.fromiter((len(a["hoi"]) for a in annos), dtype=np.int64, count=len(annos))
        hoi = np.asarray(list(chain.from_iterable(a["hoi"] for a in annos)), dtype=np.int64)
        obj = np.asarray(list(chain.from_iterable(a.get("object", ()) for a in annos)), dtype=np.int64)
        verb = np.asarray(list(chain.from_iterable(a.get("verb", ()) for a in annos)), dtype=np.int64)
        bh = np.asarray(list(chain.from_iterable(a["boxes_h"] for a in annos)), dtype=np.float64).reshape(-1, 4)
        bo = np.asarray(list(chain.from_iterable(a["boxes_o"] for a in annos)), dtype=np.float64).reshape(-1, 4)
    except (TypeError, KeyError, ValueError, AttributeError, OverflowError):
        return None
    n = int(counts.sum())
    if not (len(hoi) == len(obj) == len(verb) == len(bh) == len(bo) == n) or len(set(names)) != len(names):
        return None
    if not all(isinstance(x, str) for x in names) or (n and (hoi.min() < 0 or hoi.max() >= N_HOI)):
        return None
    boxes = np.concatenate([bh, bo], axis=1)
    if (not np.isfinite(boxes).all() or (boxes[:, [0, 1, 4, 5]] > boxes[:, [2, 3, 6, 7]]).any()
            or (vocab.hoi_object[hoi] != obj).any() or (vocab.hoi_verb[hoi] != verb).any()):
        return None
    return HicoGroundTruth(
        filenames=tuple(names), sizes=np.asarray(sizes, dtype=np.int64).reshape(-1, 2),
        pair_image=np.repeat(np.arange(len(annos), dtype=np.int64), counts), boxes_h=bh, boxes_o=bo,
        hoi=hoi, source_format="fredzzhang",
    )


def _read_fredzzhang(doc: dict, source: str) -> HicoGroundTruth:
    vocab = vocabulary()
    problems = Problems(source)
    names, annos = doc["filenames"], doc["annotation"]
    sizes = doc.get("size") or [[0, 0]] * len(names)
    if not (isinstance(names, list) and isinstance(annos, list) and len(names) == len(annos) == len(sizes)):
        raise InputError(f"{source}: 'filenames', 'annotation' and 'size' must be lists of the same length")
    bad = next((i for i, n in enumerate(names) if not isinstance(n, str) or not n), None)
    if bad is not None:
        raise InputError(f"{source}: field 'filenames[{bad}]': expected an image file name, got {shorten(names[bad])}")
    if doc.get("correspondence") is not None and [list(c) for c in doc["correspondence"]] != [
            [h, int(vocab.hoi_object[h]), int(vocab.hoi_verb[h])] for h in range(N_HOI)]:
        raise InputError(f"{source}: 'correspondence' is not the official HICO-DET one (hico80 object order "
                         "expected; files remapped to COCO-80 object ids are not supported)")
    fast = _fast_fredzzhang(names, annos, sizes)
    if fast is not None:
        return fast
    _check_names(names, problems)
    rows = []
    for i, (name, anno) in enumerate(zip(names, annos)):
        where = f"image {name!r} (index {i})"
        try:
            bh, bo, hoi = anno["boxes_h"], anno["boxes_o"], anno["hoi"]
        except (TypeError, KeyError) as exc:
            problems.add(f"{where}: missing field {exc}")
            continue
        if not (len(bh) == len(bo) == len(hoi)):
            problems.add(f"{where}: boxes_h, boxes_o and hoi have different lengths")
            continue
        objs, verbs = anno.get("object", [None] * len(hoi)), anno.get("verb", [None] * len(hoi))
        for k, (h, o, c, obj, verb) in enumerate(zip(bh, bo, hoi, objs, verbs)):
            box_h, box_o = _box(h), _box(o)
            if box_h is None or box_o is None:
                problems.add(f"{where}, pair {k}: field '{'boxes_h' if box_h is None else 'boxes_o'}' must be "
                             f"[x1, y1, x2, y2] with finite numbers, x1 <= x2, y1 <= y2; got {h if box_h is None else o!r}")
                continue
            if not isinstance(c, int) or not 0 <= c < N_HOI:
                problems.add(f"{where}, pair {k}: field 'hoi' must be a 0-based id below 600, got {c!r}")
                continue
            if (obj is not None and obj != vocab.hoi_object[c]) or (verb is not None and verb != vocab.hoi_verb[c]):
                problems.add(f"{where}, pair {k}: object {obj!r} / verb {verb!r} do not match hoi {c} "
                             f"({vocab.hoi_names[c]!r})")
                continue
            rows.append((i, box_h, box_o, c))
    problems.raise_if_any()
    return _assemble(names, sizes, rows, "fredzzhang")


def _fast_ppdm(doc: list, fmt: str) -> HicoGroundTruth | None:
    """Vectorised read of a valid PPDM/CMD-SE list; None when anything is off (slow path explains)."""
    vocab = vocabulary()
    try:
        names = [img["file_name"] for img in doc]
        n_ann = np.fromiter((len(img["annotations"]) for img in doc), np.int64, len(doc))
        n_hoi = np.fromiter((len(img["hoi_annotation"]) for img in doc), np.int64, len(doc))
        anns = list(chain.from_iterable(img["annotations"] for img in doc))
        hois = list(chain.from_iterable(img["hoi_annotation"] for img in doc))
        bbox = np.asarray([a["bbox"] for a in anns], dtype=np.float64).reshape(-1, 4)
        cat = np.asarray([a["category_id"] for a in anns], dtype=np.int64)
        sub = np.asarray([h["subject_id"] for h in hois], dtype=np.int64)
        obj = np.asarray([h["object_id"] for h in hois], dtype=np.int64)
        verb = np.asarray([h["category_id"] for h in hois], dtype=np.int64) - 1
        given = np.asarray([h.get("hoi_category_id", 0) for h in hois], dtype=np.int64) - 1
        sizes = [(img.get("width", 0), img.get("height", 0)) if fmt == "cmdse" else (0, 0) for img in doc]
    except (TypeError, KeyError, ValueError, AttributeError, OverflowError):
        return None
    flat = [v for pair in sizes for v in pair]
    if (len(set(names)) != len(names) or not all(isinstance(x, str) for x in names)
            or not all(type(v) is int and v >= 0 for v in flat) or len(bbox) != len(anns)):
        return None
    if len(cat) and (cat.min() < 1 or cat.max() > 91 or (vocab.coco91_to_object[cat] < 0).any()):
        return None
    if not np.isfinite(bbox).all() or (bbox[:, :2] > bbox[:, 2:]).any():
        return None
    hoi_image = np.repeat(np.arange(len(doc)), n_hoi)
    if (sub < 0).any() or (obj < 0).any() or (sub >= n_ann[hoi_image]).any() or (obj >= n_ann[hoi_image]).any():
        return None
    if (verb < 0).any() or (verb >= len(vocab.verbs)).any():
        return None
    offset = (np.cumsum(n_ann) - n_ann)[hoi_image]
    hoi = vocab.pair_to_hoi[verb, vocab.coco91_to_object[cat[offset + obj]]]
    if (hoi < 0).any() or ((given >= 0) & (given != hoi)).any() or (given < -1).any():
        return None
    shift = np.fromiter((n.startswith(TRAIN_PREFIX) for n in names), bool, len(names)).astype(np.float64)
    boxes = bbox + shift[np.repeat(np.arange(len(doc)), n_ann)][:, None]
    return HicoGroundTruth(
        filenames=tuple(names), sizes=np.asarray(sizes, dtype=np.int64).reshape(-1, 2), pair_image=hoi_image,
        boxes_h=boxes[offset + sub], boxes_o=boxes[offset + obj], hoi=hoi, source_format=fmt,
    )


def _read_ppdm(doc: list, source: str, fmt: str) -> HicoGroundTruth:
    fast = _fast_ppdm(doc, fmt)
    if fast is not None:
        return fast
    vocab = vocabulary()
    problems = Problems(source)
    names = [img.get("file_name") if isinstance(img, dict) else None for img in doc]
    _check_names(names, problems)
    sizes, rows = [], []
    for i, img in enumerate(doc):
        where = f"image {names[i]!r} (index {i})"
        if not isinstance(img, dict):
            problems.add(f"image {i}: expected an object, got {type(img).__name__}")
            sizes.append((0, 0))
            continue
        size = (img.get("width", 0), img.get("height", 0)) if fmt == "cmdse" else (0, 0)
        if not all(isinstance(v, int) and v >= 0 for v in size):
            problems.add(f"{where}: fields 'width'/'height' must be non-negative integers, got {size!r}")
            size = (0, 0)
        sizes.append(size)
        shift = 1.0 if isinstance(names[i], str) and names[i].startswith(TRAIN_PREFIX) else 0.0
        objs = img.get("annotations")
        hois = img.get("hoi_annotation")
        if not isinstance(objs, list) or not isinstance(hois, list):
            problems.add(f"{where}: fields 'annotations' and 'hoi_annotation' must be lists")
            continue
        boxes, cats = [], []
        for k, ann in enumerate(objs):
            box = _box(ann.get("bbox")) if isinstance(ann, dict) else None
            cat = ann.get("category_id") if isinstance(ann, dict) else None
            if box is None:
                problems.add(f"{where}, annotations[{k}]: field 'bbox' must be [x1, y1, x2, y2] with x1 <= x2, "
                             f"y1 <= y2; got {ann.get('bbox') if isinstance(ann, dict) else ann!r}")
            elif not isinstance(cat, int) or not 0 < cat < 92 or vocab.coco91_to_object[cat] < 0:
                problems.add(f"{where}, annotations[{k}]: field 'category_id' must be a COCO-91 object id, got {cat!r}")
            boxes.append(None if box is None else [v + shift for v in box])
            cats.append(cat)
        for k, h in enumerate(hois):
            at = f"{where}, hoi_annotation[{k}]"
            try:
                s, o, verb = h["subject_id"], h["object_id"], h["category_id"] - 1
            except (TypeError, KeyError) as exc:
                problems.add(f"{at}: missing field {exc}")
                continue
            if not all(isinstance(x, int) and 0 <= x < len(boxes) for x in (s, o)):
                problems.add(f"{at}: subject_id/object_id must index 'annotations' (0..{len(boxes) - 1}), got {s!r}/{o!r}")
                continue
            if boxes[s] is None or boxes[o] is None or vocab.coco91_to_object[cats[o]] < 0:
                continue  # already reported on the box
            obj = int(vocab.coco91_to_object[cats[o]])
            hoi = int(vocab.pair_to_hoi[verb, obj]) if 0 <= verb < len(vocab.verbs) else -1
            given = h.get("hoi_category_id")
            if hoi < 0 or (given is not None and given - 1 != hoi):
                problems.add(f"{at}: verb category_id {verb + 1!r} with object category_id {cats[o]!r} "
                             f"{'is not one of the 600 HOI classes' if hoi < 0 else f'is HOI {hoi + 1}'}"
                             f"{'' if given is None else f', but hoi_category_id is {given!r}'}")
                continue
            rows.append((i, boxes[s], boxes[o], hoi))
    problems.raise_if_any()
    return _assemble(names, sizes, rows, fmt)


# --------------------------------------------------------------------------- writers


def _num(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


def _per_image(gt: HicoGroundTruth):
    bounds = np.searchsorted(gt.pair_image, np.arange(gt.n_images + 1))
    for i in range(gt.n_images):
        yield i, slice(bounds[i], bounds[i + 1])


def to_fredzzhang(gt: HicoGroundTruth, rare: list[int] | None = None) -> dict[str, Any]:
    """The fredzzhang ``instances_*.json`` document of ``gt``."""
    from ..splits.hico import spec_list

    vocab = vocabulary()
    annotation = []
    for _, sl in _per_image(gt):
        annotation.append({
            "boxes_h": gt.boxes_h[sl].tolist(), "boxes_o": gt.boxes_o[sl].tolist(),
            "hoi": gt.hoi[sl].tolist(), "object": vocab.hoi_object[gt.hoi[sl]].tolist(),
            "verb": vocab.hoi_verb[gt.hoi[sl]].tolist(),
        })
    rare_ids = sorted(spec_list("rare").tolist()) if rare is None else sorted(rare)
    return {
        "annotation": annotation, "filenames": list(gt.filenames),
        "empty": [i for i, a in enumerate(annotation) if not a["hoi"]],
        "objects": list(vocab.objects), "verbs": list(vocab.verbs),
        "correspondence": [[h, int(vocab.hoi_object[h]), int(vocab.hoi_verb[h])] for h in range(N_HOI)],
        "size": gt.sizes.tolist(), "rare": rare_ids,
        "non_rare": [h for h in range(N_HOI) if h not in set(rare_ids)],
    }


def to_ppdm(gt: HicoGroundTruth, cmdse: bool = False) -> list[dict[str, Any]]:
    """The PPDM/GEN-VLKT list (``cmdse=True``: CMD-SE/THID ``test_hico_ann.json``).

    Each distinct human box becomes one person annotation and each distinct (object box,
    object) one object annotation; ``HICO_train2015_*`` images get PPDM's -1 pixel shift.
    """
    vocab = vocabulary()
    images = []
    for i, sl in _per_image(gt):
        name = gt.filenames[i]
        shift = 1.0 if name.startswith(TRAIN_PREFIX) else 0.0
        annotations: list[dict[str, Any]] = []
        index: dict[tuple, int] = {}

        def ref(box, cat):
            key = (tuple(box), cat)
            if key not in index:
                index[key] = len(annotations)
                annotations.append({"bbox": [_num(v - shift) for v in box], "category_id": cat})
            return index[key]

        hois = []
        humans = [ref(b, 1) for b in gt.boxes_h[sl].tolist()]
        for s, box_o, hoi in zip(humans, gt.boxes_o[sl].tolist(), gt.hoi[sl].tolist()):
            o = ref(box_o, int(vocab.object_coco91[vocab.hoi_object[hoi]]))
            hois.append({"subject_id": s, "object_id": o, "category_id": int(vocab.hoi_verb[hoi]) + 1,
                         "hoi_category_id": hoi + 1})
        image: dict[str, Any] = {"file_name": name, "annotations": annotations, "hoi_annotation": hois}
        if cmdse:
            digits = re.findall(r"\d+", name)
            image.update(img_id=int(digits[-1]) if digits else i, width=int(gt.sizes[i, 0]),
                         height=int(gt.sizes[i, 1]))
        images.append(image)
    return images


def to_format(gt: HicoGroundTruth, fmt: str) -> Any:
    """The document of ``gt`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "fredzzhang":
        return to_fredzzhang(gt)
    if fmt in ("ppdm", "cmdse"):
        return to_ppdm(gt, cmdse=fmt == "cmdse")
    raise InputError(f"unknown HICO-DET annotation format {fmt!r}; available: {', '.join(FORMATS)}")
