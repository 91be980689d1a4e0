"""Significance marks of a leaderboard: which reproduced rows are within noise of a column's best.

A result file holds no per-image data, so a mark needs :func:`ovbench.stats.compare`: it
re-reads the predictions and annotations each result names (``volatile.inputs``), checks their
sha256 and the re-scored payload, and bootstraps the paired difference on the *same* resampled
images. A row is marked when the difference is not significant: ``p >= 1 - confidence``, which is
the same as its interval containing 0 (one procedure, :func:`ovbench.stats.bootstrap.p_value`).

Only reproduced rows are compared; reported rows come from papers, which publish no per-image
outputs. Every reproduced row must be a scoring of the same benchmark, split and scorer options
(:func:`ovbench.stats.paired.check_compatible`) with its inputs readable here, else
:func:`check_comparable` raises before any bootstrap runs. One :func:`~ovbench.stats.compare`
call gives every metric of a pair, so :class:`Comparisons` runs each pair once (unordered) and
answers every column from the cache. Seeded: the same options give the same marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, OvbenchError, SpecError
from .entries import Entry, resolve_input

#: the mark of a cell whose difference from its column's best reproduced value is not significant
TIE_MARK = "≈"


@dataclass(frozen=True)
class SignificanceOptions:
    """Paired-bootstrap settings of ``--significance`` (see ``docs/statistics.md``)."""

    n: int = 1000  # resamples
    seed: int = 0
    confidence: float = 0.95

    def describe(self) -> str:
        return (f"paired bootstrap of the difference, {self.n} resamples of images, seed {self.seed}: "
                f"p >= {1 - self.confidence:.2g}, i.e. its {100 * self.confidence:g}% interval contains 0")


def _inputs(result: dict) -> dict[str, str]:
    needed = {"predictions": True, "annotations": True,
              "manifest": bool(result["benchmark"].get("manifest_sha256"))}
    given = result.get("volatile", {}).get("inputs", {}) or {}
    return {k: given.get(k) for k, need in needed.items() if need}


def _explicit_inputs(first: Entry, second: Entry) -> dict[str, str | None]:
    """The inputs each stored result recorded, resolved against its own folder (no machine paths)."""
    from ..results import load_result

    ra, rb = load_result(first.result_path), load_result(second.result_path)
    ia, ib = _inputs(ra), _inputs(rb)
    return {"preds_a": resolve_input(first, ia["predictions"]), "preds_b": resolve_input(second, ib["predictions"]),
            "annotations": resolve_input(first, ia["annotations"]),
            "manifest": resolve_input(first, ia.get("manifest"))}


def check_comparable(entries: list[Entry]) -> None:
    """Raise unless the reproduced ``entries`` can be compared pairwise (see the module docstring).

    :class:`SpecError` (exit 3) when two results differ in benchmark, split or scorer options;
    :class:`InputError` (exit 3) listing every result whose inputs are not readable here.
    """
    from ..results import load_result
    from ..stats.paired import check_compatible

    results = [(e, load_result(e.result_path)) for e in entries]
    first_entry, first = results[0] if results else (None, None)
    for e, r in results[1:]:
        try:
            check_compatible(first, r)
        except SpecError as exc:
            raise SpecError(f"--significance compares reproduced rows, which must be scorings of the same "
                            f"benchmark, split and scorer options; {first_entry.method!r} "
                            f"({first_entry.result_path}) and {e.method!r} ({e.result_path}) are not: {exc}") from None
    missing = []
    for e, r in results:
        for what, path in _inputs(r).items():
            path = resolve_input(e, path)
            if not path or not Path(path).exists():
                missing.append(f"{e.method!r}: {what} {path!r} (recorded in {e.result_path}, volatile.inputs)")
    if missing:
        raise InputError(f"--significance re-reads the inputs each reproduced result was scored from, but "
                         f"{len(missing)} are not readable here:\n  - " + "\n  - ".join(missing)
                         + "\nRun it where those files are, or drop --significance.")


class Comparisons:
    """Paired comparisons of reproduced entries, each unordered pair computed once."""

    def __init__(self, options: SignificanceOptions):
        self.options = options
        self._cache: dict[tuple[str, str], dict] = {}

    @property
    def computed(self) -> int:
        """How many pairs were compared (each once)."""
        return len(self._cache)

    def not_significant(self, a: Entry, b: Entry, key: str) -> bool | None:
        """Whether ``a`` and ``b`` differ within noise in column ``key``; ``None`` if not compared."""
        from ..stats import compare, not_significant

        first, second = sorted((a, b), key=lambda e: str(e.result_path))  # symmetric; one order
        pair = (str(first.result_path), str(second.result_path))
        if pair not in self._cache:
            o = self.options
            try:
                self._cache[pair] = compare(*pair, n=o.n, seed=o.seed, confidence=o.confidence,
                                            **_explicit_inputs(first, second))
            except OvbenchError as exc:
                raise type(exc)(f"--significance: comparing {first.method!r} with {second.method!r}: {exc}") from None
        try:
            return not_significant(self._cache[pair], key.replace(".", "/"))
        except KeyError:  # undefined for one of them
            return None
