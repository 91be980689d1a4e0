"""``ovbench score``: score a predictions file against a benchmark."""

from __future__ import annotations

import click

from .app import EXIT_CODES_HELP, emit, main

FORMATS = ("table", "md", "csv", "json")


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("preds", type=click.Path())
@click.option("--benchmark", "-b", required=True,
              type=click.Choice(["ov-swig", "hico-det", "swig-hoi", "v-coco", "swig"]),
              help="Which benchmark the predictions are for (swig: closed-set SWiG, the original split).")
@click.option("--annotations", required=True, type=click.Path(),
              help="ov-swig: folder with dev.json/test.json (+ imsitu_space.json). "
                   "hico-det: the test annotation file (instances_test2015.json, test_hico.json "
                   "or test_hico_ann.json). swig-hoi: swig_test_1000.json (or its folder). v-coco: folder "
                   "with vcoco_<split>.json, instances_vcoco_all_2014.json and vcoco_<split>.ids (or "
                   "fredzzhang's instances_vcoco_<split>.json: pairs-24).")
@click.option("--split", type=click.Choice(["dev", "test", "val", "train", "trainval"]), default=None,
              help="[ov-swig: dev|test; swig-hoi: test (default) or val; v-coco: val|test|train|trainval] "
                   "Which split the predictions are for.")
@click.option("--scenario", type=click.Choice(["both", "1", "2"]), default=None,
              help="[v-coco] Role AP scenario(s) to report (default both).")
@click.option("--ties", type=click.Choice(["stable", "official"]), default=None,
              help="[v-coco] Order of tied scores: stable (default; input order) or official "
                   "(NumPy's default argsort, machine-dependent).")
@click.option("--manifest", type=click.Path(dir_okay=False), default=None,
              help="[ov-swig] Ov-SWiG split manifest (from `ovbench split ov-swig`): adds the "
                   "seen/rare/unseen subsets.")
@click.option("--averaging", type=click.Choice(["per-verb", "per-image"]), default=None,
              help="[ov-swig] Averaging unit: per-verb macro (imSitu/SWiG; default) or per-image "
                   "(CoFormer family).")
@click.option("--iou", type=click.Choice(["coformer", "swig"]), default=None,
              help="[ov-swig] Box IoU convention: coformer (continuous areas, IoU >= 0.5; default) "
                   "or swig (+1 pixel areas, IoU > 0.5).")
@click.option("--setting", default=None,
              help="[hico-det] Zero-shot setting (rf-uc, nf-uc, uo, uv, uc0..uc4): adds unseen/seen. "
                   "Several, comma-separated or all-uc (= uc0..uc4), are scored in one run: the table "
                   "shows each with their mean and std, and -o OUT.json writes OUT.<setting>.json each.")
@click.option("--profile", default=None,
              help="[hico-det] Evaluation profile: official (default), gen-vlkt or thid-cmdse. "
                   "[swig-hoi] ovbench (default: THID's protocol, stable ties) or thid (THID's tie order).")
@click.option("--box-frame", type=click.Choice(["model", "gt"]), default=None,
              help="[hico-det, v-coco] Frame of predicted boxes: model (0-based continuous) or gt (already in "
                   "the annotation file's 1-based pixel frame). Default: the predictions' "
                   "meta.box_frame, else model.")
@click.option("--ko-labels", type=click.Path(dir_okay=False), default=None,
              help="[hico-det] HICO image-level labels for the Known-Object setting "
                   "(anno.mat or a JSON file); default: derived from ground-truth object presence.")
@click.option("--nms", type=click.Choice(["gen-vlkt-triplet"]), default=None,
              help="[hico-det] Apply an evaluation-time NMS before scoring (off by default; "
                   "recorded in the result). gen-vlkt-triplet: GEN-VLKT's triplet NMS.")
@click.option("--bootstrap", "n_bootstrap", type=click.IntRange(min=2), default=None, metavar="N",
              help="Add percentile bootstrap confidence intervals from N resamples (e.g. 1000): "
                   "ov-swig images stratified by verb, hico-det images with AP recomputed. "
                   "See docs/statistics.md.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the bootstrap resamples (recorded; same seed, same bytes).")
@click.option("--confidence", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95,
              show_default=True, help="Confidence level of the bootstrap intervals.")
@click.option("--require-all-images", is_flag=True, default=False,
              help="Make test images without a prediction an error (exit 3) instead of a note "
                   "(they count as wrong/misses otherwise). For CI.")
@click.option("--method", default=None, help="Method name to record in the result.")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="What to print on stdout.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Also write the full result (JSON) to this file, atomically.")
def score(preds, benchmark, annotations, fmt, output, method, n_bootstrap, seed, confidence,
          require_all_images, **options):
    """Score PREDS (an ovbench predictions JSON file) on a benchmark.

    Prints the metrics table (--format) and, with -o, writes the full result file, which
    records the split hash, every protocol option, counts and the predictions' hash.

    \b
    Examples:
      ovbench score preds.json -b ov-swig --annotations SWiG_jsons --split test --manifest ov-swig.json
      ovbench score dets.json -b hico-det --annotations instances_test2015.json --setting rf-uc
      ovbench score dets.json -b swig-hoi --annotations swig_test_1000.json
      ovbench score preds.json -b ov-swig --annotations SWiG_jsons --split test --bootstrap 1000 --seed 0
    """
    from ..benchmarks import get_benchmark
    from ..jsonio import dump_bytes
    from ..results import save_result

    bench = get_benchmark(benchmark)
    given = {k: v for k, v in options.items() if v is not None}
    for key in given:
        if key not in bench.CLI_OPTIONS:
            raise click.UsageError(f"--{key.replace('_', '-')} does not apply to --benchmark {benchmark}")
    if benchmark == "ov-swig" and options.get("split") is None:
        raise click.UsageError("-b ov-swig needs --split dev or --split test (the split the predictions are for)")
    if n_bootstrap is None and (seed != 0 or confidence != 0.95):
        raise click.UsageError("--seed and --confidence apply to --bootstrap N; add --bootstrap")
    if n_bootstrap is not None:
        given.update(bootstrap=n_bootstrap, seed=seed, confidence=confidence)
    if require_all_images:
        given["require_all_images"] = True
    setting = given.get("setting")
    if benchmark == "hico-det" and setting is not None and ("," in setting or setting.startswith("all-")):
        return _score_settings(bench, preds, annotations, method, given, fmt, output)
    result = bench.score_files(preds, annotations=annotations, method=method, **given)
    if output:
        save_result(output, result)
    emit(dump_bytes(result) if fmt == "json" else bench.render(result, fmt), None)
    if fmt == "csv":  # table and md carry their notes, json its counts; csv gets them on stderr
        for note in getattr(bench, "notes", lambda r: [])(result):
            click.echo(note, err=True)


def _score_settings(bench, preds, annotations, method, given, fmt, output):
    """Several HICO-DET settings in one run: one result file each, a summary on stdout."""
    from pathlib import Path

    from ..jsonio import atomic_write, dump_bytes

    settings = given.pop("setting")
    results = bench.score_settings(preds, settings, annotations=annotations, method=method, **given)
    summary = bench.setting_summary(results)
    if output:
        out = Path(output)
        files = {out.with_name(f"{out.stem}.{name}{out.suffix or '.json'}"): dump_bytes(result)
                 for name, result in results.items()}  # all serialised before any file is written
        for path, data in files.items():
            atomic_write(path, data)
    emit(bench.render_summary(summary, fmt), None)
