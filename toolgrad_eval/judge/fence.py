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
_GT_OR_LT_RE = re.compile(f"[{_LT}{_GT}]")
# Letters that render like the Latin letters of our tag names (a reader cannot tell them apart).
_LOOK_ALIKES = str.maketrans(
    {
        "а": "a",
        "с": "c",
        "е": "e",
        "о": "o",
        "р": "p",
        "х": "x",
        "у": "y",
        "і": "i",
        "ѕ": "s",
        "ԁ": "d",
        "һ": "h",
        "ј": "j",
        "ԛ": "q",
        "ԝ": "w",
        "ɡ": "g",
        "ӏ": "l",
        "ⅼ": "l",
        "ı": "i",
        "ո": "n",
        "ս": "u",
        "α": "a",
        "ε": "e",
        "ι": "i",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "ν": "v",
        "κ": "k",
        "А": "a",
        "С": "c",
        "Е": "e",
        "О": "o",
        "Р": "p",
        "Х": "x",
        "У": "y",
        "І": "i",
        "Ѕ": "s",
        "Ј": "j",
        "Т": "t",
        "Н": "h",
        "К": "k",
        "М": "m",
        "В": "b",
        "Α": "a",
        "Ε": "e",
        "Ι": "i",
        "Ο": "o",
        "Ρ": "p",
        "Τ": "t",
        "Υ": "y",
        "Ν": "n",
        "Κ": "k",
        "Μ": "m",
        "Η": "h",
        "‐": "-",
        "‑": "-",
        "_": "_",
        "＿": "_",
        "﹍": "_",
        "﹎": "_",
        "﹏": "_",
    }
)
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


@functools.lru_cache(maxsize=8)
def _prefixes(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(name[:i] for name in names for i in range(1, len(name) + 1))


def _name_end(text: str, start: int, limit: int, names: tuple[str, ...]) -> tuple[int | None, int]:
    """When the ``<``-like character at ``start`` opens ``<name`` or ``</name`` (whitespace around
    the ``/`` allowed), the index just after the name (else None), and how many characters were read
    to tell. Reads no further than ``limit``, and stops at the first character no tag name can
    continue with."""
    prefixes = _prefixes(names)
    prefix, slash, matched = "", False, None
    for index in range(start + 1, limit):
        char = text[index]
        for folded in char.lower() if char < "\x80" else _fold(char):
            if matched is not None:  # the name is complete: it must not go on ("<assistant_responses")
                return (None if folded in _NAME_CHARS else matched), index - start
            if not prefix and folded.isspace():
                continue
            if not prefix and folded == "/" and not slash:
                slash = True
                continue
            prefix += folded
            if prefix not in prefixes:
                return None, index - start
            if prefix in names:
                matched = index + 1
    return matched, limit - start


@functools.lru_cache(maxsize=8)
def _folded_tag(names: tuple[str, ...]) -> re.Pattern[str]:
    # The rule of _name_end as one C-speed pass over the text folded character for character
    # (format characters folded to NUL, allowed anywhere in a tag).
    # "(?=(X))\1" takes a whole run at once and never gives part of it back (an atomic group that
    # Python 3.10 can spell), so "<" and 40,000 spaces cost one pass, not one retry per space.
    spelled = ["\x00*".join(map(re.escape, name)) for name in names]
    return re.compile(
        r"<(?=([\s\x00]*))\1(?:/(?=([\s\x00]*))\2)?(?:" + "|".join(spelled) + r")(?!\x00*[a-z0-9_-])", re.IGNORECASE
    )


def _tags(text: str, names: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end of name) of every tag-like span."""
    if not text.isascii():
        # Fold each distinct character once; the text keeps its length, so positions carry over.
        table: dict[int, str] = {}
        for char in set(text):
            if char < "\x80":
                continue
            folded = _fold(char)
            if len(folded) > 1:  # an expansion (a ligature such as "ﬆ"): the general path
                return _lookalike_tags(text, names)
            if folded == "" or folded < "\x80":
                table[ord(char)] = folded or "\x00"
        text = text.translate(table)
    return [(m.start(), m.end()) for m in _folded_tag(names).finditer(text)]


def _lookalike_tags(text: str, names: tuple[str, ...]) -> list[tuple[int, int]]:
    """``_tags`` for any text: each "<"-like character reads a bounded window, folding as it goes."""
    found = []
    for lt in _LT_RE.finditer(text):
        end, _read = _name_end(text, lt.start(), min(len(text), lt.start() + WINDOW), names)
        if end is not None:
            found.append((lt.start(), end))
    return found


def fence(text: str, names: Sequence[str]) -> str:
    """``text`` with every span that reads as ``<name ...>`` or ``</name ...>`` neutralised: its
    ``<`` becomes ``‹`` and the ``>`` that ends it (the first before the next ``<``, if any) ``›``."""
    tags = _tags(text, tuple(names))
    if not tags:
        return text
    pieces: list[str] = []
    done = 0  # text[:done] is in pieces
    for start, end in tags:
        pieces += [text[done:start], OPEN]
        done = start + 1
        close = _GT_OR_LT_RE.search(text, end)  # stops at the next "<": linear over all tags
        if close is not None and close.group() in _GT:
            pieces += [text[done : close.start()], CLOSE]
            done = close.end()
    pieces.append(text[done:])
    return "".join(pieces)
