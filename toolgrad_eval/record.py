"""Run records: the single source of truth for one evaluated model on one benchmark.

A run record is a folder holding ``summary.json`` (one object: provenance, the benchmark's
numbers and how they were obtained) and ``per_sample.jsonl`` (one object per sample), written
atomically, rows first. Their fields are defined once, in :mod:`toolgrad_eval.record_schema`
(pydantic models), published as ``docs/run-record.schema.json``: the judged benchmarks' runners build
their part of the summary as those models (``RecordPart.record()`` is what they hand here), BFCL's as
the pydantic-free ``bfcl/record_summary.BfclRecordSummary`` (see record_schema.py's docstring).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import shlex
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping

from toolgrad_eval import __version__
from toolgrad_eval.fileio import atomic_write_text, remove_stale_temporaries
from toolgrad_eval.conninfo import redact_conninfo

SCHEMA = "toolgrad-eval/run/v1"
SUMMARY_FILE = "summary.json"
PER_SAMPLE_FILE = "per_sample.jsonl"

_SECRET_FLAGS = ("--api-key", "--api_key", "--openai-api-key")


def redacted_command(argv: Iterable[str] | None = None) -> str:
    """The command line as typed, with the value of any key-like option replaced."""
    args = list(sys.argv if argv is None else argv)
    out: list[str] = []
    hide_next = False
    for arg in args:
        if hide_next:
            out.append("***")
            hide_next = False
            continue
        name, eq, _ = arg.partition("=")
        if name in _SECRET_FLAGS:
            if eq:
                out.append(f"{name}=***")
            else:
                out.append(arg)
                hide_next = True
            continue
        if arg.startswith("sk-"):
            out.append("***")
            continue
        out.append(redact_conninfo(arg))  # a --cache-url password too
    if out:
        out[0] = Path(out[0]).name
    return shlex.join(out)


def provenance() -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "tool_version": __version__,
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": redacted_command(),
    }


def refuse_other_models_record(output: Path, benchmark: str, model: str, overwrite: bool) -> None:
    """A run-record folder holding another model's record (an --output shared by mistake, two names
    that used to map to one folder) is not replaced without --overwrite."""
    try:
        existing = json.loads((output / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or unreadable: nothing worth keeping
        return
    if not isinstance(existing, dict) or overwrite:
        return
    other, other_benchmark = existing.get("model"), existing.get("benchmark")
    if isinstance(other, str) and (other, other_benchmark) != (model, benchmark):
        from toolgrad_eval.errors import ConfigError

        raise ConfigError(
            f"{output}: holds the {other_benchmark} run record of {other!r}; not replacing it with "
            f"{model!r}'s (choose another --output, or pass --overwrite)"
        )


# Judged benchmarks: their records (built as record_schema.py's models) are checked as a whole, with the
# provenance and rows, before they are written. BFCL's are not: pydantic's import would cost every BFCL
# scoring run about 0.1 s; its summary is built as bfcl/record_summary.py's dataclass, whose keys a test
# holds equal to the model's, and readers check it when they load it (leaderboard/runs.py).
CHECKED_AT_WRITE = ("toolgrad5k", "toolbench")


def write_run_record(output: Path, summary: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]) -> None:
    """Serialise both files first (a value JSON cannot hold fails before anything is replaced),
    then write the rows, then the summary, so a summary never points at missing rows. The summary
    carries the rows' SHA-256: a crash between the two writes leaves new rows beside the old
    summary, which readers can tell (``leaderboard.runs.load_run`` hashes the rows it reads). A
    judged benchmark's record that the record schema refuses (record_schema.py, the one
    definition) is not written: a ToolgradError."""
    rows = list(rows)
    rows_text = "".join(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n" for row in rows)
    full = {**provenance(), **summary, "per_sample_sha256": _digest(rows_text)}
    if full.get("benchmark") in CHECKED_AT_WRITE:
        _check(output, full, rows)
    summary_text = json.dumps(full, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    for name, text in ((PER_SAMPLE_FILE, rows_text), (SUMMARY_FILE, summary_text)):
        remove_stale_temporaries(output / name)
        atomic_write_text(output / name, text)


def _check(output: Path, summary: dict[str, Any], rows: list[Mapping[str, Any]]) -> None:
    from toolgrad_eval.errors import ToolgradError
    from toolgrad_eval.record_schema import row_problems, summary_problems

    problems = summary_problems(summary)
    for number, row in enumerate(rows, start=1):
        if problems:
            break
        problems = [f"{PER_SAMPLE_FILE} row {number}: {p}" for p in row_problems(summary["benchmark"], dict(row))]
    if problems:
        raise ToolgradError(
            f"{output}: the run record does not match its schema ({'; '.join(problems)}), so it was not written "
            "(paid judgments are in the cache: running again costs nothing)"
        )


def _digest(rows_text: str) -> str:
    return hashlib.sha256(rows_text.encode("utf-8")).hexdigest()
