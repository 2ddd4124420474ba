"""``toolgrad-eval baselines``: the Gemma-3 baseline reproduced from the official BFCL archive's real run."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="NAME",
    help="Reported model to reproduce (gemma-3-4b), repeatable [default: all].",
)
@click.option(
    "--from",
    "source",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    default=None,
    help="Read the archive's files from this local copy (offline) instead of downloading them.",
)
@click.option(
    "--output",
    "-o",
    "--runs",
    "runs",
    type=click.Path(path_type=Path),
    default=Path("toolgrad-eval-out/baselines"),
    show_default=True,
    help="Where the downloaded files and the run records go.",
)
@click.option(
    "--report-dir",
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=Path("reports/baselines"),
    show_default=True,
    help="Where the leaderboard site goes.",
)
@click.option(
    "--bfcl-data",
    "--bfcl_data",
    "bfcl_data",
    type=click.Path(path_type=Path),
    default=None,
    help="BFCL v4 data folder [default: the data cache; fetched once if missing, as `bfcl-data fetch v4`].",
)
def baselines(models: tuple[str, ...], source: Path | None, runs: Path, out: Path, bfcl_data: Path | None) -> None:
    """Score the official BFCL archive's real Gemma-3 run and show it beside the model card's numbers.

    \b
    toolgrad-eval baselines                       # fetch at the pinned commit, score, publish
    toolgrad-eval baselines --from ARCHIVE_COPY/  # offline, from a local copy (checked the same way)
    """
    from tabulate import tabulate

    from toolgrad_eval.baselines import ARCHIVE_COMMIT, ARCHIVE_REPO, reproduce_baselines

    result = reproduce_baselines(models, runs, out, source=source, bfcl_data=bfcl_data, echo=click.echo)
    failed = []
    for outcome in result.outcomes:
        base = outcome.baseline
        click.echo(f"{outcome.label}: {base.folder} from {ARCHIVE_REPO} @ {ARCHIVE_COMMIT[:7]} ({base.run_date})")
        click.echo(f"  files: {outcome.files_from}")
        rows = [
            [c.label, _num(c.reported), _num(c.reproduced), _signed(c.difference), "yes" if c.agrees else "NO"]
            for c in outcome.cells
        ]
        click.echo(
            tabulate(
                rows,
                headers=["Column", outcome.source, "Reproduced", "Δ", "Agrees"],
                tablefmt="github",
                disable_numparse=True,
            )
        )
        agree = sum(c.agrees for c in outcome.cells)
        click.echo(f"{agree} of {len(outcome.cells)} cells agree with the card to its two printed decimals.")
        pinned = [c for c in outcome.counts if c.agrees is not None]
        same = sum(bool(c.agrees) for c in pinned)
        unpinned = ", ".join(c.category for c in outcome.counts if c.agrees is None)
        click.echo(
            f"Official checker: our correct counts equal the archive's own score files in {same} of {len(pinned)} "
            f"categories{f' (no archive count pinned for {unpinned})' if unpinned else ''}."
        )
        for c in pinned:
            if not c.agrees:
                click.echo(f"  {c.category}: ours {c.ours[0]}/{c.ours[1]}, archive {c.archive[0]}/{c.archive[1]}")  # type: ignore[index]
        for note in outcome.notes:
            click.echo(f"Card note: {note}")
        click.echo(f"Run record: {outcome.run_dir}\n")
        if not outcome.ok:
            failed.append(outcome.label)
    click.echo(f"Report: {result.report_index}")
    if failed:
        click.echo(f"Error: not reproduced: {', '.join(failed)} (see the rows marked NO above)", err=True)
        raise SystemExit(1)


def _num(value: float | None) -> str:
    return "N/A" if value is None else f"{value:.2f}"


def _signed(value: float | None) -> str:
    if value is None:
        return "N/A"
    if abs(value) < 0.005:
        return "±0.00"
    return f"{value:+.2f}".replace("-", "−")
