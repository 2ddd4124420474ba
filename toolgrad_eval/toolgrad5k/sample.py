"""One ToolGrad-5k sample before the judge: read, scored by rule, its judge tasks looked up in the cache.

``prepare_samples`` does this for every test id, in order. That is the whole of a cached re-run
(three small files, a prompt render and a cache lookup per sample, ~0.4 ms of CPU), so on a machine
with several cores a large dataset is prepared by forked worker processes, each a chunk of ids at
a time; the results come back in order and are the same as sequential preparation gives. Forking
happens before any judge thread exists, and only on Linux; elsewhere preparation is sequential.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Iterable, Iterator, Literal, Sequence

from toolgrad_eval import threads
from toolgrad_eval.errors import ConfigError, InputFileError, ToolgradError
from toolgrad_eval.judge.client import Judge
from toolgrad_eval.judge.task import JudgeResult, JudgeTask
from toolgrad_eval.toolgrad5k.dataset import Toolgrad5k
from toolgrad_eval.toolgrad5k.metrics import success_rate, tool_recall_precision

SuccessRateMode = Literal["reference", "strict"]
_DISPLAY_CHARS = 2000
# Kept because it pays (#17's rule: >= 5% of a run): a cached re-run of 5,000 samples prepares in
# 0.86 s forked against 1.29 s sequentially on the 2-core machine (medians of 3, 2026-12-04), about a
# quarter of that whole command.
PARALLEL_FROM = 1000  # samples; below this, forking costs more than it saves
_CHUNK = 100
_MAX_PROCESSES = 4


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
    judge_tokens: dict[str, int] | None = None  # paid this run for its verdict(s): prompt/completion tokens
    query: str | None = None
    response: str | None = None


@dataclass
class Prepared:
    """One sample as far as it goes without the judge."""

    row: SampleRow
    used_stored: bool = False
    owed: tuple[JudgeTask, ...] = ()  # judge tasks not in the cache, in order
    hits: tuple[JudgeResult, ...] = ()  # judge tasks answered by the cache


@dataclass(frozen=True)
class _Job:
    dataset: Toolgrad5k
    model: str
    judge: Judge
    mode: SuccessRateMode
    use_stored: bool

    def prepare(self, sid: str) -> Prepared:
        row = SampleRow(id=sid)
        try:
            owed, used_stored = score_without_judge(
                self.dataset, self.model, sid, row, self.judge, self.mode, self.use_stored
            )
        except InputFileError as exc:
            _clear_metrics(row)
            row.input_error = str(exc)
            return Prepared(row)
        if owed is None:
            if used_stored:
                # A stored verdict needs neither file, but a sample whose data/ or metadata/ file is
                # missing or broken is an input error whichever way it is scored.
                try:
                    if row.query is None:
                        row.query = _display(self.dataset.reference(sid).query)
                    self.dataset.check_metadata(sid)
                except InputFileError as exc:
                    _clear_metrics(row)
                    row.input_error = str(exc)
                    return Prepared(row)
            elif row.query is None:
                row.query = query_for_display(self.dataset, sid)
            return Prepared(row, used_stored)
        looked_up = [(task, self.judge.cached(task)) for task in owed]
        return Prepared(
            row,
            used_stored,
            tuple(t for t, hit in looked_up if hit is None),
            tuple(hit for _, hit in looked_up if hit is not None),
        )


def prepare_samples(
    dataset: Toolgrad5k,
    model: str,
    ids: Sequence[str],
    judge: Judge,
    mode: SuccessRateMode,
    use_stored: bool,
    *,
    processes: int | None = None,
) -> Iterator[Prepared]:
    """Every id's Prepared, in order. ``processes``: None picks by the machine and the dataset's
    size; 1 forces sequential preparation."""
    job = _Job(dataset, model, judge, mode, use_stored)
    if processes is None:
        processes = _default_processes(len(ids))
    if processes <= 1:
        return (job.prepare(sid) for sid in ids)
    return _forked(job, ids, processes)


def _default_processes(n: int) -> int:
    # Linux only: macOS offers fork too, but forking once ssl and the SDK are loaded is unsafe there.
    if n < PARALLEL_FROM or not sys.platform.startswith("linux"):
        return 1
    return max(1, min(_MAX_PROCESSES, len(os.sched_getaffinity(0))))


# The job a forked worker runs: set while the workers fork, inherited by them (they need the
# dataset, the judge and its open cache: nothing is pickled but ids and results).
_JOB: _Job | None = None


@dataclass(frozen=True)
class _Failure:
    """What stopped a worker: our own error (a damaged cache, say), shown as the sequential run
    would show it, or a bug's traceback. Our exceptions need not survive pickling this way."""

    message: str
    ours: bool


def _forked(job: _Job, ids: Sequence[str], processes: int) -> Iterator[Prepared]:
    global _JOB
    if not threads.alone():  # a fork would copy a lock another thread holds (threads.py)
        yield from (job.prepare(sid) for sid in ids)
        return
    chunks = [list(ids[i : i + _CHUNK]) for i in range(0, len(ids), _CHUNK)]
    # A dead worker (the OOM killer, a crash) breaks the pool and raises, instead of leaving its
    # chunk unanswered forever; with fork, every worker starts at the first submit and none later.
    pool = ProcessPoolExecutor(
        processes, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start, initargs=(os.getpid(),)
    )
    _JOB = job
    try:
        outcomes = pool.map(_prepare_chunk, chunks)  # submits every chunk, forking the workers
    finally:
        _JOB = None
    try:
        for outcome in outcomes:
            if isinstance(outcome, _Failure):
                if outcome.ours:
                    raise ConfigError(outcome.message)
                raise RuntimeError(f"preparing samples failed in a worker process:\n{outcome.message}")
            yield from outcome
    except BrokenProcessPool:
        pool.shutdown(wait=False, cancel_futures=True)
        raise RuntimeError(
            "a worker process preparing samples died (out of memory?); run again, or with fewer samples at a time"
        ) from None
    except BaseException:  # Ctrl-C, or the caller stopped reading: no waiting for chunks in progress
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)  # the workers are idle: they leave at once


def _worker_start(parent: int) -> None:
    """Ctrl-C reaches the whole process group: the parent stops and ends the pool, so a worker
    ignores it (its own KeyboardInterrupt traceback would only be noise). A parent killed outright
    (kill -9) cannot end the pool: the kernel kills the worker with it (Linux's PR_SET_PDEATHSIG)."""
    import ctypes

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before the above took effect
        os._exit(1)


def _prepare_chunk(chunk: Iterable[str]) -> list[Prepared] | _Failure:
    """In a worker: a chunk's Prepared, or what went wrong."""
    assert _JOB is not None
    try:
        return [_JOB.prepare(sid) for sid in chunk]
    except ToolgradError as exc:
        return _Failure(str(exc), ours=True)
    except Exception:
        return _Failure(traceback.format_exc(), ours=False)


def score_without_judge(
    dataset: Toolgrad5k,
    model: str,
    sid: str,
    row: SampleRow,
    judge: Judge,
    mode: SuccessRateMode,
    use_stored: bool = True,
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


def query_for_display(dataset: Toolgrad5k, sid: str) -> str | None:
    """The query, for reports only: a sample scored from a stored verdict does not need it, so an
    unreadable data file must not turn it into an input error."""
    try:
        return _display(dataset.reference(sid).query)
    except InputFileError:
        return None


def _clear_metrics(row: SampleRow) -> None:
    row.recall = row.precision = row.success_rate = row.qor = None
    row.verdict_source = "none"


def _display(text: str | None) -> str | None:
    if text is None or len(text) <= _DISPLAY_CHARS:
        return text
    return text[:_DISPLAY_CHARS] + "…"
