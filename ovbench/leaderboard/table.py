"""The leaderboard's Table model: what every renderer draws, built once from entries.

Rows are grouped into sections by kind (reported before reproduced) and protocol, so numbers
from papers and numbers ovbench computed, or two scorer versions, never share a section
silently. Within a section the best value of each column is marked (ties at the displayed
precision are marked together, and only when at least two rows have a value). Values are
percentages as :class:`~decimal.Decimal`; renderers round them for display only.

On request a cell also keeps its confidence interval (``intervals=True``: the ``[lo, hi]`` a
reproduced result scored with ``--bootstrap`` stores; reported rows have none) and whether its
difference from the column's best reproduced value is not significant (``significance=``, see
:mod:`.significance`). Without either, the table is exactly what it was before.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from .. import __version__
from ..errors import InputError, did_you_mean
from .columns import Column, get_spec
from .entries import ATTRIBUTES, NOT_STATED, Entry
from .significance import TIE_MARK, Comparisons, SignificanceOptions, check_comparable

MISSING = "—"


@dataclass(frozen=True)
class Cell:
    value: Decimal | None  # percent: the sort value
    best: bool = False
    interval: tuple[Decimal, Decimal] | None = None  # percent [lo, hi]; kept only with intervals=True
    tie: bool = False  # not significantly different from the column's best reproduced value

    def text(self, digits: int) -> str:
        return MISSING if self.value is None else fmt_percent(self.value, digits)

    def interval_text(self, digits: int) -> str:
        """``[lo, hi]`` rounded like the value, or ``""`` without an interval."""
        if self.interval is None:
            return ""
        return f"[{fmt_percent(self.interval[0], digits)}, {fmt_percent(self.interval[1], digits)}]"


@dataclass(frozen=True)
class Row:
    method: str
    marks: tuple[str, ...]
    kind: str
    cells: tuple[Cell, ...]
    pretrained_detector: bool | None
    source: str
    chart: tuple[Decimal | None, ...]
    attributes: tuple[str, ...] = ()  # one text per Table.attribute_labels (NOT_STATED when absent)


@dataclass(frozen=True)
class Section:
    kind: str
    protocol: str
    rows: tuple[Row, ...]

    @property
    def title(self) -> str:
        what = "Reported in papers" if self.kind == "reported" else "Reproduced with ovbench"
        return f"{what} ({self.protocol})"


@dataclass(frozen=True)
class Table:
    benchmark: str
    split: str
    columns: tuple[Column, ...]
    sections: tuple[Section, ...]
    digits: int
    detector_flag: bool
    chart_labels: tuple[str, ...]
    chart_title: str
    legend: tuple[tuple[str, str], ...]
    footer: tuple[str, ...]
    intervals: bool = False  # renderers show cells' intervals
    significance: dict | None = None  # {"n", "seed", "confidence", "compared_pairs"} with significance marks
    attribute_labels: tuple[str, ...] = ()  # row attribute columns (Supervision, Manual ann., Backbone)


def fmt_percent(value: Decimal, digits: int) -> str:
    return str(value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN))


def build_table(entries: list[Entry], benchmark: str, split: str, *, digits: int = 2,
                sort: str | None = None, intervals: bool = False,
                significance: SignificanceOptions | None = None) -> Table:
    """Build the table of ``benchmark``/``split`` from loaded entries.

    Rows keep the paper's order (``citation.position``, then method name) unless ``sort``
    names a column key, in which case they sort by it, best first, missing values last.
    ``intervals``: keep each reproduced cell's bootstrap interval for the renderers.
    ``significance``: compare every reproduced row with each column's best reproduced row
    (paired bootstrap, :mod:`.significance`) and mark the cells whose difference is not
    significant; raises when the reproduced rows cannot be compared.
    """
    spec = get_spec(benchmark)
    if digits < 0 or digits > 10:
        raise InputError(f"--digits must be between 0 and 10, got {digits}")
    chosen = [e for e in entries if e.benchmark == benchmark and e.split == split]
    if not chosen:
        have = sorted({f"{e.benchmark}/{e.split}" for e in entries})
        raise InputError(f"no leaderboard entries for {benchmark}/{split}; available: "
                         f"{', '.join(have) or 'none'}." + did_you_mean(f"{benchmark}/{split}", have))
    columns = tuple(c for c in spec.columns
                    if not c.optional or any(e.values.get(c.key) is not None for e in chosen))
    if sort is not None and sort not in {c.key for c in columns}:
        raise InputError(f"cannot sort by {sort!r}: not a column of the {benchmark} table; columns: "
                         f"{', '.join(c.key for c in columns)}." + did_you_mean(sort, [c.key for c in columns]))
    groups: dict[tuple[int, str], list[Entry]] = {}
    for e in chosen:
        groups.setdefault((0 if e.kind == "reported" else 1, e.protocol), []).append(e)
    comparisons = None
    if significance is not None:
        reproduced = sorted((e for e in chosen if e.kind == "reproduced"), key=lambda e: e.method)
        if len(reproduced) >= 2:
            check_comparable(reproduced)
            comparisons = Comparisons(significance)
    attr_keys = tuple(k for k in ATTRIBUTES if any(k in e.attributes for e in chosen))
    sections = tuple(_section(groups[k], columns, spec.chart_keys, digits, sort, intervals, comparisons, attr_keys)
                     for k in sorted(groups, key=lambda k: (k[0], min(_first(e) for e in groups[k]), k[1])))
    legend = tuple(sorted({(m, meaning) for e in chosen for m, meaning in e.marks.items()}))
    footer = _footer(chosen, benchmark, split, digits)
    if intervals:
        footer = footer[:-1] + _interval_footer(chosen) + footer[-1:]
    sig = None
    if significance is not None:
        sig = {"n": significance.n, "seed": significance.seed, "confidence": significance.confidence,
               "compared_pairs": comparisons.computed if comparisons else 0}
        footer = footer[:-1] + _significance_footer(significance, comparisons is not None) + footer[-1:]
    return Table(benchmark=benchmark, split=split, columns=columns, sections=sections, digits=digits,
                 detector_flag=spec.detector_flag, chart_labels=tuple(k for k, _ in spec.chart_keys),
                 chart_title=spec.chart_title, legend=legend, footer=footer, intervals=intervals,
                 significance=sig, attribute_labels=tuple(ATTRIBUTES[k] for k in attr_keys))


def _first(entry: Entry) -> tuple:
    """Sections follow the papers' order: source table, then the row's position in it."""
    c = entry.citation or {}
    return (c.get("paper", ""), c.get("table", ""), c.get("position") or 0)


def _order(entry: Entry, sort: str | None):
    if sort is not None:
        value = entry.values.get(sort)
        return (value is None, -(value or 0), entry.method)
    position = (entry.citation or {}).get("position")
    return (position is None, position or 0, entry.method)


def _section(entries: list[Entry], columns, chart_keys, digits: int, sort: str | None,
             intervals: bool = False, comparisons: Comparisons | None = None, attr_keys=()) -> Section:
    entries = sorted(entries, key=lambda e: _order(e, sort))
    best = {}
    for c in columns:
        shown = [fmt_percent(v, digits) for e in entries if (v := e.values.get(c.key)) is not None]
        if len(shown) >= 2:
            best[c.key] = max(shown, key=Decimal) if c.higher_is_better else min(shown, key=Decimal)
    ties: set[tuple[int, str]] = set()
    if comparisons is not None and entries[0].kind == "reproduced":
        ties = _ties(entries, columns, comparisons)
    rows = []
    for i, e in enumerate(entries):
        cells = []
        for c in columns:
            v = e.values.get(c.key)
            cells.append(Cell(v, v is not None and best.get(c.key) == fmt_percent(v, digits),
                              interval=e.intervals.get(c.key) if intervals and v is not None else None,
                              tie=(i, c.key) in ties))
        rows.append(Row(method=e.method, marks=tuple(e.marks), kind=e.kind, cells=tuple(cells),
                        pretrained_detector=e.pretrained_detector, source=e.source,
                        attributes=tuple(e.attributes.get(k, NOT_STATED) for k in attr_keys),
                        chart=tuple(e.values.get(k) for _, k in chart_keys)))
    return Section(kind=entries[0].kind, protocol=entries[0].protocol, rows=tuple(rows))


def _ties(entries: list[Entry], columns, comparisons: Comparisons) -> set[tuple[int, str]]:
    """(row index, column key) of cells not significantly different from the column's best.

    The reference is the best full-precision value of the column (the first such row in table
    order on an exact tie); it is never marked itself, nor is a missing value.
    """
    ties = set()
    for c in columns:
        valued = [(i, e) for i, e in enumerate(entries) if e.values.get(c.key) is not None]
        if len(valued) < 2:
            continue
        pick = max if c.higher_is_better else min
        ref = pick(valued, key=lambda ie: ie[1].values[c.key])[1]
        for i, e in valued:
            if e is not ref and comparisons.not_significant(ref, e, c.key):
                ties.add((i, c.key))
    return ties


def _interval_footer(entries: list[Entry]) -> tuple[str, ...]:
    how = sorted({(b.get("confidence"), b.get("n"), b.get("seed"), b.get("unit", "image"), b.get("stratified_by"))
                  for e in entries if (b := e.bootstrap)}, key=repr)
    if not how:
        return ("No row has a confidence interval: reported numbers never do, and the reproduced results "
                "were scored without --bootstrap.",)
    parts = [f"{100 * conf:g}% from {n} resamples of {unit}s" + (f" stratified by {strata}" if strata else "")
             + f", seed {seed}" for conf, n, seed, unit, strata in how]
    lines = ["[lo, hi]: bootstrap confidence interval (method in each result's bootstrap.method) stored in a reproduced row's result ("
             + "; ".join(parts) + "); reported rows, and results scored without --bootstrap, have none."]
    lost = sorted(e.method for e in entries if (e.bootstrap or {}).get("mean_classes_losing_gt", 0) >= 1)
    if lost:  # HICO-DET on a small test set (docs/statistics.md)
        lines.append(f"Intervals of {', '.join(lost)}: a resample leaves on average one or more classes without "
                     "ground truth (scored 0 as officially); see each result's bootstrap.method and "
                     "docs/statistics.md for how the interval handles it.")
    return tuple(lines)


def _significance_footer(options: SignificanceOptions, compared: bool) -> tuple[str, ...]:
    reported = ("Reported rows are never compared: papers publish no per-image outputs to pair "
                "(their bold marks only the largest printed number).")
    if not compared:
        return ("Significance: fewer than two reproduced rows, so nothing was compared. " + reported,)
    return (f"{TIE_MARK}: not significantly different from the best reproduced value of its column ("
            f"{options.describe()}). " + reported,)


def _footer(entries: list[Entry], benchmark: str, split: str, digits: int) -> tuple[str, ...]:
    lines = [f"Benchmark {benchmark}, split {split}; values in percent rounded to {digits} digits; "
             "best per column within a section in bold; missing values shown as —."]
    if len({(e.kind, e.protocol) for e in entries}) > 1:
        lines.append("Each section holds one kind (reported / reproduced) and one protocol as far as its source "
                     "states it ('not stated' where it does not): numbers in different sections are not "
                     "comparable, and bold marks the best within a section only.")
    scorers = sorted({e.scorer for e in entries if e.scorer})
    if scorers:
        lines.append(f"Reproduced rows scored by ovbench scorer {', '.join(scorers)}.")
    sources = sorted({e.table_source for e in entries if e.kind == "reported"})
    lines += [f"Source: {s}." for s in sources]
    lines.append(f"Rendered by ovbench {__version__}.")
    return tuple(lines)
