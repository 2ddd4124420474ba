"""``toolgrad-eval demo``: the whole pipeline on the shipped synthetic data, no key, no network."""

from __future__ import annotations

from pathlib import Path

import click

from toolgrad_eval.units import percent


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--output",
    "-o",
    "--runs",
    "runs",
    type=click.Path(path_type=Path),
    default=Path("toolgrad-eval-demo"),
    show_default=True,
    help="Where the demo's run records go: apart from toolgrad-eval-out/, where `report` and `diff` look for "
    "your runs (a report leaves synthetic records out anyway, unless --include-synthetic).",
)
@click.option(
    "--report-dir",
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=Path("reports/demo"),
    show_default=True,
    help="Where the demo leaderboard site goes.",
)
@click.option(
    "--cache-dir",
    "--cache_dir",
    "cache_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Judgment cache [default: <output>/judge-cache].",
)
def demo(runs: Path, out: Path, cache_dir: Path | None) -> None:
    """Score the SYNTHETIC demo models on ToolGrad-5k, BFCL and ToolBench, then publish the leaderboard."""
    from tabulate import tabulate

    from toolgrad_eval.demo import run_demo

    result = run_demo(runs, out, cache_dir=cache_dir or runs / "judge-cache", echo=click.echo)
    click.echo("SYNTHETIC demo data: made-up tools and questions, simulated model outputs. Do not cite.\n")
    click.echo("ToolGrad-5k (synthetic)")
    click.echo(
        tabulate(
            [
                [m, percent(s["recall"], 4), percent(s["success_rate"], 4), f"{s['qor']:.3f}"]
                for m, s in result.toolgrad5k.items()
            ],
            headers=["Model", "Recall %", "Success Rate %", "QoR"],
            tablefmt="github",
            disable_numparse=True,
        )
    )
    click.echo("\nBFCL (synthetic)")
    columns = ["non_live_overall", "live_overall", "relevance", "irrelevance"]
    click.echo(
        tabulate(
            [[m] + [_pct(s["aggregates"].get(c)) for c in columns] for m, s in result.bfcl.items()],
            headers=["Model", "Non-live overall", "Live overall", "Relevance", "Irrelevance"],
            tablefmt="github",
            disable_numparse=True,
        )
    )
    click.echo("\nToolBench (synthetic; win rate against demo-toolbench-chatgpt-cot)")
    click.echo(
        tabulate(
            [
                [m, _num(s["sopr"]["average"]), _num((s.get("sowr") or {}).get("average"))]
                for m, s in result.toolbench.items()
            ],
            headers=["Model", "SoPR average", "SoWR average"],
            tablefmt="github",
            disable_numparse=True,
        )
    )
    click.echo(f"\nRun records: {runs}/\nReport: {result.report_index}")


def _num(value: float | None) -> str:
    return "N/A" if value is None else f"{value:.1f}"


def _pct(value: float | None) -> str:
    return percent(value)
