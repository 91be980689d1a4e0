"""``ovbench diagnose``: why a HICO-DET method scores what it scores (error decomposition)."""

from __future__ import annotations

import click

from .app import EXIT_CODES_HELP, emit, main

FORMATS = ("md", "csv", "json", "html")


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("preds", type=click.Path(), nargs=-1, required=True)
@click.option("--benchmark", "-b", default="hico-det", type=click.Choice(["hico-det", "ov-swig"]), show_default=True,
              help="Benchmark of the predictions.")
@click.option("--annotations", required=True, type=click.Path(),
              help="hico-det: the test annotation file; ov-swig: the SWiG folder.")
@click.option("--setting", default=None, help="[hico-det] Zero-shot setting (adds unseen/seen columns).")
@click.option("--split", type=click.Choice(["dev", "test"]), default=None, help="[ov-swig] Split of the predictions.")
@click.option("--manifest", type=click.Path(dir_okay=False), default=None,
              help="[ov-swig] Split manifest (marks the unseen verbs).")
@click.option("--box-frame", type=click.Choice(["model", "gt"]), default=None,
              help="Frame of predicted boxes (default: the predictions' meta.box_frame, else model).")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write to this file (atomically) instead of stdout.")
def diagnose(preds, benchmark, annotations, setting, split, manifest, box_frame, fmt, output):
    """Error decomposition of PREDS: each false positive's error type, missed pairs, and the
    mAP gain when an oracle fixes each type (official profile; docs/diagnostics.md).
    With -b ov-swig: per-verb and per-role tables, grounding failures, verb confusions and
    accuracy against training frequency.

    \b
    Example:
      ovbench diagnose dets.json --annotations instances_test2015.json --setting rf-uc -f html -o diag.html
      ovbench diagnose preds.json -b ov-swig --annotations SWiG_jsons --split test --manifest ov-swig.json
      ovbench diagnose a.json b.json --annotations instances_test2015.json     # where B gains/loses vs A
    """
    if len(preds) > 2:
        raise click.UsageError("give one predictions file, or two (A B) for a diff")
    if len(preds) == 2:
        from ..diagnostics.diff import diff, render_diff
        from ..jsonio import dump_bytes

        if fmt == "html":
            raise click.UsageError("a diff is printed as md, csv or json")
        reps = [_report(p, benchmark, annotations, setting, split, manifest, box_frame) for p in preds]
        d = diff(*reps)
        emit(dump_bytes(d) if fmt == "json" else render_diff(d, fmt), output)
        return
    preds = preds[0]
    import os

    from ..annotations.hico import load_annotations
    from ..benchmarks.hicodet import resolve_box_frame
    from ..diagnostics import hoi as dg
    from ..diagnostics.render import render, report
    from ..jsonio import dump_bytes
    from ..predictions.hoi import load_predictions
    from ..splits import hico as splits

    if benchmark == "ov-swig":
        if setting or box_frame:
            raise click.UsageError("--setting and --box-frame apply to -b hico-det")
        from ..diagnostics.gsr import diagnose_files
        from ..diagnostics.render import render_gsr

        rep = diagnose_files(preds, annotations=annotations, split=split, manifest=manifest)
        emit(dump_bytes(rep) if fmt == "json" else render_gsr(rep, fmt), output)
        return
    if split or manifest:
        raise click.UsageError("--split and --manifest apply to -b ov-swig")
    unseen = splits.unseen_ids(splits.check_setting(setting)) if setting else None
    gt = load_annotations(annotations)
    det = load_predictions(preds, gt.image_index())
    frame = resolve_box_frame(box_frame, det.meta, os.fspath(preds))
    diag = dg.diagnose(gt, det, box_frame=frame, unseen=unseen)
    rep = report(diag, det, title=det.meta.get("name") or os.path.basename(os.fspath(preds)))
    emit(dump_bytes(rep) if fmt == "json" else render(rep, fmt), output)


def _report(preds, benchmark, annotations, setting, split, manifest, box_frame) -> dict:
    """The JSON report of one predictions file (what ``-f json`` prints)."""
    import os

    if benchmark == "ov-swig":
        from ..diagnostics.gsr import diagnose_files

        return diagnose_files(preds, annotations=annotations, split=split, manifest=manifest)
    from ..annotations.hico import load_annotations
    from ..benchmarks.hicodet import resolve_box_frame
    from ..diagnostics import hoi as dg
    from ..diagnostics.render import report
    from ..predictions.hoi import load_predictions
    from ..splits import hico as splits

    unseen = splits.unseen_ids(splits.check_setting(setting)) if setting else None
    gt = load_annotations(annotations)
    det = load_predictions(preds, gt.image_index())
    frame = resolve_box_frame(box_frame, det.meta, os.fspath(preds))
    diag = dg.diagnose(gt, det, box_frame=frame, unseen=unseen)
    return report(diag, det, title=det.meta.get("name") or os.path.basename(os.fspath(preds)))
