"""SWIG-HOI benchmark: annotation file + predictions file -> result (``ovbench score -b swig-hoi``).

Reads THID's annotation file (``swig_test_1000.json``), an ovbench SWIG-HOI predictions file,
scores with :mod:`ovbench.scorers.swighoi` under a profile and builds the result. Metrics are
fractions: ``{"full", "zero_shot", "rare", "non_rare"}`` (mAP over the frozen subsets of
``splits/swig-hoi/swig-hoi-1.json``); ``per_class_ap`` (14,130 values, ``null`` for interactions
that are not evaluated) and friends are kept beside them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..annotations.swighoi import SwigHoiGroundTruth, load_annotations
from ..errors import InputError, SpecError
from ..predictions.swighoi import SwigHoiDetections, load_predictions
from ..results import build_result
from ..scorers import swighoi as scorer
from ..splits import swighoi as splits

CLI_OPTIONS = frozenset({"profile", "split", "require_all_images"})
SPLITS = ("test", "val", "train")
_COLUMNS = (("zero_shot", "Zero-shot"), ("rare", "Rare"), ("non_rare", "Non-rare"), ("full", "Full"))


def score_files(preds, *, annotations, method=None, profile=None, split=None, require_all_images=False,
                bootstrap=None, seed=0, confidence=0.95) -> dict[str, Any]:
    """Score a SWIG-HOI predictions file against an annotation file; returns the result dict.

    ``split`` (test, val or train; default test) is recorded; the annotation file decides what
    is scored. ``require_all_images`` makes annotated images without predictions an error.
    """
    if bootstrap is not None:
        raise SpecError("--bootstrap is not available for swig-hoi yet: its intervals have not been "
                        "validated by a coverage simulation (docs/statistics.md); score without it")
    if os.path.isdir(annotations):
        name = f"swig_{split or 'test'}_1000.json"
        if not os.path.isfile(os.path.join(annotations, name)):
            raise InputError(f"{annotations}: folder without {name}; pass the annotation file itself")
        annotations = os.path.join(annotations, name)
    gt = load_annotations(annotations)
    det = load_predictions(preds, gt.image_index())
    return score_detections(gt, det, profile=profile, split=split, method=method,
                            require_all_images=require_all_images,
                            inputs={"predictions": preds, "annotations": annotations})


def score_detections(gt: SwigHoiGroundTruth, det: SwigHoiDetections, *, profile: str | None = None,
                     split: str | None = None, method: str | None = None, require_all_images: bool = False,
                     inputs: dict | None = None) -> dict[str, Any]:
    """Score in-memory ground truth and detections (Python API); returns the result dict."""
    prof = scorer.get_profile(profile)
    split = split or "test"
    if split not in SPLITS:
        raise SpecError(f"unknown SWIG-HOI split {split!r}; available: {', '.join(SPLITS)}")
    voc = splits.vocabulary()
    covered = np.zeros(gt.n_images, dtype=bool)
    covered[det.image] = True
    missing = np.flatnonzero(gt.annotated & ~covered)
    if require_all_images and len(missing):
        first = ", ".join(repr(gt.file_names[i]) for i in missing[:5])
        raise InputError(f"{inputs.get('predictions') if inputs else 'predictions'}: {len(missing)} of "
                         f"{int(gt.annotated.sum())} annotated images have no predictions (first: {first}); "
                         "--require-all-images makes this an error")
    out = scorer.per_class_ap(gt.image, gt.hoi, gt.boxes, det.image, det.hoi, det.boxes, det.score,
                              det.position, voc.hoi_evaluated, prof)
    subsets = {name: voc.subsets[name] for name in splits.SUBSETS}
    metrics = scorer.summarize(out["ap"], subsets)
    full = voc.subsets["full"]
    npos = out["npos"]
    counts = {
        "images_expected": int(gt.annotated.sum()),
        "images_with_predictions": det.n_images_with_predictions,
        "images_missing": int(len(missing)),
        "images_without_annotations": int((~gt.annotated).sum()),
        "detections": int(len(det.hoi)),
        "detections_scored": int(len(out["order"])),
        "detections_not_evaluated_class": int((~voc.hoi_evaluated[det.hoi]).sum()),
        "detections_dropped_by_cap": out["dropped_by_cap"],
        "classes_capped": out["classes_capped"],
        "gt_pairs": int(len(gt.hoi)),
        "gt_pairs_evaluated": int(npos[full].sum()),
        "classes_evaluated": int(len(full)),
        "classes_without_gt": int((npos[full] == 0).sum()),
        "true_positives": int(out["tp"].sum()),
    }
    per_class = np.where(voc.hoi_evaluated, out["ap"], np.nan)
    benchmark = {
        "name": "swig-hoi", "split": split, "split_file": splits.SPEC_NAME,
        "vocabulary_sha256": voc.sha256, "subsets_sha256": voc.subset_sha256,
        "annotations_sha256": gt.sha256,
    }
    meta = dict(det.meta)
    if method:
        meta["name"] = method
    notes = []
    if len(missing):
        notes.append(f"{len(missing)} of {counts['images_expected']} annotated images have no predictions "
                     "(scored as no detections)")
    if counts["classes_without_gt"]:
        notes.append(f"{counts['classes_without_gt']} evaluated classes have no ground truth in this file "
                     "(AP 0, counted, as THID does)")
    if out["dropped_by_cap"]:
        notes.append(f"{out['dropped_by_cap']} detections beyond THID's 19,999-per-class cap were not scored")
    return build_result(
        benchmark=benchmark,
        scorer={"id": scorer.SCORER_ID, "version": scorer.SCORER_VERSION, "profile": prof.name,
                "options": scorer.profile_options(prof)},
        predictions={"sha256": det.sha256}, counts=counts, metrics=metrics, method=meta,
        extra={
            "per_class_ap": [None if np.isnan(v) else float(v) for v in per_class.tolist()],
            "per_class_npos": npos.tolist(),
            "notes": notes,
        },
        inputs=inputs,
    )


# --------------------------------------------------------------------------- rendering


def render(result: dict[str, Any], fmt: str = "table") -> str:
    """The result's metrics as ``table`` / ``md`` (percent, 2 decimals) or ``csv`` (full precision)."""
    from tabulate import tabulate

    metrics = result["metrics"]
    if fmt == "csv":
        return ("benchmark," + ",".join(k for k, _ in _COLUMNS) + "\n"
                + "swig-hoi," + ",".join(repr(metrics[k]) for k, _ in _COLUMNS) + "\n")
    if fmt not in ("table", "md"):
        raise SpecError(f"unknown format {fmt!r} for swig-hoi; available: table, md, csv, json")
    rows = [["mAP (%)"] + [f"{100 * metrics[k]:.2f}" for k, _ in _COLUMNS]]
    table = tabulate(rows, headers=["SWIG-HOI"] + [label for _, label in _COLUMNS],
                     tablefmt="github" if fmt == "md" else "simple", disable_numparse=True)
    return table + "\n" + _footer(result, fmt == "md") + "\n"


def _footer(result: dict[str, Any], md: bool) -> str:
    b, s, c = result["benchmark"], result["scorer"], result["counts"]
    text = (f"swig-hoi {b['split']}, profile {s['profile']} (ties: {s['options']['tie_order']}); "
            f"{c['detections']} detections on {c['images_with_predictions']}/{c['images_expected']} annotated images; "
            f"{c['classes_evaluated']} classes averaged; scorer {s['id']}@{s['version']}")
    for note in result.get("notes", []):
        text += f"; note: {note}"
    return ("\n" if md else "") + (f"_{text}_" if md else text)


# --------------------------------------------------------------------------- demo


def run_demo(workdir: str | Path) -> str:
    """Score the built-in SWIG-HOI example; write the result under ``workdir``."""
    from importlib import resources

    from ..results import save_result

    root = Path(workdir)
    root.mkdir(parents=True, exist_ok=True)
    data = resources.files("ovbench.data").joinpath("swig_hoi_demo")
    annotations = Path(str(data.joinpath("swig_test_1000.json")))
    preds = Path(str(data.joinpath("predictions.json")))
    result = score_files(preds, annotations=annotations)
    save_result(root / "result.json", result)
    return (
        "== SWIG-HOI (large-vocabulary open-vocabulary HOI detection) ==\n"
        f"Synthetic example in THID's format with the real vocabulary: {result['counts']['images_expected']} "
        f"images, {result['counts']['gt_pairs']} ground-truth pairs covering all 5,539 evaluated "
        f"interactions, {result['counts']['detections']} detections from a noisy model; THID's protocol:\n\n"
        + render(result, "table")
        + f"\nResult written to {root / 'result.json'}\n"
        f"Same as: ovbench score {preds} -b swig-hoi --annotations {annotations}\n"
    )
