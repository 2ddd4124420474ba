"""Shared machinery for the Java and JavaScript call parsers: a token cursor and syntax nodes.

Nodes keep source spans because the official decoders return argument *source text*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.lexer import Syntax, Token, tokenize

MAX_SOURCE_CHARS = 200_000
MAX_NESTING = 64


@dataclass
class Node:
    """A syntax node named after the tree-sitter node type the official decoder inspects."""

    kind: str
    start: int
    end: int
    children: list["Child"] = field(default_factory=list)
    fields: dict[str, "Child | None"] = field(default_factory=dict)


Child = Union[Node, Token]


def span(child: Child) -> tuple[int, int]:
    return child.start, child.end


class Cursor:
    """Walks the significant tokens (comments skipped) of one source text."""

    def __init__(self, source: str, syntax: Syntax) -> None:
        if len(source) > MAX_SOURCE_CHARS:
            raise DecodeError(f"output longer than {MAX_SOURCE_CHARS} characters")
        self.source = source
        self.all_tokens = tokenize(source, syntax)
        self.tokens = [t for t in self.all_tokens if t.kind != "comment"]
        self.index = 0
        self.depth = 0

    # -- looking -------------------------------------------------------------------------
    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def at(self, *texts: str) -> bool:
        token = self.token
        return token.kind in ("punct", "ident") and token.text in texts

    def at_kind(self, kind: str) -> bool:
        return self.token.kind == kind

    def parenthesis_followed_by(self, text: str) -> bool:
        """Whether the token after the ``)`` matching the ``(`` at the cursor is ``text``.

        Lambdas and arrow functions are told from parenthesized expressions by this look-ahead, not
        by trying to parse parameters and backtracking: nested attempts (``f(a=(a=(a=...``) would
        backtrack exponentially. The scan reads one group; nesting past MAX_NESTING stops parsing
        before more than MAX_NESTING scans overlap, so the work stays linear in the tokens.
        """
        depth = 0
        for i in range(self.index, len(self.tokens)):
            token = self.tokens[i]
            if token.kind == "punct":
                depth += token.text == "("
                depth -= token.text == ")"
            if depth == 0:
                return i + 1 < len(self.tokens) and self.tokens[i + 1].text == text
        return False

    # -- moving --------------------------------------------------------------------------
    def advance(self) -> Token:
        token = self.token
        if token.kind == "eof":
            raise DecodeError("unexpected end of input")
        self.index += 1
        return token

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise self.error(f"expected {text!r}")
        return self.advance()

    def accept(self, text: str) -> Token | None:
        return self.advance() if self.at(text) else None

    def split_angle(self) -> None:
        """Split ``>>``/``>>>``/``>=`` so a generic type's closing ``>`` can be consumed."""
        token = self.token
        if token.kind == "punct" and token.text.startswith(">") and len(token.text) > 1:
            first = Token("punct", ">", token.start, token.start + 1, token.newline_before)
            rest = Token("punct", token.text[1:], token.start + 1, token.end, False)
            self.tokens[self.index : self.index + 1] = [first, rest]

    def error(self, message: str) -> DecodeError:
        token = self.token
        where = "end of input" if token.kind == "eof" else f"{token.text!r} at offset {token.start}"
        return DecodeError(f"{message}, found {where}")

    # -- nesting guard -------------------------------------------------------------------
    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise DecodeError("expression nested too deeply")

    def leave(self) -> None:
        self.depth -= 1

    def text(self, start: int, end: int) -> str:
        return self.source[start:end]

    def node(self, kind: str, first: Child, last: Child, children: list[Child], **fields: Child | None) -> Node:
        return Node(kind, first.start, last.end, children, dict(fields))
