"""Calling the judge: the official ``openai`` SDK against one or more OpenAI-compatible endpoints.

Endpoints and key come from the SDK's environment (``OPENAI_BASE_URL``, ``OPENAI_API_KEY``) or
``--judge-endpoint``, so a self-hosted judge (vLLM, Ollama, llama.cpp) needs no code. Requests use
Chat Completions with a strict JSON-schema ``response_format`` at the template's temperature.

The SDK's own retries are switched off (``max_retries=0``) and replaced by one loop here, so that
every HTTP request is counted, ``Retry-After`` is honoured, sustained 429s lower the concurrency
(``limiter.py``), a reply that fails validation is asked again, a budget stops new requests
(``cost.py``), and Ctrl-C stops at once. A valid verdict is written to the cache by the worker
that received it before its result is reported: a crash right after can lose no paid work.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from toolgrad_eval.errors import ConfigError
from toolgrad_eval.judge.batch import BatchOptions
from toolgrad_eval.judge.cache import JudgmentCache, cache_key
from toolgrad_eval.judge.cost import CostMeter
from toolgrad_eval.judge.endpoints import EndpointPool, endpoint_urls, make_pool, post_chat
from toolgrad_eval.judge.limiter import AdaptiveLimit
from toolgrad_eval.judge.prices import PriceTable
from toolgrad_eval.judge.reply import reply_parts
from toolgrad_eval.judge.retry import Attempts
from toolgrad_eval.judge.stream import JudgeStream
from toolgrad_eval.judge.task import NOT_JUDGED, JudgeAborted, JudgeResult, JudgeTask
from toolgrad_eval.judge.template import JudgeTemplate, TraceStep
from toolgrad_eval.judge.verdict import parse_verdict
from toolgrad_eval.redact import redact_secrets

DEFAULT_JUDGE_MODEL = "gpt-4.1"
# Reads a judge reply against the template's schema: (verdict, None) or (None, what is wrong). A
# verdict has ``as_dict()`` (what the cache stores beside the raw reply).
VerdictParser = Callable[[str], tuple[Any, "str | None"]]


def _ignore(_result: JudgeResult) -> None:
    pass


@dataclass(frozen=True)
class JudgeSettings:
    model: str = DEFAULT_JUDGE_MODEL
    timeout: float = 120.0  # seconds per HTTP request
    max_attempts: int = 8  # HTTP attempts per judgment for 5xx / connection errors / timeouts
    rate_limit_attempts: int = 100  # 429s are paced by the limiter; only an endless 429 gives up
    invalid_retries: int = 2  # extra requests when a reply fails schema validation
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    temperature: float | None = None  # None: the template's
    samples: int = 1  # judgments per sample (--judge-samples), each with its own seed
    endpoints: tuple[str, ...] = ()  # --judge-endpoint; empty: OPENAI_BASE_URL (comma-separated) or the SDK default
    max_cost: float | None = None  # USD (--max-cost)


@dataclass
class _Counters:
    lock: threading.Lock = field(default_factory=threading.Lock)
    http_requests: int = 0
    verdicts_stored: int = 0  # valid verdicts written to the cache by this Judge

    def count_request(self, _request: Any) -> None:
        with self.lock:
            self.http_requests += 1


class Judge:
    """Judges samples with one template and one model, through the cache."""

    def __init__(
        self,
        template: JudgeTemplate,
        cache: JudgmentCache,
        settings: JudgeSettings = JudgeSettings(),
        *,
        overwrite: bool = False,
        prices: PriceTable | None = None,
        batch: BatchOptions | None = None,
        parse: VerdictParser = parse_verdict,
    ) -> None:
        self.template = template
        self.parse = parse  # the QoR schema's by default; a benchmark with its own template passes its own
        self.cache = cache
        self.settings = settings
        self.overwrite = overwrite
        self.fresh_since: float | None = (
            None  # --overwrite: cached verdicts stored since then are this run's (overwrite.py)
        )
        self.batch = batch
        self.temperature = template.temperature if settings.temperature is None else settings.temperature
        standard = prices.lookup(settings.model) if prices else None
        batch_price = prices.lookup(settings.model, batch=True) if prices else None
        if settings.max_cost is not None and standard is None:
            raise ConfigError(
                f"--max-cost needs a price for judge model {settings.model!r}; none in the price table "
                "(add it to a price file and pass --prices FILE)"
            )
        self.meter = CostMeter(batch_price if batch else standard, standard, batch_price, settings.max_cost)
        self.batch_info: dict[str, Any] | None = None  # filled by a --batch run
        # Sees every result of this judge's runs as it arrives (the session shows the first errors).
        self.on_result: Callable[[JudgeResult], None] = _ignore
        self.limiter: AdaptiveLimit | None = None
        self.pool: EndpointPool | None = None
        self._counters = _Counters()
        self._stop = threading.Event()

    @property
    def stopping(self) -> threading.Event:
        """Set on Ctrl-C or an abort: every wait in the judge wakes up and stops."""
        return self._stop

    def new_stop_signal(self) -> threading.Event:
        """A fresh ``stopping`` event for a new run: a Judge may serve several runs, and a worker of
        an earlier, failed run that is still finishing its request must not stop the next one."""
        self._stop = threading.Event()
        return self._stop

    @property
    def http_requests(self) -> int:
        return self._counters.http_requests

    @property
    def verdicts_stored(self) -> int:
        return self._counters.verdicts_stored

    @property
    def tokens(self) -> dict[str, int]:
        """Tokens of every reply received this run, invalid ones included (they are paid too)."""
        return {"prompt_tokens": self.meter.prompt_tokens, "completion_tokens": self.meter.completion_tokens}

    # --- preparing and looking up ---------------------------------------------------------

    def tasks(
        self, sample_id: str, *, query: str, calls: Sequence[TraceStep], response: str, reference: str
    ) -> list[JudgeTask]:
        """The ``--judge-samples`` judgments one sample needs (k = 0 is the same judgment as K = 1)."""
        messages = self.template.render(query=query, calls=calls, response=response, reference=reference)
        return self.message_tasks(sample_id, messages)

    def message_tasks(self, sample_id: str, messages: list[dict[str, str]]) -> list[JudgeTask]:
        """The ``--judge-samples`` judgments of messages a benchmark rendered itself (its own template)."""
        out = []
        for k in range(self.settings.samples):
            seed = k if k > 0 else None
            key = cache_key(
                model=self.settings.model,
                template_id=self.template.id,
                template_sha256=self.template.sha256,
                messages=messages,
                schema=self.template.schema,
                temperature=self.temperature,
                seed=seed,
            )
            out.append(JudgeTask(sample_id=sample_id, key=key, messages=messages, k=k, seed=seed))
        return out

    def task(
        self, sample_id: str, *, query: str, calls: Sequence[TraceStep], response: str, reference: str
    ) -> JudgeTask:
        return self.tasks(sample_id, query=query, calls=calls, response=response, reference=reference)[0]

    def request_body(self, task: JudgeTask) -> dict[str, Any]:
        """The Chat Completions parameters for a task (live request or Batch API line)."""
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": task.messages,
            "temperature": self.temperature,
            "response_format": self.template.response_format(),
        }
        if task.seed is not None:
            body["seed"] = task.seed
        return body

    def cached(self, task: JudgeTask) -> JudgeResult | None:
        """The cached verdict for a task, unless --overwrite asked for a fresh one (one stored since
        ``fresh_since``, by an interrupted attempt of the same --overwrite run, is fresh). Changes
        no state of this Judge, so it may run in a forked process (toolgrad5k/sample.py)."""
        if self.overwrite and self.fresh_since is None:
            return None
        record = self.cache.get(task.key)
        if record is None:
            return None
        if self.overwrite and self.fresh_since is not None:
            stored_at = record.get("stored_at")
            if isinstance(stored_at, bool) or not isinstance(stored_at, (int, float)) or stored_at < self.fresh_since:
                return None
        verdict, _problem = self.parse(record.get("raw", ""))
        if verdict is None:  # a record that no longer validates is re-judged, not trusted
            return None
        return JudgeResult(
            task.sample_id,
            "cache",
            verdict=verdict,
            usage=record.get("usage"),
            k=task.k,
            saved_usd=self.meter.value_of(record),
        )

    def store(
        self, task: JudgeTask, raw: str, usage: dict[str, int] | None, model: str | None, *, batch: bool = False
    ) -> Any:
        """Validate a reply and cache it when valid; returns the verdict (None when invalid).

        The reply is redacted first: an endpoint that echoes the request's key in its verdict must
        not get it into the cache, the run record or the report."""
        raw = redact_secrets(raw)
        model = redact_secrets(model) if model else model
        verdict, _problem = self.parse(raw)
        if verdict is not None:
            self.cache.put(
                task.key,
                {
                    "verdict": verdict.as_dict(),
                    "raw": raw,
                    "usage": usage,
                    "model": model or self.settings.model,
                    "sample_id": task.sample_id,
                    "k": task.k,
                    "seed": task.seed,
                    "batch": batch,
                },
            )
            with self._counters.lock:
                self._counters.verdicts_stored += 1
        return verdict

    # --- judging --------------------------------------------------------------------------

    def run(
        self,
        tasks: Iterable[JudgeTask],
        *,
        num_process: int = 1,
        on_result: Callable[[JudgeResult], None] = lambda result: None,
    ) -> list[JudgeResult]:
        """Judge every task with up to ``num_process`` requests in flight; results in completion order.

        Raises JudgeAborted on an unrecoverable endpoint error and KeyboardInterrupt on Ctrl-C;
        in both cases every verdict received so far is already in the cache.
        """
        with self.stream(num_process=num_process) as stream:
            for task in tasks:
                stream.submit(task)
            return stream.results(on_result=on_result)

    def stream(self, *, num_process: int = 1) -> JudgeStream:
        """A run that judges tasks while they are still being submitted (see JudgeStream)."""
        return JudgeStream(self, num_process, self.batch)

    def judge_one(self, task: JudgeTask, stop: threading.Event) -> JudgeResult:
        """Judge one task within the run whose stop signal is ``stop``: claim its key first, so that
        processes sharing the cache ask once (claims.py); a verdict another process received
        meanwhile is a cache hit."""
        if stop.is_set() or self.limiter is None or self.pool is None:  # that run is over (its pool may be closed)
            return JudgeResult(task.sample_id, "judge", error="interrupted before its request", k=task.k)
        claims = self.cache.claims
        hit, mine = claims.acquire(task.key, lambda: self.cached(task), stop)
        if hit is not None:
            return hit
        if not mine:
            return JudgeResult(task.sample_id, "judge", error="interrupted before its request", k=task.k)
        try:
            return self._ask(task, stop)
        finally:
            claims.release(task.key)  # after the verdict is stored: a waiter finds it in the cache

    def _ask(self, task: JudgeTask, stop: threading.Event) -> JudgeResult:
        """Send the requests for one claimed task until a valid verdict, a give-up or ``stop``."""
        settings, limiter, pool = self.settings, self.limiter, self.pool
        if limiter is None or pool is None:
            return JudgeResult(task.sample_id, "judge", error="interrupted before its request", k=task.k)
        invalid = requests = 0
        attempts = Attempts(
            settings.max_attempts, settings.rate_limit_attempts, settings.backoff_base, settings.backoff_max
        )
        last_problem = "not attempted"
        body = self.request_body(task)
        while not stop.is_set():
            token = limiter.acquire(stop)
            if token is None:
                break
            reservation = self.meter.reserve(task.prompt_chars)
            if reservation is None:
                limiter.release(token, "cancelled")
                return JudgeResult(
                    task.sample_id, "judge", error=NOT_JUDGED, requests=requests, k=task.k, not_judged=True
                )
            endpoint = pool.acquire()
            requests += 1
            usage = None
            try:
                reply = post_chat(endpoint.client, body)
            except ValueError as exc:  # a 200 whose body is not JSON: an invalid reply, asked again
                pool.release(endpoint)
                self.meter.settle(reservation, None, task.prompt_chars)  # a 200 is billed, readable or not
                limiter.release(token, "error")
                invalid += 1
                last_problem = f"invalid judge reply: body is not JSON ({exc})"
                if invalid > settings.invalid_retries:
                    return JudgeResult(task.sample_id, "judge", error=last_problem, requests=requests, k=task.k)
                continue
            except Exception as exc:
                failure = pool.release_failed(endpoint, exc, "judge")  # a failed server rests: the retry goes elsewhere
                self.meter.settle(reservation, None, 0, replied=False)
                limiter.release(token, "rate_limited" if failure.action == "rate_limited" else "error")
                last_problem = failure.message
                if failure.action == "abort":  # the stream's worker records it, then stops the run:
                    raise JudgeAborted(failure.message) from None  # whoever sees the stop finds the error
                delay = attempts.next_delay(failure)
                if delay is None:
                    return JudgeResult(task.sample_id, "judge", error=last_problem, requests=requests, k=task.k)
                stop.wait(delay)
                continue
            pool.release(endpoint)
            raw, usage = reply_parts(reply)
            self.meter.settle(reservation, usage, task.prompt_chars)
            model = reply.get("model") if isinstance(reply, dict) else None
            verdict = self.store(task, raw, usage, model if isinstance(model, str) else None)
            limiter.release(token, "ok")
            if verdict is not None:
                return JudgeResult(task.sample_id, "judge", verdict=verdict, usage=usage, requests=requests, k=task.k)
            invalid += 1
            _, problem = self.parse(raw)
            last_problem = f"invalid judge reply: {problem}"
            if invalid > settings.invalid_retries:
                return JudgeResult(
                    task.sample_id, "judge", error=last_problem, usage=usage, requests=requests, k=task.k
                )
        return JudgeResult(task.sample_id, "judge", error=f"interrupted ({last_problem})", requests=requests, k=task.k)

    def client(self, n_tasks: int | None = None) -> Any:
        """The first endpoint's SDK client (the Batch API talks to one endpoint)."""
        if self.pool is None:
            self.cache.open(writing=True)  # an unusable or read-only cache stops the run now, not after a paid reply
            self.pool = make_pool(
                endpoint_urls(self.settings.endpoints),
                timeout=self.settings.timeout,
                on_request=self._counters.count_request,
                n_tasks=n_tasks,
            )
        return self.pool.endpoints[0].client

    def cost_summary(self) -> dict[str, Any]:
        """Tokens and USD of this run (cached and stored verdicts cost 0; what they saved is shown)."""
        return self.meter.summary()

    def stats(self) -> dict[str, Any]:
        """Concurrency and endpoint figures of the last run (for the summary)."""
        out: dict[str, Any] = {}
        if self.limiter is not None:
            out["concurrency"] = self.limiter.stats()
        if self.pool is not None and len(self.pool.endpoints) > 1:
            out["endpoints"] = self.pool.stats()
        if self.batch_info is not None:
            out["batch"] = self.batch_info
        shared = self.cache.claim_stats()
        if shared:
            out["shared_cache"] = shared
        return out
