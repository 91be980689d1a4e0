"""HICO-DET benchmark: annotation file + predictions file -> result (``ovbench score -b hico-det``).

Reads the annotations (any supported format), the predictions (ovbench HOI format), optional
Known-Object labels, scores with :mod:`ovbench.scorers.hoi` under a profile, and builds the
result. Metrics are fractions: ``{"default": {"full", "rare", "non_rare"[, "unseen",
"seen"]}, "known_object": {...}}``; ``per_class_ap`` (600 values, Default) and friends are
kept beside them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..annotations.hico import HicoGroundTruth, load_annotations
from ..errors import InputError, SpecError
from ..jsonio import sha256_file
from ..predictions.hoi import HoiDetections, load_predictions
from ..results import build_result
from ..scorers import hoi as scorer
from ..splits import hico as splits

CLI_OPTIONS = frozenset({"setting", "profile", "box_frame", "ko_labels", "nms"})
BOX_FRAMES = ("model", "gt")
GT_KO_SOURCE = "gt-object-presence"


def score_files(preds, *, annotations, method=None, setting=None, profile=None, box_frame=None,
                ko_labels=None, nms=None, bootstrap=None, seed=0, confidence=0.95) -> dict[str, Any]:
    """Score a predictions file against a HICO-DET annotation file; returns the result dict.

    ``nms="gen-vlkt-triplet"`` (CLI: ``--nms``) applies GEN-VLKT's evaluation-time NMS,
    recorded in ``scorer.options.nms``; by default no post-processing is applied.
    ``bootstrap=N`` adds percentile intervals from N image resamples (:mod:`ovbench.stats.hoi`).
    """
    return evaluate_files(preds, annotations=annotations, method=method, setting=setting, profile=profile,
                          box_frame=box_frame, ko_labels=ko_labels, nms=nms).result(
        bootstrap=bootstrap, seed=seed, confidence=confidence)


def evaluate_files(preds, *, annotations, method=None, setting=None, profile=None, box_frame=None,
                   ko_labels=None, nms=None) -> Evaluation:
    """Read, validate and score; :func:`score_files` without building the result dict."""
    return evaluate_files_settings(preds, [setting], annotations=annotations, method=method, profile=profile,
                                   box_frame=box_frame, ko_labels=ko_labels, nms=nms)[setting]


def score_settings(preds, settings, *, annotations, method=None, profile=None, box_frame=None, ko_labels=None,
                   nms=None, bootstrap=None, seed=0, confidence=0.95) -> dict[str, dict[str, Any]]:
    """Score one predictions file under several zero-shot settings at once: ``{setting: result}``.

    ``settings``: a list of names, or a string such as ``"uc0,uc1"`` or ``"all-uc"``
    (:func:`ovbench.splits.hico.expand_settings`). Matching runs once; each result equals
    what :func:`score_files` gives for that setting alone (``setting_summary`` adds mean
    and spread).
    """
    names = splits.expand_settings(settings)
    evs = evaluate_files_settings(preds, names, annotations=annotations, method=method, profile=profile,
                                  box_frame=box_frame, ko_labels=ko_labels, nms=nms)
    return {s: ev.result(bootstrap=bootstrap, seed=seed, confidence=confidence) for s, ev in evs.items()}


def evaluate_files_settings(preds, settings, *, annotations, method=None, profile=None, box_frame=None,
                            ko_labels=None, nms=None) -> dict:
    """:func:`evaluate_files` for several settings (``None`` = no setting), matching once."""
    prof = scorer.get_profile(profile or "official")
    if box_frame is not None:
        _check_frame(box_frame)
    for setting in settings:
        if setting is not None:
            splits.check_setting(setting)
    gt = load_annotations(annotations)
    index = gt.image_index()
    ko = None
    if ko_labels is not None:
        from ..annotations.hico_labels import load_ko_labels

        image, hoi, source = load_ko_labels(ko_labels, index)
        ko = (scorer.presence_from_labels(gt.n_images, image, hoi), source)
    det = load_predictions(preds, index)
    frame = resolve_box_frame(box_frame, det.meta, os.fspath(preds))
    return evaluate_settings(
        gt, det, list(settings), profile=prof.name, box_frame=frame, ko=ko, method=method, nms=nms,
        annotations_sha256=sha256_file(annotations),
        inputs={"predictions": os.fspath(preds), "annotations": os.fspath(annotations),
                **({"ko_labels": os.fspath(ko_labels)} if ko_labels else {})},
    )


def resolve_box_frame(option: str | None, meta: dict[str, Any], source: str) -> str:
    """The box frame to score in: the option if given, else the predictions' ``meta.box_frame``
    (adapters record it), else ``model``. An option that contradicts the file is an error: one of
    the two is wrong and the number would be silently off by a pixel."""
    declared = meta.get("box_frame")
    if declared is not None and declared not in BOX_FRAMES:
        raise InputError(f"{source}: meta.box_frame is {declared!r}; expected one of {', '.join(BOX_FRAMES)}")
    if option is None:
        return declared or "model"
    if declared is not None and declared != option:
        raise SpecError(f"--box-frame {option} contradicts {source}, whose meta.box_frame is {declared!r}; "
                        "drop the option or fix the file's meta")
    return option


def _check_frame(frame: str) -> str:
    if frame not in BOX_FRAMES:
        raise SpecError(f"unknown box frame {frame!r}; available: {', '.join(BOX_FRAMES)}")
    return frame


def score_detections(gt: HicoGroundTruth, det: HoiDetections, *, bootstrap: int | None = None,
                     seed: int = 0, confidence: float = 0.95, **options) -> dict[str, Any]:
    """Score in-memory ground truth and detections (Python API); returns the result dict.

    ``options``: ``setting``, ``profile`` (default official), ``box_frame`` (default model),
    ``ko``: ``(presence, ko_source)`` with ``presence`` an (images x 80) boolean matrix (default
    derived from the ground truth, ``gt-object-presence``), ``method``, ``annotations_sha256``,
    ``inputs``, ``nms``; ``bootstrap=N`` adds percentile intervals (:mod:`ovbench.stats.hoi`).
    """
    return evaluate_detections(gt, det, **options).result(bootstrap=bootstrap, seed=seed, confidence=confidence)


@dataclass(frozen=True)
class Evaluation:
    """What scoring computed: the result's fields plus the ranked TP flags (for :mod:`ovbench.stats`)."""

    fields: dict[str, Any]           # keyword arguments of build_result
    modes: dict[str, dict]           # "default" / "known_object" -> scorer.per_class_ap output
    gt: HicoGroundTruth
    det: HoiDetections
    profile: scorer.Profile
    unseen: np.ndarray | None

    def ranked(self) -> dict:
        """``{mode: ovbench.stats.hoi.Ranked}``: what the bootstrap re-weights."""
        from ..scorers.hoi_ap import thresholds
        from ..stats.hoi import Ranked

        grid = thresholds(self.profile.threshold_grid)
        return {m: Ranked.from_scorer(out, self.gt, self.det, grid) for m, out in self.modes.items()}

    def result(self, bootstrap: int | None = None, seed: int = 0, confidence: float = 0.95) -> dict[str, Any]:
        """The result dict; with ``bootstrap`` it also holds ``intervals`` and ``bootstrap``."""
        if bootstrap is None:
            return build_result(**self.fields)
        from ..stats import bootstrap as stats_boot
        from ..stats import hoi as stats_hoi

        stats_boot.check_args(bootstrap, seed, confidence)
        diag: dict = {}
        intervals = stats_hoi.intervals(self.ranked(), self.fields["metrics"], self.profile, self.unseen,
                                        bootstrap, seed, confidence, diagnostics=diag)
        info = {"n": int(bootstrap), "seed": int(seed), "confidence": float(confidence),
                **stats_hoi.method(self.profile), **diag}
        fields = dict(self.fields)
        fields["extra"] = {**fields["extra"], "bootstrap": info, "intervals": intervals}
        return build_result(**fields)


def evaluate_detections(gt: HicoGroundTruth, det: HoiDetections, *, setting: str | None = None,
                        profile: str = "official", box_frame: str = "model",
                        ko: tuple[np.ndarray, str] | None = None, method: str | None = None,
                        annotations_sha256: str | None = None, inputs: dict | None = None,
                        nms: str | None = None) -> Evaluation:
    """:func:`score_detections` without building the result dict."""
    return evaluate_settings(gt, det, [setting], profile=profile, box_frame=box_frame, ko=ko, method=method,
                             annotations_sha256=annotations_sha256, inputs=inputs, nms=nms)[setting]


def nms_step(nms: str, det: HoiDetections, box_offset: float) -> tuple[str, Any]:
    """The scorer's ``postprocess`` argument for an evaluation-time NMS named ``nms``.

    Post-processing is chosen here, in the glue, and recorded in ``scorer.options.nms``; the
    scorer only applies the keep-mask it is handed (after its per-image top-k, as GEN-VLKT does).
    """
    from ..predictions.hoi_nms import NMS_METHODS, triplet_nms

    if nms not in NMS_METHODS:
        raise SpecError(f"unknown NMS {nms!r}; available: {', '.join(NMS_METHODS)}")
    params = NMS_METHODS[nms]

    def keep(sel: np.ndarray) -> np.ndarray:
        return triplet_nms(det.image[sel], det.hoi[sel], det.boxes[sel] + box_offset, det.score[sel],
                           det.position[sel], **params)

    return "nms", keep


def evaluate_settings(gt: HicoGroundTruth, det: HoiDetections, settings: list[str | None], *,
                      profile: str = "official", box_frame: str = "model",
                      ko: tuple[np.ndarray, str] | None = None, method: str | None = None,
                      annotations_sha256: str | None = None, inputs: dict | None = None,
                      nms: str | None = None) -> dict[str | None, Evaluation]:
    """Match once, then summarise under each zero-shot setting: ``{setting: Evaluation}``.

    The per-class APs do not depend on the setting (only which classes count as unseen), so
    scoring ``uc0 .. uc4`` costs one matching; each setting's result is byte-identical to
    scoring that setting alone.
    """
    prof = scorer.get_profile(profile)
    _check_frame(box_frame)
    unseen_of = {s: (splits.unseen_ids(s) if s is not None else None) for s in settings}
    presence, ko_source = ko if ko is not None else (scorer.presence_from_gt(gt), GT_KO_SOURCE)
    options = scorer.profile_options(prof, box_frame, nms)
    offset = options["box_offset"]
    post = nms_step(nms, det, offset) if nms is not None else None
    ranking = scorer.rank_order(det.image, det.hoi, det.score, det.position)
    default = scorer.per_class_ap(gt, det, prof, offset, ranking=ranking, postprocess=post)
    ko_mask = scorer.known_object_mask(det.image, det.hoi, presence)
    # Known-Object drops whole (image, class) groups: Default's matches still hold where reusable
    reuse = default["tp_by_detection"] if scorer.reusable_matches(prof, nms) else None
    known = scorer.per_class_ap(gt, det, prof, offset, keep=ko_mask, ranking=ranking, postprocess=post,
                                matches=reuse)
    options["ko_source"] = ko_source
    averaged = scorer.averaged_classes(prof, default["npos"])
    meta = dict(det.meta)
    if method:
        meta["name"] = method
    out: dict[str | None, Evaluation] = {}
    for setting, unseen in unseen_of.items():
        metrics = {
            "default": scorer.summarize(default["ap"], prof, default["npos"], unseen),
            "known_object": scorer.summarize(known["ap"], prof, known["npos"], unseen),
        }
        counts = {
            "images_expected": gt.n_images,
            "images_with_predictions": det.n_images_with_predictions,
            "images_missing": gt.n_images - det.n_images_with_predictions,
            "detections": int(len(det.hoi)),
            "gt_pairs": int(len(gt.hoi)),
            "classes_averaged": int(averaged.sum()),
            "default": dict(default["counts"]),
            "known_object": {**known["counts"], "dropped_by_known_object": int((~ko_mask).sum())},
        }
        if unseen is not None:
            counts["unseen_classes_averaged"] = int(averaged[unseen].sum())
        benchmark = {
            "name": "hico-det", "split": "test", "split_file": splits.SPEC_NAME,
            "setting": setting, "setting_sha256": splits.setting_sha256(setting) if setting else None,
            "annotations_sha256": annotations_sha256, "annotations_format": gt.source_format,
        }
        fields = dict(
            benchmark=benchmark,
            scorer={"id": scorer.SCORER_ID, "version": scorer.SCORER_VERSION, "profile": prof.name,
                    "options": dict(options)},
            predictions={"sha256": det.sha256 or None}, counts=counts, metrics=metrics, method=dict(meta),
            extra={
                "per_class_ap": default["ap"].tolist(),
                "per_class_recall": default["recall"].tolist(),
                "per_class_npos": default["npos"].tolist(),
                "per_class_ap_known_object": known["ap"].tolist(),
            },
            inputs=inputs,
        )
        out[setting] = Evaluation(fields, {"default": default, "known_object": known}, gt, det, prof, unseen)
    return out


# --------------------------------------------------------------------------- rendering

_COLUMNS = (("full", "Full"), ("rare", "Rare"), ("non_rare", "Non-rare"), ("unseen", "Unseen"), ("seen", "Seen"))
_ROWS = (("default", "Default"), ("known_object", "Known-Object"))


def render(result: dict[str, Any], fmt: str = "table") -> str:
    """The result's metrics as ``table`` / ``md`` (percent, 2 decimals) or ``csv`` (full precision)."""
    from tabulate import tabulate

    metrics = result["metrics"]
    intervals = result.get("intervals")
    cols = [(k, label) for k, label in _COLUMNS if k in metrics["default"]]
    if fmt == "csv":
        lines = ["mode," + ",".join(k for k, _ in cols)]
        for key, _ in _ROWS:
            lines.append(key + "," + ",".join("" if metrics[key][k] is None else repr(metrics[key][k])
                                              for k, _ in cols))
        if intervals:  # bootstrap bounds as extra rows: <mode>_lo, <mode>_hi
            for key, _ in _ROWS:
                for side, name in ((0, "lo"), (1, "hi")):
                    lines.append(f"{key}_{name}," + ",".join(
                        "" if intervals[key][k] is None else repr(intervals[key][k][side]) for k, _ in cols))
        return "\n".join(lines) + "\n"

    def pct(v, bounds=None):
        if v is None:
            return "—"
        return f"{100 * v:.2f}" + ("" if bounds is None else f" [{100 * bounds[0]:.2f}, {100 * bounds[1]:.2f}]")

    rows = [[label] + [pct(metrics[key][k], (intervals or {}).get(key, {}).get(k)) for k, _ in cols]
            for key, label in _ROWS]
    table = tabulate(rows, headers=["mAP (%)"] + [label for _, label in cols],
                     tablefmt="github" if fmt == "md" else "simple", disable_numparse=True)
    return table + "\n" + _footer(result, fmt == "md") + "\n"


def _footer(result: dict[str, Any], md: bool) -> str:
    b, s, c = result["benchmark"], result["scorer"], result["counts"]
    text = (f"hico-det test, setting {b['setting'] or 'none'}, profile {s['profile']}, "
            f"box frame {s['options']['box_frame']}, Known-Object from {s['options']['ko_source'].split(' ')[0]}; "
            f"{c['detections']} detections on {c['images_with_predictions']}/{c['images_expected']} images; "
            f"{c['classes_averaged']} classes averaged; scorer {s['id']}@{s['version']}")
    bs = result.get("bootstrap")
    if bs:
        text += (f"; [lo, hi]: {100 * bs['confidence']:g}% {bs['method']} bootstrap interval, {bs['n']} "
                 f"resamples of images, seed {bs['seed']}")
        if bs.get("mean_classes_losing_gt", 0) >= 1:
            text += (f"; note: a resample leaves on average {bs['mean_classes_losing_gt']:.1f} classes without "
                     "ground truth (scored 0 as officially), so the intervals lie low on this small test set")
    return ("\n" if md else "") + (f"_{text}_" if md else text)


# --------------------------------------------------------------------------- several settings

SUMMARY_SCHEMA = "ovbench.setting-summary/1"
SPREAD = "sample standard deviation over settings (ddof=1); 0 for one setting"


def setting_summary(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Mean and spread of each metric over several settings' results (``score_settings``).

    ``{"schema", "benchmark", "scorer", "settings", "results": {setting: payload_sha256},
    "per_setting": {setting: metrics}, "mean", "std", "min", "max": {mode: {metric: value}},
    "spread"}``. A metric undefined (None) in any setting is None in the summary. Every
    result must share the predictions, annotations, profile and options.
    """
    if not results:
        raise SpecError("no results to summarise")
    first = next(iter(results.values()))
    for name, r in results.items():
        for key in ("predictions", "scorer"):
            if r[key] != first[key]:
                raise SpecError(f"setting {name}: its {key} differ from the other settings' results; "
                                "a summary needs one predictions file scored one way")
    stats: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in ("mean", "std", "min", "max")}
    for mode in first["metrics"]:
        for stat in stats.values():
            stat[mode] = {}
        for metric in first["metrics"][mode]:
            values = [r["metrics"][mode].get(metric) for r in results.values()]
            if any(v is None for v in values):
                for stat in stats.values():
                    stat[mode][metric] = None
                continue
            arr = np.asarray(values, dtype=np.float64)
            stats["mean"][mode][metric] = float(arr.mean())
            stats["std"][mode][metric] = float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
            stats["min"][mode][metric] = float(arr.min())
            stats["max"][mode][metric] = float(arr.max())
    bench = {k: v for k, v in first["benchmark"].items() if k not in ("setting", "setting_sha256")}
    return {
        "schema": SUMMARY_SCHEMA, "benchmark": bench, "scorer": first["scorer"],
        "predictions": first["predictions"], "settings": list(results),
        "results": {s: r["payload_sha256"] for s, r in results.items()},
        "per_setting": {s: r["metrics"] for s, r in results.items()},
        **stats, "spread": SPREAD,
    }


_SUMMARY_COLUMNS = (("default", "unseen", "Unseen"), ("default", "seen", "Seen"), ("default", "full", "Full"),
                    ("known_object", "unseen", "KO Unseen"), ("known_object", "seen", "KO Seen"),
                    ("known_object", "full", "KO Full"))


def render_summary(summary: dict[str, Any], fmt: str = "table") -> str:
    """A settings summary as ``table`` / ``md`` (one row per setting, then mean and std, in %),
    ``csv`` (full precision) or ``json``."""
    if fmt == "json":
        from ..jsonio import dump_bytes

        return dump_bytes(summary).decode("utf-8")
    rows = [(s, summary["per_setting"][s]) for s in summary["settings"]]
    rows += [("mean", summary["mean"]), ("std", summary["std"])]
    if fmt == "csv":
        lines = ["setting," + ",".join(f"{mode}.{k}" for mode, k, _ in _SUMMARY_COLUMNS)]
        for name, m in rows:
            lines.append(name + "," + ",".join("" if m[mode].get(k) is None else repr(m[mode][k])
                                               for mode, k, _ in _SUMMARY_COLUMNS))
        return "\n".join(lines) + "\n"
    if fmt not in ("table", "md"):
        raise SpecError(f"unknown format {fmt!r}; expected table, md, csv or json")
    from tabulate import tabulate

    def pct(v):
        return "—" if v is None else f"{100 * v:.2f}"

    body = [[name] + [pct(m[mode].get(k)) for mode, k, _ in _SUMMARY_COLUMNS] for name, m in rows]
    table = tabulate(body, headers=["mAP (%)"] + [label for _, _, label in _SUMMARY_COLUMNS],
                     tablefmt="github" if fmt == "md" else "simple", disable_numparse=True)
    sc = summary["scorer"]
    text = (f"hico-det test, settings {', '.join(summary['settings'])}, profile {sc['profile']}, "
            f"box frame {sc['options']['box_frame']}; mean and std over the {len(summary['settings'])} "
            f"settings (std: sample, ddof=1); scorer {sc['id']}@{sc['version']}")
    return table + "\n" + ("\n_" + text + "_" if fmt == "md" else text) + "\n"


# --------------------------------------------------------------------------- demo


def run_demo(workdir: str | Path) -> str:
    """Score the built-in HICO-DET example under rf-uc; write files under ``workdir``."""
    from importlib import resources

    from ..results import save_result

    root = Path(workdir)
    root.mkdir(parents=True, exist_ok=True)
    data = resources.files("ovbench.data").joinpath("hico_det_demo")
    annotations = Path(str(data.joinpath("annotations.json")))
    preds = Path(str(data.joinpath("predictions.json")))
    result = score_files(preds, annotations=annotations, setting="rf-uc")
    save_result(root / "result.json", result)
    unseen = splits.list_settings()["rf-uc"]
    return (
        "== HICO-DET (zero-shot HOI detection) ==\n"
        f"Synthetic example in HICO-DET format: {result['counts']['images_expected']} images, "
        f"{result['counts']['gt_pairs']} ground-truth pairs covering all 600 classes, "
        f"{result['counts']['detections']} detections from a noisy model.\n"
        f"Setting rf-uc: {unseen['size']} unseen classes (sha256 {unseen['sha256'][:12]}...), "
        "official ho-rcnn mAP:\n\n"
        + render(result, "table")
        + f"\nResult written to {root / 'result.json'}\n"
        f"Same as: ovbench score {preds} -b hico-det --annotations {annotations} --setting rf-uc\n"
    )
