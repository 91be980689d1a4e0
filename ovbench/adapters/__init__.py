"""Adapters: third-party methods' native outputs -> validated ovbench predictions.

Each adapter follows one upstream repository (:attr:`AdapterInfo.upstream_repo`), maps that
method's own index orders to names (verbs, noun synsets, HOI ids), undoes its box space, records
every post-processing choice in ``meta.postprocess`` and validates what it produces before anything
is written. The registry is an explicit table: registering a name twice raises, and an unknown
name raises :class:`~ovbench.errors.SpecError` listing the registered ones::

    from ovbench.adapters import convert, list_adapters
    preds = convert("cmd-se", "output/preds.pkl")           # -> {"predictions": ..., "meta": ...}
    preds = convert("clipsitu", "dev.pkl", annotations="SWiG_jsons", split="dev",
                    verb_scores="dev_scores.pkl")

Adapter modules import nothing heavy at import time; the CoFormer-family model loop imports
torch lazily, inside the function that runs a model.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from ..errors import SpecError, did_you_mean


@dataclass(frozen=True)
class AdapterInfo:
    """One registered adapter: what it reads and which upstream code it follows."""

    name: str
    benchmark: str  # "ov-swig", "hico-det" or "v-coco"
    module: str  # module path; it defines ``convert(raw, *, info, **options)``
    method: str  # default method name recorded in meta
    upstream_repo: str
    upstream_files: tuple[str, ...]
    input_format: str
    version: str = "1"
    variant: dict[str, Any] = field(default_factory=dict)
    geometry: str = ""  # the box space the method writes (docs table)
    index_orders: str = ""  # the orders its indices follow (docs table)
    user_passes: str = ""  # what the user must give besides the raw output (docs table)


_REGISTRY: dict[str, AdapterInfo] = {}


def register(info: AdapterInfo) -> AdapterInfo:
    """Add an adapter; a name can be registered once."""
    if info.name in _REGISTRY:
        raise ValueError(f"adapter {info.name!r} is already registered (by {_REGISTRY[info.name].module})")
    _REGISTRY[info.name] = info
    return info


_GSR_MODEL = "ovbench.adapters.coformer"
_FORWARD = "forward outputs per candidate verb: .npz (collect_outputs) or model + loader"
for _name, _method, _repo, _files, _variant in (
    ("coformer", "CoFormer", "jhcho99/CoFormer",
     ("datasets/swig.py", "util/misc.py", "util/box_ops.py", "models/coformer.py", "inference.py"),
     {"canvas": 700, "min_side": 512, "max_side": 700, "noun_key": "pred_noun_3"}),
    ("gsrtr", "GSRTR", "jhcho99/GSRTR",
     ("datasets/swig.py", "util/misc.py", "models/gsrtr.py"),
     {"canvas": 400, "min_side": 300, "max_side": 400, "noun_key": "pred_noun"}),
    ("opensu", "OpenSU", "RuipingL/OpenSU",
     ("datasets/swig.py", "util/misc.py", "models/coformer.py"),
     {"canvas": 700, "min_side": 512, "max_side": 700, "noun_key": "pred_noun_3"}),
    ("mipd", "MIPD (Ov-GSR)", "caicch/Ov-GSR",
     ("datasets/swig.py", "models/ovgsr.py", "models/transformer.py", "util/misc.py"),
     {"canvas": 336, "min_side": 246, "max_side": 336, "noun_key": "pred_noun"}),
):
    register(AdapterInfo(
        _name, "ov-swig", _GSR_MODEL, _method, _repo, _files, _FORWARD, variant=_variant,
        version="2" if _name == "gsrtr" else "1",  # gsrtr 2: 300/400/400 geometry
        geometry=(f"sigmoid cxcywh / canvas {_variant['canvas']}; Resizer min side {_variant['min_side']}, "
                  f"max side {_variant['max_side']}"),
        index_orders=(f"pred_verb: verb_indices.txt; {_variant['noun_key']}: train_classes.csv; "
                      "role rows: imsitu_space order of the conditioning verb"),
        user_passes=("SWiG_jsons vocabulary; resized width/height + shifts + scale in the .npz, "
                     "or --annotations with the original sizes and --split")))

register(AdapterInfo(
    "clipsitu", "ov-swig", "ovbench.adapters.clipsitu", "ClipSitu", "LUNAProject22/CLIPSitu",
    ("utils/imsitu_encoder.py", "train_and_eval.py", "verb_pred.py", "main.py"),
    "saved_noun_preds/<split>.pkl + --verb-scores <split>_scores.pkl",
    geometry="no boxes (null)",
    index_orders=("verbs: first appearance in its train.json; roles: first appearance per verb "
                  "(verb2_role_dict); nouns as strings"),
    user_passes="--annotations = the --dataset_folder it was run with (default ./imSitu), --split"))
register(AdapterInfo(
    "jsl", "ov-swig", "ovbench.adapters.jsl", "JSL (SWiG)", "allenai/swig",
    ("JSL/verb/main.py", "JSL/inference.py"),
    "results.json + --top5 top_5_verbs.json",
    geometry="integer images_512 pixels, null when existence <= 0",
    index_orders="nouns and boxes in imsitu_space order of the top-1 verb; verbs as names",
    user_passes="--top5 top_5_verbs.json, --vocab SWiG_jsons"))
for _name, _method, _repo, _files in (
    ("cmd-se", "CMD-SE", "ltttpku/CMD-SE-release", ("engine.py", "datasets/hico_evaluator.py", "models/model.py")),
    ("thid", "THID", "scwangdyd/promting_hoi", ("engine.py", "datasets/hico_evaluator.py", "models/model.py")),
):
    register(AdapterInfo(_name, "hico-det", "ovbench.adapters.cmdse", _method, _repo, _files,
                         "preds.pkl (HICOEvaluator.save_preds)",
                         geometry="xyxy original-image pixels, clamped to the image",
                         index_orders="0-based official HICO-DET HOI ids; HICO_test2015_%08d image ids",
                         user_passes="nothing"))
for _name, _method, _repo, _files in (
    ("cmd-se-swig-hoi", "CMD-SE", "ltttpku/CMD-SE-release",
     ("engine.py", "datasets/swig_evaluator.py", "datasets/swig.py", "models/model.py")),
    ("thid-swig-hoi", "THID", "scwangdyd/promting_hoi",
     ("engine.py", "datasets/swig_evaluator.py", "datasets/swig.py", "models/model.py")),
):
    register(AdapterInfo(_name, "swig-hoi", "ovbench.adapters.swighoi", _method, _repo, _files,
                         "preds.pkl (SWiGEvaluator.save_preds) + --annotations swig_test_1000.json",
                         geometry="xyxy original-image pixels, clamped to the image",
                         index_orders="SWIG-HOI interaction ids (text_mapper applied); img_id of the annotation file",
                         user_passes="--annotations swig_test_1000.json"))
for _name, _method, _repo, _files in (
    ("gen-vlkt", "GEN-VLKT", "YueLiao/gen-vlkt", ("datasets/hico_eval_triplet.py", "models/gen_vlkt.py")),
    ("hoiclip", "HOICLIP", "Artanic30/HOICLIP", ("datasets/datasets_gen/hico_eval_triplet.py",)),
):
    register(AdapterInfo(_name, "hico-det", "ovbench.adapters.genvlkt", _method, _repo, _files,
                         "results.json repr dump (args.json_file) or evaluator.preds", version="2",
                         geometry="xyxy original-image pixels",
                         index_orders="category_id: 0-based official HOI id; subject_id/object_id index predictions",
                         user_passes="nothing"))

for _name, _method, _repo in (("upt-hico", "UPT", "fredzzhang/upt"), ("pvic-hico", "PViC", "fredzzhang/pvic")):
    register(AdapterInfo(_name, "hico-det", "ovbench.adapters.upthico", _method, _repo,
                         ("utils.py", "hicodet/hicodet.py"),
                         "cache_hico folder of detections_XX.mat + --annotations instances_test2015.json",
                         geometry="original-image pixels with x2, y2 minus 1 (undone by default: --mat-offset undo)",
                         index_orders="file detections_XX.mat per object; cell (HOI of that object, image in the "
                                      "annotation file's filenames order)",
                         user_passes="--annotations instances_test2015.json (the file the cache was written with)"))

for _name, _method, _repo in (("qpic-vcoco", "QPIC", "hitachi-rd-cv/qpic"), ("cdn-vcoco", "CDN", "YueLiao/CDN"),
                              ("gen-vlkt-vcoco", "GEN-VLKT", "YueLiao/gen-vlkt")):
    register(AdapterInfo(_name, "v-coco", "ovbench.adapters.vcocoofficial", _method, _repo,
                         ("generate_vcoco_official.py",), "generate_vcoco_official.py pickle (official format)",
                         geometry="continuous original-image pixels; NaN role box = no role object",
                         index_orders="official keys <action>_agent, <action>_<role>; COCO image ids",
                         user_passes="nothing"))

for _name, _method, _repo in (("upt-vcoco", "UPT", "fredzzhang/upt"), ("pvic-vcoco", "PViC", "fredzzhang/pvic")):
    register(AdapterInfo(_name, "v-coco", "ovbench.adapters.uptvcoco", _method, _repo, ("utils.py",),
                         "cache_vcoco cache.pkl (CacheTemplate dicts)",
                         geometry="continuous original-image pixels",
                         index_orders="official keys <action>_agent, <action>_<role>; COCO image ids; "
                                      "CacheTemplate fillers written out and counted",
                         user_passes="nothing"))


def get_adapter(name: str) -> AdapterInfo:
    """The registered adapter ``name``; :class:`SpecError` with the choices otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        names = ", ".join(sorted(_REGISTRY))
        raise SpecError(
            f"unknown adapter {name!r}; registered adapters: {names}.{did_you_mean(name, _REGISTRY)} "
            "See `ovbench convert --list`."
        ) from None


def list_adapters() -> list[AdapterInfo]:
    """Every registered adapter, sorted by name."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def docs_table() -> str:
    """The adapter table of ``docs/adapters.md``, generated from the registry (a test checks the
    docs hold exactly this, so docs and code cannot drift)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    rows = ["| adapter | benchmark | upstream | input | geometry | index orders | user passes |",
            "|---|---|---|---|---|---|---|"]
    for a in list_adapters():
        rows.append(f"| `{a.name}` | {a.benchmark} | {a.upstream_repo} | {cell(a.input_format)} | "
                    f"{cell(a.geometry)} | {cell(a.index_orders)} | {cell(a.user_passes)} |")
    return "\n".join(rows) + "\n"


def convert(name: str, raw: Any, **options: Any) -> dict[str, Any]:
    """Convert ``raw`` (a path, or an in-memory object where the adapter allows it) with adapter
    ``name``; returns ``{"predictions": ..., "meta": ...}``, already validated."""
    from ..jsonio import gc_paused

    info = get_adapter(name)
    module = importlib.import_module(info.module)
    with gc_paused():  # millions of small containers: the cyclic collector only slows this down
        return module.convert(raw, info=info, **options)


def convert_json(name: str, raw: Any, **options: Any) -> bytes:
    """The output file's bytes for :func:`convert`: exactly
    ``dump_bytes(convert(name, raw, **options), check_finite=False)`` (what ``ovbench convert``
    writes), built directly from arrays where the adapter can (no per-detection objects)."""
    from ..jsonio import dump_bytes, gc_paused

    info = get_adapter(name)
    module = importlib.import_module(info.module)
    with gc_paused():
        direct = getattr(module, "convert_json", None)
        if direct is not None:
            return direct(raw, info=info, **options)
        return dump_bytes(module.convert(raw, info=info, **options), check_finite=False)


__all__ = ["AdapterInfo", "convert", "convert_json", "docs_table", "get_adapter", "list_adapters", "register"]
