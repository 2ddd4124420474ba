"""A recursive-descent parser for the subset of Java that model call outputs use.

Statements (expression, local variable, return/throw, if, labelled, block, empty) and anonymous
class bodies; expressions and types are in :mod:`.java_expressions`. Anything outside the subset
is a syntax error (:class:`DecodeError`).
"""

from __future__ import annotations

from dataclasses import dataclass

from toolgrad_eval.bfcl.decode.cursor import Child, Node
from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.java_expressions import PRIMITIVES, JavaExpressions

_MODIFIERS = frozenset(
    "public private protected static final abstract synchronized transient volatile native strictfp default".split()
)

__all__ = ["JavaParser", "Statement", "PRIMITIVES"]


@dataclass
class Statement:
    node: Node | Child
    end: int  # end offset including the terminating ';' when present
    terminated: bool
    is_expression: bool
    first_token: int = 0  # index of the statement's first and last token in the cursor
    last_token: int = 0


class JavaParser(JavaExpressions):
    # -- statements ------------------------------------------------------------------------
    def program(self) -> list[Statement]:
        statements = []
        while not self.at_kind("eof"):
            first = self.index
            statement = self.statement(top_level=True)
            statement.first_token, statement.last_token = first, self.index - 1
            statements.append(statement)
        return statements

    def statement(self, top_level: bool = False, labeled: bool = False) -> Statement:
        first = self.token
        if self.at(";"):
            semi = self.advance()
            return Statement(Node("empty", semi.start, semi.end), semi.end, True, False)
        if self.at("{"):
            block = self.block()
            return Statement(block, block.end, True, False)
        if self.at("return", "throw"):
            keyword = self.advance()
            children: list[Child] = [keyword]
            if not self.at(";"):
                children.append(self.expression())
            return self._finish(self.node("return_statement", first, children[-1], children), top_level, False)
        if self.at("if"):
            return self._if_statement()
        if self._is_name(first) and self.peek().text == ":":
            label, colon = self.advance(), self.advance()
            if self.at_kind("eof"):
                # tree-sitter completes a dangling label with a missing statement
                return Statement(self.node("labeled_statement", label, colon, [label, colon]), colon.end, True, False)
            inner = self.statement(top_level, labeled=True)
            node = Node("labeled_statement", label.start, inner.end, [label, colon, inner.node])
            return Statement(node, inner.end, inner.terminated, inner.is_expression)
        if top_level and not labeled and self.at("["):
            # tree-sitter reads a statement "[x]" as an array access on a missing (empty) name
            opening = self.advance()
            index = self.expression()
            closing = self.expect("]")
            access = self._selectors(self.node("array_access", opening, closing, [opening, index, closing]))
            node = access if isinstance(access, Node) else Node("expression", access.start, access.end, [access])
            return self._finish(node, top_level, True)
        declaration = self._try_local_variable()
        if declaration is not None:
            return self._finish(declaration, top_level, False)
        expression = self.expression()
        node = (
            expression
            if isinstance(expression, Node)
            else Node("expression", expression.start, expression.end, [expression])
        )
        return self._finish(node, top_level, True)

    def _finish(self, node: Node, top_level: bool, is_expression: bool) -> Statement:
        semi = self.accept(";")
        if semi is None and not top_level:
            raise self.error("expected ';'")
        return Statement(node, semi.end if semi else node.end, semi is not None, is_expression)

    def _if_statement(self) -> Statement:
        keyword = self.advance()
        self.expect("(")
        condition = self.expression()
        self.expect(")")
        then = self.statement()
        children: list[Child] = [keyword, condition, then.node]
        end = then.end
        if self.accept("else"):
            other = self.statement()
            children.append(other.node)
            end = other.end
        node = Node("if_statement", keyword.start, end, children)
        return Statement(node, end, True, False)

    def _block_item(self, statement: Statement) -> Child:
        return statement.node

    def _try_local_variable(self) -> Node | None:
        start, depth = self.index, self.depth
        first = self.token
        try:
            while self.token.text in _MODIFIERS or self.at("@"):
                if self.accept("@"):
                    self._name()
                else:
                    self.advance()
            kind = self.type()
            if not self._is_name(self.token):
                raise DecodeError("not a declaration")
        except DecodeError:
            self.index, self.depth = start, depth
            return None
        children: list[Child] = [kind]
        while True:
            name = self._name()
            children.append(name)
            while self.at("["):
                children += [self.advance(), self.expect("]")]
            if self.at("="):
                children.append(self.advance())
                children.append(self.array_initializer() if self.at("{") else self.expression())
            if not self.at(","):
                break
            children.append(self.advance())
        return self.node("local_variable_declaration", first, children[-1], children)

    def _class_body(self) -> Node:
        opening = self.expect("{")
        children: list[Child] = [opening]
        self.enter()
        while not self.at("}"):
            if self.at_kind("eof"):
                raise self.error("expected '}'")
            if self.at(";"):
                children.append(self.advance())
            elif self.at("{"):
                children.append(self.block())
            else:
                children.append(self._member_declaration())
        self.leave()
        children.append(self.advance())
        return self.node("class_body", opening, children[-1], children)

    def _member_declaration(self) -> Node:
        first = self.token
        children: list[Child] = []
        while self.token.text in _MODIFIERS or self.at("@"):
            if self.at("@"):
                children += [self.advance(), self._name()]
            else:
                children.append(self.advance())
        if self.at("{"):  # static initializer
            children.append(self.block())
            return self.node("initializer", first, children[-1], children)
        children += [self.type(), self._name()]
        if self.at("("):
            opening = self.advance()
            children.append(opening)
            while not self.at(")"):
                children += [self.type(), self._name()]
                if not self.at(")"):
                    children.append(self.expect(","))
            children.append(self.advance())
            children.append(self.block())
            return self.node("method_declaration", first, children[-1], children)
        if self.accept("="):
            children.append(self.array_initializer() if self.at("{") else self.expression())
        children.append(self.expect(";"))
        return self.node("field_declaration", first, children[-1], children)
