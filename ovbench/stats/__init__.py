"""Statistics on top of the scorers: bootstrap confidence intervals and paired comparisons.

* :mod:`.bootstrap`: image multiplicities (optionally stratified), percentile intervals, p-values;
* :mod:`.gsr`: Ov-SWiG intervals (images stratified by verb; every metric is linear in
  per-image scores, so 1,000 resamples are one chunked matrix product);
* :mod:`.hoi`: HICO-DET intervals (images resampled, 11-point AP recomputed from weighted
  cumulative TP/FP counts);
* :func:`compare`: paired difference of two result files with interval and p-value.

Pure numpy; scipy is not needed. See ``docs/statistics.md``.
"""

from __future__ import annotations


def compare(a, b, **options):
    """Paired comparison of two result files; see :func:`ovbench.stats.paired.compare`."""
    from .paired import compare as _compare

    return _compare(a, b, **options)


def not_significant(comparison: dict, metric: str) -> bool:
    """Whether a compared metric's difference is within noise (its interval contains 0)."""
    from .paired import not_significant as _ns

    return _ns(comparison, metric)


__all__ = ["compare", "not_significant"]
