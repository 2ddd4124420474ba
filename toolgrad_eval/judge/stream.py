"""A judging run that starts with the first task, while the caller is still reading the rest."""

from __future__ import annotations

import queue
import threading
import time
from typing import Any, Callable

from toolgrad_eval.judge.batch import BatchOptions, run_batch
from toolgrad_eval.judge.limiter import AdaptiveLimit
from toolgrad_eval.judge.protocol import TaskJudge
from toolgrad_eval.judge.task import JudgeAborted, JudgeResult, JudgeTask


class JudgeStream:
    """Judging that starts with the first task, while the caller is still reading the rest.

    The first ``submit`` builds the SDK clients and starts ``num_process`` workers; each later task
    is picked up as soon as a worker is free, so reading a dataset overlaps with the requests in
    flight instead of delaying the first one. ``results`` waits for every submitted task. Leaving
    the ``with`` block on an exception (Ctrl-C included) stops the workers at once; every verdict
    received is already cached. With ``--batch`` the tasks are collected and sent as one batch by
    ``results``. Nothing is started, and no key is needed, when nothing is submitted.
    """

    def __init__(self, judge: TaskJudge, num_process: int, batch: BatchOptions | None = None) -> None:
        self._judge = judge
        self._batch = batch  # --batch: the tasks go out as one Batch API job in results()
        self._workers = max(1, num_process)
        self._todo: queue.SimpleQueue[JudgeTask | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[JudgeResult | BaseException] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._error: BaseException | None = None
        self._stop: threading.Event | None = None  # this run's, from the first submit on
        self._closed = False  # results() was called: no more tasks
        self.tasks: list[JudgeTask] = []
        self.started: float | None = None  # time.perf_counter() of the first submit
        self.finished: float | None = None

    def __enter__(self) -> JudgeStream:
        return self

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        if exc_type is not None:
            (self._stop or self._judge.stopping).set()
            if self._judge.pool is not None:
                self._judge.pool.close()
                self._judge.pool = None  # closed clients are not reused: a later run builds new ones
        for _ in self._threads:  # idle workers wake up and leave
            self._todo.put(None)

    @property
    def seconds(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.perf_counter()) - self.started

    def submit(self, task: JudgeTask) -> None:
        if self._closed:
            raise RuntimeError("JudgeStream.submit() after results(): start a new stream")
        if self._error is not None:  # a worker hit an unrecoverable error: stop reading at once
            raise self._error
        if self.started is None:
            self.started = time.perf_counter()
        if self._batch is None and self._stop is None:
            self._start()  # may raise (no key): then the task is not counted as submitted
        self.tasks.append(task)
        if self._batch is None:
            if len(self._threads) < self._workers:  # one worker per task, up to num_process
                # Daemon threads, not a ThreadPoolExecutor: on Ctrl-C the process must not wait at
                # exit for requests in flight (up to --timeout each). Finished verdicts are cached.
                thread = threading.Thread(target=self._work, name=f"judge-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
            self._todo.put(task)

    def _start(self) -> None:
        judge = self._judge
        judge.client()
        self._stop = judge.new_stop_signal()
        judge.limiter = AdaptiveLimit(self._workers)

    def _work(self) -> None:
        stop = self._stop
        assert stop is not None
        while not stop.is_set():
            task = self._todo.get()
            if task is None:
                return
            try:
                self._done.put(self._judge.judge_one(task, stop))
            except BaseException as exc:  # handed to the main thread, which re-raises it
                if self._error is None:
                    self._error = exc
                stop.set()  # after the error is recorded: a submit that sees the stop raises it
                self._done.put(exc)

    def results(self, on_result: Callable[[JudgeResult], None] = lambda result: None) -> list[JudgeResult]:
        """Wait for every submitted task; results in completion order. Call it once, last."""
        judge = self._judge
        self._closed = True
        if not self.tasks:
            return []

        def deliver(result: JudgeResult) -> None:
            judge.on_result(result)
            on_result(result)

        if self._batch is not None:
            try:
                return run_batch(judge, self.tasks, self._batch, on_result=deliver)
            finally:
                self.finished = time.perf_counter()
        for _ in self._threads:
            self._todo.put(None)
        results: list[JudgeResult] = []
        while len(results) < len(self.tasks):
            try:
                item = self._done.get(timeout=0.25)  # a timeout keeps Ctrl-C responsive
            except queue.Empty:
                if not any(thread.is_alive() for thread in self._threads) and self._done.empty():
                    raise JudgeAborted("the judge stopped before every task was judged") from None
                continue
            if isinstance(item, BaseException):
                raise item
            results.append(item)
            deliver(item)
        self.finished = time.perf_counter()
        for thread in self._threads:
            thread.join()
        self._threads = []
        return results
