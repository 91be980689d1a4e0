"""The ``ovbench`` click group: error handling and output helpers shared by every command.

Exit codes: 0 success, 1 internal error, 2 usage error, 3 invalid input or specification,
4 a check failed (regression, leakage). Data goes to stdout (or ``-o FILE``), messages to
stderr. Commands import their heavy modules lazily, so ``ovbench --help`` is instant.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import click

from .. import __version__
from ..errors import OvbenchError

EXIT_CODES_HELP = (
    "Exit codes: 0 success, 1 internal error, 2 usage error, "
    "3 invalid input or specification, 4 check failed."
)


class OvbenchGroup(click.Group):
    """A click group that maps ovbench errors to their exit codes, without tracebacks."""

    def invoke(self, ctx: click.Context):
        import warnings

        import numpy as np

        try:
            # Extreme but valid numbers (boxes at 1e308) overflow to inf/NaN inside the scorers,
            # where they simply fail to match; numpy's RuntimeWarnings would only add noise.
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                return super().invoke(ctx)
        except OvbenchError as exc:
            if ctx.find_root().params.get("debug"):
                traceback.print_exc()
            click.echo(f"ovbench: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            ctx.exit(1)
        except Exception as exc:  # an ovbench bug, not a user error
            if ctx.find_root().params.get("debug"):
                raise
            click.echo(
                f"ovbench: internal error: {type(exc).__name__}: {exc}\n"
                "Re-run with `ovbench --debug ...` for a traceback, and please report it.",
                err=True,
            )
            ctx.exit(1)


@click.group(cls=OvbenchGroup, epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ovbench")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def main(debug: bool) -> None:
    """ovbench: exact, reproducible scoring for Ov-SWiG (GSR) and HICO-DET (HOI).

    Start with `ovbench demo`, which runs the whole pipeline on built-in example data.
    """


@main.group(cls=OvbenchGroup, epilog=EXIT_CODES_HELP)
def split() -> None:
    """Generate, freeze, verify and list benchmark splits."""


def emit(data: str | bytes, output: str | Path | None) -> None:
    """Write command output to ``output`` atomically, or to stdout when it is None."""
    from ..jsonio import atomic_write

    if output is None:
        if isinstance(data, bytes):
            data = data.decode("utf-8")
        click.echo(data, nl=not data.endswith("\n"))
    else:
        atomic_write(output, data)
