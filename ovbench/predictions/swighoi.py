"""SWIG-HOI predictions: the ovbench HOI predictions format with SWIG-HOI interaction ids.

Format (JSON)::

    {"predictions": {
        "tattooing_233.jpg": [
            {"human_box": [x1, y1, x2, y2], "object_box": [x1, y1, x2, y2], "hoi": 8123, "score": 0.93},
            ...],
        ...},
     "meta": {"name": "my-model", ...}}

Keys are the annotation file's ``file_name`` values; ``hoi`` is the SWIG-HOI interaction id
(0..14129, the order of THID's ``SWIG_INTERACTIONS``); boxes are continuous pixel boxes
``[x1, y1, x2, y2]`` of the original image, as THID's post-processing writes them. Names are not
accepted in place of ids because 37 object names repeat in the vocabulary. Detections keep
their file order (``position``): the ``thid`` profile ranks ties by it, as THID's evaluator
sees detections in the order they were added.

Any problem (unknown image or interaction id, a non-finite or inverted box, a non-finite score,
duplicate image keys, malformed or truncated JSON) raises one
:class:`~ovbench.errors.InputError` listing up to 20 problems with file, image, detection
index and field.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from typing import Any, Optional

import msgspec
import numpy as np

from ..errors import InputError, Problems
from ..jsonio import gc_paused
from ..splits.swighoi import vocabulary
from .hoi import _check_duplicates, _image_hint, _mapped, box_score_problems


class _Det(msgspec.Struct, gc=False):
    human_box: tuple[float, float, float, float]
    object_box: tuple[float, float, float, float]
    hoi: int
    score: float


class _Doc(msgspec.Struct):
    predictions: dict[str, list[_Det]]
    meta: Optional[dict[str, Any]] = None


_DECODER = msgspec.json.Decoder(_Doc)


@dataclass(frozen=True)
class SwigHoiDetections:
    """Detections as flat arrays; ``image`` indexes the annotation file's images."""

    image: np.ndarray      # (n,) int64
    hoi: np.ndarray        # (n,) int64
    boxes: np.ndarray      # (n, 8) float64
    score: np.ndarray      # (n,) float64
    position: np.ndarray   # (n,) int64, order in the file
    meta: dict = field(default_factory=dict)
    n_images_with_predictions: int = 0
    sha256: str | None = None


def from_arrays(image, hoi, boxes, score, meta=None) -> SwigHoiDetections:
    """Detections from in-memory arrays (Python API); order = position."""
    image = np.asarray(image, dtype=np.int64)
    return SwigHoiDetections(image=image, hoi=np.asarray(hoi, dtype=np.int64),
                             boxes=np.asarray(boxes, dtype=np.float64).reshape(-1, 8),
                             score=np.asarray(score, dtype=np.float64), position=np.arange(len(image)),
                             meta=dict(meta or {}), n_images_with_predictions=len(np.unique(image)))


def load_predictions(path: str | os.PathLike, image_index: dict[str, int]) -> SwigHoiDetections:
    """Read and validate a SWIG-HOI predictions file against the annotation file's images."""
    import hashlib

    source = str(path)
    with _mapped(path) as data:
        digest = hashlib.sha256(data).hexdigest()
        with gc_paused():
            try:
                doc = _DECODER.decode(data)
            except (msgspec.ValidationError, msgspec.DecodeError) as exc:
                _explain(bytes(data), source, str(exc))
            names = list(doc.predictions)
            det_lists = list(doc.predictions.values())
            counts = np.fromiter(map(len, det_lists), dtype=np.int64, count=len(det_lists))
            dets = list(chain.from_iterable(det_lists))
            del det_lists
            n = len(dets)
            boxes = np.empty((n, 8), dtype=np.float64)
            boxes[:, :4] = np.fromiter(chain.from_iterable(map(attrgetter("human_box"), dets)), np.float64,
                                       4 * n).reshape(n, 4)
            boxes[:, 4:] = np.fromiter(chain.from_iterable(map(attrgetter("object_box"), dets)), np.float64,
                                       4 * n).reshape(n, 4)
            score = np.fromiter(map(attrgetter("score"), dets), np.float64, n)
            try:
                hoi = np.fromiter(map(attrgetter("hoi"), dets), np.int64, n)
            except OverflowError:
                hoi = np.fromiter((d.hoi if -2**62 < d.hoi < 2**62 else -1 for d in dets), np.int64, n)
            meta = {} if doc.meta is None else doc.meta
            expected = 2 + n + (0 if doc.meta is None else msgspec.json.encode(doc.meta).count(b"{"))
            if int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 0x7B)) != expected:  # no copy
                _check_duplicates(bytes(data), source)
            del dets, doc
    problems = Problems(source)
    image_of_name = np.fromiter((image_index.get(k, -1) for k in names), dtype=np.int64, count=len(names))
    for k in np.flatnonzero(image_of_name < 0):
        problems.add(f"image {_short(names[k])}: not in the annotation file" + _image_hint(names[k], image_index))
    image = np.repeat(image_of_name, counts)
    _validate(hoi, boxes, score, image, names, counts, problems)
    problems.raise_if_any("Fix: keys are the annotation file's file names and 'hoi' a SWIG-HOI interaction id; "
                          "see docs/swig-hoi.md for the predictions format.")
    return SwigHoiDetections(image=image, hoi=hoi, boxes=boxes, score=score,
                             position=np.arange(n, dtype=np.int64), meta=dict(meta),
                             n_images_with_predictions=int((counts > 0).sum()), sha256=digest)


def _short(value: Any, n: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= n else text[:n] + f"... ({len(text)} characters)"


def _validate(hoi, boxes, score, image, names, counts, problems: Problems) -> None:
    n_hoi = vocabulary().n_hoi
    starts = np.cumsum(counts) - counts
    which = np.repeat(np.arange(len(names)), counts)

    def where(i: int) -> str:
        k = int(which[i])
        return f"image {_short(names[k])}, detection {int(i - starts[k])}"

    checks = [
        ((hoi < 0) | (hoi >= n_hoi), lambda i: f"field 'hoi': expected an interaction id 0..{n_hoi - 1}, "
                                               f"got {int(hoi[i]) if hoi[i] >= 0 else 'an out-of-range integer'}"),
        (~np.isfinite(score), lambda i: f"field 'score': expected a finite number, got {score[i]!r}"),
        (~np.isfinite(boxes[:, :4]).all(1), lambda i: f"field 'human_box': non-finite coordinate in "
                                                      f"{boxes[i, :4].tolist()}"),
        (~np.isfinite(boxes[:, 4:]).all(1), lambda i: f"field 'object_box': non-finite coordinate in "
                                                      f"{boxes[i, 4:].tolist()}"),
        ((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1]),
         lambda i: f"field 'human_box': x2 < x1 or y2 < y1 in {boxes[i, :4].tolist()} (expected [x1, y1, x2, y2])"),
        ((boxes[:, 6] < boxes[:, 4]) | (boxes[:, 7] < boxes[:, 5]),
         lambda i: f"field 'object_box': x2 < x1 or y2 < y1 in {boxes[i, 4:].tolist()} (expected [x1, y1, x2, y2])"),
    ]
    with np.errstate(invalid="ignore"):
        bad_rows = [(np.flatnonzero(mask & (image >= 0)), msg) for mask, msg in checks]
    for rows, msg in bad_rows:
        for i in rows[:problems.limit]:
            problems.add(f"{where(int(i))}: {msg(int(i))}")
        problems.count += max(0, len(rows) - problems.limit)


def _explain(data: bytes, source: str, parser_message: str):
    """The typed decoder refused the file: locate the problems with a tolerant parser, raise."""
    if not data.strip():
        raise InputError(f"{source}: the file is empty; expected a JSON object with 'predictions'")
    try:
        doc = json.loads(data)  # also accepts NaN / Infinity, to name where they are
    except (ValueError, RecursionError) as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if hasattr(exc, "lineno") else ""
        pos = getattr(exc, "pos", None)
        truncated = pos is not None and pos >= len(data.rstrip()) - 1
        raise InputError(f"{source}: not valid JSON: {getattr(exc, 'msg', 'nesting too deep')}{where}"
                         + (" (the file looks truncated)" if truncated else "")) from None
    problems = Problems(source)
    if not isinstance(doc, dict) or not isinstance(doc.get("predictions"), dict):
        got = doc.get("predictions") if isinstance(doc, dict) else doc
        hint = (" (a list: this looks like a V-COCO or a raw model output; SWIG-HOI predictions map file "
                "names to lists)") if isinstance(got, list) else ""
        raise InputError(f"{source}: expected an object with a 'predictions' object mapping image file names "
                         f"to lists of detections; got {type(got).__name__}{hint}")
    if "meta" in doc and doc["meta"] is not None and not isinstance(doc["meta"], dict):
        problems.add(f"field 'meta': expected an object, got {type(doc['meta']).__name__}")
    hico_like = 0
    for name, dets in doc["predictions"].items():
        if not isinstance(dets, list):
            problems.add(f"image {_short(name)}: expected a list of detections, got {type(dets).__name__}")
            continue
        for k, det in enumerate(dets):
            if isinstance(det, dict) and "verb" in det and "hoi" not in det:
                hico_like += 1
            for msg in _det_problems(det):
                problems.add(f"image {_short(name)}, detection {k}: {msg}")
    hint = ("Hint: detections name 'verb'/'object' as HICO-DET predictions do; SWIG-HOI needs 'hoi' ids "
            "(use -b hico-det for HICO-DET predictions)." if hico_like else "")
    problems.raise_if_any(hint)
    raise InputError(f"{source}: invalid predictions file: {parser_message[:300]}")


def _det_problems(det: Any) -> list[str]:
    if not isinstance(det, dict):
        return [f"expected an object, got {type(det).__name__}"]
    out = box_score_problems(det)
    h = det.get("hoi")
    n_hoi = vocabulary().n_hoi
    if not (isinstance(h, int) and not isinstance(h, bool) and 0 <= h < n_hoi):
        out.append(f"field 'hoi': expected an integer interaction id 0..{n_hoi - 1}, got {_short(h, 40)}")
    return out

