"""Bootstrap machinery and Ov-SWiG intervals: known-variance cases, stratification, determinism.

Known variances: for n i.i.d. Bernoulli(p) per-image scores the bootstrap standard error of
the mean is close to sqrt(p^(1-p^)/n) (the plug-in SE); a per-verb macro average of V verbs
with n_v images each has SE sqrt(sum_v p_v(1-p_v)/n_v) / V when resampled within verbs.
"""

from __future__ import annotations

import numpy as np
import pytest

from ovbench.benchmarks import ovswig
from ovbench.errors import SpecError
from ovbench.jsonio import dump_bytes
from ovbench.stats import gsr as sg
from ovbench.stats.bootstrap import METHODS, Resampler, interval, p_value, percentile_interval, significant

DEMO = ovswig.DEMO_DATA


def _mean_design(x: np.ndarray, strata: np.ndarray | None = None) -> sg.Design:
    strata = np.zeros(len(x), dtype=np.int64) if strata is None else strata
    return sg.Design([("all", "top1", "value")], (x / len(x))[:, None], strata)


def test_stratified_resamples_keep_each_stratum_count():
    strata = np.repeat([3, 0, 7, 1], [5, 1, 12, 30])
    np.random.default_rng(0).shuffle(strata)
    res = Resampler(len(strata), 50, seed=4, strata=strata, chunk=16)
    for _, W in res.weights_chunks():
        for s in np.unique(strata):
            assert (W[:, strata == s].sum(axis=1) == (strata == s).sum()).all()
        assert (W >= 0).all() and (W == np.round(W)).all()
    # an image alone in its stratum is always drawn exactly once
    single = np.flatnonzero(strata == 0)[0]
    assert all((W[:, single] == 1).all() for _, W in res.weights_chunks())


def test_resamples_do_not_depend_on_chunk_size_and_follow_the_seed():
    strata = np.arange(40) % 3
    a = np.concatenate([W for _, W in Resampler(40, 30, seed=1, strata=strata, chunk=7).weights_chunks()])
    b = np.concatenate([W for _, W in Resampler(40, 30, seed=1, strata=strata, chunk=64).weights_chunks()])
    c = np.concatenate([W for _, W in Resampler(40, 30, seed=2, strata=strata, chunk=64).weights_chunks()])
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_bernoulli_standard_error_matches_theory():
    rng = np.random.default_rng(11)
    n, p = 2000, 0.3
    x = (rng.random(n) < p).astype(np.float64)
    samples = sg.bootstrap_samples(_mean_design(x), 2000, seed=5)[:, 0]
    phat = x.mean()
    assert samples.std() == pytest.approx(np.sqrt(phat * (1 - phat) / n), rel=0.08)
    assert samples.mean() == pytest.approx(phat, abs=0.003)


def test_standard_error_agrees_with_scipy_bootstrap():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(3)
    x = rng.beta(2, 5, size=500)
    ours = sg.bootstrap_samples(_mean_design(x), 3000, seed=0)[:, 0].std(ddof=1)
    ref = stats.bootstrap((x,), np.mean, n_resamples=3000, method="percentile", random_state=0).standard_error
    assert ours == pytest.approx(ref, rel=0.08)


def test_per_verb_macro_standard_error_with_stratification():
    rng = np.random.default_rng(2)
    p = np.array([0.1, 0.5, 0.9, 0.3])
    n_v = np.array([40, 80, 20, 60])
    verbs = np.repeat(np.arange(4), n_v)
    x = (rng.random(len(verbs)) < p[verbs]).astype(np.float64)
    coef = 1.0 / (n_v[verbs] * 4.0)
    d = sg.Design([("all", "top1", "value")], (x * coef)[:, None], verbs)
    samples = sg.bootstrap_samples(d, 3000, seed=9)[:, 0]
    ph = np.array([x[verbs == v].mean() for v in range(4)])
    assert d.point()[0] == pytest.approx(ph.mean(), abs=1e-15)
    assert samples.std() == pytest.approx(np.sqrt((ph * (1 - ph) / n_v).sum()) / 4, rel=0.08)


def test_interval_covers_the_true_mean_at_about_the_nominal_rate():
    rng = np.random.default_rng(123)
    n, p, trials = 200, 0.3, 300
    hits = 0
    for t in range(trials):
        x = (rng.random(n) < p).astype(np.float64)
        lo, hi = percentile_interval(sg.bootstrap_samples(_mean_design(x), 500, seed=t), 0.95)
        hits += bool(lo[0] <= p <= hi[0])
    assert 0.90 <= hits / trials <= 0.99  # nominal 0.95; binomial sd over 300 trials ~0.013


def test_p_values_for_no_difference_and_a_clear_difference():
    zero = np.zeros((100, 2))
    for m in METHODS:
        if m != "bca":
            assert np.array_equal(p_value(zero, np.zeros(2), method=m), [1.0, 1.0])
    rng = np.random.default_rng(0)
    boot = rng.normal(0.05, 0.01, size=(999, 1))
    assert p_value(boot, np.array([0.05]), method="centered")[0] == pytest.approx(2 / 1000)


@pytest.mark.parametrize("method", METHODS)
def test_p_below_alpha_exactly_when_the_interval_excludes_zero(method):
    rng = np.random.default_rng(5)
    for trial in range(300):
        B = int(rng.integers(40, 400))
        loc = rng.normal(0, 0.02)
        s = np.round(rng.normal(loc, 0.01, size=(B, 3)), int(rng.integers(2, 6)))  # rounding makes ties
        obs = np.round(loc + rng.normal(0, 0.01, 3), 3)
        jk = rng.normal(obs, 0.001, size=(20, 3))
        p = p_value(s, obs, method=method, jackknife=jk)
        for conf in (0.95, 0.9, 0.99, float(rng.uniform(0.5, 0.999)), 1 - float(p[0]) if 0 < p[0] < 1 else 0.8):
            lo, hi = interval(s, obs, method=method, confidence=conf, jackknife=jk)
            ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(p)
            excluded = (lo > 0) | (hi < 0)
            assert np.array_equal(significant(p, conf)[ok], excluded[ok]), (trial, conf, p, lo, hi)


def test_interval_methods_against_definitions():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(1)
    x = rng.exponential(size=60)
    B = 3999
    s = x[rng.integers(0, 60, (B, 60))].mean(axis=1)
    k = int((np.arange(1, B + 1) / (B + 1) < (1 - 0.95) / 2).sum())  # the (B+1) rule: 100 here
    assert k in (99, 100)
    srt = np.sort(s)
    lo, hi = interval(s, x.mean(), method="percentile")
    assert (lo, hi) == (srt[k - 1], srt[B - k])
    lo, hi = interval(s, x.mean(), method="centered")
    assert lo == pytest.approx(srt[k - 1] - s.mean() + x.mean()) and hi == pytest.approx(srt[B - k] - s.mean() + x.mean())
    lo, hi = interval(s, x.mean(), method="basic")
    assert lo == pytest.approx(2 * x.mean() - srt[B - k]) and hi == pytest.approx(2 * x.mean() - srt[k - 1])
    jk = np.array([np.delete(x, i).mean() for i in range(60)])
    lo, hi = interval(s, x.mean(), method="bca", jackknife=jk[:, None])
    ref = stats.bootstrap((x,), np.mean, n_resamples=B, method="BCa", random_state=2).confidence_interval
    assert lo == pytest.approx(ref.low, abs=0.02) and hi == pytest.approx(ref.high, abs=0.03)
    assert lo > interval(s, x.mean(), method="percentile")[0]  # right skew: BCa moves right


def test_design_reproduces_every_demo_metric(tmp_path):
    from ovbench.splits.ovswig import generate_split, write_manifest

    write_manifest(generate_split(DEMO / "annotations", seed=0, n_unseen=3, n_rare=5), tmp_path / "m.json")
    for averaging in ("per-verb", "per-image"):
        ev = ovswig.evaluate_files(DEMO / "predictions_test.json", annotations=DEMO / "annotations", split="test",
                                   manifest=tmp_path / "m.json", averaging=averaging)
        d = ev.design()
        assert len(d.keys) == 4 * 14  # 4 subsets x (5 + 5 + 4 gold) metrics
        for key, value in zip(d.keys, d.point()):
            sub, setting, metric = key
            assert value == pytest.approx(ev.fields["metrics"][sub][setting][metric], abs=1e-12), key


def test_same_seed_same_bytes_and_no_change_without_bootstrap(tmp_path):
    kw = dict(annotations=DEMO / "annotations", split="test")
    a = ovswig.score_files(DEMO / "predictions_test.json", bootstrap=300, seed=7, **kw)
    b = ovswig.score_files(DEMO / "predictions_test.json", bootstrap=300, seed=7, **kw)
    c = ovswig.score_files(DEMO / "predictions_test.json", bootstrap=300, seed=8, **kw)
    plain = ovswig.score_files(DEMO / "predictions_test.json", **kw)
    assert dump_bytes(a) == dump_bytes(b)
    assert a["intervals"] != c["intervals"] and a["payload_sha256"] != c["payload_sha256"]
    assert "intervals" not in plain and "bootstrap" not in plain
    assert a["bootstrap"]["stratified_by"] == "verb" and a["bootstrap"]["n"] == 300
    for setting, block in a["intervals"]["all"].items():
        for metric, bounds in block.items():
            value = a["metrics"]["all"][setting][metric]
            assert bounds[0] <= bounds[1] and 0.0 <= bounds[0] and bounds[1] <= 1.0
            assert bounds[0] - 1e-9 <= value <= bounds[1] + 1e-9, (setting, metric)


@pytest.mark.parametrize("n, seed, conf", [(1, 0, 0.95), (100, -1, 0.95), (100, 0, 1.0), (True, 0, 0.9)])
def test_bad_bootstrap_arguments_are_spec_errors(n, seed, conf):
    with pytest.raises(SpecError):
        ovswig.score_files(DEMO / "predictions_test.json", annotations=DEMO / "annotations", split="test",
                           bootstrap=n, seed=seed, confidence=conf)


def test_subset_splitting_a_verb_is_refused():
    ev = ovswig.evaluate_files(DEMO / "predictions_test.json", annotations=DEMO / "annotations", split="test")
    mask = np.zeros(len(ev.truth.gt_verb), dtype=bool)
    mask[0] = True  # one image of a verb with several images
    with pytest.raises(ValueError, match="unions of verbs"):
        sg.design(ev.truth, ev.aligned, {"odd": mask}, averaging="per-verb", iou="coformer")
