"""V-COCO benchmark: annotations + detections -> result (``ovbench score -b v-coco``).

Annotations: a folder with the official triple of ``--split`` (``vcoco_<split>.json``,
``instances_vcoco_all_2014.json``, ``vcoco_<split>.ids``) or fredzzhang's
``instances_vcoco_<split>.json`` (scored as ``pairs-24``, never as Scenario 1/2). Predictions:
the official detection format as JSON, or the official pickle (read safely). Metrics are
fractions, as for hico-det::

    {"agent": {"mean"}, "role": {"s1": {"mean", "mean_24"}, "s2": {"mean", "mean_24"}}}

``mean`` is the official mean (agent: 26 actions; role: 25 entries), ``mean_24`` the papers'
mean without ``point``. Per-entry APs are in ``per_entry_ap``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..annotations.vcoco import ACTION_NAMES, AGENT_KEYS, ROLE_KEYS, VcocoGroundTruth, load_annotations
from ..errors import InputError, SpecError
from ..predictions.vcoco import VcocoDetections, load_predictions
from ..results import build_result
from ..scorers import vcoco as scorer
from .hicodet import BOX_FRAMES, resolve_box_frame

CLI_OPTIONS = frozenset({"split", "box_frame", "scenario", "ties"})
SPLITS = ("val", "test", "train", "trainval")
SCENARIO_CHOICES = {"both": ("scenario_1", "scenario_2"), "1": ("scenario_1",), "2": ("scenario_2",)}


def score_files(preds, *, annotations, split=None, method=None, box_frame=None, scenario=None, ties=None,
                require_all_images=False, bootstrap=None, seed=0, confidence=0.95) -> dict[str, Any]:
    """Score a V-COCO detections file; returns the result dict.

    ``require_all_images=True`` makes an image of the split without detections an error
    (by default it is reported in ``counts.images_missing`` and its positives count as missed).
    """
    split = split or "val"
    if split not in SPLITS:
        raise SpecError(f"unknown V-COCO split {split!r}; available: {', '.join(SPLITS)}")
    if box_frame is not None and box_frame not in BOX_FRAMES:
        raise SpecError(f"unknown box frame {box_frame!r}; available: {', '.join(BOX_FRAMES)}")
    gt = load_annotations(annotations, split)
    det = load_predictions(preds, gt.image_index())
    frame = resolve_box_frame(box_frame, det.meta, os.fspath(preds))
    if require_all_images:
        missing = gt.n_images - det.n_images_with_predictions
        if missing:
            seen = set(np.unique(det.image).tolist())
            first = next(int(i) for k, i in enumerate(gt.image_ids.tolist()) if k not in seen)
            raise InputError(f"{preds}: {missing} images of the {split} split have no detection (first: image {first})")
    return score_detections(gt, det, box_frame=frame, scenario=scenario, ties=ties, method=method,
                            inputs={"predictions": os.fspath(preds), "annotations": os.fspath(annotations)},
                            bootstrap=bootstrap, seed=seed, confidence=confidence)


def score_detections(gt: VcocoGroundTruth, det: VcocoDetections, *, box_frame: str = "model",
                     scenario: str | None = None, ties: str | None = None, method: str | None = None,
                     inputs: dict | None = None, bootstrap: int | None = None, seed: int = 0,
                     confidence: float = 0.95) -> dict[str, Any]:
    """Score in-memory ground truth and detections (Python API); returns the result dict."""
    ties = ties or "stable"
    if ties not in scorer.TIES:
        raise SpecError(f"unknown tie order {ties!r}; available: {', '.join(scorer.TIES)}")
    scenario = scenario or "both"
    if scenario not in SCENARIO_CHOICES:
        raise SpecError(f"unknown scenario {scenario!r}; available: {', '.join(SCENARIO_CHOICES)}")
    if box_frame not in BOX_FRAMES:
        raise SpecError(f"unknown box frame {box_frame!r}; available: {', '.join(BOX_FRAMES)}")
    # recorded, not converted: vsrl_eval.py and every published V-COCO number score boxes as given
    # (continuous DETR boxes are read as inclusive pixels, one pixel larger); see docs/v-coco.md
    pairs = gt.source_format == "pairs-24"
    scen = ("scenario_2",) if pairs else SCENARIO_CHOICES[scenario]
    out = scorer.score(gt, det, ties=ties, scenarios=scen)
    role_ap = out["role_ap"]
    if pairs:  # never labelled S1/S2: a positive without a visible object is not in the file
        role_ap = {"pairs_24": role_ap["scenario_2"]}
    m = scorer.means(out["agent_ap"], role_ap)
    metrics: dict[str, Any] = {"role": m["role"]}
    if not pairs:
        metrics["agent"] = m["agent"]
    else:
        metrics["role"]["pairs24"].pop("mean")  # point is absent from the file: 24 entries only
    npos = out["npos"]
    per_entry = {}
    if not pairs:
        per_entry["agent"] = {k: _num(v) for k, v in zip(AGENT_KEYS, out["agent_ap"])}
    for name, aps in role_ap.items():
        short = {"scenario_1": "s1", "scenario_2": "s2", "pairs_24": "pairs24"}[name]
        per_entry[f"role_{short}"] = {k: _num(v) for k, v in zip(ROLE_KEYS, aps)
                                      if not (pairs and k == scorer.POINT_KEY)}
    images_with = det.n_images_with_predictions
    counts = {
        "images_expected": gt.n_images, "images_with_predictions": images_with,
        "images_missing": gt.n_images - images_with,
        "detections": int(len(det.image)), "detections_outside_split": det.outside_split,
        "gt_persons": int(len(gt.person_box)),
        "gt_persons_unannotated": int((gt.person_label[:, 0] == -1).sum()),
        "npos": {a: int(n) for a, n in zip(ACTION_NAMES, npos)},
        **out["counts"],
    }
    if det.outside_examples:
        counts["outside_split_examples"] = det.outside_examples
    benchmark = {"name": "v-coco", "split": gt.split, "annotations_format": gt.source_format,
                 "scenarios": "pairs-24 (not Scenario 1/2)" if pairs else [s for s in scen]}
    meta = dict(det.meta)
    if method:
        meta["name"] = method
    notes = list(gt.notes)
    fields = dict(
        benchmark=benchmark,
        scorer={"id": scorer.SCORER_ID, "version": scorer.SCORER_VERSION, "profile": "official",
                "options": {"ties": ties, "box_frame": box_frame, "box_conversion": "none (official)", "iou": "float32 +1 pixel, >= 0.5",
                            "ap": "voc all-point"}},
        predictions={"sha256": det.sha256 or None}, counts=counts, metrics=metrics, method=meta,
        extra={"per_entry_ap": per_entry, "original_would_crash": out["crashes"],
               **({"notes": notes} if notes else {})},
        inputs=inputs,
    )
    if bootstrap is not None:
        raise SpecError("--bootstrap is not implemented for v-coco yet")
    return build_result(**fields)


def _num(v) -> float | None:
    return None if np.isnan(v) else float(v)


# --------------------------------------------------------------------------- rendering

def render(result: dict[str, Any], fmt: str) -> str:
    """``table``/``md``: the papers' layout (percent, 2 decimals); ``csv``: full precision."""
    from tabulate import tabulate

    m = result["metrics"]
    rows = []
    if "agent" in m:
        rows.append(("Agent AP (26)", m["agent"]["mean"], None))
    for key, label in (("s1", "Role AP Scenario 1"), ("s2", "Role AP Scenario 2"),
                       ("pairs24", "Role AP pairs-24 (not S1/S2)")):
        if key in m["role"]:
            rows.append((label, m["role"][key].get("mean_24"), m["role"][key].get("mean")))
    if fmt == "csv":
        lines = ["metric,mean_24,mean"]
        for label, v24, v25 in rows:
            lines.append(f"{label}," + ",".join("" if v is None else repr(v) for v in (v24, v25)))
        return "\n".join(lines) + "\n"

    def pct(v):
        return "—" if v is None else f"{100 * v:.2f}"

    body = []
    for label, v24, v25 in rows:
        if label.startswith("Agent"):
            body.append([label, "—", pct(v24)])
        else:
            body.append([label, pct(v24), pct(v25)])
    table = tabulate(body, headers=["AP (%)", "no point (24)", "official (25 / 26)"],
                     tablefmt="github" if fmt == "md" else "simple", disable_numparse=True)
    c, s, b = result["counts"], result["scorer"], result["benchmark"]
    text = (f"v-coco {b['split']} ({b['annotations_format']}), ties {s['options']['ties']}, box frame "
            f"{s['options']['box_frame']}; {c['detections']} detections on {c['images_with_predictions']}/"
            f"{c['images_expected']} images ({c['images_missing']} without detections); "
            f"scorer {s['id']}@{s['version']}")
    if c.get("detections_outside_split"):
        text += f"; {c['detections_outside_split']} detections on images outside the split ignored"
    for crash in result.get("original_would_crash", []):
        text += f"; vsrl_eval.py would stop here ({crash['case']}: {crash['original']}), ovbench: {crash['ovbench']}"
    footer = f"\n_{text}_" if fmt == "md" else text
    return table + "\n" + footer + "\n"


def run_demo(workdir: str | Path) -> str:
    """Score the built-in synthetic V-COCO example; write the result under ``workdir``."""
    from importlib import resources

    from ..results import save_result

    root = Path(workdir)
    root.mkdir(parents=True, exist_ok=True)
    data = Path(str(resources.files("ovbench.data").joinpath("v_coco_demo")))
    preds = data / "predictions.json"
    result = score_files(preds, annotations=data, split="val")
    save_result(root / "result.json", result)
    return ("== V-COCO (agent and role AP) ==\n"
            f"Synthetic example in the official V-COCO format: {result['counts']['images_expected']} images, "
            f"{result['counts']['gt_persons']} persons, {result['counts']['detections']} detections.\n\n"
            + render(result, "table")
            + f"\nResult written to {root / 'result.json'}\n"
            f"Same as: ovbench score {preds} -b v-coco --annotations {data} --split val\n")
