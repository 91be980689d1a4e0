"""HICO-DET frozen vocabulary and zero-shot split lists (``splits/hico-det/hico-det-1.json``).

The file ships as package data (``ovbench._splits``). Every list in it carries the sha256 of
its canonical JSON; :func:`load_spec` recomputes each hash when the file is first read and
raises :class:`~ovbench.errors.SpecError` on any mismatch, so a tampered list can never
produce a number. All HOI ids are 0-based in the official 600-class order.

Settings (zero-shot unseen sets): ``rf-uc``, ``nf-uc``, ``uo``, ``uv``, ``uc0`` .. ``uc4``
(:func:`expand_settings` reads several at once, e.g. ``"uc0,uc1"`` or the group ``"all-uc"``).
Other lists: ``rare`` (138), ``non_rare`` (462), ``no_interaction`` (80), ``thid-ov`` (THID's
sorted copy of rf-uc), ``thid-cmdse-valid`` (the 520 classes THID/CMD-SE average),
``thid-cmdse-unseen`` / ``thid-cmdse-seen`` (115 / 405: rf-uc split within the 520).
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from ..errors import SpecError, did_you_mean

SPEC_NAME = "hico-det-1.json"
N_HOI, N_VERB, N_OBJECT = 600, 117, 80
NO_INTERACTION_VERB = 57


def _spec_path() -> Path:
    override = os.environ.get("OVBENCH_HICO_SPEC")
    if override:
        return Path(override)
    return Path(str(resources.files("ovbench._splits").joinpath("hico-det", SPEC_NAME)))


def _sha(values: Any) -> str:
    return hashlib.sha256(orjson.dumps(values)).hexdigest()


@functools.lru_cache(maxsize=4)
def _load_spec_cached(path: str, mtime_ns: int) -> dict[str, Any]:
    try:
        spec = orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise SpecError(f"{path}: cannot read the frozen HICO-DET split file: {exc}") from None
    bad = []
    for group in ("lists", "vocabulary"):
        for name, entry in spec.get(group, {}).items():
            values = entry.get("ids", entry.get("values"))
            if _sha(values) != entry.get("sha256"):
                bad.append(f"{group}.{name}")
    if bad:
        raise SpecError(
            f"{path}: frozen HICO-DET list(s) {', '.join(bad)} do not match their recorded sha256: "
            "the file was modified. Reinstall ovbench (pip install --force-reinstall ovbench); "
            "a new list must be a new split version, never an edit."
        )
    return spec


def load_spec() -> dict[str, Any]:
    """The verified frozen split file (cached; re-read when the file changes)."""
    path = _spec_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise SpecError(f"{path}: the frozen HICO-DET split file is missing; reinstall ovbench") from None
    return _load_spec_cached(str(path), mtime)


def spec_list(name: str) -> np.ndarray:
    """One verified list of 0-based HOI ids (``rare``, ``rf-uc``, ...), as int64, stored order."""
    lists = load_spec()["lists"]
    if name not in lists:
        raise SpecError(f"unknown HICO-DET list {name!r}; available: {', '.join(sorted(lists))}."
                        + did_you_mean(name, lists))
    return np.asarray(lists[name]["ids"], dtype=np.int64)


def settings() -> list[str]:
    """Names of the zero-shot settings, in their documented order."""
    return list(load_spec()["settings"])


#: names for the THID / CMD-SE unseen set, which is RF-UC itself (THID stores it sorted), not a
#: setting of its own; what differs is their evaluator (profile ``thid-cmdse``)
_RF_UC_ALIASES = ("thid-ov", "thid", "cmd-se", "cmdse", "cmdse-ov", "thid-cmdse", "open-vocabulary")


def check_setting(setting: str) -> str:
    """Return ``setting`` if it is a known zero-shot setting, else raise SpecError."""
    names = settings()
    if setting not in names:
        hint = ""
        if setting.lower() in _RF_UC_ALIASES:
            hint = (" The THID/CMD-SE open-vocabulary set is the rf-uc set (the same 120 classes); for "
                    "their evaluator's 520/115/405-class means use --setting rf-uc --profile thid-cmdse.")
        raise SpecError(f"unknown HICO-DET setting {setting!r}; available: {', '.join(names)} "
                        f"(several: comma-separated, or {', '.join(setting_groups())})."
                        + (hint or did_you_mean(setting, names)))
    return setting


def setting_groups() -> dict[str, list[str]]:
    """Named groups of settings: ``all-uc`` = the five unseen-combination lists ``uc0 .. uc4``."""
    return {"all-uc": [s for s in settings() if s.startswith("uc")]}


def expand_settings(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """``"uc0,uc1"``, ``"all-uc"`` or a list of names -> checked, de-duplicated setting names.

    >>> expand_settings("all-uc")
    ['uc0', 'uc1', 'uc2', 'uc3', 'uc4']
    >>> expand_settings("rf-uc, uc0")
    ['rf-uc', 'uc0']
    """
    items = value.split(",") if isinstance(value, str) else list(value)
    groups = setting_groups()
    out: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        for name in groups.get(item, [item]):
            check_setting(name)
            if name not in out:
                out.append(name)
    if not out:
        raise SpecError(f"no HICO-DET setting given (got {value!r})")
    return out


def unseen_ids(setting: str) -> np.ndarray:
    """Sorted 0-based unseen HOI ids of a zero-shot setting."""
    return np.sort(spec_list(check_setting(setting)))


def setting_sha256(setting: str) -> str:
    return load_spec()["lists"][check_setting(setting)]["sha256"]


def list_settings() -> dict[str, dict[str, Any]]:
    """``{setting: {"unseen": [ids], "sha256", "size", "description", "provenance"}}``."""
    lists = load_spec()["lists"]
    return {
        s: {"unseen": lists[s]["ids"], "sha256": lists[s]["sha256"], "size": len(lists[s]["ids"]),
            "description": lists[s]["description"], "provenance": lists[s]["provenance"]}
        for s in settings()
    }


@dataclass(frozen=True)
class Vocabulary:
    """HICO-DET class vocabulary (verified): names and the id tables converters need."""

    verbs: tuple[str, ...]
    objects: tuple[str, ...]
    hoi_names: tuple[str, ...]
    hoi_verb: np.ndarray       # (600,) verb of each HOI
    hoi_object: np.ndarray     # (600,) hico80 object of each HOI
    pair_to_hoi: np.ndarray    # (117, 80) HOI id of (verb, object), -1 where not one of the 600
    object_coco91: np.ndarray  # (80,) COCO-91 id of each hico80 object
    coco91_to_object: np.ndarray  # (92,) hico80 object of each COCO-91 id, -1 if none

    @functools.cached_property
    def verb_index(self) -> dict[str, int]:
        return {v: i for i, v in enumerate(self.verbs)}

    @functools.cached_property
    def object_index(self) -> dict[str, int]:
        index = {o: i for i, o in enumerate(self.objects)}
        index.update({o.replace("_", " "): i for i, o in enumerate(self.objects)})
        return index


@functools.lru_cache(maxsize=1)
def _vocabulary(spec_id: int) -> Vocabulary:
    vocab = load_spec()["vocabulary"]
    corr = np.asarray(vocab["correspondence"]["values"], dtype=np.int64)
    pair = np.full((N_VERB, N_OBJECT), -1, dtype=np.int64)
    pair[corr[:, 2], corr[:, 1]] = corr[:, 0]
    coco91 = np.asarray(vocab["objects_coco91"]["values"], dtype=np.int64)
    back = np.full(92, -1, dtype=np.int64)
    back[coco91] = np.arange(N_OBJECT)
    return Vocabulary(
        verbs=tuple(vocab["verbs"]["values"]), objects=tuple(vocab["objects"]["values"]),
        hoi_names=tuple(vocab["hoi_names"]["values"]), hoi_verb=corr[:, 2], hoi_object=corr[:, 1],
        pair_to_hoi=pair, object_coco91=coco91, coco91_to_object=back,
    )


def vocabulary() -> Vocabulary:
    """The verified HICO-DET vocabulary (cached)."""
    return _vocabulary(id(load_spec()))
