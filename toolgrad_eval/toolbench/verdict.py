"""The ToolBench judge's two replies, parsed against their schemas (never scraped from prose).

Pass rate: ``{"reason", "answer_status": "Solved" | "Unsolved" | "Unsure"}`` (ToolEval's
AnswerStatus values). Preference: ``{"reason", "better_answer": 0 | 1}``, the index of the answer
block the judge prefers (ToolEval's ``select_better_answer`` has no tie: ties arise from counting).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from toolgrad_eval.judge.verdict import reply_object
from toolgrad_eval.redact import redact_secrets

Status = Literal["Solved", "Unsolved", "Unsure"]
STATUSES: tuple[Status, ...] = ("Solved", "Unsolved", "Unsure")
MAX_REASON_CHARS = 4_000


@dataclass(frozen=True)
class PassVerdict:
    answer_status: Status
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PreferenceVerdict:
    better_answer: int  # 0 or 1: the position of the preferred answer in the prompt
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_pass(raw: str) -> tuple[PassVerdict | None, str | None]:
    data, problem = reply_object(raw, ("answer_status", "reason"))
    if data is None:
        return None, problem
    status, reason = data["answer_status"], data["reason"]
    if status not in STATUSES:
        return None, f"answer_status is not one of {', '.join(STATUSES)}"
    if not isinstance(reason, str):
        return None, "reason is not a string"
    return PassVerdict(status, _reason(reason)), None


def parse_preference(raw: str) -> tuple[PreferenceVerdict | None, str | None]:
    data, problem = reply_object(raw, ("better_answer", "reason"))
    if data is None:
        return None, problem
    better, reason = data["better_answer"], data["reason"]
    if isinstance(better, bool) or better not in (0, 1):
        return None, "better_answer is not 0 or 1"
    if not isinstance(reason, str):
        return None, "reason is not a string"
    return PreferenceVerdict(int(better), _reason(reason)), None


def _reason(text: str) -> str:
    text = redact_secrets(text)  # a key escaped in the JSON text shows only once parsed
    return text if len(text) <= MAX_REASON_CHARS else text[:MAX_REASON_CHARS] + " [...]"
