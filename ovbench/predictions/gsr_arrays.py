"""Aligned GSR prediction arrays: what :mod:`ovbench.predictions.gsr` builds and
:mod:`ovbench.scorers.gsr` scores (numpy only, so the scorer imports nothing upstream of it).

Arrays (``n`` images of the split, ``R`` role slots), aligned with the ground truth by image:
``found (n,)`` bool (the image has a prediction); ``gt_rank (n,)`` int (0-based rank of the GT
verb in the predicted list, >= 5 when absent); ``frame_present (n,)`` bool (``frames[gt_verb]``
exists); ``pred_nouns (n,R)`` int (ids in the ground truth's noun space; any value < -1 never
matches, :data:`MISSING_ROLE` = role missing); ``pred_boxes (n,R,4)`` float and
``pred_box_present (n,R)`` bool.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: ``pred_nouns`` value of a role the predicted frame lacks (never equals a noun id)
MISSING_ROLE = -2


@dataclass(frozen=True)
class Predictions:
    found: np.ndarray
    gt_rank: np.ndarray
    frame_present: np.ndarray
    pred_nouns: np.ndarray
    pred_boxes: np.ndarray
    pred_box_present: np.ndarray
