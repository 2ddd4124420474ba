"""A recursive-descent parser for the subset of JavaScript that model call outputs use.

Statements: expression statements with automatic semicolon insertion (line-break rule, plus the
same-line repair tree-sitter makes), variable/function declarations, imports, labels, return,
if, while, for, try and blocks. Expressions are in :mod:`.js_expressions`.
"""

from __future__ import annotations

from toolgrad_eval.bfcl.decode.cursor import Child, Node
from toolgrad_eval.bfcl.decode.js_expressions import JsExpressions
from toolgrad_eval.bfcl.decode.lexer import Token


class JsParser(JsExpressions):
    # -- statements ------------------------------------------------------------------------
    def program(self) -> list[Child]:
        statements = []
        while not self.at_kind("eof"):
            statements.append(self.statement())
        return statements

    def _end_statement(self, start: int | None = None) -> Token | None:
        """Consume ``;`` or accept an automatic one (line break, ``}`` or end of input).

        On one line, tree-sitter repairs a missing ``;`` after a statement longer than 10
        characters unless the next one starts with a plain call (observed behaviour).
        """
        semi = self.accept(";")
        if semi is not None:
            return semi
        if self.at_kind("eof") or self.at("}") or self.token.newline_before:
            return None
        previous = self.tokens[self.index - 1]
        length = len(self.source[start : previous.end].encode("utf-8")) if start is not None else 0
        plain_call = self.token.kind == "ident" and self.peek().text == "("
        if length > 10 and not plain_call:
            return None
        raise self.error("expected ';' or a line break")

    def statement(self) -> Child:
        first = self.token
        if self.at(";"):
            return Node("empty_statement", first.start, self.advance().end)
        if self.at("{"):
            return self.block()
        if self.at("var", "let", "const") and (self.peek().kind == "ident" or self.peek().text in "[{"):
            node = self._declaration()
            self._end_statement()
            return node
        if self.at("function") or (self.at("async") and self.peek().text == "function"):
            return self._function()
        if self.at("return", "throw"):
            keyword = self.advance()
            children: list[Child] = [keyword]
            if not (self.at(";", "}") or self.at_kind("eof") or self.token.newline_before):
                children.append(self.expression())
            self._end_statement()
            return self.node("return_statement", keyword, children[-1], children)
        if self.at("break", "continue"):
            keyword = self.advance()
            self._end_statement()
            return keyword
        if self.at("if"):
            keyword = self.advance()
            self.expect("(")
            condition = self.expression()
            self.expect(")")
            children = [keyword, condition, self.statement()]
            if self.accept("else"):
                children.append(self.statement())
            return self.node("if_statement", keyword, children[-1], children)
        if self.at("while"):
            keyword = self.advance()
            self.expect("(")
            condition = self.expression()
            self.expect(")")
            body = self.statement()
            return self.node("while_statement", keyword, body, [keyword, condition, body])
        if self.at("for"):
            return self._for()
        if self.at("try"):
            return self._try()
        if self._is_name(first) and self.peek().text == ":":
            label, colon = self.advance(), self.advance()
            body = self.statement()
            return self.node("labeled_statement", label, body, [label, colon, body])
        if self.at("import") and self.peek().text not in ("(", "."):
            return self._import()
        expression = self.expression()
        self._end_statement(expression.start)
        return Node("expression_statement", expression.start, expression.end, [expression])

    def _import(self) -> Node:
        keyword = self.advance()
        if not self.at_kind("string"):
            if self._is_name(self.token):
                self.advance()
                self.accept(",")
            if self.accept("*"):
                self.expect("as")
                self._name()
            elif self.accept("{"):
                while not self.at("}"):
                    self._property_name()
                    if self.accept("as"):
                        self._property_name()
                    if not self.at("}"):
                        self.expect(",")
                self.advance()
            self.expect("from")
        if not self.at_kind("string"):
            raise self.error("expected a module name")
        source = self.advance()
        self._end_statement()
        return self.node("import_statement", keyword, source, [keyword, source])

    def _declaration(self) -> Node:
        keyword = self.advance()
        children: list[Child] = [keyword]
        while True:
            target = self._pattern()
            children.append(target)
            if self.accept("="):
                children.append(self.assignment())
            if not self.accept(","):
                break
        return self.node("variable_declaration", keyword, children[-1], children)

    def _for(self) -> Node:
        keyword = self.advance()
        self.expect("(")
        if self.at("var", "let", "const"):
            head: Child = self._declaration()
        elif not self.at(";"):
            head = self.expression(allow_in=False)
        else:
            head = keyword
        if self.at("of", "in"):
            self.advance()
            self.expression()
        else:
            self.expect(";")
            if not self.at(";"):
                self.expression()
            self.expect(";")
            if not self.at(")"):
                self.expression()
        self.expect(")")
        body = self.statement()
        return self.node("for_statement", keyword, body, [keyword, head, body])

    def _try(self) -> Node:
        keyword = self.advance()
        last: Child = self.block()
        if self.accept("catch"):
            if self.accept("("):
                self._pattern()
                self.expect(")")
            last = self.block()
        if self.accept("finally"):
            last = self.block()
        return self.node("try_statement", keyword, last, [keyword, last])
