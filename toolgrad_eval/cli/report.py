"""``toolgrad-eval report --report-dir reports/NAME/``: publish the leaderboard as a static site."""

from __future__ import annotations

from pathlib import Path

import click

from toolgrad_eval.errors import ConfigError

DEFAULT_RUNS = Path("toolgrad-eval-out")
DEFAULT_OUT = Path("reports") / "leaderboard"


def _parse_matches(values: tuple[str, ...]) -> dict[str, str]:
    matches = {}
    for value in values:
        reproduced, sep, reported = value.partition("=")
        if not sep or not reproduced.strip() or not reported.strip():
            raise ConfigError(f"--match {value!r}: expected REPRODUCED=REPORTED, e.g. my-gemma=gemma-3-4b")
        matches[reproduced.strip()] = reported.strip()
    return matches


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--runs",
    "runs",
    multiple=True,
    type=click.Path(path_type=Path),
    help=f"Run-record folder read, searched recursively (repeatable) [default: {DEFAULT_RUNS}].",
)
@click.option(
    "--report-dir",
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Folder the site is written into (index.html, models/, leaderboard.md, *.csv).",
)
@click.option(
    "--match",
    "match",
    multiple=True,
    metavar="REPRODUCED=REPORTED",
    help="Compare run model REPRODUCED with reported model REPORTED (id or label, e.g. gemma-3-4b); repeatable.",
)
@click.option("--title", default=None, help="Page title [default: the leaderboard's standard title].")
@click.option(
    "--diff",
    "diffs",
    multiple=True,
    metavar="A=B",
    help="Also publish a per-sample diff page of run B against run A (run names); repeatable. "
    "Configured base -> fine-tune pairs get one anyway.",
)
@click.option(
    "--series",
    "series",
    multiple=True,
    metavar="RUNS",
    help="Publish a checkpoint sweep page (sweep.html): run names in order, comma-separated, or a glob "
    "such as 'my-model-step*' (natural order).",
)
@click.option(
    "--include-synthetic",
    "--include_synthetic",
    "include_synthetic",
    is_flag=True,
    help="Also show run records of SYNTHETIC demo data (left out by default, so the demo never enters "
    "a report of your own runs).",
)
def report(
    runs: tuple[Path, ...],
    out: Path,
    match: tuple[str, ...],
    title: str | None,
    diffs: tuple[str, ...],
    series: tuple[str, ...],
    include_synthetic: bool,
) -> None:
    """Publish the leaderboard: reported numbers next to reproduced run records, as a static site."""
    from toolgrad_eval.leaderboard import DEFAULT_TITLE
    from toolgrad_eval.report import publish
    from toolgrad_eval.report.comparisons import parse_diff_pairs

    published = publish(
        list(runs) or [DEFAULT_RUNS],
        out,
        matches=_parse_matches(match),
        title=title or DEFAULT_TITLE,
        diffs=parse_diff_pairs(diffs),
        series=series,
        include_synthetic=include_synthetic,
    )
    for message in published.leaderboard.messages:
        click.echo(f"note: {message}", err=True)
    board = published.leaderboard
    synthetic = sum(run.synthetic for run in board.runs)
    click.echo(
        f"{len(board.runs)} run record(s) ({synthetic} synthetic), {len(board.pages)} model page(s), "
        f"{published.size_bytes / 1024:.0f} KiB in {len(published.files)} files"
    )
    click.echo(f"Report: {published.index}")
