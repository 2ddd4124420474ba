"""Adaptive concurrency (AIMD): back off on sustained 429s, recover when requests succeed.

``--num_process N`` is the ceiling. The in-flight limit is halved when 429s are *sustained*: at
least half of a full window of outcomes of requests sent since the last decrease were 429s. The
window is ``limit`` outcomes, or as many as were ever in flight at once since the last decrease
when that is fewer (10 tasks left at ``--num_process 64``), but never under 8. A shorter window
overreacts: 429s come back at once while successes take the judge's full latency, so a random
20% of 429s often fills half of a few outcomes in a row. A 429 from a request sent before the
last decrease says nothing new (it went out at the old, higher concurrency), so it cannot cut
again; an occasional 429 (a shared account's noise) only waits out its Retry-After. Each success
adds ``1/limit``, i.e. one slot per window of successes, up to N. A run pinned at the account's
limit settles just under it instead of burning retries, and speeds back up when the limit frees.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Literal

Outcome = Literal["ok", "rate_limited", "error", "cancelled"]
_MIN_WINDOW = 8  # replies: fewer say too little to cut on (unless the limit itself is lower)


class AdaptiveLimit:
    def __init__(self, maximum: int, *, decrease: float = 0.5, threshold: float = 0.5) -> None:
        self.maximum = max(1, maximum)
        self.limit = float(self.maximum)
        self.min_reached = float(self.maximum)
        self.decreases = 0
        self._decrease, self._threshold = decrease, threshold
        self._in_flight = 0
        self._peak = 0  # most requests in flight at once since the last decrease
        self._epoch = 0
        # outcomes (True = 429) of requests sent since the last decrease, the latest `maximum` of them
        self._window: deque[bool] = deque(maxlen=self.maximum)
        self._cond = threading.Condition()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def acquire(self, stop: threading.Event) -> int | None:
        """Wait for a slot; returns a token for release(), or None once ``stop`` is set."""
        with self._cond:
            while self._in_flight >= int(self.limit):
                if stop.is_set():
                    return None
                self._cond.wait(0.1)
            if stop.is_set():
                return None
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
            return self._epoch

    def release(self, token: int, outcome: Outcome) -> None:
        with self._cond:
            self._in_flight -= 1
            if outcome == "ok":
                self.limit = min(float(self.maximum), self.limit + 1.0 / self.limit)
            if token == self._epoch and outcome in ("ok", "rate_limited"):
                self._window.append(outcome == "rate_limited")
                if outcome == "rate_limited" and self._sustained():
                    self.limit = max(1.0, self.limit * self._decrease)
                    self.min_reached = min(self.min_reached, self.limit)
                    self.decreases += 1
                    self._epoch += 1
                    self._window.clear()
                    self._peak = 0
            self._cond.notify_all()

    def _sustained(self) -> bool:
        """A full window of outcomes, and at least half of the latest ``window`` of them 429s."""
        window = max(1, min(int(self.limit), max(self._peak, _MIN_WINDOW)))
        if len(self._window) < window:
            return False
        latest = list(self._window)[-window:]
        return sum(latest) >= self._threshold * window

    def stats(self) -> dict[str, float | int]:
        return {
            "max_in_flight": self.maximum,
            "min_limit": int(self.min_reached),
            "final_limit": int(self.limit),
            "backoffs": self.decreases,
        }
