"""Scoring one model's ToolGrad-5k predictions: rule metrics, stored verdicts, the judge.

Semantics follow the reference evaluator (see the README, "Metric semantics"), with its bugs
left out: each sample counts once in every mean, values are paired by sample id, and a failed
judgment is counted as a judge error instead of a score.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable

from toolgrad_eval.judge.client import Judge
from toolgrad_eval.judge.task import JudgeResult, JudgeTask
from toolgrad_eval.record_schema import Toolgrad5kResult, refused_as_error
from toolgrad_eval.stats import paired_ttest
from toolgrad_eval.toolgrad5k.dataset import Toolgrad5k, is_synthetic
from toolgrad_eval.toolgrad5k.metrics import mean
from toolgrad_eval.toolgrad5k.sample import SampleRow, SuccessRateMode, prepare_samples

METRICS = ("recall", "success_rate", "qor")


@dataclass
class ModelRun:
    model: str
    rows: list[SampleRow]
    result: Toolgrad5kResult  # the run record's summary, less what write_run_record adds
    warnings: list[str] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, Any]:
        """The summary's keys and values as written (a new dict each time: change ``result`` instead)."""
        return self.result.record()

    def values(self, metric: str) -> dict[str, float | None]:
        return {row.id: getattr(row, metric) for row in self.rows}


def evaluate_model(
    dataset: Toolgrad5k,
    model: str,
    judge: Judge,
    *,
    success_rate_mode: SuccessRateMode = "reference",
    num_process: int = 1,
    on_progress: Callable[[int, int, int], None] | None = None,
    use_stored: bool = True,
    processes: int | None = None,
) -> ModelRun:
    """Score every test id of ``model``. Only an unreadable dataset raises (DatasetError).

    ``use_stored=False`` (``--ignore-stored``) sets the verdicts stored in prediction files aside:
    every metric is computed and QoR comes from the cache or the judge. ``--overwrite`` implies it.
    ``processes``: how samples are prepared (sample.py); None decides by machine and size.
    ``on_progress(done, total, failed)``: after each judgment (``failed``: judge errors so far).
    """
    use_stored = use_stored and not judge.overwrite
    ids = dataset.test_ids()
    dataset.check_model(model)
    rows: list[SampleRow] = []
    by_id: dict[str, SampleRow] = {}
    collected: dict[str, list[JudgeResult]] = {}
    warnings = list(dataset.warnings)
    stored_count = cache_hits = done = failed = 0
    requests_before = judge.http_requests

    # Samples whose prompts are identical share one cache key: one request is sent, and the
    # others take its result when it comes (a verdict is then a cache hit for them).
    twins: dict[str, list[JudgeTask]] = {}  # key of a submitted task -> tasks waiting on it
    key_of: dict[tuple[str, int], str] = {}  # (sample id, k) of a submitted task -> its key
    n_to_judge = 0  # samples the cache could not answer

    def record(result: JudgeResult) -> None:
        nonlocal done, cache_hits, failed
        collected.setdefault(result.sample_id, []).append(result)
        if result.source == "cache":  # another process sharing the cache received it meanwhile (claims.py)
            cache_hits += 1
            judge.meter.add_saved(result.saved_usd)
        for twin in twins.pop(key_of.get((result.sample_id, result.k), ""), ()):
            shared = replace(result, sample_id=twin.sample_id, k=twin.k, usage=None, requests=0)
            if result.verdict is not None:
                # The twin reuses a verdict exactly as if it had found it in the cache (which it does
                # when it is read after the verdict arrived: timing, and so --num_process, must not
                # change what is counted).
                shared.source = "cache"
                cache_hits += 1
                judge.meter.add_saved(judge.meter.value_of({"usage": result.usage, "batch": result.source == "batch"}))
            collected.setdefault(twin.sample_id, []).append(shared)
        done += 1
        failed += result.verdict is None and not result.not_judged
        if on_progress:
            on_progress(done, len(stream.tasks), failed)

    # Judging starts with the first sample that needs it; the rest is read while requests are in flight.
    # Samples are prepared before the stream starts any thread (forked preparation needs that).
    prepared = prepare_samples(dataset, model, ids, judge, success_rate_mode, use_stored, processes=processes)
    with judge.stream(num_process=num_process) as stream:
        for item in prepared:
            row, sid = item.row, item.row.id
            rows.append(row)
            by_id[sid] = row
            if row.input_error is not None:
                warnings.append(row.input_error)
                continue
            stored_count += item.used_stored
            n_to_judge += bool(item.owed)
            for hit in item.hits:
                judge.meter.add_saved(hit.saved_usd)
                collected.setdefault(sid, []).append(hit)
                cache_hits += 1
            for task in item.owed:
                if task.key in twins:
                    twins[task.key].append(task)
                else:
                    twins[task.key] = []
                    key_of[(task.sample_id, task.k)] = task.key
                    stream.submit(task)
        stream.results(on_result=record)
    for sid, results in collected.items():
        _apply(by_id[sid], results)

    scored = [r for r in rows if r.input_error is None]
    with refused_as_error(f"ToolGrad-5k run of {model!r}"):
        result = Toolgrad5kResult(
            benchmark="toolgrad5k",
            model=model,
            dataset=str(dataset.root),
            synthetic=is_synthetic(dataset.root),
            split=dataset.split,
            response_key=dataset.response_key,
            n_samples=len(rows),
            recall=mean(r.recall for r in scored),
            precision=mean(r.precision for r in scored),
            success_rate=mean(r.success_rate for r in scored),
            qor=mean(r.qor for r in scored),
            success_rate_mode=success_rate_mode,
            n_success_rate=sum(r.success_rate is not None for r in scored),
            n_qor=sum(r.qor is not None for r in scored),
            n_input_errors=len(rows) - len(scored),
            n_prediction_errors=sum(r.prediction_error is not None for r in scored),
            n_judge_errors=sum(r.judge_error is not None and not r.not_judged for r in scored),
            n_not_judged=sum(r.not_judged for r in scored),
            n_to_judge=n_to_judge,
            judge_requests=judge.http_requests - requests_before,
            judge_seconds=round(stream.seconds, 3),
            judge_tokens=judge.tokens,
            **judge.cost_summary(),
            judge_samples=judge.settings.samples,
            judge_temperature=judge.temperature,
            **_stability(scored, judge.settings.samples),
            **judge.stats(),
            cache_hits=cache_hits,
            stored_verdicts=stored_count,
            stored_verdicts_ignored=not use_stored,
            judge_model=judge.settings.model,
            judge_template=judge.template.id,
            judge_template_sha256=judge.template.sha256,
        )
    return ModelRun(model=model, rows=rows, result=result, warnings=warnings)


def _apply(row: SampleRow, results: list[JudgeResult]) -> None:
    """A sample's K judgments: QoR is their mean; any missing one makes the sample a judge error."""
    results = sorted(results, key=lambda r: r.k)
    sources = {r.source for r in results}
    row.verdict_source = (
        "cache" if sources == {"cache"} else next(s for s in ("batch", "judge", "cache") if s in sources)
    )
    paid = [r.usage for r in results if r.source != "cache" and r.usage]
    if paid:  # the replies that gave this run's verdicts (a re-asked invalid reply is in the summary only)
        row.judge_tokens = {name: sum(u.get(name, 0) for u in paid) for name in ("prompt_tokens", "completion_tokens")}
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
    stds = [r.qor_std for r in rows if r.qor_std is not None]
    spreads = [r.qor_spread for r in rows if r.qor_std is not None and r.qor_spread is not None]
    return {
        "qor_judge_std_mean": mean(stds),
        "qor_judge_spread_mean": mean(spreads),
        "qor_judge_std_max": max(stds, default=None),
        "n_qor_judge_samples": len(stds),
    }


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
