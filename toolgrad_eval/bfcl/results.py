"""Read one BFCL result file (JSON lines ``{"id": ..., "result": ...}``) without trusting it.

A bad line never stops the run: it becomes a :class:`LineProblem` naming the file and line, and,
when an id can still be read from it, that entry is scored as failed by the runner.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolgrad_eval.errors import InputFileError
from toolgrad_eval.fileio import json_depth_ok

MAX_RESULT_FILE_BYTES = 1024 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 200
# Salvage an id from a line that is not valid JSON, so the entry can still be reported by id.
_ID_IN_BROKEN_LINE = re.compile(rb'"id"\s*:\s*"([^"\\]{1,200})"')


@dataclass(frozen=True)
class ResultEntry:
    id: str
    result: Any
    line: int
    record: dict[str, Any]  # the whole line (latency, token counts...)


@dataclass(frozen=True)
class LineProblem:
    line: int
    message: str
    id: str | None  # the entry this line was meant to be, when that can be told


@dataclass(frozen=True)
class ResultFileContent:
    entries: list[ResultEntry]
    problems: list[LineProblem]


def read_result_file(path: Path) -> ResultFileContent:
    """Parse every line; only an unreadable file as a whole raises (InputFileError)."""
    try:
        size = path.stat().st_size
        if size > MAX_RESULT_FILE_BYTES:
            raise InputFileError(path, f"file is larger than {MAX_RESULT_FILE_BYTES} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot read ({exc.strerror or exc})") from None
    entries: list[ResultEntry] = []
    problems: list[LineProblem] = []
    for lineno, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            continue
        entry, problem = _parse_line(line, lineno)
        if entry is not None:
            entries.append(entry)
        if problem is not None:
            problems.append(problem)
    return ResultFileContent(entries, problems)


def _salvage_id(line: bytes) -> str | None:
    m = _ID_IN_BROKEN_LINE.search(line)
    return m.group(1).decode("utf-8", "replace") if m else None


def _parse_line(line: bytes, lineno: int) -> tuple[ResultEntry | None, LineProblem | None]:
    if len(line) > MAX_LINE_BYTES:
        return None, LineProblem(lineno, f"line longer than {MAX_LINE_BYTES} bytes", _salvage_id(line[:4096]))
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, LineProblem(lineno, f"not valid UTF-8 (byte {exc.start})", _salvage_id(line))
    # Counting brackets is a cheap upper bound on nesting; only suspicious lines get the full scan.
    if line.count(b"[") + line.count(b"{") > MAX_DEPTH and not json_depth_ok(text, MAX_DEPTH):
        return None, LineProblem(lineno, f"JSON nested deeper than {MAX_DEPTH} levels", _salvage_id(line))
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, LineProblem(lineno, f"malformed JSON ({exc.msg} at column {exc.colno})", _salvage_id(line))
    except RecursionError:
        return None, LineProblem(lineno, "JSON nested too deeply", _salvage_id(line))
    if not isinstance(record, dict):
        return None, LineProblem(lineno, f"expected a JSON object, got {type(record).__name__}", None)
    entry_id = record.get("id")
    if not isinstance(entry_id, str):
        return None, LineProblem(lineno, 'no string "id"', None)
    if "result" not in record:
        return None, LineProblem(lineno, 'no "result"', entry_id)
    return ResultEntry(entry_id, record["result"], lineno, record), None
