"""Reading a converted answer file one query at a time, so that one bad entry costs one query.

ToolEval's converted files are one JSON object, ``{query_id: entry}``. Read whole, one entry
nested past the JSON depth limit (a chain of about 100 nodes: each node adds two levels) or one
huge final answer made the whole file, every query of the test set, unreadable. Here the top
level is scanned as a stream of bytes: each entry's text is cut out by matching brackets (strings
skipped), bounded in bytes and depth, and parsed alone; an entry over a bound, or unreadable, is
a problem of that query only. Memory stays within one entry (``MAX_ENTRY_BYTES``) plus a chunk.
A file that breaks at its top level keeps the entries read before the break.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Collection

from toolgrad_eval.toolbench.answers import MAX_STEPS

MAX_ENTRY_BYTES = 32 * 1024 * 1024  # one query's entry
MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024  # a converted file (scanned, never held whole)
MAX_DEPTH = 2 * (MAX_STEPS + 2) + 16  # a chain of MAX_STEPS nodes under its entry (two levels per node)
_MAX_KEY_BYTES = 1000
_CHUNK = 1 << 20
_IN_STRING = re.compile(rb'["\\]')
_STRUCTURE = re.compile(rb'["\[\]{}]')
_SCALAR_END = re.compile(rb"[,}\]\s]")
_SPACE = b" \t\r\n"


@dataclass
class Entries:
    """The wanted entries read (query id -> parsed JSON), the ones that could not be, and a problem
    of the file itself (the entries after it are unknown)."""

    values: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    file_problem: str | None = None


def read_entries(path: Path, wanted: Collection[str]) -> Entries:
    out = Entries()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            out.file_problem = f"{path}: file is larger than {MAX_FILE_BYTES} bytes"
            return out
        with path.open("rb") as handle:
            _Scanner(handle).read(wanted, out)
    except OSError as exc:
        out.file_problem = f"{path}: cannot read ({exc.strerror or exc})"
    except ValueError as exc:
        out.file_problem = f"{path}: {exc}" + (f" (after {len(out.values)} readable entries)" if out.values else "")
    return out


class _Scanner:
    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.buf = b""
        self.pos = 0
        self.offset = 0  # bytes of the file before buf

    # --- the top level: {"key": value, ...} -----------------------------------------------------

    def read(self, wanted: Collection[str], out: Entries) -> None:
        if self._peek() == b"\xef" and self._take(3) != b"\xef\xbb\xbf":
            raise ValueError("not valid UTF-8")
        self._space()
        if self._take_one() != b"{":
            raise ValueError("expected an object keyed by query id")
        self._space()
        if self._peek() == b"}":
            return
        while True:
            self._space()
            key_bytes, _depth, _too_big = self._value(_MAX_KEY_BYTES)
            try:
                key = json.loads(key_bytes) if key_bytes is not None else None
            except ValueError:
                key = None
            if not isinstance(key, str):
                raise ValueError(f"malformed JSON: a query id near byte {self._where()} is not a string")
            self._space()
            if self._take_one() != b":":
                raise ValueError(f"malformed JSON: expected ':' near byte {self._where()}")
            self._space()
            text, depth, too_big = self._value(MAX_ENTRY_BYTES)
            if key in wanted:
                self._keep(key, text, depth, too_big, out)
            self._space()
            following = self._take_one()
            if following == b"}":
                return
            if following != b",":
                raise ValueError(f"malformed JSON: expected ',' or '}}' near byte {self._where()}")

    def _keep(self, key: str, text: bytes | None, depth: int, too_big: int, out: Entries) -> None:
        out.values.pop(key, None)  # a repeated key: the last one counts, as in json.loads
        out.problems.pop(key, None)
        where = f"query {key[:50]}"
        if text is None:
            out.problems[key] = f"{where}: its entry is larger than {MAX_ENTRY_BYTES} bytes ({too_big:,} bytes)"
        elif depth > MAX_DEPTH:
            out.problems[key] = (
                f"{where}: its entry nests {depth} levels deep, more than {MAX_DEPTH} (a chain of over {MAX_STEPS} steps)"
            )
        else:
            try:
                out.values[key] = json.loads(text)
            except RecursionError:
                out.problems[key] = f"{where}: its entry nests too deep"
            except ValueError as exc:  # JSONDecodeError, bad UTF-8, an integer too long to convert
                out.problems[key] = f"{where}: unreadable JSON ({str(exc)[:200]})"

    # --- one value, cut out by its brackets --------------------------------------------------------

    def _value(self, limit: int) -> tuple[bytes | None, int, int]:
        """(its bytes, or None past ``limit``; its deepest nesting; its size in bytes)."""
        kept = bytearray()
        size = 0
        keep = True
        depth = deepest = 0
        in_string = escaped = False
        first = self._peek()  # may read the next chunk: the value starts after it
        start = self.pos
        if first == b"":
            raise ValueError("unexpected end of file")
        if first not in b'{["':  # a number, true, false or null
            while True:
                match = _SCALAR_END.search(self.buf, self.pos)
                if match is not None:
                    self.pos = match.start()
                    break
                kept += self.buf[start:]
                if not self._more():
                    break
                start = 0
            kept += self.buf[start : self.pos]
            if len(kept) > limit:
                return None, 0, len(kept)
            return bytes(kept), 0, len(kept)
        while True:
            if escaped and self.pos < len(self.buf):  # the character after a backslash that ended a chunk
                self.pos += 1
                escaped = False
            match = (_IN_STRING if in_string else _STRUCTURE).search(self.buf, self.pos)
            if match is None:
                size += len(self.buf) - start
                if keep:
                    kept += self.buf[start:]
                    keep = len(kept) <= limit
                    if not keep:
                        kept = bytearray()
                if not self._more():
                    raise ValueError("unexpected end of file inside a value")
                start = 0
                continue
            char = match.group()
            self.pos = match.end()
            if in_string:
                if char == b"\\":
                    if self.pos < len(self.buf):
                        self.pos += 1
                    else:
                        escaped = True
                    continue
                in_string = False
                if depth == 0:
                    break
            elif char == b'"':
                in_string = True
            elif char in b"[{":
                depth += 1
                deepest = max(deepest, depth)
            else:
                depth -= 1
                if depth == 0:
                    break
        size += self.pos - start
        if keep:
            kept += self.buf[start : self.pos]
        if not keep or len(kept) > limit:
            return None, deepest, size
        return bytes(kept), deepest, size

    # --- bytes ---------------------------------------------------------------------------------------

    def _more(self) -> bool:
        """Replace the buffer, every byte of which has been consumed, with the next chunk."""
        chunk = self.handle.read(_CHUNK)
        self.offset += len(self.buf)
        self.buf, self.pos = chunk, 0
        return bool(chunk)

    def _peek(self) -> bytes:
        if self.pos >= len(self.buf) and not self._refill():
            return b""
        return self.buf[self.pos : self.pos + 1]

    def _refill(self) -> bool:
        self.offset += self.pos
        chunk = self.handle.read(_CHUNK)
        self.buf, self.pos = self.buf[self.pos :] + chunk, 0
        return bool(self.buf)

    def _take_one(self) -> bytes:
        char = self._peek()
        self.pos += len(char)
        return char

    def _take(self, n: int) -> bytes:
        while len(self.buf) - self.pos < n and self.handle.readable():
            before = len(self.buf) - self.pos
            self._refill()
            if len(self.buf) - self.pos == before:
                break
        taken = self.buf[self.pos : self.pos + n]
        self.pos += len(taken)
        return taken

    def _space(self) -> None:
        while True:
            char = self._peek()
            if char == b"" or char not in _SPACE:
                return
            self.pos += 1

    def _where(self) -> int:
        return self.offset + self.pos
