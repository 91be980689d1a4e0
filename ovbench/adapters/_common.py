"""Shared pieces of the adapters: vocabulary readers, safe input readers, output validation, meta.

Nothing here imports torch. Vocabulary files are always the user's own copies (the
``SWiG_jsons`` folder given as ``--annotations`` or ``--vocab``); ovbench ships none of them.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from ..errors import InputError, Problems
from ..jsonio import load_json, read_bytes, sha256_file
from ..safepickle import load_pickle  # noqa: F401 - re-exported

SYNSET_RE = re.compile(r"^n\d{8}$")
N_HOI = 600

# --------------------------------------------------------------------------------------------
# Locating and reading the SWiG vocabulary files


def find_vocab_file(name: str, *, vocab: str | os.PathLike | None = None,
                    annotations: str | os.PathLike | None = None) -> Path:
    """Find ``name`` in ``vocab`` (a folder), else beside/inside ``annotations``.

    Raises :class:`InputError` listing every place looked at and how to fix it.
    """
    places: list[Path] = []
    for base in (vocab, annotations):
        if base is None:
            continue
        p = Path(base)
        places.append(p if p.is_dir() else p.parent)
    for folder in places:
        if (folder / name).is_file():
            return folder / name
    looked = ", ".join(str(p) for p in places) or "nowhere (neither --vocab nor --annotations given)"
    raise InputError(
        f"{name}: not found; looked in {looked}. It ships with SWiG (SWiG_jsons/{name}); "
        f"pass the folder that holds it with --vocab DIR (or --annotations SWiG_jsons)."
    )


def read_lines(path: Path, what: str) -> list[str]:
    """Non-empty lines of a text file, stripped (``verb_indices.txt``, ``role_indices.txt``)."""
    text = read_bytes(path, what).decode("utf-8")
    lines = [ln.strip() for ln in text.splitlines()]
    out = [ln for ln in lines if ln]
    if len(set(out)) != len(out):
        raise InputError(f"{path}: duplicate entries; expected one distinct name per line")
    return out


def read_train_classes(path: Path) -> list[str]:
    """``train_classes.csv`` (``name,index``) as a list indexed by class index.

    Expected layout (SWiG, CoFormer, MIPD): ``blank,0``, synsets ``1..9926``, ``oov,9927``,
    ``Pad,9928``; any size is accepted as long as the indices are exactly ``0..n-1``.
    """
    text = read_bytes(path, "class list").decode("utf-8")
    by_index: dict[int, str] = {}
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row:
            continue
        if len(row) != 2:
            raise InputError(f"{path}: line {lineno}: expected 'name,index', got {row!r}")
        try:
            idx = int(row[1])
        except ValueError:
            raise InputError(f"{path}: line {lineno}: index {row[1]!r} is not an integer") from None
        if idx in by_index:
            raise InputError(f"{path}: line {lineno}: index {idx} appears twice")
        by_index[idx] = row[0]
    if sorted(by_index) != list(range(len(by_index))):
        raise InputError(f"{path}: class indices are not exactly 0..{len(by_index) - 1}")
    return [by_index[i] for i in range(len(by_index))]


def read_imsitu_space(path: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """``imsitu_space.json`` -> (``{verb: role order}``, ``{synset: gloss list}``)."""
    space = load_json(path, "imsitu_space.json")
    if not isinstance(space, dict) or not isinstance(space.get("verbs"), dict):
        raise InputError(f"{path}: expected an object with a 'verbs' object (imsitu_space.json)")
    orders: dict[str, list[str]] = {}
    for verb, info in space["verbs"].items():
        order = info.get("order") if isinstance(info, dict) else None
        if not isinstance(order, list) or not all(isinstance(r, str) for r in order):
            raise InputError(f"{path}: verb {verb!r}: field 'order': expected a list of role names")
        orders[verb] = order
    nouns: dict[str, list[str]] = {}
    for syn, info in (space.get("nouns") or {}).items():
        gloss = info.get("gloss") if isinstance(info, dict) else None
        nouns[syn] = [str(g) for g in gloss] if isinstance(gloss, list) and gloss else [syn]
    return orders, nouns


def role_orders(*, vocab=None, annotations=None) -> dict[str, list[str]]:
    """Per-verb role order (``imsitu_space.json`` ``order``), found as :func:`find_vocab_file`."""
    return read_imsitu_space(find_vocab_file("imsitu_space.json", vocab=vocab, annotations=annotations))[0]


# --------------------------------------------------------------------------------------------
# Safe pickle reading: ovbench.safepickle (re-exported here for the adapters)


def as_array(value: Any) -> np.ndarray:
    """A sequence, numpy array or CPU torch tensor as a float64 numpy array."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` highest scores per row, best first; ties -> lower index.

    Same result as ``np.argsort(-scores, kind="stable")[:, :k]``, without sorting whole rows.
    """
    n, m = scores.shape
    k = min(k, m)
    if k == 0 or n == 0:
        return np.zeros((n, k), dtype=np.int64)
    if k <= 16 and scores.dtype.kind == "f" and np.isfinite(scores).all():
        # k passes of argmax (first maximum = lower index on ties), each pick masked to -inf:
        # one linear scan per place instead of a partition of every row.
        work = np.array(scores, copy=True)
        out = np.empty((n, k), dtype=np.int64)
        rows = np.arange(n)
        for place in range(k):
            pick = work.argmax(axis=1)
            out[:, place] = pick
            work[rows, pick] = -np.inf
        return out
    cand = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(scores, cand, axis=1)
    kth = vals.min(axis=1)
    exact = (scores >= kth[:, None]).sum(axis=1) == k  # no tie straddles the k-th place
    order = np.lexsort((cand, -vals), axis=1) if n else cand
    out = np.take_along_axis(cand, order, axis=1)
    for row in np.flatnonzero(~exact).tolist():
        out[row] = np.argsort(-scores[row], kind="stable")[:k]
    return out.astype(np.int64)


# --------------------------------------------------------------------------------------------
# Output validation (structural, before anything is written)


def box_problem(box: Any) -> str | None:
    if box is None:
        return None
    if not isinstance(box, (list, tuple)) or len(box) != 4:
        return f"expected [x1, y1, x2, y2] or null, got {box!r}"
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in box):
        return f"expected 4 finite numbers, got {box!r}"
    if box[2] < box[0] or box[3] < box[1]:
        return f"x2 < x1 or y2 < y1 in {box!r}"
    return None


def validate_gsr(predictions: Mapping[str, Any], source: str,
                 orders: Mapping[str, list[str]] | None = None, verbs: Iterable[str] | None = None) -> None:
    """Check GSR predictions structurally; with ``orders`` (imsitu_space) also each frame's verb
    and roles by name, with ``verbs`` (the verb vocabulary) the ranked verbs."""
    known = set(verbs) if verbs is not None else (set(orders) if orders is not None else None)
    problems = Problems(source)
    for image, entry in predictions.items():
        where = f"image {image!r}"
        ranked = entry.get("verbs")
        if not isinstance(ranked, list) or not all(isinstance(v, str) for v in ranked):
            problems.add(f"{where}: field 'verbs': expected a list of verb names")
            continue
        if len(set(ranked)) != len(ranked):
            problems.add(f"{where}: field 'verbs': duplicate verbs in {ranked!r}")
        for verb in ranked:
            if known is not None and verb not in known:
                problems.add(f"{where}: field 'verbs': unknown verb {verb!r}")
        for verb, frame in (entry.get("frames") or {}).items():
            if orders is not None and verb not in orders:
                problems.add(f"{where}: frames[{verb!r}]: unknown verb")
                continue
            for role, slot in frame.items():
                if orders is not None and role not in orders[verb]:
                    problems.add(f"{where}: frames[{verb!r}]: role {role!r} is not a role of {verb!r}")
                noun = slot.get("noun")
                if not isinstance(noun, str) or (noun and not SYNSET_RE.match(noun)):
                    problems.add(f"{where}: frames[{verb!r}][{role!r}].noun: expected 'n########' or '', got {noun!r}")
                bad = box_problem(slot.get("box"))
                if bad:
                    problems.add(f"{where}: frames[{verb!r}][{role!r}].box: {bad}")
    problems.raise_if_any("The raw output does not convert to valid ovbench GSR predictions.")


def check_hoi(images: list[str], img_idx, human, obj, hoi, score, source: str) -> tuple:
    """Validate flat detection arrays (vectorised); returns them as numpy arrays
    ``(img_idx int64 (M,), human (M, 4), obj (M, 4), hoi int64 (M,), score (M,))``.

    ``img_idx`` (M,) indexes ``images``; ``human``/``obj`` (M, 4) boxes; ``hoi`` (M,) 0-based ids;
    ``score`` (M,). Raises :class:`InputError` naming image, detection index (within its image)
    and field for every problem found (first 20 shown).
    """
    img_idx = np.asarray(img_idx, dtype=np.int64).reshape(-1)
    m = len(img_idx)
    human = np.asarray(human, dtype=np.float64).reshape(m, 4)
    obj = np.asarray(obj, dtype=np.float64).reshape(m, 4)
    hoi_f = np.asarray(hoi, dtype=np.float64).reshape(m)
    score = np.asarray(score, dtype=np.float64).reshape(m)
    checks = []
    for name, box in (("human_box", human), ("object_box", obj)):
        checks.append((~np.isfinite(box).all(1), name, "expected 4 finite numbers"))
        checks.append(((box[:, 2] < box[:, 0]) | (box[:, 3] < box[:, 1]), name, "x2 < x1 or y2 < y1"))
    checks.append((~np.isfinite(hoi_f) | (hoi_f != np.round(hoi_f)) | (hoi_f < 0) | (hoi_f >= N_HOI),
                   "hoi", "expected an integer in 0..599"))
    checks.append((~np.isfinite(score), "score", "expected a finite number"))
    problems = Problems(source)
    bad_rows = np.zeros(m, dtype=bool)
    for mask, _, _ in checks:
        bad_rows |= mask
    for row in np.flatnonzero(bad_rows)[:40].tolist():
        pos = int(np.count_nonzero(img_idx[:row] == img_idx[row]))  # index within its image
        for mask, field, msg in checks:
            if mask[row]:
                val = {"human_box": human[row].tolist(), "object_box": obj[row].tolist(),
                       "hoi": hoi_f[row], "score": score[row]}[field]
                problems.add(f"image {images[img_idx[row]]!r}, detection {pos}: field {field!r}: {msg}, got {val!r}")
    problems.count += max(0, int(bad_rows.sum()) - min(int(bad_rows.sum()), 40))
    problems.raise_if_any("The raw output does not convert to valid ovbench HOI predictions.")
    return img_idx, human, obj, hoi_f.astype(np.int64), score


def build_hoi(images: list[str], img_idx, human, obj, hoi, score, source: str) -> dict[str, list]:
    """Validate flat detection arrays (:func:`check_hoi`) and group them per image, keeping
    their order: ``{image: [{"human_box", "object_box", "hoi", "score"}, ...]}``."""
    img_idx, human, obj, hoi, score = check_hoi(images, img_idx, human, obj, hoi, score, source)
    order = np.argsort(img_idx, kind="stable")
    bounds = np.searchsorted(img_idx[order], np.arange(len(images) + 1)).tolist()
    hl, ol, kl, sl = human[order].tolist(), obj[order].tolist(), hoi[order].tolist(), score[order].tolist()
    out: dict[str, list] = {}
    for i, image in enumerate(images):
        a, b = bounds[i], bounds[i + 1]
        out[image] = [{"human_box": h, "object_box": o, "hoi": k, "score": v}
                      for h, o, k, v in zip(hl[a:b], ol[a:b], kl[a:b], sl[a:b])]
    return out


# --------------------------------------------------------------------------------------------
# Output bytes without the intermediate objects

_NP = orjson.OPT_SERIALIZE_NUMPY
_FILE_OPTS = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY
_EMPTY_PREDS_TAIL = b'"predictions": {}\n}'


def _number_tokens(values: np.ndarray) -> list[bytes]:
    """Each number of a 1-D array as orjson writes it (``repr`` of the Python int/float)."""
    text = orjson.dumps(np.ascontiguousarray(values), option=_NP)
    return text[1:-1].split(b",") if len(values) else []


def predictions_file(meta: dict[str, Any], predictions_pieces: list[bytes]) -> bytes:
    """``dump_bytes({"meta": meta, "predictions": P})`` given the pieces of ``P``'s indented
    text (as nested at depth 1), joined once."""
    head = orjson.dumps({"meta": meta, "predictions": {}}, option=_FILE_OPTS)
    if not head.endswith(_EMPTY_PREDS_TAIL):  # pragma: no cover - orjson layout guard
        raise AssertionError("unexpected orjson layout")
    predictions_pieces.insert(0, head[:-len(_EMPTY_PREDS_TAIL)] + b'"predictions": ')
    predictions_pieces.append(b"\n}\n")
    return b"".join(predictions_pieces)


# orjson's own indented layout of [[[box] for each detection]] puts the numbers at the depth
# they have in the file (10 spaces); splitting at the row boundaries gives each box's inside.
_BOX_HEAD = b"[\n  [\n    [\n      [\n        [\n          "
_BOX_TAIL = b"\n        ]\n      ]\n    ]\n  ]\n]"
_BOX_ROW = b"\n        ]\n      ],\n      [\n        [\n          "


def _box_texts(boxes: np.ndarray) -> list[bytes]:
    """The indented inside of each (4,) row of ``boxes`` as the file has it: ``x1,\\n    ..  y2``."""
    text = orjson.dumps([[boxes[:, None, :]]], option=_NP | orjson.OPT_INDENT_2)
    if not (text.startswith(_BOX_HEAD) and text.endswith(_BOX_TAIL)):  # pragma: no cover
        raise AssertionError("unexpected orjson layout")
    return text[len(_BOX_HEAD):-len(_BOX_TAIL)].split(_BOX_ROW)


def hoi_json(meta: dict[str, Any], images: list[str], img_idx, human, obj, hoi, score, source: str) -> bytes:
    """The bytes of ``dump_bytes({"meta": meta, "predictions": build_hoi(...)})``, written
    directly from the (validated) arrays: numbers are formatted by orjson in one call per array
    (the same shortest round-trip text as for Python floats/ints) and spliced into the fixed
    per-detection layout; images in sorted order, as ``OPT_SORT_KEYS`` writes them."""
    img_idx, human, obj, hoi, score = check_hoi(images, img_idx, human, obj, hoi, score, source)
    n = len(images)
    names_sorted = sorted(range(n), key=images.__getitem__)
    rank = np.empty(n, dtype=np.int64)
    rank[names_sorted] = np.arange(n)
    key = rank[img_idx]
    order = np.argsort(key, kind="stable")
    bounds_arr = np.searchsorted(key[order], np.arange(n + 1))
    bounds = bounds_arr.tolist()
    out = [b"{"]
    pending = [b""]  # text before the next detection: closing the last image, opening the next
    r = 0
    while r < n:  # chunks of ~_CHUNK detections: small buffers the allocator reuses
        r1 = int(np.searchsorted(bounds_arr, bounds[r] + _CHUNK, side="right"))
        r1 = min(max(r1 - 1, r + 1), n)
        a0, a1 = bounds[r], bounds[r1]
        sel = order[a0:a1]
        mm = a1 - a0
        pieces: list[bytes] = [b""] * (8 * mm)
        if mm:
            pieces[0::8] = [b'\n      },\n      {\n        "hoi": '] * mm
            pieces[1::8] = _number_tokens(hoi[sel])
            pieces[2::8] = [b',\n        "human_box": [\n          '] * mm
            pieces[3::8] = _box_texts(human[sel])
            pieces[4::8] = [b'\n        ],\n        "object_box": [\n          '] * mm
            pieces[5::8] = _box_texts(obj[sel])
            pieces[6::8] = [b'\n        ],\n        "score": '] * mm
            pieces[7::8] = _number_tokens(score[sel])
        for rr in range(r, r1):
            a, b = bounds[rr], bounds[rr + 1]
            if rr:
                pending.append(b",")
            pending += (b"\n    ", orjson.dumps(images[names_sorted[rr]]))
            if a == b:
                pending.append(b": []")
            else:
                pending.append(b': [\n      {\n        "hoi": ')
                pieces[8 * (a - a0)] = b"".join(pending)
                pending = [b"\n      }\n    ]"]
        out.append(b"".join(pieces))
        r = r1
    pending.append(b"\n  }" if n else b"}")
    out.append(b"".join(pending))
    return predictions_file(meta, out)


_CHUNK = 8192


def hoi_entry_points(flat, doc: str):
    """An HOI adapter's ``convert`` and ``convert_json`` from its ``flat(raw, *, info, **options)``,
    which returns ``(meta, (images, img_idx, human, object, hoi, score), source)``."""

    def convert(raw: Any, *, info, **options: Any) -> dict[str, Any]:
        meta, arrays, source = flat(raw, info=info, **options)
        return {"predictions": build_hoi(*arrays, source), "meta": meta}

    def convert_json(raw: Any, *, info, **options: Any) -> bytes:
        meta, arrays, source = flat(raw, info=info, **options)
        return hoi_json(meta, *arrays, source)

    convert.__doc__ = doc
    convert_json.__doc__ = ":func:`convert` written as the output file's bytes, without per-detection objects."
    return convert, convert_json


# --------------------------------------------------------------------------------------------
# Meta block


def make_meta(info, *, method: str | None, postprocess: dict[str, Any],
              sources: Iterable[str | os.PathLike], box_frame: str | None = None,
              extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``meta`` block every adapter writes (copied by the scorer into ``result.method``)."""
    meta: dict[str, Any] = {
        "method": method or info.method,
        "adapter": info.name,
        "adapter_version": info.version,
        "upstream": {"repo": info.upstream_repo, "files": list(info.upstream_files)},
        "postprocess": postprocess,
        "source_sha256": {Path(s).name: sha256_file(s) for s in sources},
    }
    if box_frame is not None:
        meta["box_frame"] = box_frame
    if extra:
        meta.update(extra)
    return meta


def is_path(raw: Any) -> bool:
    return isinstance(raw, (str, os.PathLike))


def hico_file_name(image_id: int) -> str:
    """HICO-DET test file name of an integer image id (``HICO_test2015_%08d.jpg``)."""
    return f"HICO_test2015_{int(image_id):08d}.jpg"
