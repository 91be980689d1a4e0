"""THID and CMD-SE on SWIG-HOI: ``preds.pkl`` -> SWIG-HOI predictions.

Both repositories evaluate SWIG-HOI with the same ``datasets/swig_evaluator.py``:
``SWiGEvaluator.update`` receives ``{img_id: [[hoi_id, score, hx1, hy1, hx2, hy2, ox1, oy1, ox2,
oy2], ...]}`` from ``engine.py: evaluate`` and ``save_preds()`` pickles ``{"scores": {hoi: [..]},
"boxes": {hoi: [[8 floats]]}, "keys": {hoi: [img_id]}}`` to ``output_dir/preds.pkl``.

* ``hoi`` is the SWIG-HOI interaction id (``SWIG_INTERACTIONS[i]["id"] == i``; the model's
  class index is mapped through the dataset's ``text_mapper`` before the pickle is written);
  ``img_id`` is the annotation file's ``img_id``, so ``--annotations swig_test_1000.json`` is
  required to name the images. Both repositories' ``val`` split *is* ``swig_test_1000.json``
  (``datasets/swig.py: SWIG_VAL_ANNO``).
* Boxes are continuous pixels of the original image, clamped to ``[0, w] x [0, h]``
  (``models/model.py: PostProcess``): the ``model`` frame, which SWIG-HOI scores as given.
* Upstream post-processing is already applied and cannot be undone (score threshold, per-class
  NMS 0.5 on person **or** object boxes; CMD-SE raises the box score to ``bbox_lambda``); the
  data loader skips images without box or HOI annotations, so they never get detections.

Order: THID's evaluator ranks each class with ``np.argsort(scores)[::-1]`` over the class's list
in the order the detections were added, so ties depend on that order. The pickle keeps it per
class; this adapter writes images in an order consistent with every class's list (the annotation
file's order when the loader was sequential, else a topological merge) and, within an image,
detections by HOI id then pickle order, so ``ovbench score -b swig-hoi --profile thid`` sees each
class's detections in exactly the pickle's order. ``meta.postprocess.order`` says which case held.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any

import numpy as np

from ..annotations.swighoi import load_annotations
from ..errors import InputError, Problems, SpecError
from ..predictions.swighoi import _validate
from ..splits.swighoi import vocabulary
from ._common import is_path, load_pickle, make_meta

UPSTREAM_DEFAULTS = {
    "thid-swig-hoi": {"score": "softmax(logits) * sigmoid(box_score)", "nms": "per-class NMS 0.5 on person OR object boxes",
                      "dropped_images": "images without box or HOI annotations"},
    "cmd-se-swig-hoi": {"score": "softmax(logits) * sigmoid(box_score)^bbox_lambda",
                        "nms": "per-class NMS 0.5 on person OR object boxes",
                        "dropped_images": "images without box or HOI annotations"},
}


def convert(raw: Any, *, info, annotations=None, method=None, upstream: dict[str, Any] | None = None,
            **unused) -> dict[str, Any]:
    """``{"predictions": {file_name: [...]}, "meta": {...}}`` from a ``preds.pkl`` (path or dict)."""
    if unused:
        raise SpecError(f"adapter {info.name!r} takes no option(s) {sorted(unused)}")
    if annotations is None:
        raise SpecError(f"adapter {info.name!r} needs --annotations swig_test_1000.json: the pickle names "
                        "images by img_id, the annotation file maps them to file names")
    source = str(raw) if is_path(raw) else "<preds>"
    gt = load_annotations(annotations)
    data = load_pickle(raw, "THID/CMD-SE SWIG-HOI preds.pkl") if is_path(raw) else raw
    img_ids, hoi, score, boxes, pos = _flatten(data, source)
    # img_id -> annotation index
    sorter = np.argsort(gt.img_ids)
    at = np.minimum(np.searchsorted(gt.img_ids, img_ids, sorter=sorter), len(sorter) - 1)
    image = sorter[at]
    unknown = np.flatnonzero(gt.img_ids[image] != img_ids)
    if len(unknown):
        ids = sorted(set(img_ids[unknown].tolist()))
        raise InputError(f"{source}: {len(ids)} image id(s) in 'keys' are not img_id values of {annotations} "
                         f"(first: {ids[:5]}); pass the annotation file the model was evaluated on")
    rank, how = _image_order(image, hoi, gt.n_images)
    order = np.lexsort((pos, hoi, rank[image]))
    image, hoi, score, boxes = image[order], hoi[order], score[order], boxes[order]
    names = [gt.file_names[i] for i in np.unique(image).tolist()] if len(image) else []
    firsts = np.flatnonzero(np.concatenate(([True], image[1:] != image[:-1]))) if len(image) else np.zeros(0, int)
    counts = np.diff(np.append(firsts, len(image)))
    problems = Problems(source)
    _validate(hoi, boxes, score, np.zeros(len(hoi), dtype=np.int64),
              [gt.file_names[i] for i in image[firsts].tolist()], counts, problems)
    problems.raise_if_any()
    preds: dict[str, list] = {}
    hb, ob, sc, hh = boxes[:, :4].tolist(), boxes[:, 4:].tolist(), score.tolist(), hoi.tolist()
    for k, (a, n) in enumerate(zip(firsts.tolist(), counts.tolist())):
        preds[gt.file_names[int(image[a])]] = [
            {"human_box": hb[i], "object_box": ob[i], "hoi": hh[i], "score": sc[i]} for i in range(a, a + n)]
    up = dict(UPSTREAM_DEFAULTS.get(info.name, {}))
    up.update(upstream or {})
    post = {"adapter": "none (detections copied as scored upstream)", "order": how,
            "order_within_image": "by HOI id, then pickle order", "upstream": up}
    meta = make_meta(info, method=method, postprocess=post, box_frame="model",
                     sources=[raw, annotations] if is_path(raw) else [annotations],
                     extra={"counts": {"images": len(names), "detections": int(len(score))}})
    return {"predictions": preds, "meta": meta}


def _flatten(data: Any, source: str):
    """Concatenated (img_id, hoi, score, boxes, position-in-class) arrays, validated for shape."""
    if not isinstance(data, dict) or not all(k in data for k in ("scores", "boxes", "keys")):
        raise InputError(f"{source}: expected a dict with 'scores', 'boxes' and 'keys' (SWiGEvaluator.save_preds)")
    scores, boxes, keys = data["scores"], data["boxes"], data["keys"]
    if not all(isinstance(x, dict) for x in (scores, boxes, keys)):
        raise InputError(f"{source}: 'scores', 'boxes' and 'keys' must be dicts keyed by HOI id")
    n_hoi = vocabulary().n_hoi
    ids = set(scores) | set(boxes) | set(keys)
    bad = [h for h in ids if not isinstance(h, (int, np.integer)) or isinstance(h, bool) or not 0 <= int(h) < n_hoi]
    if bad:
        raise InputError(f"{source}: HOI ids {[repr(b)[:30] for b in bad[:5]]} are not SWIG-HOI interaction ids "
                         f"(0..{n_hoi - 1})")
    parts = []
    for h in sorted(int(i) for i in ids):
        s, b, k = scores.get(h, []), boxes.get(h, []), keys.get(h, [])
        if not all(isinstance(x, (list, tuple, np.ndarray)) for x in (s, b, k)):
            raise InputError(f"{source}: HOI {h}: scores, boxes and keys must be lists")
        if not (len(s) == len(b) == len(k)):
            raise InputError(f"{source}: HOI {h}: {len(s)} scores, {len(b)} boxes, {len(k)} keys; "
                             "expected equal lengths")
        if not len(s):
            continue
        try:
            lens = np.fromiter(map(len, b), dtype=np.int64, count=len(b))
        except TypeError:
            raise InputError(f"{source}: HOI {h}: each box must be a list of 8 numbers") from None
        if (lens != 8).any():
            row = int(np.argmax(lens != 8))
            raise InputError(f"{source}: HOI {h}, entry {row}: box has {int(lens[row])} numbers; expected 8 "
                             "[hx1, hy1, hx2, hy2, ox1, oy1, ox2, oy2]")
        try:
            b_arr = np.fromiter(itertools.chain.from_iterable(b), dtype=np.float64, count=8 * len(b)).reshape(-1, 8)
            s_arr = np.asarray(s, dtype=np.float64).reshape(-1)
            k_raw = np.asarray(k)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{source}: HOI {h}: boxes and scores must hold numbers ({str(exc)[:100]})") from None
        if k_raw.dtype.kind not in "iu" or (k_raw.dtype.kind == "u" and k_raw.size and k_raw.max() > 2**62):
            raise InputError(f"{source}: HOI {h}: image ids in 'keys' must be integers (img_id), got "
                             f"{k_raw.dtype} values such as {repr(k_raw.reshape(-1)[0])[:30]}")
        parts.append((k_raw.astype(np.int64).reshape(-1), np.full(len(s_arr), h, dtype=np.int64), s_arr, b_arr,
                      np.arange(len(s_arr), dtype=np.int64)))
    if not parts:
        return (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros((0, 8)), np.zeros(0, np.int64))
    return tuple(np.concatenate(p) for p in zip(*parts))


def _image_order(image: np.ndarray, hoi: np.ndarray, n_images: int) -> tuple[np.ndarray, str]:
    """A rank per annotation image consistent with every class's pickle order (``image`` is grouped
    by class, pickle order inside)."""
    rank = np.arange(n_images)
    if len(image) < 2:
        return rank, "annotation order"
    same = hoi[1:] == hoi[:-1]
    if not (same & (image[1:] < image[:-1])).any():
        return rank, "annotation order (consistent with every class's pickle order)"
    edges = {(a, b) for a, b, s in zip(image[:-1].tolist(), image[1:].tolist(), same.tolist()) if s and a != b}
    succ: dict[int, list[int]] = {}
    indeg = np.zeros(n_images, dtype=np.int64)
    for a, b in edges:
        succ.setdefault(a, []).append(b)
        indeg[b] += 1
    heap = [i for i in range(n_images) if indeg[i] == 0]
    heapq.heapify(heap)
    out = []
    while heap:
        a = heapq.heappop(heap)
        out.append(a)
        for b in succ.get(a, ()):
            indeg[b] -= 1
            if indeg[b] == 0:
                heapq.heappush(heap, b)
    if len(out) < n_images:
        return rank, ("annotation order; the classes' pickle orders contradict each other, so --profile thid "
                      "may rank tied scores differently from the run that wrote the pickle")
    rank[np.asarray(out)] = np.arange(n_images)
    return rank, "merged pickle order (consistent with every class's pickle order)"


def convert_json(raw: Any, *, info, **options) -> bytes:
    """The output file's bytes: ``meta`` with sorted keys, then ``predictions`` in the order
    :func:`convert` built (not sorted by file name, which would lose the pickle's per-class order
    that ``--profile thid`` ranks ties by)."""
    import orjson

    doc = convert(raw, info=info, **options)
    return (b'{"meta":' + orjson.dumps(doc["meta"], option=orjson.OPT_SORT_KEYS)
            + b',"predictions":' + orjson.dumps(doc["predictions"]) + b"}\n")
