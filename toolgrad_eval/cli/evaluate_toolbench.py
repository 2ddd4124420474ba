"""The ToolBench branch of ``toolgrad-eval --pred_model M --dataset TOOLBENCH_DIR [--reference_model R]``.

evaluate.py detects the layout and hands over its parsed options; the run itself is the library's
``run_toolbench``; this module prints, with the terminal helpers both judged benchmarks share (judging.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


def evaluate_toolbench(
    options: dict[str, Any],
    *,
    output: Path,
) -> None:
    from tabulate import tabulate

    from toolgrad_eval.cli.judging import cost_line, judge_config, notify, progress_printer, show_warnings
    from toolgrad_eval.cli.judging import judged_exit_status
    from toolgrad_eval.judge.session import RunInterrupted
    from toolgrad_eval.toolbench.run import DEFAULT_ROUNDS, PASS_TEMPLATE, ToolbenchConfig, run_toolbench

    model, reference = options["pred_model"], options["reference_model"]
    config = ToolbenchConfig(
        dataset=options["dataset"],
        model=model,
        output=output,
        judge=judge_config(options, default_samples=DEFAULT_ROUNDS),
        template=options["judge_template"] or PASS_TEMPLATE,
        reference_model=reference,
        use_stored=not options["ignore_stored"],
        num_process=options["num_process"],
    )
    try:
        result = run_toolbench(config, notify=notify, progress=progress_printer)
    except RunInterrupted as exc:
        click.echo(
            f"\nInterrupted. Every judgment received so far is cached in {exc.where}; "
            "run the same command again to continue.",
            err=True,
        )
        raise SystemExit(130) from None
    show_warnings(result.warnings)
    s = result.summary
    click.echo(
        "ToolBench"
        + (" (SYNTHETIC demo data)" if s["synthetic"] else "")
        + f": {model}"
        + (f" against {reference}" if reference else "")
    )
    headers = ["Test set", "Queries", "SoPR %", "± (rounds)", "95% CI"]
    if reference:
        headers += ["SoWR %", "Tie %", "95% CI"]
    rows = []
    for name in [*s["test_sets"], "average"]:
        row = [name, s["sopr_n"][name], _num(s["sopr"][name]), _num(s["sopr_std"][name]), _ci(s["sopr_ci"][name])]
        if reference:
            row += [_num(s["sowr"][name]), _num(s["sowr_tie"][name]), _ci(s["sowr_ci"][name])]
        rows.append(row)
    click.echo(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))
    click.echo(
        f"\n{s['n_samples']} queries, {s['judge_samples']} rounds: {s['n_unsolved_by_rule']} Unsolved by rule "
        f"(no Finish call, empty or given-up answer, no readable answer), {s['stored_verdicts']} stored verdicts, "
        f"{s['cache_hits']} cached judgments, {s['judge_requests']} judge requests ({s['judge_model']}, {s['judge_template']}"
        + (f", {s['preference_template']}" if reference else "")
        + f"); {s['n_judge_errors']} judge errors, "
        f"{s['n_input_errors']} queries without a readable answer."
    )
    if s["missing_test_sets"]:
        click.echo(f"Not answered by {model} (left out): {', '.join(s['missing_test_sets'])}.")
    click.echo(cost_line(s))
    click.echo(f"\nRun record: {output}/summary.json, {output}/per_sample.jsonl")
    status = judged_exit_status(s, config.judge.max_judge_errors)  # partial: n of N judged (judging.py)
    if s.get("budget_reached"):
        click.echo(
            f"Budget reached (--max-cost {s['max_cost_usd']}): {s['n_not_judged']} queries not judged (left out of the "
            "means). Judged ones are cached: re-run with a higher --max-cost to finish.",
            err=True,
        )
        raise SystemExit(3)
    if status:
        raise SystemExit(status)


def _num(value: float | None) -> str:
    return "N/A" if value is None else f"{value:.1f}"


def _ci(ci: list[float] | None) -> str:
    return "" if not ci else f"[{ci[0]:.1f}, {ci[1]:.1f}]"
