"""``--model a,b,c`` / ``--model all`` on ToolGrad-5k and ToolBench: several models in one run.

BFCL has its own (bfcl/many.py: the data read once, models scored in forked processes). Here each
model goes through the single-model path in turn, into its own run record (``--output/<model>`` or
the default folder), and one table follows with the single-model table's value columns, a row per
model. A model that cannot be scored costs that model, not the run: it is named at the end and the
exit status is the worst of the models'.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import click

from toolgrad_eval.errors import ConfigError, DatasetError, ToolgradError
from toolgrad_eval.names import check_model_name
from toolgrad_eval.units import percent

__all__ = ["TOOLBENCH_HEADERS", "TOOLGRAD5K_HEADERS", "evaluate_models", "resolve_models"]

ALL = "all"
TOOLGRAD5K_HEADERS = ["Model", "Recall %", "Success Rate %", "QoR", "Judged (QoR n)"]
TOOLBENCH_HEADERS = ["Model", "Queries", "SoPR %", "± (rounds)", "95% CI"]


def resolve_models(spec: str, available: list[str], where: Path) -> list[str]:
    """``all``: every model the dataset holds (sorted); else the comma-separated names, in order,
    repeats dropped."""
    if spec == ALL:
        if not available:
            raise DatasetError(where, "--model all: the dataset holds no model's predictions")
        return sorted(available)
    names = list(dict.fromkeys(part.strip() for part in spec.split(",")))
    if "" in names:
        raise ConfigError(f"--model {spec!r}: an empty name in the list (a,b,c)")
    for name in names:
        check_model_name(name)
    return names


def evaluate_models(
    options: dict[str, Any],
    benchmark: str,
    evaluate_one: Callable[[dict[str, Any]], None],
    default_output: Callable[[str, str], Path],
) -> None:
    """Score every model of ``options["pred_model"]`` with ``evaluate_one`` (the single-model path,
    given the options with one model and its own output), then print one table."""
    from toolgrad_eval.names import folder_name

    dataset: Path = options["dataset"]
    if options.get("compare_model"):
        raise ConfigError("--compare-model pairs two single models; with several --model names, use `diff`")
    models = resolve_models(options["pred_model"], _available(benchmark, dataset, options), dataset)
    root: Path | None = options["output"]
    outputs = {m: root / folder_name(m) if root is not None else default_output(benchmark, m) for m in models}
    status, failed = 0, {}
    for model in models:
        click.echo(f"\n== {model} ==")
        try:
            evaluate_one({**options, "pred_model": model, "output": outputs[model]})
        except SystemExit as exc:  # a partial or budget-stopped run: its record is written
            code = exc.code if isinstance(exc.code, int) else 1
            if code == 130:
                raise
            status = max(status, code)
        except ToolgradError as exc:
            failed[model] = str(exc)
    summaries = {m: _summary(outputs[m]) for m in models if m not in failed}
    scored = {m: s for m, s in summaries.items() if s is not None}
    if scored:
        click.echo(f"\n{len(scored)} models")
        click.echo(summary_table(benchmark, scored, options["max_judge_errors"]))
    if failed:
        raise DatasetError(
            dataset,
            f"{len(failed)} of {len(models)} models not scored: "
            + "; ".join(f"{m} ({why})" for m, why in failed.items()),
        )
    if status:
        raise SystemExit(status)


def summary_table(benchmark: str, summaries: dict[str, dict[str, Any]], max_judge_errors: float) -> str:
    from tabulate import tabulate

    if benchmark == "toolgrad5k":
        rows = [_toolgrad5k_row(m, s, max_judge_errors) for m, s in summaries.items()]
        headers = TOOLGRAD5K_HEADERS
    else:
        rows = [_toolbench_row(m, s) for m, s in summaries.items()]
        headers = TOOLBENCH_HEADERS
    return str(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))


def _toolgrad5k_row(model: str, s: dict[str, Any], max_judge_errors: float) -> list[Any]:
    from toolgrad_eval.cli.judging import judged_cell

    judged = judged_cell(s, max_judge_errors)
    return [model, percent(s.get("recall"), 4), percent(s.get("success_rate"), 4), _num(s.get("qor"), 3), judged]


def _toolbench_row(model: str, s: dict[str, Any]) -> list[Any]:
    def avg(key: str) -> Any:
        value = s.get(key)
        return value.get("average") if isinstance(value, dict) else None

    ci = avg("sopr_ci")
    return [
        model,
        avg("sopr_n"),
        _num(avg("sopr"), 1),
        _num(avg("sopr_std"), 1),
        "" if not ci else f"[{ci[0]:.1f}, {ci[1]:.1f}]",
    ]


def _num(value: Any, digits: int) -> str:
    return "N/A" if not isinstance(value, (int, float)) else f"{value:.{digits}f}"


def _summary(output: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((output / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _available(benchmark: str, dataset: Path, options: dict[str, Any]) -> list[str]:
    if options["pred_model"] != ALL:
        return []
    if benchmark == "toolgrad5k":
        from toolgrad_eval.toolgrad5k.dataset import Toolgrad5k

        return Toolgrad5k(dataset, split=options["split"]).models()
    folders = [dataset / "model_predictions_converted", dataset / "answer"]
    reference = options.get("reference_model")
    return sorted({p.name for f in folders if f.is_dir() for p in f.iterdir() if p.is_dir() and p.name != reference})
