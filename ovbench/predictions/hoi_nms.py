"""Optional evaluation-time NMS for HOI detections (post-processing, off unless asked).

GEN-VLKT's evaluator (``YueLiao/gen-vlkt: datasets/hico_eval_triplet.py``, ``triplet_nms_filter``
and ``pairwise_nms``, enabled by ``--use_nms_filter`` in its released configs) suppresses,
per image and per HOI class, every detection whose pair overlap with a kept, higher-ranked
detection exceeds a threshold. The pair overlap is ``IoU_h ** alpha * IoU_o ** beta`` with
+1-pixel areas (alpha = 1, beta = 0.5, threshold 0.7 in ``main.py``). A detection is kept when
its overlap is ``<= threshold``.

ovbench never applies this silently: it runs only when ``nms="gen-vlkt-triplet"`` is passed to
:func:`ovbench.benchmarks.hicodet.score_detections` / ``score_files``, is recorded in the result's
``scorer.options.nms``, and the detections it removes are counted. Ties are ranked canonically
(score desc, then position in the file); GEN-VLKT's reversed quicksort order cannot be modelled.
"""

from __future__ import annotations

import numpy as np

NMS_METHODS = {"gen-vlkt-triplet": {"alpha": 1.0, "beta": 0.5, "threshold": 0.7}}


def _iou_plus1(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    w = np.maximum(0.0, np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]) + 1)
    h = np.maximum(0.0, np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]) + 1)
    inter = w * h
    area = (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
    areas = (others[:, 2] - others[:, 0] + 1) * (others[:, 3] - others[:, 1] + 1)
    return inter / (area + areas - inter)


def triplet_nms(image: np.ndarray, hoi: np.ndarray, boxes: np.ndarray, score: np.ndarray,
                position: np.ndarray, alpha: float = 1.0, beta: float = 0.5, threshold: float = 0.7) -> np.ndarray:
    """Boolean keep-mask of GEN-VLKT's pairwise triplet NMS over all detections."""
    keep = np.ones(len(hoi), dtype=bool)
    if len(hoi) == 0:
        return keep
    order = np.lexsort((position, -score, hoi, image))
    key = image[order] * 600 + hoi[order]
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    ends = np.append(starts[1:], len(order))
    for s, e in zip(starts[ends - starts > 1], ends[ends - starts > 1]):
        group = order[s:e]
        alive = np.ones(len(group), dtype=bool)
        for k in range(len(group)):
            if not alive[k]:
                continue
            rest = np.flatnonzero(alive[k + 1:]) + k + 1
            if len(rest) == 0:
                break
            b = boxes[group[k]]
            r = boxes[group[rest]]
            ovr = np.power(_iou_plus1(b[:4], r[:, :4]), alpha) * np.power(_iou_plus1(b[4:], r[:, 4:]), beta)
            alive[rest[ovr > threshold]] = False
        keep[group[~alive]] = False
    return keep
