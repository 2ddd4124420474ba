"""The judge's reply: parsed against the schema, never scraped from prose."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Annotated, Any, Callable, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema

from toolgrad_eval.fileio import json_depth_ok, replace_lone_surrogates
from toolgrad_eval.redact import redact_secrets

MAX_REPLY_CHARS = 100_000
Reply = TypeVar("Reply", bound=BaseModel)


def must_be_count(field: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not _is_int(value) or value < 0:
            raise ValueError(f"{field} is not a non-negative integer")
        return int(value)

    return check


def must_be_text(field: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"{field} is not a string")
        return value

    return check


def must_be_number(field: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not _is_number(value):
            raise ValueError(f"{field} is not a number")
        return float(value)

    return check


def must_be_numbers(field: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, list) or not all(_is_number(s) for s in value):
            raise ValueError(f"{field} is not a list of numbers")
        return [float(s) for s in value]

    return check


@dataclass(frozen=True)
class QorVerdict:
    num_requests: int
    reason: str
    response_scores: tuple[float, ...]
    final_score: float  # as the judge gave it
    qor: float  # final_score clipped to [0, 100]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["response_scores"] = list(self.response_scores)
        return data


class QorReply(BaseModel):
    """The QoR judge's reply: what ``judges/qor-v*.json`` asks for (its ``schema`` is this model's
    :func:`reply_schema`, checked by a test). Lenient where a judge may be sloppy without being
    wrong (85.0 for an integer score, extra keys), strict where it matters (no text for numbers)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    num_requests: Annotated[
        int,
        BeforeValidator(must_be_count("num_requests")),
        Field(description="How many distinct requests the user's query makes."),
    ]
    reason: Annotated[
        str,
        BeforeValidator(must_be_text("reason")),
        Field(description="Brief justification: which requests were addressed, how well, and on what tool results."),
    ]
    response_scores: Annotated[
        list[float],
        BeforeValidator(must_be_numbers("response_scores")),
        WithJsonSchema(
            {
                "type": "array",
                "items": {"type": "integer"},
                "description": (
                    "One 0-100 score per request, in the order the query makes them; 0 for a request that was not addressed."
                ),
            }
        ),
    ]
    final_score: Annotated[
        float,
        BeforeValidator(must_be_number("final_score")),
        WithJsonSchema({"type": "integer", "description": "The mean of response_scores, rounded to an integer."}),
    ]


def parse_verdict(raw: str) -> tuple[QorVerdict | None, str | None]:
    """Validate a reply against the QoR schema: (verdict, None) or (None, what is wrong)."""
    reply, problem = parse_reply(raw, QorReply)
    if reply is None:
        return None, problem
    return (
        QorVerdict(
            num_requests=reply.num_requests,
            reason=redact_secrets(reply.reason),  # a key escaped in the JSON text shows only once parsed
            response_scores=tuple(reply.response_scores),
            final_score=reply.final_score,
            qor=clip_score(reply.final_score),
        ),
        None,
    )


def parse_reply(raw: str, model: type[Reply]) -> tuple[Reply | None, str | None]:
    """A reply validated by its pydantic model: (reply, None) or (None, the first thing wrong)."""
    data, problem = reply_object(raw, tuple(model.model_fields))
    if data is None:
        return None, problem
    try:
        return model.model_validate(data), None
    except ValidationError as exc:
        error = exc.errors()[0]
        cause = (error.get("ctx") or {}).get("error")
        return None, str(cause) if isinstance(
            cause, ValueError
        ) else f"{'.'.join(map(str, error['loc']))}: {error['msg']}"


def reply_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The strict JSON schema a template sends for ``model`` (structured outputs: every property
    required, no other property allowed), generated from the model."""
    schema = model.model_json_schema()
    properties = {name: {k: v for k, v in prop.items() if k != "title"} for name, prop in schema["properties"].items()}
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def reply_object(raw: str, keys: tuple[str, ...]) -> tuple[dict[str, Any] | None, str | None]:
    """A reply as a JSON object holding ``keys`` (bounded in size and depth before it is decoded):
    (object, None) or (None, what is wrong). Every benchmark's verdict parser starts here."""
    if not raw:
        return None, "empty reply"
    if len(raw) > MAX_REPLY_CHARS:
        return None, f"reply longer than {MAX_REPLY_CHARS} characters"
    if not json_depth_ok(raw, 20):
        return None, "reply nested too deeply"
    try:
        data = replace_lone_surrogates(json.loads(raw))
    except json.JSONDecodeError as exc:
        return None, f"not JSON ({exc.msg})"
    except (ValueError, RecursionError):  # e.g. an integer too long to convert
        return None, "unreadable JSON value"
    if not isinstance(data, dict):
        return None, "not a JSON object"
    missing = [k for k in keys if k not in data]
    if missing:
        return None, f"missing {', '.join(missing)}"
    return data, None


def clip_score(score: float, low: float = 0.0, high: float = 100.0) -> float:
    """QoR is a score on 0..100: what a judge gives outside that range is clipped."""
    return min(max(score, low), high)


def _is_number(value: Any) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _is_int(value: Any) -> bool:
    return _is_number(value) and float(value).is_integer()
