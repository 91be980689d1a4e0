"""The leaderboard's Table model: what every renderer draws, built once from entries.

Rows are grouped into sections by kind (reported before reproduced) and protocol, so numbers
from papers and numbers ovbench computed, or two scorer versions, never share a section
silently. Within a section the best value of each column is marked (ties at the displayed
precision are marked together, and only when at least two rows have a value). Values are
percentages as :class:`~decimal.Decimal`; renderers round them for display only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from .. import __version__
from ..errors import InputError, did_you_mean
from .columns import Column, get_spec
from .entries import Entry

MISSING = "—"


@dataclass(frozen=True)
class Cell:
    value: Decimal | None  # percent: the sort value
    best: bool = False

    def text(self, digits: int) -> str:
        return MISSING if self.value is None else fmt_percent(self.value, digits)


@dataclass(frozen=True)
class Row:
    method: str
    marks: tuple[str, ...]
    kind: str
    cells: tuple[Cell, ...]
    pretrained_detector: bool | None
    source: str
    chart: tuple[Decimal | None, ...]


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


def fmt_percent(value: Decimal, digits: int) -> str:
    return str(value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN))


def build_table(entries: list[Entry], benchmark: str, split: str, *, digits: int = 2,
                sort: str | None = None) -> Table:
    """Build the table of ``benchmark``/``split`` from loaded entries.

    Rows keep the paper's order (``citation.position``, then method name) unless ``sort``
    names a column key, in which case they sort by it, best first, missing values last.
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
    sections = tuple(_section(groups[k], columns, spec.chart_keys, digits, sort) for k in sorted(groups))
    legend = tuple(sorted({(m, meaning) for e in chosen for m, meaning in e.marks.items()}))
    return Table(benchmark=benchmark, split=split, columns=columns, sections=sections, digits=digits,
                 detector_flag=spec.detector_flag, chart_labels=tuple(k for k, _ in spec.chart_keys),
                 chart_title=spec.chart_title, legend=legend, footer=_footer(chosen, benchmark, split, digits))


def _order(entry: Entry, sort: str | None):
    if sort is not None:
        value = entry.values.get(sort)
        return (value is None, -(value or 0), entry.method)
    position = (entry.citation or {}).get("position")
    return (position is None, position or 0, entry.method)


def _section(entries: list[Entry], columns, chart_keys, digits: int, sort: str | None) -> Section:
    entries = sorted(entries, key=lambda e: _order(e, sort))
    best = {}
    for c in columns:
        shown = [fmt_percent(v, digits) for e in entries if (v := e.values.get(c.key)) is not None]
        if len(shown) >= 2:
            best[c.key] = max(shown, key=Decimal) if c.higher_is_better else min(shown, key=Decimal)
    rows = []
    for e in entries:
        cells = []
        for c in columns:
            v = e.values.get(c.key)
            cells.append(Cell(v, v is not None and best.get(c.key) == fmt_percent(v, digits)))
        rows.append(Row(method=e.method, marks=tuple(e.marks), kind=e.kind, cells=tuple(cells),
                        pretrained_detector=e.pretrained_detector, source=e.source,
                        chart=tuple(e.values.get(k) for _, k in chart_keys)))
    return Section(kind=entries[0].kind, protocol=entries[0].protocol, rows=tuple(rows))


def _footer(entries: list[Entry], benchmark: str, split: str, digits: int) -> tuple[str, ...]:
    lines = [f"Benchmark {benchmark}, split {split}; values in percent rounded to {digits} digits; "
             "best per column within a section in bold; missing values shown as —."]
    scorers = sorted({e.scorer for e in entries if e.scorer})
    if scorers:
        lines.append(f"Reproduced rows scored by ovbench scorer {', '.join(scorers)}.")
    sources = sorted({e.source for e in entries if e.kind == "reported"})
    lines += [f"Source: {s}." for s in sources]
    lines.append(f"Rendered by ovbench {__version__}.")
    return tuple(lines)
