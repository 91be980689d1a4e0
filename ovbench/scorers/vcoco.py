"""V-COCO agent AP and role AP (Scenario 1 and 2), exact to s-gupta/v-coco ``vsrl_eval.py``.

Pure numpy, vectorised; the definitions are in ``docs/v-coco.md``. What the official code does,
per class (26 agent classes, 25 role entries), is restated here without its per-image loops:

* each detection is matched once to ``argmax`` of its float32 ``+1`` IoU with **all** GT persons of
  its image (first on ties); a detection whose best person is unannotated is dropped;
* it is a true positive when that person has the action, the IoU is ``>= 0.5``, the role test
  passes (role AP) and it is the first such detection of that person in ranking order;
* role test: IoU(role box, GT role box) ``>= 0.5``; without a GT role object, Scenario 1 needs the
  "no object" answer (all-zero or all-NaN box), Scenario 2 always passes;
* AP is VOC all-point over the class's recorded detections, ranked by score, float32 stored.

Ties: ``ties="stable"`` (default) ranks equal scores in input order (split image order, then
file order); ``ties="official"`` uses NumPy's default ``argsort()[::-1]`` as the original does,
whose order for ties depends on the NumPy build. Where the original crashes, a defined answer
is given and recorded in ``crashes`` (see :func:`score`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..annotations.vcoco import ACTION_NAMES, AGENT_KEYS, N_ACTIONS, POINT_KEY, ROLE_ENTRIES, ROLE_KEYS

SCORER_ID = "vcoco-role-ap"
SCORER_VERSION = "1"
TIES = ("stable", "official")
SCENARIOS = ("scenario_1", "scenario_2")
OVR = np.float32(0.5)
_CHUNK = 65536


@dataclass(frozen=True)
class Matches:
    """Per detection: its GT person (global index, -1 if the image has none), IoU and flags."""

    person: np.ndarray
    overlap: np.ndarray
    ignored: np.ndarray        # best person is unannotated: dropped from every class
    no_person: np.ndarray      # image has no GT person (the original crashes)


def overlaps(gt: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """``get_overlap`` of vsrl_eval.py broadcast: float32, +1 pixel, pred area + gt area - inter."""
    ixmin = np.maximum(gt[..., 0], pred[..., 0])
    iymin = np.maximum(gt[..., 1], pred[..., 1])
    ixmax = np.minimum(gt[..., 2], pred[..., 2])
    iymax = np.minimum(gt[..., 3], pred[..., 3])
    one = np.float32(1.0)
    iw = np.maximum(ixmax - ixmin + one, np.float32(0.0))
    ih = np.maximum(iymax - iymin + one, np.float32(0.0))
    inters = iw * ih
    uni = ((pred[..., 2] - pred[..., 0] + one) * (pred[..., 3] - pred[..., 1] + one)
           + (gt[..., 2] - gt[..., 0] + one) * (gt[..., 3] - gt[..., 1] + one) - inters)
    with np.errstate(divide="ignore", invalid="ignore"):
        return inters / uni


def match_persons(gt, det) -> Matches:
    """Best GT person of every detection (vectorised over detections, chunked)."""
    n_img = gt.n_images
    counts = np.bincount(gt.person_image, minlength=n_img)
    start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    pmax = int(counts.max()) if len(counts) else 0
    n = len(det.image)
    person = np.full(n, -1, dtype=np.int64)
    ov = np.zeros(n, dtype=np.float32)
    if pmax and n:
        slot = np.arange(len(gt.person_image)) - start[gt.person_image]
        padded = np.zeros((n_img, pmax, 4), dtype=np.float32)
        padded[gt.person_image, slot] = gt.person_box
        real = np.zeros((n_img, pmax), dtype=bool)
        real[gt.person_image, slot] = True
        for lo in range(0, n, _CHUNK):
            img = det.image[lo:lo + _CHUNK]
            o = overlaps(padded[img], det.person_box[lo:lo + _CHUNK, None, :])
            o[~real[img]] = -np.inf
            j = np.argmax(o, axis=1)
            person[lo:lo + _CHUNK] = start[img] + j
            ov[lo:lo + _CHUNK] = o.max(axis=1)
    no_person = counts[det.image] == 0 if n else np.zeros(0, bool)
    person[no_person] = -1
    ov[no_person] = 0
    annotated = gt.person_label[:, 0] != -1
    ignored = np.zeros(n, bool)
    ignored[~no_person] = ~annotated[person[~no_person]]
    return Matches(person, ov, ignored, no_person)


def _rank(scores: np.ndarray, image: np.ndarray, keep: np.ndarray, ties: str) -> tuple[np.ndarray, np.ndarray]:
    """(per-image matching order, global PR order) of the kept rows; both index ``scores``.

    ``image`` is nondecreasing (detections grouped by split image, file order within). As in the
    original, each image's detections are sorted before the dropped ones (best person
    unannotated) are skipped, and the global sort is over the recorded ones only."""
    if ties == "stable":
        order = np.argsort(-scores, kind="stable")
        order = order[keep[order]]
        # a stable descending sort keeps split/file order for ties: per-image order = global order
        return order, order
    # official: argsort()[::-1] per image, then on the concatenation of recorded scores
    bounds = np.flatnonzero(np.diff(image)) + 1
    parts = [seg[np.argsort(scores[seg])[::-1]]
             for seg in np.split(np.arange(len(scores)), bounds) if len(seg)]
    per_image = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    per_image = per_image[keep[per_image]]
    glob = per_image[np.argsort(scores[per_image])[::-1]]
    return per_image, glob


def voc_ap(tp_ranked: np.ndarray, npos: int) -> float:
    """All-point VOC AP of 0/1 flags in rank order, computed as vsrl_eval.py does (float32 rec)."""
    a_tp = np.cumsum(tp_ranked.astype(np.float32))
    a_fp = np.cumsum((1 - tp_ranked).astype(np.float32))
    rec = a_tp / np.float32(npos)
    prec = a_tp / np.maximum(a_tp + a_fp, np.finfo(np.float64).eps)
    mrec = np.concatenate(([0.0], rec, [1.0]))
    mpre = np.concatenate(([0.0], prec, [0.0]))
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    i = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def _class_ap(scores, true_cand, person, image, keep, npos, ties):
    """AP of one class over its recorded detections; returns (ap, tp flags in global order, why)."""
    per_image, glob = _rank(scores, image, keep, ties)
    cand = true_cand[per_image]
    tp = np.zeros(len(scores), dtype=np.int8)
    if cand.any():
        hit = per_image[cand]
        _, first = np.unique(person[hit], return_index=True)
        tp[hit[first]] = 1
    flags = tp[glob]
    if npos == 0:
        return float("nan"), flags, "no-positives"
    if len(glob) == 0:
        return 0.0, flags, "no-detections"
    return float(np.float32(voc_ap(flags, npos))), flags, None


def score(gt, det, *, ties: str = "stable", scenarios=SCENARIOS, keep_flags: bool = False) -> dict:
    """Agent AP (26) and role AP per scenario (25 entries) with counts and crash notes.

    Defined answers where the original crashes (recorded in ``crashes``): a class without any
    recorded detection gets AP 0; a class without positives gets NaN and is left out of the means;
    a detection on an image without GT persons is a false positive.
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}")
    order = np.argsort(det.image, kind="stable")
    image = det.image[order]
    box = det.person_box[order]
    agent = det.agent[order]
    role = det.role[order]

    class _D:  # grouped view for matching
        pass
    g = _D()
    g.image, g.person_box = image, box
    m = match_persons(gt, g)
    keep = ~m.ignored
    npos = gt.npos()
    lab = np.zeros((len(image), N_ACTIONS), dtype=bool)
    has = m.person >= 0
    lab[has] = gt.person_label[m.person[has]] == 1
    pos_ok = m.overlap >= OVR
    person_key = np.where(has, m.person, -1 - np.arange(len(image)))  # no-person dets never TP anyway
    crashes: list[dict] = []
    if m.no_person.any():
        imgs = np.unique(image[m.no_person])
        crashes.append({"case": "image-without-gt-person", "images": [int(gt.image_ids[i]) for i in imgs[:10]],
                        "n_images": int(len(imgs)), "detections": int(m.no_person.sum()),
                        "original": "IndexError/ValueError (argmax of an empty array)",
                        "ovbench": "those detections are false positives"})
    agent_ap = np.full(N_ACTIONS, np.nan)
    flags = {}
    no_det, no_pos = [], []
    for a in range(N_ACTIONS):
        true = lab[:, a] & pos_ok
        ap, f, why = _class_ap(agent[:, a], true, person_key, image, keep, int(npos[a]), ties)
        agent_ap[a] = ap
        if keep_flags:
            flags[AGENT_KEYS[a]] = f
        (no_det if why == "no-detections" else no_pos if why else []).append(AGENT_KEYS[a])
    role_ap = {}
    if len(image):
        gt_role = np.full((len(image), N_ACTIONS, 2, 4), np.nan, np.float32)
        gt_role[has] = gt.person_role_box[m.person[has]]
    else:
        gt_role = np.zeros((0, N_ACTIONS, 2, 4), np.float32)
    for scen in scenarios:
        aps = np.full(len(ROLE_ENTRIES), np.nan)
        for e, (a, r, key) in enumerate(ROLE_ENTRIES):
            rb = role[:, e]
            g_box = gt_role[:, a, r]
            no_obj = np.isnan(g_box).all(axis=1)
            with np.errstate(invalid="ignore"):
                ov_role = overlaps(g_box, rb[:, :4]) >= OVR
            if scen == "scenario_1":
                empty = (rb[:, :4] == 0).all(axis=1) | np.isnan(rb[:, :4]).all(axis=1)
                role_ok = np.where(no_obj, empty, ov_role)
            else:
                role_ok = no_obj | ov_role
            true = lab[:, a] & pos_ok & role_ok
            ap, f, why = _class_ap(rb[:, 4], true, person_key, image, keep, int(npos[a]), ties)
            aps[e] = ap
            if keep_flags:
                flags[(scen, key)] = f
            if why == "no-detections" and key not in no_det:
                no_det.append(key)
            elif why == "no-positives" and key not in no_pos:
                no_pos.append(key)
        role_ap[scen] = aps
    if no_det:
        crashes.append({"case": "class-without-detections", "classes": no_det,
                        "original": "ValueError (np.amax of an empty array)", "ovbench": "AP 0"})
    if no_pos:
        crashes.append({"case": "class-without-positives", "classes": no_pos,
                        "original": "AssertionError (recall undefined)", "ovbench": "AP NaN, left out of means"})
    ties_n = _count_ties(agent[keep], role[keep, :, 4])
    return {"agent_ap": agent_ap, "role_ap": role_ap, "npos": npos, "crashes": crashes,
            "matches": m, "order": order, "flags": flags,
            "counts": {"detections_scored": int(keep.sum()), "dropped_unannotated_person": int(m.ignored.sum()),
                       "on_images_without_gt_person": int(m.no_person.sum()), "tied_scores": ties_n}}


def _count_ties(agent: np.ndarray, role_scores: np.ndarray) -> int:
    """Detections whose score equals another's in the same class (where the tie order matters)."""
    total = 0
    for col in np.concatenate([agent, role_scores], axis=1).T:
        s = np.sort(col)
        eq = s[1:] == s[:-1]
        total += int(eq.sum())
    return total


def means(agent_ap: np.ndarray, role_ap: dict) -> dict:
    """The official means (agent over 26, role over 25) and the papers' 24 (no ``point``).

    Entries with NaN (no positives) are left out; on official data none is NaN, so ``agent.mean``
    is the official ``nansum / 26`` and ``role.<s>.mean`` the official ``nanmean`` of 25.
    """
    def m(x):
        x = np.asarray(x, dtype=np.float64)
        x = x[~np.isnan(x)]
        return float(x.mean()) if len(x) else None

    point = ROLE_KEYS.index(POINT_KEY)
    out = {"agent": {"mean": m(agent_ap)}, "role": {}}
    for scen, aps in role_ap.items():
        short = {"scenario_1": "s1", "scenario_2": "s2", "pairs_24": "pairs24"}[scen]
        out["role"][short] = {"mean": m(aps), "mean_24": m(np.delete(aps, point))}
    return out


__all__ = ["score", "means", "overlaps", "voc_ap", "SCORER_ID", "SCORER_VERSION", "TIES", "ACTION_NAMES"]
