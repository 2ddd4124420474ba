"""Scoring one model's ToolGrad-5k predictions: rule metrics, stored verdicts, the judge.

Semantics follow the reference evaluator (see the README, "Metric semantics"), with its bugs
left out: each sample counts once in every mean, values are paired by sample id, and a failed
judgment is counted as a judge error instead of a score.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Literal

from toolgrad_eval.errors import InputFileError
from toolgrad_eval.judge.client import Judge, JudgeResult, JudgeTask
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
    verdict_source: Literal["stored", "cache", "judge", "batch", "none"] = "none"
    judge_reason: str | None = None
    response_scores: list[float] | None = None
    num_requests: int | None = None
    prediction_error: str | None = None
    judge_error: str | None = None
    input_error: str | None = None
    not_judged: bool = False  # --max-cost stopped before this sample was judged (also a judge_error)
    qor_samples: list[float] | None = None  # --judge-samples K > 1: the K judge scores (QoR is their mean)
    qor_std: float | None = None  # their sample standard deviation: the judge's noise on this sample
    qor_spread: float | None = None  # max - min of the K scores
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
    use_stored: bool = True,
) -> ModelRun:
    """Score every test id of ``model``. Only an unreadable dataset raises (DatasetError).

    ``use_stored=False`` (``--ignore-stored``) sets the verdicts stored in prediction files aside:
    every metric is computed and QoR comes from the cache or the judge. ``--overwrite`` implies it.
    """
    use_stored = use_stored and not judge.overwrite
    ids = dataset.test_ids()
    dataset.check_model(model)
    rows: list[SampleRow] = []
    by_id: dict[str, SampleRow] = {}
    collected: dict[str, list[JudgeResult]] = {}
    warnings = list(dataset.warnings)
    stored_count = cache_hits = done = 0
    requests_before = judge.http_requests

    # Samples whose prompts are identical share one cache key: one request is sent, and the
    # others take its result when it comes (a verdict is then a cache hit for them).
    twins: dict[str, list[JudgeTask]] = {}  # key of a submitted task -> tasks waiting on it
    key_of: dict[tuple[str, int], str] = {}  # (sample id, k) of a submitted task -> its key
    twin_ids: set[str] = set()

    def record(result: JudgeResult) -> None:
        nonlocal done, cache_hits
        collected.setdefault(result.sample_id, []).append(result)
        for twin in twins.pop(key_of.get((result.sample_id, result.k), ""), ()):
            shared = replace(result, sample_id=twin.sample_id, k=twin.k, usage=None, requests=0)
            if result.verdict is not None:
                shared.source = "cache"
                cache_hits += 1
            collected.setdefault(twin.sample_id, []).append(shared)
        done += 1
        if on_progress:
            on_progress(done, len(stream.tasks))

    # Judging starts with the first sample that needs it; the rest is read while requests are in flight.
    with judge.stream(num_process=num_process) as stream:
        for sid in ids:
            row = SampleRow(id=sid)
            rows.append(row)
            by_id[sid] = row
            try:
                owed, used_stored = _score_without_judge(dataset, model, sid, row, judge, success_rate_mode, use_stored)
            except InputFileError as exc:
                _clear_metrics(row)
                row.input_error = str(exc)
                warnings.append(str(exc))
                continue
            stored_count += used_stored
            if owed is None:
                if row.query is None:
                    row.query = _query_for_display(dataset, sid)
                continue
            for task in owed:
                hit = judge.cached(task)
                if hit is not None:
                    collected.setdefault(sid, []).append(hit)
                    cache_hits += 1
                elif task.key in twins:
                    twins[task.key].append(task)
                    twin_ids.add(sid)
                else:
                    twins[task.key] = []
                    key_of[(task.sample_id, task.k)] = task.key
                    stream.submit(task)
        stream.results(on_result=record)
    for sid, results in collected.items():
        _apply(by_id[sid], results)

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
        "n_judge_errors": sum(r.judge_error is not None and not r.not_judged for r in scored),
        "n_not_judged": sum(r.not_judged for r in scored),
        "n_to_judge": len({t.sample_id for t in stream.tasks} | twin_ids),
        "judge_requests": judge.http_requests - requests_before,
        "judge_seconds": round(stream.seconds, 3),
        "judge_tokens": judge.tokens,
        **judge.cost_summary(),
        "judge_samples": judge.settings.samples,
        "judge_temperature": judge.temperature,
        **_stability(scored, judge.settings.samples),
        **judge.stats(),
        "cache_hits": cache_hits,
        "stored_verdicts": stored_count,
        "stored_verdicts_ignored": not use_stored,
        "judge_model": judge.settings.model,
        "judge_template": judge.template.id,
        "judge_template_sha256": judge.template.sha256,
    }
    return ModelRun(model=model, rows=rows, summary=summary, warnings=warnings)


def _score_without_judge(
    dataset: Toolgrad5k, model: str, sid: str, row: SampleRow, judge: Judge, mode: SuccessRateMode, use_stored: bool = True
) -> tuple[list[JudgeTask] | None, bool]:
    """Fill what needs no judge; return the judge tasks still owed (if any) and whether a stored verdict was used."""
    prediction = dataset.prediction(model, sid)
    row.response = _display(prediction.response_for_display())
    if prediction.status != "ok":
        row.prediction_error = prediction.error or "empty prediction"
    stored = prediction.stored if use_stored else None
    used_stored = False
    if stored is not None:
        row.recall, row.precision = stored.recall, stored.precision
        row.success_rate, row.qor = stored.success_rate, stored.qor  # stored QoR is used unclipped, as in the reference
        used_stored = any(v is not None for v in (row.recall, row.success_rate, row.qor))
        if row.qor is not None:
            row.verdict_source = "stored"
            row.judge_reason = stored.reason
        if None not in (row.recall, row.success_rate, row.qor):
            return None, True  # complete: the trace is not even read, as in the reference

    if prediction.status != "ok":
        # The model produced nothing usable: recall and QoR count as 0. The reference leaves such
        # samples out of the Success Rate mean; strict mode counts them as 0 there too.
        row.recall = 0.0 if row.recall is None else row.recall
        row.precision = 0.0 if row.precision is None else row.precision
        row.qor = 0.0 if row.qor is None else row.qor
        if row.success_rate is None and mode == "strict":
            row.success_rate = 0.0
        return None, used_stored

    if row.recall is None or row.success_rate is None:
        gt_tools = dataset.gt_tools(sid)
        if row.recall is None:
            row.recall, row.precision = tool_recall_precision(gt_tools, prediction.calls)
        if row.success_rate is None:
            row.success_rate = success_rate(gt_tools, prediction.calls)
    if row.qor is not None:
        return None, used_stored

    if prediction.response is None:
        raise InputFileError(
            dataset.prediction_path(model, sid),
            f"missing the response key {dataset.response_key!r} (see --response_key / --unbiased_writer)",
        )
    reference = dataset.reference(sid)
    row.query = _display(reference.query)
    owed = judge.tasks(
        sid, query=reference.query, calls=prediction.calls, response=prediction.response, reference=reference.response
    )
    return owed, used_stored


def _query_for_display(dataset: Toolgrad5k, sid: str) -> str | None:
    """The query, for reports only: a sample scored from a stored verdict does not need it, so an
    unreadable data file must not turn it into an input error."""
    try:
        return _display(dataset.reference(sid).query)
    except InputFileError:
        return None


def _apply(row: SampleRow, results: list[JudgeResult]) -> None:
    """A sample's K judgments: QoR is their mean; any missing one makes the sample a judge error."""
    results = sorted(results, key=lambda r: r.k)
    sources = {r.source for r in results}
    row.verdict_source = "cache" if sources == {"cache"} else next(s for s in ("batch", "judge", "cache") if s in sources)
    failed = [r for r in results if r.verdict is None]
    if failed:
        row.judge_error = "; ".join(dict.fromkeys(r.error or "no verdict" for r in failed))
        row.not_judged = all(r.not_judged for r in failed)
        row.qor = None  # never silently 0: the sample leaves the QoR mean and is counted as a judge error
        return
    first = results[0].verdict
    assert first is not None
    scores = [r.verdict.qor for r in results if r.verdict is not None]
    row.qor = sum(scores) / len(scores)
    row.judge_reason = first.reason
    row.response_scores = list(first.response_scores)
    row.num_requests = first.num_requests
    if len(scores) > 1:
        row.qor_samples = scores
        row.qor_std = statistics.stdev(scores)
        row.qor_spread = max(scores) - min(scores)


def _stability(rows: list[SampleRow], k: int) -> dict[str, Any]:
    """How much of QoR is judge noise: per-sample spread of the K judgments, averaged."""
    if k < 2:
        return {}
    judged = [r for r in rows if r.qor_std is not None]
    return {
        "qor_judge_std_mean": mean(r.qor_std for r in judged),
        "qor_judge_spread_mean": mean(r.qor_spread for r in judged),
        "qor_judge_std_max": max((r.qor_std for r in judged), default=None),
        "n_qor_judge_samples": len(judged),
    }


def _clear_metrics(row: SampleRow) -> None:
    row.recall = row.precision = row.success_rate = row.qor = None
    row.verdict_source = "none"


def _display(text: str | None) -> str | None:
    if text is None or len(text) <= _DISPLAY_CHARS:
        return text
    return text[:_DISPLAY_CHARS] + "…"


def compare_runs(main: ModelRun, other: ModelRun) -> dict[str, Any]:
    """Paired t-tests per metric of ``main - other``, pairs matched by sample id."""
    tests = {}
    for metric in METRICS:
        test = paired_ttest(other.values(metric), main.values(metric))
        tests[metric] = {
            "n": test.n,
            "mean_model": test.mean_b,
            "mean_compare_model": test.mean_a,
            "mean_diff": test.mean_diff,
            "t_statistic": test.t_statistic,
            "p_value": test.p_value,
        }
    return {
        "model": main.model,
        "compare_model": other.model,
        "difference": "model minus compare_model",
        "pairing": "by sample id",
        "tests": tests,
    }


_ROW_FIELDS = tuple(f.name for f in fields(SampleRow))


def rows_as_dicts(run: ModelRun) -> list[dict[str, Any]]:
    """One dict per row (a shallow copy: the fields are scalars or lists of numbers)."""
    return [{name: _copy(getattr(row, name)) for name in _ROW_FIELDS} for row in run.rows]


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
