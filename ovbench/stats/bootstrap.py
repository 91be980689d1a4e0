"""Generic resampling for the bootstrap: image multiplicities, percentile intervals, p-values.

A bootstrap resample of ``n`` images is a vector ``w`` of non-negative integer multiplicities
(how often each image is drawn) summing to ``n``; a statistic that is a weighted function of
per-image quantities is evaluated on ``w`` without building the resampled data set. Resamples
come in chunks, a ``(chunk, n)`` float64 matrix of counts, so memory stays bounded.

Random stream (so the same seed gives the same resamples, whatever the chunk size): resample
``b`` is built from the ``n`` doubles ``b*n .. b*n+n-1`` of ``numpy.random.default_rng(seed)``
(PCG64). With strata (e.g. the verb of each image), the images are sorted by stratum (stable)
and draw ``j`` of a resample picks, uniformly within the stratum of sorted image ``j``, image
``floor(u_j * size)``: each stratum keeps its image count exactly.

Percentile interval: the ``(1-c)/2`` and ``(1+c)/2`` quantiles of the bootstrap values with
numpy's default ``linear`` method (Hyndman & Fan type 7).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..errors import SpecError

#: resamples evaluated together (bounded memory; the values do not depend on it)
DEFAULT_CHUNK = 64


def check_args(n: int, seed: int, confidence: float) -> None:
    """Raise :class:`SpecError` for a bootstrap size, seed or confidence level out of range."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise SpecError(f"bootstrap: the number of resamples must be an integer >= 2 (got {n!r}); "
                        "1000 is a good default")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SpecError(f"bootstrap: the seed must be a non-negative integer (got {seed!r})")
    if not (isinstance(confidence, (int, float)) and 0.0 < confidence < 1.0):
        raise SpecError(f"bootstrap: the confidence level must be in (0, 1), e.g. 0.95 (got {confidence!r})")


class Resampler:
    """Image multiplicities of ``n_resamples`` bootstrap resamples, chunk by chunk.

    ``strata``: optional (n,) integer label per image; images are resampled within their
    stratum. ``weights_chunks()`` yields ``(start, W)`` with ``W`` of shape (chunk, n).
    """

    def __init__(self, n_images: int, n_resamples: int, seed: int, strata: np.ndarray | None = None,
                 chunk: int = DEFAULT_CHUNK):
        self.n = int(n_images)
        self.n_resamples = int(n_resamples)
        self.seed = int(seed)
        self.chunk = max(1, int(chunk))
        if strata is None:
            strata = np.zeros(self.n, dtype=np.int64)
        strata = np.asarray(strata)
        if strata.shape != (self.n,):
            raise ValueError(f"strata: expected shape ({self.n},), got {strata.shape}")
        self.sorted_images = np.argsort(strata, kind="stable")
        s = strata[self.sorted_images]
        first = np.searchsorted(s, s, side="left")
        last = np.searchsorted(s, s, side="right")
        self._start = first.astype(np.int64)           # per sorted draw: its stratum's first slot
        self._size = (last - first).astype(np.float64)  # and the stratum's size

    def weights_chunks(self, chunk: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        rng = np.random.default_rng(self.seed)
        step = self.chunk if chunk is None else max(1, int(chunk))
        for start in range(0, self.n_resamples, step):
            c = min(step, self.n_resamples - start)
            yield start, self._counts(rng.random((c, self.n)))

    def _counts(self, u: np.ndarray) -> np.ndarray:
        c = u.shape[0]
        slot = self._start + np.minimum(np.floor(u * self._size), self._size - 1).astype(np.int64)
        picked = self.sorted_images[slot]
        flat = picked + (np.arange(c, dtype=np.int64) * self.n)[:, None]
        return np.bincount(flat.ravel(), minlength=c * self.n).reshape(c, self.n).astype(np.float64)


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper percentile bounds over axis 0 of ``samples`` (resamples x statistics).

    Columns holding NaN (an undefined statistic) give NaN bounds.
    """
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(samples, [alpha, 1.0 - alpha], axis=0)
    return lo, hi


def shifted_bootstrap_p(samples: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Two-sided p-value of "no difference" from paired-bootstrap differences (axis 0).

    The bootstrap distribution of the difference, shifted to be centred on 0, approximates its
    null distribution (Efron & Tibshirani 1993, 16.4; Berg-Kirkpatrick et al. 2012):
    ``p = (1 + #{|d*_b - d| >= |d|}) / (1 + B)``. Identical systems (``d = 0`` and every
    ``d*_b = 0``) give p = 1.
    """
    d = np.asarray(observed, dtype=np.float64)
    extreme = np.abs(samples - d) >= np.abs(d) - 1e-12
    return (1.0 + extreme.sum(axis=0)) / (1.0 + samples.shape[0])


def permutation_p(diffs: np.ndarray, n_permutations: int, seed: int, chunk: int = 256) -> np.ndarray:
    """Two-sided Monte Carlo paired-permutation p-value of linear statistics.

    ``diffs`` (n, K): per-image differences B - A, already multiplied by each statistic's
    per-image coefficient, so statistic k is ``diffs[:, k].sum()``. Under "A and B are
    exchangeable on every image" swapping the two systems' outputs on an image flips the sign
    of its difference; ``p = (1 + #{|sum s_i d_i| >= |sum d_i|}) / (1 + P)`` over ``P`` random
    sign vectors ``s``.
    """
    observed = np.abs(diffs.sum(axis=0))
    rng = np.random.default_rng(seed)
    hits = np.zeros(diffs.shape[1])
    n = diffs.shape[0]
    for start in range(0, n_permutations, chunk):
        c = min(chunk, n_permutations - start)
        signs = np.where(rng.random((c, n)) < 0.5, -1.0, 1.0)
        hits += (np.abs(signs @ diffs) >= observed - 1e-12).sum(axis=0)
    return (1.0 + hits) / (1.0 + n_permutations)
