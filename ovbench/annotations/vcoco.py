"""V-COCO ground truth: the official evaluator's triple, and fredzzhang's pairs format.

Official triple (s-gupta/v-coco ``vsrl_eval.py``): ``vcoco_<split>.json`` (26 actions with their
roles, per-person labels and role object ids), ``instances_vcoco_all_2014.json`` (COCO instances:
boxes and image sizes) and ``vcoco_<split>.ids`` (image ids, ascending). Read into
:class:`VcocoGroundTruth` exactly as ``VCOCOeval._get_vcocodb`` builds it: per image, every COCO
object in annotation-file order (pycocotools' ``getAnnIds(iscrowd=None)`` contract), ``ignore == 1``
skipped, boxes ``x2 = x1 + max(0, w - 1)`` clipped to the image, kept when ``area > 0``, ``x2 > x1``
and ``y2 > y1``, stored float32; persons are COCO category 1; a person that V-COCO did not annotate
gets label -1 for every action (an ignore region).

fredzzhang/vcoco ``instances_vcoco_<split>.json`` (UPT, PViC, CL-HOI) only keeps pairs with a
visible object: it is loaded as a ``pairs-24`` ground truth, never labelled Scenario 1/2.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..jsonio import load_json, read_bytes

#: The 26 actions and their roles, in the order of the official json (part of the format).
ACTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hold", ("agent", "obj")), ("stand", ("agent",)), ("sit", ("agent", "instr")),
    ("ride", ("agent", "instr")), ("walk", ("agent",)), ("look", ("agent", "obj")),
    ("hit", ("agent", "instr", "obj")), ("eat", ("agent", "obj", "instr")),
    ("jump", ("agent", "instr")), ("lay", ("agent", "instr")), ("talk_on_phone", ("agent", "instr")),
    ("carry", ("agent", "obj")), ("throw", ("agent", "obj")), ("catch", ("agent", "obj")),
    ("cut", ("agent", "instr", "obj")), ("run", ("agent",)), ("work_on_computer", ("agent", "instr")),
    ("ski", ("agent", "instr")), ("surf", ("agent", "instr")), ("skateboard", ("agent", "instr")),
    ("smile", ("agent",)), ("drink", ("agent", "instr")), ("kick", ("agent", "obj")),
    ("point", ("agent", "instr")), ("read", ("agent", "obj")), ("snowboard", ("agent", "instr")),
)
ACTION_NAMES = tuple(a for a, _ in ACTIONS)
N_ACTIONS = 26
#: The 25 role entries: (action index, role slot 0/1, "action_role" key of the detection format).
ROLE_ENTRIES: tuple[tuple[int, int, str], ...] = tuple(
    (a, r, f"{name}_{role}") for a, (name, roles) in enumerate(ACTIONS) for r, role in enumerate(roles[1:]))
AGENT_KEYS = tuple(f"{name}_agent" for name in ACTION_NAMES)
ROLE_KEYS = tuple(key for _, _, key in ROLE_ENTRIES)
POINT_KEY = "point_instr"
PERSON_CATEGORY = 1


@dataclass
class VcocoGroundTruth:
    """Ground truth in ``_get_vcocodb``'s terms, flattened over images (split order).

    ``person_*`` arrays have one row per GT person (COCO person kept), grouped by image:
    ``person_image`` (image index), ``person_box`` (float32 x1 y1 x2 y2, inclusive pixels),
    ``person_label`` (N x 26 int8: 1, 0, or -1 for an unannotated person), ``person_role_box``
    (N x 26 x 2 x 4 float32, NaN where the person has no role object for that action and slot).
    """

    image_ids: np.ndarray            # int64, split order (ascending)
    person_image: np.ndarray
    person_box: np.ndarray
    person_label: np.ndarray
    person_role_box: np.ndarray
    source_format: str               # "vcoco-official" or "pairs-24"
    split: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_images(self) -> int:
        return int(len(self.image_ids))

    def image_index(self) -> dict[int, int]:
        return {int(i): k for k, i in enumerate(self.image_ids.tolist())}

    def npos(self) -> np.ndarray:
        """#positives per action (26), as the official evaluator counts them."""
        return (self.person_label == 1).sum(axis=0).astype(np.int64)

    @property
    def scenarios_defined(self) -> bool:
        return self.source_format == "vcoco-official"


def find_triple(annotations: str | os.PathLike, split: str) -> tuple[Path, Path, Path]:
    """The three official files of ``split`` in folder ``annotations`` (also looked up in the
    official repository layout ``data/vcoco``, ``data/splits``, ``data/instances...``)."""
    root = Path(annotations)
    if not root.is_dir():
        raise InputError(f"{root}: expected a folder holding vcoco_{split}.json, "
                         f"instances_vcoco_all_2014.json and vcoco_{split}.ids")
    want = {"vcoco": f"vcoco_{split}.json", "instances": "instances_vcoco_all_2014.json", "ids": f"vcoco_{split}.ids"}
    found = {}
    for key, name in want.items():
        for sub in ("", "vcoco", "splits", "instances", "data", "data/vcoco", "data/splits", "data/instances"):
            p = root / sub / name
            if p.is_file():
                found[key] = p
                break
        else:
            raise InputError(f"{root}: {name} not found (the official V-COCO triple is vcoco_{split}.json, "
                             f"instances_vcoco_all_2014.json and vcoco_{split}.ids)")
    return found["vcoco"], found["instances"], found["ids"]


def load_annotations(annotations: str | os.PathLike, split: str = "val") -> VcocoGroundTruth:
    """Load ``annotations``: a folder with the official triple of ``split``, or fredzzhang's
    ``instances_vcoco_<split>.json`` file (``pairs-24``)."""
    path = Path(annotations)
    if path.is_file():
        return load_pairs(path, split)
    return load_official(*find_triple(path, split), split=split)


def _read_ids(path: Path) -> np.ndarray:
    text = read_bytes(path, "V-COCO ids file").decode("utf-8", "replace")
    ids = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            value = float(line)
        except ValueError:
            raise InputError(f"{path}: line {n}: expected an image id, got {line[:40]!r}") from None
        if value != int(value):
            raise InputError(f"{path}: line {n}: image id {line!r} is not an integer")
        ids.append(int(value))
    return np.asarray(ids, dtype=np.int64)


def load_official(vcoco_json: str | os.PathLike, instances_json: str | os.PathLike,
                  ids_file: str | os.PathLike, split: str | None = None) -> VcocoGroundTruth:
    """The official triple as ``VCOCOeval._get_vcocodb`` reads it, validated (errors name the file)."""
    vcoco_json, instances_json, ids_file = Path(vcoco_json), Path(instances_json), Path(ids_file)
    ids = _read_ids(ids_file)
    vsrl = load_json(vcoco_json, "V-COCO annotation file")
    src = str(vcoco_json)
    if not isinstance(vsrl, list) or len(vsrl) != N_ACTIONS:
        raise InputError(f"{src}: expected a list of {N_ACTIONS} action entries")
    rows = None
    labels = []
    roles = []
    for a, (entry, (name, role_names)) in enumerate(zip(vsrl, ACTIONS)):
        if not isinstance(entry, dict):
            raise InputError(f"{src}: entry {a}: expected an object")
        for key in ("action_name", "role_name", "image_id", "ann_id", "label", "role_object_id"):
            if key not in entry:
                raise InputError(f"{src}: action {a}: field {key!r} missing")
        if entry["action_name"] != name or tuple(entry["role_name"]) != role_names:
            raise InputError(f"{src}: action {a}: expected {name} with roles {list(role_names)}, got "
                             f"{entry['action_name']!r} with {entry['role_name']!r}")
        try:
            ann = np.asarray(entry["ann_id"], dtype=np.int64).reshape(-1)
            img = np.asarray(entry["image_id"], dtype=np.int64).reshape(-1)
            lab = np.asarray(entry["label"], dtype=np.int64).reshape(-1)
            rid = np.asarray(entry["role_object_id"], dtype=np.int64).reshape(len(role_names), -1).T
        except (TypeError, ValueError) as exc:
            raise InputError(f"{src}: action {name}: malformed arrays ({exc})") from None
        if not (len(ann) == len(img) == len(lab) == len(rid)):
            raise InputError(f"{src}: action {name}: image_id, ann_id, label and role_object_id lengths differ")
        if rows is None:
            rows = (img, ann)
        elif not (np.array_equal(rows[0], img) and np.array_equal(rows[1], ann)):
            raise InputError(f"{src}: action {name}: its rows are not the same persons as action hold's")
        if not np.isin(lab, (0, 1)).all():
            raise InputError(f"{src}: action {name}: field 'label' holds values other than 0/1")
        if (lab == 1).any() and not np.array_equal(rid[lab == 1, 0], ann[lab == 1]):
            raise InputError(f"{src}: action {name}: role_object_id column 0 differs from ann_id")
        labels.append(lab)
        pad = np.zeros((len(ann), 2), dtype=np.int64)
        pad[:, : rid.shape[1] - 1] = rid[:, 1:]
        roles.append(pad)
    img_rows, ann_rows = rows
    if len(np.unique(ann_rows)) != len(ann_rows):
        raise InputError(f"{src}: a person (ann_id) appears in more than one row")
    if not np.array_equal(np.unique(img_rows), ids):
        if np.array_equal(np.unique(img_rows), np.unique(ids)):
            raise InputError(f"{ids_file}: image ids are not in ascending order (the official evaluator "
                             "asserts they are; sort the file)")
        raise InputError(f"{ids_file}: its image ids differ from the images of {vcoco_json.name}")
    label = np.stack(labels, axis=1)                # rows x 26
    role_id = np.stack(roles, axis=1)               # rows x 26 x 2
    row_of_ann = {int(a): k for k, a in enumerate(ann_rows.tolist())}

    coco = load_json(instances_json, "COCO instances file")
    isrc = str(instances_json)
    if not isinstance(coco, dict) or "images" not in coco or "annotations" not in coco:
        raise InputError(f"{isrc}: expected a COCO instances file (images, annotations, categories)")
    cats = coco.get("categories") or []
    cat_ids = sorted(int(c["id"]) for c in cats) if cats else []
    if PERSON_CATEGORY not in cat_ids:
        raise InputError(f"{isrc}: categories do not include person (id 1)")
    person_json = cat_ids[0]                        # contiguous id 1 = first of getCatIds()
    want = set(ids.tolist())
    sizes = {}
    for im in coco["images"]:
        if int(im["id"]) in want:
            sizes[int(im["id"])] = (float(im["width"]), float(im["height"]))
    missing = want - set(sizes)
    if missing:
        raise InputError(f"{isrc}: image {min(missing)} of the split is not in 'images' ({len(missing)} missing)")
    per_image: dict[int, list] = {i: [] for i in want}
    for k, obj in enumerate(coco["annotations"]):
        iid = obj.get("image_id")
        if iid in per_image:
            per_image[iid].append(obj)

    p_img, p_box, p_lab, p_role = [], [], [], []
    for k, iid in enumerate(ids.tolist()):
        W, H = sizes[iid]
        objs = per_image[iid]
        boxes, ann_ids, cls = [], [], []
        for obj in objs:
            if obj.get("ignore") == 1:
                continue
            try:
                x, y, w, h = (float(v) for v in obj["bbox"])
                area = float(obj["area"])
            except (KeyError, TypeError, ValueError):
                raise InputError(f"{isrc}: image {iid}: annotation {obj.get('id')!r}: field 'bbox' or "
                                 "'area' missing or malformed") from None
            x2 = x + max(0.0, w - 1.0)
            y2 = y + max(0.0, h - 1.0)
            x1c, y1c = min(W - 1.0, max(0.0, x)), min(H - 1.0, max(0.0, y))
            x2c, y2c = min(W - 1.0, max(0.0, x2)), min(H - 1.0, max(0.0, y2))
            if area > 0 and x2c > x1c and y2c > y1c:
                boxes.append((x1c, y1c, x2c, y2c))
                ann_ids.append(int(obj["id"]))
                cls.append(int(obj["category_id"]))
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        pos = {a: j for j, a in enumerate(ann_ids)}
        for j, (aid, c) in enumerate(zip(ann_ids, cls)):
            if c != person_json:
                continue
            row = row_of_ann.get(aid)
            rb = np.full((N_ACTIONS, 2, 4), np.nan, dtype=np.float32)
            if row is None:
                lab = np.full(N_ACTIONS, -1, dtype=np.int8)
            else:
                lab = label[row].astype(np.int8)
                for a in np.flatnonzero(lab == 1):
                    for r in range(2):
                        oid = int(role_id[row, a, r])
                        if oid == 0:
                            continue
                        if oid not in pos:
                            raise InputError(f"{src}: image {iid}: person {aid}: {ACTION_NAMES[a]} role object "
                                             f"{oid} is not a valid object of the image in {instances_json.name}")
                        rb[a, r] = boxes[pos[oid]]
            p_img.append(k)
            p_box.append(boxes[j])
            p_lab.append(lab)
            p_role.append(rb)
    kept_ann = {int(obj["id"]) for iid in ids.tolist() for obj in per_image[iid]}
    lost = [int(a) for a in ann_rows.tolist() if int(a) not in kept_ann]
    notes = []
    if lost:  # the official evaluator silently drops them too (they never become GT persons)
        notes.append(f"{len(lost)} annotated V-COCO persons have no COCO annotation in "
                     f"{instances_json.name} (first: ann_id {lost[0]}); they are not scored, as officially")
    n = len(p_img)
    return VcocoGroundTruth(
        image_ids=ids,
        person_image=np.asarray(p_img, dtype=np.int64),
        person_box=np.asarray(p_box, dtype=np.float32).reshape(n, 4),
        person_label=np.asarray(p_lab, dtype=np.int8).reshape(n, N_ACTIONS),
        person_role_box=np.asarray(p_role, dtype=np.float32).reshape(n, N_ACTIONS, 2, 4),
        source_format="vcoco-official", split=split, notes=notes,
    )


def load_pairs(path: str | os.PathLike, split: str | None = None) -> VcocoGroundTruth:
    """fredzzhang/vcoco ``instances_vcoco_<split>.json`` as a ``pairs-24`` ground truth.

    One GT person per distinct human box of an image; a person is positive for an action when it
    has a pair of one of the action's roles; boxes ``[x1, y1, x2, y2]`` are moved to the official
    inclusive frame (``x2 - 1``, ``y2 - 1``). Positives without a visible object, agent-only actions,
    ``point``, unannotated persons and images without pairs are not in the file: the scores are
    a ``pairs-24`` role AP, not Scenario 1 or 2.
    """
    path = Path(path)
    data = load_json(path, "fredzzhang V-COCO file")
    src = str(path)
    if not isinstance(data, dict) or not {"images", "annotations", "classes"} <= set(data):
        raise InputError(f"{src}: expected fredzzhang's format (images, annotations, classes)")
    classes = [str(c).replace(" ", "_") for c in data["classes"]]
    entry_of = {key: k for k, (_, _, key) in enumerate(ROLE_ENTRIES)}
    try:
        cls_entry = [entry_of[c] for c in classes]
    except KeyError as exc:
        raise InputError(f"{src}: field 'classes': unknown action-role {exc.args[0]!r}") from None
    if len(data["images"]) != len(data["annotations"]):
        raise InputError(f"{src}: 'images' and 'annotations' lengths differ")
    keep = [k for k, a in enumerate(data["annotations"]) if len(a.get("actions", []))]
    ids = np.asarray([int(data["images"][k]) for k in keep], dtype=np.int64)
    p_img, p_box, p_lab, p_role = [], [], [], []
    for k_new, k in enumerate(keep):
        ann = data["annotations"][k]
        try:
            bh = np.asarray(ann["boxes_h"], dtype=np.float64).reshape(-1, 4)
            bo = np.asarray(ann["boxes_o"], dtype=np.float64).reshape(-1, 4)
            act = np.asarray(ann["actions"], dtype=np.int64).reshape(-1)
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{src}: image {data['images'][k]}: malformed boxes_h/boxes_o/actions ({exc})") from None
        if not (len(bh) == len(bo) == len(act)) or (act < 0).any() or (act >= len(classes)).any():
            raise InputError(f"{src}: image {data['images'][k]}: boxes_h, boxes_o and actions disagree")
        bh[:, 2:] -= 1.0
        bo[:, 2:] -= 1.0
        persons: dict[tuple, int] = {}
        for h in bh.astype(np.float32):
            persons.setdefault(tuple(h.tolist()), len(persons))
        lab = np.zeros((len(persons), N_ACTIONS), dtype=np.int8)
        rb = np.full((len(persons), N_ACTIONS, 2, 4), np.nan, dtype=np.float32)
        for h, o, c in zip(bh.astype(np.float32), bo.astype(np.float32), act):
            p = persons[tuple(h.tolist())]
            a, r, _ = ROLE_ENTRIES[cls_entry[c]]
            lab[p, a] = 1
            rb[p, a, r] = o
        for box, p in persons.items():
            p_img.append(k_new)
            p_box.append(box)
            p_lab.append(lab[p])
            p_role.append(rb[p])
    n = len(p_img)
    return VcocoGroundTruth(
        image_ids=ids, person_image=np.asarray(p_img, dtype=np.int64),
        person_box=np.asarray(p_box, dtype=np.float32).reshape(n, 4),
        person_label=np.asarray(p_lab, dtype=np.int8).reshape(n, N_ACTIONS),
        person_role_box=np.asarray(p_role, dtype=np.float32).reshape(n, N_ACTIONS, 2, 4),
        source_format="pairs-24", split=split,
        notes=[f"{len(data['images']) - len(keep)} images without pairs dropped",
               "pairs-24: only pairs with a visible object; not Scenario 1 or 2"],
    )
