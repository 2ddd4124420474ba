"""Decode a JavaScript call string (``[fn(arg1="x", arg2=[1, 2])]``) like BFCL's JS decoder.

The text between the outer brackets is parsed by tree-sitter-javascript (:mod:`.syntax_tree`); a
tree with an error node fails. Then, as the official decoder does, the first top-level expression
statement that *is* a call is read (``f(a=1), g(b=2)`` is a sequence, not a call, and yields
nothing):

* the callee's source text is the function name (``a.b.c``, even ``f(a=1)`` for ``f(a=1)(b=2)``);
* ``name=value`` arguments become ``{name: value source text}``, with one pair of matching
  outer quotes removed; ``+=`` and other compound assignments are dropped; a bare identifier
  or ``true`` is recorded under the key ``None`` (``false`` is not: an official quirk);
  a repeated name fails;
* calls through ``?.`` or tagged templates have no arguments;
* no top-level call decodes to ``None`` (reported as the wrong output format).
"""

from __future__ import annotations

from typing import Any

from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.syntax_tree import JAVASCRIPT, Node, Work, collect_arguments, parse


def decode_js_calls(text: Any, work: Work | None = None) -> Any:
    """``[{name: {arg: text}}]`` for the first top-level call, ``None`` if none; or DecodeError."""
    work = work or Work()
    _, root = parse(text, JAVASCRIPT, "JavaScript", work)
    for statement in root.children:
        work.visit()
        if statement.type != "expression_statement":
            continue
        for child in statement.children:
            work.visit()
            if child.type == "call_expression":
                if child.child_count < 2:
                    raise DecodeError("incomplete JavaScript call")
                callee, arguments = child.children[0], child.children[1]
                return [{_text(callee): _arguments(arguments, work)}]
    return None


def _text(node: Node) -> str:
    try:
        return (node.text or b"").decode("utf-8")
    except UnicodeDecodeError:  # pragma: no cover - tree-sitter cuts at character boundaries
        raise DecodeError("a JavaScript node is not UTF-8") from None


def _unquote(text: str) -> str:
    if text[:1] in ('"', "'") and text.endswith(text[0]):
        return text[1:-1]  # also a lone quote character: "" (as the official slicing gives)
    return text


def _arguments(arguments: Node, work: Work) -> dict[Any, str]:
    def argument(child: Node) -> tuple[Any, str] | None:
        work.visit()
        if child.type == "assignment_expression" and child.child_count >= 3:
            return _text(child.children[0]), _unquote(_text(child.children[2]))
        if child.type in ("identifier", "true"):
            return None, _text(child)
        return None  # compound assignments and other positional arguments are dropped

    # an optional call (`?.`) or a tagged template holds no such children: no arguments
    return collect_arguments(arguments.children, argument)
