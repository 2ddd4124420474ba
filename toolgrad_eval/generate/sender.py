"""Sending generation requests with the judge's machinery: endpoint pool, limiter, retries, tokens.

A worker thread per request in flight (``--num_process``) takes the next entry, sends its request
through :func:`toolgrad_eval.judge.endpoints.post_chat` to the least busy replica that is not
resting, and hands the outcome back to the one thread that writes result files. Failures are
handled as the judge handles them (:mod:`toolgrad_eval.judge.retry`): 429s wait out Retry-After
and lower the concurrency (:mod:`toolgrad_eval.judge.limiter`); timeouts, dropped connections and
5xx are retried with backoff, on another replica when there is one (the failed one rests); any
other 4xx, a reply over the size cap, or a 200 whose body is not a completion (asked once more)
fails the entry (recorded as an error, sent again by the next run); a refused key, an unknown
model, a redirect, every replica unreachable or the run's retry budget spent stops the run (see
:mod:`toolgrad_eval.judge.endpoints`). Tokens are counted by the judge's
:class:`~toolgrad_eval.judge.cost.CostMeter`.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterator

from toolgrad_eval.errors import ToolgradError
from toolgrad_eval.judge.cost import CostMeter
from toolgrad_eval.judge.endpoints import EndpointPool, post_chat
from toolgrad_eval.judge.limiter import AdaptiveLimit
from toolgrad_eval.judge.retry import Attempts

__all__ = ["GenerateAborted", "GenerateIncomplete", "Outcome", "SendSettings", "Sender"]


class GenerateAborted(ToolgradError):
    """The run stopped: the model server refused us in a way no retry can fix (bad key, unknown
    model, no quota, a redirect), every replica is unreachable, or the retry budget is spent."""


class GenerateIncomplete(ToolgradError):
    """Some entries got no reply: recorded as errors (not answers), sent again by the next run."""


@dataclass(frozen=True)
class SendSettings:
    timeout: float = 300.0  # seconds per HTTP request (long generations on a busy replica)
    max_attempts: int = 6  # per entry, for 5xx / connection errors / timeouts
    rate_limit_attempts: int = 100
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    rest_seconds: float = 10.0  # a replica whose request failed gets no new request for this long (if others can)
    max_stall: float = 600.0  # the run stops after this long without any reply while requests keep failing


@dataclass(frozen=True)
class Job:
    key: Any  # the caller's handle for the entry (category, id)
    body: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    key: Any
    reply: dict[str, Any] | None  # the decoded chat.completion (None: an error)
    error: str | None = None
    retryable: bool = False  # a transport error: a later run sends the entry again
    latency: float = 0.0  # seconds of the request that got the reply
    requests: int = 0


class Sender:
    """``num_process`` workers sending :class:`Job` s; ``outcomes`` yields results as they come."""

    def __init__(self, pool: EndpointPool, num_process: int, settings: SendSettings, meter: CostMeter) -> None:
        self.pool, self.settings, self.meter = pool, settings, meter
        self.limiter = AdaptiveLimit(num_process)
        self.stop = threading.Event()
        self._todo: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[Outcome | BaseException] = queue.SimpleQueue()
        # Daemon threads: on Ctrl-C or an abort the process must not wait for requests in flight.
        self._threads = [
            threading.Thread(target=self._work, name=f"generate-{i}", daemon=True) for i in range(max(1, num_process))
        ]

    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        """Send every job; yields each outcome as it arrives. Raises GenerateAborted on a refusal."""
        for job in jobs:
            self._todo.put(job)
        for thread in self._threads[: len(jobs)]:
            thread.start()
            self._todo.put(None)
        try:
            for _ in range(len(jobs)):
                while True:
                    try:
                        item = self._done.get(timeout=0.25)  # a timeout keeps Ctrl-C responsive
                        break
                    except queue.Empty:
                        continue
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.stop.set()

    def _work(self) -> None:
        while not self.stop.is_set():
            job = self._todo.get()
            if job is None:
                return
            try:
                self._done.put(self.send(job))
            except BaseException as exc:  # handed to the writing thread, which raises it
                self.stop.set()
                self._done.put(exc)
                return

    def send(self, job: Job) -> Outcome:
        """Send one request on the calling thread and return its outcome, with everything :meth:`run`
        gives each job: a replica from the pool, the shared concurrency limit, the run's retries and
        backoff, token counting. A caller that drives its own threads (a conversation sends its
        requests one after another) uses this; it raises GenerateAborted as :meth:`run` does, and
        returns a no-reply outcome once :attr:`stop` is set."""
        settings, limiter, pool, stop = self.settings, self.limiter, self.pool, self.stop
        attempts = Attempts(
            settings.max_attempts, settings.rate_limit_attempts, settings.backoff_base, settings.backoff_max
        )
        requests = 0
        problem = "interrupted before its request"
        prompt_chars = len(str(job.body.get("messages", "")))
        while not stop.is_set():
            token = limiter.acquire(stop)
            if token is None:
                break
            endpoint = pool.acquire()
            requests += 1
            started = time.perf_counter()
            try:
                reply = post_chat(endpoint.client, job.body)
            except Exception as exc:
                latency = time.perf_counter() - started
                failure = pool.release_failed(endpoint, exc, "model server")
                limiter.release(token, "rate_limited" if failure.action == "rate_limited" else "error")
                problem = failure.message
                if failure.action == "abort":
                    raise GenerateAborted(failure.message) from None
                if failure.action == "fail":  # the server refused this one request: that is its answer
                    return Outcome(job.key, None, problem, retryable=False, latency=latency, requests=requests)
                delay = attempts.next_delay(failure)
                if delay is None:
                    return Outcome(
                        job.key, None, f"{problem} (after {requests} attempts)", retryable=True, requests=requests
                    )
                stop.wait(delay)
                continue
            latency = time.perf_counter() - started
            pool.release(endpoint)
            limiter.release(token, "ok")
            if not isinstance(reply, dict):
                return Outcome(job.key, None, "reply is not a JSON object", retryable=True, requests=requests)
            self.meter.settle(0.0, _usage(reply), prompt_chars)
            return Outcome(job.key, reply, latency=latency, requests=requests)
        return Outcome(job.key, None, problem, retryable=True, requests=requests)


def _usage(reply: dict[str, Any]) -> dict[str, int] | None:
    from toolgrad_eval.judge.reply import reply_parts

    return reply_parts(reply)[1]
