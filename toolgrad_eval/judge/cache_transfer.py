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

from toolgrad_eval.errors import ConfigError, InputFileError
from toolgrad_eval.fileio import atomic_write_text, loads_bounded
from toolgrad_eval.judge.cache import JudgmentCache

HEADER = {"toolgrad_eval": "judgment cache export", "format": 1}
_KEY = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Exported:
    entries: int
    damaged: int  # entries of the cache that failed their checksum, left out


@dataclass(frozen=True)
class Imported:
    added: int
    already_there: int
    rejected: int  # lines that are not an entry or fail the checksum


def export_cache(cache: JudgmentCache, path: Path, *, replace: bool = False) -> Exported:
    if path.exists() and not replace:
        raise ConfigError(f"{path}: already exists; choose another file or pass --overwrite")
    lines, damaged = [json.dumps(HEADER) + "\n"], 0
    for key in sorted(cache.keys()):
        entry = cache.entry(key)
        if entry is None:
            damaged += 1
            continue
        lines.append(json.dumps({"key": key, **entry}, sort_keys=True, ensure_ascii=True) + "\n")
    try:
        atomic_write_text(path, "".join(lines))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the export ({exc.strerror or exc})") from None
    return Exported(len(lines) - 1, damaged)


def import_cache(cache: JudgmentCache, path: Path) -> Imported:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            first = handle.readline()
            try:
                header = json.loads(first)
            except ValueError:
                header = None
            if header != HEADER:
                raise InputFileError(
                    path, "not a toolgrad-eval judgment cache export (its first line is not the export header)"
                )
            added = already = rejected = 0
            for number, line in enumerate(handle, start=2):
                if not line.strip():
                    continue
                try:
                    row = loads_bounded(line, f"{path}:{number}")
                except InputFileError:
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
