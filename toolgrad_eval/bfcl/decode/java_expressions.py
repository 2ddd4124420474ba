"""Java expressions and types for the call parser (see :mod:`.java_syntax`).

Expressions follow Java precedence, with casts, lambdas, method references, ``new`` (arrays with
initializers, objects with optional anonymous class bodies) and generics. Node kinds are named
after tree-sitter-java's where the decoder inspects them; two of tree-sitter's error repairs are
reproduced (a ``]`` missing before ``,``/``)``; ``=`` binding to the nearest assignable operand).
"""

from __future__ import annotations

from toolgrad_eval.bfcl.decode.c_like import CLikeExpressions, precedence
from toolgrad_eval.bfcl.decode.cursor import Child, Node
from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.lexer import Token

PRIMITIVES = frozenset("byte short int long float double boolean char void".split())
_VALUE_KEYWORDS = frozenset({"true", "false", "null", "this", "super"})
# tokens that may follow "(Type)" for it to be a cast of a reference type
_CAST_FOLLOWERS = frozenset("( ! ~".split())


class JavaExpressions(CLikeExpressions):
    """Expression and type parsing; statements and class bodies live in the subclass."""

    RESERVED = frozenset(
        """abstract assert boolean break byte case catch char class const continue default do double
        else enum extends final finally float for goto if implements import instanceof int interface
        long native new package private protected public return short static strictfp super switch
        synchronized this throw throws transient try void volatile while true false null""".split()
    )
    ASSIGN = frozenset("= += -= *= /= %= &= |= ^= <<= >>= >>>=".split())
    # binary operators, loosest-binding first
    BINARY = precedence("||", "&&", "|", "^", "&", "== !=", "< > <= >= instanceof", "<< >> >>>", "+ -", "* / %")
    PREFIX = frozenset("+ - ! ~ ++ --".split())
    LVALUE_KINDS = frozenset({"field_access", "array_access"})
    BLOCK_KIND = "block"

    def __init__(self, source: str) -> None:
        super().__init__(source, "java")

    def _class_body(self) -> Node:  # pragma: no cover - provided by JavaParser
        raise NotImplementedError

    # -- types -----------------------------------------------------------------------------
    def type(self) -> Node:
        first = self.token
        children: list[Child] = []
        if first.kind == "ident" and first.text in PRIMITIVES:
            children.append(self.advance())
        else:
            children.append(self._name())
            if self.at("<"):
                children.append(self.type_arguments())
            while self.at(".") and self._is_name(self.peek()):
                children += [self.advance(), self._name()]
                if self.at("<"):
                    children.append(self.type_arguments())
        while self.at("[") and self.peek().text == "]":
            children += [self.advance(), self.advance()]
        return self.node("type", first, children[-1], children)

    def type_arguments(self) -> Node:
        opening = self.expect("<")
        children: list[Child] = [opening]
        self.enter()
        self.split_angle()
        while not self.at(">"):
            if self.at("?"):
                children.append(self.advance())
                if self.at("extends", "super"):
                    children += [self.advance(), self.type()]
            else:
                children.append(self.type())
            self.split_angle()
            if not self.at(">"):
                children.append(self.expect(","))
            self.split_angle()
        self.leave()
        children.append(self.advance())
        return self.node("type_arguments", opening, children[-1], children)

    # -- expressions -----------------------------------------------------------------------
    # Java's grammar has no comma operator: its top expression is the assignment level.
    expression = CLikeExpressions.assignment

    def _try_function_literal(self) -> Node | None:
        """A lambda ``x -> ...`` or ``(T x, y) -> ...``; ``None`` (nothing consumed) otherwise."""
        first = self.token
        if self._is_name(first) and self.peek().text == "->":
            params: Child = self.advance()
        elif first.text == "(" and first.kind == "punct":
            start = self.index
            if not self.parenthesis_followed_by("->"):
                return None
            opening = self.advance()
            children: list[Child] = [opening]
            while not self.at(")"):
                children.append(
                    self.type() if self.peek().kind == "ident" and self._is_name(self.peek()) else self._name()
                )
                if self._is_name(self.token):
                    children.append(self._name())
                if not self.at(")"):
                    children.append(self.expect(","))
            children.append(self.advance())
            params = self.node("parameters", opening, children[-1], children)
            assert self.index > start
        else:
            return None
        arrow = self.expect("->")
        body: Child = self.block() if self.at("{") else self.expression()
        return self.node("lambda_expression", first, body, [params, arrow, body])

    def _conditional_alternative(self) -> Child:
        # tree-sitter-java: the alternative is a conditional (or lambda), never an assignment
        return self._try_function_literal() or self._conditional()

    def _binary_operand(self, operator: Token, level: int) -> Child:
        if operator.text != "instanceof":
            return self._binary(level + 1)
        right: Child = self.type()
        if self._is_name(self.token):
            right = self.node("pattern", right, self.token, [right, self.advance()])
        return right

    def _unary_operand(self) -> Child:
        if self.at("("):
            cast = self._try_cast()
            if cast is not None:
                return cast
        expression = self._postfix()
        while self.at("++", "--"):
            operator = self.advance()
            expression = self.node("update_expression", expression, operator, [expression, operator])
        return expression

    def _try_cast(self) -> Node | None:
        start, depth = self.index, self.depth
        opening = self.advance()
        try:
            kind = self.type()
            closing = self.expect(")")
        except DecodeError:
            self.index, self.depth = start, depth
            return None
        primitive = kind.children[0].text in PRIMITIVES if isinstance(kind.children[0], Token) else False
        follower = self.token
        starts_operand = (
            follower.kind in ("number", "string", "char")
            or (
                follower.kind == "ident"
                and (self._is_name(follower) or follower.text in _VALUE_KEYWORDS or follower.text == "new")
            )
            or (follower.kind == "punct" and follower.text in _CAST_FOLLOWERS)
            or (primitive and follower.kind == "punct" and follower.text in ("+", "-", "++", "--"))
        )
        if not starts_operand:
            self.index = start
            return None
        self.enter()
        operand = self._unary()
        self.leave()
        return self.node("cast_expression", opening, operand, [opening, kind, closing, operand])

    def _selectors(self, expression: Child) -> Child:
        while True:
            if self.at("."):
                expression = self._member(expression)
            elif self.at("["):
                opening = self.advance()
                index = self.expression()
                if self.at(",", ")"):
                    # tree-sitter inserts the missing "]" here (it renders as nothing)
                    expression = self.node("array_access", expression, index, [expression, opening, index])
                    continue
                closing = self.expect("]")
                expression = self.node("array_access", expression, closing, [expression, opening, index, closing])
            elif self.at("::"):
                colons = self.advance()
                target = self.advance() if self.at("new") else self._name()
                expression = self.node("method_reference", expression, target, [expression, colons, target])
            else:
                return expression

    def _member(self, receiver: Child) -> Child:
        dot = self.advance()
        if self.at("class"):
            keyword = self.advance()
            return self.node("class_literal", receiver, keyword, [receiver, dot, keyword])
        if self.at("this", "super"):
            keyword = self.advance()
            return self.node("field_access", receiver, keyword, [receiver, dot, keyword])
        children: list[Child] = [receiver, dot]
        if self.at("<"):
            children.append(self.type_arguments())
        name = self._name()
        children.append(name)
        if self.at("("):
            arguments = self.arguments()
            children.append(arguments)
            return self.node(
                "method_invocation", receiver, arguments, children, object=receiver, name=name, arguments=arguments
            )
        return self.node("field_access", receiver, name, children)

    def arguments(self) -> Node:
        opening = self.expect("(")
        children: list[Child] = [opening]
        self.enter()
        while not self.at(")"):
            children.append(self.expression())
            if not self.at(")"):
                children.append(self.expect(","))
                if self.at(")"):
                    raise self.error("expected an argument")
        self.leave()
        children.append(self.advance())
        return self.node("argument_list", opening, children[-1], children)

    def _primary(self) -> Child:
        token = self.token
        if token.kind == "number":
            return self.advance()
        if token.kind in ("string", "char"):
            self.advance()
            kind = "string_literal" if token.kind == "string" else "character_literal"
            return Node(kind, token.start, token.end, [token])
        if token.kind == "punct" and token.text == "(":
            return self._parenthesized()
        if token.kind != "ident":
            raise self.error("expected an expression")
        if token.text == "new":
            return self._creation()
        if token.text in _VALUE_KEYWORDS:
            return self.advance()
        if token.text in PRIMITIVES:
            primitive = self.type()
            dot = self.expect(".")
            keyword = self.expect("class")
            return self.node("class_literal", primitive, keyword, [primitive, dot, keyword])
        name = self._name()
        if self.at("("):
            arguments = self.arguments()
            return self.node("method_invocation", name, arguments, [name, arguments], name=name, arguments=arguments)
        return name

    def _creation(self) -> Node:
        keyword = self.advance()
        # Not `self.type()`: after `new`, tree-sitter-java's type takes type arguments anywhere
        # and requires a name after every `.`, where `type()` stops (`Foo.class`, `Foo.this`).
        first = self.token
        children: list[Child] = []
        if first.kind == "ident" and first.text in PRIMITIVES:
            children.append(self.advance())
        else:
            children.append(self._name())
            while self.at(".") or self.at("<"):
                if self.at("<"):
                    children.append(self.type_arguments())
                else:
                    children += [self.advance(), self._name()]
        kind = self.node("type", first, children[-1], children)
        if self.at("["):
            dims: list[Child] = []
            sized = False
            while self.at("["):
                dims.append(self.advance())
                if not self.at("]"):
                    dims.append(self.expression())
                    sized = True
                dims.append(self.expect("]"))
            value = None if sized else self.array_initializer()
            parts: list[Child] = [keyword, kind, *dims] + ([value] if value is not None else [])
            return self.node("array_creation_expression", keyword, parts[-1], parts, type=kind, value=value)
        arguments = self.arguments()
        parts = [keyword, kind, arguments]
        last: Child = arguments
        if self.at("{"):
            body = self._class_body()
            parts.append(body)
            last = body
        return self.node("object_creation_expression", keyword, last, parts, type=kind, arguments=arguments)

    def array_initializer(self) -> Node:
        opening = self.expect("{")
        children: list[Child] = [opening]
        self.enter()
        while not self.at("}"):
            children.append(self.array_initializer() if self.at("{") else self.expression())
            if not self.at("}"):
                children.append(self.expect(","))
        self.leave()
        children.append(self.advance())
        return self.node("array_initializer", opening, children[-1], children)
