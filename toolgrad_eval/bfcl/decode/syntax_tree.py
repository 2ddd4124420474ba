"""Java and JavaScript call text parsed by tree-sitter, the parser BFCL's own decoders use.

The official decoders parse the text between the outer brackets with tree-sitter and fail the
entry when the tree holds an ``ERROR`` node (tree-sitter's inserted ``MISSING`` tokens pass). We
do the same with the current tree-sitter wheels and add what a hostile output needs: a bound on
the text's length and on how deep our walks go (the official walks are recursive and fail past
the interpreter's recursion limit; ours stop at :data:`MAX_DEPTH`), and a count of the work done,
so that tests can assert the work is linear in the input instead of timing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import tree_sitter_java
import tree_sitter_javascript
from tree_sitter import Language, Node, Parser

from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.python_calls import bracketed

MAX_SOURCE_CHARS = 200_000
# Far deeper than any real call (a few levels), far below the interpreter's recursion limit
# (a level of our walks takes two frames).
MAX_DEPTH = 200

JAVA = Language(tree_sitter_java.language())
JAVASCRIPT = Language(tree_sitter_javascript.language())

__all__ = ["JAVA", "JAVASCRIPT", "MAX_DEPTH", "MAX_SOURCE_CHARS", "Node", "Work", "collect_arguments", "parse"]


@dataclass
class Work:
    """What one decode did: tree nodes our code visited and, when ``count_parse_steps`` is set,
    tree-sitter's own parse and lex steps (read through its logger, which slows parsing: tests
    only)."""

    count_parse_steps: bool = False
    nodes: int = 0
    parse_steps: int = 0

    def visit(self) -> None:
        self.nodes += 1

    def log(self, kind: Any, message: str) -> None:
        self.parse_steps += 1


def parse(text: Any, language: Language, name: str, work: Work) -> tuple[str, Node]:
    """The source the official decoder parses (the text inside the outer brackets) and its tree's
    root; :class:`DecodeError` when the text is not a string, too long, not UTF-8 encodable, or
    its tree holds an error node."""
    if not isinstance(text, str):
        raise DecodeError(f"expected a string of {name} calls, got {type(text).__name__}")
    source = bracketed(text)[1:-1]
    if len(source) > MAX_SOURCE_CHARS:
        raise DecodeError(f"output longer than {MAX_SOURCE_CHARS} characters")
    try:
        encoded = source.encode("utf-8")
    except UnicodeEncodeError:  # the official decoder hands tree-sitter UTF-8 and fails here too
        raise DecodeError(f"the {name} output holds a lone surrogate, which UTF-8 cannot encode") from None
    parser = Parser(language)
    if work.count_parse_steps:
        parser.logger = work.log
    root = parser.parse(encoded).root_node
    if _holds_error_node(root, work):
        raise DecodeError(f"not valid {name}: tree-sitter found a syntax error")
    return source, root


def _holds_error_node(root: Node, work: Work) -> bool:
    """An ``ERROR`` node anywhere (``has_error`` also counts inserted ``MISSING`` tokens, which the
    official check lets through); only subtrees that hold some error are walked."""
    if not root.has_error:
        return False
    pending = [root]
    while pending:
        node = pending.pop()
        work.visit()
        if node.is_error:
            return True
        pending.extend(child for child in node.children if child.has_error)
    return False


def collect_arguments(children: Iterable[Node], argument: Callable[[Node], tuple[Any, str] | None]) -> dict[Any, str]:
    """``{key: text}`` from the argument nodes ``argument`` keeps; a repeated key fails, as in
    the official decoders."""
    result: dict[Any, str] = {}
    for child in children:
        pair = argument(child)
        if pair is None:
            continue
        key, value = pair
        if key in result:
            raise DecodeError("the same argument name is given twice")
        result[key] = value
    return result
