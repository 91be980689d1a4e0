"""Fingerprints of each benchmark's official data: what ``leaderboard --add`` accepts.

A reproduced entry may go under a real split (``test``, ``dev``) only when the result was
scored on that benchmark's official annotations and split, recognised by the sha256 its
result records. Results on anything else (the built-in synthetic demo, a subset, edited
annotations) can only be filed under a ``demo-*`` split label, so they never pose as real.

``OFFICIAL[(benchmark, split)]`` maps a dotted path into the result's ``benchmark`` block to
the sha256 values accepted there (several when the same data ships in several formats).
A (benchmark, split) without an entry has nothing pinned yet, and ``--add`` refuses it.

How a maintainer pins more (one reviewed edit, with the source of each hash):

1. Score a result on the official files (``ovbench score ... -o result.json``).
2. Check the hashed files against their public release (e.g. the sha256 of the file as
   downloaded from the URL named in the comment), then copy the result's ``benchmark``
   values (``annotations.sha256``, ``manifest_sha256`` ...) into ``OFFICIAL`` with a comment
   naming the file and where it comes from.
3. Add the same hash to ``tests/test_leaderboard_official.py``'s copy, so a silent change
   takes two deliberate edits.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError

DEMO_PREFIX = "demo-"

OFFICIAL: dict[tuple[str, str], dict[str, frozenset[str]]] = {
    # HICO-DET test set, fredzzhang/hicodet `instances_test2015.json` (9,658 images), as in
    # fredzzhang/upt and the shared data folder (../shared/data/hicodet/instances_test2015.json).
    # Other formats of the same annotations (the MATLAB anno_bbox.mat) are not pinned yet.
    ("hico-det", "test"): {
        "annotations_sha256": frozenset({"cfeaefcc1e006a0d7d205dfba95ac6614341995d18613e016ae650d278757daa"}),
    },
    # ov-swig (dev, test): not pinned. The Ov-SWiG split lists of the MIPD paper are unpublished
    # and the SWiG dev.json / test.json files are not available to this repository; pin
    # "annotations.sha256" and "manifest_sha256" once both are checked against their releases.
    # swig (test) and v-coco (test): not pinned yet, for the same reason.
}


def _at(block: dict, path: str) -> Any:
    node: Any = block
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def check_official(result: dict, split_label: str, source: str) -> None:
    """Raise :class:`InputError` (exit 3) unless ``result`` may be filed under ``split_label``.

    ``demo-*`` labels accept anything; any other label must be the result's own split and
    every pinned fingerprint of that (benchmark, split) must match.
    """
    if split_label.startswith(DEMO_PREFIX):
        return
    bench = result["benchmark"]
    name, split = bench["name"], bench.get("split")
    hint = (f"File it under a demo split (--split {DEMO_PREFIX}{split_label}) if it is not a result on the "
            "official data; see ovbench/leaderboard/official.py for how official fingerprints are pinned.")
    if split != split_label:
        raise InputError(f"{source}: the result was scored on split {split!r} of {name} but --split is "
                         f"{split_label!r}. Use --split {split} for official data. {hint}")
    pinned = OFFICIAL.get((name, split))
    if pinned is None:
        raise InputError(f"{source}: no official data fingerprint is pinned for {name}/{split}, so ovbench "
                         f"cannot tell this result from one on synthetic or edited data. {hint}")
    for path, accepted in pinned.items():
        got = _at(bench, path)
        if got not in accepted:
            raise InputError(f"{source}: benchmark.{path} is {got!r}, not the official {name}/{split} data "
                             f"(expected one of: {', '.join(sorted(accepted))}). {hint}")
