"""Shape checks on decoded output, and conversion to JSON-safe data for reports."""

from __future__ import annotations

import math
from typing import Any


def is_call_list(decoded: Any) -> bool:
    """True for ``[{name: {...}}, ...]`` (one name per item, arguments a dict); ``[]`` included.

    The official checker fails anything else as ``ast_decoder:decoder_wrong_output_format``.
    """
    return type(decoded) is list and all(
        type(item) is dict and len(item) == 1 and type(next(iter(item.values()))) is dict for item in decoded
    )


def is_empty_output(decoded: Any) -> bool:
    """The official relevance rule: no call at all (also ``[{}]`` and malformed shapes)."""
    if not is_call_list(decoded) or len(decoded) == 0:
        return True
    return len(decoded) == 1 and len(decoded[0]) == 0


def json_safe(value: Any, depth: int = 0) -> Any:
    """A copy that ``json.dumps(..., allow_nan=False)`` accepts: tuples and sets become lists,
    keys and unusual scalars (bytes, complex, non-finite floats) become their ``repr``."""
    if depth > 500:
        return "..."
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {(k if isinstance(k, str) else repr(k)): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return [json_safe(v, depth + 1) for v in sorted(value, key=repr)]
    return repr(value)
