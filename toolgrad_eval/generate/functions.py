"""BFCL function documents as the model sees them: language notes, and OpenAI ``tools`` for FC mode.

These are the facts the official generator applies before a question is sent (bfcl-eval 2025.6.30
and 2026.3.23 agree on them), reproduced so that our requests match its requests:

* Every function's description gets a note naming its language (Python 3, Java 8 SDK syntax, or
  JavaScript). In the Java and JavaScript categories every parameter becomes a ``string`` whose
  description says which type it stands for (array item types and JavaScript object properties are
  moved into the description too), because those values are written in that language's syntax.
* Function-calling mode sends the functions as ``tools``: BFCL's own type names become JSON Schema
  ones (``dict``->``object``, ``float``->``number`` marked ``format: float``, ``tuple``->``array``,
  ``any``->``string``, Java's ``HashMap``->``object``..., unknown names ``string``), and a ``.`` in a
  function name becomes ``_`` (OpenAI-style APIs allow ``^[a-zA-Z0-9_-]{1,64}$`` only), which is why
  such runs are scored with ``underscore_to_dot``.

Types are mapped at every depth (the official code maps two levels of ``items``), so that a
server that validates the schema (vLLM does) never sees a BFCL type name.
"""

from __future__ import annotations

import copy
import json
from typing import Any

__all__ = ["JSON_SCHEMA_TYPE", "language_of", "to_tools", "with_language_notes"]

JSON_SCHEMA_TYPE = {
    "integer": "integer",
    "number": "number",
    "float": "number",
    "string": "string",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "dict": "object",
    "object": "object",
    "tuple": "array",
    "any": "string",
    "byte": "integer",
    "short": "integer",
    "long": "integer",
    "double": "number",
    "char": "string",
    "ArrayList": "array",
    "Array": "array",
    "HashMap": "object",
    "Hashtable": "object",
    "Queue": "array",
    "Stack": "array",
    "Any": "string",
    "String": "string",
    "Bigint": "integer",
}
_LANGUAGE_NOTE = {
    "python": " Note that the provided function is in Python 3 syntax.",
    "java": " Note that the provided function is in Java 8 SDK syntax.",
    "javascript": " Note that the provided function is in JavaScript syntax.",
}
_LANGUAGE_NAME = {"java": "Java", "javascript": "JavaScript"}
_MAX_SCHEMA_DEPTH = 64  # BFCL's deepest schema has 5 levels; a hostile data file must not recurse forever


def language_of(category: str) -> str:
    """``python``, ``java`` or ``javascript`` for a v4 category name."""
    return {"simple_java": "java", "simple_javascript": "javascript"}.get(category, "python")


def with_language_notes(functions: list[dict[str, Any]], category: str) -> list[dict[str, Any]]:
    """A copy of ``functions`` with the language notes the official generator adds (see above)."""
    language = language_of(category)
    out = copy.deepcopy(functions)
    for function in out:
        function["description"] = str(function.get("description", "")) + _LANGUAGE_NOTE[language]
        if language == "python":
            continue
        name = _LANGUAGE_NAME[language]
        for spec in (function.get("parameters") or {}).get("properties", {}).values():
            kind = spec.get("type")
            note = (
                f" This parameter can be of any type of {name} object in string representation."
                if kind == "any"
                else f" This is {name} {kind} type parameter in string representation."
            )
            spec["description"] = str(spec.get("description", "")) + note
            listed = ("ArrayList", "Array") if language == "java" else ("array",)
            if kind in listed and isinstance(spec.get("items"), dict):
                spec["description"] += (
                    f" The list elements are of type {spec['items'].get('type')}; "
                    "they are not in string representation."
                )
                del spec["items"]
            if language == "javascript" and kind == "dict" and "properties" in spec:
                spec["description"] += (
                    " The dictionary entries have the following schema; they are not in "
                    f"string representation. {json.dumps(spec['properties'])}"
                )
                del spec["properties"]
            spec["type"] = "string"
    return out


def to_tools(functions: list[dict[str, Any]], *, dots_to_underscores: bool = True) -> list[dict[str, Any]]:
    """OpenAI Chat Completions ``tools`` for BFCL function documents (already language-noted)."""
    tools = []
    for function in copy.deepcopy(functions):
        if dots_to_underscores:
            function["name"] = str(function.get("name", "")).replace(".", "_")
        parameters = function.get("parameters")
        if not isinstance(parameters, dict):
            parameters = function["parameters"] = {}
        parameters["type"] = "object"
        parameters["properties"] = _properties(parameters.get("properties") or {}, 0)
        tools.append({"type": "function", "function": function})
    return tools


def _properties(properties: dict[str, Any], depth: int) -> dict[str, Any]:
    for spec in properties.values():
        if isinstance(spec, dict):
            _schema(spec, depth + 1)
    return properties


def _schema(spec: dict[str, Any], depth: int, *, parameter: bool = True) -> None:
    """Map one parameter's types in place (its ``properties`` and ``items`` too). Only a parameter
    (not an array's item type) that was a ``float`` is marked so, as the official code does."""
    if depth > _MAX_SCHEMA_DEPTH:
        raise ValueError(f"function schema nested deeper than {_MAX_SCHEMA_DEPTH} levels")
    kind = spec.get("type")
    if kind == "float" and parameter:  # BFCL keeps "this was a float" for the model, as format and in words
        spec["format"] = "float"
        spec["description"] = str(spec.get("description", "")) + " This is a float type value."
    spec["type"] = JSON_SCHEMA_TYPE.get(kind, "string") if isinstance(kind, str) else "string"
    if isinstance(spec.get("properties"), dict):
        _properties(spec["properties"], depth)
    elif isinstance(spec.get("items"), dict):
        _schema(spec["items"], depth + 1, parameter=False)
