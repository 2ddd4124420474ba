"""FunctionGemma's call syntax, read as FunctionGemmaHandler (bfcl-eval 2026.3.23) reads it.

The model writes ``<start_function_call>call:NAME{key:value,...}<end_function_call>``, strings
between ``<escape>`` markers. The handler reads each block's argument text with a small state
machine rather than a grammar, so malformed text still gives a value; the rules it follows, which
decide verdicts and are reproduced here:

* Characters accumulate into a pending word until one of ``{ } [ ] : ,``; the word (stripped, if not
  empty) is then a value: ``null``/``true``/``false``, an integer, a float, else the text.
  ``<escape>...<escape>`` is a string value as written (unclosed: the rest of the text, marker
  included).
* ``{`` and ``[`` open a container added to the current one; ``}`` and ``]`` close the innermost
  container whichever it is (never the outermost list), and ``}`` also drops the innermost pending
  key slot even when it closes a list. ``:`` makes the last value the key of the innermost object
  (as text: ``true`` becomes ``"True"``; ``null`` makes no key); ``,`` forgets it.
* Inside an object, a value with no key becomes the pending key; a keyed value fills the slot.
* The arguments are the first value if it is an object, else ``{}``. A block without ``{`` is a
  call without arguments; one not starting with ``call:`` is skipped.
"""

from __future__ import annotations

from typing import Any

from toolgrad_eval.bfcl.decode.errors import DecodeError
from toolgrad_eval.bfcl.decode.json_families import text_of
from toolgrad_eval.bfcl.decode.tags import tagged_blocks

ESCAPE = "<escape>"
MAX_DEPTH = 500  # deeper values would exhaust the recursion limit of whatever compares them later
_MAX_INT_DIGITS = 4300  # Python's own limit on int() of text (3.11+); longer numbers are read as floats
_STRUCTURE = frozenset("{[:]},")


def decode_functiongemma(result: Any) -> list[dict[Any, Any]]:
    calls: list[dict[Any, Any]] = []
    for block in tagged_blocks(text_of(result), "<start_function_call>", "<end_function_call>"):
        block = block.strip()
        if not block.startswith("call:"):
            continue
        brace = block.find("{")
        if brace < 0:
            calls.append({block[len("call:") :].strip(): {}})
        else:
            calls.append({block[len("call:") : brace].strip(): _arguments(block[brace:])})
    return calls


def _primitive(word: str) -> Any:
    if word in ("null", "true", "false"):
        return {"null": None, "true": True, "false": False}[word]
    if len(word) <= _MAX_INT_DIGITS:
        try:
            return int(word)
        except ValueError:
            pass
    try:
        return float(word)
    except ValueError:
        return word


class _Reader:
    """The handler's state: open containers, one key slot per object opened, the pending key."""

    def __init__(self) -> None:
        self.root: list[Any] = []
        self.open: list[Any] = [self.root]
        self.slots: list[Any] = []
        self.pending: Any = None

    def add(self, value: Any) -> None:
        container = self.open[-1]
        if isinstance(container, list):
            container.append(value)
        elif self.slots and self.slots[-1] is not None:
            container[self.slots[-1]] = value
            self.slots[-1] = None
        else:
            self.pending = value

    def structure(self, char: str) -> None:
        if char in "{[":
            if len(self.open) > MAX_DEPTH:
                raise DecodeError("FunctionGemma arguments nested too deeply")
            container: Any = {} if char == "{" else []
            self.add(container)
            self.open.append(container)
            if char == "{":
                self.slots.append(None)
        elif char in "}]":
            if len(self.open) > 1:
                self.open.pop()
                if char == "}" and self.slots:
                    self.slots.pop()
        elif char == ":":
            if self.pending is not None and isinstance(self.open[-1], dict) and self.slots:
                self.slots[-1] = str(self.pending)
        self.pending = None  # every structural character ends the pending key, ":" by using it


def _arguments(text: str) -> Any:
    reader = _Reader()
    word: list[str] = []

    def flush() -> None:
        value = "".join(word).strip()
        word.clear()
        if value:
            reader.add(_primitive(value))

    position = 0
    while position < len(text):
        if text.startswith(ESCAPE, position):
            start = position + len(ESCAPE)
            end = text.find(ESCAPE, start)
            flush()
            reader.add(text[position:] if end < 0 else text[start:end])
            position = len(text) if end < 0 else end + len(ESCAPE)
            continue
        char = text[position]
        if char in _STRUCTURE:
            flush()
            reader.structure(char)
        else:
            word.append(char)
        position += 1
    flush()
    first = reader.root[0] if reader.root else None
    return first if isinstance(first, dict) else {}
