"""UPT / PViC (and CL-HOI, built on UPT): ``cache_vcoco``'s ``cache.pkl`` -> V-COCO predictions.

``CustomisedDLE.cache_vcoco`` (fredzzhang/upt and fredzzhang/pvic ``utils.py``) pickles
(protocol 2) a list with one ``CacheTemplate`` per (human-object pair, predicted action):
``image_id``, ``person_box`` (the network's continuous box rescaled to the original image, no -1),
``<action>_agent = s`` and ``<action>_<role> = object box + [s]``, ``s`` the pair-action score.
``CacheTemplate`` is a ``defaultdict`` subclass whose ``__missing__`` answers every other key the
official evaluator asks for: agent ``0.0``, role ``[0, 0, 0.1, 0.1, 0.0]``. Those answers are real
zero-score detections to ``vsrl_eval.py`` (in Scenario 2 they can match positives without a role
object), so the adapter writes them out as filler values and counts them in
``meta.postprocess.cache_template_fillers``. The class itself is never imported: the pickle's
reference to ``<module>.CacheTemplate`` is read as a plain ``dict`` (the file is parsed opcode by
opcode first; nothing in it runs). Images without ground-truth pairs are skipped upstream
(4,532 of the 4,946 test images) and so have no detections.
"""

from __future__ import annotations

import os
import pickletools
import re
import tempfile
from typing import Any

from ..errors import InputError, SpecError
from ..jsonio import read_bytes
from ._common import is_path, load_pickle, make_meta
from .vcocoofficial import AGENT_KEYS, ROLE_KEYS, check_detections

AGENT_FILLER = 0.0
ROLE_FILLER = [0.0, 0.0, 0.1, 0.1, 0.0]
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)* CacheTemplate$")


def read_cache(path) -> tuple[list, list[str]]:
    """The cache as a list of plain dicts, and the module names ``CacheTemplate`` came from."""
    data = read_bytes(path, "cache_vcoco cache.pkl")
    pieces, last, modules = [], 0, []
    try:
        for op, arg, pos in pickletools.genops(data):
            if op.name == "GLOBAL" and isinstance(arg, str) and _IDENT.match(arg):
                end = data.index(b"\n", data.index(b"\n", pos + 1) + 1) + 1
                pieces += [data[last:pos], b"cbuiltins\ndict\n"]
                last = end
                modules.append(arg.split(" ")[0])
    except Exception as exc:  # truncated or not a pickle
        raise InputError(f"{path}: not a readable cache_vcoco pickle ({type(exc).__name__}: {exc})") from None
    pieces.append(data[last:])
    fd, tmp = tempfile.mkstemp(suffix=".pkl")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(b"".join(pieces))
        try:
            value = load_pickle(tmp, "cache_vcoco cache.pkl")
        except InputError as exc:
            raise InputError(str(exc).replace(tmp, str(path))) from None
    finally:
        os.unlink(tmp)
    return value, sorted(set(modules))


def convert(raw: Any, *, info, method=None, **unused) -> dict[str, Any]:
    """``ovbench convert --from upt-vcoco|pvic-vcoco cache.pkl``."""
    if unused:
        raise SpecError(f"adapter {info.name!r} takes no option(s) {sorted(unused)}")
    source = str(raw) if is_path(raw) else "<cache>"
    dets, modules = read_cache(raw) if is_path(raw) else (raw, [])
    fillers = {k: AGENT_FILLER for k in AGENT_KEYS} | {k: list(ROLE_FILLER) for k in ROLE_KEYS}
    n_agent = n_role = 0
    if isinstance(dets, list):
        for d in dets:
            if isinstance(d, dict):
                n_agent += sum(k not in d for k in AGENT_KEYS)
                n_role += sum(k not in d for k in ROLE_KEYS)
    preds = check_detections(dets, source, fillers=fillers)
    post = {"adapter": "CacheTemplate answers written out for every key a detection lacks",
            "cache_template_fillers": {"agent": AGENT_FILLER, "role": ROLE_FILLER,
                                       "agent_entries": n_agent, "role_entries": n_role,
                                       "class_module": modules},
            "upstream": {"detections": "one per (pair, predicted action); score = pair-action score",
                         "images": "images without ground-truth pairs are skipped (no detections)"}}
    meta = make_meta(info, method=method, postprocess=post, box_frame="model",
                     sources=[raw] if is_path(raw) else [],
                     extra={"counts": {"images": len({d["image_id"] for d in preds}), "detections": len(preds)}})
    return {"predictions": preds, "meta": meta}
