"""``ovbench leaderboard``: render, extend and document a leaderboard folder."""

from __future__ import annotations

from pathlib import Path

import click

from .app import EXIT_CODES_HELP, emit, main

_FORMATS = ("md", "latex", "csv", "html", "json")
_SUFFIX = {".md": "md", ".tex": "latex", ".csv": "csv", ".html": "html", ".htm": "html", ".json": "json"}


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("directory", required=False, default="leaderboard", type=click.Path(file_okay=False))
@click.option("--benchmark", "-b", default=None, help="Benchmark of the table (ov-swig, hico-det).")
@click.option("--split", "-s", default=None,
              help="Split folder of the table (e.g. test, dev, demo-test); with --add, the split label to file under.")
@click.option("--format", "-f", "fmt", type=click.Choice(_FORMATS), default=None,
              help="Output format; default: from the -o extension, else md.")
@click.option("--digits", type=int, default=2, show_default=True, help="Decimals of percentages (md, latex, html).")
@click.option("--sort", "sort", default=None, help="Sort rows by this column key (best first); default: paper order.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write to FILE (atomically).")
@click.option("--readme", is_flag=True, help="Write DIRECTORY/README.md with every table and how to add entries, and "
              "DIRECTORY/pages/<benchmark>-<split>.html for every table.")
@click.option("--check-readme", is_flag=True, help="Exit 4 when DIRECTORY/README.md or a page is not up to date.")
@click.option("--add", "add", type=click.Path(dir_okay=False), default=None,
              help="Add a result file (from `ovbench score -o`) as a reproduced entry (needs --split).")
@click.option("--method", default=None, help="With --add: the method name (default: the result's).")
@click.option("--pretrained-detector/--no-pretrained-detector", default=None,
              help="With --add: record whether the method uses a pretrained detector (HICO-DET).")
@click.option("--intervals", is_flag=True,
              help="Show the bootstrap confidence interval of each reproduced value (results scored with "
                   "`ovbench score --bootstrap`); reported numbers have none.")
@click.option("--significance", is_flag=True,
              help="Mark (≈) reproduced values not significantly different from their column's best reproduced "
                   "value (paired bootstrap; re-reads each result's predictions). Reported rows are not compared.")
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=2), default=None,
              help="With --significance: paired bootstrap resamples.  [default: 1000]")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="With --significance: seed of the resamples.  [default: 0]")
@click.option("--confidence", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="With --significance: confidence level of the paired intervals.  [default: 0.95]")
def leaderboard(directory, benchmark, split, fmt, digits, sort, output, readme, check_readme, add, method,
                pretrained_detector, intervals, significance, n_boot, seed, confidence):
    """Render the table of one benchmark and split from a leaderboard folder.

    DIRECTORY (default: leaderboard) holds <benchmark>/<split>/<method>.json entries:
    numbers reported in papers (with citations) and results reproduced with ovbench (pinned
    by hash), shown in separate sections. See docs/leaderboard.md.

    \b
    Examples:
      ovbench leaderboard leaderboard/ -b ov-swig -s demo-test --format latex
      ovbench leaderboard leaderboard/ -b hico-det -s demo-test -o hico.html
      ovbench leaderboard leaderboard/ --add result.json --split test
      ovbench leaderboard leaderboard/ -b ov-swig -s test --intervals --significance --bootstrap 1000
      ovbench leaderboard leaderboard/ --readme
    """
    from ..errors import CheckFailed
    from ..leaderboard import add_reproduced, build_table, load_entries, render
    from ..jsonio import atomic_write
    from ..leaderboard.readme import PAGES, render_site

    if add:
        if not split:
            raise click.UsageError("--add needs --split (the split label to file the entry under)")
        path = add_reproduced(directory, add, split, method, pretrained_detector=pretrained_detector)
        click.echo(f"Added {path}; regenerate the README with `ovbench leaderboard {directory} --readme`.", err=True)
        return
    if readme or check_readme:
        files = render_site(directory)
        pages = Path(directory) / PAGES
        stale = sorted(p.name for p in pages.glob("*.html") if f"{PAGES}/{p.name}" not in files) if pages.is_dir() else []
        if check_readme:
            outdated = [name for name, text in files.items()
                        if not (Path(directory) / name).exists()
                        or (Path(directory) / name).read_text(encoding="utf-8") != text]
            outdated += [f"{PAGES}/{name} (no such table any more)" for name in stale]
            if outdated:
                raise CheckFailed(f"{directory}: generated files out of date: {', '.join(outdated)}; regenerate "
                                  f"them with `ovbench leaderboard {directory} --readme`")
            click.echo(f"{Path(directory) / 'README.md'} and {len(files) - 1} pages are up to date.", err=True)
        else:
            for name in stale:
                (pages / name).unlink()
            for name, text in files.items():
                (Path(directory) / name).parent.mkdir(parents=True, exist_ok=True)
                atomic_write(Path(directory) / name, text.encode("utf-8"))
        return
    if not benchmark or not split:
        raise click.UsageError("give --benchmark and --split (or --readme / --add)")
    if fmt is None:
        fmt = _SUFFIX.get(Path(output).suffix.lower(), "md") if output else "md"
    if not significance and (n_boot, seed, confidence) != (None, None, None):
        raise click.UsageError("--bootstrap, --seed and --confidence need --significance (a table's intervals "
                               "come from the results, scored with `ovbench score --bootstrap`)")
    options = None
    if significance:
        from ..leaderboard.significance import SignificanceOptions

        options = SignificanceOptions(n=1000 if n_boot is None else n_boot, seed=0 if seed is None else seed,
                                      confidence=0.95 if confidence is None else confidence)
    table = build_table(load_entries(directory), benchmark, split, digits=digits, sort=sort,
                        intervals=intervals, significance=options)
    emit(render(table, fmt), output)
