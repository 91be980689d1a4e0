"""A synthetic HICO-DET detector on the real test images, generated at the level of ranked TP/FP flags.

Used by ``perf/coverage_sim.py`` as a population to draw test sets from. An image of the
population is a real HICO-DET test image (its ground-truth pairs and classes) together with
*fresh* detector noise, so two draws of the same image are two different images of the same
kind (no exact copies, no tied scores). Per ground-truth pair the detector emits 2-4 candidates
(own class with probability 0.75, else another class with the same object; well localised with
probability ``hit``; score Beta(5, 2)); the best-scored well-localised candidate of the pair's
own class is the true positive, the others are duplicates (false positives). Random distractors
(uniform class, score Beta(2, 5)) fill each image up to ``per_image`` detections. With the
defaults the full-set mAP is close to that of ``scripts/make_hico_dets.py``'s detections.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Population:
    pair_start: np.ndarray   # (n_images + 1,) pair range of each real test image
    pair_hoi: np.ndarray     # (n_pairs,) class of each ground-truth pair
    same_object: np.ndarray  # (600, 2): first index and count, in ``by_object``, of the classes sharing the object
    by_object: np.ndarray    # (600,) classes sorted by object
    per_image: int = 100
    hit: float = 0.7

    @property
    def n_images(self) -> int:
        return len(self.pair_start) - 1

    @classmethod
    def from_annotations(cls, path, per_image: int = 100, hit: float = 0.7) -> Population:
        from ovbench.annotations.hico import load_annotations
        from ovbench.splits.hico import vocabulary

        gt = load_annotations(path)
        obj = vocabulary().hoi_object
        by_object = np.argsort(obj, kind="stable")
        first = np.searchsorted(obj[by_object], obj, side="left")
        count = np.searchsorted(obj[by_object], obj, side="right") - first
        start = np.searchsorted(gt.pair_image, np.arange(gt.n_images + 1))
        return cls(start, gt.hoi.astype(np.int64), np.stack([first, count], 1), by_object, per_image, hit)

    def draw(self, images: np.ndarray, rng: np.random.Generator):
        """Detections of the drawn ``images`` (real image ids, repeats allowed), as ranked arrays.

        Returns ``(image, hoi, tp, gt_image, gt_hoi)`` with detections sorted by class then
        score (descending); ``image`` and ``gt_image`` index the draw (0..len(images)-1).
        """
        n = len(images)
        counts = self.pair_start[images + 1] - self.pair_start[images]
        gt_image = np.repeat(np.arange(n), counts)
        offs = np.arange(len(gt_image)) - np.repeat(np.cumsum(counts) - counts, counts)
        pair = self.pair_start[images][gt_image] + offs
        gt_hoi = self.pair_hoi[pair]
        # candidates per pair
        m = rng.integers(2, 5, len(pair))
        c_pair = np.repeat(np.arange(len(pair)), m)
        own = rng.random(len(c_pair)) < 0.75
        base = gt_hoi[c_pair]
        f, k = self.same_object[base, 0], self.same_object[base, 1]
        other = self.by_object[f + np.minimum((rng.random(len(c_pair)) * k).astype(np.int64), k - 1)]
        c_hoi = np.where(own, base, other)
        good = (rng.random(len(c_pair)) < self.hit) & (c_hoi == base)
        c_score = rng.beta(5, 2, len(c_pair))
        # the best-scored good candidate of each pair is its true positive
        key = np.where(good, c_score, -1.0)
        order = np.lexsort((-key, c_pair))
        first_of_pair = np.r_[True, c_pair[order][1:] != c_pair[order][:-1]]
        c_tp = np.zeros(len(c_pair), dtype=bool)
        c_tp[order[first_of_pair]] = good[order[first_of_pair]]
        c_image = gt_image[c_pair]
        # distractors fill each image up to per_image detections
        per = np.bincount(c_image, minlength=n)
        n_fill = np.maximum(self.per_image - per, 0)
        d_image = np.repeat(np.arange(n), n_fill)
        d_hoi = rng.integers(0, 600, len(d_image))
        d_score = rng.beta(2, 5, len(d_image))
        image = np.concatenate([c_image, d_image])
        hoi = np.concatenate([c_hoi, d_hoi])
        score = np.concatenate([c_score, d_score])
        tp = np.concatenate([c_tp, np.zeros(len(d_image), dtype=bool)])
        rank = np.lexsort((-score, hoi))
        return image[rank], hoi[rank], tp[rank], gt_image, gt_hoi
