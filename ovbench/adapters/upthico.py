"""UPT / PViC: the 80 ``detections_XX.mat`` files of ``cache_hico`` -> HICO-DET predictions.

``CustomisedDLE.cache_hico`` (fredzzhang/upt and fredzzhang/pvic ``utils.py``) writes, for the
MATLAB evaluator of ywchao/ho-rcnn, one file per object class (``XX`` = 1-based index in the
alphabetical "hico80" order of ``instances_test2015.json`` ``objects``) holding ``all_boxes``, a
cell array of (HOIs of that object, in ascending official id) x (images of the annotation file,
in its ``filenames`` order, empty images included). A cell is an N x 9 single array
``[hx1, hy1, hx2, hy2, ox1, oy1, ox2, oy2, score]`` or an empty 0 x 0 array. Boxes are the
network's continuous boxes rescaled to the original image, then ``x2 - 1`` and ``y2 - 1``
("box representation to pixel indices"). The adapter adds the 1 back (``--mat-offset undo``, the
default): the predictions are the model's own boxes (``box_frame: "model"``, as every other
HICO-DET adapter). ``--mat-offset keep`` keeps the values exactly as the MATLAB evaluator reads
them (it then adds 1 to all four, as ovbench's official profile does for the ``model`` frame), so
the score is the number UPT's MATLAB route prints. The column order is not in the files: pass the
annotation file the cache was written with (``--annotations instances_test2015.json``).
Within an image detections are listed by HOI id, then in file order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, SpecError
from ..splits.hico import vocabulary
from ._common import hoi_entry_points, make_meta

N_OBJECTS = 80
OFFSETS = ("undo", "keep")
UPSTREAM = {"score": "UPT/PViC pair-action scores as the network outputs them",
            "box_offset": "x2 - 1, y2 - 1 on human and object boxes (cache_hico)"}


def _files(raw) -> list[Path]:
    folder = Path(raw)
    if not folder.is_dir():
        raise InputError(f"{folder}: expected the cache_hico folder holding detections_01.mat .. detections_80.mat")
    files = [folder / f"detections_{k:02d}.mat" for k in range(1, N_OBJECTS + 1)]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise InputError(f"{folder}: missing {len(missing)} of the 80 cache_hico files: {', '.join(missing[:5])}"
                         + (" ..." if len(missing) > 5 else ""))
    return files


def _flat(raw: Any, *, info, annotations=None, mat_offset: str = "undo", method=None, **unused):
    if unused:
        raise SpecError(f"adapter {info.name!r} takes no option(s) {sorted(unused)}")
    if mat_offset not in OFFSETS:
        raise SpecError(f"--mat-offset must be one of {OFFSETS}, got {mat_offset!r}")
    if annotations is None:
        raise SpecError(f"adapter {info.name!r} needs --annotations: the annotation file the cache was written "
                        "with (instances_test2015.json); its 'filenames' order is the column order of the .mat files")
    try:
        import scipy.io as sio
    except ImportError:  # pragma: no cover - scipy is a dependency of the mat extra
        raise SpecError("reading .mat files needs scipy (pip install 'ovbench[mat]')") from None
    from ..annotations.hico import load_annotations

    images = list(load_annotations(annotations).filenames)
    vocab = vocabulary()
    files = _files(raw)
    source = str(raw)
    parts_i, parts_b, parts_h = [], [], []
    for obj, path in enumerate(files):
        hois = np.flatnonzero(vocab.hoi_object == obj)
        try:
            cells = sio.loadmat(str(path))["all_boxes"]
        except KeyError:
            raise InputError(f"{path}: no 'all_boxes' variable (not a cache_hico file)") from None
        except Exception as exc:  # truncated or foreign data
            raise InputError(f"{path}: not a readable .mat file ({type(exc).__name__}: {exc})") from None
        if cells.dtype != object or cells.shape != (len(hois), len(images)):
            raise InputError(f"{path}: field 'all_boxes': expected a {len(hois)} x {len(images)} cell array "
                             f"(HOIs of object {obj + 1} x images of {annotations}), got shape {cells.shape}")
        for r, c in zip(*np.nonzero(np.frompyfunc(np.size, 1, 1)(cells).astype(np.int64))):
            cell = np.asarray(cells[r, c])
            if cell.ndim != 2 or cell.shape[1] != 9 or cell.dtype.kind != "f":
                raise InputError(f"{path}: image {images[c]!r}, HOI {int(hois[r])}: field 'all_boxes': expected "
                                 f"N x 9 numbers [human box, object box, score], got shape {cell.shape} "
                                 f"of {cell.dtype}")
            parts_b.append(cell.astype(np.float64))
            parts_i.append(np.full(len(cell), c, dtype=np.int64))
            parts_h.append(np.full(len(cell), hois[r], dtype=np.int64))
    if parts_b:
        box, img_idx, hoi = np.concatenate(parts_b), np.concatenate(parts_i), np.concatenate(parts_h)
    else:
        box, img_idx, hoi = np.zeros((0, 9)), np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.lexsort((hoi, img_idx))  # image, then HOI id, then file order (lexsort is stable)
    box, img_idx, hoi = box[order], img_idx[order], hoi[order]
    if mat_offset == "undo":
        box[:, [2, 3, 6, 7]] += 1.0
    post = {"adapter": ("+1 on x2, y2 of both boxes (undoes cache_hico's -1)" if mat_offset == "undo"
                        else "none: boxes as the MATLAB evaluator reads them"),
            "mat_offset": mat_offset, "order_within_image": "by HOI id, then file order", "upstream": UPSTREAM}
    meta = make_meta(info, method=method, postprocess=post, box_frame="model", sources=[*files, annotations],
                     extra={"counts": {"images": len(images), "detections": int(len(box))}})
    return meta, (images, img_idx, box[:, :4], box[:, 4:8], hoi, box[:, 8]), source


convert, convert_json = hoi_entry_points(
    _flat, "``ovbench convert --from upt-hico CACHE_DIR --annotations instances_test2015.json``.")
