"""``toolgrad-eval [evaluate] --pred_model M --dataset D``: score one model, write its run record."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from toolgrad_eval.errors import ConfigError, DatasetError

# The BFCL decodings --format offers (kept here as data: importing the BFCL runner costs start-up).
BFCL_FORMATS = ("auto", "python", "json", "fc", "hammer", "llama-3.1", "mistral-fc", "openai-fc", "phi", "qwen-fc",
                "xlam")

if TYPE_CHECKING:
    from toolgrad_eval.judge.cache_base import Claim
    from toolgrad_eval.judge.client import Judge
    from toolgrad_eval.judge.overwrite import OverwriteRun
    from toolgrad_eval.toolgrad5k.dataset import Toolgrad5k


class Finite(click.FloatRange):
    """A FloatRange that also refuses nan and inf, which pass its comparisons (``--max-cost nan``
    would otherwise compare false with every spend and never stop anything)."""

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number

_MAX_WARNINGS_SHOWN = 20


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--pred_model", "--pred-model", "pred_model", required=True, help="Model to score (folder under prediction/ or result/).")
@click.option("--dataset", required=True, type=click.Path(path_type=Path), help="ToolGrad-5k folder (sft_data/test.txt) or BFCL run (result/<model>/).")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None, help="Run-record folder [default: toolgrad-eval-out/<benchmark>/<model>].")
@click.option("--overwrite", is_flag=True, help="Re-judge even when a stored or cached verdict exists (BFCL: replace existing score files).")
@click.option("--ignore-stored", "--ignore_stored", "ignore_stored", is_flag=True, help="Set verdicts stored in prediction files aside: compute every metric, QoR from the cache or the judge (see the numbers of an earlier --overwrite run again, for free).")
@click.option("--num_process", "--num-process", "num_process", type=click.IntRange(min=1), default=1, show_default=True, help="Judge requests in flight at once.")
@click.option("--split", default="method=embedding", show_default=True, help="ToolGrad-5k split folder.")
@click.option("--response_key", "--response-key", "response_key", default=None, help="Key of the final answer in prediction files [default: response-unbiased-<writer>].")
@click.option("--unbiased_writer", "--unbiased-writer", "unbiased_writer", default="gpt-4.1-mini", show_default=True, help="Writer model naming the default response key.")
@click.option("--judge", "judge_model", default="gpt-4.1", show_default=True, help="Judge model name sent to the endpoint (OPENAI_BASE_URL).")
@click.option("--judge-template", "--judge_template", "judge_template", default="qor-v1", show_default=True, help="Judge template id under judges/, or a path to a template file.")
@click.option("--cache-dir", "--cache_dir", "cache_dir", type=click.Path(path_type=Path), default=None, help="Judgment cache folder [default: the user cache dir].")
@click.option("--cache-url", "--cache_url", "cache_url", default=None, envvar="TOOLGRAD_EVAL_CACHE_URL", help="Keep judgments in a PostgreSQL server (postgresql://user:pass@host/db) shared by many hosts, instead of --cache-dir's SQLite (which still holds --overwrite markers and Batch state).")
@click.option("--claim-lease", "--claim_lease", "claim_lease", type=Finite(min=0.5, max=86400), default=30.0, show_default=True, help="Seconds a claim on a cache key lasts unless renewed; another process takes the key over once it lapses.")
@click.option("--timeout", type=Finite(min=1), default=120.0, show_default=True, help="Seconds per judge request.")
@click.option("--judge-endpoint", "--judge_endpoint", "judge_endpoints", multiple=True, help="Judge base URL; repeat to share the load across servers [default: OPENAI_BASE_URL, comma-separated allowed].")
@click.option("--judge-samples", "--judge_samples", "judge_samples", type=click.IntRange(min=1), default=1, show_default=True, help="Judge each sample K times (seeds 1..K-1); QoR is the mean, the spread is reported.")
@click.option("--judge-temperature", "--judge_temperature", "judge_temperature", type=Finite(0, 2), default=None, help="Override the template's judge temperature (part of the cache key).")
@click.option("--prices", "prices_file", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Price table (JSON, USD per 1M tokens) overriding the shipped one.")
@click.option("--max-cost", "--max_cost", "max_cost", type=Finite(min=0), default=None, help="Stop starting judge requests before the estimated spend passes this many USD (exit status 3).")
@click.option("--batch", "use_batch", is_flag=True, help="Judge through the OpenAI Batch API (half price; resumable).")
@click.option("--batch-id", "--batch_id", "batch_id", default=None, help="Resume polling this batch (implies --batch).")
@click.option("--batch-poll-interval", "--batch_poll_interval", "batch_poll_interval", type=Finite(min=0.01), default=30.0, show_default=True, help="Seconds between Batch API status checks.")
@click.option("--strict", "strict", is_flag=True, help="Count errored/empty predictions as 0 in the Success Rate mean (the reference leaves them out).")
@click.option("--compare_model", "--compare-model", "compare_model", default=None, help="Second model: paired t-test per metric over shared test ids.")
@click.option("--bfcl-data", "--bfcl_data", "bfcl_data", type=click.Path(path_type=Path), default=None, help="BFCL: folder with BFCL_v*_<category>.json and possible_answer/.")
@click.option("--format", "result_format", type=click.Choice(list(BFCL_FORMATS)), default="auto", show_default=True, help="BFCL: force the decoding of result strings (auto: the model's conventions, else detected per file).")
@click.option("--bfcl-handler", "--bfcl_handler", "bfcl_handler", default=None, metavar="MODEL", help="BFCL: score a model outside the official registry with this registry model's conventions (e.g. google/gemma-3-12b-it).")
@click.option("--score-dir", "--score_dir", "score_dir", type=click.Path(path_type=Path), default=None, help="BFCL: where score files go [default: score/ beside result/].")
@click.option("--fetch-bfcl-data", "fetch_bfcl_data", is_flag=True, help="BFCL: download the matching bfcl-eval data if it is not cached.")
def evaluate(**options: Any) -> None:
    """Score a model's predictions on ToolGrad-5k or a BFCL run (the layout is detected)."""
    dataset: Path = options["dataset"]
    from toolgrad_eval.names import check_model_name
    from toolgrad_eval.toolgrad5k.dataset import is_toolgrad5k

    check_model_name(options["pred_model"])
    if options["compare_model"]:
        check_model_name(options["compare_model"], "--compare_model")

    if is_toolgrad5k(dataset):
        _evaluate_toolgrad5k(options)
        return
    from toolgrad_eval.bfcl.layout import is_bfcl_run

    if is_bfcl_run(dataset):
        _evaluate_bfcl(options)
    elif not dataset.is_dir():
        raise DatasetError(dataset, "dataset folder not found")
    else:
        raise DatasetError(
            dataset,
            "not a ToolGrad-5k dataset (no sft_data/test.txt) nor a BFCL run (no result/<model>/ folder)",
        )


def default_output(benchmark: str, model: str) -> Path:
    from toolgrad_eval.names import folder_name

    return Path("toolgrad-eval-out") / benchmark / folder_name(model)


def _evaluate_toolgrad5k(options: dict[str, Any]) -> None:
    from tabulate import tabulate

    from toolgrad_eval.judge.batch import BatchOptions
    from toolgrad_eval.fileio import ensure_writable_dir
    from toolgrad_eval.judge.cache import default_cache_dir, open_cache
    from toolgrad_eval.judge.client import Judge, JudgeSettings
    from toolgrad_eval.judge.prices import load_prices
    from toolgrad_eval.judge.template import load_template
    from toolgrad_eval.record import refuse_other_models_record, write_run_record
    from toolgrad_eval.toolgrad5k.dataset import Toolgrad5k, response_key_for
    from toolgrad_eval.toolgrad5k.runner import compare_runs, evaluate_model, rows_as_dicts

    model = options["pred_model"]
    dataset = Toolgrad5k(
        options["dataset"],
        split=options["split"],
        response_key=options["response_key"] or response_key_for(options["unbiased_writer"]),
    )
    template = load_template(options["judge_template"])
    settings = JudgeSettings(
        model=options["judge_model"], timeout=options["timeout"], samples=options["judge_samples"],
        temperature=options["judge_temperature"], endpoints=tuple(options["judge_endpoints"]), max_cost=options["max_cost"],
    )
    batch = None
    if options["use_batch"] or options["batch_id"]:
        batch = BatchOptions(poll_interval=options["batch_poll_interval"], batch_id=options["batch_id"])
    prices = load_prices(options["prices_file"])
    mode = "strict" if options["strict"] else "reference"
    output = options["output"] or default_output("toolgrad5k", model)
    if options["compare_model"] == model:
        raise ConfigError(f"--compare_model names the model being scored ({model!r}); compare it with another model")
    models = [model] + ([options["compare_model"]] if options["compare_model"] else [])
    # Everything that can stop the run is checked before the first (paid) request.
    dataset.test_ids()
    for name in models:
        dataset.check_model(name)
    ensure_writable_dir(output, "run-record folder")
    refuse_other_models_record(output, "toolgrad5k", model, options["overwrite"])
    def say_waiting(holder: Claim) -> None:
        click.echo(f"Another process (pid {holder.pid} on {_printable(holder.host)}) is asking the judge for a verdict this run "
                   "needs: waiting for it instead of paying twice.", err=True)

    with open_cache(options["cache_dir"] or default_cache_dir(), options["cache_url"], lease=options["claim_lease"],
                    on_wait=say_waiting) as cache:
        try:
            cache.open()
            unusable_cache = None
        except ConfigError as exc:  # fatal only once a sample needs the judge (then one line, before any request)
            unusable_cache = exc
        if not options["cache_url"]:
            _warn_network_filesystem(cache.directory)
        judge = Judge(template, cache, settings, overwrite=options["overwrite"], prices=prices, batch=batch)
        runs = []
        markers = []  # --overwrite: removed only once the whole command has done its work
        for name in models:
            stored_before = judge.verdicts_stored
            marker = _begin_overwrite(cache.directory, dataset, name, judge) if judge.overwrite else None
            try:
                run = evaluate_model(
                    dataset, name, judge, success_rate_mode=mode, num_process=options["num_process"],
                    on_progress=_progress_printer(name), use_stored=not options["ignore_stored"],
                )
            except BaseException as exc:
                if marker is not None and not marker.resumed and judge.verdicts_stored == stored_before:
                    marker.finish()  # no verdict received (no key, a refused key, Ctrl-C at once): nothing to resume
                if isinstance(exc, KeyboardInterrupt):
                    click.echo(
                        f"\nInterrupted. Every judgment received so far is cached in {cache.where}; "
                        "run the same command again to continue.",
                        err=True,
                    )
                    raise SystemExit(130) from None
                raise
            _show_warnings(run.warnings)
            if marker is not None:
                run.summary["overwrite_run_started"] = marker.started
                run.summary["overwrite_run_resumed"] = marker.resumed
                markers.append(marker)
            runs.append(run)
    if unusable_cache is not None:  # no sample needed it, or the run would have stopped with this error
        click.echo(f"warning: {unusable_cache}; no sample needed the judge, so the run went on", err=True)

    main = runs[0]
    if len(runs) == 2:
        main.summary["compare"] = compare_runs(main, runs[1])
    write_run_record(output, main.summary, rows_as_dicts(main))
    if not any(run.summary.get("budget_reached") for run in runs):
        for marker in markers:
            marker.finish()

    table = [[r.model, _fmt(r.summary["recall"], 6), _fmt(r.summary["success_rate"], 6), _fmt(r.summary["qor"], 3)] for r in runs]
    title = "ToolGrad-5k" + (" (SYNTHETIC demo data)" if main.summary["synthetic"] else "")
    click.echo(title)
    click.echo(tabulate(table, headers=["Model", "Recall", "Success Rate", "QoR"], tablefmt="github", disable_numparse=True))
    s = main.summary
    click.echo(
        f"\n{s['n_samples']} samples: {s['stored_verdicts']} stored verdicts, {s['cache_hits']} cached, "
        f"{s['judge_requests']} judge requests ({s['judge_model']}, {s['judge_template']}); "
        f"{s['n_prediction_errors']} prediction errors, {s['n_judge_errors']} judge errors, {s['n_input_errors']} input errors."
    )
    click.echo(_cost_line(s))
    if s.get("judge_samples", 1) > 1 and s.get("qor_judge_std_mean") is not None:
        click.echo(
            f"Judge noise over {s['judge_samples']} judgments per sample: mean per-sample std "
            f"{s['qor_judge_std_mean']:.2f} QoR points, mean spread (max-min) {s['qor_judge_spread_mean']:.2f}."
        )
    if s["success_rate_mode"] == "reference" and s["n_success_rate"] < s["n_samples"] - s["n_input_errors"]:
        click.echo(f"Success Rate averages {s['n_success_rate']} samples; errored predictions are left out as in the reference (--strict counts them as 0).")
    if "compare" in s:
        click.echo(f"\nPaired t-test, {main.model} minus {runs[1].model}, paired by sample id:")
        rows = []
        for metric, test in s["compare"]["tests"].items():
            rows.append([metric, test["n"], _fmt(test["mean_diff"], 6), _fmt(test["t_statistic"], 4), _fmt(test["p_value"], 4)])
        click.echo(tabulate(rows, headers=["Metric", "Pairs", "Mean diff", "t", "p"], tablefmt="github", disable_numparse=True))
    click.echo(f"\nRun record: {output}/summary.json, {output}/per_sample.jsonl")
    if s.get("budget_reached"):
        judged = s["n_to_judge"] - s["n_not_judged"]
        click.echo(
            f"Budget reached (--max-cost {s['max_cost_usd']}): judged {judged} of {s['n_to_judge']} samples that needed the judge; "
            f"{s['n_not_judged']} not judged (left out of the QoR mean). Judged ones are cached: "
            "re-run with a higher --max-cost to finish.",
            err=True,
        )
        raise SystemExit(3)


def _begin_overwrite(cache_dir: Path, dataset: Toolgrad5k, model: str, judge: Judge) -> OverwriteRun:
    """Mark an --overwrite run as under way, or resume one that did not finish (judge/overwrite.py)."""
    from toolgrad_eval.judge.overwrite import OverwriteRun

    identity = {
        "dataset": str(dataset.root.resolve()), "split": dataset.split, "response_key": dataset.response_key,
        "model": model, "judge_model": judge.settings.model, "judge_template": judge.template.id,
        "judge_template_sha256": judge.template.sha256, "temperature": judge.temperature,
        "judge_samples": judge.settings.samples,
    }
    run = OverwriteRun.begin(cache_dir, identity)
    judge.fresh_since = run.started_at
    if run.resumed:
        click.echo(
            f"Resuming the --overwrite run of {model} that started {run.started} and did not finish: "
            f"verdicts it already received are reused, older ones are not (delete {run.path} to start afresh).",
            err=True,
        )
    return run


def _cost_line(s: dict[str, Any]) -> str:
    tokens = f"Judge tokens: {s['prompt_tokens']:,} prompt + {s['completion_tokens']:,} completion"
    if s["cost_usd"] is None:
        return f"{tokens}; cost unknown (no price for {s['judge_model']}; see --prices)."
    tier = " (Batch API price)" if (s.get("price") or {}).get("tier") == "batch" else ""
    unmetered = s.get("replies_without_usage") or 0
    if unmetered:
        tier += f", including an estimate for {unmetered} repl{'y' if unmetered == 1 else 'ies'} that reported no usage"
    return f"{tokens} = ${s['cost_usd']:.4f}{tier}; cached verdicts reused this run saved ${s['cost_saved_usd']:.4f}."


def _evaluate_bfcl(options: dict[str, Any]) -> None:
    from toolgrad_eval.bfcl.runner import run_bfcl

    model = options["pred_model"]
    run_bfcl(
        options["dataset"],
        model,
        options["output"] or default_output("bfcl", model),
        bfcl_data=options["bfcl_data"],
        fmt=options["result_format"],
        score_dir=options["score_dir"],
        overwrite=options["overwrite"],
        fetch=options["fetch_bfcl_data"],
        handler_model=options["bfcl_handler"],
        echo=click.echo,
    )


def _progress_printer(model: str):
    if not sys.stderr.isatty():
        return None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = click.progressbar(length=total, label=f"Judging {model}", file=sys.stderr)
            bar.__enter__()
        bar.update(1)
        if done == total:
            bar.__exit__(None, None, None)

    return update


def _warn_network_filesystem(folder: Path) -> None:
    from toolgrad_eval.judge.cache_sqlite import network_filesystem

    kind = network_filesystem(folder)
    if kind is not None:
        click.echo(f"warning: {_printable(str(folder))} is on a network file system ({_printable(kind)}): SQLite's locks are "
                   "not reliable there, so processes on other hosts may pay twice or damage the cache; for a cache "
                   "shared between hosts use --cache-url postgresql://...", err=True)


def _show_warnings(warnings: list[str]) -> None:
    for line in warnings[:_MAX_WARNINGS_SHOWN]:
        click.echo(f"warning: {_printable(line)}", err=True)
    if len(warnings) > _MAX_WARNINGS_SHOWN:
        click.echo(f"warning: ... and {len(warnings) - _MAX_WARNINGS_SHOWN} more (see per_sample.jsonl)", err=True)


def _printable(text: str) -> str:
    """Untrusted names (ids, paths) must not drive the terminal: show control characters escaped."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _fmt(value: float | None, digits: int) -> str:
    return "N/A" if value is None else f"{value:.{digits}f}"
