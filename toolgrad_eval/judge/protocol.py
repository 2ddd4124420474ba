"""What the judging runs (``stream.py`` live, ``batch.py`` through the Batch API) need of a judge.

``client.Judge`` is one; the runs take it through this protocol, so they sit below the client
and import nothing of it (the client builds its streams: an import the other way would be a circle).
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Protocol

from toolgrad_eval.judge.cache import JudgmentCache
from toolgrad_eval.judge.cost import CostMeter
from toolgrad_eval.judge.endpoints import EndpointPool
from toolgrad_eval.judge.limiter import AdaptiveLimit
from toolgrad_eval.judge.task import JudgeResult, JudgeTask


class RetrySettings(Protocol):
    """The judge's settings a Batch/Files API call reads (its model, and how it retries)."""

    @property
    def model(self) -> str: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def backoff_base(self) -> float: ...
    @property
    def backoff_max(self) -> float: ...


class TaskJudge(Protocol):
    """A judge as the runs use it: its cache, cost meter and settings; the SDK clients it builds;
    one task judged, looked up, stored or turned into a request body."""

    pool: EndpointPool | None  # built by client(); a run that fails closes it and sets None
    limiter: AdaptiveLimit | None  # each live run sets its own
    batch_info: dict[str, Any] | None  # what a --batch run did, for the summary

    @property
    def cache(self) -> JudgmentCache: ...
    @property
    def meter(self) -> CostMeter: ...
    @property
    def settings(self) -> RetrySettings: ...
    @property
    def stopping(self) -> threading.Event: ...
    @property
    def on_result(self) -> Callable[[JudgeResult], None]: ...

    def new_stop_signal(self) -> threading.Event: ...
    def client(self, n_tasks: int | None = None) -> Any: ...
    def judge_one(self, task: JudgeTask, stop: threading.Event) -> JudgeResult: ...
    def cached(self, task: JudgeTask) -> JudgeResult | None: ...
    def store(
        self, task: JudgeTask, raw: str, usage: dict[str, int] | None, model: str | None, *, batch: bool = False
    ) -> Any: ...
    def request_body(self, task: JudgeTask) -> dict[str, Any]: ...
