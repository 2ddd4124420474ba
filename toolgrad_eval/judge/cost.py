"""What judging costs: tokens counted per reply, priced, and a budget enforced before each request.

The budget check is conservative: a request starts only when what is already spent, plus the
estimates reserved for requests still in flight, plus this request's own estimate stays within
``--max-cost``. The estimate uses the rendered prompt's length (characters per token calibrated on
the replies so far, 4 before the first) and the mean completion length so far (a prior before).
A reply that reports no token usage was still paid for: it is charged at its estimate, and the
summary says how many such replies the cost includes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Mapping

from toolgrad_eval.judge.prices import Price

_CHARS_PER_TOKEN = 4.0
_COMPLETION_PRIOR = 400  # tokens; a QoR verdict with a short reason is usually well under this


@dataclass
class CostMeter:
    price: Price | None  # the tier in use (standard, or batch in --batch mode)
    standard: Price | None = None  # for valuing cached judgments made live
    batch: Price | None = None  # ... and those made through the Batch API
    budget_usd: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    replies: int = 0
    saved_usd: float = 0.0
    budget_reached: bool = False
    unmetered_replies: int = 0  # replies without usage, charged at their estimate
    _unmetered_usd: float = 0.0
    _prompt_chars: int = 0
    _reserved: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def spent_usd(self) -> float | None:
        if self.price is None:
            return None
        return self.price.cost(self.prompt_tokens, self.completion_tokens) + self._unmetered_usd

    def estimate(self, prompt_chars: int) -> float:
        """Estimated USD of one request whose rendered messages have ``prompt_chars`` characters."""
        if self.price is None:
            return 0.0
        with self._lock:
            ratio = self._prompt_chars / self.prompt_tokens if self.prompt_tokens else _CHARS_PER_TOKEN
            completion = self.completion_tokens / self.replies if self.replies else _COMPLETION_PRIOR
        return self.price.cost(prompt_chars / max(ratio, 0.5), completion)

    def reserve(self, prompt_chars: int) -> float | None:
        """Reserve the estimate of one request; None when it would pass the budget (then nothing more starts)."""
        if self.budget_usd is None:
            return 0.0
        estimate = self.estimate(prompt_chars)
        with self._lock:
            if self.budget_reached:
                return None
            if (self.spent_usd or 0.0) + self._reserved + estimate > self.budget_usd:
                self.budget_reached = True
                return None
            self._reserved += estimate
            return estimate

    def settle(
        self, reservation: float, usage: Mapping[str, int] | None, prompt_chars: int, *, replied: bool = True
    ) -> None:
        """Release a reservation and count what the reply cost: its usage, or its estimate when it
        reported none. ``replied=False``: the request failed (an HTTP error, no connection) and
        cost nothing."""
        estimate = self.estimate(prompt_chars) if replied and not usage else 0.0
        with self._lock:
            self._reserved = max(0.0, self._reserved - reservation)
            if usage:
                self.prompt_tokens += int(usage.get("prompt_tokens", 0))
                self.completion_tokens += int(usage.get("completion_tokens", 0))
                self.replies += 1
                self._prompt_chars += prompt_chars
            elif replied:
                self.unmetered_replies += 1
                self._unmetered_usd += estimate

    def value_of(self, record: Mapping[str, Any]) -> float:
        """What asking again for a cached judgment would cost (at the tier it was made at)."""
        usage = record.get("usage") or {}
        price = (self.batch if record.get("batch") else self.standard) or self.price
        if price is None or not usage:
            return 0.0
        return price.cost(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0))

    def add_saved(self, usd: float) -> None:
        """A cached judgment reused (``usd``: its ``value_of``)."""
        with self._lock:
            self.saved_usd += usd

    def summary(self) -> dict[str, Any]:
        spent = self.spent_usd
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": None if spent is None else round(spent, 6),
            "cost_saved_usd": None if self.price is None else round(self.saved_usd, 6),
            "max_cost_usd": self.budget_usd,
            "budget_reached": self.budget_reached,
            "replies_without_usage": self.unmetered_replies,
            "price": None if self.price is None else self.price.as_dict(),
        }
