"""GSR predictions: the ovbench JSON format, the imSitu baseline's ``.predictions`` folders,
validation, and alignment to a ground-truth split as arrays for :mod:`ovbench.scorers.gsr`.

The ovbench format (authoritative spec: ``docs/ov-swig.md``)::

    {"predictions": {
        "<image>.jpg": {
            "verbs": ["jumping", "leaping", ...],          # ranked, best first
            "frames": {"<verb>": {"<role>": {"noun": "n########" or "", "box": [x1,y1,x2,y2] or null}}}
        }},
     "meta": {...}}                                        # optional, copied into result["method"]

``frames`` may hold a frame for any predicted verb (and for the GT verb, for the gold
setting); ``box`` may be omitted (= ``null``, "no box"); boxes are in the annotation's pixel
space. Validation collects up to 20 problems (file, image, field) and raises one
:class:`~ovbench.errors.InputError`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import msgspec
import numpy as np
import orjson

from ..annotations.swig import Space, SwigSplit, box_problem, valid_noun
from ..errors import InputError, Problems
from ..jsonio import gc_paused, parse_json, read_bytes
from .gsr_arrays import MISSING_ROLE, Predictions

ENTRY_KEYS = frozenset({"verbs", "frames"})
ROLE_KEYS = frozenset({"noun", "box"})
TOP_KEYS = frozenset({"predictions", "meta"})
UNKNOWN_NOUN = -3  # a predicted noun that no annotator used: never matches
NOT_RANKED = 1 << 30


@dataclass
class GsrPredictions:
    """A validated predictions file (entries as parsed) plus what the result records about it."""

    source: str
    entries: dict[str, Entry]
    meta: dict[str, Any]
    sha256: str
    out_of_vocabulary: int  # role predictions naming a well-formed synset outside imsitu_space
    out_of_vocabulary_sample: list[str]


def _duplicate_keys(data: bytes, keys: list[str]) -> list[str]:
    """Image keys that occur more than once in the raw JSON (msgspec and orjson keep only the last).

    Fast path: every occurrence of an image key ends with one of the keys' suffixes (e.g.
    ``.jpg"``); if the raw bytes contain exactly as many such occurrences as there are keys,
    no key can be repeated. Otherwise an exact parse with an ``object_pairs_hook`` decides.
    """
    suffixes = {("." + k.rsplit(".", 1)[1] if "." in k else k) for k in keys}
    if len(suffixes) <= 8:
        total = sum(data.count(s.encode() + b'"') for s in suffixes)
        if total == len(keys):
            return []
    dups: set[str] = set()
    wanted = set(keys)

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen and k in wanted:
                dups.add(k)
            seen.add(k)
        return dict(pairs)

    with gc_paused():
        json.loads(data, object_pairs_hook=hook)
    return sorted(dups)


def _check_entry(img: str, e: Any, space: Space, problems: Problems) -> None:
    """Detailed checks of one image's prediction (the slow path that names every problem)."""
    where = f"image {img!r}"
    if not isinstance(e, dict):
        problems.add(f"{where}: expected an object with 'verbs' and 'frames', got {type(e).__name__}")
        return
    for key in sorted(set(e) - ENTRY_KEYS):
        problems.add(f"{where}: unknown field {key!r} (expected 'verbs' and 'frames')")
    verbs = e.get("verbs", [])
    if not isinstance(verbs, list):
        problems.add(f"{where}: field 'verbs': expected a ranked list of verbs, got {type(verbs).__name__}")
    else:
        seen: set[str] = set()
        for k, v in enumerate(verbs):
            if not isinstance(v, str) or v not in space.orders:
                problems.add(f"{where}: field 'verbs[{k}]': {space.unknown_verb(v)}")
            elif v in seen:
                problems.add(f"{where}: field 'verbs[{k}]': verb {v!r} is listed twice")
            else:
                seen.add(v)
    frames = e.get("frames", {})
    if not isinstance(frames, dict):
        problems.add(f"{where}: field 'frames': expected an object {{verb: frame}}, got {type(frames).__name__}")
        return
    for verb, frame in frames.items():
        if verb not in space.orders:
            problems.add(f"{where}: field 'frames': {space.unknown_verb(verb)}")
            continue
        if not isinstance(frame, dict):
            problems.add(f"{where}: field 'frames.{verb}': expected an object {{role: {{noun, box}}}}, "
                         f"got {type(frame).__name__}")
            continue
        for role, slot in frame.items():
            field = f"frames.{verb}.{role}"
            if role not in space.role_sets[verb]:
                problems.add(f"{where}: field 'frames.{verb}': {space.unknown_role(verb, role)}")
            elif not isinstance(slot, dict) or "noun" not in slot or not slot.keys() <= ROLE_KEYS:
                problems.add(f"{where}: field {field!r}: expected {{\"noun\": ..., \"box\": ...}}, got {slot!r}")
            else:
                if not valid_noun(slot["noun"]):
                    problems.add(f"{where}: field '{field}.noun': expected a synset id n######## or \"\", "
                                 f"got {slot['noun']!r}")
                box = slot.get("box")
                msg = box_problem(box) if box is not None else ""
                if msg:
                    problems.add(f"{where}: field '{field}.box': {msg} (use null for \"no box\")")


class Slot(msgspec.Struct, forbid_unknown_fields=True):
    """One predicted role: a noun (synset id or "") and an optional box (None = no box)."""

    noun: str
    box: Optional[tuple[float, float, float, float]] = None  # noqa: UP007 (msgspec needs the runtime type)


class Entry(msgspec.Struct, forbid_unknown_fields=True):
    """One image's prediction: ranked verbs and frames keyed by verb."""

    verbs: list[str] = []
    frames: dict[str, dict[str, Slot]] = {}


class _Doc(msgspec.Struct, forbid_unknown_fields=True):
    predictions: dict[str, Entry]
    meta: dict[str, Any] = {}


_DECODER = msgspec.json.Decoder(_Doc)


def _detailed(data: bytes, source: str, space: Space, fallback: str) -> None:
    """Slow path: parse with orjson and name every problem (file, image, field); always raises."""
    doc = parse_json(data, source)
    if not isinstance(doc, dict) or not isinstance(doc.get("predictions"), dict):
        got = sorted(doc)[:5] if isinstance(doc, dict) else type(doc).__name__
        raise InputError(f"{source}: expected an object {{\"predictions\": {{image: {{verbs, frames}}}}, "
                         f"\"meta\": {{...}}}}, got {got}. See docs/ov-swig.md (predictions format).")
    extra = sorted(set(doc) - TOP_KEYS)
    if extra:
        raise InputError(f"{source}: unknown top-level field(s) {', '.join(map(repr, extra))} "
                         "(expected 'predictions' and optionally 'meta')")
    if not isinstance(doc.get("meta", {}), dict):
        raise InputError(f"{source}: field 'meta': expected an object, got {type(doc['meta']).__name__}")
    problems = Problems(source)
    for img, e in doc["predictions"].items():
        _check_entry(img, e, space, problems)
    problems.raise_if_any()
    raise InputError(f"{source}: {fallback}")


def _fast_ok(entries: dict[str, Entry], space: Space) -> tuple[bool, list[str]]:
    """Vocabulary checks msgspec's typed decoding cannot do; returns (ok, all role nouns)."""
    role_sets = space.role_sets
    slots: list[Slot] = []
    verbs_seen: set[str] = set()
    try:
        for e in entries.values():
            verbs = e.verbs
            if len(set(verbs)) != len(verbs):
                return False, []
            verbs_seen.update(verbs)
            for v, f in e.frames.items():
                if not f.keys() <= role_sets[v]:
                    return False, []
                slots.extend(f.values())
    except KeyError:
        return False, []
    if not verbs_seen <= space.orders.keys():
        return False, []
    nouns = [s.noun for s in slots]
    if not all(valid_noun(n) for n in set(nouns)):
        return False, nouns
    boxes = [s.box for s in slots if s.box is not None]
    if boxes:
        arr = np.array(boxes, dtype=np.float64)
        if not (np.isfinite(arr).all() and (arr[:, 2] >= arr[:, 0]).all() and (arr[:, 3] >= arr[:, 1]).all()):
            return False, nouns
    return True, nouns


def decode(data: bytes, source: str, space: Space) -> tuple[dict[str, Entry], dict[str, Any], int, list[str]]:
    """Parse and validate predictions JSON bytes: (entries, meta, out-of-vocabulary count, sample)."""
    try:
        doc = _DECODER.decode(data)
    except msgspec.ValidationError as exc:
        _detailed(data, source, space, f"invalid predictions: {exc}")
    except msgspec.DecodeError:
        parse_json(data, source)  # raises with line and column
        raise InputError(f"{source}: not valid JSON") from None
    entries = doc.predictions
    dups = _duplicate_keys(data, list(entries))
    if dups:
        problems = Problems(source)
        for img in dups:
            problems.add(f"image {img!r}: appears more than once in 'predictions' (JSON parsers keep only "
                         "the last copy); give each image once")
        problems.raise_if_any()
    ok, nouns = _fast_ok(entries, space)
    if not ok:
        _detailed(data, source, space, "invalid predictions")
    oov = set(nouns) - space.nouns - {""}
    count = sum(map(oov.__contains__, nouns)) if oov else 0
    return entries, doc.meta, count, sorted(oov)[:10]


def read_predictions(path: str | Path, space: Space) -> GsrPredictions:
    """Read and validate an ovbench GSR predictions file or an imSitu ``.predictions`` folder."""
    path = Path(path)
    if path.is_dir():
        return read_imsitu_folder(path, space)
    data = read_bytes(path, "predictions file")
    entries, meta, count, sample = decode(data, str(path), space)
    return GsrPredictions(str(path), entries, meta, hashlib.sha256(data).hexdigest(), count, sample)


def read_imsitu_folder(folder: Path, space: Space) -> GsrPredictions:
    """Read a folder of imSitu baseline ``<image stem>.predictions`` files.

    Each file is a JSON list of ``{"verb", "frames": [{role: noun or null}], "score"}``; entries
    are ranked by descending ``score`` (file order breaks ties), a verb's frame is its first
    entry's first frame, ``null`` nouns are ``""`` and no boxes are predicted.
    """
    files = sorted(folder.glob("*.predictions"))
    if not files:
        raise InputError(f"{folder}: no *.predictions files (expected the imSitu baseline's per-image "
                         "output, or give an ovbench predictions JSON file)")
    problems = Problems(str(folder))
    entries: dict[str, Any] = {}
    digest = hashlib.sha256()
    for f in files:
        data = read_bytes(f, "predictions file")
        digest.update(f.name.encode() + b"\0" + hashlib.sha256(data).digest())
        doc = parse_json(data, str(f))
        if not isinstance(doc, list) or not all(
            isinstance(x, dict) and isinstance(x.get("frames"), list) and x["frames"]
            and isinstance(x["frames"][0], dict) for x in doc
        ):
            problems.add(f"{f.name}: expected a list of {{\"verb\", \"frames\": [{{role: noun}}], \"score\"}}")
            continue
        scores = [x.get("score", 0.0) for x in doc]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in scores):
            problems.add(f"{f.name}: field 'score': expected numbers, got {scores[:3]!r}...")
            continue
        order = sorted(range(len(doc)), key=lambda k: -scores[k])
        verbs: list[Any] = []
        frames: dict[Any, Any] = {}
        for k in order:
            verb = doc[k].get("verb")
            if verb in frames:
                continue
            verbs.append(verb)
            try:
                frames[verb] = {r: {"noun": "" if n is None else n} for r, n in doc[k]["frames"][0].items()}
            except TypeError:
                problems.add(f"{f.name}: entry {k}: unusable verb {verb!r}")
        entries[f.name[: -len(".predictions")] + ".jpg"] = {"verbs": verbs, "frames": frames}
    problems.raise_if_any()
    data = orjson.dumps({"predictions": entries})
    decoded, _, count, sample = decode(data, str(folder), space)
    return GsrPredictions(str(folder), decoded, {}, digest.hexdigest(), count, sample)


def align(preds: GsrPredictions, split: SwigSplit, space: Space) -> tuple[Predictions, list[str], list[str]]:
    """Arrays of the predictions for ``split``'s images, plus missing and unknown image names.

    Only ``frames[gt_verb]`` matters for scoring; ``gt_rank`` is the GT verb's 0-based position
    in ``verbs`` (:data:`NOT_RANKED` when absent).
    """
    entries = preds.entries
    n = len(split.images)
    R = split.nouns.shape[1]
    index = {s: i for i, s in enumerate(split.noun_table)}
    found = np.zeros(n, dtype=bool)
    frame_present = np.zeros(n, dtype=bool)
    rank = np.full(n, NOT_RANKED, dtype=np.int64)
    nouns = np.full((n, R), MISSING_ROLE, dtype=np.int32)
    boxes = np.zeros((n, R, 4))
    box_present = np.zeros((n, R), dtype=bool)
    missing: list[str] = []
    verbs, orders = space.verbs, space.orders
    rows: list[int] = []
    cols: list[int] = []
    ids: list[int] = []
    box_rows: list[int] = []
    box_cols: list[int] = []
    box_list: list[Any] = []
    for i, (img, v) in enumerate(zip(split.images, split.verb.tolist())):
        e = entries.get(img)
        if e is None:
            missing.append(img)
            continue
        found[i] = True
        gt = verbs[v]
        ranked = e.verbs
        if gt in ranked:
            rank[i] = ranked.index(gt)
        frame = e.frames.get(gt)
        if frame is None:
            continue
        frame_present[i] = True
        for j, role in enumerate(orders[gt]):
            s = frame.get(role)
            if s is None:
                continue
            rows.append(i)
            cols.append(j)
            ids.append(index.get(s.noun, UNKNOWN_NOUN))
            b = s.box
            if b is not None:
                box_rows.append(i)
                box_cols.append(j)
                box_list.append(b)
    nouns[rows, cols] = ids
    if box_list:
        boxes[box_rows, box_cols] = np.array(box_list, dtype=np.float64)
        box_present[box_rows, box_cols] = True
    expected = set(split.images)
    unknown = sorted(k for k in entries if k not in expected) if len(entries) > n - len(missing) else []
    return Predictions(found, rank, frame_present, nouns, boxes, box_present), missing, unknown
