"""Bootstrap intervals for HICO-DET mAP: images resampled, AP recomputed per resample.

Why no re-matching is needed: greedy matching is done per (image, class) and ranking is by
score, so when an image is drawn ``k`` times each copy of a detection ranks next to the
others and is matched exactly like the original (a copy can only match its own copy of the
ground truth). A resample is therefore a vector ``w`` of image multiplicities, and for each
class ``c`` over its ranked detections ``d``:

* ``TP_c(r) = cumsum(w[image[d]] * tp[d])``, ``FP_c(r) = cumsum(w[image[d]] * (1 - tp[d]))``,
* ``npos_c(w) = sum of w[image[p]]`` over the class's ground-truth pairs ``p``,
* ``prec = TP / (TP + FP)``, ``rec = TP / npos_c(w)`` and the same 11-point AP on the
  profile's grid as :func:`ovbench.scorers.hoi_ap.class_ap` (a class with ``npos_c(w) = 0``
  or no drawn detection scores 0).

Copies of a detection form one block in the ranking; the points inside a block are dominated
by the block's end (TP copies) or by the point before it (FP copies), so the block gives the
same 11-point AP as the copies listed one by one. This equals re-running the scorer on the
physically duplicated images whenever no two detections of one class in one image tie in score
(with such a tie, copies would interleave; the weighted version keeps each detection's copies
together). With ``w = 1`` the computation is the scorer's, operation for operation: per-class
APs are bit-identical. The summary (full / rare / ...) of each resample is the scorer's own
:func:`~ovbench.scorers.hoi.summarize`.

Approximation: under a profile with a per-class cap (``thid-cmdse``: 19,999 detections per
class) the cap is applied once, to the original ranking, not per resample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scorers import hoi as scorer
from ..scorers.hoi_ap import first_recall_count
from .bootstrap import STATS_VERSION, Resampler, interval

#: interval method of HICO-DET mAP (chosen by ``perf/coverage_sim.py``, see docs/statistics.md)
DEFAULT_METHOD = "centered"
#: groups of the delete-a-group jackknife that gives the BCa acceleration
JACKKNIFE_GROUPS = 100


@dataclass(frozen=True)
class Ranked:
    """The scored detections of one mode (Default or Known-Object), as the scorer ranked them."""

    image: np.ndarray      # (d,) image of each scored detection, sorted by class then rank
    hoi: np.ndarray        # (d,) class, non-decreasing
    tp: np.ndarray         # (d,) bool
    gt_image: np.ndarray   # (p,) image of each counted ground-truth pair
    gt_hoi: np.ndarray     # (p,) its class
    grid: np.ndarray       # recall thresholds
    n_images: int

    def trimmed(self) -> Ranked:
        """The same ranking without each class's detections after its last true positive.

        Interpolated precision is only ever read at a true positive (see
        :func:`weighted_class_ap`), so those detections cannot change any AP, under any
        weights; on the full test set with ~100 detections per image they are ~3/4 of all.
        """
        idx = np.arange(len(self.hoi))
        last = np.full(scorer.N_HOI, -1, dtype=np.int64)
        np.maximum.at(last, self.hoi[self.tp], idx[self.tp])
        keep = idx <= last[self.hoi]
        return Ranked(self.image[keep], self.hoi[keep], self.tp[keep], self.gt_image, self.gt_hoi, self.grid,
                      self.n_images)

    @classmethod
    def from_scorer(cls, out: dict, gt, det, grid: np.ndarray) -> Ranked:
        """From :func:`ovbench.scorers.hoi.per_class_ap`'s output dict."""
        order, keep = out["order"], out["gt_keep"]
        return cls(det.image[order], det.hoi[order], np.asarray(out["tp_sorted"], dtype=bool),
                   gt.pair_image[keep], gt.hoi[keep], grid, gt.n_images)


def weighted_class_ap(r: Ranked, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-class AP ``(B, 600)`` and npos ``(B, 600)`` for image multiplicities ``W (B, n_images)``.

    Only true positives can carry the interpolated precision: precision rises at a TP and
    falls at an FP, so ``max(prec[rec >= t])`` is reached at a TP (or is 0 when a class has
    none). The detections are therefore passed once (weighted running count of each class's
    detections) and everything else runs on the TP positions alone.
    """
    n_cls = scorer.N_HOI
    B, n = W.shape[0], len(r.hoi)
    rows = np.arange(B, dtype=np.int64)[:, None]
    npos = np.bincount((r.gt_hoi[None, :] + rows * n_cls).ravel(), weights=W[:, r.gt_image].ravel(),
                       minlength=B * n_cls).reshape(B, n_cls)
    ap = np.zeros((B, n_cls))
    tp_pos = np.flatnonzero(r.tp)
    if not len(tp_pos):
        return ap, npos
    start_all = np.searchsorted(r.hoi, np.arange(n_cls))
    cls_tp = r.hoi[tp_pos]
    bounds = np.searchsorted(cls_tp, np.arange(n_cls + 1))
    start, end = bounds[:-1], bounds[1:]
    zero = np.zeros((B, 1))
    # weighted running count of the class's detections at each TP (exact: integer weights);
    # one 1-D gather and cumsum per resample is faster than the 2-D fancy-indexed version
    upto = np.empty((B, len(tp_pos)))
    count = np.empty(n + 1)
    count[0] = 0.0
    for b in range(B):
        np.cumsum(np.take(W[b], r.image), out=count[1:])
        upto[b] = count[tp_pos + 1] - count[start_all[cls_tp]]
    wt = W[:, r.image[tp_pos]]
    ctp = np.cumsum(wt, axis=1)
    tp = ctp - np.concatenate((zero, ctp), axis=1)[:, start][:, cls_tp]  # cumulative TPs inside the class
    fp = upto - tp
    den = fp + tp
    prec = np.zeros_like(tp)
    np.divide(tp, den, out=prec, where=den > 0)  # 0 before the class's first drawn detection
    has = np.flatnonzero(end > start)
    suffix = np.empty_like(prec)
    for a, b in zip(start[has].tolist(), end[has].tolist()):
        suffix[:, a:b] = np.maximum.accumulate(prec[:, a:b][:, ::-1], axis=1)[:, ::-1]
    tp_int = tp.astype(np.int64)
    span = int(tp_int.max()) + 2
    m = len(tp_pos)
    for b in range(B):
        cls = has[npos[b, has] > 0]
        if not len(cls):
            continue
        s, e = start[cls], end[cls]
        npos_f = npos[b, cls]
        key = cls_tp * span + tp_int[b]  # non-decreasing: classes sorted, TP counts rise inside
        total = np.zeros(len(cls))
        for t in r.grid:
            first = np.searchsorted(key, cls * span + first_recall_count(npos_f, t), side="left")
            first = np.maximum(first, s)
            p = np.where(first < e, suffix[b, np.minimum(first, m - 1)], 0.0)
            total = total + p / len(r.grid)
        ap[b, cls] = total
    return ap, npos


def _summaries(ap: np.ndarray, npos: np.ndarray, profile, unseen) -> list[dict]:
    return [scorer.summarize(ap[b], profile, npos[b].astype(np.int64), unseen) for b in range(len(ap))]


def _evaluate(modes: dict[str, Ranked], weights, profile, unseen, n: int, diagnostics: dict | None = None):
    """Keys ``(mode, column)`` and (n, K) summary values for the weight chunks ``weights``."""
    keys: list[tuple[str, str]] | None = None
    out: np.ndarray | None = None
    lost = 0.0
    first = next(iter(modes))
    trimmed = {mode: r.trimmed() for mode, r in modes.items()}
    for start, W in weights:
        per_mode = {}
        for mode, r in trimmed.items():
            ap, npos = weighted_class_ap(r, W)
            if mode == first:
                had = np.bincount(r.gt_hoi, minlength=scorer.N_HOI) > 0
                lost += float(((npos == 0) & had).sum())
            per_mode[mode] = _summaries(ap, npos, profile, unseen)
        if keys is None:
            keys = [(mode, col) for mode in modes for col in per_mode[mode][0]]
            out = np.full((n, len(keys)), np.nan)
        for j, (mode, col) in enumerate(keys):
            out[start:start + len(W), j] = [np.nan if s[col] is None else s[col] for s in per_mode[mode]]
    if diagnostics is not None:
        diagnostics["mean_classes_losing_gt"] = lost / n
    return keys or [], out if out is not None else np.zeros((n, 0))


def bootstrap_samples(modes: dict[str, Ranked], profile, unseen, n: int, seed: int, chunk: int = 16,
                      n_images: int | None = None, diagnostics: dict | None = None):
    """Keys ``(mode, column)`` and (n, K) bootstrap values of every summary number.

    A key whose value is undefined (None) in a resample gets NaN there. ``diagnostics`` (a dict,
    filled in) receives ``mean_classes_losing_gt``: the mean number of classes with ground truth
    in the test set that have none in a resample (they score 0 there, as the official protocol
    scores a class without ground truth).
    """
    n_images = next(iter(modes.values())).n_images if n_images is None else n_images
    return _evaluate(modes, Resampler(n_images, n, seed, chunk=chunk).weights_chunks(), profile, unseen, n,
                     diagnostics)


def jackknife_samples(modes: dict[str, Ranked], profile, unseen, groups: int = JACKKNIFE_GROUPS, seed: int = 0,
                      chunk: int = 16):
    """Keys and (groups, K) delete-a-group jackknife values: images split into ``groups``
    seeded random groups of (nearly) equal size, each left out once (weights 0, others 1)."""
    n_images = next(iter(modes.values())).n_images
    g = min(int(groups), n_images)
    label = np.random.default_rng(seed).permutation(n_images) % g

    def chunks():
        for start in range(0, g, chunk):
            ids = np.arange(start, min(start + chunk, g))
            yield start, (label[None, :] != ids[:, None]).astype(np.float64)

    return _evaluate(modes, chunks(), profile, unseen, g)


def intervals(modes: dict[str, Ranked], metrics: dict, profile, unseen, n: int, seed: int,
              confidence: float, diagnostics: dict | None = None, method: str = DEFAULT_METHOD) -> dict:
    """Intervals nested like ``metrics`` (``{mode: {column: [lo, hi] or None}}``).

    ``diagnostics`` also receives ``resample_shift`` (same nesting): the mean of the bootstrap
    values minus the estimate, i.e. how much higher resampled test sets score on average.
    """
    keys, samples = bootstrap_samples(modes, profile, unseen, n, seed, diagnostics=diagnostics)
    observed = np.array([np.nan if metrics[mode].get(col) is None else metrics[mode][col] for mode, col in keys])
    jk = None
    if method == "bca":
        jk_keys, jk = jackknife_samples(modes, profile, unseen, seed=seed)
        assert jk_keys == keys
    lo, hi = interval(samples, observed, method=method, confidence=confidence, jackknife=jk)
    out = {mode: {col: None for col in block} for mode, block in metrics.items()}
    shift = {mode: {col: None for col in block} for mode, block in metrics.items()}
    for j, (mode, col) in enumerate(keys):
        if np.isnan(observed[j]) or np.isnan(samples[:, j]).any() or np.isnan(lo[j]) or np.isnan(hi[j]):
            continue  # undefined in the data or in some resample: no interval
        out[mode][col] = [float(lo[j]), float(hi[j])]
        shift[mode][col] = float(samples[:, j].mean() - observed[j])
    if diagnostics is not None:
        diagnostics["resample_shift"] = shift
    return out


def method(profile, name: str = DEFAULT_METHOD) -> dict:
    info = {
        "stats_version": STATS_VERSION,
        "method": name,
        "unit": "image",
        "stratified_by": None,
        "resampling": "test images drawn with replacement; AP recomputed per resample from the "
                      "image-weighted cumulative TP/FP counts and npos (no re-matching needed)",
        "estimand": "expected mAP over test sets of this size drawn like this one",
        "quantiles": "order statistics, (B+1) convention",
    }
    if name == "bca":
        info["jackknife"] = f"delete-a-group, {JACKKNIFE_GROUPS} seeded random groups of images"
    if profile.per_class_cap is not None:
        info["approximation"] = (f"per-class cap of {profile.per_class_cap} detections applied to the "
                                 "original ranking, not per resample")
    return info
