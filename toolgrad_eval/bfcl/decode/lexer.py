"""A small tokenizer for the Java and JavaScript call syntax models emit.

It only needs to be good enough to tell well-formed call expressions from broken ones and to
give each token its exact source span (the official decoders return argument *source text*).
Comments are kept as tokens so the parsers can skip them while spans stay exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from toolgrad_eval.bfcl.decode.errors import DecodeError

Syntax = Literal["java", "javascript"]


@dataclass(frozen=True)
class Token:
    kind: str  # ident, number, string, char, template, regex, punct, comment, eof
    text: str
    start: int
    end: int
    newline_before: bool = False  # a line break between the previous token and this one


_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\ufeff]+")
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_IDENT = re.compile(r"(?:[^\W\d]|\$)[\w$]*", re.UNICODE)
_IDENT_TAIL = re.compile(r"[\w$]*", re.UNICODE)
_JAVA_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F_]*[0-9a-fA-F][lL]?"
    r"|0[bB][01_]*[01][lL]?"
    r"|(?:\d[\d_]*\.?(?:\d[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[fFdDlL]?"
)
_JS_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F_]+n?|0[bB][01_]+n?|0[oO][0-7_]+n?"
    r"|(?:\d[\d_]*\.?(?:\d[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?n?"
)
# tree-sitter-java lets a string literal span lines
_JAVA_STRING = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\]|\\.)*"', re.DOTALL)
_JAVA_CHAR = re.compile(r"'(?:[^'\\\n]|\\.)+'", re.DOTALL)
_JS_STRING = re.compile(r'"(?:[^"\\\n]|\\.|\\\n)*"|\'(?:[^\'\\\n]|\\.|\\\n)*\'', re.DOTALL)
_JS_REGEX = re.compile(r"/(?![*/])(?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[a-zA-Z]*")

_PUNCT = sorted(
    """>>>= <<= >>= >>> ... === !== **= &&= ||= ??= => -> :: ++ -- && || == != <= >= += -= *= /=
    %= &= |= ^= << >> ** ?. ?? ( ) [ ] { } ; , . @ = > < ! ~ ? : + - * / & | ^ % # `""".split(),
    key=len,
    reverse=True,
)
_PUNCT_RE = re.compile("|".join(re.escape(p) for p in _PUNCT))

# After these tokens a "/" starts a regular expression rather than a division (JavaScript).
_REGEX_ALLOWED_AFTER = frozenset(
    "( , = : [ ! & | ? { } ; + - * % < > ~ ^ => return typeof void delete in of new case".split()
)


def tokenize(text: str, syntax: Syntax) -> list[Token]:
    """Tokens of ``text`` ending with an ``eof`` token, or :class:`DecodeError`."""
    tokens: list[Token] = []
    pos, size = 0, len(text)
    newline = False  # a line break since the previous non-comment token
    while pos < size:
        space = _SPACE.match(text, pos)
        if space:
            newline = newline or "\n" in space.group()
            pos = space.end()
            continue
        comment = _COMMENT.match(text, pos)
        if comment:
            tokens.append(Token("comment", comment.group(), pos, comment.end(), newline))
            newline = newline or "\n" in comment.group()
            pos = comment.end()
            continue
        kind, match = _next_token(text, pos, syntax, tokens)
        if match is None:
            raise DecodeError(f"unexpected character {text[pos]!r} at offset {pos}")
        end = match if isinstance(match, int) else match.end()
        tokens.append(Token(kind, text[pos:end], pos, end, newline))
        newline = False
        pos = end
    tokens.append(Token("eof", "", size, size, newline))
    return tokens


def _next_token(text: str, pos: int, syntax: Syntax, tokens: list[Token]) -> tuple[str, re.Match[str] | int | None]:
    char = text[pos]
    if syntax == "java":
        if char == '"':
            return "string", _JAVA_STRING.match(text, pos)
        if char == "'":
            return "char", _JAVA_CHAR.match(text, pos)
        number = (
            _JAVA_NUMBER.match(text, pos)
            if char.isdigit() or (char == "." and text[pos + 1 : pos + 2].isdigit())
            else None
        )
    else:
        if char in "\"'":
            return "string", _JS_STRING.match(text, pos)
        if char == "`":
            return "template", _template_end(text, pos)
        if char == "/" and _regex_allowed(tokens):
            return "regex", _JS_REGEX.match(text, pos)
        number = (
            _JS_NUMBER.match(text, pos)
            if char.isdigit() or (char == "." and text[pos + 1 : pos + 2].isdigit())
            else None
        )
    if number:
        tail = _IDENT_TAIL.match(text, number.end())
        if tail and tail.end() > number.end():  # 12abc is not a number
            return "number", None
        return "number", number
    ident = _IDENT.match(text, pos)
    if ident:
        return "ident", ident
    return "punct", _PUNCT_RE.match(text, pos)


def _regex_allowed(tokens: list[Token]) -> bool:
    previous = next((t for t in reversed(tokens) if t.kind != "comment"), None)
    if previous is None:
        return True
    return previous.kind in ("punct", "ident") and previous.text in _REGEX_ALLOWED_AFTER


# Template literals nested inside ``${...}`` deeper than this are refused (the lexer recurses).
MAX_TEMPLATE_NESTING = 64


def _template_end(text: str, pos: int, nesting: int = 0) -> int | None:
    """End offset of a template literal starting at ``pos``, nested ``${...}`` included."""
    if nesting > MAX_TEMPLATE_NESTING:
        raise DecodeError("template literals nested too deeply")
    depth_stack: list[int] = []
    i = pos + 1
    size = len(text)
    while i < size:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if depth_stack:
            if char == "{":
                depth_stack[-1] += 1
            elif char == "}":
                depth_stack[-1] -= 1
                if depth_stack[-1] == 0:
                    depth_stack.pop()
            elif char in "\"'":
                string = _JS_STRING.match(text, i)
                if string is None:
                    return None
                i = string.end()
                continue
            elif char == "`":
                inner = _template_end(text, i, nesting + 1)
                if inner is None:
                    return None
                i = inner
                continue
        elif char == "`":
            return i + 1
        elif text.startswith("${", i):
            depth_stack.append(1)
            i += 2
            continue
        i += 1
    return None
