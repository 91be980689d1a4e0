"""Realistic HICO-DET TRAINING annotations, synthetic (the real train file is not available).

Real vocabulary and formats, synthetic boxes, full-scale counts by default (38,118 images and
117,871 pairs, as in ``trainval_hico.json``). Class frequencies follow a long tail in which the
138 rare classes get 1 to 9 instances each, like the real split. Several verbs can share one
(human, object) pair, as in PPDM files. Deterministic for a seed.

Usage from a test: ``make_train(n_images=..., n_pairs=..., seed=0)`` returns a ppdm-format
list; ``ovbench.annotations.hico.to_format`` converts it to the other formats.
"""

from __future__ import annotations

import numpy as np

from ovbench.splits.hico import spec_list, vocabulary

N_IMAGES, N_PAIRS = 38_118, 117_871


def make_train(n_images: int = N_IMAGES, n_pairs: int = N_PAIRS, seed: int = 0) -> list[dict]:
    vocab = vocabulary()
    rng = np.random.default_rng(seed)
    rare = spec_list("rare")
    rare_counts = rng.integers(1, 10, len(rare))
    non_rare = spec_list("non_rare")
    weights = rng.pareto(1.2, len(non_rare)) + 0.05
    non_rare_counts = 10 + np.floor(weights / weights.sum() * (n_pairs - rare_counts.sum() - 10 * len(non_rare))).astype(int)
    labels = np.concatenate([np.repeat(rare, rare_counts), np.repeat(non_rare, non_rare_counts)])
    labels = rng.permutation(labels)
    image_of = np.sort(rng.integers(0, n_images, len(labels)))
    images = []
    bounds = np.searchsorted(image_of, np.arange(n_images + 1))
    for i in range(n_images):
        annotations, hois = [], []
        last_obj: dict[int, int] = {}
        for hoi in labels[bounds[i]:bounds[i + 1]].tolist():
            obj = int(vocab.hoi_object[hoi])
            if obj in last_obj and rng.random() < 0.5:  # another verb on an existing pair
                s, o = last_obj[obj]
            else:
                x, y = rng.uniform(0, 400, 2).round()
                annotations.append({"bbox": [int(x), int(y), int(x + rng.integers(20, 200)), int(y + rng.integers(40, 300))], "category_id": 1})
                x, y = rng.uniform(0, 400, 2).round()
                annotations.append({"bbox": [int(x), int(y), int(x + rng.integers(10, 200)), int(y + rng.integers(10, 200))],
                                    "category_id": int(vocab.object_coco91[obj])})
                s, o = len(annotations) - 2, len(annotations) - 1
                last_obj[obj] = (s, o)
            hois.append({"subject_id": s, "object_id": o, "category_id": int(vocab.hoi_verb[hoi]) + 1,
                         "hoi_category_id": hoi + 1})
        images.append({"file_name": f"HICO_train2015_{i + 1:08d}.jpg", "annotations": annotations, "hoi_annotation": hois})
    return images
