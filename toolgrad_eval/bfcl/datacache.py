"""A cache of parsed BFCL data files, so a run does not parse the same ~8 MB of JSON every time.

Parsing the v4 single-turn questions and answers with :mod:`json` takes ~57 ms, about a sixth of a
whole run; loading the same parsed entries with :mod:`marshal` takes ~19 ms. Entries are cached
per category in ``<user cache>/bfcl/parsed/``:

* The key is a SHA-256 of the question and answer files' *contents* (plus the cache format and
  the Python version, as marshal's format may change between Pythons): an edited, replaced or
  re-fetched data file simply misses. Hashing costs ~5 ms; size and mtime alone could miss an edit.
* Each cache file carries its payload's length and CRC-32, checked before ``marshal.loads``, and
  the loaded value's shape is checked after it: a truncated or corrupted file is rebuilt from the
  JSON, never trusted and never an error.
* ``marshal`` is not meant for untrusted input, so a cache file is read only from a folder and a
  file that belong to the current user and that nobody else can write to (POSIX only; elsewhere
  nothing is cached). Files are written atomically (temporary file + rename).
* Entries of the same source file under older contents are removed when a new one is written,
  and the folder keeps at most :data:`MAX_FILES` entries.

Only data that parsed and validated cleanly is cached; a malformed data file raises every time.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
import sys
import zlib
from pathlib import Path
from typing import Any, Callable

__all__ = ["CachedRows", "MAX_FILES", "load_or_build"]

FORMAT = 1
MAX_FILES = 64
_MAGIC = b"TGBFCL\x00\x01"
_HEADER = len(_MAGIC) + 8 + 4  # magic, payload length, CRC-32 of the payload
_SUFFIX = ".marshal"

# One cached category: (id, question, answer or None) per entry, in data order.
CachedRows = list[tuple[str, dict[str, Any], Any]]


def load_or_build(
    cache_dir: Path | None,
    question_file: Path,
    answer_file: Path | None,
    question_bytes: bytes,
    answer_bytes: bytes | None,
    build: Callable[[], CachedRows],
) -> CachedRows:
    """The cached rows for these file contents, else ``build()`` (cached for next time when possible).

    Errors from ``build`` propagate (nothing is cached); problems with the cache itself never do.
    """
    if cache_dir is None or not hasattr(os, "getuid"):
        return build()
    source = _source_tag(question_file)
    key = _content_key(question_bytes, answer_bytes)
    path = cache_dir / f"{source}-{key}{_SUFFIX}"
    rows = _read(cache_dir, path)
    if rows is not None:
        return rows
    rows = build()
    try:
        _write(cache_dir, path, source, rows)
    except (OSError, ValueError):  # read-only home, full disk, unmarshallable value: just don't cache
        pass
    return rows


def _source_tag(question_file: Path) -> str:
    """Names the source file, so a newer version of it replaces the older cache entry."""
    return hashlib.sha256(os.fsencode(os.path.abspath(question_file))).hexdigest()[:16]


def _content_key(question_bytes: bytes, answer_bytes: bytes | None) -> str:
    digest = hashlib.sha256(
        f"toolgrad-eval bfcl parsed v{FORMAT} py{sys.version_info[:2]} marshal{marshal.version}\n".encode()
    )
    for part in (question_bytes, answer_bytes):
        if part is None:
            digest.update(b"-")
        else:  # length-prefixed, so no two pairs of contents hash alike by shifting bytes between them
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()[:40]


def _private(st: os.stat_result, *, directory: bool) -> bool:
    """Owned by us, of the expected kind, and not writable by group or others."""
    kind_ok = stat.S_ISDIR(st.st_mode) if directory else stat.S_ISREG(st.st_mode)
    return kind_ok and st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(cache_dir: Path, path: Path) -> CachedRows | None:
    try:
        if not _private(os.stat(cache_dir), directory=True):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            if not _private(os.fstat(handle.fileno()), directory=False):
                return None
            blob = handle.read()
    except OSError:
        return None
    if len(blob) < _HEADER or blob[: len(_MAGIC)] != _MAGIC:
        return None
    size = int.from_bytes(blob[len(_MAGIC) : len(_MAGIC) + 8], "big")
    crc = int.from_bytes(blob[len(_MAGIC) + 8 : _HEADER], "big")
    payload = memoryview(blob)[_HEADER:]
    if len(payload) != size or zlib.crc32(payload) != crc:
        return None
    try:
        rows = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return rows if _well_formed(rows) else None


def _well_formed(rows: Any) -> bool:
    return type(rows) is list and all(
        type(r) is tuple and len(r) == 3 and type(r[0]) is str and type(r[1]) is dict for r in rows
    )


def _write(cache_dir: Path, path: Path, source: str, rows: CachedRows) -> None:
    payload = marshal.dumps(rows)
    cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _private(os.stat(cache_dir), directory=True):
        return
    tmp = cache_dir / f".{path.name}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_MAGIC + len(payload).to_bytes(8, "big") + zlib.crc32(payload).to_bytes(4, "big"))
            handle.write(payload)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _prune(cache_dir, source, keep=path)


def _prune(cache_dir: Path, source: str, keep: Path) -> None:
    """Drop older entries of the same source file, then the oldest entries beyond MAX_FILES."""
    entries = []
    for item in cache_dir.glob(f"*{_SUFFIX}"):
        if item == keep:
            continue
        try:
            if item.name.startswith(source + "-"):
                item.unlink()
            else:
                entries.append((item.stat().st_mtime, item))
        except OSError:
            pass
    entries.sort()
    for _, item in entries[: max(0, len(entries) - (MAX_FILES - 1))]:
        try:
            item.unlink()
        except OSError:
            pass
