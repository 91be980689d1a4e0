"""V-COCO predictions: the official detection format, as JSON (ovbench) or the official pickle.

One entry per detected person (see ``docs/v-coco.md`` for the JSON schema)::

    {"predictions": [{"image_id": 165, "person_box": [x1, y1, x2, y2],
                      "hold_agent": 0.9, "hold_obj": [x1, y1, x2, y2, 0.8], ...}, ...],
     "meta": {"box_frame": "model" | "gt", ...}}

Every ``<action>_agent`` (26) and ``<action>_<role>`` (25) key must be present, as for
``vsrl_eval.py``. A role box ``[null, null, null, null, s]`` (NaN in a pickle) is the "no object"
answer; ``[0, 0, 0, 0, s]`` means the same to the official evaluator. Scores must be finite.
The official pickle (a list of such dicts) is read through the safe unpickler.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from ..annotations.vcoco import AGENT_KEYS, ROLE_KEYS
from ..errors import InputError, Problems, did_you_mean
from ..jsonio import load_json, sha256_file

EXPECTED_KEYS = frozenset(("image_id", "person_box", *AGENT_KEYS, *ROLE_KEYS))
_AGENTS = itemgetter(*AGENT_KEYS)
_ROLES = itemgetter(*ROLE_KEYS)


@dataclass
class VcocoDetections:
    """Detections as arrays, in file order, restricted to the split's images.

    ``image`` (index into the split), ``person_box`` (n x 4), ``agent`` (n x 26 scores),
    ``role`` (n x 25 x 5: box + score, NaN box = no object), all float32 as the official
    evaluator casts them.
    """

    image: np.ndarray
    person_box: np.ndarray
    agent: np.ndarray
    role: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""
    outside_split: int = 0
    outside_examples: list[int] = field(default_factory=list)

    @property
    def n_images_with_predictions(self) -> int:
        return int(len(np.unique(self.image)))


def load_predictions(path: str | os.PathLike, index: dict[int, int]) -> VcocoDetections:
    """Read ``path`` (``.json``: ovbench format; ``.pkl``/``.pickle``: the official pickle)."""
    path = Path(path)
    src = str(path)
    if path.suffix.lower() in (".pkl", ".pickle", ".p"):
        from ..safepickle import load_pickle

        dets = load_pickle(path, "V-COCO detection pickle")
        meta: dict[str, Any] = {"format": "vcoco-official-pickle"}
    else:
        data = load_json(path, "predictions file")
        if not isinstance(data, dict) or not isinstance(data.get("predictions"), list):
            raise InputError(f"{src}: expected an object with a 'predictions' list (the V-COCO detection format)")
        dets = data["predictions"]
        meta = data.get("meta") or {}
        if not isinstance(meta, dict):
            raise InputError(f"{src}: field 'meta' must be an object")
    if not isinstance(dets, list):
        raise InputError(f"{src}: expected a list of detection dicts, got {type(dets).__name__}")
    out = parse_detections(dets, index, src)
    out.meta = dict(meta)
    out.sha256 = sha256_file(path)
    return out


def _where(d: Any, k: int) -> str:
    iid = d.get("image_id") if isinstance(d, dict) else None
    return f"detection {k} (image {iid})"


def parse_detections(dets: list, index: dict[int, int], source: str) -> VcocoDetections:
    """Validate and convert a list of official detection dicts (errors name entry, image, field)."""
    problems = Problems(source)
    bad = [k for k, d in enumerate(dets) if not isinstance(d, dict) or d.keys() != EXPECTED_KEYS]
    for k in bad:
        d = dets[k]
        if not isinstance(d, dict):
            problems.add(f"detection {k}: expected an object, got {type(d).__name__}")
            continue
        missing = sorted(EXPECTED_KEYS - set(d))
        unknown = sorted(set(d) - EXPECTED_KEYS)
        if missing:
            problems.add(f"{_where(d, k)}: field {missing[0]!r} missing ({len(missing)} missing)")
        for u in unknown[:3]:
            problems.add(f"{_where(d, k)}: unknown field {u!r} (not an action or action_role of V-COCO)."
                         + did_you_mean(u, EXPECTED_KEYS))
    problems.raise_if_any("every detection needs image_id, person_box, 26 <action>_agent and 25 <action>_<role>")
    n = len(dets)
    try:
        iids = [d["image_id"] for d in dets]
        img_all = np.array([int(i) if float(i) == int(i) else math.nan for i in iids], dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        k = next(k for k, d in enumerate(dets) if not _is_int(d["image_id"]))
        raise InputError(f"{source}: detection {k}: field 'image_id': expected an integer, got "
                         f"{dets[k]['image_id']!r}") from None
    if np.isnan(img_all).any():
        k = int(np.flatnonzero(np.isnan(img_all))[0])
        raise InputError(f"{source}: detection {k}: field 'image_id': expected an integer, got {dets[k]['image_id']!r}")
    person = _float_rows([d["person_box"] for d in dets], 4, source, dets, "person_box")
    agent = _float_rows([_AGENTS(d) for d in dets], 26, source, dets, "<action>_agent")
    roles = _float_rows([_ROLES(d) for d in dets], (25, 5), source, dets, "<action>_<role>")
    # finiteness: scores and person boxes must be finite; role boxes may be NaN (all four) only
    for arr, what in ((person, "person_box"), (agent, None), (roles[:, :, 4], None)):
        bad_rows = ~np.isfinite(arr).reshape(n, -1).all(axis=1)
        if bad_rows.any():
            k = int(np.flatnonzero(bad_rows)[0])
            col = int(np.flatnonzero(~np.isfinite(arr[k].reshape(-1)))[0])
            name = what or (AGENT_KEYS[col] if arr is agent else ROLE_KEYS[col])
            problems.add(f"{_where(dets[k], k)}: field {name!r}: non-finite value "
                         f"({int(bad_rows.sum())} detections affected); scores and person boxes must be numbers")
    rb = roles[:, :, :4]
    nanb = np.isnan(rb)
    partial = nanb.any(axis=2) & ~nanb.all(axis=2)
    partial |= np.isinf(rb).any(axis=2)
    if partial.any():
        k, e = (int(v[0]) for v in np.nonzero(partial))
        problems.add(f"{_where(dets[k], k)}: field {ROLE_KEYS[e]!r}: role box must be 4 numbers or 4 nulls (no object)")
    problems.raise_if_any()
    lookup = np.array([index.get(int(i), -1) for i in img_all.astype(np.int64).tolist()], dtype=np.int64) \
        if n else np.zeros(0, np.int64)
    inside = lookup >= 0
    outside = img_all[~inside].astype(np.int64)
    return VcocoDetections(
        image=lookup[inside], person_box=person[inside], agent=agent[inside], role=roles[inside],
        outside_split=int((~inside).sum()), outside_examples=sorted(set(outside.tolist()))[:5],
    )


def _is_int(v: Any) -> bool:
    try:
        return float(v) == int(v)
    except (TypeError, ValueError, OverflowError):
        return False


def _float_rows(rows: list, shape, source: str, dets: list, what: str) -> np.ndarray:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    try:
        arr = np.array(rows, dtype=np.float32)
        if arr.shape == (len(rows), *shape):
            return arr
    except (TypeError, ValueError):
        pass
    # slow path: nulls (JSON's NaN) or a malformed entry somewhere
    out = np.empty((len(rows), *shape), dtype=np.float32)
    for k, row in enumerate(rows):
        try:
            a = np.array(row, dtype=object)
            if a.shape != shape:
                raise ValueError(f"expected shape {list(shape)}, got {list(a.shape)}")
            a[np.equal(a, None)] = math.nan
            out[k] = a.astype(np.float32)
        except (TypeError, ValueError) as exc:
            field_name = what
            if what == "<action>_<role>" and isinstance(row, tuple):
                for key, v in zip(ROLE_KEYS, row):
                    if not (isinstance(v, (list, tuple, np.ndarray)) and len(v) == 5):
                        field_name = key
                        break
            elif what == "<action>_agent" and isinstance(row, tuple):
                for key, v in zip(AGENT_KEYS, row):
                    if not isinstance(v, (int, float, np.floating, np.integer)) or isinstance(v, bool):
                        field_name = key
                        break
            raise InputError(f"{source}: {_where(dets[k], k)}: field {field_name!r}: {exc}") from None
    return out
