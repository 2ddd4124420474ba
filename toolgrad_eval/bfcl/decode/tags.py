"""Blocks between tags in model output, found in one pass.

A lazy regular expression (``<tag>(.*?)</tag>``) retried at every opening tag scans to the end of
the text once per unclosed tag: a megabyte of ``<tool_call>`` is about 10**10 steps. Here each
opening tag looks for the nearest closing tag once, and an opening tag with no closing tag after it
ends the search (no later one can be closed either), so every character is scanned at most twice.
"""

from __future__ import annotations

from typing import Iterator


def tagged_blocks(text: str, start: str, end: str) -> Iterator[str]:
    """The texts between ``start`` and the nearest ``end`` after it, left to right (what
    ``re.findall(start + "(.*?)" + end, text, re.DOTALL)`` finds)."""
    position = 0
    while (opened := text.find(start, position)) >= 0:
        closed = text.find(end, opened + len(start))
        if closed < 0:
            return
        yield text[opened + len(start) : closed]
        position = closed + len(end)
