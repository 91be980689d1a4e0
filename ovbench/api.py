"""The Python API: the few verbs a researcher needs, over the same code the CLI runs.

Every name here is also an attribute of the package (``ovbench.score``, ``ovbench.Result``,
...), imported on first use, so ``import ovbench`` stays instant and never imports torch,
pandas or scipy. Results are :class:`Result` objects wrapping the result dict that
``ovbench score -o`` writes; :meth:`Result.save` writes the same bytes.

Score the built-in HICO-DET example under rf-uc, read a number, render the table:

>>> import ovbench
>>> demo = ovbench.demo_data("hico-det")
>>> result = ovbench.score(demo.predictions, "hico-det", annotations=demo.annotations, setting="rf-uc")
>>> result
Result(hico-det test rf-uc, method 'noisy-demo-model', payload ...)
>>> round(100 * result.metrics["default"]["unseen"], 2)       # fractions in the result, % in tables
44.81
>>> print(result.render())                                     # the table `ovbench score` prints
mAP (%)       Full    Rare    Non-rare    Unseen    Seen
------------  ------  ------  ----------  --------  ------
Default       77.20   51.35   84.92       44.81     85.29
Known-Object  77.28   51.35   85.03       44.81     85.40
hico-det test, setting rf-uc, profile official, ...

Several zero-shot settings in one run, with their mean and spread:

>>> runs = ovbench.score_settings(demo.predictions, "all-uc", annotations=demo.annotations)
>>> runs.settings
['uc0', 'uc1', 'uc2', 'uc3', 'uc4']
>>> round(100 * runs.mean["default"]["unseen"], 2), round(100 * runs.std["default"]["unseen"], 2)
(76.99, 2.95)

Ov-SWiG: generate a split in memory and score against it:

>>> demo = ovbench.demo_data("ov-swig")
>>> split = ovbench.generate_split(demo.annotations, seed=0, n_unseen=3, n_rare=5)
>>> split["unseen_verbs"]
['building', 'cheering', 'coloring']
>>> result = ovbench.score(demo.predictions, "ov-swig", annotations=demo.annotations, split="test",
...                        manifest=split)
>>> round(result.metrics["unseen"]["top1"]["verb"], 4)
0.4167
"""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from .errors import InputError, SpecError, did_you_mean

__all__ = ["Comparison", "DemoData", "Result", "ResultSet", "available_benchmarks", "compare", "demo_data",
           "generate_split", "load_result", "render", "score", "score_settings", "verify_split"]

#: ``fmt`` values of :func:`render`; ``text`` (the default) is the plain table ``ovbench score`` prints
FORMATS = ("text", "md", "csv", "json")
_IN_MEMORY = "<in-memory predictions>"
_RUN_OPTIONS = frozenset({"bootstrap", "seed", "confidence"})


def _fmt(fmt: str) -> str:
    """API format name -> the benchmark renderers' name (``text`` is their ``table``)."""
    if fmt in ("text", "table"):
        return "table"
    if fmt in ("md", "csv", "json"):
        return fmt
    raise SpecError(f"unknown format {fmt!r}; available: {', '.join(FORMATS)}." + did_you_mean(fmt, FORMATS))


# --------------------------------------------------------------------------- typed results


@dataclass(frozen=True, eq=False)
class Result:
    """One scored run: a thin, read-only view of the result dict (schema ``ovbench.result/1``).

    ``data`` is the dict exactly as :mod:`ovbench.results` builds and reads it, so
    :meth:`save` writes the bytes ``ovbench score -o`` writes and ``Result(d).to_dict() == d``.
    Item access (``result["counts"]``) reads the dict too.
    """

    data: dict[str, Any]

    @classmethod
    def load(cls, path: str | os.PathLike) -> Result:
        """Read a result file, checking its schema and payload hash (:func:`load_result`)."""
        from .results import load_result as _load

        return cls(_load(path))

    @property
    def metrics(self) -> dict[str, Any]:
        """The numbers (fractions; ``None`` = undefined), nested as the benchmark defines them."""
        return self.data["metrics"]

    @property
    def benchmark(self) -> dict[str, Any]:
        """Which benchmark, split and setting, with the hashes of the split and annotations."""
        return self.data["benchmark"]

    @property
    def scorer(self) -> dict[str, Any]:
        """Scorer id, version and every protocol option."""
        return self.data["scorer"]

    @property
    def counts(self) -> dict[str, Any]:
        return self.data["counts"]

    @property
    def method(self) -> dict[str, Any]:
        """The predictions file's ``meta`` block (name, adapter provenance, post-processing)."""
        return self.data.get("method", {})

    @property
    def payload_sha256(self) -> str:
        return self.data["payload_sha256"]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __repr__(self) -> str:
        b = self.benchmark
        where = " ".join(str(x) for x in (b.get("name"), b.get("split"), b.get("setting")) if x)
        name = self.method.get("name")
        return f"Result({where}, method {name!r}, payload {self.payload_sha256[:12]})"

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the result dict."""
        return copy.deepcopy(self.data)

    def to_json(self) -> str:
        """The result as the deterministic JSON text :meth:`save` writes."""
        from .jsonio import dump_bytes

        return dump_bytes(self.data).decode("utf-8")

    def save(self, path: str | os.PathLike) -> Path:
        """Write the result file atomically (the bytes of ``ovbench score -o PATH``); returns the path."""
        from .results import save_result

        save_result(path, self.data)
        return Path(path)

    def render(self, fmt: str = "text") -> str:
        """The metrics table: ``text`` (default), ``md``, ``csv`` (full precision) or ``json``."""
        return render(self, fmt)

    def to_frame(self):
        """The metrics as a pandas DataFrame (needs pandas; never imported on the scoring path).

        One row per number, indexed by its path (``default/unseen``, ``all/top1/verb``);
        column ``value`` (fractions, NaN where undefined) and, with bootstrap intervals,
        ``lo`` and ``hi``.
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("Result.to_frame needs pandas: pip install pandas") from None
        rows = []
        intervals = self.data.get("intervals") or {}
        for path, value in _leaves(self.metrics, ()):
            row = {"metric": "/".join(path), "value": float("nan") if value is None else float(value)}
            if intervals:
                bounds = _get(intervals, path)
                row["lo"], row["hi"] = (float("nan"), float("nan")) if not bounds else (bounds[0], bounds[1])
            rows.append(row)
        return pd.DataFrame(rows).set_index("metric")


def _leaves(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, path + (str(key),))
    else:
        yield path, node


def _get(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


@dataclass(frozen=True, eq=False)
class ResultSet:
    """One predictions file scored under several HICO-DET settings (:func:`score_settings`).

    ``results``: ``{setting: Result}``, each identical to scoring that setting alone;
    ``summary``: mean, sample standard deviation (ddof=1), min and max of each metric over
    the settings (:func:`ovbench.benchmarks.hicodet.setting_summary`).
    """

    results: dict[str, Result]
    summary: dict[str, Any]

    @property
    def settings(self) -> list[str]:
        return list(self.results)

    @property
    def mean(self) -> dict[str, Any]:
        return self.summary["mean"]

    @property
    def std(self) -> dict[str, Any]:
        return self.summary["std"]

    def __getitem__(self, setting: str) -> Result:
        return self.results[setting]

    def __repr__(self) -> str:
        return f"ResultSet(hico-det settings {', '.join(self.settings)})"

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the summary dict (what ``ovbench score --setting ... -f json`` prints)."""
        return copy.deepcopy(self.summary)

    def render(self, fmt: str = "text") -> str:
        """One row per setting, then mean and std: ``text`` (default), ``md``, ``csv`` or ``json``."""
        return render(self, fmt)

    def save(self, path: str | os.PathLike) -> list[Path]:
        """Write ``<stem>.<setting><suffix>`` per setting (as ``ovbench score -o PATH`` does)."""
        out = Path(path)
        paths = [out.with_name(f"{out.stem}.{s}{out.suffix or '.json'}") for s in self.results]
        for p, r in zip(paths, self.results.values()):
            r.save(p)
        return paths


@dataclass(frozen=True, eq=False)
class Comparison:
    """A paired comparison of two results (:func:`compare`): B - A per metric with its
    bootstrap interval and p-value. ``data`` is the dict ``ovbench compare -f json`` prints."""

    data: dict[str, Any]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.data["rows"]

    def significant(self, metric: str) -> bool:
        """Whether ``metric``'s (e.g. ``"default/full"``) interval excludes 0."""
        from .stats import not_significant

        return not not_significant(self.data, metric)

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)

    def render(self, fmt: str = "text") -> str:
        return render(self, fmt)


# --------------------------------------------------------------------------- verbs


def available_benchmarks() -> list[str]:
    """Names :func:`score` accepts (the registry :data:`ovbench.benchmarks.BENCHMARKS`).

    >>> {"ov-swig", "hico-det"} <= set(available_benchmarks())
    True
    """
    from .benchmarks import BENCHMARKS

    return sorted(BENCHMARKS)


@dataclass(frozen=True)
class DemoData:
    """Paths of a built-in example dataset: ``annotations`` and ``predictions``, plus the
    ``options`` its demo is scored with."""

    benchmark: str
    annotations: Path
    predictions: Path
    options: Mapping[str, Any]


def demo_data(benchmark: str) -> DemoData:
    """The example data shipped with ovbench (``ov-swig``, ``hico-det`` or ``swig-hoi``); no download.

    >>> demo_data("ov-swig").options
    {'split': 'test'}
    """
    from importlib import resources

    root = Path(str(resources.files("ovbench.data")))
    if benchmark == "ov-swig":
        base = root / "ov_swig_demo"
        return DemoData(benchmark, base / "annotations", base / "predictions_test.json", {"split": "test"})
    if benchmark == "hico-det":
        base = root / "hico_det_demo"
        return DemoData(benchmark, base / "annotations.json", base / "predictions.json", {"setting": "rf-uc"})
    if benchmark == "swig-hoi":
        base = root / "swig_hoi_demo"
        return DemoData(benchmark, base / "swig_test_1000.json", base / "predictions.json", {})
    raise SpecError(f"no demo data for {benchmark!r}; available: hico-det, ov-swig, swig-hoi."
                    + did_you_mean(benchmark, ["hico-det", "ov-swig", "swig-hoi"]))


def _check_options(bench: Any, name: str, options: dict[str, Any]) -> dict[str, Any]:
    allowed = getattr(bench, "CLI_OPTIONS", None)
    given = {k: v for k, v in options.items() if v is not None}
    if allowed is not None:
        unknown = sorted(set(given) - set(allowed) - _RUN_OPTIONS)
        if unknown:
            choices = sorted(set(allowed) | _RUN_OPTIONS)
            raise SpecError(f"option(s) {', '.join(unknown)} do not apply to benchmark {name}; it takes "
                            f"{', '.join(choices)}." + did_you_mean(unknown[0], choices))
    return given


def score(predictions: str | os.PathLike | Mapping[str, Any], benchmark: str, *,
          annotations: str | os.PathLike, method: str | None = None, **options: Any) -> Result:
    """Validate and score predictions on a benchmark; the Python twin of ``ovbench score``.

    ``predictions``: a predictions file (or, for ov-swig, an imSitu ``.predictions`` folder),
    or the same content in memory: a dict ``{"predictions": {...}, "meta": {...}}`` or just
    the ``predictions`` mapping. In-memory predictions are hashed as their canonical JSON
    and recorded as ``<in-memory predictions>`` (so :func:`compare` cannot re-read them).
    ``benchmark``: a name of :func:`available_benchmarks`. ``options`` are the benchmark's
    ``ovbench score`` options with underscores (ov-swig: ``split``, ``manifest`` (a path or
    the dict :func:`generate_split` returns), ``averaging``, ``iou``; hico-det: ``setting``,
    ``profile``, ``box_frame``, ``ko_labels``, ``nms``), plus ``bootstrap=N``, ``seed`` and
    ``confidence`` for intervals. Raises :class:`~ovbench.errors.InputError` /
    :class:`~ovbench.errors.SpecError` on bad input, as the CLI exits 3.

    >>> demo = demo_data("hico-det")
    >>> preds = {"predictions": {"HICO_demo_00000001.jpg": []}, "meta": {"name": "empty"}}
    >>> empty = score(preds, "hico-det", annotations=demo.annotations)
    >>> empty.metrics["default"]["full"], empty["volatile"]["inputs"]["predictions"]
    (0.0, '<in-memory predictions>')
    """
    from .benchmarks import get_benchmark

    bench = get_benchmark(benchmark)
    given = _check_options(bench, benchmark, options)
    setting = given.get("setting")
    if isinstance(setting, (list, tuple)) or (isinstance(setting, str) and ("," in setting or setting.startswith("all-"))):
        raise SpecError(f"setting {setting!r} names several settings: use ovbench.score_settings(...)")
    with _Materialised(predictions) as path:
        result = bench.score_files(path, annotations=annotations, method=method, **given)
    return Result(_record(predictions, result))


@contextlib.contextmanager
def _Materialised(predictions: Any) -> Iterator[str | os.PathLike]:
    """A predictions argument as a path: a file as given, in-memory predictions as a temporary
    file (whose name errors replace with ``<in-memory predictions>``)."""
    if isinstance(predictions, (str, os.PathLike)):
        yield predictions
        return
    if not isinstance(predictions, Mapping):
        raise InputError(f"predictions: expected a file path or a dict, got {type(predictions).__name__}")
    inner = predictions.get("predictions")
    doc = dict(predictions) if isinstance(inner, Mapping) else {"predictions": dict(predictions)}
    from .errors import OvbenchError
    from .jsonio import atomic_write, dump_bytes

    with tempfile.TemporaryDirectory(prefix="ovbench-preds-") as tmp:
        path = Path(tmp) / "predictions.json"
        atomic_write(path, dump_bytes(doc, indent=False))
        try:
            yield path
        except OvbenchError as exc:
            message = str(exc).replace(str(path), _IN_MEMORY)
            raise type(exc)(message) from None


def _record(predictions: Any, result: dict[str, Any]) -> dict[str, Any]:
    """In-memory predictions have no path: record that instead of the temporary file's."""
    if not isinstance(predictions, (str, os.PathLike)):
        result["volatile"]["inputs"]["predictions"] = _IN_MEMORY
    return result


def score_settings(predictions: str | os.PathLike | Mapping[str, Any], settings: str | list[str], *,
                   annotations: str | os.PathLike, method: str | None = None, **options: Any) -> ResultSet:
    """Score HICO-DET predictions under several zero-shot settings at once (one matching).

    ``settings``: ``"uc0,uc1,uc2"``, ``"all-uc"`` (= ``uc0 .. uc4``) or a list of names;
    other ``options`` as for :func:`score`. Returns a :class:`ResultSet` with one
    :class:`Result` per setting and their mean and spread, as CMD-SE-style papers report.
    """
    from .benchmarks import get_benchmark

    bench = get_benchmark("hico-det")
    given = _check_options(bench, "hico-det", options)
    given.pop("setting", None)
    with _Materialised(predictions) as path:
        raw = bench.score_settings(path, settings, annotations=annotations, method=method, **given)
    results = {s: Result(_record(predictions, r)) for s, r in raw.items()}
    return ResultSet(results, bench.setting_summary(raw))


def load_result(path: str | os.PathLike) -> Result:
    """Read a result file written by ``ovbench score -o`` or :meth:`Result.save`.

    Raises :class:`~ovbench.errors.InputError` when it is not a result, has an unknown
    schema, or its numbers were edited after it was written (payload hash mismatch).
    """
    return Result.load(path)


def render(result: Result | ResultSet | Comparison | Mapping[str, Any], fmt: str = "text") -> str:
    """Render a result, a settings summary or a comparison as a table.

    ``fmt``: ``text`` (default; the plain table the CLI prints, also accepted as ``table``),
    ``md`` (Markdown), ``csv`` (full precision) or ``json`` (the canonical JSON). A plain
    result dict is accepted too.

    >>> demo = demo_data("hico-det")
    >>> r = score(demo.predictions, "hico-det", annotations=demo.annotations)
    >>> print(render(r, "csv"))
    mode,full,rare,non_rare
    default,0.7719696969696971,0.5135046113306984,0.8491735537190084
    known_object,0.7728030303030304,0.5135046113306984,0.8502558048012595
    <BLANKLINE>
    """
    fmt = _fmt(fmt)
    if isinstance(result, ResultSet):
        from .benchmarks.hicodet import render_summary

        return render_summary(result.summary, fmt)
    if isinstance(result, Comparison):
        if fmt == "json":
            from .jsonio import dump_bytes

            return dump_bytes(result.data).decode("utf-8")
        from .stats.paired import render as render_comparison

        return render_comparison(result.data, fmt)
    data = result.data if isinstance(result, Result) else result
    if fmt == "json":
        from .jsonio import dump_bytes

        return dump_bytes(data).decode("utf-8")
    from .benchmarks import get_benchmark

    return get_benchmark(data["benchmark"]["name"]).render(data, fmt)


def compare(a: Result | str | os.PathLike | Mapping[str, Any], b: Result | str | os.PathLike | Mapping[str, Any],
            *, n: int = 1000, seed: int = 0, confidence: float = 0.95, **paths: Any) -> Comparison:
    """Paired comparison of two results on the same resampled test images (``ovbench compare``).

    ``a`` and ``b`` are results (objects, dicts or files) of the same benchmark, split and
    scorer options; their predictions files are re-read from the paths they recorded (or
    ``preds_a=`` / ``preds_b=``; ``annotations=``, ``manifest=``, ``ko_labels=`` likewise)
    and must still match the recorded sha256. ``n`` paired bootstrap resamples with ``seed``.
    See :func:`ovbench.stats.paired.compare` and ``docs/statistics.md``.
    """
    from .stats import compare as _compare

    def raw(r):
        if isinstance(r, Result):
            return r.data
        return dict(r) if isinstance(r, Mapping) else r

    return Comparison(_compare(raw(a), raw(b), n=n, seed=seed, confidence=confidence, **paths))


def generate_split(annotations: str | os.PathLike, *, seed: int | None = 0, n_unseen: int = 10,
                   n_rare: int = 20, unseen_verbs: list[str] | str | os.PathLike | None = None,
                   output: str | os.PathLike | None = None) -> dict[str, Any]:
    """Generate an Ov-SWiG split manifest from a SWiG/imSitu folder (``ovbench split ov-swig``).

    ``n_unseen`` verbs are drawn with ``seed`` (or given as ``unseen_verbs``, a list or a
    verb-list file) and removed from training; the ``n_rare`` least frequent remaining verbs
    are rare. Returns the manifest dict (with its ``sha256``), which :func:`score` accepts as
    ``manifest=``; ``output`` also writes it (the bytes of ``ovbench split ov-swig -o``).
    HICO-DET's zero-shot lists are frozen, not generated: see
    :func:`ovbench.splits.hico.list_settings`.
    """
    from .splits.ovswig import generate_split as _generate
    from .splits.ovswig import write_manifest

    manifest = _generate(annotations, seed=seed, n_unseen=n_unseen, n_rare=n_rare,
                         unseen_verbs=os.fspath(unseen_verbs) if isinstance(unseen_verbs, os.PathLike) else unseen_verbs)
    if output is not None:
        write_manifest(manifest, output)
    return manifest


def verify_split(manifest: str | os.PathLike, annotations: str | os.PathLike | None = None) -> dict[str, Any]:
    """Check a manifest file's hash and, with ``annotations``, that it regenerates byte for byte.

    Returns the manifest; raises :class:`~ovbench.errors.SpecError` when it was edited or made
    from other annotations (``ovbench split verify``).

    >>> import tempfile, os
    >>> demo = demo_data("ov-swig")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "manifest.json")
    ...     made = generate_split(demo.annotations, n_unseen=3, n_rare=5, output=path)
    ...     verify_split(path, demo.annotations)["sha256"] == made["sha256"]
    True
    """
    from .splits.ovswig import verify_manifest

    return verify_manifest(manifest, annotations)
