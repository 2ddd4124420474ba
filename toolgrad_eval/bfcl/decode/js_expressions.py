"""JavaScript expressions for the call parser (see :mod:`.js_syntax`).

JavaScript precedence, arrow and function expressions, object/array literals, template and
regular-expression literals, optional chaining. Node kinds are named after
tree-sitter-javascript's where the decoder inspects them. Reproduced tree-sitter repairs: a
``]``/``}`` missing right before ``)`` is inserted; empty argument slots are accepted; ``=``
binds to the nearest assignable operand (``a - b = c`` is ``a - (b = c)``).
"""

from __future__ import annotations

from toolgrad_eval.bfcl.decode.cursor import Child, Cursor, Node
from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.lexer import Token

_RESERVED = frozenset(
    """break case catch class const continue debugger default delete do else export extends
    finally for function if import in instanceof new return super switch this throw try typeof
    var void while with null true false""".split()
)
_VALUE_KEYWORDS = frozenset({"this", "super", "null", "true", "false"})
_ASSIGN = frozenset("= += -= *= /= %= **= <<= >>= >>>= &= |= ^= &&= ||= ??=".split())
_BINARY = {
    "??": 1,
    "||": 2,
    "&&": 3,
    "|": 4,
    "^": 5,
    "&": 6,
    "==": 7,
    "!=": 7,
    "===": 7,
    "!==": 7,
    "<": 8,
    ">": 8,
    "<=": 8,
    ">=": 8,
    "instanceof": 8,
    "in": 8,
    "<<": 9,
    ">>": 9,
    ">>>": 9,
    "+": 10,
    "-": 10,
    "*": 11,
    "/": 11,
    "%": 11,
    "**": 12,
}
_PREFIX = frozenset("! ~ + - ++ -- typeof void delete await".split())


class JsExpressions(Cursor):
    """Expression parsing; statements (and function bodies) live in the subclass."""

    def __init__(self, source: str) -> None:
        super().__init__(source, "javascript")

    def _is_name(self, token: Token) -> bool:
        return token.kind == "ident" and token.text not in _RESERVED

    def _name(self) -> Token:
        if not self._is_name(self.token):
            raise self.error("expected a name")
        return self.advance()

    def _property_name(self) -> Token:
        if self.token.kind != "ident":
            raise self.error("expected a property name")
        return self.advance()

    def block(self) -> Node:  # pragma: no cover - provided by JsParser
        raise NotImplementedError

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

    def assignment(self) -> Child:
        self.enter()
        try:
            arrow = self._try_arrow()
            if arrow is not None:
                return arrow
            left = self._conditional()
            if self.token.kind == "punct" and self.token.text in _ASSIGN:
                raise self.error("cannot assign to this expression")
            return left
        finally:
            self.leave()

    def _try_arrow(self) -> Node | None:
        first = self.token
        start = self.index
        if self.at("async") and self.peek().text != "=>" and not self.peek().newline_before:
            if self.peek().kind == "ident" or self.peek().text == "(":
                self.advance()
        if self._is_name(self.token) and self.peek().text == "=>":
            params: Child = self.advance()
        elif self.at("("):
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

    def _conditional(self) -> Child:
        condition = self._binary(1)
        if not self.at("?"):
            return condition
        question = self.advance()
        consequence = self.assignment()
        colon = self.expect(":")
        alternative = self.assignment()
        return self.node(
            "ternary_expression", condition, alternative, [condition, question, consequence, colon, alternative]
        )

    def _binary(self, min_level: int) -> Child:
        left = self._unary()
        while True:
            token = self.token
            level = _BINARY.get(token.text) if token.kind in ("punct", "ident") else None
            if level is None or level < min_level:
                return left
            operator = self.advance()
            # ** is right-associative
            right = self._binary(level if operator.text == "**" else level + 1)
            left = self.node("binary_expression", left, right, [left, operator, right])

    def _unary(self) -> Child:
        token = self.token
        if token.kind in ("punct", "ident") and token.text in _PREFIX:
            operator = self.advance()
            self.enter()
            operand = self._unary()
            self.leave()
            return self.node("unary_expression", operator, operand, [operator, operand])
        expression = self._postfix()
        if self.at("++", "--") and not self.token.newline_before:
            operator = self.advance()
            expression = self.node("update_expression", expression, operator, [expression, operator])
        return expression

    def _postfix(self) -> Child:
        expression = self._call_chain(self._primary())
        if self.token.kind == "punct" and self.token.text in _ASSIGN and self._is_lvalue(expression):
            # like an LR parser, shift '=' after any assignable operand: `a - b = c` is `a - (b = c)`
            operator = self.advance()
            right = self.assignment()
            kind = "assignment_expression" if operator.text == "=" else "augmented_assignment_expression"
            return self.node(kind, expression, right, [expression, operator, right])
        return expression

    def _is_lvalue(self, child: Child) -> bool:
        if isinstance(child, Token):
            return self._is_name(child)
        return child.kind in (
            "member_expression",
            "subscript_expression",
            "object",
            "array",
            "parenthesized_expression",
        )

    def _call_chain(self, expression: Child, allow_call: bool = True) -> Child:
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
        opening = self.expect("(")
        children: list[Child] = [opening]
        self.enter()
        while not self.at(")"):
            if self.at(","):  # tree-sitter-javascript accepts empty argument slots
                children.append(self.advance())
                continue
            if self.at("..."):
                spread = self.advance()
                value = self.assignment()
                children.append(self.node("spread_element", spread, value, [spread, value]))
            else:
                children.append(self.assignment())
            if not self.at(")"):
                children.append(self.expect(","))
        self.leave()
        children.append(self.advance())
        return self.node("arguments", opening, children[-1], children)

    def _primary(self) -> Child:
        token = self.token
        if token.kind in ("number", "string", "template", "regex"):
            return self.advance()
        if token.kind == "punct":
            if token.text == "(":
                opening = self.advance()
                inner = self.expression()
                closing = self.expect(")")
                return self.node("parenthesized_expression", opening, closing, [opening, inner, closing])
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
            constructor = self._call_chain(self._primary(), allow_call=False)
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
        opening = self.expect("[")
        children: list[Child] = [opening]
        self.enter()
        while not self.at("]"):
            if self.at(")"):
                self.leave()
                return self.node("array", opening, children[-1], children)
            if self.at(","):
                children.append(self.advance())
                continue
            if self.at("..."):
                spread = self.advance()
                value = self.assignment()
                children.append(self.node("spread_element", spread, value, [spread, value]))
            else:
                children.append(self.assignment())
            if not self.at("]") and not self.at(")"):
                children.append(self.expect(","))
        self.leave()
        children.append(self.advance())
        return self.node("array", opening, children[-1], children)

    def _object(self) -> Node:
        opening = self.expect("{")
        children: list[Child] = [opening]
        self.enter()
        while not self.at("}"):
            if self.at(")"):
                self.leave()
                return self.node("object", opening, children[-1], children)
            children.append(self._property())
            if not self.at("}") and not self.at(")"):
                children.append(self.expect(","))
        self.leave()
        children.append(self.advance())
        return self.node("object", opening, children[-1], children)

    def _property(self) -> Child:
        first = self.token
        if self.at("..."):
            spread = self.advance()
            value = self.assignment()
            return self.node("spread_element", spread, value, [spread, value])
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
