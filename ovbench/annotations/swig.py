"""SWiG / imSitu annotations: validated loading into compact arrays for vectorised scoring.

Two on-disk formats are read (see ``docs/ov-swig.md``):

* **SWiG** (allenai/swig: ``SWiG_jsons/{train,dev,test}.json``)::

      {"<verb>_<n>.jpg": {"verb": "jumping", "height": 512, "width": 683,
                          "bb": {"<role>": [x1, y1, x2, y2], ...},   # [-1,-1,-1,-1] = no box
                          "frames": [{"<role>": "n########" or "", ...} x 3]}}

* **imSitu** (my89/imSitu: ``{train,dev,test}.json``): the same without ``height``, ``width``
  and ``bb``.

Both come with ``imsitu_space.json``: ``{"nouns": {synset: {"gloss": [...], "def": ...}},
"verbs": {verb: {"order": [roles], ...}}}``; ``order`` is the canonical role order.

Array layout of a loaded split (``n`` images, ``R`` = most roles of any verb, ``A`` = most
annotator frames of any image; roles follow the verb's ``order``):

* ``verb``: ``(n,)`` int32, index into :attr:`Space.verbs` (sorted verb names);
* ``n_roles``: ``(n,)`` int16; slots ``>= n_roles`` are padding;
* ``nouns``: ``(n, R, A)`` int32, ids into ``noun_table`` (``""`` is an ordinary noun);
  padding is ``-1``. Images with fewer than ``A`` frames repeat their last frame, which leaves
  the any-annotator rule unchanged;
* ``boxes``: ``(n, R, 4)`` float64 and ``box_present``: ``(n, R)`` bool (SWiG format only;
  ``[-1,-1,-1,-1]`` -> not present).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, Problems, did_you_mean
from ..jsonio import parse_json, read_bytes

#: A WordNet 3.0 noun synset id as used by imSitu/SWiG.
NOUN_RE = re.compile(r"n[0-9]{8}\Z")
SPACE_FILE = "imsitu_space.json"
SPLIT_NAMES = ("train", "dev", "test")
ABSENT_BOX = (-1, -1, -1, -1)


def valid_noun(noun: Any) -> bool:
    """True for ``""`` or a well-formed synset id ``n########``."""
    return isinstance(noun, str) and (noun == "" or NOUN_RE.match(noun) is not None)


@dataclass(frozen=True)
class Space:
    """The verb and noun vocabulary (``imsitu_space.json``)."""

    verbs: tuple[str, ...]
    orders: dict[str, tuple[str, ...]]
    nouns: frozenset[str]
    path: str = ""
    sha256: str = ""
    verb_index: dict[str, int] = field(default_factory=dict)
    role_sets: dict[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.verb_index.update({v: i for i, v in enumerate(self.verbs)})
        self.role_sets.update({v: frozenset(o) for v, o in self.orders.items()})

    @property
    def max_roles(self) -> int:
        return max((len(o) for o in self.orders.values()), default=0)

    def unknown_verb(self, verb: Any) -> str:
        """Message fragment for an unknown verb, with a close match."""
        return f"unknown verb {verb!r} (not in {Path(self.path).name or SPACE_FILE})" + (
            did_you_mean(verb, self.verbs) if isinstance(verb, str) else ""
        )

    def unknown_role(self, verb: str, role: Any) -> str:
        roles = self.orders[verb]
        return f"role {role!r} is not a role of verb {verb!r} (roles: {', '.join(roles)})" + (
            did_you_mean(role, roles) if isinstance(role, str) else ""
        )


def load_space(path: str | Path) -> Space:
    """Read and validate ``imsitu_space.json``."""
    path = Path(path)
    if path.is_dir():
        path = path / SPACE_FILE
    raw_bytes = read_bytes(path, "imsitu_space.json file")
    data = parse_json(raw_bytes, str(path))
    problems = Problems(str(path))
    if not isinstance(data, dict) or not isinstance(data.get("verbs"), dict) or not isinstance(
        data.get("nouns"), dict
    ):
        raise InputError(f"{path}: expected an object with 'verbs' and 'nouns' objects (imsitu_space.json)")
    orders: dict[str, tuple[str, ...]] = {}
    for verb, spec in data["verbs"].items():
        order = spec.get("order") if isinstance(spec, dict) else None
        if (not isinstance(order, list) or not order or not all(isinstance(r, str) for r in order)
                or len(set(order)) != len(order)):
            problems.add(f"verb {verb!r}: field 'order': expected a non-empty list of distinct role "
                         f"names, got {order!r}")
            continue
        orders[verb] = tuple(order)
    bad = [n for n in data["nouns"] if not NOUN_RE.match(n)]
    for noun in bad[:5]:
        problems.add(f"nouns: key {noun!r} is not a synset id n########")
    if len(bad) > 5:
        problems.add(f"nouns: {len(bad) - 5} more malformed synset ids")
    problems.raise_if_any()
    return Space(tuple(sorted(orders)), orders, frozenset(data["nouns"]), str(path),
                 hashlib.sha256(raw_bytes).hexdigest())


@dataclass
class SwigSplit:
    """One annotation file, validated, as arrays (see the module docstring for the layout)."""

    name: str
    source: str
    images: list[str]
    verb: np.ndarray
    n_roles: np.ndarray
    nouns: np.ndarray | None
    noun_table: list[str]
    boxes: np.ndarray | None
    box_present: np.ndarray | None
    raw: dict[str, Any]
    fmt: str  # "swig" or "imsitu"
    sha256: str = ""  # of the file's bytes

    @property
    def has_boxes(self) -> bool:
        return self.boxes is not None

    def __len__(self) -> int:
        return len(self.images)


def _check_image(name: str, entry: Any, space: Space, fmt: str, problems: Problems) -> None:
    """Detailed checks of one image entry (the slow path that names every problem)."""
    where = f"image {name!r}"
    if not isinstance(entry, dict):
        problems.add(f"{where}: expected an object, got {type(entry).__name__}")
        return
    verb = entry.get("verb")
    if verb not in space.orders:
        problems.add(f"{where}: field 'verb': {space.unknown_verb(verb)}")
        return
    roles = space.role_sets[verb]
    expected = ", ".join(space.orders[verb])
    frames = entry.get("frames")
    if not isinstance(frames, list) or not frames:
        problems.add(f"{where}: field 'frames': expected a non-empty list of annotator frames, got {frames!r}")
    else:
        for k, frame in enumerate(frames):
            if not isinstance(frame, dict) or frame.keys() != roles:
                got = sorted(frame) if isinstance(frame, dict) else type(frame).__name__
                problems.add(f"{where}: field 'frames[{k}]': expected exactly the roles of {verb!r} "
                             f"({expected}), got {got}")
                continue
            for role, noun in frame.items():
                if not valid_noun(noun):
                    problems.add(f"{where}: field 'frames[{k}].{role}': expected a synset id n######## or "
                                 f"\"\", got {noun!r}")
    if fmt == "imsitu":
        if "bb" in entry:
            problems.add(f"{where}: has 'bb' but other images of this file have none (mixed formats)")
        return
    for key in ("height", "width"):
        v = entry.get(key)
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            problems.add(f"{where}: field {key!r}: expected a positive integer, got {v!r}")
    bb = entry.get("bb")
    if not isinstance(bb, dict) or bb.keys() != roles:
        got = sorted(bb) if isinstance(bb, dict) else bb
        problems.add(f"{where}: field 'bb': expected a box for each role of {verb!r} ({expected}), got {got!r}")
        return
    for role, box in bb.items():
        msg = box_problem(box, allow_absent=True)
        if msg:
            problems.add(f"{where}: field 'bb.{role}': {msg}")


def box_problem(box: Any, allow_absent: bool = False) -> str:
    """Why ``box`` is not a valid ``[x1, y1, x2, y2]`` box, or ``""`` when it is."""
    if not isinstance(box, list) or len(box) != 4:
        n = f"{len(box)} values" if isinstance(box, list) else type(box).__name__
        return f"expected [x1, y1, x2, y2] (4 numbers), got {n}: {box!r}"
    if not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in box):
        return f"expected 4 numbers, got {box!r}"
    if not all(math.isfinite(c) for c in box):
        return f"coordinates must be finite, got {box!r}"
    if allow_absent and tuple(box) == ABSENT_BOX:
        return ""
    if box[2] < box[0] or box[3] < box[1]:
        return f"expected x1 <= x2 and y1 <= y2, got {box!r}" + (
            " (use [-1, -1, -1, -1] for a role without a box)" if allow_absent else "")
    return ""


def load_split(path: str | Path, space: Space, name: str | None = None, arrays: bool = True) -> SwigSplit:
    """Read and validate one SWiG or imSitu annotation file.

    ``arrays=False`` skips building the noun and box arrays (the split generator needs only
    image names and verbs); validation is the same.
    """
    path = Path(path)
    raw_bytes = read_bytes(path, "annotation file")
    source = str(path)
    data = parse_json(raw_bytes, source)
    if not isinstance(data, dict) or not data:
        raise InputError(f"{source}: expected a non-empty object {{image name: annotation}}")
    first = next(iter(data.values()))
    fmt = "swig" if isinstance(first, dict) and "bb" in first else "imsitu"
    images = sorted(data)
    orders, vidx = space.orders, space.verb_index
    verbs: list[int] = []
    nroles: list[int] = []
    nframes: list[int] = []
    flat: list[str] = []  # nouns in (image, frame, role in order) order
    ok = True
    # Fast pass: structural checks only; any doubt sends the file to the detailed pass.
    try:
        for img in images:
            e = data[img]
            v = e["verb"]
            roles = space.role_sets[v]
            order = orders[v]
            frames = e["frames"]
            for f in frames:
                if f.keys() != roles:
                    ok = False
                    break
                flat.extend(map(f.__getitem__, order))
            if fmt == "swig" and e["bb"].keys() != roles:
                ok = False
            if not ok or not frames:
                ok = False
                break
            verbs.append(vidx[v])
            nroles.append(len(order))
            nframes.append(len(frames))
    except (KeyError, TypeError, AttributeError):
        ok = False
    all_nouns = set(flat) if ok else set()
    if ok:
        ok = all(valid_noun(n) for n in all_nouns)
    boxes = present = None
    if ok and fmt == "swig":
        try:
            flat_boxes = [e["bb"][r] for img in images for e in (data[img],) for r in orders[e["verb"]]]
            sizes = [(e["height"], e["width"]) for e in data.values()]
            arr = np.array(flat_boxes)
            sz = np.array(sizes)
            ok = (arr.ndim == 2 and arr.shape[1] == 4 and arr.dtype.kind in "iuf"
                  and sz.ndim == 2 and sz.dtype.kind in "iu" and bool((sz > 0).all()))
            if ok:
                arr = arr.astype(np.float64)
                absent = (arr == -1).all(axis=1)
                ok = bool(np.isfinite(arr).all()) and bool(
                    ((arr[:, 2] >= arr[:, 0]) & (arr[:, 3] >= arr[:, 1]) | absent).all())
        except (KeyError, TypeError, ValueError):
            ok = False
    if not ok:
        problems = Problems(source)
        for img in images:
            _check_image(img, data[img], space, fmt, problems)
        problems.raise_if_any()
        raise AssertionError(f"{source}: fast validation failed but no problem was found")  # pragma: no cover

    verb_arr = np.array(verbs, dtype=np.int32)
    nroles_arr = np.array(nroles, dtype=np.int16)
    table = sorted(all_nouns)
    nouns = None
    if arrays:
        nouns = _noun_array(flat, table, nroles_arr, np.array(nframes), max(space.max_roles, 1))
        if fmt == "swig":
            R = nouns.shape[1]
            slot = np.arange(R)[None, :] < nroles_arr[:, None]
            boxes = np.full((len(images), R, 4), -1.0)
            boxes[slot] = arr
            present = slot.copy()
            present[slot] = ~absent
    return SwigSplit(name or path.stem, source, images, verb_arr, nroles_arr, nouns, table,
                     boxes, present, data, fmt, hashlib.sha256(raw_bytes).hexdigest())


def _noun_array(flat: list[str], table: list[str], k: np.ndarray, f: np.ndarray, R: int) -> np.ndarray:
    """Scatter nouns listed per (image, frame, role) into the padded ``(n, R, A)`` id array."""
    n, A = len(k), int(f.max())
    index = {s: i for i, s in enumerate(table)}
    ids = np.fromiter(map(index.__getitem__, flat), dtype=np.int32, count=len(flat))
    k64 = k.astype(np.int64)
    sizes = k64 * f
    img = np.repeat(np.arange(n), sizes)
    offset = np.arange(len(flat)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    nouns = np.full((n, R, A), -1, dtype=np.int32)
    nouns[img, offset % k64[img], offset // k64[img]] = ids
    for a in range(1, A):  # images with fewer frames repeat their last frame
        short = np.nonzero(f <= a)[0]
        nouns[short, :, a] = nouns[short, :, a - 1]
    return nouns


def split_path(folder: str | Path, split: str) -> Path:
    """``folder/<split>.json``, with an error listing what the folder holds when it is absent."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: annotation folder not found (expected a folder with "
                         f"{SPACE_FILE} and train/dev/test.json)")
    path = folder / f"{split}.json"
    if not path.is_file():
        have = sorted(p.name for p in folder.glob("*.json"))
        raise InputError(f"{path}: no {split} annotation file in {folder} (found: {', '.join(have) or 'none'})")
    return path


def load_annotations(folder: str | Path, splits: tuple[str, ...] = SPLIT_NAMES,
                     arrays: bool = True) -> tuple[Space, dict[str, SwigSplit]]:
    """Load ``imsitu_space.json`` and the named split files of a SWiG/imSitu folder."""
    folder = Path(folder)
    space_file = folder / SPACE_FILE
    if folder.is_dir() and not space_file.is_file():
        raise InputError(f"{space_file}: not found; an annotation folder needs {SPACE_FILE} beside "
                         f"train/dev/test.json (SWiG: SWiG_jsons/, imSitu: the repository root)")
    paths = {s: split_path(folder, s) for s in splits}
    space = load_space(space_file)
    return space, {s: load_split(p, space, s, arrays=arrays) for s, p in paths.items()}
