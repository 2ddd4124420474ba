"""JavaScript expressions for the call parser (see :mod:`.js_syntax`).

JavaScript precedence, arrow and function expressions, object/array literals, template and
regular-expression literals, optional chaining. Node kinds are named after
tree-sitter-javascript's where the decoder inspects them. Reproduced tree-sitter repairs: a
``]``/``}`` missing right before ``)`` is inserted; empty argument slots are accepted; ``=``
binds to the nearest assignable operand (``a - b = c`` is ``a - (b = c)``).
"""

from __future__ import annotations

from typing import Callable

from toolgrad_eval.bfcl.decode.c_like import CLikeExpressions, precedence
from toolgrad_eval.bfcl.decode.cursor import Child, Node
from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.lexer import Token

_VALUE_KEYWORDS = frozenset({"this", "super", "null", "true", "false"})


class JsExpressions(CLikeExpressions):
    """Expression parsing; statements (and function bodies) live in the subclass."""

    RESERVED = frozenset(
        """break case catch class const continue debugger default delete do else export extends
        finally for function if import in instanceof new return super switch this throw try typeof
        var void while with null true false""".split()
    )
    ASSIGN = frozenset("= += -= *= /= %= **= <<= >>= >>>= &= |= ^= &&= ||= ??=".split())
    # binary operators, loosest-binding first
    BINARY = precedence(
        "??", "||", "&&", "|", "^", "&", "== != === !==", "< > <= >= instanceof in", "<< >> >>>", "+ -", "* / %", "**"
    )
    PREFIX = frozenset("! ~ + - ++ -- typeof void delete await".split())
    LVALUE_KINDS = frozenset(
        {"member_expression", "subscript_expression", "object", "array", "parenthesized_expression"}
    )
    BLOCK_KIND = "statement_block"

    def __init__(self, source: str) -> None:
        super().__init__(source, "javascript")

    def _property_name(self) -> Token:
        if self.token.kind != "ident":
            raise self.error("expected a property name")
        return self.advance()

    def _pattern(self) -> Child:
        if self.at("["):
            return self._array()
        if self.at("{"):
            return self._object()
        return self._name()

    # -- expressions -----------------------------------------------------------------------
    def expression(self, allow_in: bool = True) -> Child:
        first = self.assignment()
        if not self.at(","):
            return first
        children: list[Child] = [first]
        while self.at(","):
            children += [self.advance(), self.assignment()]
        return self.node("sequence_expression", first, children[-1], children)

    def _try_function_literal(self) -> Node | None:
        """An arrow function; ``None`` (nothing consumed) otherwise."""
        first = self.token
        start = self.index
        if self.at("async") and self.peek().text != "=>" and not self.peek().newline_before:
            if self.peek().kind == "ident" or self.peek().text == "(":
                self.advance()
        if self._is_name(self.token) and self.peek().text == "=>":
            params: Child = self.advance()
        elif self.at("(") and self.parenthesis_followed_by("=>"):
            depth_before = self.depth
            try:
                params = self._parameters()
            except DecodeError:
                self.index, self.depth = start, depth_before
                return None
            if not self.at("=>"):
                self.index = start
                return None
        else:
            self.index = start
            return None
        if self.token.newline_before:
            raise self.error("line break before '=>'")
        arrow = self.expect("=>")
        body: Child = self.block() if self.at("{") else self.assignment()
        return self.node("arrow_function", first, body, [params, arrow, body])

    def _parameters(self) -> Node:
        opening = self.expect("(")
        children: list[Child] = [opening]
        while not self.at(")"):
            if self.at("..."):
                children.append(self.advance())
            children.append(self._pattern())
            if self.accept("="):
                children.append(self.assignment())
            if not self.at(")"):
                children.append(self.expect(","))
        children.append(self.advance())
        return self.node("formal_parameters", opening, children[-1], children)

    def _function(self) -> Node:
        first = self.token
        self.accept("async")
        self.expect("function")
        self.accept("*")
        if self._is_name(self.token):
            self.advance()
        params = self._parameters()
        body = self.block()
        return self.node("function_expression", first, body, [params, body])

    def _binary_operand(self, operator: Token, level: int) -> Child:
        # ** is right-associative
        return self._binary(level if operator.text == "**" else level + 1)

    def _unary_operand(self) -> Child:
        expression = self._postfix()
        if self.at("++", "--") and not self.token.newline_before:
            operator = self.advance()
            expression = self.node("update_expression", expression, operator, [expression, operator])
        return expression

    def _assignment_kind(self, operator: Token) -> str:
        return "assignment_expression" if operator.text == "=" else "augmented_assignment_expression"

    def _selectors(self, expression: Child, allow_call: bool = True) -> Child:
        """Member, subscript, call and tagged-template suffixes (no calls right after ``new``)."""
        while True:
            if self.at("."):
                dot = self.advance()
                name = self._property_name()
                expression = self.node("member_expression", expression, name, [expression, dot, name])
            elif self.at("?."):
                chain = self.advance()
                if self.at("(") and allow_call:
                    arguments = self.arguments()
                    expression = self.node("call_expression", expression, arguments, [expression, chain, arguments])
                elif self.at("["):
                    opening = self.advance()
                    index = self.expression()
                    closing = self.expect("]")
                    expression = self.node(
                        "subscript_expression", expression, closing, [expression, chain, opening, index, closing]
                    )
                else:
                    name = self._property_name()
                    expression = self.node("member_expression", expression, name, [expression, chain, name])
            elif self.at("["):
                opening = self.advance()
                index = self.expression()
                end: Child = self._closer("]", index)
                expression = self.node("subscript_expression", expression, end, [expression, opening, index, end])
            elif self.at("(") and allow_call:
                arguments = self.arguments()
                expression = self.node("call_expression", expression, arguments, [expression, arguments])
            elif self.at_kind("template"):
                template = self.advance()
                expression = self.node("call_expression", expression, template, [expression, template])
            else:
                return expression

    def arguments(self) -> Node:
        # tree-sitter-javascript accepts empty argument slots, as in arrays
        return self._sequence("(", ")", "arguments", self._element, holes=True)

    def _element(self) -> Child:
        """An argument or array element: ``...value`` or an assignment expression."""
        if self.at("..."):
            spread = self.advance()
            value = self.assignment()
            return self.node("spread_element", spread, value, [spread, value])
        return self.assignment()

    def _primary(self) -> Child:
        token = self.token
        if token.kind in ("number", "string", "template", "regex"):
            return self.advance()
        if token.kind == "punct":
            if token.text == "(":
                return self._parenthesized()
            if token.text == "[":
                return self._array()
            if token.text == "{":
                return self._object()
            raise self.error("expected an expression")
        if token.kind != "ident":
            raise self.error("expected an expression")
        if token.text == "function" or (token.text == "async" and self.peek().text == "function"):
            return self._function()
        if token.text == "new":
            keyword = self.advance()
            if self.at(".") and self.peek().text == "target":
                self.advance()
                return self.node("meta_property", keyword, self.advance(), [keyword])
            constructor = self._selectors(self._primary(), allow_call=False)
            children: list[Child] = [keyword, constructor]
            if self.at("("):
                children.append(self.arguments())
            return self.node("new_expression", keyword, children[-1], children)
        if token.text in _VALUE_KEYWORDS:
            return self.advance()
        return self._name()

    def _closer(self, text: str, last: Child) -> Child:
        """The closing bracket, or (tree-sitter's repair) a missing one right before ``)``."""
        if self.at(")"):
            return Node("missing", last.end, last.end)
        return self.expect(text)

    def _array(self) -> Node:
        return self._sequence("[", "]", "array", self._element, holes=True)

    def _object(self) -> Node:
        return self._sequence("{", "}", "object", self._property, holes=False)

    def _sequence(
        self, open_text: str, close_text: str, kind: str, item: Callable[[], Child], holes: bool
    ) -> Node:
        """Comma-separated ``item``s in brackets; ``holes`` allows empty slots (``[1, , 2]``).

        A ``]`` or ``}`` missing right before ``)`` is tree-sitter's repair: the node ends there.
        """
        opening = self.expect(open_text)
        children: list[Child] = [opening]
        self.enter()
        while not self.at(close_text):
            if self.at(")"):
                self.leave()
                return self.node(kind, opening, children[-1], children)
            if holes and self.at(","):
                children.append(self.advance())
                continue
            children.append(item())
            if not self.at(close_text) and not self.at(")"):
                children.append(self.expect(","))
        self.leave()
        children.append(self.advance())
        return self.node(kind, opening, children[-1], children)

    def _property(self) -> Child:
        first = self.token
        if self.at("..."):
            return self._element()
        if self.at("async", "get", "set") and self.peek().text not in (",", ":", "(", "}", "="):
            self.advance()
        self.accept("*")
        if self.at("["):
            self.advance()
            key: Child = self.assignment()
            self.expect("]")
        elif self.token.kind in ("ident", "string", "number"):
            key = self.advance()
        else:
            raise self.error("expected a property")
        if self.at(":"):
            self.advance()
            value = self.assignment()
            return self.node("pair", first, value, [key, value])
        if self.at("("):
            params = self._parameters()
            body = self.block()
            return self.node("method_definition", first, body, [params, body])
        if isinstance(key, Token) and key.kind == "ident" and self._is_name(key):
            if self.accept("="):  # shorthand with default, valid in patterns
                value = self.assignment()
                return self.node("shorthand_property", first, value, [key, value])
            return key
        raise self.error("expected ':'")
