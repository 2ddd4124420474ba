"""One or more OpenAI-compatible judge endpoints, each with its own ``openai`` client.

Endpoints come from ``--judge-endpoint URL`` (repeatable) or ``OPENAI_BASE_URL`` (one URL, or
several separated by commas); none means the SDK default (api.openai.com). Several self-hosted
servers share the load: each request goes to the endpoint with the fewest requests in flight,
ties broken round-robin, so a slow or retrying server gets less work.
"""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from toolgrad_eval.errors import ConfigError
from toolgrad_eval.redact import redact_url


@dataclass
class Endpoint:
    url: str | None  # None: the SDK default
    client: Any
    in_flight: int = 0
    requests: int = 0


@dataclass
class EndpointPool:
    endpoints: list[Endpoint]
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _turn: itertools.count = field(default_factory=itertools.count)

    def acquire(self) -> Endpoint:
        with self._lock:
            start = next(self._turn)
            n = len(self.endpoints)
            order = [self.endpoints[(start + i) % n] for i in range(n)]
            chosen = min(order, key=lambda e: e.in_flight)
            chosen.in_flight += 1
            chosen.requests += 1
            return chosen

    def release(self, endpoint: Endpoint) -> None:
        with self._lock:
            endpoint.in_flight -= 1

    def stats(self) -> list[dict[str, Any]]:
        return [{"url": redact_url(e.url) if e.url else "default", "requests": e.requests} for e in self.endpoints]

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
    urls: Sequence[str | None], *, timeout: float, on_request: Callable[[Any], None], n_tasks: int | None = None
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
    return EndpointPool(endpoints)
