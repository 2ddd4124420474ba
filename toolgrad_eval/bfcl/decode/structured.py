"""Decode JSON-style tool calls: prompted JSON text and stored function-calling results.

Two shapes, both ending as BFCL's ``[{name: {arg: value}}]``:

* **json**: text (or already-parsed data) holding ``{"name": ..., "arguments"|"parameters": ...}``
  objects: a JSON list, one object, objects separated by ``;`` (Llama 3.1 style), or one object
  per ``<tool_call>...</tool_call>`` block (Hermes/Qwen style); ``<|python_tag|>`` and code
  fences are ignored. An OpenAI ``{"type": "function", "function": {...}}`` wrapper is unwrapped.
* **fc**: what BFCL stores for function-calling models, a list of ``{name: arguments}`` where
  arguments are an object or a JSON string. Text in place of the list (the model answered
  without calling) does not decode, exactly as in the official FC decoders.

The official checker has one decoder per model family; these accept the union of the common
shapes and fail on anything else. Arguments must decode to objects or the entry later fails
with ``ast_decoder:decoder_wrong_output_format``, like the official format check.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.tags import tagged_blocks

MAX_INPUT_CHARS = 1_000_000
# Deeper values are refused: comparing them later would exhaust the interpreter's recursion limit.
MAX_VALUE_DEPTH = 500

_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?\s*```$", re.DOTALL)
_MARKERS = ("<|python_tag|>", "<|tool_call|>", "[TOOL_CALLS]")


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DecodeError(f"not JSON: {exc}") from None


def _bounded(raw: Any) -> None:
    if isinstance(raw, str) and len(raw) > MAX_INPUT_CHARS:
        raise DecodeError(f"output longer than {MAX_INPUT_CHARS} characters")


def unwrap_text(text: str) -> str:
    """Remove the wrappers models put around JSON calls: markers, tags, code fences."""
    for marker in _MARKERS:
        text = text.replace(marker, "")
    text = text.strip()
    tagged = next(tagged_blocks(text, "<TOOLCALL>", "</TOOLCALL>"), None)
    if tagged is not None:
        text = tagged.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    return text


def _json_objects(text: str) -> list[Any]:
    blocks = list(tagged_blocks(text, "<tool_call>", "</tool_call>"))
    if blocks:
        return [_load(block.strip()) for block in blocks]
    text = unwrap_text(text)
    if not text:
        return []
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        if ";" not in text:
            raise DecodeError("not JSON and not ;-separated JSON objects") from None
        return [_load(piece) for piece in text.split(";") if piece.strip()]
    return parsed if isinstance(parsed, list) else [parsed]


def _arguments(value: Any) -> Any:
    if isinstance(value, str):
        _bounded(value)
        value = _load(value)
    _check_depth(value)
    return value


def _check_depth(value: Any) -> None:
    """Refuse containers nested deeper than :data:`MAX_VALUE_DEPTH` (iteratively, no recursion)."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_VALUE_DEPTH:
            raise DecodeError(f"arguments nested deeper than {MAX_VALUE_DEPTH} levels")
        if isinstance(item, dict):
            pending.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend((v, depth + 1) for v in item)


def decode_json_calls(raw: Any) -> list[dict[Any, Any]]:
    """``[{name: args}]`` from JSON call objects (text or parsed), or :class:`DecodeError`."""
    _bounded(raw)
    if isinstance(raw, str):
        objects = _json_objects(raw)
    elif isinstance(raw, list):
        objects = raw
    elif isinstance(raw, dict):
        objects = [raw]
    else:
        raise DecodeError(f"expected JSON call objects, got {type(raw).__name__}")
    calls = []
    for obj in objects:
        if isinstance(obj, dict) and isinstance(obj.get("function"), dict):
            obj = obj["function"]
        if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
            raise DecodeError('a call object needs a string "name"')
        if "arguments" in obj:
            args = obj["arguments"]
        elif "parameters" in obj:
            args = obj["parameters"]
        else:
            raise DecodeError(f'call {obj["name"]!r} has neither "arguments" nor "parameters"')
        calls.append({obj["name"]: _arguments(args)})
    return calls


def decode_fc_calls(raw: Any) -> list[dict[Any, Any]]:
    """``[{name: args}]`` from a stored function-calling result, or :class:`DecodeError`."""
    if isinstance(raw, str):
        raise DecodeError("the model answered with text, not function calls")
    if not isinstance(raw, list):
        raise DecodeError(f"expected a list of function calls, got {type(raw).__name__}")
    calls = []
    for item in raw:
        if not isinstance(item, dict) or not item:
            raise DecodeError("each function call must be a non-empty {name: arguments} object")
        name = next(iter(item))
        calls.append({name: _arguments(item[name])})
    return calls
