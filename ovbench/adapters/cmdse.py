"""CMD-SE and THID: ``preds.pkl`` -> HOI predictions.

Both repositories share ``datasets/hico_evaluator.py``: ``HICOEvaluator.update`` receives
``{img_id: [[hoi_id, score, hx1, hy1, hx2, hy2, ox1, oy1, ox2, oy2], ...]}`` from ``engine.py``
and ``save_preds()`` pickles ``{"scores": {hoi: [..]}, "boxes": {hoi: [[8 floats]]}, "keys":
{hoi: [img_id]}}`` to ``output_dir/preds.pkl``.

* ``hoi`` is already the 0-based official HICO-DET id (``HICO_INTERACTIONS[i]['interaction_id']
  == i``); ``img_id`` is the integer in the file name (``HICO_test2015_%08d.jpg``).
* Boxes are continuous pixels of the original image, clamped to ``[0, w] x [0, h]``
  (``models/model.py: PostProcess``): the ``model`` box frame.
* Upstream post-processing is already applied before the pickle is written and cannot be undone:
  score = softmax/sigmoid(logits) x sigmoid(box score)^lambda (lambda 2 in CMD-SE, 1 in THID), a
  score threshold, and per-class NMS at 0.5 on person **or** object boxes; its dataset also drops
  the 112 images without annotations and, with ``--ignore_non_interaction``, the test images whose
  ground truth is only ``no_interaction`` (they get no detections and so count as misses here).
  The values are recorded in ``meta.postprocess.upstream`` (released defaults unless given).

Within an image, detections are listed by HOI id, then in pickle order (the pickle keeps no
per-image order).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..errors import InputError, SpecError, shorten, type_name
from ._common import hico_file_name, hoi_entry_points, is_path, load_pickle, make_meta

UPSTREAM_DEFAULTS = {
    "cmd-se": {"score": "softmax(logits) * sigmoid(box_score)^2", "score_threshold": 1e-4,
               "nms": "per-class NMS 0.5 on person boxes OR object boxes",
               "dropped_images": "no annotations (112) and only-no_interaction (--ignore_non_interaction true)"},
    "thid": {"score": "softmax(logits) * sigmoid(box_score)^1", "score_threshold": 0.01,
             "nms": "per-class NMS 0.5 on person boxes OR object boxes",
             "dropped_images": "no annotations (112) and only-no_interaction"},
}


def _flat(raw: Any, *, info, method=None, upstream: dict[str, Any] | None = None, **unused):
    """-> (meta, (images, img_idx, human, object, hoi, score), source), not yet validated."""
    if unused:
        raise SpecError(f"adapter {info.name!r} takes no option(s) {sorted(unused)}")
    source = str(raw) if is_path(raw) else "<preds>"
    data = load_pickle(raw, "CMD-SE/THID preds.pkl") if is_path(raw) else raw
    if not isinstance(data, dict) or not all(k in data for k in ("scores", "boxes", "keys")):
        raise InputError(f"{source}: expected a dict with 'scores', 'boxes' and 'keys' (HICOEvaluator.save_preds)")
    scores, boxes, keys = data["scores"], data["boxes"], data["keys"]
    for name, value in (("scores", scores), ("boxes", boxes), ("keys", keys)):
        if not isinstance(value, dict):
            raise InputError(f"{source}: field {name!r}: expected a dict {{hoi id: list}}, got "
                             f"{type_name(value)}")
    hoi_ids = sorted(set(scores) | set(boxes) | set(keys))
    bad = [h for h in hoi_ids if not isinstance(h, (int, np.integer)) or not 0 <= int(h) < 600]
    if bad:
        raise InputError(f"{source}: HOI ids {bad[:5]} are not 0-based official ids (0..599)")
    parts_k, parts_s, parts_b, parts_h = [], [], [], []
    for h in hoi_ids:
        s, b, k = scores.get(h, []), boxes.get(h, []), keys.get(h, [])
        for name, value in (("scores", s), ("boxes", b), ("keys", k)):
            if not isinstance(value, (list, tuple, np.ndarray)):
                raise InputError(f"{source}: HOI {h}: field {name!r}: expected a list, got {type_name(value)}")
        if not (len(s) == len(b) == len(k)):
            raise InputError(f"{source}: HOI {h}: {len(s)} scores, {len(b)} boxes, {len(k)} keys; "
                             "expected equal lengths")
        if not len(s):
            continue
        lens = np.fromiter(map(len, b), dtype=np.int64, count=len(b))
        if (lens != 8).any():
            row = int(np.argmax(lens != 8))
            raise InputError(f"{source}: HOI {h}, entry {row} (image id {k[row]}): box has {int(lens[row])} "
                             "numbers; expected 8 [hx1, hy1, hx2, hy2, ox1, oy1, ox2, oy2]")
        try:  # fromiter over the flattened rows: ~2x faster than asarray on nested lists
            b_arr = np.fromiter(itertools.chain.from_iterable(b), dtype=np.float64, count=8 * len(b)).reshape(-1, 8)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{source}: HOI {h}: boxes must hold numbers ({exc})") from None
        parts_b.append(b_arr)
        parts_s.append(np.asarray(s, dtype=np.float64).reshape(-1))
        parts_k.append(_image_ids(k, h, source))
        parts_h.append(np.full(len(s), int(h), dtype=np.int64))
    if parts_k:
        img_ids = np.concatenate(parts_k)
        box = np.concatenate(parts_b)
        score = np.concatenate(parts_s)
        hoi = np.concatenate(parts_h)
    else:
        img_ids, box, score, hoi = (np.zeros(0, np.int64), np.zeros((0, 8)), np.zeros(0), np.zeros(0, np.int64))
    uniq, img_idx = np.unique(img_ids, return_inverse=True)
    if len(uniq) and uniq[0] < 0:
        raise InputError(f"{source}: negative image id {int(uniq[0])} in 'keys'")
    images = [hico_file_name(i) for i in uniq.tolist()]
    up = dict(UPSTREAM_DEFAULTS.get(info.name, {}))
    up.update(upstream or {})
    post = {"adapter": "none (detections copied as scored upstream)",
            "order_within_image": "by HOI id, then pickle order", "upstream": up}
    meta = make_meta(info, method=method, postprocess=post, box_frame="model",
                     sources=[raw] if is_path(raw) else [],
                     extra={"counts": {"images": len(images), "detections": int(len(score))}})
    return meta, (images, img_idx, box[:, :4], box[:, 4:], hoi, score), source


def _image_ids(keys: Any, hoi: int, source: str) -> np.ndarray:
    """One HOI's image ids as int64: integers only (a float id would be truncated onto another
    image), each in 0..2**63-1."""
    if not isinstance(keys, (list, tuple, np.ndarray)):
        raise InputError(f"{source}: HOI {hoi}: field 'keys': expected a list of integer image ids, "
                         f"got {type_name(keys)}")
    arr = np.asarray(keys, dtype=object).reshape(-1) if not isinstance(keys, np.ndarray) else keys.reshape(-1)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    for pos, value in enumerate(arr.tolist()):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
            raise InputError(f"{source}: HOI {hoi}, entry {pos}: field 'keys': expected an integer image id "
                             f"(the number in HICO_test2015_########.jpg), got {shorten(value)}")
    return np.asarray(arr.tolist(), dtype=np.int64)


convert, convert_json = hoi_entry_points(_flat, "``ovbench convert --from cmd-se|thid output/preds.pkl``.")
