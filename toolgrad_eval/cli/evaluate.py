"""``toolgrad-eval [evaluate] --pred_model M --dataset D``: score one model, write its run record."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from toolgrad_eval.cli import teardown
from toolgrad_eval.cli.judging import (
    cost_line,
    interrupted_says_where,
    judge_config,
    judged_cell,
    judged_exit_status,
    notify,
    printable,
    progress_printer,
    show_warnings,
)
from toolgrad_eval.errors import DatasetError
from toolgrad_eval.units import p_value, percent

if TYPE_CHECKING:  # imported when the run starts: --help and BFCL runs do not load ToolGrad-5k
    from toolgrad_eval.toolgrad5k.run import Toolgrad5kRecord
    from toolgrad_eval.toolgrad5k.runner import ModelRun

# The BFCL decodings --format offers (kept here as data: importing the BFCL runner costs start-up).
BFCL_FORMATS = (
    "auto",
    "python",
    "json",
    "fc",
    "bitagent",
    "claude",
    "cohere",
    "databricks",
    "falcon",
    "functiongemma",
    "gemini",
    "gemini-fc",
    "glm",
    "gorilla",
    "granite",
    "hammer",
    "llama-3.1",
    "minicpm-fc",
    "mining",
    "mistral",
    "mistral-fc",
    "nemotron",
    "nexus",
    "nvidia",
    "openai-fc",
    "phi",
    "phi-fc",
    "qwen-fc",
    "think-agent",
    "xlam",
)


class Finite(click.FloatRange):
    """A FloatRange that also refuses nan and inf, which pass its comparisons (``--max-cost nan``
    would otherwise compare false with every spend and never stop anything)."""

    name = "finite float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--model",
    "--pred_model",
    "--pred-model",
    "pred_model",
    required=True,
    help="Model to score: a folder under prediction/ or result/ (--pred_model: the reference's spelling). BFCL: a,b,c or 'all' scores several in one process.",
)
@click.option(
    "--dataset",
    required=True,
    type=click.Path(path_type=Path),
    help="ToolGrad-5k folder (sft_data/test.txt), BFCL run (result/<model>/) or ToolBench folder (solvable_queries/test_query_ids/ + model_predictions_converted/ or answer/).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=None,
    help="Run-record folder written [default: toolgrad-eval-out/<benchmark>/<model>].",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Re-judge even when a stored or cached verdict exists (paid). BFCL re-scoring always replaces its own score files.",
)
@click.option(
    "--ignore-stored",
    "--ignore_stored",
    "ignore_stored",
    is_flag=True,
    help="Set verdicts stored in prediction files aside: compute every metric, QoR from the cache or the judge (see the numbers of an earlier --overwrite run again, for free).",
)
@click.option(
    "--num-process",
    "--num_process",
    "num_process",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Judge requests in flight at once (1, as in the reference: a paid judge API's rate limit; "
    "`generate` defaults to 8 for a local model server).",
)
@click.option("--split", default="method=embedding", show_default=True, help="ToolGrad-5k split folder.")
@click.option(
    "--response-key",
    "--response_key",
    "response_key",
    default=None,
    help="Key of the final answer in prediction files [default: response-unbiased-<writer>].",
)
@click.option(
    "--unbiased-writer",
    "--unbiased_writer",
    "unbiased_writer",
    default="gpt-4.1-mini",
    show_default=True,
    help="Writer model naming the default response key.",
)
@click.option(
    "--judge",
    "judge_model",
    default="gpt-4.1",
    show_default=True,
    help="Judge model name sent to the endpoint (OPENAI_BASE_URL).",
)
@click.option(
    "--judge-template",
    "--judge_template",
    "judge_template",
    default=None,
    help="Judge template id under judges/, or a path to a template file [default: qor-v1; ToolBench: ToolEval's "
    "two steps, toolbench-pass-answer-v1 then toolbench-pass-details-v1; a template named here is asked in one request].",
)
@click.option(
    "--cache-dir",
    "--cache_dir",
    "cache_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Judgment cache folder [default: the user cache dir].",
)
@click.option(
    "--cache-url",
    "--cache_url",
    "cache_url",
    default=None,
    envvar="TOOLGRAD_EVAL_CACHE_URL",
    help="Keep judgments in a PostgreSQL server (postgresql://user:pass@host/db) shared by many hosts, instead of --cache-dir's SQLite (which still holds --overwrite markers and Batch state).",
)
@click.option(
    "--claim-lease",
    "--claim_lease",
    "claim_lease",
    type=Finite(min=0.5, max=86400),
    default=30.0,
    show_default=True,
    help="Seconds a claim on a cache key lasts unless renewed; another process takes the key over once it lapses.",
)
@click.option(
    "--timeout",
    type=Finite(min=1),
    default=120.0,
    show_default=True,
    help="Seconds per judge request in all (a verdict is short; `generate` allows 300 for long model answers).",
)
@click.option(
    "--judge-endpoint",
    "--judge_endpoint",
    "judge_endpoints",
    multiple=True,
    help="Judge base URL; repeat to share the load across servers [default: OPENAI_BASE_URL, comma-separated allowed].",
)
@click.option(
    "--judge-samples",
    "--judge_samples",
    "judge_samples",
    type=click.IntRange(min=1),
    default=None,
    help="Judge each sample K times (seeds 1..K-1); QoR is the mean, the spread is reported [default: 1; ToolBench: 3 rounds].",
)
@click.option(
    "--judge-temperature",
    "--judge_temperature",
    "judge_temperature",
    type=Finite(0, 2),
    default=None,
    help="Override the template's judge temperature (part of the cache key).",
)
@click.option(
    "--prices",
    "prices_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Price table (JSON, USD per 1M tokens) overriding the shipped one.",
)
@click.option(
    "--max-cost",
    "--max_cost",
    "max_cost",
    type=Finite(min=0),
    default=None,
    help="Stop starting judge requests before the estimated spend passes this many USD (exit status 3).",
)
@click.option(
    "--max-judge-errors",
    "--max_judge_errors",
    "max_judge_errors",
    type=Finite(0, 1),
    default=0.05,
    show_default=True,
    help="Share of the samples needing a verdict whose judgment may fail before the run is partial: not a result, exit status 4.",
)
@click.option("--batch", "use_batch", is_flag=True, help="Judge through the OpenAI Batch API (half price; resumable).")
@click.option("--batch-id", "--batch_id", "batch_id", default=None, help="Resume polling this batch (implies --batch).")
@click.option(
    "--batch-poll-interval",
    "--batch_poll_interval",
    "batch_poll_interval",
    type=Finite(min=0.01),
    default=30.0,
    show_default=True,
    help="Seconds between Batch API status checks.",
)
@click.option(
    "--strict",
    "strict",
    is_flag=True,
    help="Count errored/empty predictions as 0 in the Success Rate mean (the reference leaves them out); "
    "ToolBench: count queries without a readable answer as Unsolved (ToolEval leaves them out).",
)
@click.option(
    "--compare-model",
    "--compare_model",
    "compare_model",
    default=None,
    help="Second model: paired t-test per metric over shared test ids.",
)
@click.option(
    "--reference-model",
    "--reference_model",
    "reference_model",
    default=None,
    help="ToolBench: the model to compute the win rate (SoWR) against.",
)
@click.option(
    "--bfcl-data",
    "--bfcl_data",
    "bfcl_data",
    type=click.Path(path_type=Path),
    default=None,
    help="BFCL: folder with BFCL_v*_<category>.json and possible_answer/.",
)
@click.option(
    "--format",
    "result_format",
    type=click.Choice(list(BFCL_FORMATS)),
    default="auto",
    show_default=True,
    help="BFCL: force the decoding of result strings (auto: the model's conventions, else detected per file).",
)
@click.option(
    "--bfcl-handler",
    "--bfcl_handler",
    "bfcl_handler",
    default=None,
    metavar="MODEL",
    help="BFCL: score a model outside the official registry with this registry model's conventions (e.g. google/gemma-3-12b-it).",
)
@click.option(
    "--score-dir",
    "--score_dir",
    "score_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="BFCL: where score files go [default: score/ beside result/].",
)
@click.option(
    "--fetch-bfcl-data",
    "fetch_bfcl_data",
    is_flag=True,
    help="BFCL: download the matching bfcl-eval data if it is not cached.",
)
def evaluate(**options: Any) -> None:
    """Score a model's predictions on ToolGrad-5k, a BFCL run or ToolBench (the layout is detected)."""
    dataset: Path = options["dataset"]
    from toolgrad_eval.detect import detect_benchmark
    from toolgrad_eval.names import check_model_name, is_many

    if not is_many(options["pred_model"]):  # a list is checked name by name (bfcl/many.py)
        check_model_name(options["pred_model"])
    if options["compare_model"]:
        check_model_name(options["compare_model"], "--compare_model")
    if options["reference_model"]:
        check_model_name(options["reference_model"], "--reference_model")

    benchmark = detect_benchmark(dataset)  # files only: each benchmark's code is imported once chosen
    if benchmark == "toolgrad5k":
        if is_many(options["pred_model"]):
            from toolgrad_eval.cli.evaluate_many import evaluate_models

            evaluate_models(options, "toolgrad5k", _evaluate_toolgrad5k, default_output)
            return
        _evaluate_toolgrad5k(options)
    elif benchmark == "bfcl":
        _evaluate_bfcl(options)
    elif benchmark == "toolbench":
        from toolgrad_eval.cli.evaluate_toolbench import evaluate_toolbench

        if is_many(options["pred_model"]):
            from toolgrad_eval.cli.evaluate_many import evaluate_models

            evaluate_models(options, "toolbench", lambda o: evaluate_toolbench(o, output=o["output"]), default_output)
            return
        evaluate_toolbench(options, output=options["output"] or default_output("toolbench", options["pred_model"]))
    elif not dataset.is_dir():
        raise DatasetError(dataset, "dataset folder not found")
    else:
        raise DatasetError(
            dataset,
            "not a ToolGrad-5k dataset (no sft_data/test.txt), a BFCL run (no result/<model>/ folder) nor a ToolBench "
            "folder (no solvable_queries/test_query_ids/ beside model_predictions_converted/ or answer/)",
        )


def default_output(benchmark: str, model: str) -> Path:
    from toolgrad_eval.names import folder_name

    return Path("toolgrad-eval-out") / benchmark / folder_name(model)


def _evaluate_toolgrad5k(options: dict[str, Any]) -> None:
    from toolgrad_eval.toolgrad5k.run import DEFAULT_TEMPLATE, Toolgrad5kConfig, run_toolgrad5k

    model = options["pred_model"]
    config = Toolgrad5kConfig(
        dataset=options["dataset"],
        model=model,
        output=options["output"] or default_output("toolgrad5k", model),
        judge=judge_config(options, default_samples=1),
        template=options["judge_template"] or DEFAULT_TEMPLATE,
        split=options["split"],
        response_key=options["response_key"],
        unbiased_writer=options["unbiased_writer"],
        compare_model=options["compare_model"],
        strict=options["strict"],
        use_stored=not options["ignore_stored"],
        num_process=options["num_process"],
    )
    with interrupted_says_where():
        record = run_toolgrad5k(config, notify=notify, progress=progress_printer)
    for run in record.runs:
        show_warnings(run.warnings)
    _print_toolgrad5k(record)
    status = max(judged_exit_status(run.summary, record.max_judge_errors) for run in record.runs)
    s = record.summary
    if s.get("budget_reached"):
        judged = s["n_to_judge"] - s["n_not_judged"]
        click.echo(
            f"Budget reached (--max-cost {s['max_cost_usd']}): judged {judged} of {s['n_to_judge']} samples that needed the judge; "
            f"{s['n_not_judged']} not judged (left out of the QoR mean). Judged ones are cached: "
            "re-run with a higher --max-cost to finish.",
            err=True,
        )
    if status:
        raise SystemExit(status)


def _print_toolgrad5k(record: Toolgrad5kRecord) -> None:
    """The terminal table and lines of a ToolGrad-5k run."""
    from tabulate import tabulate

    runs, output, s = record.runs, record.output, record.summary
    table = [
        [
            r.model,
            percent(r.summary["recall"], 4),
            percent(r.summary["success_rate"], 4),
            _fmt(r.summary["qor"], 3),
            judged_cell(r.summary, record.max_judge_errors),
        ]
        for r in runs
    ]
    click.echo("ToolGrad-5k" + (" (SYNTHETIC demo data)" if s["synthetic"] else ""))
    headers = ["Model", "Recall %", "Success Rate %", "QoR", "Judged (QoR n)"]
    click.echo(tabulate(table, headers=headers, tablefmt="github", disable_numparse=True))
    click.echo(
        f"\n{s['n_samples']} samples: {s['stored_verdicts']} stored verdicts, {s['cache_hits']} cached, "
        f"{s['judge_requests']} judge requests ({s['judge_model']}, {s['judge_template']}); "
        f"{s['n_prediction_errors']} prediction errors, {s['n_judge_errors']} judge errors, {s['n_input_errors']} input errors."
    )
    click.echo(cost_line(s))
    if s.get("judge_samples", 1) > 1 and s.get("qor_judge_std_mean") is not None:
        click.echo(
            f"Judge noise over {s['judge_samples']} judgments per sample: mean per-sample std "
            f"{s['qor_judge_std_mean']:.2f} QoR points, mean spread (max-min) {s['qor_judge_spread_mean']:.2f}."
        )
    if s["success_rate_mode"] == "reference" and s["n_success_rate"] < s["n_samples"] - s["n_input_errors"]:
        click.echo(
            f"Success Rate averages {s['n_success_rate']} samples; errored predictions are left out as in the reference (--strict counts them as 0)."
        )
    if "compare" in s:
        _print_compare(runs, s["compare"])
    click.echo(f"\nRun record: {output}/summary.json, {output}/per_sample.jsonl")


def _print_compare(runs: list[ModelRun], compare: dict[str, Any]) -> None:
    from tabulate import tabulate

    click.echo(f"\nPaired t-test, {runs[0].model} minus {runs[1].model}, paired by sample id:")
    rows = [
        [
            metric,
            test["n"],
            _fmt(None if test["mean_diff"] is None else test["mean_diff"] * (1 if metric == "qor" else 100), 4),
            _fmt(test["t_statistic"], 4),
            p_value(test["p_value"], missing="N/A"),
        ]
        for metric, test in compare["tests"].items()
    ]
    click.echo(
        tabulate(
            rows,
            headers=["Metric", "Pairs", "Mean diff (points)", "t", "p"],
            tablefmt="github",
            disable_numparse=True,
        )
    )


def _evaluate_bfcl(options: dict[str, Any]) -> None:
    from functools import partial

    from toolgrad_eval.bfcl.runner import run_bfcl
    from toolgrad_eval.names import is_many

    score = partial(
        run_bfcl,
        options["dataset"],
        bfcl_data=options["bfcl_data"],
        fmt=options["result_format"],
        score_dir=options["score_dir"],
        overwrite=options["overwrite"],
        fetch=options["fetch_bfcl_data"],
        handler_model=options["bfcl_handler"],
    )
    model = options["pred_model"]
    if is_many(model):
        _evaluate_bfcl_models(options, score)
    else:
        score(model, options["output"] or default_output("bfcl", model), echo=click.echo)
    teardown.outputs_durable()  # reached only when every model was scored and written


def _evaluate_bfcl_models(options: dict[str, Any], score: Any) -> None:
    """``--pred_model a,b,c`` / ``all``: one process, the data read once; records under --output/<model>."""
    from functools import partial

    from toolgrad_eval.bfcl.many import resolve_models, run_bfcl_models, summary_table
    from toolgrad_eval.bfcl.runner import preload_data
    from toolgrad_eval.names import folder_name

    models = resolve_models(options["dataset"], options["pred_model"])
    root = options["output"]

    def output_for(name: str) -> Path:
        return root / folder_name(name) if root is not None else default_output("bfcl", name)

    preload = partial(
        preload_data, options["dataset"], bfcl_data=options["bfcl_data"], fetch=options["fetch_bfcl_data"]
    )
    runs = run_bfcl_models(models, output_for, score, echo=click.echo, preload=preload)
    if runs.summaries:
        synthetic = any(s["synthetic"] for s in runs.summaries.values())
        click.echo(f"\nBFCL, {len(runs.summaries)} models" + (" (SYNTHETIC demo data)" if synthetic else ""))
        click.echo(summary_table(runs))
        click.echo("Run records: " + ", ".join(str(output_for(m)) for m in runs.summaries))
    if runs.failed:
        raise DatasetError(
            options["dataset"],
            f"{len(runs.failed)} of {len(models)} models not scored: "
            + "; ".join(f"{m} ({printable(why)})" for m, why in runs.failed.items()),
        )


def _fmt(value: float | None, digits: int) -> str:
    return "N/A" if value is None else f"{value:.{digits}f}"
