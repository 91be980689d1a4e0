"""HICO image-level labels for the Known-Object setting (``--ko-labels``).

ho-rcnn's Known-Object mode keeps a detection of class ``c`` only in images whose HICO
image-level label (``anno.mat``, matrix ``anno_test``, 600 x 9658, 1 = positive) is positive
for some class with the same object as ``c``. Two inputs are accepted:

* HICO's ``anno.mat`` (read with scipy, imported only here): ``anno_test`` and ``list_test``;
* a JSON object mapping image file names to the 0-based HOI ids labelled positive, e.g.
  ``{"HICO_test2015_00000001.jpg": [76, 77]}``; images not listed have no positive label.

Both give an (images x 80) boolean object-presence matrix in the annotation file's image
order, plus a ``ko_source`` string recorded in the result.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import InputError, Problems
from ..jsonio import load_json, sha256_file
from ..splits.hico import N_HOI


def load_ko_labels(path: str | os.PathLike, image_index: dict[str, int]) -> tuple[np.ndarray, np.ndarray, str]:
    """``(image, hoi)`` positive-label pairs (annotation image indices) and the ko_source string."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such Known-Object label file (expected HICO's anno.mat or a JSON file)")
    if p.suffix.lower() == ".mat":
        image, hoi = _from_mat(p, image_index)
        kind = "hico-image-labels:anno.mat"
    else:
        image, hoi = _from_json(p, image_index)
        kind = "hico-image-labels:json"
    return image, hoi, f"{kind} sha256={sha256_file(p)}"


def _from_json(path: Path, image_index: dict[str, int]):
    doc = load_json(path, "Known-Object label file")
    problems = Problems(str(path))
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected a JSON object mapping image file names to lists of 0-based HOI ids")
    images, hois = [], []
    for name, ids in doc.items():
        if name not in image_index:
            problems.add(f"image {name!r}: not in the annotation file")
            continue
        if not isinstance(ids, list) or not all(isinstance(h, int) and 0 <= h < N_HOI for h in ids):
            problems.add(f"image {name!r}: expected a list of 0-based HOI ids (0..599), got {ids!r}")
            continue
        images += [image_index[name]] * len(ids)
        hois += ids
    problems.raise_if_any()
    return np.asarray(images, dtype=np.int64), np.asarray(hois, dtype=np.int64)


def _from_mat(path: Path, image_index: dict[str, int]):
    try:
        from scipy.io import loadmat
    except ImportError:
        raise InputError(f"{path}: reading anno.mat needs scipy: pip install 'ovbench[mat]'") from None
    try:
        mat = loadmat(str(path), variable_names=["anno_test", "list_test"])
    except Exception as exc:  # scipy raises several types for bad files
        raise InputError(f"{path}: cannot read as a MATLAB file: {exc}") from None
    if "anno_test" not in mat or "list_test" not in mat:
        raise InputError(f"{path}: expected variables 'anno_test' and 'list_test' (HICO's anno.mat)")
    labels = np.asarray(mat["anno_test"], dtype=np.float64)
    names = [str(np.asarray(x).ravel()[0]) for x in np.asarray(mat["list_test"], dtype=object).ravel()]
    if labels.shape != (N_HOI, len(names)):
        raise InputError(f"{path}: anno_test has shape {labels.shape}, expected (600, {len(names)})")
    missing = [n for n in image_index if n not in set(names)]
    if missing:
        raise InputError(f"{path}: {len(missing)} image(s) of the annotation file have no label column "
                         f"(e.g. {missing[:3]}); use the anno.mat of the same HICO release")
    hoi, col = np.nonzero(labels == 1)
    index = np.asarray([image_index.get(n, -1) for n in names], dtype=np.int64)
    image = index[col]
    keep = image >= 0
    return image[keep], hoi[keep].astype(np.int64)
