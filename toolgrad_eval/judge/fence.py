"""Keep untrusted text inside its block of the judge prompt: our block tags written inside it are
neutralised, however they are spelled.

A reader (or an LLM) could take for one of our tags: any case, whitespace around ``/`` or the
name, attributes, a line break before ``>``, a missing ``>``, fullwidth or small forms of ``<``
and ``>``, compatibility forms of the letters (NFKC), invisible format characters (zero-width
spaces, soft hyphens) inside the name, and Cyrillic or Greek letters that look like Latin ones.
The text is never rewritten as a whole (its NFKC form would change the prompt, and so the cache
key, of every sample with a non-breaking space): only the angle brackets of a tag-like span are
replaced by look-alikes (``‹``, ``›``), so the text reads the same but cannot open or close a block.

The work is linear in the text: each ``<``-like character reads a bounded window after it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Sequence

OPEN, CLOSE = "‹", "›"
# Characters whose NFKC form is "<" or ">" (ASCII, fullwidth, small form variants).
_LT = "<\uff1c\ufe64"
_GT = ">\uff1e\ufe65"
_LT_RE = re.compile(f"[{_LT}]")
# Letters that render like the Latin letters of our tag names (a reader cannot tell them apart).
_LOOK_ALIKES = str.maketrans({
    "а": "a", "с": "c", "е": "e", "о": "o", "р": "p", "х": "x", "у": "y", "і": "i", "ѕ": "s", "ԁ": "d",
    "һ": "h", "ј": "j", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ӏ": "l", "ⅼ": "l", "ı": "i", "ո": "n", "ս": "u",
    "α": "a", "ε": "e", "ι": "i", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "ν": "v", "κ": "k",
    "А": "a", "С": "c", "Е": "e", "О": "o", "Р": "p", "Х": "x", "У": "y", "І": "i", "Ѕ": "s", "Ј": "j",
    "Т": "t", "Н": "h", "К": "k", "М": "m", "В": "b", "Α": "a", "Ε": "e", "Ι": "i", "Ο": "o",
    "Ρ": "p", "Τ": "t", "Υ": "y", "Ν": "n", "Κ": "k", "Μ": "m", "Η": "h",
    "‐": "-", "‑": "-", "_": "_", "＿": "_", "﹍": "_", "﹎": "_", "﹏": "_",
})
# How far after "<" a tag name may end, whitespace and invisible characters included. Longer
# padding is not read as a tag by anyone, and the bound keeps the work linear in the text.
WINDOW = 160
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


@functools.lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """One character as a reader sees it: NFKC, look-alikes folded, lower case; format characters
    (zero-width spaces and joiners, soft hyphen, BOM...) are invisible, so they fold to nothing."""
    if unicodedata.category(char) == "Cf":
        return ""
    return unicodedata.normalize("NFKC", char).translate(_LOOK_ALIKES).lower()


def _name_end(text: str, start: int, names: Sequence[str]) -> int | None:
    """When the ``<``-like character at ``start`` opens ``<name`` or ``</name`` (whitespace around
    the ``/`` allowed), the index just after the name; else None. Reads at most WINDOW characters,
    and stops at the first character no tag name can continue with."""
    limit = min(len(text), start + WINDOW)
    prefix, slash, matched = "", False, None
    for index in range(start + 1, limit):
        for char in _fold(text[index]):
            if matched is not None:  # the name is complete: it must not go on ("<assistant_responses")
                return None if char in _NAME_CHARS else matched
            if not prefix and char.isspace():
                continue
            if not prefix and char == "/" and not slash:
                slash = True
                continue
            prefix += char
            live = [n for n in names if n.startswith(prefix)]
            if not live:
                return None
            if prefix in live:
                matched = index + 1
    return matched


def fence(text: str, names: Sequence[str]) -> str:
    """``text`` with every span that reads as ``<name ...>`` or ``</name ...>`` neutralised: its
    ``<`` becomes ``‹`` and the ``>`` that ends it (the first before the next ``<``, if any) ``›``."""
    replaced: dict[int, str] = {}
    for lt in _LT_RE.finditer(text):
        end = _name_end(text, lt.start(), names)
        if end is None:
            continue
        replaced[lt.start()] = OPEN
        for index in range(end, len(text)):  # stops at the next "<": linear over all tags
            if text[index] in _GT:
                replaced[index] = CLOSE
                break
            if text[index] in _LT:
                break
    if not replaced:
        return text
    return "".join(replaced.get(i, c) for i, c in enumerate(text))
