"""Decode a Java call string (``[Cls.method(arg1="x", arg2=5)]``) like BFCL's Java decoder.

The official decoder runs tree-sitter-java on the text between the outer brackets and, if the
parse tree has no error node, reads the *first* method invocation only. We parse a practical
subset of Java with our own recursive-descent parser (see :mod:`.java_syntax`) and reproduce
what the official decoder then does:

* ``name=value`` arguments (any assignment operator) become ``{name: value-text}``; a bare
  identifier or class literal is recorded under the key ``None``; other positional arguments
  are dropped; a repeated name fails.
* Values are source text: a top-level string or char literal loses its quotes; nested nodes
  are concatenated without whitespace (``1 + 2`` gives ``1+2``); method calls keep their raw
  text; ``new T[]{...}`` is rebuilt as ``new T[]{...}``; ``new T(args)`` as ``new T(a, b)``
  with any anonymous class body dropped (so a double-brace ``HashMap`` becomes
  ``new HashMap<..>()``); ``new T[n]`` without an initializer fails.
* No method invocation at all decodes to ``{}`` (the official checker then reports the wrong
  output format).

tree-sitter repairs broken input by inserting or skipping tokens, choosing by cost; we apply the
rules observed on its output (random mutations of real outputs agree to about 99.9%), and treat
other repairs it might invent as syntax errors:

* a missing final ``;`` is inserted, unless the whole program is one statement of at most 10
  characters (discarding it is cheaper), or the statement ends in a qualified name (``a.b``);
* a missing ``;`` between two statements is inserted only after a declaration, or after a call
  when the next statement is a call (unqualified, or on a receiver name of 10+ characters);
* a statement ``[x]`` is an array access on a missing name; a ``]`` missing right before ``,``
  or ``)`` is inserted.
"""

from __future__ import annotations

from typing import Any

from toolgrad_eval.bfcl.decode.c_like import collect_arguments, parser_for
from toolgrad_eval.bfcl.decode.cursor import Child, Node
from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.java_syntax import JavaParser, Statement
from toolgrad_eval.bfcl.decode.lexer import Token

# tree-sitter's costs: discarding a statement costs 500 + 1 per byte + 30 per line + 100 per
# discarded tree; inserting a missing token costs 610.
_MISSING_TOKEN_COST = 610
_DISCARD_BASE_COST = 600
_LINE_COST = 30


def decode_java_calls(text: Any) -> Any:
    """``[{name: {arg: text}}]`` for the first call, ``{}`` when there is none; or DecodeError."""
    parser = parser_for(text, JavaParser, "Java")
    try:
        statements = parser.program()
        _check_semicolons(parser, statements)
        for statement in statements:
            found = _first_invocation(statement.node)
            if found is not None:
                return [{_invocation_name(parser, found): _arguments(parser, found)}]
    except RecursionError:
        # the official decoder walks the tree recursively and fails the same way
        raise DecodeError("Java expression nested too deeply") from None
    return {}


def _check_semicolons(parser: JavaParser, statements: list[Statement]) -> None:
    """Reject the missing ``;`` that tree-sitter does not repair (rules observed on its output)."""
    for index, statement in enumerate(statements):
        if statement.terminated:
            continue
        node = _unlabeled(statement.node)
        text = parser.text(statement.node.start, statement.end)
        if index == len(statements) - 1:
            cost = _DISCARD_BASE_COST + len(text.encode("utf-8")) + _LINE_COST * text.count("\n")
            if index == 0 and cost <= _MISSING_TOKEN_COST:
                raise DecodeError("statement without ';' (tree-sitter discards it as an error)")
            if _ends_with_qualified_name(parser, statement):
                raise DecodeError("statement ends with a qualified name and no ';'")
            continue
        following = parser.tokens[statements[index + 1].first_token]
        after = parser.tokens[statements[index + 1].first_token + 1]
        if node.kind == "local_variable_declaration":
            repairable = following.kind == "ident"
        else:
            # tree-sitter either inserts the ';' (cost 610) or skips the next token as an error
            # (cost 600 + its length); skipping a short name before '.' lets `x.f()` continue
            repairable = (
                statement.is_expression
                and text.rstrip().endswith(")")
                and len(text.encode("utf-8")) > _MISSING_TOKEN_COST - _DISCARD_BASE_COST
                and following.kind == "ident"
                and (after.text == "(" or (after.text == "." and len(following.text.encode("utf-8")) >= 10))
            )
        if not repairable:
            raise DecodeError("two statements without ';' between them")


def _unlabeled(child: Child) -> Child:
    while isinstance(child, Node) and child.kind == "labeled_statement" and len(child.children) == 3:
        child = child.children[2]
    return child


def _ends_with_qualified_name(parser: JavaParser, statement: Statement) -> bool:
    last = statement.last_token
    tokens = parser.tokens
    return (
        last >= 2 and tokens[last].kind == "ident" and tokens[last - 1].text == "." and tokens[last - 2].kind == "ident"
    )


def _first_invocation(child: Child) -> Node | None:
    """Depth-first, pre-order: the outermost, leftmost method invocation."""
    if isinstance(child, Token):
        return None
    if child.kind == "method_invocation":
        return child
    for sub in child.children:
        found = _first_invocation(sub)
        if found is not None:
            return found
    return None


def _invocation_name(parser: JavaParser, node: Node) -> str:
    name = node.fields["name"]
    assert name is not None
    method = parser.text(name.start, name.end)
    receiver = node.fields.get("object")
    if receiver is None:
        return method
    return f"{parser.text(receiver.start, receiver.end)}.{method}"


def _arguments(parser: JavaParser, node: Node) -> dict[Any, str]:
    argument_list = node.fields["arguments"]
    assert isinstance(argument_list, Node)

    def argument(child: Child) -> tuple[Any, str] | None:
        if isinstance(child, Node) and child.kind == "assignment_expression":
            left, _, right = child.children
            return parser.text(left.start, left.end), render(parser, right, nested=False)
        if isinstance(child, Token) and child.kind == "ident" and not parser.is_keyword(child.text):
            return None, child.text
        if isinstance(child, Node) and child.kind == "class_literal":
            return None, parser.text(child.start, child.end)
        return None  # other positional arguments are dropped

    return collect_arguments(argument_list.children, argument)


_RAW_KINDS = frozenset({"method_invocation", "class_literal"})


def render(parser: JavaParser, child: Child | None, nested: bool) -> str:
    """The text the official decoder builds for a value node."""
    if child is None:
        # the official decoder crashes on `new T[n]` (no initializer): the entry fails to decode
        raise DecodeError("array creation without an initializer")
    if isinstance(child, Token):
        return child.text
    if child.kind in ("string_literal", "character_literal"):
        raw = parser.text(child.start, child.end)
        return raw if nested else raw[1:-1]
    if child.kind in _RAW_KINDS:
        return parser.text(child.start, child.end)
    if child.kind == "array_creation_expression":
        kind = render(parser, child.fields["type"], True)
        return f"new {kind}[]{render(parser, child.fields.get('value'), True)}"
    if child.kind == "object_creation_expression":
        kind = render(parser, child.fields["type"], True)
        args = child.fields["arguments"]
        assert isinstance(args, Node)
        parts = [
            render(parser, sub, True)
            for sub in args.children
            if not (isinstance(sub, Token) and sub.text in ("(", ")", ","))
        ]
        return f"new {kind}({', '.join(parts)})"
    return "".join(render(parser, sub, True) for sub in child.children)
