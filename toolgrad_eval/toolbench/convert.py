"""Raw ToolBench answer files (``answer/<model>/<test_set>/<query_id>_<method>.json``) converted the
way ToolEval's converter does it, so a raw answer folder scores like its converted file.

The facts (StableToolBench ``toolbench/tooleval/convert_to_answer_format.py``): a file's
``answer_generation`` holds ``query``, ``function`` (the available tools), ``final_answer`` and
``valid_data``. A valid answer is read from the last conversation of ``train_messages``: after the
system and user messages, an assistant ``function_call`` (or each of its ``tool_calls``) is a tool
step whose response is the next message (the ``tool`` message with the call's id), ``Finish``
has no response and ends a ``tool_calls`` list, and any other assistant message is a thought. An
invalid answer comes from the search record instead: a CoT file's ``trys`` (each a ``chain`` of
``Thought``/``Action``/``Action Input`` nodes; an Action and the Action Input after it are one
tool step), a DFS file's ``tree`` (the same nodes as a tree). ToolEval picks the try, and the path
through the tree, at random; we take the last try and the last child at each level, so that a
conversion never changes between runs (with one try and one path, as in most files, both agree).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from toolgrad_eval.errors import InputFileError
from toolgrad_eval.fileio import read_json
from toolgrad_eval.toolbench.answers import MAX_STEPS, Step, answer_entry


def query_id_of(path: Path) -> str:
    """``1073_CoT@1.json`` -> ``1073`` (ToolEval: the file name up to the first underscore)."""
    return path.name.split("_", 1)[0]


def method_of(path: Path) -> str:
    stem = path.name.removesuffix(".json")
    return stem.split("_", 1)[1] if "_" in stem else ""


def convert_file(path: Path) -> dict[str, Any]:
    """One raw answer file as a converted entry; InputFileError naming the file when it cannot be."""
    data = read_json(path)
    generation = data.get("answer_generation") if isinstance(data, dict) else None
    if not isinstance(generation, dict):
        raise InputFileError(path, "no 'answer_generation' object (not a ToolBench answer file)")
    query, tools, final = generation.get("query"), generation.get("function"), generation.get("final_answer", "")
    if not isinstance(query, str):
        raise InputFileError(path, "answer_generation.query is not a string")
    if not isinstance(tools, list):
        raise InputFileError(path, "answer_generation.function is not a list of tools")
    if not isinstance(final, str):
        raise InputFileError(path, "answer_generation.final_answer is not a string")
    try:
        if generation.get("valid_data"):
            steps = _from_messages(generation.get("train_messages"))
        elif isinstance(data.get("trys"), list) and data["trys"]:
            steps = _from_chain(_last_try(data["trys"]))
        elif isinstance(data.get("tree"), dict):
            steps = _from_tree(data["tree"])
        else:
            raise ValueError("invalid answer with neither 'trys' (CoT) nor 'tree' (DFS) to read it from")
    except ValueError as exc:
        raise InputFileError(path, str(exc)) from None
    return answer_entry(query, tools, method_of(path), final, steps)


def _from_messages(conversations: Any) -> list[Step]:
    if not isinstance(conversations, list) or not conversations or not isinstance(conversations[-1], list):
        raise ValueError("valid answer without train_messages to read it from")
    conversation = conversations[-1]
    steps: list[Step] = []
    index = 2  # after the system and user messages
    while index < len(conversation) and len(steps) < MAX_STEPS:
        message = conversation[index]
        index += 1
        if not isinstance(message, Mapping) or message.get("role") != "assistant":
            continue
        call = message.get("function_call")
        if isinstance(call, Mapping):
            name = str(call.get("name", ""))
            response = ""
            if name != "Finish" and index < len(conversation) and isinstance(conversation[index], Mapping):
                response = _str(conversation[index].get("content"))
            index += 1  # the function message is part of this step
            steps.append(Step("tool", name=name, arguments=_str(call.get("arguments")), response=response))
        elif isinstance(message.get("tool_calls"), list):
            steps += _tool_calls(message["tool_calls"], conversation[index:])
        else:
            steps.append(Step("assistant", text=_str(message.get("content"))))
    return steps


def _tool_calls(calls: list[Any], after: list[Any]) -> list[Step]:
    steps = []
    for call in calls:
        function = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(function, Mapping):
            continue
        name, arguments = str(function.get("name", "")), _str(function.get("arguments"))
        if name == "Finish":
            steps.append(Step("tool", name=name, arguments=arguments))
            break
        # ToolEval keeps a call only once its tool message is found.
        reply = next(
            (
                m
                for m in after
                if isinstance(m, Mapping) and m.get("role") == "tool" and m.get("tool_call_id") == call.get("id")
            ),
            None,
        )
        if reply is not None:
            steps.append(Step("tool", name=name, arguments=arguments, response=_str(reply.get("content"))))
    return steps


def _last_try(tries: list[Any]) -> list[Any]:
    chain = tries[-1].get("chain") if isinstance(tries[-1], Mapping) else None
    if not isinstance(chain, list):
        raise ValueError("the last of 'trys' has no 'chain'")
    return chain


def _from_chain(chain: list[Any]) -> list[Step]:
    steps: list[Step] = []
    index = 0
    while index < len(chain) and len(steps) < MAX_STEPS:
        node = chain[index]
        kind = node.get("node_type") if isinstance(node, Mapping) else None
        if kind == "Action":
            follow = chain[index + 1] if index + 1 < len(chain) and isinstance(chain[index + 1], Mapping) else {}
            steps.append(
                Step(
                    "tool",
                    name=_str(node.get("description")),
                    arguments=_str(follow.get("description")),
                    response=_str(follow.get("observation")),
                )
            )
            index += 2
        elif kind == "Thought":
            steps.append(Step("assistant", text=_str(node.get("description"))))
            index += 1
        elif kind == "Action Input":  # one without its Action: ToolEval passes over it too
            index += 1
        else:
            raise ValueError(f"unknown node_type {str(kind)[:50]!r} in a try's chain")
    return steps


def _from_tree(tree: Mapping[str, Any]) -> list[Step]:
    """The path that takes the last child at each level, read like a chain (bounded, no recursion)."""
    node = tree.get("tree")
    path: list[Any] = []
    while isinstance(node, Mapping) and len(path) < 3 * MAX_STEPS:
        children = node.get("children")
        node = children[-1] if isinstance(children, list) and children else None
        if isinstance(node, Mapping):
            path.append(node)
    return _from_chain([n for n in path if n.get("node_type") in ("Action", "Action Input", "Thought")])


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))
