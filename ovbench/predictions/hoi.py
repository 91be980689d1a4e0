"""HICO-DET predictions: the ovbench HOI predictions format, read fast and validated.

Format (JSON)::

    {"predictions": {
        "HICO_test2015_00000001.jpg": [
            {"human_box": [x1, y1, x2, y2], "object_box": [x1, y1, x2, y2],
             "verb": "ride", "object": "bicycle", "score": 0.93},
            {"human_box": [...], "object_box": [...], "hoi": 76, "score": 0.41},
            ...],
        ...},
     "meta": {"name": "my-model", ...}}

``hoi`` (0-based official id) may replace ``verb`` + ``object``; when both are given they must
agree. Object names use HICO-DET's spelling (``sports_ball``; a space for ``_`` is accepted).
Images of the annotation file without a key count as having no detections. ``meta`` is
optional and copied into the result's ``method`` block.

Reading: msgspec decodes straight into compact structs (no intermediate dicts), which are
flattened into numpy arrays in a few passes. Any problem (unknown image, verb, object or HOI
id, a verb/object pair that is not one of the 600 classes, non-finite or inverted boxes,
non-finite scores, duplicate image keys, malformed or truncated JSON) raises one
:class:`~ovbench.errors.InputError` listing up to 20 problems with file, image, detection
index and field.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import mmap
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import attrgetter
from typing import Any, Literal, Optional

import msgspec
import numpy as np

from ..errors import InputError, Problems
from ..jsonio import check_depth, gc_paused, read_bytes
from ..splits.hico import N_HOI, vocabulary

def _decoder(verb_type: Any, object_type: Any) -> msgspec.json.Decoder:
    """A typed decoder: JSON objects become compact structs, no intermediate dicts."""

    det = msgspec.defstruct("Det", [
        ("human_box", tuple[float, float, float, float]),
        ("object_box", tuple[float, float, float, float]),
        ("score", float),
        ("verb", Optional[verb_type], None),
        ("object", Optional[object_type], None),
        ("hoi", Optional[int], None),
    ], gc=False)
    file = msgspec.defstruct("File", [("predictions", dict[str, list[det]]), ("meta", Optional[dict[str, Any]], None)], gc=False)
    return msgspec.json.Decoder(file)


@functools.lru_cache(maxsize=1)
def _decoders() -> tuple[msgspec.json.Decoder, msgspec.json.Decoder]:
    """(fast, loose): names typed as Literals of the vocabulary (decoded to shared, hashed
    strings: faster lookups), or as plain strings (used when a name is unknown, to report it)."""
    vocab = vocabulary()
    objects = tuple(vocab.objects) + tuple(o.replace("_", " ") for o in vocab.objects if "_" in o)
    return _decoder(Literal[tuple(vocab.verbs)], Literal[objects]), _decoder(str, str)


@dataclass(frozen=True, eq=False)
class HoiDetections:
    """Flat arrays of all detections; row order = order in the predictions file.

    ``image`` indexes the annotation file's images, ``hoi`` is the 0-based class, ``boxes``
    are (n, 8) ``[human x1 y1 x2 y2, object x1 y1 x2 y2]`` as submitted, ``position`` the
    running index of the detection in the file (the last tie-breaker).
    """

    image: np.ndarray
    hoi: np.ndarray
    boxes: np.ndarray
    score: np.ndarray
    position: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    n_images_with_predictions: int = 0
    sha256: str = ""
    listed: np.ndarray | None = None  # annotation indices of the images keyed in the file (None: unknown)


def from_arrays(image, hoi, boxes, score, meta=None) -> HoiDetections:
    """Detections from arrays (Python API); positions follow the given row order.

    ``image`` indexes the annotation file's images and ``hoi`` is the 0-based class; unlike
    :func:`load_predictions`, nothing is validated.
    """
    image = np.asarray(image, dtype=np.int64)
    return HoiDetections(image=image, hoi=np.asarray(hoi, dtype=np.int64),
                         boxes=np.asarray(boxes, dtype=np.float64).reshape(-1, 8),
                         score=np.asarray(score, dtype=np.float64), position=np.arange(len(image)),
                         meta=dict(meta or {}), n_images_with_predictions=len(np.unique(image)))


def load_predictions(path: str | os.PathLike, image_index: dict[str, int]) -> HoiDetections:
    """Read and validate a predictions file against the annotation file's images."""
    with _mapped(path) as data:
        scan: dict[str, Any] = {}
        worker = threading.Thread(target=_scan, args=(data, scan))
        worker.start()  # hashing and brace counting release the GIL: they overlap the decoding
        try:
            return _load(data, str(path), image_index, scan, worker)
        finally:
            worker.join()


@contextlib.contextmanager
def _mapped(path: str | os.PathLike) -> Iterator[Any]:
    """The file's bytes, memory-mapped (no copy) when possible."""
    try:
        fh = open(path, "rb")
    except OSError:
        yield read_bytes(path, "predictions file")  # raises the InputError naming the problem
        return
    with fh:
        try:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (ValueError, OSError):  # empty file, or not mappable
            yield fh.read()
            return
        try:
            yield mapped
        finally:
            mapped.close()


def _scan(data: Any, out: dict[str, Any]) -> None:
    """sha256 of the file and the number of '{' bytes in it (numpy and hashlib drop the GIL)."""
    out["sha256"] = hashlib.sha256(data).hexdigest()
    arr = np.frombuffer(data, dtype=np.uint8)
    step = 1 << 23
    out["braces"] = sum(int(np.count_nonzero(arr[i:i + step] == 0x7B)) for i in range(0, len(arr), step))
    del arr


def _load(data: Any, source: str, image_index: dict[str, int], scan: dict[str, Any],
          worker: threading.Thread) -> HoiDetections:
    fast, loose = _decoders()
    with gc_paused():
        try:
            doc = fast.decode(data)
        except msgspec.ValidationError:
            try:  # an unknown verb or object name: decode loosely, report it with the others below
                doc = loose.decode(data)
            except msgspec.ValidationError as exc:
                _explain(bytes(data), source, str(exc))
        except msgspec.DecodeError as exc:
            _explain(bytes(data), source, str(exc))
        names = list(doc.predictions)
        det_lists = list(doc.predictions.values())
        counts = np.fromiter(map(len, det_lists), dtype=np.int64, count=len(det_lists))
        dets = list(chain.from_iterable(det_lists))
        del det_lists
        arrays = _flatten(dets)
        meta = {} if doc.meta is None else doc.meta
        check_depth(meta, source, "meta")
        worker.join()
        # JSON parsers keep the last of duplicate keys: the detections lost with an earlier
        # copy show as more '{' in the file than the decoded objects account for
        expected = 2 + len(dets) + (0 if doc.meta is None else msgspec.json.encode(doc.meta).count(b"{"))
        if scan["braces"] != expected:
            _check_duplicates(bytes(data), source)
        problems = Problems(source)
        image_of_name = np.fromiter(map(image_index.get, names, repeat(-1)), dtype=np.int64, count=len(names))
        for k in np.flatnonzero(image_of_name < 0)[:problems.limit]:
            problems.add(f"image {names[k]!r}: not in the annotation file" + _image_hint(names[k], image_index))
        problems.count += max(0, int((image_of_name < 0).sum()) - problems.limit)
        hoi = _validate(arrays, dets, names, counts, problems)
        # free the decoded objects while the collector is paused: re-enabling it with millions
        # of young tuples alive would make the next collection walk all of them
        del dets, doc
    problems.raise_if_any("Fix: image keys must be file names of the annotation file; see docs/hico-det.md "
                          "for the predictions format.")
    return HoiDetections(
        image=np.repeat(image_of_name, counts), hoi=hoi, boxes=arrays["boxes"], score=arrays["score"],
        position=np.arange(len(hoi), dtype=np.int64), meta=dict(meta),
        n_images_with_predictions=int((counts > 0).sum()), sha256=scan["sha256"], listed=image_of_name,
    )


def _flatten(dets: list) -> dict[str, Any]:
    n = len(dets)
    boxes = np.empty((n, 8), dtype=np.float64)
    boxes[:, :4] = np.fromiter(chain.from_iterable(map(attrgetter("human_box"), dets)), np.float64, 4 * n).reshape(n, 4)
    boxes[:, 4:] = np.fromiter(chain.from_iterable(map(attrgetter("object_box"), dets)), np.float64, 4 * n).reshape(n, 4)
    vocab = vocabulary()
    # -2: field absent (None); -1: a name that is not in the vocabulary
    verbs = {**vocab.verb_index, None: -2}
    objects = {**vocab.object_index, None: -2}
    verb = np.fromiter(map(verbs.get, map(attrgetter("verb"), dets), repeat(-1)), np.int64, n)
    obj = np.fromiter(map(objects.get, map(attrgetter("object"), dets), repeat(-1)), np.int64, n)
    raw_hoi = list(map(attrgetter("hoi"), dets))
    if raw_hoi.count(None) == n:  # the usual case: classes given by name
        hoi = np.full(n, -2, dtype=np.int64)
    else:
        hoi = np.fromiter(map({None: -2}.get, raw_hoi, raw_hoi), np.int64, n)
    return {"boxes": boxes, "score": np.fromiter(map(attrgetter("score"), dets), np.float64, n),
            "verb": verb, "object": obj, "hoi": hoi}


def _validate(a: dict[str, Any], dets: list, names: list[str], counts: np.ndarray, problems: Problems) -> np.ndarray:
    """Vectorised checks; returns the HOI id of every detection."""
    vocab = vocabulary()
    verb, obj, hoi = a["verb"], a["object"], a["hoi"]
    from_pair = np.where((verb >= 0) & (obj >= 0), vocab.pair_to_hoi[np.maximum(verb, 0), np.maximum(obj, 0)], -1)
    has_pair = (verb != -2) | (obj != -2)
    has_hoi = hoi != -2
    final = np.where(has_hoi, hoi, from_pair)
    boxes, score = a["boxes"], a["score"]
    if (final.min(initial=0) >= 0 and final.max(initial=0) < N_HOI and not (has_hoi & (from_pair >= 0) & (from_pair != hoi)).any()
            and not ((verb == -1) | (obj == -1) | ((verb == -2) != (obj == -2))).any()
            and np.isfinite(score).all() and np.isfinite(boxes).all()
            and (boxes[:, [0, 1, 4, 5]] <= boxes[:, [2, 3, 6, 7]]).all()):
        return final  # every check below passes
    checks = [
        (~has_hoi & ~has_pair, lambda i: "missing class: give 'verb' and 'object', or 'hoi'"),
        (verb == -1, lambda i: f"field 'verb': unknown verb {dets[i].verb!r}" + _close(dets[i].verb, vocab.verb_index)),
        (obj == -1, lambda i: f"field 'object': unknown object {dets[i].object!r}" + _close(dets[i].object, vocab.object_index)),
        (has_pair & ((verb == -2) | (obj == -2)), lambda i: "fields 'verb'/'object': give both or neither"),
        (has_hoi & ((hoi < 0) | (hoi >= N_HOI)), lambda i: f"field 'hoi': expected a 0-based HOI id 0..599, got {int(hoi[i])}"),
        ((verb >= 0) & (obj >= 0) & (from_pair < 0),
         lambda i: f"fields 'verb'/'object': ({dets[i].verb!r}, {dets[i].object!r}) is not one of the 600 HICO-DET classes"),
        (has_hoi & (hoi >= 0) & (hoi < N_HOI) & (from_pair >= 0) & (from_pair != hoi),
         lambda i: f"field 'hoi': {int(hoi[i])} disagrees with verb/object ({dets[i].verb!r}, {dets[i].object!r}) = HOI {int(from_pair[i])}"),
        (~np.isfinite(score), lambda i: f"field 'score': expected a finite number, got {score[i]!r}"),
        (~np.isfinite(boxes[:, :4]).all(axis=1), lambda i: f"field 'human_box': non-finite coordinate in {boxes[i, :4].tolist()}"),
        (~np.isfinite(boxes[:, 4:]).all(axis=1), lambda i: f"field 'object_box': non-finite coordinate in {boxes[i, 4:].tolist()}"),
        ((boxes[:, 0] > boxes[:, 2]) | (boxes[:, 1] > boxes[:, 3]),
         lambda i: f"field 'human_box': inverted box {boxes[i, :4].tolist()} (expected x1 <= x2, y1 <= y2)"),
        ((boxes[:, 4] > boxes[:, 6]) | (boxes[:, 5] > boxes[:, 7]),
         lambda i: f"field 'object_box': inverted box {boxes[i, 4:].tolist()} (expected x1 <= x2, y1 <= y2)"),
    ]
    bad_rows = [np.flatnonzero(mask) for mask, _ in checks]
    if sum(len(r) for r in bad_rows):
        starts = np.cumsum(counts) - counts
        for rows, (_, message) in zip(bad_rows, checks):
            for i in rows[:problems.limit]:
                img = int(np.searchsorted(starts, i, side="right") - 1)
                problems.add(f"image {names[img]!r}, detection {int(i - starts[img])}: {message(i)}")
            problems.count += max(0, len(rows) - problems.limit)
    return final


def _image_hint(name: str, image_index: dict[str, int]) -> str:
    """A fix for the usual key mistakes: paths, missing extensions, numeric image ids."""
    for guess in (os.path.basename(name), name + ".jpg", os.path.splitext(name)[0] + ".jpg"):
        if guess != name and guess in image_index:
            return f"; did you mean {guess!r}? Keys are the annotation file's file names"
    if name.isdigit():
        example = next(iter(image_index), "HICO_test2015_00000001.jpg")
        return f"; keys are file names such as {example!r}, not numeric image ids"
    close = _close(name, image_index)
    return f";{close}" if close else ""


def _close(name: Any, choices) -> str:
    from ..errors import did_you_mean

    return did_you_mean(name, choices) if isinstance(name, str) and len(choices) < 2000 else ""


def _check_duplicates(data: bytes, source: str) -> None:
    """Exact (slow) scan for duplicate keys, run only when a cheap count disagrees."""
    problems = Problems(source)

    def hook(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            seen: set[str] = set()
            for k, v in pairs:
                if k in seen:
                    what = "image" if isinstance(v, list) else "key"
                    problems.add(f"{what} {k!r}: listed more than once (a JSON parser keeps only the last "
                                 "copy, silently dropping detections); merge the lists")
                seen.add(k)
        return dict(pairs)

    json.loads(data, object_pairs_hook=hook)
    problems.raise_if_any()


def _explain(data: bytes, source: str, parser_message: str):
    """The strict decoder refused the file: locate every problem with a tolerant parser, raise."""
    if not data.strip():
        raise InputError(f"{source}: the file is empty; expected a JSON object with 'predictions'")
    try:
        doc = json.loads(data)  # also accepts NaN / Infinity, to name where they are
    except (ValueError, RecursionError) as exc:
        pos = getattr(exc, "pos", None)
        truncated = pos is not None and pos >= len(data.rstrip()) - 1
        where = f" at line {exc.lineno}, column {exc.colno}" if hasattr(exc, "lineno") else ""
        raise InputError(f"{source}: not valid JSON: {getattr(exc, 'msg', exc)}{where}"
                         + (" (the file looks truncated)" if truncated else "")) from None
    problems = Problems(source)
    if not isinstance(doc, dict) or not isinstance(doc.get("predictions"), dict):
        problems.add("expected an object with a 'predictions' object mapping image file names to lists of "
                     f"detections; got {type(doc.get('predictions') if isinstance(doc, dict) else doc).__name__}")
        problems.raise_if_any()
    if "meta" in doc and not isinstance(doc["meta"], dict):
        problems.add(f"field 'meta': expected an object, got {type(doc['meta']).__name__}")
    for name, dets in doc["predictions"].items():
        if not isinstance(dets, list):
            problems.add(f"image {name!r}: expected a list of detections, got {type(dets).__name__}")
            continue
        for k, det in enumerate(dets):
            for msg in _det_problems(det):
                problems.add(f"image {name!r}, detection {k}: {msg}")
    problems.raise_if_any()
    raise InputError(f"{source}: invalid predictions file: {parser_message}")


def _det_problems(det: Any) -> list[str]:
    if not isinstance(det, dict):
        return [f"expected an object, got {type(det).__name__}"]
    out = box_score_problems(det)
    for key in ("verb", "object"):
        if det.get(key) is not None and not isinstance(det[key], str):
            out.append(f"field '{key}': expected a string, got {det[key]!r}")
    if det.get("hoi") is not None and not (isinstance(det["hoi"], int) and not isinstance(det["hoi"], bool)):
        out.append(f"field 'hoi': expected an integer 0..599, got {det['hoi']!r}")
    return out


def box_score_problems(det: dict) -> list[str]:
    """Problems of a detection's ``human_box``, ``object_box`` and ``score`` (any HOI format)."""
    out = []
    for key in ("human_box", "object_box"):
        box = det.get(key)
        if not (isinstance(box, list) and len(box) == 4 and all(_is_number(v) for v in box)):
            out.append(f"field '{key}': expected [x1, y1, x2, y2] (4 numbers), got {box!r}")
        elif not all(math.isfinite(v) for v in box):
            out.append(f"field '{key}': non-finite coordinate in {box}")
    score = det.get("score")
    if not _is_number(score):
        out.append(f"field 'score': expected a number, got {score!r}")
    elif not math.isfinite(score):
        out.append(f"field 'score': expected a finite number, got {score!r}")
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
