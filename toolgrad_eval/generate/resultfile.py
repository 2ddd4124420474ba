"""One BFCL result file being generated: what is already there, and appending lines safely.

A result file is JSON lines, one per entry, in the shape the official checker reads (``id``,
``result``, ``input_token_count``, ``output_token_count``, ``latency``). Generation appends one
line per answered entry, each with a single ``write`` on a file opened for appending, so a
``kill -9`` leaves at most the last line torn, never a line mixed with another.

When generation starts over a file:

* entries with a line are done and are not sent again;
* a torn last line (no newline: the process died while writing it) is dropped; other lines that
  are not entries (not JSON, no id) are left as they are, and the scorer reports them;
* lines recording an error of ours (``"toolgrad_error"``: the retries ran out, the server refused
  the request, the reply was not a completion) are dropped, so that entry is sent again: a failed
  entry is never an answer a resume skips (BFCL-style error lines of other tools,
  ``Error during inference: ...`` without that field, are left as they are);
* a line that is not valid UTF-8 (a lone surrogate written by an older version) is dropped and
  its entry sent again: the file must stay readable by every JSON reader;
* a second line for an id already done is dropped (a line is appended only for an id not done,
  so only an edit or another tool can leave one).

When anything was dropped the file is rewritten atomically (temporary file, then rename) before the
first new line is appended. Nothing is written (no folder, no file, no ``--overwrite`` truncation)
until the first line is appended: a run that fails before its first reply leaves the folder as it was. Once every entry of the category has a line, the file is rewritten in
data order, as the official generator leaves it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from toolgrad_eval.errors import InputFileError
from toolgrad_eval.fileio import atomic_write_text

__all__ = ["ERROR_PREFIX", "MAX_FILE_BYTES", "ResultFile", "error_line"]

ERROR_PREFIX = "Error during inference: "  # how BFCL's generator records an entry it could not get
MAX_FILE_BYTES = 1024 * 1024 * 1024  # a generated file for the largest category is ~10 MB
TRANSPORT, REQUEST = "transport", "request"
_TORN = "unfinished last line"
_NOT_UTF8 = "line that is not valid UTF-8, sent again"


def error_line(entry_id: str, message: str, kind: str) -> dict[str, Any]:
    """The line of an entry that got no reply: BFCL's shape, plus whether a later run retries it
    (``transport``: the server could not be reached or kept failing) or not (``request``: the
    server refused this request, e.g. a prompt over its context length)."""
    return {"id": entry_id, "result": ERROR_PREFIX + message, "toolgrad_error": kind}


@dataclass
class ResultFile:
    path: Path
    done: set[str] = field(default_factory=set)  # ids with a line
    failed: set[str] = field(default_factory=set)  # of them, ids whose line this run records an error
    dropped: dict[str, int] = field(default_factory=dict)  # why lines were dropped when opening
    _lines: dict[str, bytes] = field(default_factory=dict, repr=False)  # id -> its line, as read or written
    _others: list[bytes] = field(default_factory=list, repr=False)  # lines kept that are not a wanted entry
    _fd: int | None = field(default=None, repr=False)
    _pending: list[bytes] | None = field(
        default=None, repr=False
    )  # lines to rewrite the file with before the first append

    @classmethod
    def open(cls, path: Path, wanted: Iterable[str], *, overwrite: bool = False) -> ResultFile:
        """Read what ``path`` holds for the ``wanted`` ids and make it ready to append to."""
        store = cls(Path(path))
        if overwrite:
            store._pending = []
            return store
        wanted_ids = set(wanted)
        kept: list[bytes] = []
        for raw, problem in _read_lines(store.path):
            if problem == _TORN:
                store.dropped[problem] = 1
                continue
            if problem == _NOT_UTF8:
                store.dropped[problem] = store.dropped.get(problem, 0) + 1
                continue
            if problem is not None:
                kept.append(raw)
                store._others.append(raw)
                continue
            record = json.loads(raw)
            entry_id = record["id"]
            if record.get("toolgrad_error") is not None:
                store.dropped["error line, sent again"] = store.dropped.get("error line, sent again", 0) + 1
                continue
            if entry_id in store.done:
                store.dropped["second line for an id"] = store.dropped.get("second line for an id", 0) + 1
                continue
            if entry_id in wanted_ids:
                store.done.add(entry_id)
                store._lines[entry_id] = raw
            else:  # lines of ids the data lacks are not ours to drop
                store._others.append(raw)
            kept.append(raw)
        if store.dropped or not _ends_with_newline(store.path):
            store._pending = kept
        return store

    def append(self, record: dict[str, Any]) -> None:
        """Append one entry's line with a single write (the id must not be done yet)."""
        # strict UTF-8: replies are cleaned of lone surrogates on arrival (endpoints.post_chat), so
        # one left here is a bug to see, not bytes to write into a file every reader rejects
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self.commit()
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        view = memoryview(data)
        while view:  # a regular file takes it in one write; a short write is finished, never lost
            written = os.write(self._fd, view)
            view = view[written:]
        self.done.add(record["id"])
        if record.get("toolgrad_error") is not None:
            self.failed.add(record["id"])
        self._lines[record["id"]] = data.rstrip(b"\n")

    def forget(self, ids: Iterable[str]) -> None:
        """Drop the lines of ``ids`` (their entries are sent again); the file is rewritten without
        them before the next line is appended, as for lines dropped when opening."""
        gone = set(ids) & self.done
        if not gone:
            return
        for entry_id in gone:
            self.done.discard(entry_id)
            self.failed.discard(entry_id)
            self._lines.pop(entry_id, None)
        self._pending = list(self._lines.values()) + self._others
        self.dropped["line of a chain held again"] = self.dropped.get("line of a chain held again", 0) + len(gone)

    def commit(self) -> None:
        """Apply what opening decided (an --overwrite truncation, dropped lines): done before the
        first new line, by this file or by any file of the same run (see generate's runner)."""
        if self._pending is not None:
            self._rewrite(self._pending)
            self._pending = None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def sort_if_complete(self, order: list[str]) -> bool:
        """Rewrite the file in data ``order`` once every id has a line and none is an error; True when
        it is complete."""
        if self.failed or any(entry_id not in self._lines for entry_id in order):
            return False
        self._pending = None  # the rewrite below leaves out what was dropped
        self.close()
        in_order = [self._lines[entry_id] for entry_id in order] + self._others
        if [raw for raw, _ in _read_lines(self.path)] != in_order:
            self._rewrite(in_order)
        return True

    def _rewrite(self, lines: list[bytes]) -> None:
        self.close()
        atomic_write_text(self.path, "".join(raw.decode("utf-8") + "\n" for raw in lines))


def _read_lines(path: Path) -> list[tuple[bytes, str | None]]:
    """Each non-blank line and why it is unusable (None: a JSON object with a string id and a result)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise InputFileError(path, f"cannot read ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise InputFileError(path, f"result file larger than {MAX_FILE_BYTES} bytes; not a generated file")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot read ({exc.strerror or exc})") from None
    pieces = content.split(b"\n")
    torn = pieces.pop()  # after the last newline: empty, or a line a crash cut short
    out: list[tuple[bytes, str | None]] = []
    for raw in pieces:
        if raw.strip():
            out.append((raw.rstrip(b"\r"), _problem(raw)))
    if torn.strip():  # a whole entry without its newline (another tool's file) is kept
        out.append((torn, _problem(torn) and _TORN))
    return out


def _ends_with_newline(path: Path) -> bool:
    """True for an empty or missing file, or one whose last byte is a newline (safe to append to)."""
    try:
        with path.open("rb") as handle:
            if handle.seek(0, os.SEEK_END) == 0:
                return True
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"
    except FileNotFoundError:
        return True


def _problem(raw: bytes) -> str | None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return _NOT_UTF8
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):
        return "line that is not JSON"
    if not isinstance(record, dict) or not isinstance(record.get("id"), str) or "result" not in record:
        return "line without an id and a result"
    return None
