"""Bootstrap intervals and paired comparisons for the GSR scorer (Ov-SWiG), vectorised.

Every GSR number is a *linear* function of per-image scores once the resampling keeps each
verb's image count: with images resampled within their verb (``stratified_by: verb``) a verb
``v`` keeps ``n_v`` images, so with multiplicities ``w``

* per-verb macro average over the ``V`` verbs of a subset: ``sum_i w_i x_i / (n_v(i) V)``;
* per-image average over the ``N`` images of a subset: ``sum_i w_i x_i / N``,

i.e. ``w @ (x * coef)`` with a fixed per-image coefficient. Stacking the per-image scores of
every (subset, setting, metric) as columns of ``X`` (images x K), a chunk of resamples is one
matrix product ``W @ X``. With ``w = 1`` this is the point estimate (equal to the scorer's
number up to floating-point summation order). Subsets must be unions of verbs (Ov-SWiG's
seen / rare / unseen subsets are), otherwise their size would vary across resamples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scorers import gsr as scorer
from .bootstrap import STATS_VERSION, Resampler, interval

Key = tuple[str, str, str]  # (subset, setting, metric)


@dataclass(frozen=True)
class Design:
    """Per-image contributions ``X`` (images x K) of the K defined statistics ``keys``."""

    keys: list[Key]
    X: np.ndarray
    strata: np.ndarray  # verb of each image

    def point(self) -> np.ndarray:
        return self.X.sum(axis=0)


def design(gt: scorer.GroundTruth, pred: scorer.Predictions, masks: dict[str, np.ndarray], *,
           averaging: str, iou: str, grounding: bool = True) -> Design:
    """The linear design of every defined metric (undefined ones, e.g. empty subsets, are left out)."""
    if averaging not in scorer.AVERAGING:
        raise ValueError(f"unknown averaging {averaging!r}; expected one of {scorer.AVERAGING}")
    scores = scorer.per_image(gt, pred, iou)
    verbs = np.asarray(gt.gt_verb)
    _, inverse, counts = np.unique(verbs, return_inverse=True, return_counts=True)
    keys: list[Key] = []
    cols: list[np.ndarray] = []
    for subset, mask in masks.items():
        if not mask.any():
            continue
        in_subset = np.bincount(inverse, weights=mask.astype(np.float64), minlength=len(counts))
        if np.any((in_subset > 0) & (in_subset < counts)):
            raise ValueError(f"subset {subset!r} splits a verb's images: stratified resampling by verb "
                             "needs subsets that are unions of verbs")
        if averaging == "per-verb":
            n_verbs = int((in_subset > 0).sum())
            coef = mask / (counts[inverse] * float(n_verbs))
        else:
            coef = mask / float(mask.sum())
        for setting in scorer.SETTINGS:
            for metric in scorer.METRICS:
                if metric not in scores[setting] or (metric.startswith("grnd") and not grounding):
                    continue
                keys.append((subset, setting, metric))
                cols.append(scores[setting][metric] * coef)
    X = np.stack(cols, axis=1) if cols else np.zeros((len(verbs), 0))
    return Design(keys, X, inverse)


def bootstrap_samples(d: Design, n: int, seed: int, chunk: int = 256) -> np.ndarray:
    """(n, K) bootstrap values of every statistic; images resampled within their verb."""
    out = np.empty((n, d.X.shape[1]))
    res = Resampler(d.X.shape[0], n, seed, strata=d.strata, chunk=chunk)
    for start, W in res.weights_chunks():
        out[start:start + len(W)] = W @ d.X
    return out


def nest(keys: list[Key], values, template: dict) -> dict:
    """Values per key nested like ``metrics`` (``template``); missing keys give None."""
    got = dict(zip(keys, values))
    return {sub: {st: {m: got.get((sub, st, m)) for m in block} for st, block in sets.items()}
            for sub, sets in template.items()}


def intervals(d: Design, metrics: dict, n: int, seed: int, confidence: float) -> dict:
    """Percentile intervals ``[lo, hi]`` nested like ``metrics`` (None where undefined)."""
    lo, hi = interval(bootstrap_samples(d, n, seed), d.point(), method=DEFAULT_METHOD, confidence=confidence)
    pairs = [[float(a), float(b)] for a, b in zip(lo, hi)]
    return nest(d.keys, pairs, metrics)


DEFAULT_METHOD = "percentile"

METHOD = {
    "stats_version": STATS_VERSION,
    "method": DEFAULT_METHOD,
    "unit": "image",
    "stratified_by": "verb",
    "resampling": "images drawn with replacement within their ground-truth verb (each verb keeps "
                  "its image count); metrics recomputed as weighted per-image sums",
    "quantiles": "order statistics, (B+1) convention",
}
