"""Family decoders for handlers whose models answer in JSON, or whose results are stored call lists.

Each function reproduces one official handler's ``decode_ast`` (bfcl-eval 2025.6.30 for v3 data,
2026.3.23 for v4) without executing anything; the rules are listed in
:mod:`toolgrad_eval.bfcl.decode.families`. A :class:`DecodeError` stands for any exception the
official handler raises (the official runner treats them all alike); returning a value that is not
a call list stands for the handler returning one (the checker then reports the wrong output format,
and a relevance entry counts it as no call).
"""

from __future__ import annotations

import ast
import json
from typing import Any, Literal

from toolgrad_eval.bfcl.decode.arithmetic import SizeBudget, evaluate
from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.python_calls import MAX_INPUT_CHARS, parse_expression
from toolgrad_eval.bfcl.decode.structured import decode_fc_calls

Version = Literal["v3", "v4"]


def text_of(result: Any) -> str:
    """The model's text, bounded; anything else fails (the handlers call string methods on it)."""
    if not isinstance(result, str):
        raise DecodeError(f"expected the model's text, got {type(result).__name__}")
    if len(result) > MAX_INPUT_CHARS:
        raise DecodeError(f"output longer than {MAX_INPUT_CHARS} characters")
    return result


def load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DecodeError(f"not JSON: {exc}") from None


def call_objects(objects: Any, arguments_key: str, name_key: str = "name") -> list[dict[Any, Any]]:
    """``[{name: arguments}]`` from call objects, failing where the handler's indexing fails."""
    if isinstance(objects, (str, bytes)) or not hasattr(objects, "__iter__"):
        if objects in ("", b""):  # iterating it finds no call
            return []
        raise DecodeError(f"expected call objects, got {type(objects).__name__}")
    calls = []
    for item in objects:
        if not isinstance(item, dict) or name_key not in item or arguments_key not in item:
            raise DecodeError(f'each call must be an object with "{name_key}" and "{arguments_key}"')
        name = item[name_key]
        try:
            calls.append({name: item[arguments_key]})
        except TypeError:  # an unhashable name (a list, an object): the handler fails here too
            raise DecodeError("a call's name is not a valid key") from None
    return calls


def decode_llama_3_1(result: Any) -> list[dict[Any, Any]]:
    text = text_of(result).replace("<|python_tag|>", "")
    if ";" in text:
        objects: Any = [load_json(piece) for piece in text.split(";")]
    else:
        objects = _literal(text)
        if isinstance(objects, dict):
            objects = [objects]
    return call_objects(objects, "parameters")


def _literal(text: str) -> Any:
    """What the official ``eval`` gives for literal text, bounded; names and calls fail."""
    node: ast.AST = parse_expression(text)
    return evaluate(node, SizeBudget())


def decode_xlam(result: Any) -> list[dict[Any, Any]]:
    text = text_of(result)
    try:
        objects = json.loads(text)
        if not isinstance(objects, list):
            objects = [objects]
    except ValueError:
        objects = [load_json(piece.strip()) for piece in text.split(";")]
    except RecursionError:
        raise DecodeError("JSON nested too deeply") from None
    return call_objects(objects, "arguments")


def decode_hammer(result: Any) -> list[dict[Any, Any]]:
    text = text_of(result).replace("```", "")
    try:
        objects = json.loads(text)
    except (ValueError, RecursionError):
        return []  # not JSON: the handler reads no call
    return call_objects(objects, "arguments")


def decode_bitagent(result: Any) -> list[dict[Any, Any]]:
    objects = load_json(text_of(result))
    return call_objects(objects if isinstance(objects, list) else [objects], "arguments")


def decode_think_agent(result: Any) -> list[dict[Any, Any]]:
    """Single quotes read as double quotes; the JSON after ``</think>``, or no call without one."""
    text = text_of(result).strip().replace("'", '"')
    _, found, after = text.partition("</think>")
    return call_objects(load_json(after.strip() if found else "[]"), "arguments")


def decode_glm(result: Any) -> Any:
    """The first line is the name and the second its JSON arguments; a single line is kept as text
    (not a call)."""
    lines = text_of(result).split("\n")
    if len(lines) == 1:
        return [lines[0]]
    return [{lines[0]: load_json(lines[1])}]


def decode_stored_list(result: Any, version: Version) -> Any:
    """MistralFCHandler (and Nova): the stored result must already be a list and is taken as it is."""
    if not isinstance(result, list):
        if version == "v3":
            return []
        raise DecodeError("the model did not return a list of function calls")
    return result


def decode_phi_fc(result: Any, version: Version) -> Any:
    """PhiFCHandler (and, in v4, Arch and Granite 3 FC): a stored list of objects, taken as it is."""
    if not isinstance(result, list) or any(not isinstance(item, dict) for item in result):
        if version == "v3":
            return []
        raise DecodeError("the model did not return a list of function-call objects")
    return result


def decode_gemini_fc(result: Any) -> Any:
    """GeminiHandler in FC mode: the stored list as it is; anything else becomes a one-item list."""
    return result if isinstance(result, list) else [result]


def decode_cohere(result: Any) -> list[dict[Any, Any]]:
    """CohereHandler: stored ``{"tool_name", "parameters"}`` objects; anything but a list is no call."""
    if not isinstance(result, list):
        return []
    return call_objects(result, "parameters", name_key="tool_name")


def decode_mining(result: Any) -> list[dict[Any, Any]]:
    """MiningHandler (and DMCitoHandler): stored ``{"name", "arguments"}`` objects, iterated as they
    are (a non-empty text fails, an empty one is no call)."""
    if isinstance(result, str):
        text_of(result)
    return call_objects(result, "arguments")


def decode_openai_fc(result: Any) -> list[dict[Any, Any]]:
    """The generic FC decoder, with the OpenAI handlers' two differences: an empty text or object
    is no call (iterating it finds none), and arguments must be JSON text."""
    if isinstance(result, (str, dict)) and not result:
        return []
    if isinstance(result, list) and any(
        isinstance(item, dict) and item and not isinstance(next(iter(item.values())), str) for item in result
    ):
        raise DecodeError("function-call arguments must be JSON text")
    return decode_fc_calls(result)
