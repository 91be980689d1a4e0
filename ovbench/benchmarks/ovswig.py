"""Ov-SWiG: annotations + split manifest + GSR predictions -> result, tables and the demo.

Python API::

    from ovbench.benchmarks.ovswig import score_files, render
    result = score_files("preds.json", annotations="SWiG_jsons", split="test",
                         manifest="ov-swig.json")          # averaging="per-verb", iou="coformer"
    table = render(result, "table")                       # the text `ovbench score` prints
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..annotations.swig import SPACE_FILE, load_space, load_split, split_path
from ..errors import InputError, SpecError
from ..jsonio import gc_paused, load_json
from ..predictions.gsr import align, read_predictions
from ..results import build_result
from ..scorers import gsr as scorer
from ..splits.ovswig import load_manifest
from .ovswig_render import render  # noqa: F401  (re-exported: the CLI calls bench.render)

CLI_OPTIONS = frozenset({"split", "manifest", "averaging", "iou"})
NAME = "ov-swig"
SPLITS = ("dev", "test")
IOU_PARAMS = {
    "coformer": {"iou_threshold": 0.5, "iou_compare": ">=", "box_area": "continuous",
                 "union_floor": 1e-4, "gt_coordinates": "int()"},
    "swig": {"iou_threshold": 0.5, "iou_compare": ">", "box_area": "+1 pixel"},
}
MISSING_SAMPLE = 20


def _wrong_split_hint(unknown: list[str], annotations: Path, split: str) -> str:
    """'did you mean --split dev?' when the unknown images belong to another split file."""
    for other in ("dev", "test", "train"):
        path = annotations / f"{other}.json"
        if other == split or not path.is_file():
            continue
        names = load_json(path, "annotation file")
        inside = sum(1 for i in unknown if i in names)
        if inside == len(unknown):
            n = "all" if len(unknown) > 1 else "the"
            if other == "train":
                return f"Hint: {n} {len(unknown)} unknown image(s) are train images, which are not scored."
            return f"Hint: {n} {len(unknown)} unknown image(s) are {other} images: did you mean --split {other}?"
        if inside:
            return f"Hint: {inside} of them are {other} images; predictions for two splits are mixed."
    return ""


def _subset_masks(images: list[str], manifest: dict[str, Any] | None, split: str,
                  source: str) -> dict[str, np.ndarray]:
    masks = {"all": np.ones(len(images), dtype=bool)}
    if manifest is None:
        return masks
    lists = manifest["subsets"][split]
    if set(lists["all"]) != set(images) or len(lists["all"]) != len(images):
        raise SpecError(f"{source}: the manifest's {split} images differ from the annotation file's "
                        f"({len(lists['all'])} vs {len(images)} images): the manifest was made from "
                        "other annotations (check `ovbench split verify MANIFEST --annotations DIR`)")
    pos = {img: i for i, img in enumerate(images)}
    for name in ("seen", "rare", "unseen"):
        mask = np.zeros(len(images), dtype=bool)
        idx = [pos.get(i, -1) for i in lists[name]]
        if min(idx, default=0) < 0:
            raise SpecError(f"{source}: subset {split}.{name} names images missing from {split}.json")
        mask[idx] = True
        masks[name] = mask
    return masks


def score_files(preds: str | Path, *, annotations: str | Path, method: str | None = None,
                split: str | None = None, manifest: str | Path | dict | None = None,
                averaging: str | None = None, iou: str | None = None, bootstrap: int | None = None,
                seed: int = 0, confidence: float = 0.95) -> dict[str, Any]:
    """Validate and score a GSR predictions file (or imSitu ``.predictions`` folder).

    ``annotations`` is a SWiG/imSitu folder (``imsitu_space.json`` + ``<split>.json``);
    ``manifest`` (a file from :func:`ovbench.splits.ovswig.write_manifest`, or the dict
    :func:`~ovbench.splits.ovswig.generate_split` returns) adds the seen, rare and unseen subsets. ``bootstrap=N`` adds percentile intervals from N resamples stratified by
    verb (:mod:`ovbench.stats.gsr`). Returns a result dict (:mod:`ovbench.results`); raises
    :class:`~ovbench.errors.InputError` / :class:`~ovbench.errors.SpecError` on bad input.
    """
    ev = evaluate_files(preds, annotations=annotations, method=method, split=split, manifest=manifest,
                        averaging=averaging, iou=iou)
    return ev.result(bootstrap=bootstrap, seed=seed, confidence=confidence)


@dataclass(frozen=True)
class Evaluation:
    """What scoring computed: the result's fields plus the aligned arrays (for :mod:`ovbench.stats`)."""

    fields: dict[str, Any]           # keyword arguments of build_result
    truth: scorer.GroundTruth
    aligned: scorer.Predictions
    masks: dict[str, np.ndarray]

    def design(self):
        """The per-image linear design of every metric (:func:`ovbench.stats.gsr.design`)."""
        from ..stats import gsr as stats_gsr

        opts = self.fields["scorer"]["options"]
        return stats_gsr.design(self.truth, self.aligned, self.masks, averaging=opts["averaging"],
                                iou=opts["iou"], grounding=self.fields["benchmark"]["grounding"])

    def result(self, bootstrap: int | None = None, seed: int = 0, confidence: float = 0.95) -> dict[str, Any]:
        """The result dict; with ``bootstrap`` it also holds ``intervals`` and ``bootstrap``."""
        if bootstrap is None:
            return build_result(**self.fields)
        from ..stats import bootstrap as stats_boot
        from ..stats import gsr as stats_gsr

        stats_boot.check_args(bootstrap, seed, confidence)
        intervals = stats_gsr.intervals(self.design(), self.fields["metrics"], bootstrap, seed, confidence)
        info = {"n": int(bootstrap), "seed": int(seed), "confidence": float(confidence), **stats_gsr.METHOD}
        return build_result(**self.fields, extra={"bootstrap": info, "intervals": intervals})


@gc_paused()  # millions of parsed containers, no cycles: skip useless collections
def evaluate_files(preds: str | Path, *, annotations: str | Path, method: str | None = None,
                   split: str | None = None, manifest: str | Path | None = None,
                   averaging: str | None = None, iou: str | None = None) -> Evaluation:
    """Read, validate and score; :func:`score_files` without building the result dict."""
    averaging = averaging or "per-verb"
    iou = iou or "coformer"
    if averaging not in scorer.AVERAGING:
        raise SpecError(f"unknown averaging {averaging!r}; expected one of {', '.join(scorer.AVERAGING)}")
    if iou not in scorer.IOU:
        raise SpecError(f"unknown IoU convention {iou!r}; expected one of {', '.join(scorer.IOU)}")
    if split not in SPLITS:
        raise InputError(f"give the split the predictions are for: --split dev or --split test (got {split!r})")
    annotations = Path(annotations)
    gt_path = split_path(annotations, split)
    if isinstance(manifest, dict):  # an in-memory manifest (Python API): checked like a file
        from ..splits.ovswig import check_manifest

        man, manifest = check_manifest(manifest, "in-memory manifest"), "<in-memory manifest>"
    else:
        man = load_manifest(manifest) if manifest is not None else None
    space = load_space(annotations / SPACE_FILE)
    gt = load_split(gt_path, space, split)
    if man is not None:
        unknown_verbs = sorted(set(man["unseen_verbs"] + man["rare_verbs"]) - set(space.orders))
        if unknown_verbs:
            raise SpecError(f"{manifest}: verbs not in {SPACE_FILE}: {', '.join(unknown_verbs[:10])}")
    masks = _subset_masks(gt.images, man, split, str(manifest))
    pr = read_predictions(preds, space)
    aligned, missing, unknown = align(pr, gt, space)
    if unknown:
        from ..errors import Problems

        problems = Problems(pr.source)
        for img in unknown:
            problems.add(f"image {img!r}: not in {gt_path.name} ({split} split); every key of 'predictions' "
                         f"must be a {split} image")
        problems.raise_if_any(_wrong_split_hint(unknown, annotations, split))
    truth = scorer.GroundTruth(gt.verb, gt.n_roles, gt.nouns, gt.boxes, gt.box_present)
    metrics = scorer.score(truth, aligned, masks, averaging=averaging, iou=iou)
    if not gt.has_boxes:
        for block in metrics.values():
            for setting in block.values():
                setting["grnd"] = setting["grnd_all"] = None
    found = int(aligned.found.sum())
    counts = {
        "expected": len(gt),
        "found": found,
        "missing": len(missing),
        "missing_sample": missing[:MISSING_SAMPLE],
        "invalid": 0,
        "no_frame_for_gt_verb": int((aligned.found & ~aligned.frame_present).sum()),
        "out_of_vocabulary_nouns": pr.out_of_vocabulary,
        "out_of_vocabulary_sample": pr.out_of_vocabulary_sample,
        "images": {name: int(m.sum()) for name, m in masks.items()},
        "verbs": {name: int(len(np.unique(gt.verb[m]))) for name, m in masks.items()},
    }
    benchmark = {
        "name": NAME,
        "version": man["version"] if man else None,
        "split": split,
        "manifest_sha256": man["sha256"] if man else None,
        "annotations": {"file": gt_path.name, "format": gt.fmt, "sha256": gt.sha256,
                        "imsitu_space_sha256": space.sha256},
        "grounding": gt.has_boxes,
    }
    options = {"averaging": averaging, "iou": iou, **IOU_PARAMS[iou], "noun_match": "any annotator, synset strings",
               "verb_gating": "frames[gt_verb] scored when gt verb in top-k; gold: whenever present"}
    meta = dict(pr.meta)
    if method:
        meta["name"] = method
    fields = dict(
        benchmark=benchmark,
        scorer={"id": scorer.SCORER_ID, "version": scorer.SCORER_VERSION, "options": options},
        predictions={"sha256": pr.sha256, "format": "imsitu-folder" if Path(preds).is_dir() else "ovbench-gsr"},
        counts=counts,
        metrics=metrics,
        method=meta,
        inputs={"predictions": preds, "annotations": annotations, "manifest": manifest or ""},
    )
    return Evaluation(fields, truth, aligned, masks)


DEMO_DATA = Path(__file__).resolve().parent.parent / "data" / "ov_swig_demo"


def run_demo(workdir: str | Path) -> str:
    """Split the built-in demo dataset, score its example predictions, return a report."""
    from ..results import save_result
    from ..splits.ovswig import generate_split, write_manifest

    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    ann = DEMO_DATA / "annotations"
    preds = DEMO_DATA / "predictions_test.json"
    manifest = generate_split(ann, seed=0, n_unseen=3, n_rare=5)
    man_path = work / "manifest.json"
    write_manifest(manifest, man_path)
    result = score_files(preds, annotations=ann, split="test", manifest=man_path)
    res_path = work / "result.json"
    save_result(res_path, result)
    c = manifest["counts"]
    lines = [
        "== Ov-SWiG (grounded situation recognition) ==",
        f"Annotations: {ann} ({len(manifest['source']) - 1} SWiG-format files, real imSitu verbs/roles/synsets)",
        f"1. Split (seed 0, 3 unseen verbs, 5 rare verbs): {man_path}",
        f"   unseen verbs: {', '.join(manifest['unseen_verbs'])}",
        f"   rare verbs:   {', '.join(manifest['rare_verbs'])}",
        f"   train images {c['train']['original']} -> {c['train']['all']}; test subsets: "
        + ", ".join(f"{k} {c['test'][k]}" for k in ("all", "seen", "rare", "unseen")),
        f"   nouns seen only in unseen-verb images: {c['unseen_only_nouns']}",
        f"2. Score {preds.name} on the test split -> {res_path}",
        f"   (same as: ovbench score {preds} -b ov-swig --annotations {ann} --split test --manifest {man_path})",
        "",
        render(result, "table"),
    ]
    return "\n".join(lines) + "\n"
