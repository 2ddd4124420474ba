"""Shape checks on decoded output, and conversion to JSON-safe data for reports."""

from __future__ import annotations

import math
from typing import Any


# The most a decoded output may hold, elements and characters together, counting a value reached
# through several references once per reference (``[[0] * 10**6] * 10**6`` is 10**12 elements to
# anything that walks it: a matcher, the score-file writer, a report). Real outputs hold a few
# thousand; the largest seen in published BFCL runs is under 100,000.
MAX_DECODED_SIZE = 2_000_000


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


_CONTAINERS = (list, tuple, dict, set, frozenset)
_SIZED = (str, bytes, *_CONTAINERS)


def decoded_size(value: Any, limit: int = MAX_DECODED_SIZE) -> int:
    """Elements plus characters of ``value``, shared references counted as copies; stops counting
    (returns a number above ``limit``) as soon as the total passes ``limit``.

    Each container is walked once (its size is remembered by identity), so the work is bounded by
    the references that exist in memory, not by the size they stand for.
    """
    sizes: dict[int, int] = {}
    keep: list[Any] = []  # ids stay unique while their objects are alive

    def size(item: Any, depth: int) -> int:
        if isinstance(item, (str, bytes)):
            return 1 + len(item)
        if not isinstance(item, _CONTAINERS):
            return 1
        known = sizes.get(id(item))
        if known is not None:
            return known
        if depth > 1000:
            return limit + 1
        children: Any = [x for kv in item.items() for x in kv] if isinstance(item, dict) else item
        total = 1 + len(children)  # each child counts 1; only strings and containers count more
        # The types present, found at C speed: a list of a million numbers is not walked in Python.
        if any(issubclass(kind, _SIZED) for kind in set(map(type, children))):
            for child in children:
                if isinstance(child, _SIZED):
                    total += size(child, depth + 1) - 1
                    if total > limit:
                        break
        sizes[id(item)] = total
        keep.append(item)
        return total

    return size(value, 0)
