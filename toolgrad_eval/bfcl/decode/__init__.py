"""Decode what a model emitted into BFCL's call shape ``[{name: {arg: value}}]``.

Parse, never execute. Three generic formats: ``python`` (prompted call strings; Java and
JavaScript entries use their own call syntax), ``json`` (prompted JSON call objects) and ``fc``
(stored function-calling results); and one format per model family whose official handler reads
output its own way (:mod:`.families`). Every failure is a :class:`DecodeError`.
"""

from __future__ import annotations

from typing import Any, Literal

from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.families import FAMILIES, decode_family
from toolgrad_eval.bfcl.decode.java_calls import decode_java_calls
from toolgrad_eval.bfcl.decode.js_calls import decode_js_calls
from toolgrad_eval.bfcl.decode.python_calls import decode_python_calls
from toolgrad_eval.bfcl.decode.shapes import is_call_list, is_empty_output, json_safe
from toolgrad_eval.bfcl.decode.structured import decode_fc_calls, decode_json_calls

__all__ = [
    "DecodeError",
    "decode",
    "decode_fc_calls",
    "decode_java_calls",
    "decode_js_calls",
    "decode_json_calls",
    "decode_python_calls",
    "is_call_list",
    "is_empty_output",
    "json_safe",
]

CallSyntax = Literal["python", "java", "javascript"]


def decode(
    result: Any,
    fmt: str,
    syntax: CallSyntax = "python",
    version: Literal["v3", "v4"] = "v4",
) -> Any:
    """Decoded calls of one raw ``result``. ``syntax`` (the category's call syntax) matters to the
    ``python`` format and the families that pre-process text for the prompting decoder.

    Every decoded value is bounded in total size: no larger than the text, except through the
    arithmetic of Python outputs, which one budget per output bounds (``arithmetic.SizeBudget``)."""
    if fmt in FAMILIES:  # a model family whose official handler reads its output its own way
        return decode_family(fmt, result, syntax, version)
    if fmt == "json":
        return decode_json_calls(result)
    if fmt == "fc":
        return decode_fc_calls(result)
    if syntax == "java":
        return decode_java_calls(result)
    if syntax == "javascript":
        return decode_js_calls(result)
    return decode_python_calls(result, version)
