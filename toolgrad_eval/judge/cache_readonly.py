"""A judgment cache in a folder this process cannot write (a read-only mount, a team's shared
cache owned by another user): its verdicts are still read, so a re-run whose every verdict is
cached needs no write access. A run that needs a new judgment stops before its first request
(``JudgmentCache.open(writing=True)``): a paid verdict that cannot be stored would be paid again.

diskcache cannot open such a folder (it creates its tables and settings on open), so the database
is read through sqlite's read-only mode, and the values are decoded by diskcache's own ``Disk``
(the same code that wrote them).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterator


class ReadOnlyCache:
    """The read side of ``diskcache.Cache`` that ``JudgmentCache`` uses: get, iterkeys, len."""

    def __init__(self, directory: Path) -> None:
        import diskcache

        database = directory / "cache.db"
        if not database.is_file():
            raise FileNotFoundError(2, "no cache.db to read", str(database))
        self._uri = database.resolve().as_uri()
        # One connection per thread and process, as diskcache keeps them (workers are threads, and
        # samples are prepared in forked processes: a connection must not cross a fork).
        self._local = threading.local()
        self._mode = "mode=ro"  # reads a write-ahead log left beside the file, when sqlite may open it
        try:
            self._query("SELECT count(*) FROM Cache")
        except sqlite3.OperationalError:
            # Not even the log's index can be made here: read the file as it is (a cache closed
            # cleanly has every entry in it).
            self._local.con, self._mode = None, "immutable=1"
            self._query("SELECT count(*) FROM Cache")
        self._disk = diskcache.Disk(str(directory))

    def _query(self, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
        if getattr(self._local, "pid", None) != os.getpid():
            self._local.pid, self._local.con = os.getpid(), None
        if self._local.con is None:
            self._local.con = sqlite3.connect(f"{self._uri}?{self._mode}", uri=True)
        rows: list[tuple[Any, ...]] = self._local.con.execute(sql, parameters).fetchall()
        return rows

    def get(self, key: str, default: Any = None, retry: bool = False) -> Any:
        rows = self._query("SELECT mode, filename, value FROM Cache WHERE key = ? AND raw = 1", key)
        return self._disk.fetch(*rows[0], read=False) if rows else default

    def iterkeys(self) -> Iterator[str]:
        yield from (key for (key,) in self._query("SELECT key FROM Cache WHERE raw = 1 ORDER BY rowid"))

    def __len__(self) -> int:
        return int(self._query("SELECT count(*) FROM Cache")[0][0])

    def set(self, *args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    delete = set

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None and getattr(self._local, "pid", None) == os.getpid():
            con.close()
        self._local.con = None
