"""One BFCL multi-turn entry as a conversation with a served model, as the official generator holds it.

For each turn: the turn's user messages (a held-out turn has none: its functions are added and the
official "I have updated some more functions" message is sent instead), then requests until the
model's reply decodes to no call (text, an empty list, or a reply that does not decode), each reply's
calls run on the entry's own simulators and their results sent back: FC mode, one ``tool`` message per
call with its ``tool_call_id``; prompt mode, one user message holding the Python ``repr`` of
``[{"role": "tool", "name": <call>, "content": <result>}, ...]``. A turn that reaches more than
``MAX_STEPS`` requests ends the entry there (the official "force quit": later turns are not asked, and
the checker fails the entry for its missing turns).

The result is the official line: ``result[turn][step]`` (what each reply stored: FC the calls as
``[{name: "<JSON arguments>"}]`` or the text, prompt the text), with ``input_token_count``,
``output_token_count`` and ``latency`` of the same shape. Nothing here sends HTTP or runs a simulator
itself: the caller gives ``ask`` (one request, retried by generate's sender) and ``execute``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from toolgrad_eval.bfcl.decode import DecodeError
from toolgrad_eval.bfcl.multi_turn.calls import execution_calls
from toolgrad_eval.generate.functions import to_tools
from toolgrad_eval.generate.prompt import SystemPrompt, with_system_prompt
from toolgrad_eval.generate.request import result_of

__all__ = ["MAX_STEPS", "Asked", "Conversation", "MultiTurnEntry", "RequestFailed", "StepLimit"]

MAX_STEPS = 20  # the official MAXIMUM_STEP_LIMIT: a turn's 21st request is its last
ADDED_FUNCTIONS = "I have updated some more functions you can choose from. What about now?"


class RequestFailed(Exception):
    """A request got no reply after generate's retries; ``retryable``: a later run asks the entry again."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Asked:
    """One reply: the chat.completion body and the seconds its request took."""

    reply: dict[str, Any]
    latency: float


@dataclass(frozen=True)
class MultiTurnEntry:
    """A multi-turn question ready to send: its turns, function docs and held-out functions by turn."""

    id: str
    turns: list[list[dict[str, Any]]]
    functions: list[dict[str, Any]]  # with the official Python note in each description
    held_out: dict[int, list[dict[str, Any]]]  # turn -> function docs added then (no note, as officially)
    involved_classes: list[str]
    initial_config: dict[str, Any]


@dataclass(frozen=True)
class StepLimit:
    max_steps: int = MAX_STEPS


@dataclass
class Conversation:
    """Drives one entry; :meth:`run` returns its result line (``id``, ``result`` and the counts)."""

    entry: MultiTurnEntry
    mode: Literal["fc", "prompt"]
    version: Literal["v3", "v4"]
    ask: Callable[[dict[str, Any]], Asked]  # a request body -> its reply (raises RequestFailed)
    execute: Callable[[list[str]], list[str]]  # call strings -> their results, on this entry's simulators
    base_body: dict[str, Any]  # model, temperature, max_tokens
    prompt: SystemPrompt | None = None  # prompt mode
    dots_to_underscores: bool = True
    limit: StepLimit = field(default_factory=StepLimit)
    requests: int = 0  # requests answered so far (for the progress line)

    def run(self) -> dict[str, Any]:
        entry = self.entry
        functions = copy.deepcopy(entry.functions)
        messages: list[dict[str, Any]] = []
        tools = self._tools(functions)
        out: dict[str, list[list[Any]]] = {k: [] for k in ("result", "input_token_count", "output_token_count")}
        out["latency"] = []
        for turn_index, turn in enumerate(entry.turns):
            turn_messages = [dict(m) for m in turn]
            if turn_index in entry.held_out:
                added = entry.held_out[turn_index]
                if self.mode == "fc":
                    functions.extend(copy.deepcopy(added))
                    tools = self._tools(functions)
                    turn_messages = [{"role": "user", "content": ADDED_FUNCTIONS}]
                else:
                    turn_messages = [{"role": "user", "content": f"{added}\n{ADDED_FUNCTIONS}"}]
            if turn_index == 0 and self.mode == "prompt":
                assert self.prompt is not None
                turn_messages = with_system_prompt(turn_messages, self.prompt.render(functions))
            messages.extend(turn_messages)
            steps: dict[str, list[Any]] = {k: [] for k in out}
            forced = self._turn(messages, tools, steps)
            for key, values in steps.items():
                out[key].append(values)
            if forced:
                break
        return {"id": entry.id, **out}

    def _turn(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], steps: dict[str, list[Any]]) -> bool:
        """Requests of one turn; True when the step limit ended it (the entry stops there)."""
        count = 0
        while True:
            body = {**self.base_body, "messages": messages}
            if self.mode == "fc" and tools:
                body["tools"] = tools
            asked = self.ask(body)
            self.requests += 1
            stored, tokens_in, tokens_out = result_of(asked.reply, self.mode)
            steps["result"].append(stored)
            steps["input_token_count"].append(tokens_in)
            steps["output_token_count"].append(tokens_out)
            steps["latency"].append(round(asked.latency, 4))
            message = _message(asked.reply)
            call_ids = [c.get("id") for c in message.get("tool_calls") or [] if isinstance(c, dict)]
            messages.append(_assistant(message, self.mode))
            try:
                calls = execution_calls(stored, "openai-fc" if self.mode == "fc" else "python", self.version)
            except DecodeError:
                return False  # a reply that does not decode ends the turn, as officially
            if not calls or (len(calls) == 1 and not calls[0]):  # the official emptiness test
                return False
            results = self.execute(calls)
            if self.mode == "fc":
                # zip, as the official handler: calls beyond the ids the reply gave get no message
                messages.extend(
                    {"role": "tool", "content": result, "tool_call_id": call_id}
                    for result, call_id in zip(results, call_ids)
                )
            else:
                shown = [{"role": "tool", "name": call, "content": result} for call, result in zip(calls, results)]
                messages.append({"role": "user", "content": repr(shown)})
            count += 1
            if count > self.limit.max_steps:
                return True

    def _tools(self, functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return to_tools(functions, dots_to_underscores=self.dots_to_underscores) if self.mode == "fc" else []


def _message(reply: dict[str, Any]) -> dict[str, Any]:
    try:
        message = reply["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        return {}
    return message if isinstance(message, dict) else {}


def _assistant(message: dict[str, Any], mode: str) -> dict[str, Any]:
    """The reply as the next request's history: its text and (FC) its tool calls as the server sent them."""
    content = message.get("content")
    out: dict[str, Any] = {"role": "assistant", "content": content if isinstance(content, str) else None}
    calls = message.get("tool_calls")
    if mode == "fc" and isinstance(calls, list) and calls:
        out["tool_calls"] = calls
    elif out["content"] is None:
        out["content"] = ""
    return out
