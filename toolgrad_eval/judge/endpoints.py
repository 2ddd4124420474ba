"""One or more OpenAI-compatible endpoints (judge or model replicas), each with its own ``openai`` client.

Endpoints come from ``--judge-endpoint URL`` / ``--base-url URL`` (repeatable) or
``OPENAI_BASE_URL`` (one URL, or several separated by commas); none means the SDK default
(api.openai.com). Several self-hosted servers share the load: each request goes to the endpoint
with the fewest requests in flight, ties broken round-robin, so a slow or retrying server gets
less work. An endpoint whose request failed (no connection, timeout, 5xx) rests for a while:
requests go to the others first, so the retry lands elsewhere and a dead replica stops eating
attempts; when every endpoint rests, the one whose rest ends first is used.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence

from toolgrad_eval.errors import ConfigError
from toolgrad_eval.judge.retry import Failure, classify
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


@dataclass
class EndpointPool:
    endpoints: list[Endpoint]
    rest_seconds: float = 5.0  # how long a failed endpoint is passed over
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    def acquire(self) -> Endpoint:
        with self._lock:
            start = next(self._turn)
            n = len(self.endpoints)
            order = [self.endpoints[(start + i) % n] for i in range(n)]
            now = time.monotonic()
            awake = [e for e in order if e.resting_until <= now]
            if awake:
                chosen = min(awake, key=lambda e: e.in_flight)
            else:
                chosen = min(order, key=lambda e: e.resting_until)
            chosen.in_flight += 1
            chosen.requests += 1
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

    def release_failed(self, endpoint: Endpoint, exc: BaseException, who: str) -> Failure:
        """Release ``endpoint`` after its request raised ``exc`` and say what the failure calls for
        (:func:`~toolgrad_eval.judge.retry.classify`); a retryable one rests the endpoint."""
        try:
            failure = classify(exc, who)
        except BaseException:  # not a request failure at all (a bug): re-raised, the slot freed
            self.release(endpoint)
            raise
        self.release(endpoint, "failed" if failure.action == "retry" else "refused")
        return failure

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
) -> EndpointPool:
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
        http_client = openai.DefaultHttpxClient(event_hooks={"request": [on_request]})
        client = openai.OpenAI(api_key=api_key, base_url=url, max_retries=0, timeout=timeout, http_client=http_client)
        endpoints.append(Endpoint(url=url, client=client))
    return EndpointPool(endpoints, rest_seconds=rest_seconds)


def post_chat(client: Any, body: dict[str, Any]) -> Any:
    """POST a Chat Completions request and return the decoded JSON body.

    ``client.post`` is the SDK's own request path (auth, headers, timeout, and HTTP errors raised as
    ``openai.APIStatusError`` subclasses, connection failures and timeouts as ``APIConnectionError``),
    minus two steps that cost ~1 ms of CPU per request under the GIL and change nothing for us:
    ``maybe_transform`` over the params (the body is already the wire form: plain dicts, lists and
    strings, which the transform returns unchanged) and building pydantic models from the reply (we
    read a few fields). A 200 whose body is not JSON raises ValueError, as ``create`` does.
    """
    import json

    content = client.post("/chat/completions", body=body, cast_to=bytes)
    try:
        return json.loads(content)
    except RecursionError:  # a hostile body nested past the parser's depth: a malformed reply, not a crash
        raise ValueError("reply body nested too deeply") from None
