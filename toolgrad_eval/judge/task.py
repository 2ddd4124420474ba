"""What the judge is asked and what it answers: requests (text + schema) and results, free of any
benchmark. Benchmarks build the messages above this layer and read the verdicts it hands back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from toolgrad_eval.errors import ToolgradError

NOT_JUDGED = "not judged: --max-cost budget reached before this request"


class JudgeAborted(ToolgradError):
    """The endpoint refused us in a way no retry can fix (bad key, unknown model, no quota)."""


@dataclass(frozen=True)
class JudgeTask:
    sample_id: str
    key: str
    messages: list[dict[str, str]]
    k: int = 0  # which of the --judge-samples judgments
    seed: int | None = None  # sent with the request when set (k > 0)

    @property
    def prompt_chars(self) -> int:
        return sum(len(m["content"]) for m in self.messages)


@dataclass
class JudgeResult:
    sample_id: str
    source: Literal["cache", "judge", "batch"]
    verdict: Any = None  # the template's verdict (QorVerdict for qor-v1); None when there is none
    error: str | None = None
    usage: dict[str, int] | None = None
    requests: int = 0
    k: int = 0
    not_judged: bool = False  # skipped by the budget: no request was sent
    saved_usd: float = 0.0  # a cached verdict: what asking again would cost (the caller counts it)
