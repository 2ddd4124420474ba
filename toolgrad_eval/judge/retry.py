"""How each failure of a judge request is handled: abort, back off (429), retry, or give up.

Retryable: 429 (rate limited), 408/409, every 5xx, connection errors and timeouts, and a 200 whose
body is not JSON. Not retryable: a bad key, a forbidden or unknown model, and an exhausted quota
(429 ``insufficient_quota``: waiting does not refill a bill), which abort the run; any other 4xx
(e.g. a prompt over the context length), which fails that one sample.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass
from typing import Any, Literal

from toolgrad_eval.redact import redact_secrets

Action = Literal["abort", "rate_limited", "retry", "fail"]
_RETRY_STATUS = {408, 409}


@dataclass(frozen=True)
class Failure:
    action: Action
    message: str
    retry_after: float | None = None


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

    def next_delay(self, failure: Failure) -> float | None:
        """Seconds to wait before trying again after ``failure``; None when the request is given up."""
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
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        message = f"HTTP {status}: {brief(exc)}"
        if status == 429:
            if getattr(exc, "code", None) == "insufficient_quota":
                return Failure("abort", f"{who} account has no quota left (429 insufficient_quota): {brief(exc)}")
            return Failure("rate_limited", message, retry_after(exc.response))
        if status in _RETRY_STATUS or status >= 500:
            return Failure("retry", message, retry_after(exc.response))
        return Failure("fail", message)
    if isinstance(exc, openai.APIConnectionError):  # timeouts are a subclass
        return Failure("retry", f"{type(exc).__name__}: {brief(exc)}")
    if isinstance(exc, ValueError):  # a 200 whose body is not JSON (the SDK raises JSONDecodeError)
        return Failure("retry", f"malformed reply body: {brief(exc)}")
    raise exc


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
