"""Scoring one model's ToolGrad-5k predictions: rule metrics, stored verdicts, the judge.

Semantics follow the reference evaluator (see the README, "Metric semantics"), with its bugs
left out: each sample counts once in every mean, values are paired by sample id, and a failed
judgment is counted as a judge error instead of a score.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Literal

from toolgrad_eval.errors import InputFileError
from toolgrad_eval.judge.client import Judge, JudgeResult, JudgeTask, judge_all
from toolgrad_eval.stats import paired_ttest
from toolgrad_eval.toolgrad5k.dataset import Toolgrad5k, is_synthetic
from toolgrad_eval.toolgrad5k.metrics import mean, success_rate, tool_recall_precision

SuccessRateMode = Literal["reference", "strict"]
METRICS = ("recall", "success_rate", "qor")
_DISPLAY_CHARS = 2000


@dataclass
class SampleRow:
    id: str
    recall: float | None = None
    precision: float | None = None
    success_rate: float | None = None
    qor: float | None = None
    verdict_source: Literal["stored", "cache", "judge", "none"] = "none"
    judge_reason: str | None = None
    response_scores: list[float] | None = None
    num_requests: int | None = None
    prediction_error: str | None = None
    judge_error: str | None = None
    input_error: str | None = None
    query: str | None = None
    response: str | None = None


@dataclass
class ModelRun:
    model: str
    rows: list[SampleRow]
    summary: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def values(self, metric: str) -> dict[str, float | None]:
        return {row.id: getattr(row, metric) for row in self.rows}


def evaluate_model(
    dataset: Toolgrad5k,
    model: str,
    judge: Judge,
    *,
    success_rate_mode: SuccessRateMode = "reference",
    num_process: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
) -> ModelRun:
    """Score every test id of ``model``. Only an unreadable dataset raises (DatasetError)."""
    ids = dataset.test_ids()
    dataset.check_model(model)
    rows: list[SampleRow] = []
    tasks: list[JudgeTask] = []
    by_id: dict[str, SampleRow] = {}
    warnings = list(dataset.warnings)
    stored_count = 0
    for sid in ids:
        row = SampleRow(id=sid)
        rows.append(row)
        by_id[sid] = row
        try:
            task, used_stored = _score_without_judge(dataset, model, sid, row, judge, success_rate_mode)
        except InputFileError as exc:
            _clear_metrics(row)
            row.input_error = str(exc)
            warnings.append(str(exc))
            continue
        stored_count += used_stored
        if task is not None:
            tasks.append(task)

    hits, misses = judge_all(judge, tasks)
    for result in hits:
        _apply(by_id[result.sample_id], result)
    done = 0

    def record(result: JudgeResult) -> None:
        nonlocal done
        _apply(by_id[result.sample_id], result)
        done += 1
        if on_progress:
            on_progress(done, len(misses))

    requests_before = judge.http_requests
    judge.run(misses, num_process=num_process, on_result=record)

    scored = [r for r in rows if r.input_error is None]
    summary = {
        "benchmark": "toolgrad5k",
        "model": model,
        "dataset": str(dataset.root),
        "synthetic": is_synthetic(dataset.root),
        "split": dataset.split,
        "response_key": dataset.response_key,
        "n_samples": len(rows),
        "recall": mean(r.recall for r in scored),
        "precision": mean(r.precision for r in scored),
        "success_rate": mean(r.success_rate for r in scored),
        "qor": mean(r.qor for r in scored),
        "success_rate_mode": success_rate_mode,
        "n_success_rate": sum(r.success_rate is not None for r in scored),
        "n_qor": sum(r.qor is not None for r in scored),
        "n_input_errors": len(rows) - len(scored),
        "n_prediction_errors": sum(r.prediction_error is not None for r in scored),
        "n_judge_errors": sum(r.judge_error is not None for r in scored),
        "judge_requests": judge.http_requests - requests_before,
        "judge_tokens": judge.tokens,
        "cache_hits": len(hits),
        "stored_verdicts": stored_count,
        "judge_model": judge.settings.model,
        "judge_template": judge.template.id,
        "judge_template_sha256": judge.template.sha256,
    }
    return ModelRun(model=model, rows=rows, summary=summary, warnings=warnings)


def _score_without_judge(
    dataset: Toolgrad5k, model: str, sid: str, row: SampleRow, judge: Judge, mode: SuccessRateMode
) -> tuple[JudgeTask | None, bool]:
    """Fill what needs no judge; return the judge task still owed (if any) and whether a stored verdict was used."""
    prediction = dataset.prediction(model, sid)
    row.response = _display(prediction.response)
    stored = None if judge.overwrite else prediction.stored
    if stored is not None:
        row.recall, row.precision = stored.recall, stored.precision
        row.success_rate, row.qor = stored.success_rate, stored.qor  # stored QoR is used unclipped, as in the reference
        if row.qor is not None:
            row.verdict_source = "stored"
            row.judge_reason = stored.reason
        if None not in (row.recall, row.success_rate, row.qor):
            return None, True

    if prediction.status != "ok":
        # The model produced nothing usable: recall and QoR count as 0. The reference leaves such
        # samples out of the Success Rate mean; strict mode counts them as 0 there too.
        row.prediction_error = prediction.error or "empty prediction"
        row.recall = 0.0 if row.recall is None else row.recall
        row.precision = 0.0 if row.precision is None else row.precision
        row.qor = 0.0 if row.qor is None else row.qor
        if row.success_rate is None and mode == "strict":
            row.success_rate = 0.0
        return None, stored is not None

    if row.recall is None or row.success_rate is None:
        gt_tools = dataset.gt_tools(sid)
        if row.recall is None:
            row.recall, row.precision = tool_recall_precision(gt_tools, prediction.calls)
        if row.success_rate is None:
            row.success_rate = success_rate(gt_tools, prediction.calls)
    if row.qor is not None:
        return None, True

    if prediction.response is None:
        raise InputFileError(
            dataset.prediction_path(model, sid),
            f"missing the response key {dataset.response_key!r} (see --response_key / --unbiased_writer)",
        )
    reference = dataset.reference(sid)
    row.query = _display(reference.query)
    task = judge.task(
        sid, query=reference.query, calls=prediction.calls, response=prediction.response, reference=reference.response
    )
    return task, stored is not None


def _apply(row: SampleRow, result: JudgeResult) -> None:
    row.verdict_source = result.source
    if result.verdict is None:
        row.judge_error = result.error or "no verdict"
        row.qor = None  # never silently 0: the sample leaves the QoR mean and is counted as a judge error
        return
    row.qor = result.verdict.qor
    row.judge_reason = result.verdict.reason
    row.response_scores = list(result.verdict.response_scores)
    row.num_requests = result.verdict.num_requests


def _clear_metrics(row: SampleRow) -> None:
    row.recall = row.precision = row.success_rate = row.qor = None
    row.verdict_source = "none"


def _display(text: str | None) -> str | None:
    if text is None or len(text) <= _DISPLAY_CHARS:
        return text
    return text[:_DISPLAY_CHARS] + "…"


def compare_runs(a: ModelRun, b: ModelRun) -> dict[str, Any]:
    """Paired t-tests of ``b - a`` per metric, pairs matched by sample id."""
    tests = {metric: paired_ttest(a.values(metric), b.values(metric)).as_dict() for metric in METRICS}
    return {
        "model": a.model,
        "compare_model": b.model,
        "pairing": "by sample id",
        "tests": tests,
    }


def rows_as_dicts(run: ModelRun) -> list[dict[str, Any]]:
    return [asdict(row) for row in run.rows]
