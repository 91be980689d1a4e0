"""``ovbench baseline clip``: the zero-shot open_clip baseline (needs the ``clip`` extra)."""

from __future__ import annotations

import click

from .app import EXIT_CODES_HELP, OvbenchGroup, emit, main


@main.group(cls=OvbenchGroup, epilog=EXIT_CODES_HELP)
def baseline() -> None:
    """Run a built-in baseline and write ovbench predictions."""


@baseline.command(epilog=EXIT_CODES_HELP)
@click.option("--benchmark", "-b", required=True, type=click.Choice(["ov-swig", "hico-det"]))
@click.option("--annotations", required=True, type=click.Path(exists=True),
              help="ov-swig: SWiG_jsons folder (dev.json/test.json + imsitu_space.json). "
                   "hico-det: instances_test2015.json.")
@click.option("--images", required=True, type=click.Path(exists=True, file_okay=False),
              help="Folder of the benchmark's images (images_512/ or hico_20160224_det/images/test2015/).")
@click.option("--model", required=True, help="open_clip architecture, e.g. ViT-B-32.")
@click.option("--pretrained", required=True,
              help="open_clip pretrained tag (e.g. laion2b_s34b_b79k) or a local checkpoint file.")
@click.option("--model-config", type=click.Path(dir_okay=False, exists=True), default=None,
              help="JSON config of a custom open_clip architecture (registered with add_model_config).")
@click.option("--split", type=click.Choice(["dev", "test"]), default=None,
              help="[ov-swig] Split to run on (default test).")
@click.option("--detections", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Detections JSON ({image: [{box, score[, label]}]}); hico-det default: oracle boxes.")
@click.option("--prompts", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Prompt-template file (default: the packaged clip_v1.json).")
@click.option("--batch-size", type=int, default=32, show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--method", default=None, help="Method name to record.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the predictions here (atomically); default: stdout.")
def clip(benchmark, output, split, **options):
    """Zero-shot CLIP: rank verbs/nouns (ov-swig) or HOI classes of human-object pairs (hico-det).

    \b
    Real weights (downloaded by open_clip on first use):
      ovbench baseline clip -b ov-swig --annotations SWiG_jsons --images images_512 \\
          --model ViT-B-32 --pretrained laion2b_s34b_b79k --split test -o clip_ovswig.json
      ovbench baseline clip -b hico-det --annotations instances_test2015.json \\
          --images hico_20160224_det/images/test2015 --model ViT-B-32 \\
          --pretrained laion2b_s34b_b79k -o clip_hico.json
    """
    from ..baselines.clip import require_clip, run_baseline
    from ..jsonio import dump_bytes

    require_clip()
    if benchmark == "ov-swig":
        options["split"] = split or "test"
    else:
        options["split"] = split
    result = run_baseline(benchmark, **options)
    emit(dump_bytes(result, check_finite=False), output)  # validated finite while built
