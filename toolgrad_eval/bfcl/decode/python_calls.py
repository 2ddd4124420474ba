"""Decode Python-call strings (``[f(a=1, b='x'), g()]``) the way BFCL's prompting decoder does.

The text is parsed with :mod:`ast`, never executed. What the official decoder does, and we
reproduce (each is a rule a model's score depends on):

* Backticks, newlines and spaces are stripped from both ends and a missing ``[`` or ``]`` is
  added, so ``f(a=1)`` and a bare code fence decode, while a fence with a language tag
  (three backticks then ``python``) leaves ``python`` in the text and fails.
* v3 (bfcl-eval 2025.6.30) then strips every leading/trailing ``[``, ``]`` and ``'``, so
  ``[]`` fails to parse there; v4 keeps the brackets, so ``[]`` decodes to no calls.
* The expression must be a call or a list/tuple of calls. Positional arguments are dropped
  silently, a repeated keyword keeps its last value, ``**kw`` is recorded under the key
  ``None``.
* Argument values: literals; ``...`` becomes the string ``"..."``; a bare name becomes its
  text; a call without keywords becomes its source text, one with keywords a nested
  ``{name: {...}}``; a subscript becomes its source text; any unary operator on a literal
  *negates* it (official bug: ``+5`` gives -5, ``not True`` -1, ``~10`` -10); binary
  operations are evaluated (bounded, see :mod:`.arithmetic`).
"""

from __future__ import annotations

import ast
import contextlib
import warnings
from typing import Any, Iterator, Literal

from toolgrad_eval.bfcl.decode.arithmetic import SizeBudget, evaluate
from toolgrad_eval.bfcl.decode.errors import DecodeError

MAX_INPUT_CHARS = 1_000_000
MAX_VALUE_DEPTH = 200


def bracketed(text: str) -> str:
    """The official pre-processing shared by all prompting decoders (Python, Java, JS)."""
    text = text.strip("`\n ")
    if not text.startswith("["):
        text = "[" + text
    if not text.endswith("]"):
        text = text + "]"
    return text


_quiet = False  # inside parser_warnings_ignored(): the warning filter is already set


@contextlib.contextmanager
def parser_warnings_ignored() -> Iterator[None]:
    """Silence the parser's warnings (invalid escapes in string literals only warn) for a batch of
    parses: setting the filter once, not per output, saves a quarter of the time a category's
    Python outputs take to decode. Not for threads (``warnings.catch_warnings`` is not either)."""
    global _quiet
    if _quiet:
        yield
        return
    with warnings.catch_warnings():
        # invalid escapes in string literals only warn; keep test runs quiet and stable
        warnings.simplefilter("ignore")
        _quiet = True
        try:
            yield
        finally:
            _quiet = False


def parse_expression(source: str) -> ast.expr:
    """``ast.parse`` in eval mode, with every parser failure turned into :class:`DecodeError`."""
    try:
        if _quiet:
            return ast.parse(source, mode="eval").body
        with parser_warnings_ignored():
            return ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise DecodeError(f"not a Python expression: {type(exc).__name__}: {exc}") from None


def decode_python_calls(text: Any, version: Literal["v3", "v4"] = "v4") -> list[dict[Any, Any]]:
    """``[{name: {arg: value}}]`` for a Python-call string, or :class:`DecodeError`."""
    if not isinstance(text, str):
        raise DecodeError(f"expected a string of Python calls, got {type(text).__name__}")
    if len(text) > MAX_INPUT_CHARS:
        raise DecodeError(f"output longer than {MAX_INPUT_CHARS} characters")
    text = bracketed(text)
    source = text.strip("[]'") if version == "v3" else text.strip().strip("'")
    return calls_from_source(source)


def calls_from_source(source: str) -> list[dict[Any, Any]]:
    """Decode pre-processed text with ``ast``."""
    body = parse_expression(source)
    if isinstance(body, ast.Call):
        nodes: list[ast.expr] = [body]
    elif isinstance(body, (ast.List, ast.Tuple, ast.Set)):
        nodes = list(body.elts)
    else:
        raise DecodeError(f"expected a list of calls, found {type(body).__name__}")
    calls = []
    budget = SizeBudget()  # one for the whole output: its arithmetic is bounded together
    for node in nodes:
        if not isinstance(node, ast.Call):
            raise DecodeError(f"list element is a {type(node).__name__}, not a call")
        calls.append(_call(node, 0, budget))
    return calls


def _call_name(func: ast.expr) -> str:
    """Dotted name of the callee; parts that are not plain names or attributes are dropped."""
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def _call(node: ast.Call, depth: int, budget: SizeBudget) -> dict[Any, Any]:
    args: dict[Any, Any] = {}
    for keyword in node.keywords:
        args[keyword.arg] = _value(keyword.value, depth + 1, budget)
    return {_call_name(node.func): args}


def _value(node: ast.expr, depth: int, budget: SizeBudget) -> Any:
    if depth > MAX_VALUE_DEPTH:
        raise DecodeError("argument nested too deeply")
    if isinstance(node, ast.Constant):
        return "..." if node.value is Ellipsis else node.value
    if isinstance(node, ast.UnaryOp):
        # Official quirk: every unary operator negates, and only a literal operand works.
        if not isinstance(node.operand, ast.Constant):
            raise DecodeError("unary operator on a non-literal")
        operand: Any = node.operand.value
        try:
            return -operand
        except TypeError:
            raise DecodeError("unary operator on a non-number") from None
    if isinstance(node, ast.List):
        return [_value(e, depth + 1, budget) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(e, depth + 1, budget) for e in node.elts)
    if isinstance(node, ast.Dict):
        result = {}
        for key, value in zip(node.keys, node.values):
            if key is None:
                raise DecodeError("dictionary unpacking (**) in an argument")
            resolved = _value(key, depth + 1, budget)
            try:
                result[resolved] = _value(value, depth + 1, budget)
            except TypeError:
                raise DecodeError("unhashable dictionary key") from None
        return result
    if isinstance(node, ast.BinOp):
        return evaluate(node, budget)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        if not node.keywords:
            return _source(node)
        return _call(node, depth, budget)
    if isinstance(node, ast.Subscript):
        return _source(node.value) + "[" + _source(node.slice) + "]"
    raise DecodeError(f"unsupported argument syntax: {type(node).__name__}")


def _source(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (RecursionError, ValueError) as exc:  # pragma: no cover - bounded by depth checks
        raise DecodeError(f"cannot render argument: {exc}") from None
