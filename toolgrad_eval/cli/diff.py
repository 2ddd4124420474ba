"""``toolgrad-eval diff A B``: what changed from run A to run B, per sample, with significance tests."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click

DEFAULT_RUNS = Path("toolgrad-eval-out")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("a")
@click.argument("b")
@click.option(
    "--runs",
    "runs",
    multiple=True,
    type=click.Path(path_type=Path),
    help=f"Run-record folder read, where model names are looked up recursively (repeatable) [default: {DEFAULT_RUNS}].",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the diff as JSON (flipped ids under pass_to_fail / fail_to_pass)."
)
@click.option(
    "--fail-on-regression",
    "--fail_on_regression",
    "fail_on_regression",
    is_flag=True,
    help="Exit with status 1 when B is significantly worse than A on a chosen metric, and with status 2 when "
    "a chosen metric compared nothing (no per-sample rows, no shared ids, no values): a gate that cannot fail "
    "does not pass.",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    help="Metric --fail-on-regression tests (repeatable): overall or a BFCL category; recall, success_rate, "
    "qor; sopr, sowr (ToolBench) [default: BFCL overall and every ToolGrad-5k and ToolBench metric].",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.05,
    show_default=True,
    help="Significance level of --fail-on-regression.",
)
def diff(
    a: str,
    b: str,
    runs: tuple[Path, ...],
    as_json: bool,
    fail_on_regression: bool,
    metrics: tuple[str, ...],
    alpha: float,
) -> None:
    """Compare run B with run A: flipped BFCL entries, ToolGrad-5k per-sample deltas, tests.

    A and B are run-record folders, or model names with run records under --runs (then every
    benchmark both have is compared).
    """
    from toolgrad_eval.diff import (
        check_metrics,
        diff_runs,
        find_records,
        pair_records,
        regressions,
        uncompared,
    )
    from toolgrad_eval.diff.text import render

    check_metrics(metrics)
    roots = list(runs) or [DEFAULT_RUNS]
    skipped: list[str] = []  # records the search set aside (damaged, or failing the record schema)
    pairing = pair_records(find_records(a, roots, skipped), find_records(b, roots, skipped), a, b)
    diffs = [diff_runs(x, y) for x, y in pairing.pairs]
    found = [line for d in diffs for line in regressions(d, metrics, alpha)]
    empty = [line for d in diffs for line in uncompared(d, metrics)]
    notes = [*skipped, *pairing.notes, *empty]
    if as_json:
        payload = {
            "diffs": [d.as_dict() for d in diffs],
            "alpha": alpha,
            "regressions": found,
            "not_compared": empty,
            "notes": notes,
        }
        click.echo(json.dumps(finite(payload), indent=2, ensure_ascii=False, allow_nan=False))
        for line in notes:
            click.echo(f"note: {line}", err=True)
    else:
        click.echo("\n\n".join(render(d) for d in diffs))
        for line in notes:
            click.echo(f"Note: {line}")
        for line in found:
            click.echo(f"Significant regression: {line}")
    if fail_on_regression and found:
        if as_json:
            click.echo(f"{len(found)} significant regression(s) at alpha {alpha}", err=True)
        raise SystemExit(1)
    if fail_on_regression and empty:
        click.echo(f"Error: --fail-on-regression: {empty[0]}", err=True)
        raise SystemExit(2)


def finite(value: Any) -> Any:
    """A JSON-safe copy: a non-finite float (a statistic of degenerate data) becomes null, never a traceback."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value
