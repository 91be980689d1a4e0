"""QPIC / CDN / GEN-VLKT ``generate_vcoco_official.py`` pickle -> V-COCO predictions.

``generate()`` (hitachi-rd-cv/qpic, YueLiao/CDN, YueLiao/gen-vlkt) pickles (protocol 2) a list
with one dict per (subject query, object query) pair in s-gupta/v-coco's detection format:
``image_id``, ``person_box`` ``[x1, y1, x2, y2]``, ``<action>_agent`` (26 scores) and
``<action>_<role>`` = role box + score (25 entries). A role verb's score is copied to its agent
score (for cut/hit/eat the max of the two roles); the role box is ``NaN x 4`` when the object
query's class is the "missing object" class (80). Boxes are continuous original-image pixels
(``box_frame: "model"``). The adapter copies every value; a NaN role box is written
``[null, null, null, null, score]``. Every dict must hold exactly the official keys.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import InputError, Problems, SpecError
from ._common import is_path, load_pickle, make_meta

# s-gupta/v-coco vcoco_*.json: actions in file order with their non-agent roles
ROLES = {
    "hold": ("obj",), "stand": (), "sit": ("instr",), "ride": ("instr",), "walk": (), "look": ("obj",),
    "hit": ("instr", "obj"), "eat": ("obj", "instr"), "jump": ("instr",), "lay": ("instr",),
    "talk_on_phone": ("instr",), "carry": ("obj",), "throw": ("obj",), "catch": ("obj",),
    "cut": ("instr", "obj"), "run": (), "work_on_computer": ("instr",), "ski": ("instr",),
    "surf": ("instr",), "skateboard": ("instr",), "smile": (), "drink": ("instr",), "kick": ("obj",),
    "point": ("instr",), "read": ("obj",), "snowboard": ("instr",),
}
AGENT_KEYS = tuple(f"{a}_agent" for a in ROLES)
ROLE_KEYS = tuple(f"{a}_{r}" for a, roles in ROLES.items() for r in roles)
KEYS = frozenset(("image_id", "person_box") + AGENT_KEYS + ROLE_KEYS)
UPSTREAM = {
    "qpic-vcoco": {"score": "sigmoid(verb) * softmax(object) masked by the verb-object table",
                   "pairs": "every (subject, object) query pair, no top-k, no NMS"},
    "cdn-vcoco": {"score": "sigmoid(verb) * softmax(object) masked by the verb-object table",
                  "nms": "optional triplet NMS (--use_nms_filter, 0.7, alpha 1, beta 0.5)"},
    "gen-vlkt-vcoco": {"score": "max over the action's HOI triplets of sigmoid(hoi) + sigmoid(obj)^2",
                       "nms": "optional triplet NMS (--use_nms_filter, 0.7, alpha 1, beta 0.5)"},
}


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) or type(v).__module__ == "numpy"


def check_detections(dets: Any, source: str, fillers: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Validate official-format detection dicts and return them as plain JSON values
    (NaN role boxes -> ``None`` coordinates). ``fillers`` supplies missing keys (UPT's
    ``CacheTemplate``) instead of reporting them."""
    if not isinstance(dets, list):
        raise InputError(f"{source}: expected a list of detection dicts (s-gupta/v-coco detection format), "
                         f"got {type(dets).__name__}")
    problems = Problems(source)
    out: list[dict[str, Any]] = []
    for n, d in enumerate(dets):
        if not isinstance(d, dict):
            problems.add(f"detection {n}: expected a dict, got {type(d).__name__}")
            continue
        img = d.get("image_id")
        where = f"image {img!r}, detection {n}"
        if not isinstance(img, int) and not (type(img).__module__ == "numpy" and float(img) == int(img)):
            problems.add(f"detection {n}: field 'image_id': expected an integer COCO id, got {img!r}")
            continue
        keys = set(d)
        unknown = sorted(map(str, keys - KEYS))
        missing = sorted(KEYS - keys - set(fillers or ()))
        if unknown:
            problems.add(f"{where}: unknown field(s) {unknown[:5]}")
        if missing:
            problems.add(f"{where}: missing field(s) {missing[:5]}" + (" ..." if len(missing) > 5 else ""))
        if unknown or missing:
            continue
        rec: dict[str, Any] = {"image_id": int(img)}
        pb = d["person_box"]
        if (not isinstance(pb, (list, tuple)) or len(pb) != 4 or not all(_num(v) for v in pb)
                or not all(math.isfinite(v) for v in pb)):
            problems.add(f"{where}: field 'person_box': expected 4 finite numbers, got {pb!r}")
            continue
        rec["person_box"] = [float(v) for v in pb]
        for k in AGENT_KEYS:
            s = d[k] if k in d else fillers[k]
            if not _num(s) or not math.isfinite(s):
                problems.add(f"{where}: field {k!r}: expected a finite score, got {s!r}")
            else:
                rec[k] = float(s)
        for k in ROLE_KEYS:
            v = d[k] if k in d else fillers[k]
            if not isinstance(v, (list, tuple)) or len(v) != 5 or not all(_num(x) for x in v):
                problems.add(f"{where}: field {k!r}: expected [x1, y1, x2, y2, score], got {v!r}")
                continue
            box, s = [float(x) for x in v[:4]], float(v[4])
            if not math.isfinite(s):
                problems.add(f"{where}: field {k!r}: expected a finite score, got {s!r}")
                continue
            nan = [math.isnan(x) for x in box]
            if all(nan):
                rec[k] = [None, None, None, None, s]
            elif any(nan) or not all(math.isfinite(x) for x in box):
                problems.add(f"{where}: field {k!r}: box must be 4 finite numbers or 4 NaN, got {v!r}")
            else:
                rec[k] = box + [s]
        out.append(rec)
    problems.raise_if_any("The raw output does not convert to valid ovbench V-COCO predictions.")
    return out


def convert(raw: Any, *, info, method=None, upstream: dict[str, Any] | None = None, **unused) -> dict[str, Any]:
    """``ovbench convert --from qpic-vcoco|cdn-vcoco|gen-vlkt-vcoco detections.pkl``."""
    if unused:
        raise SpecError(f"adapter {info.name!r} takes no option(s) {sorted(unused)}")
    source = str(raw) if is_path(raw) else "<detections>"
    dets = load_pickle(raw, "generate_vcoco_official pickle") if is_path(raw) else raw
    preds = check_detections(dets, source)
    up = dict(UPSTREAM.get(info.name, {}))
    up.update(upstream or {})
    n_nan = sum(1 for d in preds for k in ROLE_KEYS if d[k][0] is None)
    post = {"adapter": "none (values copied; NaN role boxes written as null)", "upstream": up}
    meta = make_meta(info, method=method, postprocess=post, box_frame="model",
                     sources=[raw] if is_path(raw) else [],
                     extra={"counts": {"images": len({d["image_id"] for d in preds}), "detections": len(preds),
                                       "role_boxes_missing": n_nan}})
    return {"predictions": preds, "meta": meta}
