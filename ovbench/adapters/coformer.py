"""CoFormer family (CoFormer, GSRTR, OpenSU) and MIPD / Ov-GSR: model outputs -> GSR predictions.

These methods write no per-image prediction files (``main.py --test`` logs averages only), so the
adapter works on the model's forward-output dictionary:

* ``pred_verb``: B x 504 verb logits, ``verb_indices.txt`` order;
* ``pred_noun_3`` (CoFormer, OpenSU) or ``pred_noun`` (GSRTR, Ov-GSR): B x 6 x 9929 noun logits,
  ``train_classes.csv`` order, rows follow imsitu_space ``order`` of the *conditioning* verb;
* ``pred_bbox``: B x 6 x 4 sigmoid (cx, cy, w, h) normalised by the square canvas;
* ``pred_bbox_conf``: B x 6 x 1 logit; < 0 means "no box".

:func:`collect_outputs` (torch, imported lazily) runs the model teacher-forced once per candidate
verb (the top-k verbs of the ground-truth pass plus the ground-truth verb itself), as the
reference evaluation does (``jhcho99/CoFormer: models/transformer.py``), and gathers these arrays
plus each image's letterbox parameters from the target dicts. :func:`convert_outputs` is the pure
numpy core; ``ovbench convert --from coformer outputs.npz`` reads the same arrays saved with
``numpy.savez``.

Box space (``jhcho99/CoFormer: datasets/swig.py`` ``Resizer`` + ``util/misc.py``
``accuracy_swig_bbox``): the image is scaled so its shorter side is ``min_side`` (512; Ov-GSR 246)
unless the longer side would exceed ``max_side`` (700; Ov-GSR 336), resized to
``int(round(h*scale)) x int(round(w*scale))`` and pasted at ``shift = int((canvas - size) * 0.5)``
on a ``canvas`` square (700; Ov-GSR 336). A box is mapped back as the reference does: canvas
pixels, minus the shift, clamped to ``[0, resized size]``, divided by ``scale``.

Nouns: ``blank`` -> ``""`` (a real class). ``oov`` and ``Pad`` name no synset; the role is left
out of the frame (so it scores as wrong) and counted in ``meta.counts``; with
``special_nouns="next-best"`` the best real class is taken instead (recorded).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, SpecError, clip
from ..jsonio import load_json, read_bytes
from ._common import (find_vocab_file, is_path, make_meta, read_imsitu_space, read_lines,
                      read_train_classes, top_k)

REQUIRED = ("image", "pred_verb", "cond_verb", "pred_noun", "pred_bbox", "pred_bbox_conf")
LETTERBOX = ("width", "height", "shift_0", "shift_1", "scale")
SPECIAL = {"oov", "Pad"}


def letterbox(width, height, *, min_side: int, max_side: int, canvas: int) -> dict[str, np.ndarray]:
    """Letterbox parameters of images of ``width`` x ``height`` pixels, as ``Resizer`` computes them.

    Returns resized ``width``/``height``, ``scale``, ``shift_0`` (rows) and ``shift_1`` (columns).
    """
    w = np.asarray(width, dtype=np.float64)
    h = np.asarray(height, dtype=np.float64)
    scale = min_side / np.minimum(w, h)
    too_long = np.maximum(w, h) * scale > max_side
    scale = np.where(too_long, max_side / np.maximum(w, h), scale)
    rows = np.round(h * scale).astype(np.int64)  # Python's round() and np.round both round half to even
    cols = np.round(w * scale).astype(np.int64)
    return {"width": cols.astype(np.float64), "height": rows.astype(np.float64), "scale": scale,
            "shift_0": np.trunc((canvas - rows) * 0.5), "shift_1": np.trunc((canvas - cols) * 0.5)}


def undo_letterbox(boxes: np.ndarray, lb: dict[str, np.ndarray], canvas: int) -> np.ndarray:
    """(N, ..., 4) normalised cxcywh on the canvas -> xyxy in original image pixels (N, ..., 4)."""
    b = np.asarray(boxes, dtype=np.float64) * canvas
    xy = np.stack([b[..., 0] - 0.5 * b[..., 2], b[..., 1] - 0.5 * b[..., 3],
                   b[..., 0] + 0.5 * b[..., 2], b[..., 1] + 0.5 * b[..., 3]], axis=-1)
    shape = (-1,) + (1,) * (xy.ndim - 2)
    s0, s1 = lb["shift_0"].reshape(shape), lb["shift_1"].reshape(shape)
    w, h, sc = lb["width"].reshape(shape), lb["height"].reshape(shape), lb["scale"].reshape(shape)
    x = np.minimum(np.maximum(xy[..., 0::2] - s1[..., None], 0), w[..., None])
    y = np.minimum(np.maximum(xy[..., 1::2] - s0[..., None], 0), h[..., None])
    out = np.empty_like(xy)
    out[..., 0::2], out[..., 1::2] = x, y
    return out / sc[..., None]


def load_vocab(*, vocab=None, annotations=None) -> dict[str, Any]:
    """Verb, noun-class and role vocabularies from the user's SWiG_jsons folder."""
    orders, _ = read_imsitu_space(find_vocab_file("imsitu_space.json", vocab=vocab, annotations=annotations))
    verbs = read_lines(find_vocab_file("verb_indices.txt", vocab=vocab, annotations=annotations), "verb list")
    nouns = read_train_classes(find_vocab_file("train_classes.csv", vocab=vocab, annotations=annotations))
    return {"verbs": verbs, "nouns": nouns, "orders": orders}


def _arrays_from(raw: Any, source: str) -> dict[str, np.ndarray]:
    if is_path(raw):
        try:
            with open(raw, "rb") as fh:
                head = fh.read(4)
        except OSError:
            read_bytes(raw, ".npz of model outputs")  # raises the InputError naming the problem
            raise
        if head != b"PK\x03\x04":
            raise InputError(f"{raw}: not an .npz archive (numpy.savez output starts with a zip header); "
                             "give the file collect_outputs wrote")
        try:
            with np.load(raw, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except Exception as exc:  # truncated or damaged archive
            raise InputError(f"{raw}: not a readable .npz archive, it looks truncated or damaged "
                             f"({type(exc).__name__}: {clip(str(exc), 120)})") from None
    elif isinstance(raw, dict):
        arrays = {k: np.asarray(v) for k, v in raw.items()}
    else:
        raise InputError(f"{source}: expected an .npz path or a dict of arrays, got {type(raw).__name__}")
    missing = [k for k in REQUIRED if k not in arrays]
    if missing:
        raise InputError(f"{source}: missing arrays {missing}; expected {list(REQUIRED)} "
                         f"(+ {list(LETTERBOX)} or --annotations for the image sizes)")
    n = len(arrays["image"])
    k = arrays["cond_verb"].shape[1] if arrays["cond_verb"].ndim == 2 else -1
    shapes = {"pred_verb": (n, None), "cond_verb": (n, k), "pred_noun": (n, k, None),
              "pred_bbox": (n, k, None, 4)}
    for key, want in shapes.items():
        got = arrays[key].shape
        if len(got) < len(want) or any(w is not None and g != w for g, w in zip(got, want)):
            raise InputError(f"{source}: array {key!r}: shape {got} does not match {want} "
                             "(None = any; N images, K candidate verbs)")
    if arrays["pred_bbox_conf"].shape[:3] != arrays["pred_bbox"].shape[:3]:
        raise InputError(f"{source}: 'pred_bbox_conf' shape {arrays['pred_bbox_conf'].shape} does not "
                         f"match 'pred_bbox' {arrays['pred_bbox'].shape}")
    return arrays


def _sizes_from_annotations(images, annotations, split, source) -> tuple[np.ndarray, np.ndarray]:
    if annotations is None:
        raise InputError(f"{source}: no letterbox arrays {list(LETTERBOX)}; pass --annotations "
                         "(SWiG_jsons folder with --split, or the split's JSON file) for image sizes")
    path = Path(annotations)
    if path.is_dir():
        if split is None:
            raise InputError(f"{source}: --annotations is a folder; say which split with --split dev|test")
        path = path / f"{split}.json"
    ann = load_json(path, "SWiG annotation file")
    w, h = [], []
    for image in images:
        entry = ann.get(image)
        if not isinstance(entry, dict) or "width" not in entry or "height" not in entry:
            raise InputError(f"{path}: image {image!r}: no 'width'/'height' (needed to undo the letterbox)")
        w.append(entry["width"])
        h.append(entry["height"])
    return np.asarray(w, dtype=np.float64), np.asarray(h, dtype=np.float64)


def convert_outputs(arrays: dict[str, np.ndarray], *, vocab: dict[str, Any], variant: dict[str, Any],
                    verbs_kept: int = 5, special_nouns: str = "drop",
                    sizes: tuple[np.ndarray, np.ndarray] | None = None,
                    source: str = "<outputs>") -> tuple[dict[str, Any], dict[str, Any]]:
    """Pure numpy core: output arrays -> (ovbench ``predictions`` mapping, counts)."""
    if special_nouns not in ("drop", "next-best"):
        raise SpecError(f"special_nouns must be 'drop' or 'next-best', got {special_nouns!r}")
    verbs, nouns, orders = vocab["verbs"], vocab["nouns"], vocab["orders"]
    images = [str(x) for x in arrays["image"]]
    if len(set(images)) != len(images):
        raise InputError(f"{source}: duplicate image names in 'image'")
    pred_verb = np.asarray(arrays["pred_verb"])
    if pred_verb.dtype.kind != "f":
        pred_verb = pred_verb.astype(np.float64)
    if pred_verb.shape[1] != len(verbs):
        raise InputError(f"{source}: 'pred_verb' has {pred_verb.shape[1]} columns, verb_indices.txt "
                         f"has {len(verbs)} verbs")
    if not np.isfinite(pred_verb).all():
        raise InputError(f"{source}: 'pred_verb' holds NaN or infinite logits")
    cond = np.asarray(arrays["cond_verb"], dtype=np.int64)
    noun = np.asarray(arrays["pred_noun"])
    special_idx = [i for i, name in enumerate(nouns) if name in SPECIAL]
    if noun.ndim == 4:  # full logits: argmax, optionally over real classes only
        if noun.shape[-1] != len(nouns):
            raise InputError(f"{source}: 'pred_noun' has {noun.shape[-1]} classes, train_classes.csv has {len(nouns)}")
        if special_nouns == "next-best" and special_idx:
            noun = noun.astype(np.float64, copy=True)
            noun[..., special_idx] = -np.inf
        noun = noun.argmax(-1)
    elif special_nouns == "next-best":
        raise SpecError("special_nouns='next-best' needs the full noun logits (N x K x 6 x C), "
                        "the arrays hold argmax indices only")
    noun = noun.astype(np.int64)
    if noun.size and (noun.min() < 0 or noun.max() >= len(nouns)):
        raise InputError(f"{source}: 'pred_noun' holds class indices outside 0..{len(nouns) - 1}")
    conf = np.asarray(arrays["pred_bbox_conf"], dtype=np.float64).reshape(noun.shape)
    if all(k in arrays for k in LETTERBOX):
        lb = {k: np.asarray(arrays[k], dtype=np.float64).reshape(-1) for k in LETTERBOX}
    else:
        w, h = sizes if sizes is not None else (None, None)
        if w is None:
            raise InputError(f"{source}: no letterbox arrays and no image sizes")
        lb = letterbox(w, h, min_side=variant["min_side"], max_side=variant["max_side"], canvas=variant["canvas"])
    raw_box = np.asarray(arrays["pred_bbox"])
    if not np.isfinite(conf[cond >= 0]).all():
        raise InputError(f"{source}: 'pred_bbox_conf' holds NaN or infinite logits")
    used = (conf >= 0) & (cond[:, :, None] >= 0)
    # Boxes are needed (and checked) only where they are used: undo the letterbox on those rows.
    ui, uk, uj = np.nonzero(used)
    raw_used = raw_box[ui, uk, uj].astype(np.float64)
    boxes_used = undo_letterbox(raw_used, {key: val[ui] for key, val in lb.items()}, variant["canvas"])
    bad = ~(np.isfinite(boxes_used).all(-1) & (raw_used[:, 2] >= 0) & (raw_used[:, 3] >= 0))
    if bad.any():
        first = int(np.argmax(bad))
        i, k, j = int(ui[first]), int(uk[first]), int(uj[first])
        raise InputError(f"{source}: image {images[i]!r}: candidate {k}, role row {j}: 'pred_bbox' "
                         f"{raw_used[first].tolist()} is not a finite (cx, cy, w, h) with w, h >= 0")
    ranking = top_k(pred_verb, verbs_kept)
    names = ["" if n == "blank" else n for n in nouns]
    # Candidate frames, checked in image, candidate order (the first problem is reported).
    _, n_cand, n_rows = noun.shape
    valid = cond >= 0
    outside = valid & (cond >= len(verbs))
    dup = np.zeros_like(valid)  # the same verb at an earlier candidate: that frame is kept
    for k in range(1, n_cand):
        dup[:, k] = (cond[:, :k] == cond[:, k:k + 1]).any(1)
    n_roles_of = np.array([len(orders[v]) if v in orders else -1 for v in verbs] + [0], dtype=np.int64)
    n_roles = n_roles_of[np.where(valid & ~outside, cond, len(verbs))]
    kept = valid & ~outside & ~dup
    problem = outside | (kept & ((n_roles < 0) | (n_roles > n_rows)))
    if problem.any():
        i, k = (int(x) for x in np.argwhere(problem)[0])
        v = int(cond[i, k])
        if v >= len(verbs):
            raise InputError(f"{source}: image {images[i]!r}: 'cond_verb' index {v} outside 0..{len(verbs) - 1}")
        verb = verbs[v]
        if verb not in orders:
            raise InputError(f"{source}: image {images[i]!r}: verb {verb!r} has no role order in "
                             "imsitu_space.json; are both files from the same SWiG_jsons folder?")
        raise InputError(f"{source}: verb {verb!r} has {len(orders[verb])} roles, the outputs "
                         f"hold {n_rows} role rows")
    # Role slots of the kept frames, in image, candidate, role order.
    role_mask = kept[:, :, None] & (np.arange(n_rows) < n_roles[:, :, None])
    slot_noun = noun[role_mask]
    has_box = used[role_mask]
    box_pos = np.cumsum(used.reshape(-1)) - 1  # row of each used slot in boxes_used
    box_rows = boxes_used[box_pos[np.flatnonzero(role_mask.reshape(-1))[has_box]]].tolist()
    slot_box: list[Any] = [None] * len(slot_noun)
    for pos, box in zip(np.flatnonzero(has_box).tolist(), box_rows):
        slot_box[pos] = box
    special = np.zeros(len(nouns), dtype=bool)
    special[special_idx] = True
    slot_special = special[slot_noun]
    names_arr = np.array(names, dtype=object)
    slots = [{"noun": nm, "box": bx} for nm, bx in zip(names_arr[slot_noun].tolist(), slot_box)]
    fi, fk = np.nonzero(kept)
    frame_len = n_roles[fi, fk]
    frame_end = np.cumsum(frame_len)
    frame_special = np.zeros(len(fi), dtype=bool)
    if len(slot_special):  # any oov/Pad among each frame's slots (frames without roles: none)
        starts = np.minimum(frame_end - frame_len, len(slot_special) - 1)
        frame_special = (np.add.reduceat(slot_special.astype(np.int64), starts) > 0) & (frame_len > 0)
    role_names = [tuple(orders[v]) if v in orders else () for v in verbs]
    is_oov = np.array([name == "oov" for name in nouns], dtype=bool)
    n_oov = int(np.count_nonzero(is_oov[slot_noun]))
    counts = {"images": len(images), "frames": int(len(fi)), "roles_dropped_oov": n_oov,
              "roles_dropped_pad": int(np.count_nonzero(slot_special)) - n_oov}
    frames_of: list[dict[str, Any]] = [{} for _ in images]
    start = 0
    for i, v, end, sp in zip(fi.tolist(), cond[fi, fk].tolist(), frame_end.tolist(), frame_special.tolist()):
        roles = role_names[v]
        if sp:
            frames_of[i][verbs[v]] = {role: slot for role, slot in zip(roles, slots[start:end])
                                      if slot["noun"] not in SPECIAL}
        else:
            frames_of[i][verbs[v]] = dict(zip(roles, slots[start:end]))
        start = end
    verb_names = np.array(verbs, dtype=object)[ranking].tolist()
    out: dict[str, Any] = {image: {"verbs": ranked, "frames": frames}
                           for image, ranked, frames in zip(images, verb_names, frames_of)}
    return out, counts


def convert(raw: Any, *, info, annotations=None, vocab=None, split=None, method=None,
            verbs_kept: int = 5, special_nouns: str = "drop", **unused) -> dict[str, Any]:
    """``ovbench convert --from coformer|gsrtr|opensu|mipd OUTPUTS.npz``."""
    if unused:
        raise SpecError(f"adapter {info.name!r} takes no option(s) {sorted(unused)}")
    source = str(raw) if is_path(raw) else "<outputs>"
    arrays = _arrays_from(raw, source)
    voc = load_vocab(vocab=vocab, annotations=annotations)
    sizes = None
    if not all(k in arrays for k in LETTERBOX):
        sizes = _sizes_from_annotations([str(x) for x in arrays["image"]], annotations, split, source)
    preds, counts = convert_outputs(arrays, vocab=voc, variant=info.variant, verbs_kept=verbs_kept,
                                    special_nouns=special_nouns, sizes=sizes, source=source)
    # Validated while built: verbs and roles come from the vocabularies, nouns from the class
    # list, used boxes are checked finite with w, h >= 0 (so x2 >= x1, y2 >= y1 after clamping).
    v = info.variant
    post = {
        "verb_ranking": "pred_verb logits descending; ties -> lower verb_indices.txt index",
        "verbs_kept": verbs_kept,
        "frames": "one teacher-forced pass per candidate verb (top-k verbs + ground-truth verb)",
        "noun": f"argmax of {v['noun_key']} over train_classes.csv; blank -> ''",
        "special_nouns": special_nouns,
        "box_absent": "pred_bbox_conf logit < 0 -> null",
        "letterbox": {"canvas": v["canvas"], "min_side": v["min_side"], "max_side": v["max_side"],
                      "source": "arrays" if sizes is None else "annotation sizes"},
        "box_clamp": "to [0, resized image size] before dividing by scale (accuracy_swig_bbox)",
    }
    meta = make_meta(info, method=method, postprocess=post, sources=[raw] if is_path(raw) else [],
                     extra={"counts": counts})
    return {"predictions": preds, "meta": meta}


# --------------------------------------------------------------------------------------------
# The model loop (torch, imported lazily)


def _default_forward(model, samples, targets):
    return model(samples, targets)


def collect_outputs(model, loader, *, info, vocab=None, annotations=None, top_k: int = 5,
                    forward=None, device=None, progress: bool = True) -> dict[str, np.ndarray]:
    """Run ``model`` over ``loader`` (yielding ``(samples, targets)`` as the method's collater does)
    and gather the arrays :func:`convert_outputs` reads.

    Per batch: one pass with the ground-truth targets (verb logits + ground-truth-verb frame),
    then one teacher-forced pass per rank ``r < top_k`` with each image's rank-r verb and its
    roles (``role_indices.txt`` ids, imsitu_space ``order``). ``forward(model, samples, targets)``
    defaults to ``model(samples, targets)``.
    """
    import torch

    try:
        from tqdm.auto import tqdm
    except ImportError:  # progress bars are optional here
        def tqdm(iterable, **_):
            return iterable

    voc = load_vocab(vocab=vocab, annotations=annotations)
    roles = read_lines(find_vocab_file("role_indices.txt", vocab=vocab, annotations=annotations), "role list")
    role_idx = {r: i for i, r in enumerate(roles)}
    vidx_ridx = [[role_idx[r] for r in voc["orders"].get(v, [])] for v in voc["verbs"]]
    forward = forward or _default_forward
    noun_key = info.variant["noun_key"]
    out: dict[str, list] = {k: [] for k in REQUIRED + LETTERBOX}
    model.eval()
    with torch.no_grad():
        for samples, targets in tqdm(loader, desc=f"{info.name} forward", disable=not progress or None):
            if device is not None:
                samples = samples.to(device)
                targets = [{k: (v.to(device) if hasattr(v, "to") else v) for k, v in t.items()} for t in targets]
            passes = [forward(model, samples, targets)]
            gt = [int(t["verbs"]) for t in targets]
            ranking = torch.argsort(passes[0]["pred_verb"].float(), dim=1, descending=True, stable=True)
            top = ranking[:, :top_k].cpu().tolist()
            for r in range(top_k):
                forced = [dict(t, verbs=torch.as_tensor(top[i][r], device=t["verbs"].device),
                               roles=torch.as_tensor(vidx_ridx[top[i][r]], device=t["verbs"].device))
                          for i, t in enumerate(targets)]
                passes.append(forward(model, samples, forced))
            cond = [[*top[i], -1 if gt[i] in top[i] else gt[i]] for i in range(len(targets))]
            order = list(range(1, top_k + 1)) + [0]  # column k <- pass; the GT pass goes last
            stack = {key: torch.stack([passes[p][key].float() for p in order], dim=1).cpu().numpy()
                     for key in ("pred_bbox", "pred_bbox_conf")}
            nouns = torch.stack([passes[p][noun_key].argmax(-1) for p in order], dim=1).cpu().numpy()
            out["image"] += [os.path.basename(str(t["img_name"])) for t in targets]
            out["pred_verb"].append(passes[0]["pred_verb"].float().cpu().numpy())
            out["cond_verb"].append(np.asarray(cond, dtype=np.int64))
            out["pred_noun"].append(nouns.astype(np.int64))
            out["pred_bbox"].append(stack["pred_bbox"])
            out["pred_bbox_conf"].append(stack["pred_bbox_conf"].reshape(nouns.shape))
            for key in LETTERBOX:
                out[key].append(np.asarray([float(t[key]) for t in targets], dtype=np.float64))
    if not out["image"]:
        raise InputError("the data loader yielded no batches")
    return {k: (np.asarray(v) if k == "image" else np.concatenate(v)) for k, v in out.items()}


def run_model(model, loader, *, info=None, name: str = "coformer", vocab=None, annotations=None,
              top_k: int = 5, forward=None, device=None, method=None, progress: bool = True,
              special_nouns: str = "drop") -> dict[str, Any]:
    """:func:`collect_outputs` then :func:`convert`: a model + loader -> ovbench predictions."""
    from . import get_adapter

    info = info or get_adapter(name)
    arrays = collect_outputs(model, loader, info=info, vocab=vocab, annotations=annotations,
                             top_k=top_k, forward=forward, device=device, progress=progress)
    return convert(arrays, info=info, vocab=vocab, annotations=annotations, method=method,
                   verbs_kept=top_k, special_nouns=special_nouns)
