"""Zero-shot CLIP baseline for HICO-DET (HOI detection).

* Pairs: "oracle boxes" mode (default) takes every distinct human box x every distinct
  (object box, object class) of the image's ground-truth annotation: the boxes and object classes
  come from the test annotations, so this is **not** a detection result and is named as such in
  ``meta``. With ``detections`` (``{file_name: [{"box": [x1,y1,x2,y2], "label": object name,
  "score": s}, ...]}``) every ``person`` detection is paired with every other detection.
* Scores: the union box of the pair is cropped, encoded and compared with the 600 HOI prompt
  embeddings (``hoi`` templates, class text ``hoi_class`` / ``hoi_no_interaction``); softmax over
  the 600 with the model's logit scale; a pair gets one detection for each HOI class of its
  object class, scored prob (x human and object detection scores with detections).
* Class names, object and verb vocabularies come from the annotation file itself (the
  fredzzhang ``instances_test2015.json`` format: ``objects``, ``verbs``, ``correspondence``).
* Boxes: oracle boxes are the annotation's own (``box_frame: gt``); detection boxes are written
  as given, in the frame ``detections_box_frame`` says (default ``model``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..adapters._common import build_hoi
from ..errors import InputError, SpecError
from ..jsonio import load_json
from .clip import ClipModel, baseline_meta, load_prompts, open_image

_KEYS = ("annotation", "filenames", "objects", "verbs", "correspondence")


def class_texts(ann: dict[str, Any], prompts: dict[str, Any]) -> tuple[list[str], dict[int, list[int]]]:
    """The 600 class texts (official order) and HOI ids per object index."""
    texts = [""] * len(ann["correspondence"])
    by_obj: dict[int, list[int]] = {}
    for hoi, obj, verb in ann["correspondence"]:
        v, o = ann["verbs"][verb].replace("_", " "), ann["objects"][obj].replace("_", " ")
        key = "hoi_no_interaction" if ann["verbs"][verb] == "no_interaction" else "hoi_class"
        texts[hoi] = prompts[key].format(verb=v, object=o)
        by_obj.setdefault(obj, []).append(hoi)
    return texts, {k: sorted(v) for k, v in by_obj.items()}


def _oracle_pairs(entry: dict[str, Any]):
    humans = list(dict.fromkeys(tuple(b) for b in entry.get("boxes_h", [])))
    objects = list(dict.fromkeys((tuple(b), int(o)) for b, o in zip(entry.get("boxes_o", []), entry.get("object", []))))
    return [(list(h), 1.0, list(ob), o, 1.0) for h in humans for ob, o in objects if ob != h]


def _detection_pairs(dets: list, objects: list[str], source: str, name: str):
    parsed = []
    for i, det in enumerate(dets):
        box, label, score = det.get("box"), det.get("label"), det.get("score", 1.0)
        if not isinstance(box, list) or len(box) != 4 or box[2] < box[0] or box[3] < box[1]:
            raise InputError(f"{source}: image {name!r}, detection {i}: field 'box': expected [x1,y1,x2,y2], got {box!r}")
        if label not in objects:
            raise InputError(f"{source}: image {name!r}, detection {i}: field 'label': {label!r} is not a "
                             f"HICO-DET object name (e.g. 'person', 'bicycle')")
        if not isinstance(score, (int, float)) or not math.isfinite(score):
            raise InputError(f"{source}: image {name!r}, detection {i}: field 'score': expected a finite number")
        parsed.append(([float(v) for v in box], objects.index(label), float(score)))
    person = objects.index("person")
    return [(h, hs, o, oc, os_) for i, (h, hc, hs) in enumerate(parsed) if hc == person
            for j, (o, oc, os_) in enumerate(parsed) if j != i]


def run_hoi(*, annotations, images, model: str, pretrained: str, split: str | None = None,
            detections=None, batch_size: int = 32, device: str = "auto", model_config=None,
            prompts=None, method: str | None = None, detections_box_frame: str = "model") -> dict[str, Any]:
    """Run the baseline on the HICO-DET test set; returns ``{"predictions": ..., "meta": ...}``."""
    if split not in (None, "test"):
        raise SpecError(f"--split {split}: HICO-DET has one evaluation split (test)")
    ann = load_json(annotations, "HICO-DET annotation file")
    if not isinstance(ann, dict) or not all(k in ann for k in _KEYS):
        raise InputError(f"{annotations}: expected the instances_test2015.json format (keys {list(_KEYS)}); "
                         "PPDM/CMD-SE test_hico.json files carry no class names")
    if "person" not in ann["objects"]:
        raise InputError(f"{annotations}: 'objects' has no 'person'")
    prompt_set, prompt_id = load_prompts(prompts)
    texts, by_obj = class_texts(ann, prompt_set)
    names = [str(n) for n in ann["filenames"]]
    dets = load_json(detections, "detections file") if detections is not None else None
    pairs: list[tuple[str, list, float, list, int, float]] = []
    for i, name in enumerate(names):
        found = (_detection_pairs(dets.get(name, []), ann["objects"], str(detections), name)
                 if dets is not None else _oracle_pairs(ann["annotation"][i]))
        pairs += [(name, *p) for p in found]
    clip = ClipModel(model, pretrained, device=device, model_config=model_config)
    image_dir = Path(images)
    one_based = dets is None  # oracle boxes are 1-based inclusive pixels
    cache: dict[str, Any] = {}

    def load_union(pair):
        name, h, _, o, _, _ = pair
        if name not in cache:
            cache.clear()
            cache[name] = open_image(image_dir, name)
        im = cache[name]
        off = 1 if one_based else 0
        x1, y1 = max(0, int(min(h[0], o[0])) - off), max(0, int(min(h[1], o[1])) - off)
        x2 = min(im.width, max(x1 + 1, int(math.ceil(max(h[2], o[2])))))
        y2 = min(im.height, max(y1 + 1, int(math.ceil(max(h[3], o[3])))))
        return im.crop((x1, y1, x2, y2))

    idx, hb, ob, hoi, score = [], [], [], [], []
    if pairs:
        w = clip.classifier(texts, prompt_set["hoi"]).cpu()
        feats = clip.encode_images(pairs, load_union, batch_size, "pairs")
        probs = (clip.logit_scale() * feats @ w).softmax(dim=1).numpy().astype(np.float64)
        image_index = {n: i for i, n in enumerate(names)}
        for p, (name, h, hs, o, oc, os_) in enumerate(pairs):
            for c in by_obj.get(oc, []):
                idx.append(image_index[name])
                hb.append(h)
                ob.append(o)
                hoi.append(c)
                score.append(probs[p, c] * hs * os_)
    m = len(idx)
    predictions = build_hoi(names, np.asarray(idx, dtype=np.int64), np.asarray(hb, dtype=np.float64).reshape(m, 4),
                            np.asarray(ob, dtype=np.float64).reshape(m, 4), np.asarray(hoi), np.asarray(score),
                            "<clip baseline>")
    mode = "detections" if dets is not None else "oracle boxes (ground-truth human/object boxes and object classes)"
    post = {
        "pairs": mode,
        "crop": "union box of the pair",
        "scores": "softmax over the 600 classes (model logit scale)" + (" x human score x object score" if dets else ""),
        "classes_per_pair": "every HOI class of the pair's object class",
        "nms": "none", "top_k": "none",
    }
    name = f"CLIP zero-shot ({clip.identity['model']}, {clip.identity['pretrained']}), {mode.split(' (')[0]}"
    meta = baseline_meta(clip, prompt_id, postprocess=post, sources=[annotations, detections], method=method or name,
                         extra={"box_frame": detections_box_frame if dets is not None else "gt",
                                "counts": {"images": len(names), "pairs": len(pairs), "detections": m}})
    return {"predictions": predictions, "meta": meta}
