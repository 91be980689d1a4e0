#!/usr/bin/env python3
"""Generate a full-scale synthetic SWiG dataset (and predictions) from the real vocabulary.

    python scripts/make_swig_fixture.py [--out bench-data/swig] [--seed 0] [--scale 1.0]

Writes ``OUT/annotations/{imsitu_space,train,dev,test}.json`` (75,702 / 25,200 / 25,200
images at scale 1: 504 real verbs with realistic long-tailed training counts, 50 dev and 50
test images per verb, real role orders and synsets) and ``OUT/predictions_{dev,test}.json``
(top-5 verbs, frames for them and the GT verb, realistic noise, 10 images left out, a few
out-of-vocabulary synsets). Deterministic for a given seed. Output stays outside git
(``bench-data/`` is ignored); nothing from ``../shared`` is copied verbatim except
vocabulary items.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from swig_synth import NounSampler, build_space, dump, load_vocab, make_dataset, predict_image  # noqa: E402

TRAIN_TOTAL = 75_702
PER_VERB_EVAL = 50


def train_counts(n_verbs: int, total: int, rng: np.random.Generator) -> list[int]:
    """Long-tailed per-verb training counts summing exactly to ``total`` (min 5), in random verb order."""
    floor = max(1, min(5, total // (2 * n_verbs)))
    w = np.exp(-np.arange(n_verbs) / (n_verbs / 3.0)) + 0.15
    extra = total - floor * n_verbs
    counts = floor + np.floor(extra * w / w.sum()).astype(int)
    counts[: total - int(counts.sum())] += 1
    assert int(counts.sum()) == total
    return rng.permutation(counts).tolist()


def generate(out: Path, seed: int = 0, scale: float = 1.0, shared: Path | None = None) -> dict:
    """Write the fixture; returns the sizes."""
    rng = np.random.default_rng(seed)
    vocab = load_vocab(shared) if shared else load_vocab()
    verbs = vocab["verbs"]
    per_eval = max(1, round(PER_VERB_EVAL * scale))
    space = build_space(verbs, vocab, rng, vocab["synsets"])
    sampler = NounSampler(vocab["synsets"], rng)
    counts = train_counts(len(verbs), max(len(verbs), round(TRAIN_TOTAL * scale)), rng)
    splits = make_dataset(out, space, verbs, counts, per_eval, sampler, rng)
    for name in ("dev", "test"):
        preds = {}
        for i, (img, a) in enumerate(sorted(splits[name].items())):
            if i % (len(splits[name]) // 10 or 1) == 7:
                continue  # 10 images without a prediction
            p = predict_image(a, space, verbs, sampler, rng)
            if i % 997 == 3 and p["frames"]:
                frame = next(iter(p["frames"].values()))
                if frame:
                    next(iter(frame.values()))["noun"] = "n99999999"  # an out-of-vocabulary synset
            preds[img] = p
        dump(out / f"predictions_{name}.json", {"predictions": preds, "meta": {"name": "synthetic", "seed": seed}})
    return {name: len(d) for name, d in splits.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "bench-data" / "swig")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (tests use less)")
    args = ap.parse_args()
    t = time.perf_counter()
    sizes = generate(args.out, args.seed, args.scale)
    print(f"wrote {args.out}: {sizes} in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
