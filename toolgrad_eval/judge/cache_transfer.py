"""Moving verdicts between caches without a request: ``toolgrad-eval cache export`` / ``import``.

An export is JSONL: a header line, then one line per entry exactly as the cache keeps it (key,
format, payload, SHA-256 of the payload), so an entry imported on another machine, or into a
PostgreSQL cache from a local one, is byte for byte the verdict that was paid for and is checked
by the same checksum. Import never replaces an entry the target already has (both are paid
verdicts for the same request; the one there stays) and skips lines that do not check out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from toolgrad_eval.errors import ConfigError, InputFileError
from toolgrad_eval.fileio import atomic_write_lines, loads_bounded, skip_rest_of_line
from toolgrad_eval.judge.cache import JudgmentCache

HEADER = {"toolgrad_eval": "judgment cache export", "format": 1}
_HEADER_MAX = 4096  # bytes of the first line read for the header
_KEY = re.compile(r"[0-9a-f]{64}")
# One exported entry: a judge reply is cut at 1,000,000 characters, which the payload's ASCII escapes
# and the line's own escaping can make about 14 MB at most; a longer line is not an entry we wrote.
MAX_ENTRY_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Exported:
    entries: int
    damaged: int  # entries of the cache that failed their checksum, left out


@dataclass(frozen=True)
class Imported:
    added: int
    already_there: int
    rejected: int  # lines that are not an entry, fail the checksum, hold a malformed record or are too long


def export_cache(cache: JudgmentCache, path: Path, *, replace: bool = False) -> Exported:
    """Every checked-out entry of ``cache`` into ``path``, atomically. Entries are read and written one
    at a time: memory holds the list of keys, never the export (200,000 entries in a few MB)."""
    if path.exists() and not replace:
        raise ConfigError(f"{path}: already exists; choose another file or pass --overwrite")
    counts = {"entries": 0, "damaged": 0}

    def lines() -> Iterator[str]:
        yield json.dumps(HEADER) + "\n"
        for key in sorted(cache.keys()):
            entry = cache.entry(key)
            if entry is None:
                counts["damaged"] += 1
                continue
            counts["entries"] += 1
            yield json.dumps({"key": key, **entry}, sort_keys=True, ensure_ascii=True) + "\n"

    try:
        atomic_write_lines(path, lines())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the export ({exc.strerror or exc})") from None
    return Exported(counts["entries"], counts["damaged"])


def import_cache(cache: JudgmentCache, path: Path, *, max_line: int = MAX_ENTRY_BYTES) -> Imported:
    """Add the entries of an export to ``cache``. Each line is read with a cap of ``max_line`` bytes (a
    longer one is rejected unread, never held whole) and checked as strictly as a judgment just
    received (cache.py: checksum, verdict object, token counts); a line that fails is counted, the
    others go in."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(_HEADER_MAX)
            try:
                header = json.loads(first)
            except ValueError:
                header = None
            if header != HEADER:
                raise InputFileError(
                    path, "not a toolgrad-eval judgment cache export (its first line is not the export header)"
                )
            added = already = rejected = 0
            number = 1
            while line := handle.readline(max_line + 1):
                number += 1
                if len(line) > max_line and not line.endswith(b"\n"):
                    skip_rest_of_line(handle)
                    rejected += 1
                    continue
                if not line.strip():
                    continue
                try:
                    row = loads_bounded(line.decode("utf-8"), f"{path}:{number}")
                except (InputFileError, UnicodeDecodeError):
                    rejected += 1
                    continue
                key = row.get("key") if isinstance(row, dict) else None
                if not isinstance(key, str) or not _KEY.fullmatch(key):
                    rejected += 1
                elif cache.get(key) is not None:
                    already += 1
                elif cache.put_entry(key, row):
                    added += 1
                else:
                    rejected += 1
    except OSError as exc:
        raise InputFileError(path, f"cannot read it ({exc.strerror or exc})") from None
    return Imported(added, already, rejected)
