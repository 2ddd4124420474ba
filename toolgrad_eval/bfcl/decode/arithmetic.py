"""Bounded evaluation of constant arithmetic found in model outputs.

BFCL's Python decoder evaluates any binary operation inside an argument (``time=5 * 60``,
``tags=['a'] * 3``) with the interpreter's ``eval``. That makes ``9**9**9`` hang it and lets an
output run code. We reproduce the useful part, Python's own operator semantics on literal
operands, with hard bounds, and refuse everything else:

* operands: literals, containers of literals, unary and binary operators, and a few pure
  built-ins models actually write (``str(30)``, ``abs(-2)``, ``round(2.5)``);
* integers may not grow past :data:`MAX_INT_BITS`, sequences past :data:`MAX_SEQUENCE_LEN`,
  and nesting past :data:`MAX_DEPTH`;
* ``%`` on strings (printf formatting) is refused because its width fields can request
  unbounded memory.

Known deviation, documented for users: names (``math.pi``, ``x``), attribute access and other
calls make the entry undecodable here; under ``eval`` they raise too unless they happen to
resolve in the official decoder's module namespace.
"""

from __future__ import annotations

import ast
import operator
from typing import Any, Callable

from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.shapes import MAX_DECODED_SIZE, decoded_size

MAX_INT_BITS = 65_536
MAX_SEQUENCE_LEN = 1_000_000
MAX_DEPTH = 100

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_,
    ast.MatMult: operator.matmul,
}

_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
    ast.Invert: operator.invert,
}

_SEQUENCES = (str, bytes, list, tuple)


def _int_bits(value: Any) -> int:
    """Bit length of an int-like operand (bools count as ints), 0 for anything else."""
    return abs(int(value)).bit_length() if isinstance(value, int) else 0


def _check_int(value: Any) -> Any:
    if isinstance(value, int) and _int_bits(value) > MAX_INT_BITS:
        raise DecodeError("arithmetic result too large")
    return value


def _guard_binary(op: type[ast.operator], left: Any, right: Any) -> None:
    """Refuse operations whose result would be unreasonably large before computing them."""
    if op is ast.Pow and isinstance(left, int) and isinstance(right, int) and right > 0:
        if abs(left) > 1 and right * max(_int_bits(left), 1) > MAX_INT_BITS:
            raise DecodeError("power too large to evaluate")
    elif op is ast.Pow and isinstance(right, int) and abs(right) > MAX_INT_BITS:
        # complex ** huge int is computed by repeated multiplication
        if isinstance(left, complex):
            raise DecodeError("power too large to evaluate")
    elif op is ast.LShift and isinstance(left, int) and isinstance(right, int):
        if right > 0 and _int_bits(left) + right > MAX_INT_BITS:
            raise DecodeError("shift too large to evaluate")
    elif op is ast.Mult:
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, _SEQUENCES) and isinstance(count, int):
                if len(seq) * max(count, 0) > MAX_SEQUENCE_LEN:
                    raise DecodeError("repeated sequence too long")
        if isinstance(left, int) and isinstance(right, int):
            if _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
                raise DecodeError("product too large to evaluate")
    elif op is ast.Mod and isinstance(left, (str, bytes)):
        raise DecodeError("string formatting with % is not evaluated")
    elif op is ast.Add and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        if len(left) + len(right) > MAX_SEQUENCE_LEN:
            raise DecodeError("concatenation too long")


class SizeBudget:
    """What arithmetic may still create for one output, elements and characters together.

    Each operation is bounded on its own (MAX_SEQUENCE_LEN); the budget bounds them all together,
    so 200 arguments of ``'x' * 1000000`` stop at the second instead of taking 200 MB. Arithmetic is
    the only way a decoded output can be larger than its text (JSON, literals and Java/JavaScript
    source spans are not), so bounding it bounds every decoded value."""

    def __init__(self, limit: int = MAX_DECODED_SIZE) -> None:
        self.left = limit

    def charge(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise DecodeError(
                f"arithmetic in the output creates more than {MAX_DECODED_SIZE:,} elements and characters"
            )


def _result_size(op: type[ast.operator], left: Any, right: Any, limit: int) -> int:
    """Elements and characters a binary operation is about to create, a value repeated by ``*``
    counted once per repetition (``[[0] * 10**6] * 10**6`` is 10**12 to anything that walks it).
    Stops counting past ``limit``."""
    if op is ast.Mult:
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, (str, bytes)) and isinstance(count, int):
                return len(seq) * max(count, 0)
            if isinstance(seq, (list, tuple)) and isinstance(count, int) and count > 0:
                return 1 + count * (decoded_size(seq, limit) - 1)
    if op is ast.Add and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        return decoded_size(left, limit) + decoded_size(right, limit)
    return 1


def _round(*args: Any) -> Any:
    if len(args) == 2 and isinstance(args[1], int) and abs(args[1]) > 1000:
        raise DecodeError("round() precision out of range")
    return round(*args)


# Pure built-ins that models write inside arithmetic; all run in time bounded by their
# already-bounded arguments.
_BUILTINS: dict[str, Callable[..., Any]] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "abs": abs,
    "round": _round,
    "len": len,
    "min": min,
    "max": max,
}


def evaluate(node: ast.AST, budget: SizeBudget | None = None, depth: int = 0) -> Any:
    """Value of a constant expression under Python semantics, or :class:`DecodeError`.

    ``budget`` is shared by every expression of one output (a fresh one when None)."""
    if budget is None:
        budget = SizeBudget()
    if depth > MAX_DEPTH:
        raise DecodeError("expression nested too deeply")
    depth += 1
    try:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BinOp):
            left = evaluate(node.left, budget, depth)
            right = evaluate(node.right, budget, depth)
            op = type(node.op)
            _guard_binary(op, left, right)
            budget.charge(_result_size(op, left, right, budget.left + 1))
            return _check_int(_BINARY[op](left, right))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](evaluate(node.operand, budget, depth))
        if isinstance(node, ast.List):
            return [evaluate(e, budget, depth) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(evaluate(e, budget, depth) for e in node.elts)
        if isinstance(node, ast.Set):
            return {evaluate(e, budget, depth) for e in node.elts}
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise DecodeError("dictionary unpacking is not evaluated")
            return {
                evaluate(k, budget, depth): evaluate(v, budget, depth)  # type: ignore[arg-type]
                for k, v in zip(node.keys, node.values)
            }
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            func = _BUILTINS.get(node.func.id)
            if func is not None and not any(isinstance(a, ast.Starred) for a in node.args):
                result = _check_int(func(*(evaluate(a, budget, depth) for a in node.args)))
                budget.charge(len(result) if isinstance(result, str) else 1)
                return result
    except DecodeError:
        raise
    except (ArithmeticError, TypeError, ValueError, KeyError, IndexError) as exc:
        # The same failures Python itself raises; the official decoder fails on them too.
        raise DecodeError(f"cannot evaluate expression: {exc}") from None
    raise DecodeError(f"only literal arithmetic is evaluated, found {type(node).__name__}")
