"""``ovbench demo``: the whole pipeline on built-in example data."""

from __future__ import annotations

import click

from .app import EXIT_CODES_HELP, main


@main.command(epilog=EXIT_CODES_HELP)
@click.option("--workdir", type=click.Path(file_okay=False), default=None,
              help="Keep the files the demo writes here (the Ov-SWiG split manifest and the four "
                   "result files; the example predictions it scores ship with ovbench, and the "
                   "report prints their paths); default: a temporary folder that is removed afterwards.")
def demo(workdir):
    """Run split -> predictions -> score on small built-in Ov-SWiG, HICO-DET, SWIG-HOI and V-COCO examples.

    Needs no data download: a small SWiG-format dataset (real verbs, roles and noun synsets)
    and HICO-DET- and SWIG-HOI-format examples ship with the package.
    """
    from ..demo import run_demo

    click.echo(run_demo(workdir), nl=False)
