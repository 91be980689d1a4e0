"""Synthetic SWiG-format data from the real imSitu/SWiG vocabulary (shared by the fixture scripts).

Reads the vocabulary files in ``../shared`` (never copied into the repository):
``data/swig/verb_indices.txt``, ``role_indices.txt``, ``train_classes.csv``,
``swig_vocab_subset.json`` and ``data/imsitu/debug*.json``, and synthesises:

* an ``imsitu_space.json``: each verb's ``order`` comes from the UPPERCASE slots of its frame
  abstract where those are real role names (in order, at most 6), else from the roles of its
  frames in the imSitu debug files, else a plausible role set drawn from ``role_indices.txt``
  (``agent`` + up to 3 others + ``place``); nouns are the 9,926 synsets of
  ``train_classes.csv`` with real glosses where known;
* images with 3 annotator frames (Zipf-distributed nouns, ``""`` included, annotators agreeing
  most of the time), ``height``/``width`` and boxes (``[-1,-1,-1,-1]`` for some roles);
* predictions in the ovbench GSR format with realistic mistakes.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("OVBENCH_SHARED", REPO.parent / "shared"))
MAX_ROLES = 6


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def load_vocab(shared: Path = SHARED) -> dict:
    """Real verbs, roles, synsets, glosses, abstracts and debug frames from ``shared``."""
    swig = shared / "data" / "swig"
    verbs = _read(swig / "verb_indices.txt").split()
    roles = _read(swig / "role_indices.txt").split()
    synsets = [ln.split(",")[0] for ln in _read(swig / "train_classes.csv").splitlines()]
    synsets = [s for s in synsets if re.fullmatch(r"n[0-9]{8}", s)]
    sub = json.loads(_read(swig / "swig_vocab_subset.json"))
    nouns = {n["noun_id"]: {"gloss": n["gloss"], "def": n["def"]} for n in sub["nouns"]}
    abstracts = {v["name"]: v for v in sub["verbs"]}
    debug_roles: dict[str, list[str]] = {}
    for name in ("debug.json", "debug_eval.json"):
        for ann in json.loads(_read(shared / "data" / "imsitu" / name)).values():
            debug_roles.setdefault(ann["verb"], list(ann["frames"][0]))
    return {"verbs": verbs, "roles": roles, "synsets": synsets, "nouns": nouns,
            "abstracts": abstracts, "debug_roles": debug_roles}


def role_order(verb: str, vocab: dict, rng: np.random.Generator) -> list[str]:
    """The verb's role order (see the module docstring)."""
    real = set(vocab["roles"])
    ab = vocab["abstracts"].get(verb)
    if ab:
        order: list[str] = []
        for slot in re.findall(r"\b[A-Z][A-Z]+\b", ab["abstract"]):
            r = slot.lower()
            if r in real and r not in order:
                order.append(r)
        if order:
            return order[:MAX_ROLES]
    if verb in vocab["debug_roles"]:
        return vocab["debug_roles"][verb][:MAX_ROLES]
    others = [r for r in vocab["roles"] if r not in ("agent", "place")]
    k = int(rng.integers(0, 4))
    return ["agent"] + [str(x) for x in rng.choice(others, size=k, replace=False)] + ["place"]


def build_space(verbs: list[str], vocab: dict, rng: np.random.Generator, nouns: list[str]) -> dict:
    """An ``imsitu_space.json`` object for ``verbs`` and ``nouns``."""
    out_verbs = {}
    for v in verbs:
        order = role_order(v, vocab, rng)
        ab = vocab["abstracts"].get(v)
        abstract = ab["abstract"] if ab else "an " + " ".join(r.upper() for r in order) + f" ({v})"
        out_verbs[v] = {
            "framenet": "", "abstract": abstract, "def": ab["def"] if ab else "",
            "order": order, "roles": {r: {"framenet": "", "def": f"the {r} of {v}"} for r in order},
        }
    known = vocab["nouns"]
    out_nouns = {n: known.get(n, {"gloss": [n], "def": ""}) for n in nouns}
    return {"nouns": out_nouns, "verbs": out_verbs}


class NounSampler:
    """Zipf-distributed synsets (plus ``""``), drawn in blocks for speed."""

    def __init__(self, synsets: list[str], rng: np.random.Generator, exponent: float = 1.1):
        self.synsets = list(synsets)
        self.rng = rng
        p = 1.0 / np.arange(1, len(self.synsets) + 1) ** exponent
        self.p = p / p.sum()
        self._buf: list[int] = []

    def draw(self) -> str:
        if not self._buf:
            self._buf = self.rng.choice(len(self.synsets), size=65536, p=self.p).tolist()
        return self.synsets[self._buf.pop()]


def make_image(verb: str, order: list[str], sampler: NounSampler, rng: np.random.Generator,
               boxes: bool = True) -> dict:
    """One SWiG annotation: 3 annotator frames, and height/width/bb when ``boxes``."""
    u = rng.random(len(order) * 5 + 4).tolist()
    frames: list[dict] = [{}, {}, {}]
    bb = {}
    w, h = (512, 512 + int(u[-1] * 300)) if u[-2] < 0.4 else (512 + int(u[-1] * 300), 512)
    for j, r in enumerate(order):
        base = "" if u[5 * j] < (0.25 if r in ("place", "tool", "source") else 0.05) else sampler.draw()
        for a in range(3):
            frames[a][r] = base if u[5 * j + 1 + a] < 0.75 else ("" if u[5 * j + 1 + a] > 0.97 else sampler.draw())
        if base == "" or u[5 * j + 4] < 0.12:
            bb[r] = [-1, -1, -1, -1]
        else:
            x1, y1 = int(rng.integers(0, w - 20)), int(rng.integers(0, h - 20))
            bb[r] = [x1, y1, int(rng.integers(x1 + 10, w)), int(rng.integers(y1 + 10, h))]
    ann = {"verb": verb, "frames": frames}
    if boxes:
        ann.update({"height": h, "width": w, "bb": bb})
    return ann


def make_dataset(out: Path, space: dict, verbs: list[str], train_counts: list[int], per_eval: int,
                 sampler: NounSampler, rng: np.random.Generator) -> dict[str, dict]:
    """Images ``<verb>_<n>.jpg`` (train count per verb, ``per_eval`` dev and test images each),
    written with ``imsitu_space.json`` to ``out/annotations``; returns the splits."""
    splits: dict[str, dict] = {"train": {}, "dev": {}, "test": {}}
    for verb, n_train in zip(verbs, train_counts):
        order = space["verbs"][verb]["order"]
        numbers = (rng.permutation(n_train + 2 * per_eval) + 1).tolist()
        k = 0
        for name, size in (("train", n_train), ("dev", per_eval), ("test", per_eval)):
            for num in numbers[k:k + size]:
                splits[name][f"{verb}_{num}.jpg"] = make_image(verb, order, sampler, rng)
            k += size
    ann = out / "annotations"
    dump(ann / "imsitu_space.json", space)
    for name, data in splits.items():
        dump(ann / f"{name}.json", data)
    return splits


def jitter(box: list[int], rng: np.random.Generator, scale: float) -> list[float]:
    x1, y1, x2, y2 = box
    dw, dh = (x2 - x1) * scale, (y2 - y1) * scale
    n = rng.normal(size=4).tolist()
    nx1, ny1 = max(0.0, x1 + n[0] * dw), max(0.0, y1 + n[1] * dh)
    return [round(nx1, 1), round(ny1, 1), round(max(nx1, x2 + n[2] * dw), 1), round(max(ny1, y2 + n[3] * dh), 1)]


def predict_image(ann: dict, space: dict, verbs: list[str], sampler: NounSampler, rng: np.random.Generator,
                  skill: float = 0.5) -> dict:
    """A plausible prediction for one image: top-5 verbs, frames for them and the GT verb."""
    gt = ann["verb"]
    u = rng.random(8).tolist()
    others = [verbs[i] for i in rng.choice(len(verbs), size=6, replace=False) if verbs[i] != gt][:5]
    if u[0] < skill:
        ranked = [gt] + others[:4]
    elif u[0] < skill + 0.3:
        k = 1 + int(u[1] * 4)
        ranked = others[:k] + [gt] + others[k:4]
    else:
        ranked = others[:5]
    frames = {}
    for v in dict.fromkeys(ranked + [gt]):
        frame = {}
        for r in space["verbs"][v]["order"]:
            x = rng.random(4).tolist()
            if x[0] < 0.05:
                continue  # a role the model left out
            if v == gt and x[1] < skill + 0.2:
                noun = ann["frames"][int(x[2] * 3)][r]
            else:
                noun = sampler.draw() if x[2] > 0.1 else ""
            gt_box = ann.get("bb", {}).get(r, [-1, -1, -1, -1]) if v == gt else [-1, -1, -1, -1]
            if gt_box[0] == -1:
                box = None if x[3] < 0.8 else [10.0, 10.0, 200.0, 220.0]
            else:
                box = jitter(gt_box, rng, 0.15 if x[3] < 0.7 else 0.6) if x[3] < 0.93 else None
            frame[r] = {"noun": noun, "box": box}
        frames[v] = frame
    return {"verbs": ranked, "frames": frames}


def dump(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, separators=(",", ":"), sort_keys=True)
