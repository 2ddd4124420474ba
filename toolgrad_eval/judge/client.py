"""Calling the judge: the official ``openai`` SDK against any OpenAI-compatible endpoint.

Endpoint and key come from the SDK's own environment (``OPENAI_BASE_URL``, ``OPENAI_API_KEY``),
so a self-hosted judge (vLLM, Ollama, llama.cpp) needs no code. Requests use Chat Completions
with a strict JSON-schema ``response_format`` at the template's temperature.

The SDK's own retries are switched off (``max_retries=0``) and replaced by one loop here, so that
every HTTP request is counted, ``Retry-After`` is honoured, a reply that fails validation is asked
again, and Ctrl-C stops new requests at once. A valid verdict is written to the cache by the
worker that received it, before anything else happens: a crash right after can lose no paid work.
"""

from __future__ import annotations

import email.utils
import os
import random
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal, Sequence

from toolgrad_eval.errors import ConfigError, ToolgradError
from toolgrad_eval.judge.cache import JudgmentCache, cache_key
from toolgrad_eval.judge.template import JudgeTemplate
from toolgrad_eval.judge.verdict import QorVerdict, parse_verdict
from toolgrad_eval.toolgrad5k.dataset import ToolCall

DEFAULT_JUDGE_MODEL = "gpt-4.1"
_RETRY_STATUS = {408, 409, 429}


class JudgeAborted(ToolgradError):
    """The endpoint refused us in a way no retry can fix (bad key, unknown model)."""


@dataclass(frozen=True)
class JudgeSettings:
    model: str = DEFAULT_JUDGE_MODEL
    timeout: float = 120.0  # seconds per HTTP request
    max_attempts: int = 8  # HTTP attempts per sample for retryable failures
    invalid_retries: int = 2  # extra requests when a reply fails schema validation
    backoff_base: float = 1.0
    backoff_max: float = 60.0


@dataclass(frozen=True)
class JudgeTask:
    sample_id: str
    key: str
    messages: list[dict[str, str]]


@dataclass
class JudgeResult:
    sample_id: str
    source: Literal["cache", "judge"]
    verdict: QorVerdict | None = None
    error: str | None = None
    usage: dict[str, int] | None = None
    requests: int = 0


@dataclass
class _Counters:
    lock: threading.Lock = field(default_factory=threading.Lock)
    http_requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def count_request(self, _request: Any) -> None:
        with self.lock:
            self.http_requests += 1

    def add_usage(self, usage: dict[str, int] | None) -> None:
        if usage:
            with self.lock:
                self.prompt_tokens += usage["prompt_tokens"]
                self.completion_tokens += usage["completion_tokens"]


class Judge:
    """Judges samples with one template and one model, through the cache."""

    def __init__(
        self,
        template: JudgeTemplate,
        cache: JudgmentCache,
        settings: JudgeSettings = JudgeSettings(),
        *,
        overwrite: bool = False,
    ) -> None:
        self.template = template
        self.cache = cache
        self.settings = settings
        self.overwrite = overwrite
        self._counters = _Counters()
        self._client: Any = None
        self._stop = threading.Event()

    @property
    def http_requests(self) -> int:
        return self._counters.http_requests

    @property
    def tokens(self) -> dict[str, int]:
        """Tokens of every reply received this run, invalid ones included (they are paid too)."""
        return {"prompt_tokens": self._counters.prompt_tokens, "completion_tokens": self._counters.completion_tokens}

    # --- preparing and looking up ---------------------------------------------------------

    def task(self, sample_id: str, *, query: str, calls: Sequence[ToolCall], response: str, reference: str) -> JudgeTask:
        messages = self.template.render(query=query, calls=calls, response=response, reference=reference)
        key = cache_key(
            model=self.settings.model,
            template_id=self.template.id,
            template_sha256=self.template.sha256,
            messages=messages,
            schema=self.template.schema,
            temperature=self.template.temperature,
        )
        return JudgeTask(sample_id=sample_id, key=key, messages=messages)

    def cached(self, task: JudgeTask) -> JudgeResult | None:
        """The cached verdict for a task, unless --overwrite asked for a fresh one."""
        if self.overwrite:
            return None
        record = self.cache.get(task.key)
        if record is None:
            return None
        verdict, problem = parse_verdict(record.get("raw", ""))
        if verdict is None:  # a record that no longer validates is re-judged, not trusted
            return None
        return JudgeResult(task.sample_id, "cache", verdict=verdict, usage=record.get("usage"))

    # --- judging --------------------------------------------------------------------------

    def run(
        self,
        tasks: Sequence[JudgeTask],
        *,
        num_process: int = 1,
        on_result: Callable[[JudgeResult], None] = lambda result: None,
    ) -> list[JudgeResult]:
        """Judge every task with ``num_process`` requests in flight; results in completion order.

        Raises JudgeAborted on an unrecoverable endpoint error and KeyboardInterrupt on Ctrl-C;
        in both cases every verdict received so far is already in the cache.
        """
        if not tasks:
            return []
        self._ensure_client(len(tasks))
        results: list[JudgeResult] = []
        executor = ThreadPoolExecutor(max_workers=max(1, num_process), thread_name_prefix="judge")
        pending: set[Future[JudgeResult]] = {executor.submit(self._judge_one, task) for task in tasks}
        try:
            while pending:
                done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                for future in done:
                    result = future.result()
                    results.append(result)
                    on_result(result)
        except BaseException:
            self._stop.set()
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        executor.shutdown(wait=True)
        return results

    def _ensure_client(self, n_tasks: int) -> None:
        if self._client is not None:
            return
        import openai

        api_key = os.environ.get("OPENAI_API_KEY")
        if not api_key:
            if not os.environ.get("OPENAI_BASE_URL"):
                raise ConfigError(
                    f"{n_tasks} sample(s) need the judge but OPENAI_API_KEY is not set "
                    "(set it, or point OPENAI_BASE_URL at a self-hosted OpenAI-compatible judge)"
                )
            api_key = "no-key"  # self-hosted servers commonly accept any key
        http_client = openai.DefaultHttpxClient(event_hooks={"request": [self._counters.count_request]})
        self._client = openai.OpenAI(
            api_key=api_key, max_retries=0, timeout=self.settings.timeout, http_client=http_client
        )

    def _judge_one(self, task: JudgeTask) -> JudgeResult:
        import openai

        settings = self.settings
        attempts = invalid = requests = 0
        last_problem = "not attempted"
        while not self._stop.is_set():
            attempts += 1
            requests += 1
            try:
                reply = self._client.chat.completions.create(
                    model=settings.model,
                    messages=task.messages,
                    temperature=self.template.temperature,
                    response_format=self.template.response_format(),
                )
            except (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError) as exc:
                self._stop.set()
                raise JudgeAborted(f"judge endpoint refused the request ({exc.status_code}): {_brief(exc)}") from None
            except (openai.APIConnectionError, openai.APIStatusError) as exc:  # timeouts are connection errors
                status = getattr(exc, "status_code", None)
                retryable = status is None or status in _RETRY_STATUS or status >= 500
                last_problem = f"HTTP {status}: {_brief(exc)}" if status else f"{type(exc).__name__}: {_brief(exc)}"
                if not retryable or attempts >= settings.max_attempts:
                    return JudgeResult(task.sample_id, "judge", error=last_problem, requests=requests)
                self._stop.wait(self._delay(attempts, getattr(exc, "response", None)))
                continue
            except (ValueError, openai.APIResponseValidationError):
                # A 200 whose body is not a chat completion at all: an invalid reply, asked again.
                reply = None
            raw = _content(reply)
            verdict, problem = parse_verdict(raw)
            usage = _usage(reply)
            self._counters.add_usage(usage)
            if verdict is not None:
                self.cache.put(
                    task.key,
                    {
                        "verdict": verdict.as_dict(),
                        "raw": raw,
                        "usage": usage,
                        "model": getattr(reply, "model", settings.model),
                        "sample_id": task.sample_id,
                    },
                )
                return JudgeResult(task.sample_id, "judge", verdict=verdict, usage=usage, requests=requests)
            invalid += 1
            last_problem = f"invalid judge reply: {problem}"
            if invalid > settings.invalid_retries:
                return JudgeResult(task.sample_id, "judge", error=last_problem, usage=usage, requests=requests)
        return JudgeResult(task.sample_id, "judge", error=f"interrupted ({last_problem})", requests=requests)

    def _delay(self, attempt: int, response: Any) -> float:
        """Exponential backoff with full jitter, or the server's Retry-After when it gives one."""
        hinted = _retry_after(response)
        if hinted is not None:
            return min(hinted, self.settings.backoff_max)
        ceiling = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _content(reply: Any) -> str:
    try:
        choice = reply.choices[0]
    except (AttributeError, IndexError, TypeError):
        return ""
    if getattr(choice, "finish_reason", None) == "length":
        return ""
    return getattr(choice.message, "content", None) or ""


def _usage(reply: Any) -> dict[str, int] | None:
    usage = getattr(reply, "usage", None)
    if usage is None:
        return None
    return {
        "prompt_tokens": int(getattr(usage, "prompt_tokens", 0) or 0),
        "completion_tokens": int(getattr(usage, "completion_tokens", 0) or 0),
    }


def _brief(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + "…"


def judge_all(judge: Judge, tasks: Iterable[JudgeTask]) -> tuple[list[JudgeResult], list[JudgeTask]]:
    """Split tasks into cache hits and the ones that need a request."""
    hits: list[JudgeResult] = []
    misses: list[JudgeTask] = []
    for task in tasks:
        result = judge.cached(task)
        if result is None:
            misses.append(task)
        else:
            hits.append(result)
    return hits, misses
