"""Ov-SWiG split generator and manifest (unseen and rare verbs), with verification.

The MIPD paper (Ov-GSR, ACM MM'25) defines Ov-SWiG as 10 unseen verbs "randomly picked from
frequently used to rarely used" whose training images are removed, and the 20 least frequent
remaining verbs as "rare"; its verb lists are unpublished. This module makes the rule explicit
and seeded (:data:`RULE`), or freezes a split from an explicit verb list.

A manifest is canonical JSON (see ``docs/ov-swig.md``)::

    {"benchmark": "ov-swig", "version": "1", "seed": 0, "n_unseen": 10, "n_rare": 20,
     "rule": "...", "unseen_verbs": [...], "rare_verbs": [...],
     "subsets": {"train": {"all": [...]}, "dev": {"all", "seen", "rare", "unseen"}, "test": {...}},
     "unseen_only_nouns": [...], "verb_train_images": {...}, "counts": {...},
     "source": {"<file>": "<sha256>"}, "sha256": "<sha256 of everything else, canonical JSON>"}

``seen`` = images of every verb that is not unseen (rare verbs included).
``unseen_only_nouns`` = the non-empty nouns that occur in some frame of an unseen-verb image
(train, dev or test) and in no frame of the filtered training set.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from ..annotations.swig import SPACE_FILE, SPLIT_NAMES, Space, SwigSplit, load_annotations
from ..errors import InputError, SpecError, did_you_mean
from ..jsonio import atomic_write, dump_bytes, gc_paused, load_json, read_bytes, write_json

BENCHMARK = "ov-swig"
VERSION = "1"
SUBSETS = ("all", "seen", "rare", "unseen")
RULE = (
    "Rank all verbs of imsitu_space.json by training-image count (descending; ties by verb name); "
    "cut the ranking into n_unseen strata with numpy.array_split (most to least frequent, earlier "
    "strata one verb larger when the sizes differ); with rng = numpy.random.default_rng(seed), pick "
    "stratum[rng.integers(len(stratum))] in stratum order; these are the unseen verbs and all their "
    "training images are removed. Rare verbs = the n_rare remaining verbs with the fewest training "
    "images (ties by verb name)."
)
RULE_EXPLICIT = (
    "Unseen verbs given as an explicit list; all their training images are removed. Rare verbs = "
    "the n_rare remaining verbs with the fewest training images (ties by verb name)."
)


def train_counts(space: Space, train: SwigSplit) -> dict[str, int]:
    """Training images per verb (every verb of the space, zeros included)."""
    counts = np.bincount(train.verb, minlength=len(space.verbs))
    return {v: int(c) for v, c in zip(space.verbs, counts)}


def pick_unseen(counts: dict[str, int], n_unseen: int, seed: int) -> list[str]:
    """The stratified seeded pick of :data:`RULE`."""
    ranking = sorted(counts, key=lambda v: (-counts[v], v))
    if not 0 < n_unseen <= len(ranking):
        raise SpecError(f"--n-unseen must be between 1 and {len(ranking)} (the number of verbs), got {n_unseen}")
    rng = np.random.default_rng(seed)
    return [str(s[rng.integers(len(s))]) for s in np.array_split(np.array(ranking, dtype=object), n_unseen)]


def content_sha256(manifest: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of everything but ``sha256``.

    Same bytes as :func:`ovbench.jsonio.canonical_bytes` (sorted keys, no whitespace, UTF-8);
    the manifest holds only strings, integers and null, so its finiteness check is skipped
    for speed (a 75k-name manifest would spend most of its load time there).
    """
    content = {k: v for k, v in manifest.items() if k != "sha256"}
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def pick_rare(counts: dict[str, int], unseen: set[str], n_rare: int) -> list[str]:
    rest = sorted((v for v in counts if v not in unseen), key=lambda v: (counts[v], v))
    if not 0 <= n_rare <= len(rest):
        raise SpecError(f"--n-rare must be between 0 and {len(rest)} (verbs left after the unseen ones), got {n_rare}")
    return rest[:n_rare]


def read_verb_list(path: str | Path, space: Space) -> list[str]:
    """An explicit unseen-verb list: a JSON list or one verb per line (``#`` comments)."""
    text = read_bytes(path, "verb list").decode("utf-8", errors="replace")
    if text.lstrip().startswith("["):
        verbs = load_json(path, "verb list")
        if not isinstance(verbs, list):
            raise InputError(f"{path}: expected a JSON list of verbs")
    else:
        verbs = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
        verbs = [v for v in verbs if v]
    bad = [f"{v!r}" + did_you_mean(v, space.verbs) for v in verbs if v not in space.orders]
    if bad:
        raise InputError(f"{path}: {len(bad)} unknown verb(s): {'; '.join(bad[:10])}")
    dup = sorted({v for v in verbs if verbs.count(v) > 1})
    if dup:
        raise InputError(f"{path}: verb(s) listed more than once: {', '.join(dup)}")
    if not verbs:
        raise InputError(f"{path}: the verb list is empty")
    return [str(v) for v in verbs]


def _frames_nouns(split: SwigSplit, keep: Any) -> set[str]:
    nouns: set[str] = set()
    raw = split.raw
    for img, v in zip(split.images, split.verb.tolist()):
        if keep(v):
            for f in raw[img]["frames"]:
                nouns.update(f.values())
    nouns.discard("")
    return nouns


def build_manifest(space: Space, splits: dict[str, SwigSplit], *, seed: int | None = 0, n_unseen: int = 10,
                   n_rare: int = 20, unseen_verbs: list[str] | None = None) -> dict[str, Any]:
    """The manifest for loaded annotations (see the module docstring)."""
    counts = train_counts(space, splits["train"])
    if unseen_verbs is None:
        if seed is None or isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise SpecError(f"--seed must be a non-negative integer, got {seed!r}")
        unseen = pick_unseen(counts, n_unseen, seed)
        rule = RULE
    else:
        unseen, seed, n_unseen, rule = list(unseen_verbs), None, len(unseen_verbs), RULE_EXPLICIT
    unseen_set = set(unseen)
    rare = pick_rare(counts, unseen_set, n_rare)
    rare_set = set(rare)
    uidx = {space.verb_index[v] for v in unseen}
    ridx = {space.verb_index[v] for v in rare}
    train = splits["train"]
    subsets: dict[str, dict[str, list[str]]] = {
        "train": {"all": [i for i, v in zip(train.images, train.verb.tolist()) if v not in uidx]}}
    size: dict[str, Any] = {"train": {"original": len(train), "all": len(subsets["train"]["all"]),
                                      "removed": len(train) - len(subsets["train"]["all"])}}
    frames: dict[str, int] = {}
    for name in ("dev", "test"):
        sp = splits[name]
        verbs = sp.verb.tolist()
        subsets[name] = {
            "all": list(sp.images),
            "seen": [i for i, v in zip(sp.images, verbs) if v not in uidx],
            "rare": [i for i, v in zip(sp.images, verbs) if v in ridx],
            "unseen": [i for i, v in zip(sp.images, verbs) if v in uidx],
        }
        size[name] = {k: len(subsets[name][k]) for k in SUBSETS}
        frames[name] = sum(len(sp.raw[i]["frames"]) for i in subsets[name]["unseen"])
    seen_train = _frames_nouns(train, lambda v: v not in uidx)
    unseen_nouns: set[str] = set()
    for name in SPLIT_NAMES:
        unseen_nouns |= _frames_nouns(splits[name], lambda v: v in uidx)
    only = sorted(unseen_nouns - seen_train)
    size["unseen_annotator_frames"] = frames
    size["unseen_only_nouns"] = len(only)
    manifest = {
        "benchmark": BENCHMARK,
        "version": VERSION,
        "seed": seed,
        "n_unseen": n_unseen,
        "n_rare": n_rare,
        "rule": rule,
        "unseen_verbs": sorted(unseen_set),
        "rare_verbs": sorted(rare_set),
        "verb_train_images": {v: counts[v] for v in sorted(unseen_set | rare_set)},
        "subsets": subsets,
        "unseen_only_nouns": only,
        "counts": size,
        "source": {Path(sp.source).name: sp.sha256 for sp in splits.values()} | {SPACE_FILE: space.sha256},
    }
    manifest["sha256"] = content_sha256(manifest)
    return manifest


@gc_paused()
def generate_split(annotations: str | Path, *, seed: int | None = 0, n_unseen: int = 10, n_rare: int = 20,
                   unseen_verbs: list[str] | str | Path | None = None) -> dict[str, Any]:
    """Load a SWiG/imSitu folder and build its Ov-SWiG manifest.

    ``unseen_verbs`` may be a list of verbs or the path of a verb-list file; then ``seed`` and
    ``n_unseen`` are ignored (recorded as null and the list's length).
    """
    space, splits = load_annotations(annotations, arrays=False)
    if isinstance(unseen_verbs, (str, Path)):
        unseen_verbs = read_verb_list(unseen_verbs, space)
    elif unseen_verbs is not None:
        bad = [v for v in unseen_verbs if v not in space.orders]
        if bad or len(set(unseen_verbs)) != len(unseen_verbs) or not unseen_verbs:
            raise SpecError(f"unseen_verbs must be distinct known verbs; unknown: {bad}")
    return build_manifest(space, splits, seed=seed, n_unseen=n_unseen, n_rare=n_rare, unseen_verbs=unseen_verbs)


def write_manifest(manifest: dict[str, Any], path: str | Path) -> None:
    """Write a manifest atomically (same content -> same bytes)."""
    write_json(path, manifest)


def check_manifest(manifest: Any, source: str = "manifest") -> dict[str, Any]:
    """Check a parsed manifest's shape and hash; raise :class:`SpecError` when tampered."""
    if not isinstance(manifest, dict) or manifest.get("benchmark") != BENCHMARK:
        got = manifest.get("benchmark") if isinstance(manifest, dict) else type(manifest).__name__
        raise SpecError(f"{source}: not an Ov-SWiG split manifest (benchmark is {got!r}, expected {BENCHMARK!r})")
    missing = [k for k in ("version", "unseen_verbs", "rare_verbs", "subsets", "sha256") if k not in manifest]
    if missing:
        raise SpecError(f"{source}: manifest lacks field(s) {', '.join(missing)}")
    if manifest["version"] != VERSION:
        raise SpecError(f"{source}: manifest version {manifest['version']!r} is not supported "
                        f"(this ovbench reads version {VERSION!r})")
    actual = content_sha256(manifest)
    if actual != manifest["sha256"]:
        raise SpecError(
            f"{source}: manifest content does not match its sha256 (stored {str(manifest['sha256'])[:16]}..., "
            f"content hashes to {actual[:16]}...): the file was edited after it was generated. "
            "Regenerate it with `ovbench split ov-swig` instead of editing it.")
    subsets = manifest["subsets"]
    try:
        ok = all(isinstance(subsets[s][k], list) for s in ("dev", "test") for k in SUBSETS) and isinstance(
            subsets["train"]["all"], list)
    except (KeyError, TypeError):
        ok = False
    if not ok:
        raise SpecError(f"{source}: field 'subsets': expected train.all and dev/test all/seen/rare/unseen lists")
    return manifest


def load_manifest(path: str | Path) -> dict[str, Any]:
    """Read a manifest file and check its hash (:func:`check_manifest`)."""
    return check_manifest(load_json(path, "split manifest"), str(path))


@gc_paused()
def verify_manifest(path: str | Path, annotations: str | Path | None = None) -> dict[str, Any]:
    """Check a manifest's hash; with ``annotations`` also regenerate it and compare."""
    manifest = load_manifest(path)
    if annotations is None:
        return manifest
    space, splits = load_annotations(annotations, arrays=False)
    unseen = manifest["unseen_verbs"] if manifest.get("seed") is None else None
    again = build_manifest(space, splits, seed=manifest.get("seed"), n_unseen=manifest.get("n_unseen", 10),
                           n_rare=manifest.get("n_rare", 20), unseen_verbs=unseen)
    if again["sha256"] != manifest["sha256"]:
        diff = sorted(k for k in again if again.get(k) != manifest.get(k) and k != "sha256")
        raise SpecError(f"{path}: does not match what the annotations in {annotations} give "
                        f"(differing field(s): {', '.join(diff)}); was it generated from other files?")
    return manifest


@gc_paused()
def write_annotations(manifest: dict[str, Any], annotations: str | Path, out_dir: str | Path) -> list[Path]:
    """Write SWiG-format files for the filtered train set and every dev/test subset.

    ``out_dir`` gets ``imsitu_space.json`` (copied), ``train.json`` (unseen verbs removed),
    ``dev.json`` / ``test.json`` (all) and ``{dev,test}_{seen,rare,unseen}.json``; it is itself
    a valid annotation folder.
    """
    annotations, out = Path(annotations), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    atomic_write(out / SPACE_FILE, read_bytes(annotations / SPACE_FILE))
    written.append(out / SPACE_FILE)
    for name in SPLIT_NAMES:
        data = load_json(annotations / f"{name}.json")
        for key in (("all",) if name == "train" else SUBSETS):
            images = manifest["subsets"][name][key]
            unknown = [i for i in images if i not in data]
            if unknown:
                raise SpecError(f"manifest subset {name}.{key} names images not in {annotations / name}.json "
                                f"(e.g. {unknown[0]!r}): the manifest belongs to other annotations")
            target = out / (f"{name}.json" if key == "all" else f"{name}_{key}.json")
            atomic_write(target, dump_bytes({i: data[i] for i in images}, indent=False))
            written.append(target)
    return written
