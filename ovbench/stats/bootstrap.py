"""Generic resampling for the bootstrap: image multiplicities, intervals, p-values.

A bootstrap resample of ``n`` images is a vector ``w`` of non-negative integer multiplicities
(how often each image is drawn) summing to ``n``; a statistic that is a weighted function of
per-image quantities is evaluated on ``w`` without building the resampled data set. Resamples
come in chunks, a ``(chunk, n)`` float64 matrix of counts, so memory stays bounded.

Random stream (so the same seed gives the same resamples, whatever the chunk size): resample
``b`` is built from the ``n`` doubles ``b*n .. b*n+n-1`` of ``numpy.random.default_rng(seed)``
(PCG64). With strata (e.g. the verb of each image), the images are sorted by stratum (stable)
and draw ``j`` of a resample picks, uniformly within the stratum of sorted image ``j``, image
``floor(u_j * size)``: each stratum keeps its image count exactly.

Intervals (:func:`interval`) and p-values (:func:`p_value`) come from one construction, so a
p-value is below ``alpha`` exactly when the ``1 - alpha`` interval excludes 0. For ``B``
bootstrap values, each method first maps them to *oriented values* ``e*`` and per-tail
levels ``tau_lo(alpha)``, ``tau_hi(alpha)``:

* ``percentile``: ``e* = theta*``; tails ``alpha/2``;
* ``centered``: ``e* = theta* - mean(theta*) + theta_hat`` (the bootstrap distribution moved
  onto the estimate; removes the resampling shift of a non-linear statistic); tails ``alpha/2``;
* ``basic``: ``e* = 2 theta_hat - theta*``; tails ``alpha/2``;
* ``bca``: ``e* = theta*``; tails ``Phi(z0 + (z0 + z)/(1 - a (z0 + z)))`` with ``z = z_{alpha/2}``
  resp. ``z_{1-alpha/2}``, bias ``z0 = Phi^-1(#{theta* < theta_hat} + #{= }/2) / B)`` and
  acceleration ``a`` from jackknife values (``a = 0`` without them); Efron (1987).

The interval is ``[e*_(k_lo), e*_(B+1-k_hi)]`` (order statistics of the sorted ``e*``) with
``k = #{m in 1..B : m/(B+1) < tau}`` per tail (the ``(B+1)`` convention of Davison & Hinkley
1997, 5.2); an endpoint with ``k = 0`` (too few resamples for the level) is NaN. Then the lower
end exceeds 0 iff ``(L+1)/(B+1) < tau_lo`` with ``L = #{e* <= 0}``, and the upper end is below
0 iff ``(U+1)/(B+1) < tau_hi`` with ``U = #{e* >= 0}``; the p-value is the smallest ``alpha``
for which one of these holds: ``p = min(1, 2 min(L+1, U+1)/(B+1))`` for the symmetric methods,
found by bisection on the same predicate for ``bca``.
"""

from __future__ import annotations

from collections.abc import Iterator
from statistics import NormalDist

import numpy as np

from ..errors import SpecError

#: resamples evaluated together (bounded memory; the values do not depend on it)
DEFAULT_CHUNK = 64
#: version of the interval / p-value construction, recorded in every result and comparison
#: (1: numpy-quantile percentile intervals, permutation or shifted p-values; 2: this module)
STATS_VERSION = 2
#: interval methods of :func:`interval`
METHODS = ("percentile", "centered", "basic", "bca")


def check_args(n: int, seed: int, confidence: float) -> None:
    """Raise :class:`SpecError` for a bootstrap size, seed or confidence level out of range."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise SpecError(f"bootstrap: the number of resamples must be an integer >= 2 (got {n!r}); "
                        "1000 is a good default")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SpecError(f"bootstrap: the seed must be a non-negative integer (got {seed!r})")
    if not (isinstance(confidence, (int, float)) and 0.0 < confidence < 1.0):
        raise SpecError(f"bootstrap: the confidence level must be in (0, 1), e.g. 0.95 (got {confidence!r})")
    if (n + 1) * (1.0 - confidence) / 2.0 <= 1.0:
        need = int(np.floor(2.0 / (1.0 - confidence)))
        raise SpecError(f"bootstrap: {n} resamples cannot give a {100 * confidence:g}% interval (its end points are "
                        f"order statistics); use at least {need}, 1000 is a good default")


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
    """``interval(samples, None, method="percentile")`` (kept for callers of stats version 1)."""
    return interval(samples, None, method="percentile", confidence=confidence)


_N01 = NormalDist()
_cdf = np.vectorize(_N01.cdf, otypes=[float])


def _ppf(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    inside = (p > 0) & (p < 1)
    out[inside] = np.vectorize(_N01.inv_cdf, otypes=[float])(p[inside])
    out[p <= 0] = -np.inf
    out[p >= 1] = np.inf
    return out


def _as_2d(samples, observed):
    s = np.asarray(samples, dtype=np.float64)
    one = s.ndim == 1
    s = s[:, None] if one else s
    obs = None if observed is None else np.broadcast_to(np.asarray(observed, dtype=np.float64), s.shape[1:])
    return s, obs, one


def bca_constants(samples: np.ndarray, observed: np.ndarray, jackknife: np.ndarray | None = None):
    """Bias ``z0`` and acceleration ``a`` of the BCa interval, per column of ``samples`` (B, K).

    ``jackknife`` (G, K): the statistic with each image (or each of G groups of images) left
    out; ``a = sum(d^3) / (6 sum(d^2)^1.5)``, ``d = mean - jackknife`` (Efron & Tibshirani
    1993, 14.15). ``z0`` is infinite when every bootstrap value lies on one side of the estimate.
    """
    s, obs, _ = _as_2d(samples, observed)
    below = (s < obs).sum(axis=0) + 0.5 * (s == obs).sum(axis=0)
    z0 = _ppf(below / s.shape[0])
    if jackknife is None:
        return z0, np.zeros_like(z0)
    jk = np.asarray(jackknife, dtype=np.float64).reshape(len(jackknife), -1)
    d = jk.mean(axis=0) - jk
    num, den = (d ** 3).sum(axis=0), 6.0 * (d ** 2).sum(axis=0) ** 1.5
    a = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return z0, a


def _oriented(s, obs, method):
    if method in ("percentile", "bca"):
        return s
    if obs is None:
        raise ValueError(f"interval method {method!r} needs the observed (point) value")
    if method == "centered":
        return s - s.mean(axis=0) + obs
    if method == "basic":
        return 2.0 * obs - s
    raise ValueError(f"unknown interval method {method!r}; available: {', '.join(METHODS)}")


def _tails(alpha, method, z0=None, a=None):
    """Lower and upper tail levels (arrays over statistics) of the ``1 - alpha`` interval."""
    half = alpha / 2.0
    if method != "bca":
        return half, half
    out = []
    for z in (_ppf(half), _ppf(1.0 - half)):
        zz = z0 + z
        with np.errstate(invalid="ignore", divide="ignore"):
            level = _cdf(np.where(np.isfinite(zz), z0 + zz / (1.0 - a * zz), np.nan))
        level = np.where(np.isnan(level) & (z < 0), 0.0, np.where(np.isnan(level) & (z > 0), 1.0, level))
        out.append(level)
    return out[0], 1.0 - out[1]


def _rank(tau, B):
    """``#{m in 1..B : m/(B+1) < tau}`` elementwise (0 for NaN)."""
    tau = np.asarray(tau, dtype=np.float64)
    grid = np.arange(1, B + 1) / (B + 1.0)
    return np.searchsorted(grid, np.nan_to_num(tau, nan=0.0), side="left")


def interval(samples: np.ndarray, observed=None, *, method: str = "percentile", confidence: float = 0.95,
             jackknife: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap interval ``(lo, hi)`` per column of ``samples`` (B resamples x K statistics).

    ``observed`` (K,): the point estimates (needed by ``centered``, ``basic`` and ``bca``);
    ``jackknife`` (G, K): leave-one-out values for the BCa acceleration. See the module
    docstring for the construction. 1-D ``samples`` give scalar-shaped (0-d) bounds. Columns
    holding NaN, and endpoints needing more resamples than given, give NaN.
    """
    s, obs, one = _as_2d(samples, observed)
    B = s.shape[0]
    alpha = 1.0 - confidence
    z0 = a = None
    if method == "bca":
        if obs is None:
            raise ValueError("interval method 'bca' needs the observed (point) value")
        z0, a = bca_constants(s, obs, jackknife)
    e = np.sort(_oriented(s, obs, method), axis=0)
    t_lo, t_hi = _tails(alpha, method, z0, a)
    k_lo = np.broadcast_to(_rank(t_lo, B), s.shape[1:])
    k_hi = np.broadcast_to(_rank(t_hi, B), s.shape[1:])
    cols = np.arange(s.shape[1])
    lo = np.where(k_lo > 0, e[np.maximum(k_lo - 1, 0), cols], np.nan)
    hi = np.where(k_hi > 0, e[np.minimum(B - k_hi, B - 1), cols], np.nan)
    bad = np.isnan(s).any(axis=0)
    lo[bad] = np.nan
    hi[bad] = np.nan
    return (lo[0], hi[0]) if one else (lo, hi)


def p_value(samples: np.ndarray, observed=None, *, method: str = "percentile",
            jackknife: np.ndarray | None = None, null: float = 0.0) -> np.ndarray:
    """Two-sided p-value of ``statistic == null``, by inverting :func:`interval`.

    The smallest ``alpha`` at which the ``1 - alpha`` interval of the same ``method`` excludes
    ``null``: ``p < alpha`` exactly when ``interval(..., confidence=1 - alpha)`` excludes it.
    A Monte Carlo quantity: for the symmetric methods its smallest value is ``2/(B+1)``; a
    statistic whose every bootstrap value equals ``null`` gets p = 1.
    """
    s, obs, one = _as_2d(samples, observed)
    B = s.shape[0]
    if method == "bca":
        if obs is None:
            raise ValueError("interval method 'bca' needs the observed (point) value")
        z0, a = bca_constants(s, obs, jackknife)
        e = s
    else:
        e = _oriented(s, obs, method)
    L = (e <= null).sum(axis=0)
    U = (e >= null).sum(axis=0)
    if method != "bca":
        p = np.minimum(1.0, 2.0 * (np.minimum(L, U) + 1) / (B + 1.0))
    else:
        # bisection on alpha with the exact exclusion predicate of interval()
        def excluded(alpha):
            t_lo, t_hi = _tails(alpha, "bca", z0, a)
            return (L + 1) / (B + 1.0) < t_lo, (U + 1) / (B + 1.0) < t_hi

        # invariant: excluded at hi_a, not at lo_a; p = lo_a, so alpha > p (alpha >= hi_a once
        # the two are adjacent floats) is exactly "excluded at alpha"
        lo_a, hi_a = np.zeros(s.shape[1]), np.ones(s.shape[1])
        never = ~np.logical_or(*excluded(hi_a))
        for _ in range(200):
            mid = (lo_a + hi_a) / 2.0
            ex = np.logical_or(*excluded(mid))
            hi_a = np.where(ex, mid, hi_a)
            lo_a = np.where(ex, lo_a, mid)
        p = np.where(never, 1.0, lo_a)
        p[~np.isfinite(z0)] = np.nan
    p = np.where(np.isnan(s).any(axis=0), np.nan, p)
    return p[0] if one else p


def significant(p: np.ndarray, confidence: float) -> np.ndarray:
    """The decision rule shared by ``compare`` and the leaderboard: ``p < 1 - confidence``."""
    return np.asarray(p) < (1.0 - confidence)
