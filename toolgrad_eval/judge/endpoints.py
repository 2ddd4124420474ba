"""One or more OpenAI-compatible endpoints (judge or model replicas), each with its own ``openai`` client.

Endpoints come from ``--judge-endpoint URL`` / ``--base-url URL`` (repeatable) or
``OPENAI_BASE_URL`` (one URL, or several separated by commas); none means the SDK default
(api.openai.com). Several self-hosted servers share the load: each request goes to the endpoint
with the fewest requests in flight, ties broken round-robin, so a slow or retrying server gets
less work. An endpoint whose request failed (no connection, timeout, 5xx) rests for a while:
requests go to the others first, so the retry lands elsewhere and a dead replica stops eating
attempts; when every endpoint rests, the one whose rest ends first is used.

Fail at the door: an endpoint with which no HTTP exchange can be had (connection refused, DNS,
TLS, a peer that is not an HTTP server or hangs up before answering) and that has never sent an
HTTP response is probed for ``probe_seconds`` (short pauses, not counted as the request's attempts; the retry
goes at once to another replica when one connects), then given up; one that answered before is
given up after ``lost_seconds`` of nothing but such failures. A given-up endpoint gets no more
requests; when every endpoint is given up, the next failure is an ``abort``: one line naming the
URLs (credentials hidden) and the error.

A run-level budget: when no request has been answered for ``max_stall`` seconds while requests
keep failing (429s forever, 5xx, timeouts), the next failure is an ``abort`` too, instead of
hours of retries; what was received is kept and the same command resumes.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence

from toolgrad_eval.errors import ConfigError
from toolgrad_eval.judge import transport
from toolgrad_eval.judge.retry import Failure, classify, connection_failure
from toolgrad_eval.redact import redact_url


EndpointOutcome = Literal["served", "failed", "refused"]


@dataclass
class Endpoint:
    url: str | None  # None: the SDK default
    client: Any
    in_flight: int = 0
    requests: int = 0
    served: int = 0  # requests answered (2xx)
    failures: int = 0  # requests that failed in a way that rests the endpoint
    resting_until: float = 0.0  # time.monotonic(); 0: not resting
    answered: bool = False  # it sent an HTTP response (any status) at least once
    unreachable_since: float | None = None  # first of the connection failures in a row
    given_up: str | None = None  # why it gets no more requests (unreachable)

    @property
    def name(self) -> str:
        return redact_url(self.url) if self.url else "the default OpenAI endpoint"


@dataclass
class EndpointPool:
    endpoints: list[Endpoint]
    rest_seconds: float = 5.0  # how long a failed endpoint is passed over
    probe_seconds: float = 3.0  # connection failures of a never-answering endpoint before it is given up
    lost_seconds: float = 30.0  # the same for an endpoint that answered before (a server that died)
    max_stall: float = 600.0  # seconds without any answer, while requests fail, before the run stops
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _answered_at: float | None = None  # the last answer, or the first request (a run may start with cache hits)

    def acquire(self) -> Endpoint:
        with self._lock:
            start = next(self._turn)
            n = len(self.endpoints)
            order = [self.endpoints[(start + i) % n] for i in range(n)]
            now = time.monotonic()
            order = [e for e in order if e.given_up is None] or order
            awake = [e for e in order if e.resting_until <= now]
            if awake:
                chosen = min(awake, key=lambda e: e.in_flight)
            else:
                chosen = min(order, key=lambda e: e.resting_until)
            chosen.in_flight += 1
            chosen.requests += 1
            if self._answered_at is None:
                self._answered_at = now
            return chosen

    def release(self, endpoint: Endpoint, outcome: EndpointOutcome = "served") -> None:
        """``served``: the server answered; ``failed``: no answer, a timeout or a 5xx (it rests);
        ``refused``: it turned this request down (a 429, another 4xx), which says nothing of its health."""
        with self._lock:
            endpoint.in_flight -= 1
            if outcome == "failed":
                endpoint.failures += 1
                endpoint.resting_until = time.monotonic() + self.rest_seconds
            elif outcome == "served":
                endpoint.served += 1
                endpoint.resting_until = 0.0
            if outcome == "served":
                endpoint.answered = True
                endpoint.unreachable_since = None
                self._answered_at = time.monotonic()

    def release_failed(self, endpoint: Endpoint, exc: BaseException, who: str) -> Failure:
        """Release ``endpoint`` after its request raised ``exc`` and say what the failure calls for
        (:func:`~toolgrad_eval.judge.retry.classify`); a retryable one rests the endpoint. Turns it
        into an ``abort`` when every endpoint is unreachable or the run's budget is spent."""
        try:
            failure = classify(exc, who)
        except BaseException:  # not a request failure at all (a bug): re-raised, the slot freed
            self.release(endpoint)
            raise
        if failure.action == "abort":
            failure = Failure("abort", f"{failure.message} ({endpoint.name})")
        self.release(endpoint, "failed" if failure.action == "retry" else "refused")
        unreachable = connection_failure(exc)
        with self._lock:
            now = time.monotonic()
            if unreachable is not None:
                return self._unreachable(endpoint, unreachable, failure, who, now)
            endpoint.unreachable_since = None
            import openai

            if not isinstance(exc, openai.APITimeoutError):
                endpoint.answered = True  # an HTTP status or a body: it speaks HTTP
            if failure.action in ("fail", "bad_reply"):  # the server answered this request: not a stall
                self._answered_at = now
            elif failure.action in ("retry", "rate_limited") and now - (self._answered_at or now) > self.max_stall:
                return Failure(
                    "abort",
                    f"no {who} reply in {now - (self._answered_at or now):.0f} s of retrying (last: {failure.message}); "
                    "stopping (the run's retry budget)",
                )
        return failure

    def _unreachable(self, endpoint: Endpoint, why: str, failure: Failure, who: str, now: float) -> Failure:
        """A request that found no connection: probe, give the endpoint up, or stop the run."""
        if endpoint.unreachable_since is None:
            endpoint.unreachable_since = now
        window = self.lost_seconds if endpoint.answered else self.probe_seconds
        if endpoint.given_up is None and now - endpoint.unreachable_since >= window:
            endpoint.given_up = f"{endpoint.name}: {why}"
        if all(e.given_up is not None for e in self.endpoints):
            reasons = "; ".join(str(e.given_up) for e in self.endpoints)
            return Failure("abort", f"{who} unreachable for {window:g} s: {reasons}")
        if endpoint.given_up is None and not endpoint.answered:  # still probing: not the request's attempts
            # the retry goes at once to a replica that is not failing to connect; else after a short pause
            others = any(
                e is not endpoint and e.given_up is None and e.unreachable_since is None for e in self.endpoints
            )
            pause = 0.0 if others else self.probe_seconds / 6
            return Failure("retry", f"{endpoint.name}: {why}", retry_after=pause, counted=False)
        return Failure(failure.action, f"{endpoint.name}: {why}", failure.retry_after)

    def stats(self) -> list[dict[str, Any]]:
        return [
            {
                "url": redact_url(e.url) if e.url else "default",
                "requests": e.requests,
                "served": e.served,
                "failures": e.failures,
            }
            for e in self.endpoints
        ]

    def close(self) -> None:
        """Close every client: requests in flight are abandoned at once (used on Ctrl-C)."""
        for endpoint in self.endpoints:
            try:
                endpoint.client.close()
            except Exception:  # closing is best effort; we are stopping anyway
                pass


def endpoint_urls(explicit: Sequence[str] = ()) -> list[str | None]:
    urls = [u.strip() for item in explicit for u in item.split(",") if u.strip()]
    if not urls:
        urls = [u.strip() for u in os.environ.get("OPENAI_BASE_URL", "").split(",") if u.strip()]
    return list(dict.fromkeys(urls)) or [None]


def make_pool(
    urls: Sequence[str | None],
    *,
    timeout: float,
    on_request: Callable[[Any], None],
    n_tasks: int | None = None,
    rest_seconds: float = 5.0,
    max_stall: float = 600.0,
) -> EndpointPool:
    """A pool of clients whose requests each end within ``timeout`` seconds in all (see transport.py)."""
    import openai

    api_key = os.environ.get("OPENAI_API_KEY")
    if not api_key:
        if urls == [None]:
            needed = "judgments are" if n_tasks is None else f"{n_tasks} judgment(s) are"
            raise ConfigError(
                f"{needed} needed but OPENAI_API_KEY is not set "
                "(set it, or point OPENAI_BASE_URL / --judge-endpoint at a self-hosted OpenAI-compatible judge)"
            )
        api_key = "no-key"  # self-hosted servers commonly accept any key
    endpoints = []
    for url in urls:
        # the SDK's default pool keeps 100 connections alive: no reconnect per request at any sane --num_process
        http_client = transport.http_client(timeout, on_request)
        client = openai.OpenAI(
            api_key=api_key, base_url=url, max_retries=0, timeout=http_client.timeout, http_client=http_client
        )
        endpoints.append(Endpoint(url=url, client=client))
    return EndpointPool(endpoints, rest_seconds=rest_seconds, max_stall=max_stall)


class BadReply(ValueError):
    """A 2xx reply whose body is not a chat completion: not JSON, an ``{"error": ...}`` body, no ``choices``."""


def post_chat(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    """POST a Chat Completions request and return the decoded JSON body: a dict with a ``choices`` list.

    ``client.post`` is the SDK's own request path (auth, headers, HTTP errors raised as
    ``openai.APIStatusError`` subclasses, connection failures and timeouts as
    ``APIConnectionError``), minus two steps that cost ~1 ms of CPU per request under the GIL and
    change nothing for us: ``maybe_transform`` over the params (the body is already the wire form)
    and building pydantic models from the reply (we read a few fields). The body is streamed within
    the request's total deadline and byte cap (transport.py): a server dripping bytes or sending
    200 MB ends with an ``APITimeoutError`` / ``APIConnectionError`` whose cause says which. A 200
    whose body is not a completion raises :class:`BadReply`, never an empty answer. Lone surrogate
    escapes in the reply (``"\\udfff"``) become U+FFFD: no UTF-8 writer downstream accepts them.
    """
    import json

    configured = client.timeout  # make_pool's: read = the --timeout, which post_chat makes the total deadline
    seconds = float(getattr(configured, "read", configured) or 600.0)
    with transport.limits(seconds):
        response = None
        try:
            response = client.post("/chat/completions", body=body, cast_to=transport.response_type(), stream=True)
            try:
                content = transport.limited(response)
            finally:
                response.close()
        except Exception as exc:
            limit = transport.hit()
            if limit is None:
                raise
            # the SDK's own classes, so that retry.classify and the judge read it as any other failure
            import openai

            kind = openai.APITimeoutError if limit.kind == "deadline" else openai.APIConnectionError
            request: Any = _request_of(exc) or getattr(response, "request", None)  # ours raise unwrapped
            raise kind(request=request) from limit
    try:
        reply = json.loads(content)
    except RecursionError:  # a hostile body nested past the parser's depth: a malformed reply, not a crash
        raise BadReply("reply body nested too deeply") from None
    except ValueError as exc:
        raise BadReply(f"reply body is not JSON ({exc})") from None
    if not isinstance(reply, dict):
        raise BadReply(f"reply body is a JSON {type(reply).__name__}, not an object")
    if not isinstance(reply.get("choices"), list) or not reply["choices"]:
        error = reply.get("error")
        detail = error.get("message") if isinstance(error, dict) else error
        why = f"an error: {str(detail)[:300]}" if error is not None else "no choices"
        raise BadReply(f"HTTP 200 reply is not a completion ({why})")
    from toolgrad_eval.fileio import replace_lone_surrogates

    return replace_lone_surrogates(reply) if b"\\u" in content.lower() else reply


def _request_of(exc: BaseException) -> Any:
    """The HTTP request an httpx or SDK error was raised for (the SDK's errors need one)."""
    try:
        return exc.request  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):
        return None
