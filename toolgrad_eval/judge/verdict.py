"""The judge's reply: parsed against the schema, never scraped from prose."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any

from toolgrad_eval.fileio import json_depth_ok, replace_lone_surrogates
from toolgrad_eval.redact import redact_secrets

MAX_REPLY_CHARS = 100_000


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


def parse_verdict(raw: str) -> tuple[QorVerdict | None, str | None]:
    """Validate a reply against the QoR schema: (verdict, None) or (None, what is wrong)."""
    data, problem = reply_object(raw, ("num_requests", "reason", "response_scores", "final_score"))
    if data is None:
        return None, problem
    num_requests, reason, scores, final = (data[k] for k in ("num_requests", "reason", "response_scores", "final_score"))
    if not _is_int(num_requests) or num_requests < 0:
        return None, "num_requests is not a non-negative integer"
    if not isinstance(reason, str):
        return None, "reason is not a string"
    if not isinstance(scores, list) or not all(_is_number(s) for s in scores):
        return None, "response_scores is not a list of numbers"
    if not _is_number(final):
        return None, "final_score is not a number"
    return (
        QorVerdict(
            num_requests=int(num_requests),
            reason=redact_secrets(reason),  # a key escaped in the JSON text shows only once parsed
            response_scores=tuple(float(s) for s in scores),
            final_score=float(final),
            qor=clip_score(float(final)),
        ),
        None,
    )


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
