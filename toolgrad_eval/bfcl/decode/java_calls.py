"""Decode a Java call string (``[Cls.method(arg1="x", arg2=5)]``) like BFCL's Java decoder.

The text between the outer brackets is parsed by tree-sitter-java (:mod:`.syntax_tree`); a tree
with an error node fails. Then, as the official decoder does:

* the *first* method invocation in pre-order is read, the others ignored; none at all decodes to
  ``{}`` (the official checker then reports the wrong output format);
* ``name=value`` arguments (any assignment operator) become ``{name: value-text}``; a bare
  identifier or class literal is recorded under the key ``None``; other positional arguments
  are dropped; a repeated name fails;
* values are source text: a top-level string or char literal loses its quotes; other nodes are
  their children's texts concatenated without whitespace (``1 + 2`` gives ``1+2``); method calls
  keep their raw text; ``new T[]{...}`` is rebuilt as ``new T[]{...}``; ``new T(args)`` as
  ``new T(a, b)``, so an anonymous class body is dropped; ``new T[n]`` without an initializer
  fails.

Node texts are cut from the *text* with tree-sitter's *byte* offsets, as the official decoder
does: past a non-ASCII character the texts shift (a checked quirk, kept for identical verdicts).
"""

from __future__ import annotations

from typing import Any

from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.syntax_tree import JAVA, MAX_DEPTH, Node, Work, collect_arguments, parse

_RAW_KINDS = frozenset({"identifier", "class_literal", "type_identifier", "method_invocation"})
_PUNCTUATION = frozenset({",", "(", ")"})


def decode_java_calls(text: Any, work: Work | None = None) -> Any:
    """``[{name: {arg: text}}]`` for the first call, ``{}`` when there is none; or DecodeError."""
    work = work or Work()
    source, root = parse(text, JAVA, "Java", work)
    invocation = _first_invocation(root, work)
    if invocation is None:
        return {}
    name = _text(source, invocation.child_by_field_name("name"))
    receiver = invocation.child_by_field_name("object")
    if receiver is not None:
        name = f"{_text(source, receiver)}.{name}"
    return [{name: _arguments(source, invocation.child_by_field_name("arguments"), work)}]


def _text(source: str, node: Node | None) -> str:
    if node is None:  # the official decoder fails on the missing node
        raise DecodeError("incomplete Java syntax")
    return source[node.start_byte : node.end_byte]  # byte offsets into the text: see the module doc


def _first_invocation(root: Node, work: Work) -> Node | None:
    """Depth-first, pre-order: the outermost, leftmost invocation that has an argument list."""
    pending = [(root, 0)]
    while pending:
        node, depth = pending.pop()
        work.visit()
        if depth > MAX_DEPTH:
            raise DecodeError("Java expression nested too deeply")
        if node.type == "method_invocation":
            if node.child_by_field_name("arguments") is not None:
                return node
            continue  # the official walk does not look inside one without arguments
        pending.extend((child, depth + 1) for child in reversed(node.children))
    return None


def _arguments(source: str, arguments: Node | None, work: Work) -> dict[Any, str]:
    if arguments is None:
        raise DecodeError("incomplete Java syntax")

    def argument(child: Node) -> tuple[Any, str] | None:
        work.visit()
        if child.type == "assignment_expression":
            if child.child_count < 3:
                raise DecodeError("incomplete Java assignment")
            left, right = child.children[0], child.children[2]
            return _text(source, left), _render(source, right, False, 0, work)
        if child.type in ("identifier", "class_literal"):
            return None, _text(source, child)
        return None  # other positional arguments are dropped

    return collect_arguments(arguments.children, argument)


def _render(source: str, node: Node | None, nested: bool, depth: int, work: Work) -> str:
    """The text the official decoder builds for a value node."""
    work.visit()
    if node is None:
        # the official decoder crashes on `new T[n]` (no initializer): the entry fails to decode
        raise DecodeError("array creation without an initializer")
    if depth > MAX_DEPTH:
        raise DecodeError("Java expression nested too deeply")
    kind = node.type
    if kind in ("string_literal", "character_literal"):
        text = _text(source, node)
        return text if nested else text[1:-1]
    if kind in _RAW_KINDS:
        return _text(source, node)
    if kind == "array_creation_expression":
        type_text = _render(source, node.child_by_field_name("type"), True, depth + 1, work)
        value_text = _render(source, node.child_by_field_name("value"), True, depth + 1, work)
        return f"new {type_text}[]{value_text}"
    if kind == "object_creation_expression":
        type_text = _render(source, node.child_by_field_name("type"), True, depth + 1, work)
        arguments = node.child_by_field_name("arguments")
        parts = (
            []
            if arguments is None
            else [
                _render(source, child, True, depth + 1, work)
                for child in arguments.children
                if child.type not in _PUNCTUATION
            ]
        )
        return f"new {type_text}({', '.join(parts)})"
    if node.child_count > 0:
        return "".join(_render(source, child, True, depth + 1, work) for child in node.children)
    return _text(source, node)
