"""How each failure of a judge request is handled: abort, back off (429), retry, or give up.

Retryable: 429 (rate limited), 408/409, every 5xx, connection errors and timeouts (a request past
its total deadline included). A 200 whose body is not a completion (not JSON, an ``{"error": ...}``
body, no ``choices``) is a bad reply: asked once more at once, not retried like a transient error
(the same prompt usually gets the same bad body). Not retryable: a bad key, a forbidden or unknown
model, an exhausted quota (429 ``insufficient_quota``: waiting does not refill a bill) and a
redirect (following it would send the prompt and the key elsewhere), which abort the run; a reply
over the size cap and any other 4xx (e.g. a prompt over the context length), which fail that one
request.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass
from typing import Any, Literal

from toolgrad_eval.redact import redact_secrets

Action = Literal["abort", "rate_limited", "retry", "bad_reply", "fail"]
BAD_REPLY_ATTEMPTS = 2  # requests per entry whose reply is a malformed 200 body: one more, at once
_RETRY_STATUS = {408, 409}


@dataclass(frozen=True)
class Failure:
    action: Action
    message: str
    retry_after: float | None = None
    counted: bool = True  # False: a probe of an endpoint not yet reached, not one of the request's attempts


@dataclass
class Attempts:
    """One request's failed attempts so far. 429s are paced by the limiter and have their own, larger
    allowance; every other retryable failure counts against ``max_attempts``."""

    max_attempts: int
    rate_limit_attempts: int
    backoff_base: float
    backoff_max: float
    transient: int = 0
    rate_limited: int = 0
    bad_replies: int = 0

    def next_delay(self, failure: Failure) -> float | None:
        """Seconds to wait before trying again after ``failure``; None when the request is given up."""
        if failure.action == "bad_reply":
            self.bad_replies += 1
            return 0.0 if self.bad_replies < BAD_REPLY_ATTEMPTS else None
        if not failure.counted:
            return failure.retry_after or 0.0
        if failure.action == "rate_limited":
            self.rate_limited += 1
            attempt, allowed = self.rate_limited, self.rate_limit_attempts
        else:
            self.transient += 1
            attempt, allowed = self.transient, self.max_attempts
        if failure.action in ("fail", "abort") or attempt >= allowed:
            return None
        return backoff_delay(attempt, failure.retry_after, base=self.backoff_base, maximum=self.backoff_max)


def classify(exc: BaseException, who: str = "judge") -> Failure:
    """``who`` names the server in abort messages ("judge", "model server")."""
    import openai

    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError)):
        return Failure("abort", f"{who} endpoint refused the request ({exc.status_code}): {brief(exc)}")
    limit = limit_cause(exc)
    if limit is not None:  # past the request's total deadline (a server dripping bytes), or over the size cap
        return Failure("retry" if limit.kind == "deadline" else "fail", str(limit))
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        message = f"HTTP {status}: {brief(exc)}"
        if 300 <= status < 400:
            location = redact_secrets(str(exc.response.headers.get("location", "?")))[:200]
            return Failure(
                "abort",
                f"{who} endpoint answered a redirect (HTTP {status} to {location}), not followed: "
                "a redirect would send the prompt and the key elsewhere; use the final URL",
            )
        if status == 429:
            if getattr(exc, "code", None) == "insufficient_quota":
                return Failure("abort", f"{who} account has no quota left (429 insufficient_quota): {brief(exc)}")
            return Failure("rate_limited", message, retry_after(exc.response))
        if status in _RETRY_STATUS or status >= 500:
            return Failure("retry", message, retry_after(exc.response))
        return Failure("fail", message)
    if isinstance(exc, openai.APIConnectionError):  # timeouts are a subclass
        return Failure("retry", f"{type(exc).__name__}: {brief(exc)}")
    if isinstance(exc, ValueError):  # a 200 whose body is not a completion (endpoints.BadReply)
        return Failure("bad_reply", f"malformed reply body: {brief(exc)}")
    raise exc


def limit_cause(exc: BaseException) -> Any:
    """The :class:`~toolgrad_eval.judge.transport.ReplyLimitExceeded` behind ``exc``, if any."""
    from toolgrad_eval.judge.transport import ReplyLimitExceeded

    return next((e for e in causes(exc) if isinstance(e, ReplyLimitExceeded)), None)


def causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what caused it, outermost first (at most 10: a chain can loop)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10 and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def connection_failure(exc: BaseException) -> str | None:
    """Why no HTTP exchange could be had (refused, DNS, TLS, a connect timeout, a peer that is not an
    HTTP server or hangs up before answering), or None when it was had or may be under way (a
    timeout waiting for the reply, an HTTP error, a reply past its deadline or size cap)."""
    import openai

    chain = causes(exc)
    if not isinstance(exc, openai.APIConnectionError) or limit_cause(exc) is not None:
        return None
    if isinstance(exc, openai.APITimeoutError) and not any(type(e).__name__ == "ConnectTimeout" for e in chain):
        return None
    return brief(chain[-1]) or type(chain[-1]).__name__


def backoff_delay(attempt: int, hinted: float | None, *, base: float, maximum: float) -> float:
    """The server's Retry-After when given, else exponential backoff with full jitter."""
    if hinted is not None:
        return min(hinted, maximum)
    ceiling = min(maximum, base * 2 ** max(0, attempt - 1))
    return random.uniform(0, ceiling)


def retry_after(response: Any) -> float | None:
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
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, parsed.timestamp() - time.time())


def brief(exc: BaseException, limit: int = 200) -> str:
    """The error's message on one line, shortened, credentials hidden (servers echo them)."""
    text = redact_secrets(" ".join(str(exc).split()))
    return text if len(text) <= limit else text[:limit] + "…"
