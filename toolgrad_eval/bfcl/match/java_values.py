"""Turn Java argument text into values the way BFCL's Java type converter does.

The Java decoder yields every argument as source text (``"5"``, ``"new int[]{1,2}"``); the
checker then converts it according to the declared parameter type. Text that does not look like
the declared type stays a string, which later fails the type or value check. Official quirks
reproduced on purpose (they decide published scores):

* ``char`` never converts (its pattern can never match), so a char stays quoted text.
* ``Array`` elements of type ``String``/``char``/``any`` keep their quotes; ``ArrayList``
  elements of type ``String``/``char`` lose their first and last character instead.
* Collections are recognised by regular expressions on the text: ``new T[]{...}``,
  ``new ArrayList<..>(Arrays.asList(...))``, ``new ArrayList<..>() {{ add(...); }}`` and
  ``new HashMap<..>() {{ put("k", v); }}``; elements are split at every comma, strings
  included. The decoder drops anonymous class bodies, so a double-brace HashMap reaches this
  converter as ``new HashMap<..>()`` and becomes ``{}``.
* ``Set``, ``Hashtable``, ``Queue`` and ``Stack`` raise in the official converter (its run
  stops); here they raise :class:`UnsupportedType`, which the caller records as a failed entry.
"""

from __future__ import annotations

import re
from typing import Any

from toolgrad_eval.bfcl.match.values import number_or_text

JAVA_TYPES: dict[str, type] = {
    "byte": int,
    "short": int,
    "integer": int,
    "long": int,
    "float": float,
    "double": float,
    "boolean": bool,
    "char": str,
    "String": str,
    "any": str,
    "Array": list,
    "ArrayList": list,
    "Queue": list,
    "Stack": list,
    "Set": set,
    "HashMap": dict,
    "Hashtable": dict,
}


class UnsupportedType(Exception):
    """A declared type the official converter cannot handle (it raises)."""


# ``$`` (not ``\Z``) on purpose: like the official patterns, a trailing newline is tolerated.
_INT = re.compile(r"-?\d+$")
_LONG = re.compile(r"-?\d+[lL]$")
_DOUBLE = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_FLOAT = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[fF]$")
_FLOAT_SUFFIX = re.compile(r"[fF]$")
_LONG_SUFFIX = re.compile(r"[lL]$")

_ARRAY = re.compile(r"new\s+\w+\[\]\s*\{(.*?)\}")
_ARRAYLIST_ASLIST = re.compile(r"new\s+ArrayList<\w*>\(Arrays\.asList\((.+?)\)\)")
_ARRAYLIST_ADDS = re.compile(r"new\s+ArrayList<\w*>\(\)\s*\{\{\s*(.+?)\s*\}\}", re.DOTALL)
_ADD_CALL = re.compile(r"add\((.+?)\)")
_ARRAYLIST_EMPTY = re.compile(r"new\s+ArrayList<\w*>\(\)")
_HASHMAP_PUTS = re.compile(r"new\s+HashMap<.*?>\s*\(\)\s*\{\s*\{?\s*(.*?)\s*\}?\s*\}", re.DOTALL)
_PUT_CALL = re.compile(r"put\(\"(.*?)\",\s*(.*?)\)")
_HASHMAP_EMPTY = re.compile(r"new\s+HashMap<.*?>\s*\(\)")


def convert(text: str, type_name: str, nested: str | None = None) -> Any:
    """The value the official checker compares for Java ``text`` declared as ``type_name``."""
    if type_name in ("byte", "short", "integer"):
        return int(text) if _INT.match(text) else text
    if type_name == "long":
        return int(_LONG_SUFFIX.sub("", text)) if _LONG.match(text) else text
    if type_name == "float":
        return float(_FLOAT_SUFFIX.sub("", text)) if _FLOAT.match(text) else text
    if type_name == "double":
        return float(text) if _DOUBLE.match(text) else text
    if type_name == "boolean":
        return text == "true" if text in ("true", "false") else text
    if type_name in ("char", "String", "any"):
        return str(text)
    if type_name == "Array":
        return _array(text, nested)
    if type_name == "ArrayList":
        return _array_list(text, nested)
    if type_name == "HashMap":
        return _hash_map(text)
    raise UnsupportedType(f"Java type {type_name!r} has no converter")


def _element(text: str, nested: str | None) -> Any:
    return convert(text, nested) if nested else literal(text)


def _array(text: str, nested: str | None) -> Any:
    found = _ARRAY.search(text)
    if not found:
        return text
    parts = (part.strip() for part in found.group(1).split(","))
    return [_element(part, nested) for part in parts if part]


def _list_item(text: str, nested: str | None) -> Any:
    if nested in ("char", "String"):
        return text[1:-1]  # drops the quotes, or whatever the first and last characters are
    return _element(text, nested)


def _array_list(text: str, nested: str | None) -> Any:
    found = _ARRAYLIST_ASLIST.search(text)
    if found:
        return [_list_item(part.strip(), nested) for part in found.group(1).split(",")]
    found = _ARRAYLIST_ADDS.search(text)
    if found:
        return [_list_item(item.strip(), nested) for item in _ADD_CALL.findall(found.group(1))]
    if _ARRAYLIST_EMPTY.search(text):
        return []
    return text


def _hash_map(text: str) -> Any:
    found = _HASHMAP_PUTS.search(text)
    if found:
        body = found.group(1)
        result: dict[str, Any] = {}
        if body.strip():
            for key, value in _PUT_CALL.findall(body):
                result[key] = literal(value.strip())
        return result
    if _HASHMAP_EMPTY.search(text):
        return {}
    return text


def literal(text: str) -> Any:
    """An untyped Java literal: boolean, quoted string, long, float, then int/float/str."""
    if text == "true":
        return True
    if text == "false":
        return False
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    if _LONG.match(text):
        return int(text[:-1])
    if _FLOAT.match(text):
        return float(_FLOAT_SUFFIX.sub("", text))
    return number_or_text(text)
