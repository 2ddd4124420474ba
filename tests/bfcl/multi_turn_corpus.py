"""Fabricated multi-turn results reaching every official error type, FC and prompt.

Built from the ground truth of real entries: the answer itself (passes), an empty turn, a
changed argument (state), a dropped read-only call (response), too few turns (force-terminated),
text instead of turns (inference error), plus oddities the official runner must and we must
treat alike: calls spread over steps, chatter steps, unknown and dotted names, a method name
inside a string argument, a private method, a syntax-breaking name. Nothing here is harmful to
``eval``: the oracle runs it.
"""

from __future__ import annotations

import ast
import inspect
import json
from typing import Any

CHATTER = "Sure, let me do that."
READ_ONLY = {"ls", "cat", "pwd", "grep", "wc", "diff", "tail", "du", "find", "get_user_id", "view_messages_sent"}


def signatures(classes: dict[str, type]) -> dict[str, list[str]]:
    """Each public simulator method's parameter names (to write positional arguments by name)."""
    out: dict[str, list[str]] = {}
    for cls in classes.values():
        for name, func in inspect.getmembers(cls, inspect.isfunction):
            if not name.startswith("_"):
                out[name] = [p for p in inspect.signature(func).parameters if p != "self"]
    return out


def parse_call(text: str) -> tuple[str, list[Any], dict[str, Any]]:
    call = ast.parse(text, mode="eval").body
    assert isinstance(call, ast.Call)
    return (
        ast.unparse(call.func),
        [ast.literal_eval(a) for a in call.args],
        {k.arg: ast.literal_eval(k.value) for k in call.keywords},
    )


def as_step(calls: list[str], is_fc: bool, signatures: dict[str, list[str]]) -> Any:
    """One step holding ``calls``: FC ``[{name: json}]`` or prompt text ``[f(a=1), ...]``."""
    if not is_fc:
        return "[" + ", ".join(calls) + "]"
    out = []
    for text in calls:
        name, args, kwargs = parse_call(text)
        named = dict(zip(signatures.get(name, []), args))
        named.update(kwargs)
        out.append({name: json.dumps(named)})
    return out


def variants(truth: list[list[str]], is_fc: bool, signatures: dict[str, list[str]]) -> dict[str, list[Any]]:
    """Named fabricated results for one entry's ground truth."""

    def turns(per_turn: list[list[str]]) -> list[Any]:
        return [[as_step(t, is_fc, signatures)] if t else [] for t in per_turn]

    out: dict[str, list[Any]] = {"exact": turns(truth)}
    busy = [i for i, t in enumerate(truth) if t]
    if busy:
        emptied = [list(t) for t in truth]
        emptied[busy[-1]] = []
        out["empty_turn"] = turns(emptied)
    # state: change the first string argument of a state-changing call
    for i, t in enumerate(truth):
        for j, call in enumerate(t):
            name, args, kwargs = parse_call(call)
            if name in READ_ONLY:
                continue
            strings = [k for k, v in kwargs.items() if isinstance(v, str)]
            if strings:
                changed = [list(x) for x in truth]
                kwargs[strings[0]] = kwargs[strings[0]] + "_x"
                changed[i][j] = f"{name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
                out["changed_arg"] = turns(changed)
                break
        if "changed_arg" in out:
            break
    for i, t in enumerate(truth):
        reads = [j for j, c in enumerate(t) if parse_call(c)[0] in READ_ONLY]
        if reads and len(t) > 1:
            dropped = [list(x) for x in truth]
            del dropped[i][reads[-1]]
            out["dropped_read"] = turns(dropped)
            break
    out["force_terminated"] = turns(truth)[:-1]
    # the same calls, one per step, with chatter and a failing step between them
    spread = []
    for t in truth:
        steps: list[Any] = []
        for call in t:
            steps.append(as_step([call], is_fc, signatures))
            steps.append(CHATTER if not is_fc else CHATTER)
        spread.append(steps)
    out["spread"] = spread
    # oddities in the first busy turn: unknown, dotted, private and syntax-breaking names, and a
    # method name inside a string literal (the official rewriting changes that string)
    if busy:
        odd = [list(t) for t in truth]
        extra = [
            "no_such_function(x=1)",
            "GorillaFileSystem.ls(a=True)",
            "_load_scenario(scenario={})",
            "touch(file_name='note.txt')",
            "echo(content='run ls() now', file_name='note.txt')",
            "cat(file_name='note.txt')",
        ]
        odd[busy[0]] = extra + odd[busy[0]]
        out["odd_names"] = turns(odd)
        if is_fc:
            broken = turns(truth)
            broken[busy[0]] = [[{"bad name": json.dumps({"x": 1})}, {"ls": json.dumps({"a": True})}]] + broken[busy[0]]
            out["syntax_name"] = broken
            out["text_args"] = [[[{"ls": "not json"}]] + turns(truth)[0]] + turns(truth)[1:]
        else:
            out["nested_call"] = [["[cd(folder=pwd())]"] + turns(truth)[0]] + turns(truth)[1:]
            out["empty_dict_arg"] = [["[ls(a={})]"] + turns(truth)[0]] + turns(truth)[1:]
    return out


def fabricate(
    entries: list[tuple[str, list[list[str]]]], is_fc: bool, signatures: dict[str, list[str]]
) -> list[dict[str, Any]]:
    """Result lines, one per (entry, variant), each under the entry's own id: one call per variant.

    Returns ``[{"id", "result", "variant"}]``; callers score each variant group separately."""
    lines = []
    for entry_id, truth in entries:
        for name, result in variants(truth, is_fc, signatures).items():
            lines.append({"id": entry_id, "variant": name, "result": result})
    lines.append({"id": entries[0][0], "variant": "not_a_list", "result": "I cannot help with that."})
    return lines
