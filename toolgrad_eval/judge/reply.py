"""The parts of a chat.completion body the judge reads: the message content and the token usage."""

from __future__ import annotations

from typing import Any


def reply_parts(body: Any) -> tuple[str, dict[str, int] | None]:
    """The message content ("" when cut by max tokens or missing) and the token usage of a
    chat.completion body (a live reply or a Batch API result line)."""
    raw = ""
    try:
        choice = body["choices"][0]
        if choice.get("finish_reason") != "length":
            content = choice["message"].get("content")
            raw = content if isinstance(content, str) else ""
    except (KeyError, IndexError, TypeError, AttributeError):
        raw = ""
    usage = body.get("usage") if isinstance(body, dict) else None
    if not isinstance(usage, dict):
        return raw, None
    return raw, {
        "prompt_tokens": _int(usage.get("prompt_tokens")),
        "completion_tokens": _int(usage.get("completion_tokens")),
    }


def _int(value: Any) -> int:
    """A token count from the reply; anything that is not a finite non-negative number counts 0."""
    try:
        number = int(value or 0)
    except (TypeError, ValueError, OverflowError):  # OverflowError: Infinity / 1e999 in the JSON
        return 0
    return number if 0 <= number < 2**53 else 0
