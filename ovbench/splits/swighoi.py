"""SWIG-HOI frozen vocabulary and evaluation subsets (``splits/swig-hoi/swig-hoi-1.json``).

SWIG-HOI (Wang et al., "Discovering Human Interactions with Large-Vocabulary Objects via Query
and Multi-Scale Detection", ICCV 2021) is the large-vocabulary HOI benchmark THID and CMD-SE
report: 1,000 object categories, 407 actions and 14,130 interactions, of which 5,539 are
evaluated (1,391 zero-shot, 2,841 rare, 1,307 non-rare). The lists are the public facts
hard-coded in THID's ``datasets/swig_v1_categories.py`` (scwangdyd/promting_hoi), frozen by
``scripts/make_swighoi_vocab.py``; every list carries its sha256, checked on first load
(:class:`~ovbench.errors.SpecError` on any mismatch).

Ids are the upstream ones: object (category) ids 0..999, action ids 0..406, interaction (HOI)
ids 0..14129. Object names are not unique (963 distinct names for 1,000 categories), so
predictions name interactions by HOI id.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import orjson

from ..errors import SpecError, did_you_mean

SPEC_NAME = "swig-hoi-1.json"
SUBSETS = ("full", "zero_shot", "rare", "non_rare")
FREQUENCY_NAMES = {0: "zero-shot", 1: "rare", 2: "common"}


@dataclass(frozen=True)
class Vocabulary:
    """The frozen SWIG-HOI vocabulary as arrays (index = upstream id)."""

    object_names: tuple[str, ...]
    object_noun_ids: tuple[str, ...]
    action_names: tuple[str, ...]
    hoi_action: np.ndarray      # (14130,) int64
    hoi_object: np.ndarray      # (14130,) int64
    hoi_frequency: np.ndarray   # (14130,) int64: 0 zero-shot, 1 rare, 2 common
    hoi_evaluated: np.ndarray   # (14130,) bool
    hoi_names: tuple[str, ...]
    sha256: str                 # of the whole spec file
    subsets: dict[str, np.ndarray]  # name -> sorted HOI ids
    subset_sha256: dict[str, str]

    @property
    def n_hoi(self) -> int:
        return len(self.hoi_action)

    def pair_table(self) -> np.ndarray:
        """(n_actions, n_objects) int64 table of HOI ids, -1 where the pair is not an interaction."""
        table = np.full((len(self.action_names), len(self.object_names)), -1, dtype=np.int64)
        table[self.hoi_action, self.hoi_object] = np.arange(self.n_hoi)
        return table


def spec_path() -> Path:
    return Path(str(resources.files("ovbench._splits").joinpath("swig-hoi", SPEC_NAME)))


def _sha(values) -> str:
    return hashlib.sha256(orjson.dumps(values)).hexdigest()


@functools.lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The verified frozen vocabulary (read once per process)."""
    path = spec_path()
    try:
        raw = path.read_bytes()
        spec = orjson.loads(raw)
    except (OSError, orjson.JSONDecodeError) as exc:
        raise SpecError(f"{path}: cannot read the frozen SWIG-HOI vocabulary ({exc}); reinstall ovbench") from None
    bad = [f"{group}.{name}" for group in ("vocabulary", "subsets")
           for name, entry in spec.get(group, {}).items() if _sha(entry.get("values")) != entry.get("sha256")]
    if bad:
        raise SpecError(f"{path}: frozen SWIG-HOI list(s) {', '.join(bad)} do not match their recorded sha256: "
                        "the file was modified. Reinstall ovbench; a new list must be a new version, never an edit.")
    voc = spec["vocabulary"]
    inter = np.asarray(voc["interactions"]["values"], dtype=np.int64).reshape(-1, 4)
    subsets = {k: np.asarray(v["values"], dtype=np.int64) for k, v in spec["subsets"].items()}
    return Vocabulary(
        object_names=tuple(o[0] for o in voc["objects"]["values"]),
        object_noun_ids=tuple(o[1] for o in voc["objects"]["values"]),
        action_names=tuple(voc["actions"]["values"]),
        hoi_action=inter[:, 0], hoi_object=inter[:, 1], hoi_frequency=inter[:, 2],
        hoi_evaluated=inter[:, 3] == 1,
        hoi_names=tuple(voc["interaction_names"]["values"]),
        sha256=hashlib.sha256(raw).hexdigest(),
        subsets=subsets,
        subset_sha256={k: v["sha256"] for k, v in spec["subsets"].items()},
    )


def subset(name: str) -> np.ndarray:
    """Sorted HOI ids of an evaluation subset: ``full``, ``zero_shot``, ``rare`` or ``non_rare``."""
    subsets = vocabulary().subsets
    if name not in subsets:
        raise SpecError(f"unknown SWIG-HOI subset {name!r}; available: {', '.join(SUBSETS)}."
                        + did_you_mean(name, subsets))
    return subsets[name]
