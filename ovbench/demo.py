"""The built-in demo: every stage of the pipeline on small example data shipped with ovbench."""

from __future__ import annotations

import tempfile
from pathlib import Path


def run_demo(workdir: str | Path | None = None) -> str:
    """Run the Ov-SWiG, HICO-DET, SWIG-HOI and V-COCO examples end to end and return the report text.

    The files it writes (the Ov-SWiG split manifest and the four result files) go under
    ``workdir``; the example predictions are read from the package. When ``workdir`` is None a
    temporary folder is used and removed afterwards.
    """
    from .benchmarks import hicodet, ovswig, swighoi, vcoco

    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="ovbench-demo-") as tmp:
            report = run_demo(tmp)
        return report + (
            "\nThe files above were written to a temporary folder, now removed; "
            "run `ovbench demo --workdir DIR` to keep them.\n"
        )
    root = Path(workdir)
    root.mkdir(parents=True, exist_ok=True)
    parts = [ovswig.run_demo(root / "ov-swig"), hicodet.run_demo(root / "hico-det"),
             swighoi.run_demo(root / "swig-hoi"), vcoco.run_demo(root / "v-coco")]
    return "\n".join(parts)
