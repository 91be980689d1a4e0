"""``ovbench compare``: paired difference of two result files, with interval and p-value."""

from __future__ import annotations

import click

from .app import EXIT_CODES_HELP, emit, main

FORMATS = ("table", "md", "csv", "json")


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("result_a", type=click.Path(dir_okay=False))
@click.argument("result_b", type=click.Path(dir_okay=False))
@click.option("--bootstrap", "n_bootstrap", type=click.IntRange(min=2), default=1000, show_default=True,
              metavar="N", help="Paired bootstrap resamples (the interval and the p-value both come from them).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the resamples.")
@click.option("--confidence", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95,
              show_default=True, help="Confidence level of the interval of B - A.")
@click.option("--preds-a", type=click.Path(), default=None,
              help="Predictions of A (default: the path recorded in A's result).")
@click.option("--preds-b", type=click.Path(), default=None,
              help="Predictions of B (default: the path recorded in B's result).")
@click.option("--annotations", type=click.Path(), default=None,
              help="Annotations (default: the paths recorded in the results).")
@click.option("--manifest", type=click.Path(dir_okay=False), default=None,
              help="[ov-swig] Split manifest (default: the paths recorded in the results).")
@click.option("--ko-labels", type=click.Path(dir_okay=False), default=None,
              help="[hico-det] Known-Object labels, if the results used them.")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="What to print on stdout.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the output to this file (atomically) instead of stdout.")
def compare(result_a, result_b, n_bootstrap, seed, confidence, preds_a, preds_b, annotations, manifest,
            ko_labels, fmt, output):
    """Is B better than A? Paired difference B - A per metric, its interval and p-value.

    RESULT_A and RESULT_B are result files (`ovbench score -o`) of the same benchmark, split,
    manifest/setting and scorer options (otherwise exit 3). Their predictions are re-read and
    re-scored (sha256 and every number must match the result files), then the same resampled
    images are used for both. A difference is significant when p < 1 - confidence, i.e. exactly
    when its interval excludes 0.

    \b
    Examples:
      ovbench compare a.json b.json
      ovbench compare a.json b.json --bootstrap 2000 --seed 1 -f md -o compare.md
    """
    from ..jsonio import dump_bytes
    from ..stats.paired import compare as run_compare
    from ..stats.paired import render

    cmp = run_compare(result_a, result_b, n=n_bootstrap, seed=seed, confidence=confidence, preds_a=preds_a,
                      preds_b=preds_b, annotations=annotations, manifest=manifest, ko_labels=ko_labels)
    emit(dump_bytes(cmp) if fmt == "json" else render(cmp, fmt), output)
