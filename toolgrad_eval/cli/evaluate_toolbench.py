"""The ToolBench branch of ``toolgrad-eval --pred_model M --dataset TOOLBENCH_DIR [--reference_model R]``.

evaluate.py detects the layout and hands over its parsed options and its terminal helpers (progress
bar, cost line, warnings), so both judged benchmarks print alike without importing each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click

from toolgrad_eval.errors import ConfigError

PASS_TEMPLATE = "toolbench-pass-v1"
PREFERENCE_TEMPLATE = "toolbench-preference-v1"
DEFAULT_ROUNDS = 3  # StableToolBench's published runs evaluate three times (eval_pass_rate.py defaults to 4)


def evaluate_toolbench(
    options: dict[str, Any],
    *,
    output: Path,
    progress: Callable[[str], Any],
    cost_line: Callable[[dict[str, Any]], str],
    show_warnings: Callable[[list[str]], None],
) -> None:
    from tabulate import tabulate

    from toolgrad_eval.fileio import ensure_writable_dir
    from toolgrad_eval.judge.batch import BatchOptions
    from toolgrad_eval.judge.cache import default_cache_dir, open_cache
    from toolgrad_eval.judge.client import Judge, JudgeSettings
    from toolgrad_eval.judge.prices import load_prices
    from toolgrad_eval.judge.template import load_template
    from toolgrad_eval.record import refuse_other_models_record, write_run_record
    from toolgrad_eval.toolbench.dataset import ToolbenchData
    from toolgrad_eval.toolbench.runner import evaluate_toolbench as run, rows_as_dicts
    from toolgrad_eval.toolbench.verdict import parse_pass, parse_preference

    model, reference = options["pred_model"], options["reference_model"]
    if reference == model:
        raise ConfigError(f"--reference_model names the model being scored ({model!r}); compare it with another model")
    data = ToolbenchData(options["dataset"])
    # Everything that can stop the run is checked before the first (paid) request.
    data.check_model(model)
    if reference:
        data.check_model(reference)
    for test_set in data.model_test_sets(model):
        data.test_ids(test_set)
    pass_template = load_template(options["judge_template"] or PASS_TEMPLATE)
    preference_template = load_template(PREFERENCE_TEMPLATE)
    settings = JudgeSettings(
        model=options["judge_model"], timeout=options["timeout"], samples=options["judge_samples"] or DEFAULT_ROUNDS,
        temperature=options["judge_temperature"], endpoints=tuple(options["judge_endpoints"]), max_cost=options["max_cost"],
    )
    batch = None
    if options["use_batch"] or options["batch_id"]:
        batch = BatchOptions(poll_interval=options["batch_poll_interval"], batch_id=options["batch_id"])
    prices = load_prices(options["prices_file"])
    ensure_writable_dir(output, "run-record folder")
    refuse_other_models_record(output, "toolbench", model, options["overwrite"])
    with open_cache(options["cache_dir"] or default_cache_dir()) as cache:
        common = dict(overwrite=options["overwrite"], prices=prices, batch=batch)
        judge = Judge(pass_template, cache, settings, parse=parse_pass, **common)
        preference = Judge(preference_template, cache, settings, parse=parse_preference, **common)
        preference.meter = judge.meter  # one --max-cost budget and one bill for the whole command
        marker = None
        if options["overwrite"]:
            marker = _begin_overwrite(cache.directory, data.root, model, reference, judge, preference)
        stored_before = judge.verdicts_stored + preference.verdicts_stored
        try:
            result = run(data, model, judge, reference=reference, preference_judge=preference if reference else None,
                         num_process=options["num_process"], use_stored=not options["ignore_stored"], on_progress=progress)
        except BaseException as exc:
            if marker is not None and not marker.resumed and judge.verdicts_stored + preference.verdicts_stored == stored_before:
                marker.finish()  # no verdict received: nothing to resume
            if isinstance(exc, KeyboardInterrupt):
                click.echo(f"\nInterrupted. Every judgment received so far is cached in {cache.directory}; "
                           "run the same command again to continue.", err=True)
                raise SystemExit(130) from None
            raise
    show_warnings(result.warnings)
    s = result.summary
    if marker is not None:
        s["overwrite_run_started"], s["overwrite_run_resumed"] = marker.started, marker.resumed
    write_run_record(output, s, rows_as_dicts(result))
    if marker is not None and not s.get("budget_reached"):
        marker.finish()

    click.echo("ToolBench" + (" (SYNTHETIC demo data)" if s["synthetic"] else "") + f": {model}"
               + (f" against {reference}" if reference else ""))
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
        + (f", {s['preference_template']}" if reference else "") + f"); {s['n_judge_errors']} judge errors, "
        f"{s['n_input_errors']} queries without a readable answer."
    )
    if s["missing_test_sets"]:
        click.echo(f"Not answered by {model} (left out): {', '.join(s['missing_test_sets'])}.")
    click.echo(cost_line(s))
    click.echo(f"\nRun record: {output}/summary.json, {output}/per_sample.jsonl")
    if s.get("budget_reached"):
        click.echo(f"Budget reached (--max-cost {s['max_cost_usd']}): {s['n_not_judged']} queries not judged (left out of the "
                   "means). Judged ones are cached: re-run with a higher --max-cost to finish.", err=True)
        raise SystemExit(3)


def _begin_overwrite(cache_dir: Path, root: Path, model: str, reference: str | None, *judges: Any) -> Any:
    from toolgrad_eval.judge.overwrite import OverwriteRun

    first = judges[0]
    identity = {
        "benchmark": "toolbench", "dataset": str(root.resolve()), "model": model, "reference_model": reference,
        "judge_model": first.settings.model, "judge_templates": [j.template.id for j in judges],
        "judge_template_sha256": [j.template.sha256 for j in judges], "temperature": first.temperature,
        "judge_samples": first.settings.samples,
    }
    marker = OverwriteRun.begin(cache_dir, identity)
    for judge in judges:
        judge.fresh_since = marker.started_at
    if marker.resumed:
        click.echo(f"Resuming the --overwrite run of {model} that started {marker.started} and did not finish: verdicts it "
                   f"already received are reused, older ones are not (delete {marker.path} to start afresh).", err=True)
    return marker


def _num(value: float | None) -> str:
    return "N/A" if value is None else f"{value:.1f}"


def _ci(ci: list[float] | None) -> str:
    return "" if not ci else f"[{ci[0]:.1f}, {ci[1]:.1f}]"
