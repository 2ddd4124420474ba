"""The ToolBench judge's two replies, parsed against their schemas (never scraped from prose).

Pass rate: ``{"reason", "answer_status": "Solved" | "Unsolved" | "Unsure"}`` (ToolEval's
AnswerStatus values). Preference: ``{"reason", "better_answer": 0 | 1}``, the index of the answer
block the judge prefers (ToolEval's ``select_better_answer`` has no tie: ties arise from counting).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from toolgrad_eval.judge.verdict import must_be_text, parse_reply
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


def _status(value: Any) -> Any:
    if value not in STATUSES:
        raise ValueError(f"answer_status is not one of {', '.join(STATUSES)}")
    return value


def _better(value: Any) -> Any:
    if isinstance(value, bool) or value not in (0, 1):
        raise ValueError("better_answer is not 0 or 1")
    return int(value)


class PassReply(BaseModel):
    """The pass-rate judge's reply (``judges/toolbench-pass-v*.json`` sends :func:`reply_schema` of it)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    reason: Annotated[
        str,
        BeforeValidator(must_be_text("reason")),
        Field(
            description=(
                "Brief justification: what the query asks, what the steps obtained, and whether the final answer delivers it."
            )
        ),
    ]
    answer_status: Annotated[Status, BeforeValidator(_status), Field(description="The verdict by the rubric.")]


class PreferenceReply(BaseModel):
    """The preference judge's reply (``judges/toolbench-preference-v*.json``)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    reason: Annotated[
        str,
        BeforeValidator(must_be_text("reason")),
        Field(description="Brief comparison of the two answers on the aspects of the rubric."),
    ]
    better_answer: Annotated[
        Literal[0, 1],
        BeforeValidator(_better),
        WithJsonSchema(
            {"type": "integer", "enum": [0, 1], "description": "0 when answer_0 is better, 1 when answer_1 is better."}
        ),
    ]


def parse_pass(raw: str) -> tuple[PassVerdict | None, str | None]:
    reply, problem = parse_reply(raw, PassReply)
    if reply is None:
        return None, problem
    return PassVerdict(reply.answer_status, _reason(reply.reason)), None


def parse_preference(raw: str) -> tuple[PreferenceVerdict | None, str | None]:
    reply, problem = parse_reply(raw, PreferenceReply)
    if reply is None:
        return None, problem
    return PreferenceVerdict(reply.better_answer, _reason(reply.reason)), None


def _reason(text: str) -> str:
    text = redact_secrets(text)  # a key escaped in the JSON text shows only once parsed
    return text if len(text) <= MAX_REASON_CHARS else text[:MAX_REASON_CHARS] + " [...]"
