"""Zero-shot CLIP baseline for Ov-SWiG (grounded situation recognition).

* Verbs: every verb of the annotation's ``imsitu_space.json`` (504 for SWiG) is ranked by the
  cosine similarity of the whole image with its prompt embedding (``gsr_verb`` templates); the
  first ``verbs_kept`` (5) are written, ties broken by verb name.
* Nouns: every noun synset of ``imsitu_space.json`` is a candidate, named by its first gloss.
  Roles are split into groups (``gsr_role_group``: agent-like roles, ``place``, everything else)
  and each group has its own templates (``gsr_noun``), so the same image can name a person for
  the agent and a scene for the place. Each role gets the group's best noun; the blank noun ``""``
  is never predicted.
* Frames are written for the kept verbs and for the ground-truth verb (as the CoFormer family's
  teacher-forced evaluation does; top-k settings score it only when the verb is in the top k).
* Boxes: null, or with ``detections`` (``{image: [{"box": [x1,y1,x2,y2], "score": s}, ...]}`` in
  annotation pixels) the detection whose crop matches the role's noun best; ``place`` roles
  stay null.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..adapters._common import read_imsitu_space, validate_gsr
from ..errors import InputError
from ..jsonio import load_json
from .clip import ClipModel, baseline_meta, load_prompts, open_image

GROUPS = ("agent", "place", "default")


def _group_of(prompts: dict[str, Any]) -> dict[str, str]:
    out = {}
    for group, roles in prompts["gsr_role_group"].items():
        for role in roles:
            out[role] = group
    return out


def _load_detections(path, names: list[str]) -> dict[str, list[list[float]]]:
    data = load_json(path, "detections file")
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected {{image: [{{'box': [x1,y1,x2,y2], 'score': s}}, ...]}}")
    out = {}
    for name in names:
        boxes = []
        for i, det in enumerate(data.get(name, [])):
            box = det.get("box") if isinstance(det, dict) else None
            if not isinstance(box, list) or len(box) != 4 or box[2] < box[0] or box[3] < box[1]:
                raise InputError(f"{path}: image {name!r}, detection {i}: field 'box': expected [x1,y1,x2,y2], got {box!r}")
            boxes.append([float(v) for v in box])
        out[name] = boxes
    return out


def run_gsr(*, annotations, images, model: str, pretrained: str, split: str = "test",
            detections=None, batch_size: int = 32, device: str = "auto", model_config=None,
            prompts=None, verbs_kept: int = 5, method: str | None = None) -> dict[str, Any]:
    """Run the baseline on one Ov-SWiG split; returns ``{"predictions": ..., "meta": ...}``."""
    folder, image_dir = Path(annotations), Path(images)
    if not folder.is_dir():
        raise InputError(f"{folder}: expected the SWiG_jsons folder ({split}.json + imsitu_space.json)")
    ann_path, space_path = folder / f"{split}.json", folder / "imsitu_space.json"
    ann = load_json(ann_path, f"{split}.json")
    orders, glosses = read_imsitu_space(space_path)
    if not glosses:
        raise InputError(f"{space_path}: no 'nouns' section; the baseline names nouns by their glosses")
    names = sorted(ann)
    if not names:
        raise InputError(f"{ann_path}: no images")
    for name in names:
        if ann[name].get("verb") not in orders:
            raise InputError(f"{ann_path}: image {name!r}: verb {ann[name].get('verb')!r} not in imsitu_space.json")
    verbs = sorted(orders)
    synsets = sorted(glosses)
    prompt_set, prompt_id = load_prompts(prompts)
    group_of = _group_of(prompt_set)
    clip = ClipModel(model, pretrained, device=device, model_config=model_config)

    w_verb = clip.classifier([v for v in verbs], prompt_set["gsr_verb"])
    noun_names = [glosses[s][0] for s in synsets]
    w_noun = {g: clip.classifier(noun_names, prompt_set["gsr_noun"][g]) for g in GROUPS}
    feats = clip.encode_images(names, lambda n: open_image(image_dir, n), batch_size, "images")
    verb_scores = (feats @ w_verb.cpu()).numpy()
    best = {g: (feats @ w_noun[g].cpu()).argmax(dim=1).tolist() for g in GROUPS}

    boxes_for: dict[str, list[list[float]]] = {}
    crop_feats = None
    if detections is not None:
        boxes_for = _load_detections(detections, names)
        items = [(n, b) for n in names for b in boxes_for[n]]
        cache: dict[str, Any] = {}

        def load_crop(item):
            name, box = item
            if name not in cache:
                cache.clear()
                cache[name] = open_image(image_dir, name)
            im = cache[name]
            x1, y1 = max(0, int(box[0])), max(0, int(box[1]))
            x2, y2 = min(im.width, max(x1 + 1, int(round(box[2])))), min(im.height, max(y1 + 1, int(round(box[3]))))
            return im.crop((x1, y1, x2, y2))

        crop_feats = clip.encode_images(items, load_crop, batch_size, "detections") if items else None

    predictions: dict[str, Any] = {}
    row = 0
    for i, name in enumerate(names):
        order = np.lexsort((np.arange(len(verbs)), -verb_scores[i]))[:verbs_kept].tolist()
        ranked = [verbs[j] for j in order]
        n_det = len(boxes_for.get(name, []))
        frames = {}
        for verb in dict.fromkeys(ranked + [ann[name]["verb"]]):
            frame = {}
            for role in orders[verb]:
                group = group_of.get(role, "default")
                noun_idx = best[group][i]
                box = None
                if n_det and group != "place":
                    text = w_noun[group][:, noun_idx].cpu()
                    pick = int((crop_feats[row:row + n_det] @ text).argmax())
                    box = boxes_for[name][pick]
                frame[role] = {"noun": synsets[noun_idx], "box": box}
            frames[verb] = frame
        predictions[name] = {"verbs": ranked, "frames": frames}
        row += n_det
    validate_gsr(predictions, "<clip baseline>", orders)
    post = {
        "verbs": f"all {len(verbs)} imsitu_space verbs ranked by image-prompt cosine; ties -> verb name",
        "verbs_kept": verbs_kept,
        "frames": "kept verbs + ground-truth verb",
        "nouns": f"{len(synsets)} imsitu_space synsets named by first gloss; per role group "
                 "(agent/place/default) argmax; blank never predicted",
        "boxes": "detection crop best matching the role's noun (place roles null)" if detections
                 else "null (no detections given)",
    }
    meta = baseline_meta(clip, prompt_id, postprocess=post, sources=[ann_path, space_path, detections],
                         method=method or f"CLIP zero-shot ({clip.identity['model']}, {clip.identity['pretrained']})",
                         extra={"split": split})
    return {"predictions": predictions, "meta": meta}
