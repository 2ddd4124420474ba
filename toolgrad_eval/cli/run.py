"""``toolgrad-eval run --model NAME --dataset RUN``: generate, score and (with --report) publish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from toolgrad_eval.cli.generate import generate_options, run_generation


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@generate_options
@click.option("--overwrite", is_flag=True, help="Regenerate every entry and replace the score files.")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="Run-record folder written [default: toolgrad-eval-out/bfcl/<model folder>].",
)
@click.option(
    "--report-dir",
    "--report",
    "report_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Publish the leaderboard (all run records under the run-record root) into this folder.",
)
def run(**options: Any) -> None:
    """Generate BFCL results from a served model, score them, and optionally publish the report."""
    from toolgrad_eval.bfcl.runner import run_bfcl
    from toolgrad_eval.cli.evaluate import default_output

    summary = run_generation(options, overwrite=options["overwrite"], then="; nothing was scored")
    folder = summary["folder"]
    output = options["output"] or default_output("bfcl", folder)
    run_bfcl(
        options["dataset"],
        folder,
        output,
        bfcl_data=options["bfcl_data"],
        overwrite=True,
        fetch=options["fetch_bfcl_data"],
        echo=click.echo,
    )
    if options["report_dir"] is not None:
        from toolgrad_eval.report import publish

        roots = [output.parent.parent] if options["output"] is None else [output]
        published = publish(roots, options["report_dir"])
        click.echo(f"Report: {published.index}")
