"""One model's answer to one ToolBench query, read from a converted answer file.

ToolEval's converter (StableToolBench ``toolbench/tooleval/convert_to_answer_format.py``) writes one
JSON object per test set, ``{query_id: {"query", "available_tools", "answer"}}``. ``answer`` holds
``method``, ``total_steps``, ``final_answer`` (the ``Finish`` call's arguments as a JSON string) and
``answer_details``: a chain of nodes ``{"role", "message", "next": [node]}`` starting with the
system and user nodes (messages blanked), then ``tool`` nodes (message ``{"name", "arguments",
"response"}``) and ``assistant`` nodes (message: the thought text). ToolEval follows ``next[0]``
and reads the last ``tool`` node as the final step; we do the same.

Everything here is model output: every text is clipped, the number of steps and tools is bounded,
and the chain is walked iteratively (a deep chain cannot exhaust the stack).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, ValidationError

from toolgrad_eval.fileio import replace_lone_surrogates

MAX_STEPS = 200  # nodes of one answer's chain read; ToolBench runs stop far earlier
MAX_TOOLS = 200  # available tools listed per query
MAX_TEXT = 20_000  # characters kept of any one text (query, argument, response, final answer)
FINISH = "Finish"
GIVE_UP = "give_up_and_restart"


class _Loose(BaseModel):
    # Other people's files: unknown keys are allowed (and ignored), the ones we read are typed.
    model_config = ConfigDict(extra="ignore")


class AnswerFile(_Loose):
    method: str = ""
    total_steps: int = 0
    final_answer: str = ""
    answer_details: list[Any]


class EntryFile(_Loose):
    """One query's entry of a converted answer file."""

    query: str
    available_tools: list[Any] = []
    answer: AnswerFile


@dataclass(frozen=True)
class Step:
    """One node after the system and user nodes: a tool call, or an assistant thought."""

    role: str  # "tool" | "assistant" (anything else is kept as given)
    name: str = ""  # tool nodes: the function called
    arguments: str = ""
    response: str = ""
    text: str = ""  # assistant nodes: the thought

    def as_dict(self) -> dict[str, str]:
        if self.role == "tool":
            return {"role": "tool", "name": self.name, "arguments": self.arguments, "response": self.response}
        return {"role": self.role, "text": self.text}


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: str  # the parameter schema as compact JSON text


@dataclass(frozen=True)
class Answer:
    query: str
    tools: tuple[Tool, ...]
    method: str
    total_steps: int
    final_answer: str
    steps: tuple[Step, ...]
    truncated: bool = False  # the chain had more than MAX_STEPS nodes

    @property
    def final_step(self) -> Step | None:
        """The last tool node (ToolEval's "final step"); thoughts after it do not count."""
        return next((s for s in reversed(self.steps) if s.role == "tool"), None)

    def unsolved_without_judge(self) -> str | None:
        """Why this answer is Unsolved by StableToolBench's rules before any judge is asked, or None."""
        final = self.final_step
        if final is None or final.name != FINISH:
            return "final step is not a call of Finish"
        if not self.final_answer.strip() or GIVE_UP in self.final_answer:
            return "empty final answer, or the model gave up and restarted"
        return None

    def same_as(self, other: Answer) -> bool:
        """ToolEval's identity check: the same final answer and the same steps."""
        return self.final_answer == other.final_answer and self.steps == other.steps


def parse_entry(data: Any) -> Answer:
    """A converted entry as an Answer; ValueError naming what is wrong."""
    try:
        entry = EntryFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "entry"
        raise ValueError(f"{where}: {first['msg']}") from None
    steps, truncated = _chain(entry.answer.answer_details)
    return Answer(
        query=clip(entry.query),
        tools=tuple(_tool(t) for t in entry.available_tools[:MAX_TOOLS]),
        method=clip(entry.answer.method, 200),
        total_steps=entry.answer.total_steps,
        final_answer=clip(entry.answer.final_answer),
        steps=steps,
        truncated=truncated or len(entry.available_tools) > MAX_TOOLS,
    )


def answer_entry(query: str, tools: list[Any], method: str, final_answer: str, steps: list[Step]) -> dict[str, Any]:
    """The converted-file entry for an answer (what ToolEval's converter writes for it)."""
    chain: list[dict[str, Any]] = [{"role": "system", "message": ""}, {"role": "user", "message": ""}]
    for step in steps:
        if step.role == "tool":
            chain.append(
                {"role": "tool", "message": {"name": step.name, "arguments": step.arguments, "response": step.response}}
            )
        else:
            chain.append({"role": step.role, "message": step.text})
    head: dict[str, Any] | None = None
    for node in reversed(chain):  # nested from the leaf up: no recursion
        head = {**node, "next": [head] if head is not None else []}
    return {
        "query": query,
        "available_tools": tools,
        "answer": {"method": method, "total_steps": len(chain), "final_answer": final_answer, "answer_details": [head]},
    }


def _chain(details: list[Any]) -> tuple[tuple[Step, ...], bool]:
    steps: list[Step] = []
    node = details[0] if details else None
    seen = 0
    while isinstance(node, Mapping):
        seen += 1
        if seen > MAX_STEPS + 2:
            return tuple(steps), True
        role = node.get("role")
        message = node.get("message")
        if role == "tool" and message:
            steps.append(_tool_step(message))
        elif role not in ("system", "user", "tool") and message:
            steps.append(Step(role=clip(str(role), 50), text=clip(_text(message))))
        following = node.get("next")
        node = following[0] if isinstance(following, list) and following else None
    return tuple(steps), False


def _tool_step(message: Any) -> Step:
    if not isinstance(message, Mapping):
        # ToolEval reads a tool node's message as text too; a string keeps its name unknown.
        return Step(role="tool", arguments=clip(_text(message)))
    return Step(
        role="tool",
        name=clip(_text(message.get("name", "")), 200),
        arguments=clip(_text(message.get("arguments", ""))),
        response=clip(_text(message.get("response", ""))),
    )


def _tool(data: Any) -> Tool:
    # Newer converters nest an OpenAI-style tool: {"type": "function", "function": {...}}.
    if isinstance(data, Mapping) and isinstance(data.get("function"), Mapping):
        data = data["function"]
    if not isinstance(data, Mapping):
        return Tool(name=clip(_text(data), 200), description="", parameters="")
    return Tool(
        name=clip(_text(data.get("name", "")), 200),
        description=clip(_text(data.get("description", "")), 2000),
        parameters=clip(_text(data.get("parameters", "")), 4000),
    )


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """At most ``limit`` characters of ``text``, lone surrogates (``\\udfff`` in the JSON) replaced:
    every text kept from an answer passes here, and no UTF-8 writer accepts one."""
    if len(text) > limit:
        text = text[:limit] + f" [... {len(text) - limit} more characters]"
    return replace_lone_surrogates(text)
