"""``ovbench check``: fail (exit 4) when result files drift from expected numbers."""

from __future__ import annotations

import click

from .app import EXIT_CODES_HELP, emit, main


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("results", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--expected", "-e", type=click.Path(dir_okay=False), default=None,
              help="Expected-results file (ovbench.expected/1) to check RESULTS against.")
@click.option("--tolerance", "-t", type=float, default=None,
              help="Absolute tolerance; overrides the expected file's global tolerance "
                   "(per-block and per-metric tolerances still apply). Default: the file's, else 1e-9.")
@click.option("--write-expected", type=click.Path(dir_okay=False), default=None,
              help="Instead of checking, write an expected file pinning every metric of RESULTS.")
def check(results, expected, tolerance, write_expected):
    """Check RESULTS (files from `ovbench score -o`) against expected numbers.

    Exit 0 when every expected number is within tolerance; exit 4 with a diff table
    (metric, expected, got, delta) when any drifted; exit 3 when a file is invalid or
    tampered, or a result's benchmark, split or scorer version does not match.

    \b
    Examples:
      ovbench check result.json --expected expected.json
      ovbench check ov-swig/result.json hico-det/result.json -e golden.json --tolerance 1e-6
      ovbench check result.json --write-expected expected.json
    """
    from ..check import check_results, expected_from_results
    from ..jsonio import dump_bytes

    if write_expected:
        if expected:
            raise click.UsageError("give either --expected (check) or --write-expected (create), not both")
        emit(dump_bytes(expected_from_results(list(results), tolerance)), write_expected)
        click.echo(f"Wrote {write_expected}.", err=True)
        return
    if not expected:
        raise click.UsageError("--expected is required (or --write-expected to create one)")
    comparisons = check_results(list(results), expected, tolerance)
    click.echo(f"ok: {len(comparisons)} numbers in {len(results)} result file(s) within tolerance of {expected}")
