"""A model's step as the call strings BFCL's ``decode_execute`` gives (it is not ``decode_ast``).

Two shapes of string exist in the official handlers:

* function-calling handlers (and the JSON-emitting families) write ``name(k=repr(v),...)``; the
  stored OpenAI-style calls go through the official ``convert_to_function_call``: a lone object
  is a one-call list, an argument value given as text is read as JSON, anything else is taken as
  it is (so a list of arguments, or a call that is not an object, fails the step);
* prompting handlers decode the Python text as the AST decoder does (our ``python`` decoder,
  the same pre-processing), then write each value with ``repr`` except dicts: a dict whose values
  are all dicts is written as a nested call ``name(k=v, ...)`` (the first key's), an empty dict
  fails the step, any other dict is written ``{'k': v, ...}`` with its keys unquoted-then-quoted.

A step that fails to decode, or decodes to no call, is dropped, as the official runner drops it.
Families not listed in ``_FC_LIKE`` or ``_PROMPTING`` are read with their ``decode_ast`` reading
(:mod:`toolgrad_eval.bfcl.decode`) and written the function-calling way; most of their official
``decode_execute`` do exactly that.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from toolgrad_eval.bfcl.decode import DecodeError, decode
from toolgrad_eval.bfcl.decode.structured import decode_json_calls
from toolgrad_eval.bfcl.decode.text_families import qwen_fc_calls

__all__ = ["execution_calls"]

Version = Literal["v3", "v4"]
MAX_CALL_CHARS = 1_000_000  # one step's strings together; real steps are a few hundred characters

# Formats whose decode_execute is the official convert_to_function_call over the stored result.
_CONVERT = frozenset({"fc", "openai-fc", "mistral-fc", "phi-fc"})
# Families that read their own shape, then hand [{name: arguments}] to convert_to_function_call.
_DECODE_THEN_CONVERT = frozenset({"glm"})  # (qwen-fc too, read by its own branch below)
# Families whose decode_execute joins arguments with ", " (the others with ",").
_SPACED = frozenset({"functiongemma", "hammer", "minicpm-fc", "mining"})
# Formats read with the prompting decoder and written with nested-call syntax.
_PROMPTING = frozenset({"python", "phi", "gemini", "nemotron", "claude", "mistral", "nvidia", "databricks"})


def execution_calls(raw: Any, fmt: str, version: Version) -> list[str]:
    """The call strings of one step, or :class:`DecodeError`. ``fmt`` is the run's format."""
    if fmt in _CONVERT:
        calls = _convert_to_function_call(raw)
    elif fmt in _PROMPTING:
        calls = [
            _nested_call(name, args) for item in decode(raw, fmt, "python", version) for name, args in item.items()
        ]
    elif fmt == "json":
        calls = [_repr_call(name, args) for item in decode_json_calls(raw) for name, args in item.items()]
    elif fmt == "qwen-fc":  # the blocks' {name: arguments}, arguments read as JSON when they are text
        calls = _convert_to_function_call(qwen_fc_calls(raw, version))
    elif fmt in _DECODE_THEN_CONVERT:
        calls = _convert_to_function_call(decode(raw, fmt, "python", version))
    else:
        decoded = decode(raw, fmt, "python", version)
        if not isinstance(decoded, list):
            raise DecodeError("not a list of calls")
        calls = []
        sep = ", " if fmt in _SPACED else ","
        for item in decoded:
            if not isinstance(item, dict):
                raise DecodeError("a call is not an object")
            calls.extend(_repr_call(name, args, sep) for name, args in item.items())
    if sum(len(c) for c in calls) > MAX_CALL_CHARS:
        raise DecodeError(f"calls longer than {MAX_CALL_CHARS} characters")
    return calls


def _convert_to_function_call(raw: Any) -> list[str]:
    items = [raw] if type(raw) is dict else raw
    if isinstance(items, str):
        if items:  # iterating text finds characters, which have no .items()
            raise DecodeError("the model answered with text, not function calls")
        return []
    if not isinstance(items, list):
        raise DecodeError(f"expected a list of function calls, got {type(items).__name__}")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise DecodeError("a function call is not an object")
        for name, value in item.items():
            if type(value) is str:
                try:
                    value = json.loads(value)
                except (ValueError, RecursionError) as exc:
                    raise DecodeError(f"arguments are not JSON: {exc}") from None
            if not isinstance(value, dict):
                raise DecodeError("arguments are not an object")
            out.append(_repr_call(name, value))
    return out


def _repr_call(name: Any, args: Any, sep: str = ",") -> str:
    if not isinstance(args, dict):
        raise DecodeError("arguments are not an object")
    return f"{name}({sep.join(f'{k}={_repr(v)}' for k, v in args.items())})"


def _nested_call(name: Any, args: Any) -> str:
    if not isinstance(args, dict):
        raise DecodeError("arguments are not an object")
    return f"{name}({', '.join(f'{k}={_nested_value(v)}' for k, v in args.items())})"


def _nested_value(value: Any) -> str:
    if isinstance(value, dict):
        if all(isinstance(v, dict) for v in value.values()):
            if not value:
                raise DecodeError("an empty dict argument (the official writer fails on it)")
            name = next(iter(value))
            return _nested_call(name, value[name])
        return "{" + ", ".join(f"'{k}': {_nested_value(v)}" for k, v in value.items()) + "}"
    return _repr(value)


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except (RecursionError, ValueError) as exc:  # too deep, or an int too long for str()
        raise DecodeError(f"value cannot be written: {type(exc).__name__}") from None
