"""Check one decoded call against one expected call (BFCL's per-function rules).

Order of checks, as in the official checker (the first failure decides the error type):
function name; required parameters (from the function's schema); then each given parameter in
the order the model wrote it: known to both schema and answer, language conversion, type,
value; finally answer parameters left out without ``""`` among their allowed values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

from toolgrad_eval.bfcl.match import java_values, js_values
from toolgrad_eval.bfcl.match.values import (
    Mismatch,
    check_allowed,
    check_dict,
    check_list,
    check_list_of_dicts,
    check_string,
    check_type,
    mismatch,
)
from toolgrad_eval.bfcl.verdict import ErrorType

Language = Literal["python", "java", "javascript"]

PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}

# Declared types whose elements are typed by ``items.type`` (one level deep).
_PYTHON_CONTAINERS = frozenset({"array", "tuple"})
_CONVERTED_CONTAINERS = frozenset({"Array", "ArrayList", "array"})


class UnsupportedInput(Exception):
    """Question or answer data the official checker cannot process (it raises)."""


@dataclass(frozen=True)
class CallRules:
    """How to read calls for one entry: the language and the name convention."""

    language: Language = "python"
    # Function-calling APIs forbid "." in names, so such models' calls use "_" instead.
    underscore_to_dot: bool = False

    def expected_name(self, name: str) -> str:
        return name.replace(".", "_") if self.underscore_to_dot else name


def check_call(
    schema: Mapping[str, Any], call: Mapping[Any, Any], expected: Mapping[str, Any], rules: CallRules
) -> Mismatch | None:
    """``None`` when ``call`` ({name: {arg: value}}) satisfies ``expected`` ({name: {param: [allowed]}})."""
    answers: Mapping[str, Any] = next(iter(expected.values()))
    try:
        name = rules.expected_name(schema["name"])
        properties = schema["parameters"]["properties"]
        required = schema["parameters"]["required"]
    except (KeyError, TypeError) as exc:
        raise UnsupportedInput(f"function schema lacks {exc}") from None

    if name not in call:
        return mismatch(ErrorType.WRONG_FUNC_NAME, f"Expected a call to {name!r}, got {_names(call)}.")
    given: Mapping[Any, Any] = call[name]

    for param in required:
        if param not in given:
            return mismatch(ErrorType.MISSING_REQUIRED, f"Required parameter {param!r} is missing.")

    for param, value in given.items():
        if param not in properties or param not in answers:
            return mismatch(ErrorType.UNEXPECTED_PARAM, f"Parameter {param!r} is not expected.")
        problem = _check_param(param, value, properties[param], answers[param], rules.language)
        if problem is not None:
            return problem

    for param, allowed in answers.items():
        if param not in given and "" not in allowed:
            return mismatch(
                ErrorType.MISSING_OPTIONAL,
                f"Parameter {param!r} is missing; the answer requires it.",
            )
    return None


def _names(call: Mapping[Any, Any]) -> str:
    return ", ".join(repr(n) for n in call) or "no function"


def _item_type(details: Mapping[str, Any]) -> str:
    try:
        return str(details["items"]["type"])
    except (KeyError, TypeError):
        raise UnsupportedInput("array parameter without items.type") from None


def _check_param(
    param: str, value: Any, details: Mapping[str, Any], allowed: Any, language: Language
) -> Mismatch | None:
    try:
        type_name = details["type"]
    except (KeyError, TypeError):
        raise UnsupportedInput(f"parameter {param!r} has no type") from None
    nested: type | None = None

    if language == "python":
        expected = _lookup(PYTHON_TYPES, type_name, language)
        if type_name in _PYTHON_CONTAINERS:
            nested = _lookup(PYTHON_TYPES, _item_type(details), language)
    else:
        table = java_values.JAVA_TYPES if language == "java" else js_values.JS_TYPES
        expected = _lookup(table, type_name, language)
        if type(value) is not str:
            error = ErrorType.TYPE_JAVA if language == "java" else ErrorType.TYPE_JS
            return mismatch(
                error,
                f"Parameter {param!r} should be source text (a string), got {type(value).__name__}: {value!r}.",
            )
        item_type = None
        if type_name in _CONVERTED_CONTAINERS:
            item_type = _item_type(details)
            nested = _lookup(table, item_type, language)
        try:
            if language == "java":
                value = java_values.convert(value, type_name, item_type)
            else:
                value = js_values.convert(value, type_name, item_type)
        except java_values.UnsupportedType as exc:
            raise UnsupportedInput(str(exc)) from None

    if type_name == "tuple" and type(value) is tuple:
        value = list(value)
    if language == "python" and type_name == "float" and type(value) is int:
        value = float(value)  # an int is accepted where a float is declared

    typed = check_type(param, value, allowed, type_name, expected, nested)
    if typed.mismatch is not None:
        return typed.mismatch
    if not typed.is_variable:
        if expected is dict:
            return check_dict(param, value, allowed)
        if expected is list and nested is dict:
            return check_list_of_dicts(param, value, allowed)
        if expected is str:
            return check_string(param, value, allowed)
        if expected is list:
            return check_list(param, value, allowed)
    return check_allowed(param, value, allowed)


def _lookup(table: Mapping[str, type], type_name: Any, language: str) -> type:
    try:
        return table[type_name]
    except (KeyError, TypeError):
        raise UnsupportedInput(f"{language} type {type_name!r} is not supported by the checker") from None
