"""Decode a JavaScript call string (``[fn(arg1="x", arg2=[1, 2])]``) like BFCL's JS decoder.

The official decoder runs tree-sitter-javascript on the text between the outer brackets and,
if the tree has no error node, takes the first top-level statement that *is* a call
(``f(a=1), g(b=2)`` is a sequence, not a call, and yields nothing). What we reproduce:

* the callee's source text is the function name (``a.b.c``, even ``f(a=1)`` for ``f(a=1)(b=2)``);
* ``name=value`` arguments become ``{name: value source text}``, with one pair of matching
  outer quotes removed; ``+=`` and other compound assignments are dropped; a bare identifier
  or ``true`` is recorded under the key ``None`` (``false`` is not: an official quirk);
  a repeated name fails;
* calls through ``?.`` or tagged templates have no arguments;
* no top-level call decodes to ``None`` (reported as the wrong output format).

Everything is parsed by :mod:`.js_syntax`; text it cannot parse fails to decode.
"""

from __future__ import annotations

from typing import Any

from toolgrad_eval.bfcl.decode.c_like import collect_arguments, parser_for
from toolgrad_eval.bfcl.decode.cursor import Child, Node
from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.js_syntax import JsParser
from toolgrad_eval.bfcl.decode.lexer import Token


def decode_js_calls(text: Any) -> Any:
    """``[{name: {arg: text}}]`` for the first top-level call, ``None`` if none; or DecodeError."""
    parser = parser_for(text, JsParser, "JavaScript")
    try:
        statements = parser.program()
    except RecursionError:
        raise DecodeError("JavaScript expression nested too deeply") from None
    for statement in statements:
        if not (isinstance(statement, Node) and statement.kind == "expression_statement"):
            continue
        call = statement.children[0]
        if isinstance(call, Node) and call.kind == "call_expression":
            callee, second = call.children[0], call.children[1]
            name = parser.text(callee.start, callee.end)
            return [{name: _arguments(parser, second)}]
    return None


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if text in ('"', "'"):
        return ""
    return text


def _arguments(parser: JsParser, node: Child) -> dict[Any, str]:
    if not (isinstance(node, Node) and node.kind == "arguments"):
        return {}  # optional call (?.) or tagged template

    def argument(child: Child) -> tuple[Any, str] | None:
        if isinstance(child, Node) and child.kind == "assignment_expression":
            left, _, right = child.children
            return parser.text(left.start, left.end), _unquote(parser.text(right.start, right.end))
        if isinstance(child, Token) and child.kind == "ident" and (child.text == "true" or parser._is_name(child)):
            return None, child.text
        return None  # compound assignments and other positional arguments are dropped

    return collect_arguments(node.children, argument)
