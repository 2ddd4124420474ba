"""A fast path for the commonest Python-call outputs: ``[f(a='x', b=2), g.h(c=[1, 2])]``.

``ast.parse`` is about 40% of checking a whole BFCL run. Most outputs are a plain list of calls
with keyword arguments whose values are string, number, ``True``/``False``/``None`` literals,
flat lists of them, or dicts with string keys holding those. For exactly that shape this module builds the same decoded value from one
regular-expression tokenisation and a few lines of descent; anything else (escapes, deeper nesting, names, comments, newlines, non-ASCII names,
Python keywords...) returns ``None`` and goes through the general ``ast`` decoder. The grammar is
deliberately narrower than Python's, so every text it accepts is valid Python with one reading:

* names are ASCII identifiers that are not keywords (a keyword is a syntax error in Python);
* strings have no backslash, no line break, no NUL or other C0 control except tab, no lone
  surrogate: their value is the text between the quotes;
* numbers are decimal, without ``_`` or leading zeros, so ``int``/``float`` of the text is the
  literal's value; a leading ``-`` negates, as the official unary-operator rule does for ``-``;
* only spaces separate tokens; no trailing commas.

``tests/bfcl/test_decode_python_fast.py`` checks this path against the ``ast`` path on generated texts.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

_STRING = r"""'[^'\\\x00-\x08\x0a-\x1f\ud800-\udfff]*'|"[^"\\\x00-\x08\x0a-\x1f\ud800-\udfff]*\""""
_NUMBER = r"-?(?:0|[1-9][0-9]{0,30})(?:\.[0-9]{1,30})?(?:[eE][-+]?[0-9]{1,3})?"
_WORD = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
# Every character lands in exactly one token; anything outside the grammar becomes a one-character
# token the parser rejects. Two tokens that touch (``007`` is ``0``, ``0``, ``7``; ``'a''b'``) are
# never valid in the grammar below, so splitting them apart cannot change a reading.
_TOKEN = re.compile(rf"{_STRING}|{_NUMBER}|{_WORD}| +|[\s\S]")


class _Reject(Exception):
    """The text is outside the fast grammar: decode it with ast."""


def decode_simple_calls(source: str) -> list[dict[str, Any]] | None:
    """The decoded calls of ``source`` when it has the simple shape, else ``None`` (use ``ast``)."""
    if source[:1] == " ":
        return None  # ast: leading space is an "unexpected indent"
    tokens = [t for t in _TOKEN.findall(source) if t[0] != " "]
    tokens.append("")  # end marker: reading past the end meets a token nothing accepts
    try:
        return _Parser(tokens).calls()
    except _Reject:
        return None


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.i = 0

    def take(self) -> str:
        token = self.tokens[self.i]
        if not token:
            raise _Reject
        self.i += 1
        return token

    def expect(self, punct: str) -> None:
        if self.take() != punct:
            raise _Reject

    def peek(self) -> str:
        return self.tokens[self.i]

    def calls(self) -> list[dict[str, Any]]:
        bracketed = self.peek() == "["
        if bracketed:
            self.i += 1
            if self.peek() == "]":
                self.i += 1
                out: list[dict[str, Any]] = []
                return self.end(out)
        out = [self.call()]
        while self.peek() == ",":
            self.i += 1
            out.append(self.call())
        if bracketed:
            self.expect("]")
        return self.end(out)

    def end(self, out: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.peek():
            raise _Reject
        return out

    def call(self) -> dict[str, Any]:
        name = self.name()
        self.expect("(")
        args: dict[str, Any] = {}
        if self.peek() != ")":
            while True:
                key = self.name()
                if "." in key:
                    raise _Reject
                self.expect("=")
                args[key] = self.value(nested=False)  # a repeated keyword keeps its last value, as in ast
                token = self.take()
                if token == ")":
                    break
                if token != ",":
                    raise _Reject
        else:
            self.i += 1
        return {name: args}

    def name(self) -> str:
        token = self.take()
        first = token[0]  # ASCII only: ast NFKC-normalises other names (a ligature becomes two letters)
        if not ("a" <= first <= "z" or "A" <= first <= "Z" or first == "_"):
            raise _Reject
        if any(keyword.iskeyword(part) for part in token.split(".")):
            raise _Reject  # a keyword where a name belongs is a syntax error
        return token

    def value(self, nested: bool) -> Any:
        token = self.take()
        first = token[0]
        if first == "'" or first == '"':
            if len(token) < 2 or token[-1] != first:
                raise _Reject
            return token[1:-1]
        if first == "-" or "0" <= first <= "9":
            if len(token) == 1 and first == "-":
                raise _Reject
            if "." in token or "e" in token or "E" in token:
                return float(token)
            return int(token)
        if token == "True":
            return True
        if token == "False":
            return False
        if token == "None":
            return None
        if first == "[" and not nested:
            return self.items("]", lambda: self.value(nested=True))
        if first == "{" and not nested:
            result: dict[str, Any] = {}

            def item() -> None:
                key = self.take()
                if key[0] not in "'\"" or len(key) < 2:
                    raise _Reject
                self.expect(":")
                result[key[1:-1]] = self.value(nested=False) if self.peek() == "[" else self.value(nested=True)

            self.items("}", item)  # in order: a repeated key keeps its last value, as in ast
            return result
        raise _Reject

    def items(self, close: str, read: Any) -> list[Any]:
        out: list[Any] = []
        if self.peek() == close:
            self.i += 1
            return out
        while True:
            out.append(read())
            token = self.take()
            if token == close:
                return out
            if token != ",":
                raise _Reject
