"""The ToolBench branch of ``toolgrad-eval --pred_model M --dataset TOOLBENCH_DIR [--reference_model R]``.

evaluate.py detects the layout and hands over its parsed options; the run itself is the library's
``run_toolbench``; this module prints, with the terminal helpers both judged benchmarks share (judging.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


def evaluate_toolbench(options: dict[str, Any], *, output: Path) -> None:
    from toolgrad_eval.cli.judging import cost_line, judge_config, notify, progress_printer, show_warnings
    from toolgrad_eval.cli.judging import judged_exit_status
    from toolgrad_eval.judge.session import RunInterrupted
    from toolgrad_eval.toolbench.run import DEFAULT_ROUNDS, ToolbenchConfig, run_toolbench

    model, reference = options["pred_model"], options["reference_model"]
    config = ToolbenchConfig(
        dataset=options["dataset"],
        model=model,
        output=output,
        judge=judge_config(options, default_samples=DEFAULT_ROUNDS),
        template=options["judge_template"],
        reference_model=reference,
        strict=options["strict"],
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
    click.echo(_table(s))
    click.echo(_facts(s))
    click.echo(cost_line(s))
    click.echo(f"\nRun record: {output}/summary.json, {output}/per_sample.jsonl")
    status = judged_exit_status(s, config.judge.max_judge_errors)  # partial: n of N judged (judging.py)
    if s.get("budget_reached"):
        click.echo(
            f"Budget reached (--max-cost {s['max_cost_usd']}): {s['n_not_judged']} queries not judged (left out of the "
            "means). Judged ones are cached: re-run with a higher --max-cost to finish.",
            err=True,
        )
    if status:
        raise SystemExit(status)


def partial_line(s: dict[str, Any]) -> str:
    return f"partial: {s['n_judged']} of {s['n_needing_judgment']} judged"


def _table(s: dict[str, Any]) -> str:
    from tabulate import tabulate

    reference = s["reference_model"]
    title = (
        "ToolBench"
        + (" (SYNTHETIC demo data)" if s["synthetic"] else "")
        + f": {s['model']}"
        + (f" against {reference}" if reference else "")
        + (f" ({partial_line(s)})" if s.get("partial") else "")
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
    return title + "\n" + tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)


def _facts(s: dict[str, Any]) -> str:
    templates = ", ".join(s[key] for key in ("judge_template", "details_template", "preference_template") if s.get(key))
    missing = f"{s['n_missing_answers']} without a readable answer " + (
        "(counted Unsolved: --strict)" if s["strict"] else "(left out of SoPR, as ToolEval does; --strict counts them)"
    )
    lines = [
        f"\n{s['n_samples']} queries, {s['judge_samples']} rounds ({s['pass_protocol']} pass rate, judge "
        f"{s['judge_model']} at temperature {s['judge_temperature']}, round k seeded k; {templates}).",
        f"{s['n_unsolved_by_rule']} Unsolved by rule (no Finish call, empty or given-up answer), {missing}; "
        f"{s['stored_verdicts']} stored verdicts, {s['cache_hits']} cached judgments, {s['judge_requests']} judge "
        f"requests; {s['n_judge_errors']} judge errors"
        + (f", {s['n_preference_errors']} preference errors." if s["reference_model"] else "."),
    ]
    if s["missing_test_sets"]:
        lines.append(f"Not answered by {s['model']} (left out): {', '.join(s['missing_test_sets'])}.")
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "N/A" if value is None else f"{value:.1f}"


def _ci(ci: list[float] | None) -> str:
    return "" if not ci else f"[{ci[0]:.1f}, {ci[1]:.1f}]"
