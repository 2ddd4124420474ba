"""Read one BFCL result file (JSON lines ``{"id": ..., "result": ...}``) without trusting it.

A bad line never stops the run: it becomes a :class:`LineProblem` naming the file and line, and,
when an id can still be read from it, that entry is scored as failed by the runner.

The file is streamed line by line and only what scoring needs is kept: the lines of the ids the
data asks for (a few copies of each), counts of everything else and a few examples. A result
file of millions of lines (a generation loop gone wrong, a file of another tool) costs memory in
proportion to the category, not to the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Collection, Iterator

from toolgrad_eval.errors import InputFileError
from toolgrad_eval.fileio import json_depth_ok

MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 200
MAX_COPIES_KEPT = 5  # copies of one id kept to report its duplicates (all are compared as they pass)
MAX_EXAMPLES_KEPT = 100  # problems and unknown ids kept as examples; the rest are counted
MAX_EXAMPLES_SHOWN = 5  # ids quoted in one warning
# Lines read per wanted id (plus a margin) before the rest of a file is left unread: a BFCL result
# file holds one line per entry, a few more after re-runs; millions of lines are not a result file,
# and reading them all would cost seconds for nothing.
LINES_PER_ENTRY, EXTRA_LINES = 10, 10_000
# Salvage an id from a line that is not valid JSON, so the entry can still be reported by id.
_ID_IN_BROKEN_LINE = re.compile(rb'"id"\s*:\s*"([^"\\]{1,200})"')


@dataclass(frozen=True)
class ResultEntry:
    id: str
    result: Any
    line: int
    latency: float | None
    # Multi-turn and agentic lines time every step (``[[1.2, 0.8], [2.1]]``): BFCL's latency
    # statistics take each one.
    step_latencies: tuple[float, ...] = ()
    # ``toolgrad-eval generate`` wrote this line because the model server could not be reached
    # (``"toolgrad_error": "transport"``): the entry was never asked, and the next generate asks it.
    unsent: bool = False


@dataclass(frozen=True)
class LineProblem:
    line: int
    message: str
    id: str | None  # the entry this line was meant to be, when that can be told


@dataclass
class ResultFileContent:
    copies: dict[str, list[ResultEntry]] = field(default_factory=dict)  # wanted id -> first copies
    n_copies: dict[str, int] = field(default_factory=dict)  # wanted id -> lines holding it
    conflicting: set[str] = field(default_factory=set)  # wanted ids given with different results
    problems: list[LineProblem] = field(default_factory=list)  # examples, and every one with a wanted id
    n_problems: int = 0
    extra_ids: list[str] = field(default_factory=list)  # examples of ids the data lacks
    n_extra_lines: int = 0  # lines holding such ids
    n_entries: int = 0  # lines that parsed to an entry, wanted or not
    stopped_at: int | None = None  # the line after which the file was left unread (too many lines)
    latencies: list[float] = field(default_factory=list)  # of the wanted ids' lines
    unsent: list[str] = field(default_factory=list)  # wanted ids whose line is a generate transport error

    def add(self, entry: ResultEntry, wanted: Collection[str] | None) -> None:
        self.n_entries += 1
        if wanted is not None and entry.id not in wanted:
            self.n_extra_lines += 1
            if len(self.extra_ids) < MAX_EXAMPLES_KEPT and entry.id not in self.extra_ids:
                self.extra_ids.append(entry.id)
            return
        kept = self.copies.setdefault(entry.id, [])
        self.n_copies[entry.id] = self.n_copies.get(entry.id, 0) + 1
        if kept and entry.result != kept[0].result:
            self.conflicting.add(entry.id)
        if len(kept) < MAX_COPIES_KEPT:
            kept.append(entry)
        if entry.unsent and len(kept) == 1:
            self.unsent.append(entry.id)
        if entry.latency is not None:
            self.latencies.append(entry.latency)
        self.latencies.extend(entry.step_latencies)

    def add_problem(self, problem: LineProblem, wanted: Collection[str] | None) -> None:
        self.n_problems += 1
        if len(self.problems) < MAX_EXAMPLES_KEPT or (
            problem.id is not None and wanted is not None and problem.id in wanted
        ):
            self.problems.append(problem)


def read_result_file(path: Path, wanted: Collection[str] | None = None) -> ResultFileContent:
    """Parse every line, keeping the entries of the ``wanted`` ids (all when None); only an
    unreadable file as a whole raises (InputFileError)."""
    content = ResultFileContent()
    max_lines = None if wanted is None else LINES_PER_ENTRY * len(wanted) + EXTRA_LINES
    try:
        with path.open("rb") as handle:
            for lineno, line in _lines(handle):
                if max_lines is not None and lineno > max_lines:
                    content.stopped_at = max_lines
                    break
                if not line.strip():
                    continue
                entry, problem = _parse_line(line, lineno)
                if entry is not None:
                    content.add(entry, wanted)
                if problem is not None:
                    content.add_problem(problem, wanted)
    except OSError as exc:
        raise InputFileError(path, f"cannot read ({exc.strerror or exc})") from None
    return content


def _lines(handle: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Numbered lines; a line longer than MAX_LINE_BYTES is yielded as its first MAX_LINE_BYTES + 1
    bytes (which marks it too long) and the rest of it is skipped without being held in memory."""
    lineno = 0
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        lineno += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while True:
                rest = handle.readline(1024 * 1024)
                if not rest or rest.endswith(b"\n"):
                    break
        yield lineno, line


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
        return None, LineProblem(
            lineno, f"malformed JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}", _salvage_id(line)
        )
    except RecursionError:
        return None, LineProblem(lineno, "JSON nested too deeply", _salvage_id(line))
    if not isinstance(record, dict):
        return None, LineProblem(lineno, f"expected a JSON object, got {type(record).__name__}", None)
    entry_id = record.get("id")
    if not isinstance(entry_id, str):
        return None, LineProblem(lineno, 'no string "id"', None)
    if "result" not in record:
        return None, LineProblem(lineno, 'no "result"', entry_id)
    latency = record.get("latency")
    steps: tuple[float, ...] = ()
    if isinstance(latency, list) and all(isinstance(turn, list) for turn in latency):
        steps = tuple(float(x) for turn in latency for x in turn if _is_number(x))
    single = float(latency) if isinstance(latency, (int, float)) and not isinstance(latency, bool) else None
    unsent = record.get("toolgrad_error") == "transport"
    return ResultEntry(entry_id, record["result"], lineno, single, steps, unsent), None


def unsent_warnings(where: object, content: ResultFileContent) -> list[str]:
    """A line saying how many entries ``toolgrad-eval generate`` never got an answer for: they fail,
    as BFCL fails an ``Error during inference`` line, but the score is not the model's until they are sent."""
    if not content.unsent:
        return []
    n, examples = len(content.unsent), ", ".join(content.unsent[:MAX_EXAMPLES_SHOWN])
    more = f", ... ({n} in all)" if n > MAX_EXAMPLES_SHOWN else ""
    return [
        f"{where}: {n} entr{'y' if n == 1 else 'ies'} never reached the model (generate could not get a reply: "
        f"{examples}{more}); they count as failures: run `toolgrad-eval generate` again to send them"
    ]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
