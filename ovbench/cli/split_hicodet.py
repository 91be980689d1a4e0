"""``ovbench split hico-det``: list the frozen zero-shot settings, filter training annotations,
check a training file for leaked unseen classes."""

from __future__ import annotations

import click

from .app import EXIT_CODES_HELP, OvbenchGroup, emit, split


@split.group("hico-det", cls=OvbenchGroup, invoke_without_command=True, epilog=EXIT_CODES_HELP)
@click.option("--list", "list_", is_flag=True, help="List every zero-shot setting with its size and sha256.")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output of --list.")
@click.option("--setting", default=None, help="Zero-shot setting: rf-uc, nf-uc, uo, uv, uc0..uc4.")
@click.option("--annotations", type=click.Path(dir_okay=False), default=None,
              help="TRAINING annotations (instances_train2015.json, trainval_hico.json, ...).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Where to write the filtered training annotations (same format as the input).")
@click.option("--protocol", type=click.Choice(["pairs", "images"]), default="pairs", show_default=True,
              help="pairs: drop the pairs carrying an unseen HOI (GEN-VLKT). images: drop whole images "
                   "with any unseen annotation (THID/CMD-SE).")
@click.option("--drop-no-interaction/--keep-no-interaction", default=None,
              help="Also drop no_interaction annotations (default: yes for --protocol images, as "
                   "THID/CMD-SE do; no for pairs).")
@click.pass_context
def hico_det(ctx, list_, fmt, setting, annotations, output, protocol, drop_no_interaction):
    """Frozen HICO-DET zero-shot splits.

    \b
    Examples:
      ovbench split hico-det --list
      ovbench split hico-det --setting rf-uc --annotations trainval_hico.json -o train_rf-uc.json
      ovbench split hico-det check-leakage --setting rf-uc --annotations train_rf-uc.json
    """
    if ctx.invoked_subcommand is not None:
        return
    from ..splits import hico

    if list_:
        settings = hico.list_settings()
        if fmt == "json":
            from ..jsonio import dump_bytes

            emit(dump_bytes({k: {"unseen": v["unseen"], "sha256": v["sha256"]} for k, v in settings.items()}), None)
        else:
            from tabulate import tabulate

            rows = [[k, v["size"], v["sha256"][:16], v["description"]] for k, v in settings.items()]
            emit(tabulate(rows, headers=["setting", "unseen", "sha256 (first 16)", "definition"]) + "\n", None)
        return
    if not (setting and annotations and output):
        raise click.UsageError("give --list, or --setting, --annotations and -o to filter training annotations "
                               "(or the check-leakage subcommand)")
    import orjson

    from ..jsonio import load_json
    from ..splits.hico_filter import filter_training

    hico.check_setting(setting)
    doc = load_json(annotations, "training annotation file")
    out, summary = filter_training(doc, setting, protocol, drop_no_interaction)
    # orjson directly: keys keep the input's order, and the reader already checked every number
    emit(orjson.dumps(out) + b"\n", output)
    click.echo(
        f"{output}: {summary['format']} format, setting {setting}, protocol {protocol}: kept "
        f"{summary['images_out']}/{summary['images_in']} images and {summary['annotations_out']}/"
        f"{summary['annotations_in']} annotations (dropped {summary['annotations_dropped_unseen']} unseen, "
        f"{summary['annotations_dropped_seen_on_unseen_pairs']} seen on unseen pairs, "
        f"{summary['annotations_dropped_seen_in_dropped_images']} seen in dropped images, "
        f"{summary['annotations_dropped_no_interaction']} no_interaction; "
        f"{summary['images_dropped']} images with unseen classes and {summary['images_dropped_empty']} left empty dropped; "
        f"no_interaction {'dropped' if summary['drop_no_interaction'] else 'kept'})",
        err=True,
    )


@hico_det.command("check-leakage", epilog=EXIT_CODES_HELP)
@click.option("--setting", required=True, help="Zero-shot setting: rf-uc, nf-uc, uo, uv, uc0..uc4.")
@click.option("--annotations", required=True, type=click.Path(dir_okay=False), help="TRAINING annotation file.")
def check_leakage(setting, annotations):
    """Exit 4 when the training annotations contain unseen classes of SETTING (listed with counts)."""
    from ..jsonio import load_json
    from ..splits.hico import check_setting
    from ..splits.hico_filter import check_leakage as check

    check_setting(setting)
    click.echo(check(load_json(annotations, "training annotation file"), setting, annotations))
