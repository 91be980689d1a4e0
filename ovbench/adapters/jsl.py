"""SWiG JSL (allenai/swig): ``results.json`` + ``top_5_verbs.json`` -> GSR predictions.

* ``JSL/verb/main.py`` writes ``top_5_verbs.json``: ``{image: [5 verb names, best first]}``.
* ``JSL/inference.py`` writes ``results.json``: ``{image: {"nouns": [...], "boxes": [...]}}`` for
  the **top-1** verb: nouns are synset ids (``""`` for blank; ``oov``/``Pad`` possible) and boxes
  are integer ``[x1, y1, x2, y2]`` already mapped back to ``images_512`` pixels, or ``null`` when
  the box-existence output is <= 0, both listed in imsitu_space ``order`` of that verb. A
  ``"verb"`` field, when present, names the verb the frame was predicted for.

Only the top-1 verb gets a frame, so the ground-truth-verb setting is scored only where the top-1
verb is right. The inference loader passes ``drop_last=True``, but its
``AspectRatioBasedSampler.group_images`` wraps the last batch around (``order[x % len(order)]``), so
every image is written (a few twice, with the same values); an image absent from ``results.json``
still counts as wrong.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import InputError, SpecError
from ..jsonio import load_json
from ._common import SYNSET_RE, box_problem, is_path, make_meta, role_orders


def _by_file_name(data: dict, source: str) -> dict:
    """Key by bare file name: the verb model may key by path (``./images_512/x.jpg``)."""
    if os.sep == "/" and os.altsep is None and all(type(key) is str and "/" not in key for key in data):
        return data  # already bare names (POSIX basename would return each key unchanged)
    out = {}
    for key, value in data.items():
        name = os.path.basename(str(key))
        if name in out:
            raise InputError(f"{source}: image {name!r} appears twice (as {key!r})")
        out[name] = value
    return out


def convert(raw: Any, *, info, top5=None, annotations=None, vocab=None, method=None,
            **unused) -> dict[str, Any]:
    """``ovbench convert --from jsl results.json --top5 top_5_verbs.json --vocab SWiG_jsons``."""
    if unused:
        raise SpecError(f"adapter {info.name!r} takes no option(s) {sorted(unused)}")
    source = str(raw) if is_path(raw) else "<results>"
    results = load_json(raw, "JSL results.json") if is_path(raw) else raw
    if top5 is None:
        raise InputError(f"{source}: JSL also needs its verb ranking: pass --top5 top_5_verbs.json")
    tsource = str(top5) if is_path(top5) else "<top-5 verbs>"
    ranking = load_json(top5, "top_5_verbs.json") if is_path(top5) else top5
    if not isinstance(results, dict) or not isinstance(ranking, dict):
        raise InputError(f"{source}: expected JSON objects keyed by image name")
    results = _by_file_name(results, source)
    ranking = _by_file_name(ranking, tsource)
    orders = role_orders(vocab=vocab, annotations=annotations)
    counts = {"images": 0, "roles_dropped_oov": 0, "roles_dropped_pad": 0, "images_without_frame": 0}
    out: dict[str, Any] = {}
    for image in sorted(set(results) | set(ranking)):
        verbs = ranking.get(image, [])
        if not isinstance(verbs, list) or not all(v in orders for v in verbs) or len(set(verbs)) != len(verbs):
            raise InputError(f"{tsource}: image {image!r}: expected a list of distinct known verb names, got {verbs!r}")
        entry: dict[str, Any] = {"verbs": list(verbs), "frames": {}}
        res = results.get(image)
        if res is not None:
            if not isinstance(res, dict) or not isinstance(res.get("nouns"), list):
                raise InputError(f"{source}: image {image!r}: expected {{'nouns': [...], 'boxes': [...]}}")
            verb = res.get("verb") or (verbs[0] if verbs else None)
            if verb is None:
                raise InputError(f"{source}: image {image!r}: no 'verb' field and no top-5 verbs to take it from")
            if verb not in orders:
                raise InputError(f"{source}: image {image!r}: unknown verb {verb!r}")
            roles = orders[verb]
            nouns, boxes = res["nouns"], res.get("boxes") or [None] * len(res["nouns"])
            if len(nouns) != len(roles) or len(boxes) != len(roles):
                raise InputError(f"{source}: image {image!r}: {len(nouns)} nouns / {len(boxes)} boxes "
                                 f"for the {len(roles)} roles {roles} of {verb!r}")
            frame = {}
            for role, noun, box in zip(roles, nouns, boxes):
                if noun in ("oov", "Pad"):
                    counts["roles_dropped_oov" if noun == "oov" else "roles_dropped_pad"] += 1
                    continue
                if noun == "blank":
                    noun = ""
                if noun != "" and not (isinstance(noun, str) and SYNSET_RE.match(noun)):
                    raise InputError(f"{source}: image {image!r}: role {role!r}: expected a synset id or '', got {noun!r}")
                problem = box_problem(box)
                if problem:
                    raise InputError(f"{source}: image {image!r}: role {role!r}: box {problem}")
                frame[role] = {"noun": noun, "box": None if box is None else [float(v) for v in box]}
            entry["frames"][verb] = frame
        else:
            counts["images_without_frame"] += 1
        out[image] = entry
    counts["images"] = len(out)  # validated while built (verbs, roles, nouns and boxes above)
    post = {
        "verbs": "top_5_verbs.json as given",
        "frames": "top-1 verb only (JSL inference conditions the nouns on the predicted top-1 verb)",
        "role_order": "imsitu_space order",
        "boxes": "as written by JSL/inference.py (int, images_512 pixels); null = box-existence <= 0",
        "special_nouns": "oov/Pad -> role dropped (counted); blank -> ''",
    }
    sources = [s for s in (raw, top5) if is_path(s)]
    return {"predictions": out, "meta": make_meta(info, method=method, postprocess=post, sources=sources,
                                                  extra={"counts": counts})}
