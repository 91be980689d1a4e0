"""Ov-SWiG (GSR) diagnostics: per-verb and per-role tables, grounding failures, verb confusions.

Inputs are the scorer's own arrays (:class:`ovbench.scorers.gsr.GroundTruth` and
``Predictions``) plus ``top1`` (the predicted top-1 verb id per image, -1 without prediction);
role hits come from :func:`ovbench.scorers.gsr.role_hits`, so nothing is re-scored differently.
All role numbers are in the ``gold`` setting (ground-truth verb given), where the frame is scored
whenever present; image means are per image, not per verb.

* per verb: images, top-1 / top-5 verb accuracy, value and grnd (gold), top-5 hit but top-1 miss;
* per (verb, role): slots, value (noun correct) and grnd (noun and box correct), gold;
* grounding failures of the role slots that are not grounded (gold): ``noun_wrong``; noun right
  and both boxes present but IoU too low: ``box_wrong``; noun right, GT box present and no
  predicted box: ``box_missing``; noun right, no GT box but a predicted box: ``box_extra``;
* confusions: (GT verb, predicted top-1 verb) pairs of wrong top-1 predictions, most frequent first;
* frequency: per verb its training images (when given), top-1 accuracy and whether it is unseen.
"""

from __future__ import annotations

import numpy as np

from ..scorers import gsr as scorer

FAILURES = ("noun_wrong", "box_wrong", "box_missing", "box_extra")


def diagnose(gt: scorer.GroundTruth, pred: scorer.Predictions, top1: np.ndarray, verbs: list[str],
             roles: dict[str, tuple[str, ...]], *, iou: str = "coformer", train_counts: dict[str, int] | None = None,
             unseen: set[str] | frozenset[str] = frozenset(), n_confusions: int = 20) -> dict:
    """JSON-ready GSR diagnosis (see the module docstring); names, never indices."""
    n, R = gt.gt_nouns.shape[:2]
    noun_ok, grnd_ok = scorer.role_hits(gt, pred, iou)
    slot = np.arange(R)[None, :] < gt.n_roles[:, None]
    nr = gt.n_roles.astype(np.float64)
    top1_ok = pred.found & (pred.gt_rank < 1)
    top5_ok = pred.found & (pred.gt_rank < 5)
    value = noun_ok.sum(1) / nr
    grnd = grnd_ok.sum(1) / nr if grnd_ok is not None else None
    per_verb = []
    per_role = []
    for v in np.unique(gt.gt_verb).tolist():
        m = gt.gt_verb == v
        name = verbs[v]
        row = {"verb": name, "images": int(m.sum()), "top1": float(top1_ok[m].mean()),
               "top5": float(top5_ok[m].mean()), "value_gold": float(value[m].mean()),
               "grnd_gold": None if grnd is None else float(grnd[m].mean()),
               "top5_not_top1": int((top5_ok & ~top1_ok)[m].sum()), "unseen": name in unseen,
               "train_images": None if train_counts is None else int(train_counts.get(name, 0))}
        per_verb.append(row)
        for j, role in enumerate(roles[name]):
            per_role.append({"verb": name, "role": role, "slots": int(m.sum()),
                             "value_gold": float(noun_ok[m, j].mean()),
                             "grnd_gold": None if grnd_ok is None else float(grnd_ok[m, j].mean())})
    failures = None
    if grnd_ok is not None:
        hit = scorer.box_hits(pred.pred_boxes, gt.gt_boxes, iou)
        bad = slot & ~grnd_ok
        right = bad & noun_ok
        failures = {
            "slots": int(slot.sum()), "not_grounded": int(bad.sum()),
            "noun_wrong": int((bad & ~noun_ok).sum()),
            "box_wrong": int((right & gt.gt_box_present & pred.pred_box_present & ~hit).sum()),
            "box_missing": int((right & gt.gt_box_present & ~pred.pred_box_present).sum()),
            "box_extra": int((right & ~gt.gt_box_present & pred.pred_box_present).sum()),
        }
    wrong = pred.found & ~top1_ok & (top1 >= 0)
    pairs, counts = np.unique(np.stack([gt.gt_verb[wrong], top1[wrong]], 1), axis=0, return_counts=True) \
        if wrong.any() else (np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64))
    order = sorted(range(len(counts)), key=lambda i: (-counts[i], verbs[pairs[i, 0]], verbs[pairs[i, 1]]))
    confusions = [{"gt": verbs[pairs[i, 0]], "predicted": verbs[pairs[i, 1]], "images": int(counts[i])}
                  for i in order[:n_confusions]]
    return {"schema": "ovbench.diagnosis.gsr/1", "per_verb": per_verb, "per_role": per_role,
            "grounding_failures": failures, "confusions": confusions,
            "top5_not_top1": int((top5_ok & ~top1_ok).sum()), "images": int(n)}


def to_frames(diag: dict):
    """``(per_verb, per_role)`` pandas DataFrames indexed by verb / (verb, role); pandas optional."""
    import pandas as pd

    verbs = pd.DataFrame(diag["per_verb"]).set_index("verb")
    roles = pd.DataFrame(diag["per_role"]).set_index(["verb", "role"])
    return verbs, roles


def diagnose_files(preds, *, annotations, split: str, manifest=None, iou: str | None = None) -> dict:
    """Read and score as ``ovbench score -b ov-swig`` does, then :func:`diagnose`.

    Training frequencies come from ``<annotations>/train.json`` when it exists; unseen verbs from
    the manifest when given.
    """
    from pathlib import Path

    from ..annotations.swig import SPACE_FILE, load_space, load_split
    from ..benchmarks.ovswig import evaluate_files
    from ..predictions.gsr import read_predictions
    from ..splits.ovswig import load_manifest, train_counts

    ev = evaluate_files(preds, annotations=annotations, split=split, manifest=manifest, iou=iou)
    space = load_space(Path(annotations) / SPACE_FILE)
    gt = load_split(Path(annotations) / f"{split}.json", space, split)
    entries = read_predictions(preds, space).entries
    top1 = np.array([space.verb_index[e.verbs[0]] if (e := entries.get(img)) is not None and e.verbs else -1
                     for img in gt.images], dtype=np.int64)
    train = Path(annotations) / "train.json"
    counts = train_counts(space, load_split(train, space, "train")) if train.is_file() else None
    unseen = set(load_manifest(manifest)["unseen_verbs"]) if manifest is not None else set()
    return diagnose(ev.truth, ev.aligned, top1, list(space.verbs), space.orders,
                    iou=ev.fields["scorer"]["options"]["iou"], train_counts=counts, unseen=unseen)
