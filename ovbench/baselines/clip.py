"""Zero-shot open_clip baseline for Ov-SWiG (GSR) and HICO-DET (HOI).

Needs the ``clip`` extra (``pip install "ovbench[clip]"``: torch, open_clip_torch, pillow, tqdm);
nothing else in ovbench imports this module. Any open_clip architecture works, with either an
open_clip pretrained tag (``--model ViT-B-32 --pretrained laion2b_s34b_b79k``) or a local
checkpoint file (``--pretrained /path/model.pt``); a custom architecture can be registered from
its JSON config (``model_config=``, open_clip's ``add_model_config``).

Prompt templates are versioned package data (``ovbench/data/prompts/clip_v1.json``); text
classifiers are built with open_clip's own ``build_zero_shot_classifier``. Every choice that moves
the numbers (model, tag or checkpoint sha256, open_clip version, preprocessing, prompt file hash,
precision, verbs kept, box mode) goes into ``meta``. Benchmark-specific steps live in
:mod:`ovbench.baselines.clip_gsr` and :mod:`ovbench.baselines.clip_hoi`.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
from pathlib import Path
from typing import Any

from ..errors import InputError, SpecError
from ..jsonio import parse_json, read_bytes, sha256_file, sha256_hex

INSTALL_HINT = 'the CLIP baseline needs the "clip" extra: pip install "ovbench[clip]"'
DEFAULT_PROMPTS = "clip_v1.json"


def require_clip():
    """Import torch and open_clip, or raise :class:`SpecError` saying which extra to install."""
    try:
        import open_clip
        import torch
    except ImportError as exc:
        raise SpecError(f"{INSTALL_HINT} (missing: {exc.name})") from None
    return torch, open_clip


def load_prompts(path: str | os.PathLike | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The prompt set (packaged ``clip_v1.json`` by default) and its identity (name, version, sha256)."""
    if path is None:
        ref = importlib.resources.files("ovbench.data") / "prompts" / DEFAULT_PROMPTS
        data = ref.read_bytes()
        where = f"ovbench/data/prompts/{DEFAULT_PROMPTS}"
    else:
        data = read_bytes(path, "prompt file")
        where = str(path)
    prompts = parse_json(data, where)
    for key in ("gsr_verb", "gsr_noun", "gsr_role_group", "hoi", "hoi_class", "hoi_no_interaction"):
        if key not in prompts:
            raise InputError(f"{where}: prompt file lacks {key!r}")
    ident = {"file": where, "name": str(prompts.get("name")), "version": str(prompts.get("version")),
             "sha256": hashlib.sha256(data).hexdigest()}
    return prompts, ident


def pick_device(device: str, torch) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise SpecError("--device cuda: no CUDA device is available (use --device cpu or auto)")
    return device


class ClipModel:
    """An open_clip model, its eval preprocessing and tokenizer, plus what identifies them."""

    def __init__(self, model: str, pretrained: str, *, device: str = "auto",
                 model_config: str | os.PathLike | None = None):
        torch, open_clip = require_clip()
        self.torch = torch
        self.open_clip = open_clip
        self.device = pick_device(device, torch)
        if model_config is not None:
            cfg = Path(model_config)
            if not cfg.is_file():
                raise InputError(f"{cfg}: model config not found")
            open_clip.add_model_config(cfg)
            model = model or cfg.stem
        if model not in open_clip.list_models() and not model.startswith(("hf-hub:", "local-dir:")):
            from ..errors import did_you_mean

            raise SpecError(f"unknown open_clip model {model!r}.{did_you_mean(model, open_clip.list_models())} "
                            "See open_clip.list_models(), or pass --model-config CONFIG.json")
        is_file = os.path.isfile(pretrained)
        if not is_file and pretrained not in open_clip.list_pretrained_tags_by_model(model):
            tags = ", ".join(open_clip.list_pretrained_tags_by_model(model)) or "none"
            raise InputError(f"--pretrained {pretrained!r}: neither a checkpoint file nor an open_clip tag "
                             f"of {model!r} (tags: {tags})")
        try:
            net, _, preprocess = open_clip.create_model_and_transforms(model, pretrained=pretrained,
                                                                       device=self.device)
        except (RuntimeError, OSError, KeyError) as exc:
            raise InputError(f"cannot load open_clip model {model!r} with pretrained {pretrained!r}: {exc}") from None
        net.eval()
        self.net, self.preprocess = net, preprocess
        self.resolved: list[list[str]] = []  # every template list used, in order
        self.tokenizer = open_clip.get_tokenizer(model)
        cfg = getattr(net.visual, "preprocess_cfg", None) or {}
        self.identity = {
            "model": model,
            "pretrained": os.path.basename(pretrained) if is_file else pretrained,
            "pretrained_kind": "checkpoint" if is_file else "open_clip tag",
            "checkpoint_sha256": sha256_file(pretrained) if is_file else None,
            "open_clip": open_clip.__version__,
            "torch": torch.__version__,
            "precision": "fp32",
            "preprocess": {k: (list(v) if isinstance(v, tuple) else v) for k, v in dict(cfg).items()},
        }
        if not is_file:
            pcfg = open_clip.get_pretrained_cfg(model, pretrained) or {}
            self.identity["pretrained_source"] = {k: pcfg[k] for k in ("hf_hub", "url") if pcfg.get(k)}

    def templates(self, spec) -> list[str]:
        """A prompt-file entry as format strings: a list as is, or ``"open_clip:NAME"`` for
        open_clip's own template list ``NAME`` (``open_clip.zero_shot_metadata``), resolved
        here and hashed into ``meta.prompts.resolved_sha256``."""
        if isinstance(spec, str) and spec.startswith("open_clip:"):
            from open_clip import zero_shot_metadata

            name = spec.split(":", 1)[1]
            found = getattr(zero_shot_metadata, name, None)
            if not isinstance(found, (list, tuple)):
                raise InputError(f"prompt entry {spec!r}: open_clip has no template list {name!r}")
            out = [t("{}") if callable(t) else str(t) for t in found]
        elif isinstance(spec, list) and spec and all(isinstance(t, str) and "{}" in t for t in spec):
            out = list(spec)
        else:
            raise InputError(f"prompt entry {spec!r}: expected a list of templates with '{{}}' or 'open_clip:NAME'")
        self.resolved.append(out)
        return out

    def classifier(self, classnames: list[str], templates):
        """(D, C) text classifier from open_clip's ``build_zero_shot_classifier``."""
        templates = self.templates(templates)
        return self.open_clip.build_zero_shot_classifier(
            self.net, self.tokenizer, classnames, templates, num_classes_per_batch=64,
            device=self.device, use_tqdm=False)

    def encode_images(self, items: list, load, batch_size: int, desc: str):
        """L2-normalised features (N, D) of ``load(item)`` (a PIL image) for each item, in batches,
        with a tqdm progress bar on stderr."""
        from tqdm.auto import tqdm

        torch = self.torch
        if batch_size < 1:
            raise SpecError(f"--batch-size must be >= 1, got {batch_size}")
        feats = []
        with torch.no_grad():
            for start in tqdm(range(0, len(items), batch_size), desc=desc, disable=None):
                batch = torch.stack([self.preprocess(load(it)) for it in items[start:start + batch_size]])
                feats.append(self.net.encode_image(batch.to(self.device), normalize=True).float().cpu())
        return torch.cat(feats) if feats else None

    def logit_scale(self) -> float:
        return float(self.net.logit_scale.exp().item())


def baseline_meta(clip: ClipModel, prompt_id: dict[str, str], *, method: str, postprocess: dict[str, Any],
                  sources: list, extra: dict[str, Any]) -> dict[str, Any]:
    """The ``meta`` block of baseline predictions (same keys as the adapters' plus the model's)."""
    return {
        "method": method,
        "adapter": "baseline-clip",
        "adapter_version": "1",
        "upstream": {"repo": "mlfoundations/open_clip", "files": ["src/open_clip/zero_shot_classifier.py"]},
        "postprocess": postprocess,
        "clip": clip.identity,
        "prompts": {**prompt_id, "resolved_sha256": sha256_hex(clip.resolved)},
        "device": clip.device,
        "source_sha256": {Path(p).name: sha256_file(p) for p in sources if p is not None},
        **extra,
    }


def open_image(folder: Path, name: str):
    from PIL import Image

    path = folder / name
    try:
        with Image.open(path) as im:
            return im.convert("RGB")
    except FileNotFoundError:
        raise InputError(f"{path}: image not found (is --images the folder holding the benchmark's images?)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read image: {exc}") from None


def run_baseline(benchmark: str, **options) -> dict[str, Any]:
    """``ovbench baseline clip``: dispatch to the GSR or HOI baseline."""
    if benchmark == "ov-swig":
        from .clip_gsr import run_gsr

        return run_gsr(**options)
    if benchmark == "hico-det":
        from .clip_hoi import run_hoi

        return run_hoi(**options)
    raise SpecError(f"unknown benchmark {benchmark!r}; expected ov-swig or hico-det")
