"""The ToolBench judge prompts. Pass rate, ToolEval's two steps: the query and the final answer
(first), then the query and the whole answer (only after an Unsure); or, our single-request
option, the query, its tools and the whole answer. Win rate: the query and two answers.

Every text comes from a model or a dataset, so each is clipped to the template's limits (per step
and in total) and fenced against every block tag of the template it goes into (judge/fence.py).
"""

from __future__ import annotations

from typing import Sequence

from toolgrad_eval.judge.template import JudgeTemplate
from toolgrad_eval.toolbench.answers import Answer, Step, Tool, clip

PASS_TAGS = ("user_query", "available_tools", "answer_steps", "final_answer")
ANSWER_TAGS = ("user_query", "final_answer")
DETAILS_TAGS = ("user_query", "final_answer", "answer_steps")
PREFERENCE_TAGS = ("user_query", "answer_0", "answer_1")


def pass_messages(template: JudgeTemplate, answer: Answer) -> list[dict[str, str]]:
    limits = template.spec.limits
    return template.render_blocks(
        PASS_TAGS,
        query=clip(answer.query, limits.query_chars),
        tools=clip(render_tools(answer.tools), limits.reference_chars),
        steps=render_steps(answer.steps, limits.tool_output_chars, limits.trace_chars),
        final_answer=clip(answer.final_answer, limits.response_chars),
    )


def answer_messages(template: JudgeTemplate, answer: Answer) -> list[dict[str, str]]:
    """The first step: the query and the final answer only (no tools, no steps)."""
    limits = template.spec.limits
    return template.render_blocks(
        ANSWER_TAGS,
        query=clip(answer.query, limits.query_chars),
        final_answer=clip(answer.final_answer, limits.response_chars),
    )


def details_messages(template: JudgeTemplate, answer: Answer) -> list[dict[str, str]]:
    """The second step: the query and the whole answer (final answer and every step)."""
    limits = template.spec.limits
    return template.render_blocks(
        DETAILS_TAGS,
        query=clip(answer.query, limits.query_chars),
        final_answer=clip(answer.final_answer, limits.response_chars),
        steps=render_steps(answer.steps, limits.tool_output_chars, limits.trace_chars),
    )


def preference_messages(template: JudgeTemplate, query: str, first: Answer, second: Answer) -> list[dict[str, str]]:
    """``first`` is shown as answer_0, ``second`` as answer_1."""
    limits = template.spec.limits

    def block(answer: Answer) -> str:
        steps = render_steps(answer.steps, limits.tool_output_chars, limits.trace_chars)
        return f"total steps: {len(answer.steps)}\nfinal answer:\n{clip(answer.final_answer, limits.response_chars)}\nsteps:\n{steps}"

    return template.render_blocks(
        PREFERENCE_TAGS, query=clip(query, limits.query_chars), answer_0=block(first), answer_1=block(second)
    )


def render_tools(tools: Sequence[Tool]) -> str:
    if not tools:
        return "(no tools listed)"
    return "\n".join(
        f"- {t.name}: {t.description}" + (f"\n  parameters: {t.parameters}" if t.parameters else "") for t in tools
    )


def render_steps(steps: Sequence[Step], each_chars: int, total_chars: int) -> str:
    if not steps:
        return "(no steps)"
    lines = []
    for number, step in enumerate(steps, start=1):
        if step.role == "tool":
            lines.append(f"[{number}] call {clip(step.name, 200)} with {clip(step.arguments, each_chars)}")
            if step.name != "Finish":
                lines.append(f"    returned: {clip(step.response, each_chars)}")
        else:
            lines.append(f"[{number}] {step.role} thought: {clip(step.text, each_chars)}")
    return clip("\n".join(lines), total_chars)
