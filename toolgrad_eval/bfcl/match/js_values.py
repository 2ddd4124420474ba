"""Turn JavaScript argument text into values the way BFCL's JavaScript type converter does.

Like Java, the JavaScript decoder yields source text per argument (quotes already trimmed from
plain string literals), and the checker converts it by declared type; text that does not fit
stays a string. Official behaviours reproduced:

* numbers: ``integer`` is ``-?digits``, ``float`` is ``-?digits[.digits]`` (no exponent),
  ``Bigint`` is ``-?digitsn``; ``Boolean`` is ``true``/``false``;
* arrays are read with regular expressions: ``[...]`` or ``new Array(...)`` up to the first
  ``]``/``)``, split at every comma; a leading ``[[`` reads a list of lists;
* objects are read up to the first ``}`` with a ``key: value`` pattern; values lose quotes;
* any failure inside array/object reading leaves the text unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from toolgrad_eval.bfcl.match.values import number_or_text

JS_TYPES: dict[str, type] = {
    "String": str,
    "integer": int,
    "float": float,
    "Bigint": int,
    "Boolean": bool,
    "dict": dict,
    "array": list,
    "any": str,
}

_INT = re.compile(r"-?\d+$")
_FLOAT = re.compile(r"-?\d+(?:\.\d+)?$")
_BIGINT = re.compile(r"-?\d+n$")

_ARRAY_2D = re.compile(
    r"\[\s*\[.*?\]\s*(?:,\s*\[.*?\]\s*)*\]"
    r"|\bnew\s+Array\(\s*\[.*?\]\s*(?:,\s*\[.*?\]\s*)*\)"
)
_INNER_ARRAY = re.compile(r"\[(.*?)\]")
_ARRAY_1D = re.compile(r"\[(.*?)\]|\bnew\s+Array\((.*?)\)")
_OBJECT = re.compile(r"\{(.*?)\}")
# key, colon, value up to a comma that starts another "key:" or the end of the text
_PAIR = re.compile(r"([^:]+):\s*(.*?)(?:,\s*(?=[^,]+:)|$)")


def _quoted(text: str) -> bool:
    return len(text) >= 1 and text[0] == text[-1] and text[0] in "\"'"


def convert(text: str, type_name: str, nested: str | None = None) -> Any:
    """The value the official checker compares for JavaScript ``text`` of ``type_name``."""
    if type_name not in JS_TYPES:
        raise ValueError(f"unsupported JavaScript type {type_name!r}")
    if type_name == "String":
        return text[1:-1] if _quoted(text) else text
    if type_name == "integer":
        return int(text) if _INT.match(text) else text
    if type_name == "float":
        return float(text) if _FLOAT.match(text) else text
    if type_name == "Bigint":
        return int(text[:-1]) if _BIGINT.match(text) else text
    if type_name == "Boolean":
        return text == "true" if text in ("true", "false") else text
    if type_name == "dict":
        return _object(text.strip())
    if type_name == "array":
        return _array(text.strip(), nested)
    return str(text)  # any


def _array(code: str, nested: str | None) -> Any:
    try:
        found = _ARRAY_2D.match(code)
        if found:
            rows = []
            for index, row in enumerate(_INNER_ARRAY.findall(found.group(0))):
                row = row.strip()
                if index == 0 and row.startswith("["):
                    row = row[1:]
                rows.append([literal(item.strip()) for item in row.split(",")])
            return rows
        found = _ARRAY_1D.match(code)
        if not found:
            return code
        body = found.group(1) if found.group(1) is not None else found.group(2)
        body = body.strip() if body is not None else ""
        items = body.split(",") if body else []
        if not nested:
            return [literal(item.strip()) for item in items]
        result = []
        for item in items:
            item = item.strip()
            if item.startswith(("'", '"')):
                result.append(convert(item, nested, "String"))
            else:
                result.append(convert(item, nested))
        return result
    except Exception:  # noqa: BLE001 - the official reader falls back to the text on any error
        return code


def _object(code: str) -> Any:
    if code == "{}":
        return {}
    found = _OBJECT.match(code)
    if not found:
        return code
    try:
        result: dict[str, Any] = {}
        for key, value in _PAIR.findall(found.group(1)):
            key = key.strip().strip("'\"")
            value = value.strip()
            if value.startswith("[") and value.endswith("]"):
                result[key] = _array(value, None)
            elif value.startswith("{") and value.endswith("}"):
                result[key] = _object(value)
            else:
                result[key] = literal(value.strip("'\""))
        return result
    except Exception:  # noqa: BLE001 - same fallback as the official reader
        return code


def literal(text: str) -> Any:
    """An untyped JavaScript literal: boolean, quoted string, then int/float/str."""
    text = text.strip()
    if text == "true":
        return True
    if text == "false":
        return False
    if _quoted(text):
        return text[1:-1]
    return number_or_text(text)
