"""Inputs of the CLIP baseline's CI configuration: a random-weight tiny model and generated images.

    python baselines/clip/ci/make_inputs.py WORKDIR

writes ``WORKDIR/model/tiny.pt`` (the state dict of ``ovbench-tiny.json``'s architecture,
``torch.manual_seed(0)``) and one noise image per image of the built-in demo data
(``WORKDIR/images/ov-swig/`` for the Ov-SWiG test split, ``WORKDIR/images/hico-det/``), each at
the size its annotation records, from ``numpy.random.default_rng(i)`` for the i-th image in file
order. Nothing is downloaded. Needs the ``clip`` extra (torch, open_clip, pillow).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "ovbench-tiny.json"


def write_model(folder: Path) -> Path:
    import open_clip
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    open_clip.add_model_config(CONFIG)
    torch.manual_seed(0)
    ckpt = folder / "tiny.pt"
    torch.save(open_clip.create_model("ovbench-tiny").state_dict(), ckpt)
    return ckpt


def write_images(folder: Path, sizes: list[tuple[str, int, int]]) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for seed, (name, width, height) in enumerate(sizes):
        rng = np.random.default_rng(seed)
        Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8)).save(folder / name)


def main(work: Path) -> None:
    import ovbench

    write_model(work / "model")
    swig = json.loads((ovbench.demo_data("ov-swig").annotations / "test.json").read_text())
    write_images(work / "images" / "ov-swig", [(k, v["width"], v["height"]) for k, v in swig.items()])
    hico = json.loads(ovbench.demo_data("hico-det").annotations.read_text())
    write_images(work / "images" / "hico-det", [(n, w, h) for n, (w, h) in zip(hico["filenames"], hico["size"])])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python baselines/clip/ci/make_inputs.py WORKDIR")
    main(Path(sys.argv[1]))
