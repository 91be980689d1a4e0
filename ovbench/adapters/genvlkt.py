"""GEN-VLKT and HOICLIP: ``results.json`` dump or in-memory ``evaluator.preds`` -> HOI predictions.

``HICOEvaluator.__init__`` (``YueLiao/gen-vlkt: datasets/hico_eval_triplet.py``; HOICLIP:
``datasets/datasets_gen/hico_eval_triplet.py``) builds, per test image::

    {'filename': 'HICO_test2015_00000001.jpg',
     'predictions': [{'bbox': [x1, y1, x2, y2]}, ...],          # subjects then objects
     'hoi_prediction': [{'subject_id', 'object_id', 'category_id', 'score'}, ...]}

after fusing scores (``hoi + obj^2``), keeping the top 100 per image and, with
``--use_nms_filter`` (every released config), pairwise triplet NMS; then writes
``json.dumps(str({'preds': ..., 'gts': ...}))`` to ``args.json_file``. ``category_id`` is the
0-based official HOI id; boxes are continuous original-image pixels (the ``model`` frame). The
human box of a detection is ``predictions[subject_id]``, its object box
``predictions[object_id]``. The dump is read with :mod:`ovbench.adapters.pyrepr` (never ``eval``);
the list itself (``evaluator.preds``) can be passed in Python instead.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import numpy as np

from ..errors import InputError, SpecError
from ..jsonio import parse_json, read_bytes
from ._common import hoi_entry_points, is_path, make_meta
from .pyrepr import parse_repr

UPSTREAM_DEFAULTS = {"score": "hoi_score + obj_score^2", "top_k_per_image": 100,
                     "nms": "pairwise triplet NMS, IoU_h^1 * IoU_o^0.5 > 0.7, +1-pixel areas "
                            "(--use_nms_filter, in every released config)"}


def load_dump(path, source: str) -> list:
    """The ``preds`` list of a GEN-VLKT/HOICLIP ``results.json`` dump.

    The file is one JSON string literal. Without backslash escapes its content is the bytes
    between the quotes, which saves decoding the string; otherwise it is JSON-decoded first.
    """
    data = read_bytes(path, "GEN-VLKT results.json").strip()
    if len(data) >= 2 and data[:1] == b'"' and data[-1:] == b'"' and b"\\" not in data:
        text: Any = data[1:-1]
    else:
        text = parse_json(data, source)
    value = parse_repr(text, source) if isinstance(text, (str, bytes)) else text
    if isinstance(value, dict):
        value = value.get("preds")
    if not isinstance(value, list):
        raise InputError(f"{source}: expected {{'preds': [...], 'gts': [...]}} (HICOEvaluator dump)")
    return value


def _flat(raw: Any, *, info, method=None, upstream: dict[str, Any] | None = None, **unused):
    """-> (meta, (images, img_idx, human, object, hoi, score), source), not yet validated."""
    if unused:
        raise SpecError(f"adapter {info.name!r} takes no option(s) {sorted(unused)}")
    source = str(raw) if is_path(raw) else "<evaluator.preds>"
    preds = load_dump(raw, source) if is_path(raw) else raw
    gathered = _gather_fast(preds)
    if gathered is None:  # something unusual: the element-wise loop names the problem
        gathered = _gather(preds, source)
    images, idx, arrays = gathered
    # One rendering for the same detections: evaluator.preds holds float32 numbers, the dump their
    # float32 reprs; both become the shortest decimal that reads back as the same float32.
    arrays = [float32_shortest(arrays[0]), float32_shortest(arrays[1]), arrays[2], float32_shortest(arrays[3])]
    m = len(idx)
    up = dict(UPSTREAM_DEFAULTS)
    up.update(upstream or {})
    post = {"adapter": "none (detections copied in dump order)", "upstream": up,
            "numbers": "boxes and scores as float32, written as the shortest decimal that reads back "
                       "as that float32 (the same bytes from evaluator.preds and from results.json)"}
    meta = make_meta(info, method=method, postprocess=post, box_frame="model",
                     sources=[raw] if is_path(raw) else [],
                     extra={"counts": {"images": len(images), "detections": m}})
    return meta, (images, idx, *arrays), source


def float32_shortest(values) -> np.ndarray:
    """Each value rounded to float32, as the float64 nearest to the shortest decimal (at most 9
    significant digits) that reads back as that float32; the result depends on the float32 value
    only. Vectorised: round to k = 1, 2, ... significant digits and keep the first that round-trips;
    values none round-trips (non-finite) keep the float32 value. Equal to ``float(str(np.float32(v)))``
    for |v| > 1e-30 (tested); below, ``10**d`` is inexact and the decimal may be a digit longer."""
    f = np.asarray(values, dtype=np.float64).astype(np.float32)
    x = f.astype(np.float64)
    out = x.copy()
    todo = np.isfinite(x) & (x != 0)
    with np.errstate(all="ignore"):
        e = np.floor(np.log10(np.abs(np.where(todo, x, 1.0))))
        for k in range(1, 10):
            if not todo.any():
                break
            d = k - 1 - e
            p = 10.0 ** np.abs(d)
            r = np.where(d >= 0, np.round(x * p) / p, np.round(x / p) * p)
            ok = todo & (r.astype(np.float32) == f)
            out[ok] = r[ok]
            todo &= ~ok
    return out


def _gather(preds, source: str):
    """Element by element: -> (images, image index per detection, [human, object, hoi, score])."""
    images: list[str] = []
    seen: set[str] = set()
    idx, hb, ob, hoi, score = [], [], [], [], []
    for n, entry in enumerate(preds):
        try:
            name = str(entry["filename"])
            boxes = [p["bbox"] for p in entry["predictions"]]
            hois = entry["hoi_prediction"]
        except (KeyError, TypeError) as exc:
            raise InputError(f"{source}: preds[{n}]: expected 'filename', 'predictions' [{{'bbox'}}] "
                             f"and 'hoi_prediction' ({type(exc).__name__}: {exc})") from None
        if name in seen:
            raise InputError(f"{source}: image {name!r} appears twice")
        seen.add(name)
        i = len(images)
        images.append(name)
        for d, h in enumerate(hois):
            try:
                s, o = h["subject_id"], h["object_id"]
                if s < 0 or o < 0:
                    raise IndexError("negative box index")
                hb.append(boxes[s])
                ob.append(boxes[o])
                hoi.append(h["category_id"])
                score.append(h["score"])
            except (KeyError, TypeError, IndexError) as exc:
                raise InputError(f"{source}: image {name!r}, detection {d}: expected subject_id/object_id "
                                 f"indexing its {len(boxes)} boxes, category_id and score "
                                 f"({type(exc).__name__}: {exc})") from None
            idx.append(i)
    m = len(idx)
    try:
        arrays = [np.asarray(a, dtype=np.float64) for a in (hb, ob, hoi, score)]
        arrays[0], arrays[1] = arrays[0].reshape(m, 4), arrays[1].reshape(m, 4)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{source}: boxes must be 4 numbers and category_id/score numbers ({exc})") from None
    return images, np.asarray(idx, dtype=np.int64), arrays


def _gather_fast(preds):
    """:func:`_gather` with whole-list operations; ``None`` whenever the input is anything but
    the plain layout (then :func:`_gather` runs and reports the problem exactly as before).

    Same values: every box list is converted by the same ``np.asarray(..., float64)`` (all of
    them at once, so one unusable box anywhere sends us to the slow path) and indexed with the
    detections' subject/object ids, checked to be integers within the image's boxes."""
    if type(preds) is not list:
        return None
    images: list[str] = []
    seen: set[str] = set()
    all_boxes: list = []
    all_hois: list = []
    n_boxes: list[int] = []
    n_dets: list[int] = []
    try:
        for entry in preds:
            if type(entry) is not dict:
                return None
            name = str(entry["filename"])
            boxes, hois = entry["predictions"], entry["hoi_prediction"]
            if type(boxes) is not list or type(hois) is not list or name in seen:
                return None
            seen.add(name)
            images.append(name)
            all_boxes += boxes
            all_hois += hois
            n_boxes.append(len(boxes))
            n_dets.append(len(hois))
        bboxes = list(map(itemgetter("bbox"), all_boxes))
        subj = list(map(itemgetter("subject_id"), all_hois))
        obj = list(map(itemgetter("object_id"), all_hois))
        cat = list(map(itemgetter("category_id"), all_hois))
        score = list(map(itemgetter("score"), all_hois))
        types = set(map(type, subj)) | set(map(type, obj))
        if not all(t is int or issubclass(t, np.integer) for t in types):
            return None
        box_arr = np.asarray(bboxes, dtype=np.float64)
        s_arr, o_arr = np.asarray(subj, dtype=np.int64), np.asarray(obj, dtype=np.int64)
        cat_arr, score_arr = np.asarray(cat, dtype=np.float64), np.asarray(score, dtype=np.float64)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    if box_arr.shape != (len(bboxes), 4) or cat_arr.shape != (len(cat),) or score_arr.shape != (len(score),):
        return None
    idx = np.repeat(np.arange(len(images), dtype=np.int64), n_dets)
    count = np.asarray(n_boxes, dtype=np.int64)[idx]
    if ((s_arr < 0) | (o_arr < 0) | (s_arr >= count) | (o_arr >= count)).any():
        return None
    first = (np.cumsum(n_boxes) - np.asarray(n_boxes, dtype=np.int64))[idx]
    return images, idx, [box_arr[first + s_arr], box_arr[first + o_arr], cat_arr, score_arr]


convert, convert_json = hoi_entry_points(_flat, "``ovbench convert --from gen-vlkt|hoiclip results.json``.")
