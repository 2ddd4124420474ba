"""One BFCL entry as a Chat Completions request, and the reply as the result BFCL stores.

FC mode (what the official OpenAI-style handler does): the question's first turn as messages, the
functions as ``tools`` (no system prompt of ours); the result is ``[{name: "<JSON arguments>"}]``
for the returned ``tool_calls`` (``[]`` when the server sends an empty list), or the message text
when it sends none. Prompt mode: our system
prompt with the function docs first, then the question; the result is the message text. An empty
or refused reply is a result (an empty text), not an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from toolgrad_eval.generate.functions import to_tools, with_language_notes
from toolgrad_eval.generate.prompt import SystemPrompt, with_system_prompt

__all__ = ["RequestOptions", "build_body", "result_of"]

MAX_RESULT_CHARS = 1_000_000  # a reply longer than this is cut: the scorer's decoders stop there anyway
MAX_CALLS = 1_000  # tool calls kept from one reply (BFCL's largest answer has a handful)


@dataclass(frozen=True)
class RequestOptions:
    model: str
    mode: Literal["fc", "prompt"]
    temperature: float
    max_tokens: int | None
    prompt: SystemPrompt | None  # prompt mode
    dots_to_underscores: bool = True  # FC mode


def build_body(question: dict[str, Any], category: str, options: RequestOptions) -> dict[str, Any]:
    """The request body for one entry; ValueError when the entry is not shaped as BFCL's are."""
    turns = question.get("question")
    functions = question.get("function")
    if not isinstance(turns, list) or not turns or not isinstance(turns[0], list):
        raise ValueError("question has no first turn (a list of messages)")
    if not isinstance(functions, list) or not all(isinstance(f, dict) for f in functions):
        raise ValueError("function is not a list of function documents")
    try:
        functions = with_language_notes(functions, category)
        messages = [dict(m) for m in turns[0]]
        body: dict[str, Any] = {"model": options.model, "temperature": options.temperature}
        if options.mode == "fc":
            tools = to_tools(functions, dots_to_underscores=options.dots_to_underscores)
            if tools:
                body["tools"] = tools
        else:
            assert options.prompt is not None
            messages = with_system_prompt(messages, options.prompt.render(functions))
    except (AttributeError, KeyError, TypeError) as exc:
        raise ValueError(f"function documents not shaped as BFCL's ({type(exc).__name__}: {exc})") from None
    body["messages"] = messages
    if options.max_tokens is not None:
        body["max_tokens"] = options.max_tokens
    return body


def result_of(reply: dict[str, Any], mode: Literal["fc", "prompt"]) -> tuple[Any, int, int]:
    """(result, input tokens, output tokens) of a chat.completion body, in BFCL's stored shape."""
    message: Any = {}
    try:
        message = reply["choices"][0]["message"] or {}
    except (KeyError, IndexError, TypeError):
        message = {}
    if not isinstance(message, dict):
        message = {}
    text = message.get("content")
    text = text[:MAX_RESULT_CHARS] if isinstance(text, str) else ""
    result: Any = text
    calls = message.get("tool_calls")
    if mode == "fc" and isinstance(calls, list):  # [] too: the official handler stores [] then
        stored = [_call(call) for call in calls[:MAX_CALLS]]
        if all(call is not None for call in stored):  # one malformed call: the text, as the official handler
            result = _within_budget(stored)
    usage = reply.get("usage")
    if not isinstance(usage, dict):
        usage = {}
    return result, _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))


def _call(call: Any) -> dict[str, Any] | None:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        return None
    arguments = function.get("arguments")
    if not isinstance(arguments, str):  # the API sends JSON text; a server sending an object gets it written so
        try:
            arguments = json.dumps(arguments)
        except (TypeError, ValueError, RecursionError):
            return None
    return {function["name"][:1000]: arguments[:MAX_RESULT_CHARS]}


def _within_budget(calls: list[Any]) -> list[Any]:
    """The first call, and the next ones while names and arguments fit in MAX_RESULT_CHARS together."""
    total = 0
    for index, call in enumerate(calls):
        ((name, arguments),) = call.items()
        total += len(name) + len(arguments)
        if total > MAX_RESULT_CHARS and index > 0:
            return calls[:index]
    return calls


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53 else 0
