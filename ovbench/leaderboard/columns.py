"""Column specifications of the leaderboard tables, one per benchmark.

A column's ``key`` is a dotted path into a result's ``metrics`` block (``all.top1.verb``);
reported entries use the same keys for the numbers they copy from a paper. The Ov-SWiG
layout follows the MIPD paper's Table 1 (Top-1, 11 columns); the HICO-DET layout follows its
Table 2 (unseen / seen / full) plus rare / non-rare and, when any entry has them, the
Known-Object numbers. Every metric is higher-is-better.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpecError, did_you_mean


@dataclass(frozen=True)
class Column:
    key: str  # dotted path under a result's "metrics"
    label: str  # short header (Markdown, CSV, HTML)
    group: str  # header group ("Top-1 all", "Default")
    optional: bool = False  # shown only when some row has a value
    higher_is_better: bool = True


@dataclass(frozen=True)
class BenchmarkSpec:
    name: str
    columns: tuple[Column, ...]
    known_keys: frozenset[str]  # every metric key an entry may carry
    chart_keys: tuple[tuple[str, str], ...]  # (label, key) of the seen/rare/unseen chart
    chart_title: str
    detector_flag: bool  # HICO-DET: rows say whether a pretrained detector was used


def _ovswig() -> BenchmarkSpec:
    cols = [Column(f"all.top1.{m}", label, "Top-1 all")
            for m, label in (("verb", "verb"), ("value", "value"), ("value_all", "value-all"),
                             ("grnd", "grnd"), ("grnd_all", "grnd-all"))]
    for subset in ("rare", "unseen"):
        cols += [Column(f"{subset}.top1.{m}", f"{subset} {m}", f"Top-1 {subset}")
                 for m in ("verb", "value", "grnd")]
    known = {f"{subset}.{setting}.{m}"
             for subset in ("all", "seen", "rare", "unseen")
             for setting in ("top1", "top5", "gold")
             for m in ("verb", "value", "value_all", "grnd", "grnd_all")
             if not (setting == "gold" and m == "verb")}
    chart = tuple((s, f"{s}.top1.value") for s in ("seen", "rare", "unseen"))
    return BenchmarkSpec("ov-swig", tuple(cols), frozenset(known), chart,
                         "Top-1 value (%) by verb subset", detector_flag=False)


def _hicodet() -> BenchmarkSpec:
    labels = (("unseen", "unseen"), ("seen", "seen"), ("full", "full"),
              ("rare", "rare"), ("non_rare", "non-rare"))
    cols = [Column(f"default.{k}", label, "Default") for k, label in labels]
    cols += [Column(f"known_object.{k}", f"KO {label}", "Known-Object", optional=True)
             for k, label in labels]
    known = {c.key for c in cols}
    chart = tuple((s, f"default.{s}") for s in ("seen", "rare", "unseen"))
    return BenchmarkSpec("hico-det", tuple(cols), frozenset(known), chart,
                         "Default mAP (%) by HOI class subset", detector_flag=True)


def _swighoi() -> BenchmarkSpec:
    cols = tuple(Column(k, label, "mAP") for k, label in
                 (("zero_shot", "zero-shot"), ("rare", "rare"), ("non_rare", "non-rare"), ("full", "full")))
    chart = tuple((label, k) for k, label in (("non_rare", "non-rare"), ("rare", "rare"), ("zero_shot", "zero-shot")))
    return BenchmarkSpec("swig-hoi", cols, frozenset(c.key for c in cols), chart,
                         "mAP (%) by interaction frequency", detector_flag=False)


SPECS = {"ov-swig": _ovswig(), "hico-det": _hicodet(), "swig-hoi": _swighoi()}


def get_spec(benchmark: str) -> BenchmarkSpec:
    try:
        return SPECS[benchmark]
    except KeyError:
        raise SpecError(f"no leaderboard layout for benchmark {benchmark!r}; available: "
                        f"{', '.join(sorted(SPECS))}." + did_you_mean(benchmark, SPECS)) from None


def metric_at(metrics: dict, key: str) -> object:
    """The value at dotted ``key`` in a result's metrics, or ``None`` when absent."""
    node: object = metrics
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
