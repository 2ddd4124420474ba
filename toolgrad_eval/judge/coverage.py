"""How much of a judged run the judge really judged, and the judge errors a user must see.

A mean over the few samples a failing judge happened to answer looks like a result and is not
one. :class:`Coverage` reads a judged run's counts (every judged benchmark's summary has them):
above ``max_judge_errors`` (a share of the samples that needed a verdict) or after a ``--max-cost``
stop the run is *partial*, and the record, the terminal and the report say ``partial: n of N
judged``. :class:`FirstErrors` shows each distinct judge error once, as it happens, so that a
broken judge is seen in the first seconds, not in ``per_sample.jsonl`` afterwards.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from toolgrad_eval.judge.task import JudgeResult

DEFAULT_MAX_JUDGE_ERRORS = 0.05  # 5% of the samples that needed a verdict
PARTIAL_EXIT = 4  # exit status of a run with too many judge errors (a --max-cost stop keeps its 3)
BUDGET_EXIT = 3
MAX_ERRORS_SHOWN = 3  # distinct judge errors printed while a run goes on; the rest are counted


@dataclass(frozen=True)
class Coverage:
    """The samples behind a judged mean. ``needed``: samples that needed a verdict (those without
    a readable input are left out); the judged ones are the rest of them, less the judge errors
    and the samples a ``--max-cost`` stop left unjudged."""

    needed: int
    judge_errors: int
    not_judged: int
    max_judge_errors: float = DEFAULT_MAX_JUDGE_ERRORS

    @classmethod
    def of(cls, summary: Mapping[str, Any], max_judge_errors: float = DEFAULT_MAX_JUDGE_ERRORS) -> Coverage:
        """From a judged summary's ``n_samples``, ``n_input_errors``, ``n_judge_errors`` and ``n_not_judged``."""
        needed = int(summary.get("n_samples", 0)) - int(summary.get("n_input_errors", 0))
        return cls(
            needed=max(0, needed),
            judge_errors=int(summary.get("n_judge_errors", 0)),
            not_judged=int(summary.get("n_not_judged", 0)),
            max_judge_errors=max_judge_errors,
        )

    @property
    def judged(self) -> int:
        return max(0, self.needed - self.judge_errors - self.not_judged)

    @property
    def too_many_errors(self) -> bool:
        return self.needed > 0 and self.judge_errors > self.max_judge_errors * self.needed

    @property
    def partial(self) -> bool:
        """Too many judge errors, or samples left unjudged by the budget: the means are not the run's."""
        return self.too_many_errors or self.not_judged > 0

    @property
    def label(self) -> str:
        """``partial: n of N judged`` (``n of N judged`` when complete enough)."""
        return f"{'partial: ' if self.partial else ''}{self.judged} of {self.needed} judged"

    def reason(self) -> str:
        """Why the run is partial, in one clause (empty when it is not)."""
        parts = []
        if self.too_many_errors:
            share = self.judge_errors / self.needed
            parts.append(
                f"{self.judge_errors} judge errors ({share:.0%} of {self.needed}, above "
                f"--max-judge-errors {self.max_judge_errors:g})"
            )
        if self.not_judged:
            parts.append(f"{self.not_judged} not judged (--max-cost)")
        return "; ".join(parts)

    def as_summary(self) -> dict[str, Any]:
        """The run record's keys: a reader needs no threshold to tell a partial run."""
        return {
            "partial": self.partial,
            "n_judged": self.judged,
            "n_needing_judgment": self.needed,
            "max_judge_errors": self.max_judge_errors,
            "partial_reason": self.reason() or None,
        }

    def exit_status(self, budget_reached: bool) -> int:
        """4 when too many judgments failed (whatever else happened); 3 after a --max-cost stop; else 0."""
        if self.too_many_errors:
            return PARTIAL_EXIT
        return BUDGET_EXIT if budget_reached else 0


class FirstErrors:
    """Shows each distinct judge error once, as it happens (the first ``MAX_ERRORS_SHOWN``), and
    counts them all. Results from several worker threads may arrive at once."""

    def __init__(self, notify: Callable[[str], None], limit: int = MAX_ERRORS_SHOWN) -> None:
        self._notify = notify
        self._limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self.count = 0

    def see(self, result: JudgeResult) -> None:
        if result.verdict is not None or result.error is None or result.not_judged:
            return
        with self._lock:
            self.count += 1
            if result.error in self._seen or len(self._seen) >= self._limit:
                return
            first = not self._seen
            self._seen.add(result.error)
        tail = " (each distinct judge error is shown once; all are in per_sample.jsonl)" if first else ""
        self._notify(f"judge error on {result.sample_id[:200]}: {result.error[:300]}{tail}")
