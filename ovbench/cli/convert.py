"""``ovbench convert``: a method's native output -> ovbench predictions (see :mod:`ovbench.adapters`)."""

from __future__ import annotations

import click

from .app import EXIT_CODES_HELP, emit, main


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("raw_output", required=False, type=click.Path())
@click.option("--from", "method_from", metavar="METHOD", help="Adapter name (see --list).")
@click.option("--list", "list_only", is_flag=True, help="List the adapters and exit.")
@click.option("--benchmark", "-b", type=click.Choice(["ov-swig", "hico-det", "swig-hoi", "v-coco"]), default=None,
              help="Check that the adapter targets this benchmark.")
@click.option("--annotations", type=click.Path(), default=None,
              help="[ov-swig] SWiG_jsons folder (or a split JSON): vocabularies, ClipSitu's orders, "
                   "image sizes. [swig-hoi] swig_test_1000.json: maps img_id to file names. "
                   "[upt-hico, pvic-hico] the annotation file the cache was written with "
                   "(instances_test2015.json: image order).")
@click.option("--vocab", type=click.Path(file_okay=False), default=None,
              help="[ov-swig] Folder with verb_indices.txt, train_classes.csv, role_indices.txt, "
                   "imsitu_space.json (default: the --annotations folder).")
@click.option("--split", type=click.Choice(["dev", "test"]), default=None,
              help="[ov-swig] Split the output is for (ClipSitu; CoFormer family without letterbox arrays).")
@click.option("--top5", type=click.Path(dir_okay=False), default=None, help="[jsl] top_5_verbs.json.")
@click.option("--verb-scores", type=click.Path(dir_okay=False), default=None,
              help="[clipsitu] verb_pred.py --save_scores pickle ({image: 504 logits}).")
@click.option("--verbs-kept", type=int, default=None,
              help="[coformer family, clipsitu] Verbs kept per image (default 5).")
@click.option("--special-nouns", type=click.Choice(["drop", "next-best"]), default=None,
              help="[coformer family] oov/Pad argmax: leave the role out (default) or take the best real class.")
@click.option("--mat-offset", type=click.Choice(["undo", "keep"]), default=None,
              help="[upt-hico, pvic-hico] undo cache_hico's x2-1, y2-1 (default) or keep the MATLAB values.")
@click.option("--method", default=None, help="Method name to record (default: the adapter's).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the predictions here (atomically); default: stdout.")
def convert(raw_output, method_from, list_only, benchmark, output, **options):
    """Convert RAW_OUTPUT, written by METHOD's own code, into ovbench predictions.

    The output records the adapter, the upstream repository it follows, every post-processing
    choice and the sha256 of the raw input(s) in its "meta" block.

    \b
    Examples:
      ovbench convert --list
      ovbench convert --from cmd-se output/preds.pkl -o cmdse.json
      ovbench convert --from gen-vlkt results.json -o genvlkt.json
      ovbench convert --from clipsitu saved_noun_preds/test.pkl --verb-scores test_scores.pkl \\
          --annotations SWiG_jsons --split test -o clipsitu.json
      ovbench convert --from jsl results.json --top5 top_5_verbs.json --vocab SWiG_jsons -o jsl.json
      ovbench convert --from mipd outputs.npz --vocab SWiG_jsons -o mipd.json
      ovbench convert --from upt-hico matlab/ --annotations instances_test2015.json -o upt.json
      ovbench convert --from thid-swig-hoi output/preds.pkl --annotations swig_test_1000.json -o thid.json
    """
    from ..adapters import get_adapter, list_adapters

    if list_only:
        from tabulate import tabulate

        rows = [(a.name, a.benchmark, a.upstream_repo, a.input_format) for a in list_adapters()]
        emit(tabulate(rows, headers=["adapter", "benchmark", "upstream", "input"], tablefmt="github"), None)
        return
    if not method_from or not raw_output:
        raise click.UsageError("give --from METHOD and RAW_OUTPUT (or --list)")
    info = get_adapter(method_from)
    if benchmark and benchmark != info.benchmark:
        raise click.UsageError(f"adapter {info.name!r} produces {info.benchmark} predictions, not {benchmark}")
    from ..adapters import convert_json

    given = {k: v for k, v in options.items() if v is not None}
    emit(convert_json(info.name, raw_output, **given), output)  # validated by the adapter
