"""What the Java and JavaScript call parsers share, because the two grammars agree there.

Both languages have the same C-style expression skeleton: an assignment level that starts with a
function literal (Java lambda, JS arrow) or a conditional, binary operators by precedence table,
prefix operators, and an LR-style assignment that binds to the nearest assignable operand. The
tables (reserved words, operators, assignable node kinds) and the places where the grammars differ
(``instanceof`` and ``**`` operands, casts, the conditional's alternative, postfix ``++``, call and
member chains) stay in :mod:`.java_expressions` and :mod:`.js_expressions` as overrides.

The call decoders also share the entry check and the argument collection (a repeated name fails).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, TypeVar

from toolgrad_eval.bfcl.decode.cursor import Child, Cursor, Node
from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.lexer import Token
from toolgrad_eval.bfcl.decode.python_calls import bracketed


def precedence(*levels: str) -> dict[str, int]:
    """``{operator: level}`` from space-separated operator groups, loosest-binding first."""
    return {operator: level for level, group in enumerate(levels, 1) for operator in group.split()}


class CLikeExpressions(Cursor):
    """Expression parsing common to both grammars; subclasses supply tables and hooks."""

    RESERVED: frozenset[str]
    ASSIGN: frozenset[str]  # assignment operators
    BINARY: dict[str, int]  # binary operator -> precedence level (higher binds tighter)
    PREFIX: frozenset[str]  # prefix unary operators
    LVALUE_KINDS: frozenset[str]  # node kinds an assignment may target
    BLOCK_KIND: str  # the tree-sitter name of a ``{ ... }`` statement block

    # -- names -----------------------------------------------------------------------------
    def is_keyword(self, word: str) -> bool:
        return word in self.RESERVED

    def _is_name(self, token: Token) -> bool:
        return token.kind == "ident" and token.text not in self.RESERVED

    def _name(self) -> Token:
        if not self._is_name(self.token):
            raise self.error("expected a name")
        return self.advance()

    # -- hooks -----------------------------------------------------------------------------
    def expression(self) -> Child:  # pragma: no cover - provided by each language
        raise NotImplementedError

    def statement(self) -> Any:  # pragma: no cover - provided by each language's parser
        raise NotImplementedError

    def _try_function_literal(self) -> Node | None:  # pragma: no cover - lambda / arrow
        raise NotImplementedError

    def _unary_operand(self) -> Child:  # pragma: no cover - operand of no prefix operator
        raise NotImplementedError

    def _selectors(self, expression: Child) -> Child:  # pragma: no cover - member/call chain
        raise NotImplementedError

    def _primary(self) -> Child:  # pragma: no cover
        raise NotImplementedError

    def _block_item(self, statement: Any) -> Child:
        """The block child for one parsed statement (Java's statements are wrapped)."""
        return statement

    def _binary_operand(self, operator: Token, level: int) -> Child:
        """The right operand of a binary operator: left-associative unless overridden."""
        return self._binary(level + 1)

    def _conditional_alternative(self) -> Child:
        return self.assignment()

    def _assignment_kind(self, operator: Token) -> str:
        return "assignment_expression"

    # -- expressions -----------------------------------------------------------------------
    def assignment(self) -> Child:
        """An assignment-level expression (reached via ``_postfix``: see there)."""
        self.enter()
        try:
            function = self._try_function_literal()
            if function is not None:
                return function
            left = self._conditional()
            if self.token.kind == "punct" and self.token.text in self.ASSIGN:
                raise self.error("cannot assign to this expression")
            return left
        finally:
            self.leave()

    def _conditional(self) -> Child:
        condition = self._binary(1)
        if not self.at("?"):
            return condition
        question = self.advance()
        consequence = self.assignment()
        colon = self.expect(":")
        alternative = self._conditional_alternative()
        return self.node(
            "ternary_expression", condition, alternative, [condition, question, consequence, colon, alternative]
        )

    def _binary(self, min_level: int) -> Child:
        left = self._unary()
        while True:
            token = self.token
            level = self.BINARY.get(token.text) if token.kind in ("punct", "ident") else None
            if level is None or level < min_level:
                return left
            operator = self.advance()
            right = self._binary_operand(operator, level)
            left = self.node("binary_expression", left, right, [left, operator, right])

    def _unary(self) -> Child:
        token = self.token
        if token.kind in ("punct", "ident") and token.text in self.PREFIX:
            operator = self.advance()
            self.enter()
            operand = self._unary()
            self.leave()
            return self.node("unary_expression", operator, operand, [operator, operand])
        return self._unary_operand()

    def _postfix(self) -> Child:
        expression = self._selectors(self._primary())
        if self.token.kind == "punct" and self.token.text in self.ASSIGN and self._is_lvalue(expression):
            # an LR parser shifts '=' after any assignable operand: `a - b = c` is `a - (b = c)`
            operator = self.advance()
            right = self.assignment()
            kind = self._assignment_kind(operator)
            return self.node(kind, expression, right, [expression, operator, right])
        return expression

    def _is_lvalue(self, child: Child) -> bool:
        if isinstance(child, Token):
            return self._is_name(child)
        return child.kind in self.LVALUE_KINDS

    def _parenthesized(self) -> Node:
        opening = self.advance()
        inner = self.expression()
        closing = self.expect(")")
        return self.node("parenthesized_expression", opening, closing, [opening, inner, closing])

    # -- blocks ----------------------------------------------------------------------------
    def block(self) -> Node:
        opening = self.expect("{")
        self.enter()
        children: list[Child] = []
        while not self.at("}"):
            if self.at_kind("eof"):
                raise self.error("expected '}'")
            children.append(self._block_item(self.statement()))
        self.leave()
        closing = self.advance()
        return self.node(self.BLOCK_KIND, opening, closing, children)


P = TypeVar("P", bound=Cursor)


def parser_for(text: Any, parser_class: Callable[[str], P], language: str) -> P:
    """A parser over the text between the outer brackets of a call string."""
    if not isinstance(text, str):
        raise DecodeError(f"expected a string of {language} calls, got {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # the official decoder hands tree-sitter UTF-8 and fails here too
        raise DecodeError(f"the {language} output holds a lone surrogate, which UTF-8 cannot encode") from None
    return parser_class(bracketed(text)[1:-1])


def collect_arguments(children: Iterable[Child], argument: Callable[[Child], tuple[Any, str] | None]) -> dict[Any, str]:
    """``{key: text}`` from the argument nodes ``argument`` keeps; a repeated key fails."""
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
