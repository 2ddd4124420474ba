"""The local judgment cache: one SQLite database, ``<cache-dir>/cache.db``, shared by every process.

Entries live in ``diskcache``'s table (the format every earlier release wrote, so old caches keep
working); claims live in a table of the same database, ``toolgrad_claims``, written in
``BEGIN IMMEDIATE`` transactions, so two processes can never both take a key. SQLite waits up to
``BUSY_SECONDS`` for a lock held by another process, and a lock still held then is waited for
again (bounded), so a busy cache slows a run down instead of failing it with "database is locked".

Half-states of the folder, each handled on purpose:

- ``cache.db`` of 0 bytes: truncated, so damaged. SQLite would take it for a new empty cache and
  every verdict paid for would be gone unsaid; it is one line instead.
- ``cache.db-wal`` without ``cache.db``: the database was deleted or moved without its log. SQLite
  would replay that log into a new database; it is one line instead (move the folder aside).
- ``cache.db`` without ``cache.db-wal`` / ``-shm``: normal (a clean close removes them).
- ``cache.db`` (or its log) a link to a file that does not exist: SQLite would create the database
  where the link points, outside the cache folder; it is one line instead.
- a ``-shm`` left by a killed process: rebuilt by SQLite from the log; a ``-journal`` (hot
  journal) is rolled back by SQLite on open: both are recovery, never deleted by us.

SQLite must not be shared over NFS (its locks are not reliable there): the command warns when the
folder is on a network file system (``network_filesystem``) and points to ``--cache-url``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

from toolgrad_eval.errors import ConfigError
from toolgrad_eval.judge.cache_base import LIST_CLAIMS, Attempt, Claim, Owner, cache_error, claim_from_row, may_take

BUSY_SECONDS = 30.0  # SQLite's own wait for a lock held by another process
LOCKED_RETRIES = 10  # then this many more waits before the cache is reported unusable

T = TypeVar("T")
_NETWORK_FILESYSTEMS = ("cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "afs", "ceph", "glusterfs", "lustre")

_CLAIMS_TABLE = (
    "CREATE TABLE IF NOT EXISTS toolgrad_claims ("
    " key TEXT PRIMARY KEY, owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,"
    " expires_at REAL NOT NULL, claimed_at REAL NOT NULL)"
)


class SqliteStore:
    def __init__(self, directory: Path, absolute: Path | None = None) -> None:
        self.directory = directory  # as the user wrote it, for messages
        # Files are reached by the folder's absolute path as of when the cache was made: a worker
        # still finishing after its run closed the cache (a caller may have changed the working
        # directory since) reopens that folder, never one under the new current folder.
        self.path = absolute or directory.absolute()
        self.where = str(directory)
        self._db: Any = None  # diskcache.Cache, or a ReadOnlyCache (cache_readonly.py) for a folder we cannot write
        self.read_only = False
        self._con: sqlite3.Connection | None = None  # claims; one per process (re-made after a fork)
        self._con_pid = 0
        self._lock = threading.Lock()

    def open(self) -> None:
        if self._db is not None:
            return
        import diskcache

        database = self.path / "cache.db"
        _check_half_states(database)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            # No size limit and no eviction: a cached judgment is money already spent.
            db = diskcache.Cache(str(self.path), size_limit=2**62, eviction_policy="none", timeout=BUSY_SECONDS)
        except (sqlite3.DatabaseError, OSError) as exc:
            # A folder this process cannot write: its verdicts are still read (no claims: a run that
            # needs a new verdict stops before its request, JudgmentCache.open(writing=True)).
            self._db, self.read_only = _read_only(self.directory, self.path, exc), True
            return
        self._db = db
        self._claims(lambda con: con.execute(_CLAIMS_TABLE))

    # --- entries ---------------------------------------------------------------------------

    def read(self, key: str) -> Any:
        self.open()
        try:
            return self._retry(lambda: self._db.get(key, default=None, retry=True))
        except ConfigError:
            raise
        except sqlite3.DatabaseError as exc:  # the database, not this entry
            raise cache_error(self.directory, exc) from None
        except Exception:  # unreadable pickle/file behind the entry: treat as damaged
            return ("damaged",)

    def write(self, key: str, entry: dict[str, Any]) -> None:
        self.open()
        self._writable("; a judgment just received could not be stored")
        self._entries(lambda: self._db.set(key, entry, retry=True), "; a judgment just received could not be stored")

    def delete(self, key: str) -> None:
        self.open()
        if self.read_only:  # a damaged entry in a folder we cannot write: get() already reports a miss
            return
        self._entries(lambda: self._db.delete(key, retry=True))

    def keys(self) -> list[str]:
        self.open()
        return self._entries(lambda: [k for k in self._db.iterkeys() if isinstance(k, str)])

    def count(self) -> int:
        self.open()
        return self._entries(lambda: len(self._db))

    # --- claims ----------------------------------------------------------------------------

    def try_claim(self, key: str, owner: Owner, lease: float) -> Attempt:
        def claim(con: sqlite3.Connection) -> Attempt:
            con.execute("BEGIN IMMEDIATE")  # the write lock first: read, decide and write as one
            try:
                row = con.execute(
                    "SELECT owner, host, pid, expires_at FROM toolgrad_claims WHERE key = ?", (key,)
                ).fetchone()
                now = time.time()
                found = None if row is None else claim_from_row((key, *row))
                attempt = Attempt(found)
                if found is None or may_take(found, owner, now):
                    con.execute(
                        "INSERT OR REPLACE INTO toolgrad_claims VALUES (?, ?, ?, ?, ?, ?)",
                        (key, owner.id, owner.host, owner.pid, now + lease, now),
                    )
                    attempt = Attempt(None, found if found is not None and found.owner != owner.id else None)
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
            return attempt

        self.open()
        self._writable(", and this run needs the judge")
        return self._claims(claim)

    def renew(self, owner: Owner, lease: float) -> int:
        self.open()
        if self.read_only:  # no claim can have been taken (try_claim refuses)
            return 0
        return self._claims(
            lambda con: (
                con.execute(
                    "UPDATE toolgrad_claims SET expires_at = ? WHERE owner = ?", (time.time() + lease, owner.id)
                ).rowcount
            )
        )

    def release(self, key: str, owner: Owner) -> None:
        self.open()
        if self.read_only:
            return
        self._claims(
            lambda con: con.execute("DELETE FROM toolgrad_claims WHERE key = ? AND owner = ?", (key, owner.id))
        )

    def claims(self) -> list[Claim]:
        self.open()
        if self.read_only:
            return []
        return [claim_from_row(row) for row in self._claims(lambda con: con.execute(LIST_CLAIMS).fetchall())]

    def close(self) -> None:
        with self._lock:
            if self._con is not None and self._con_pid == os.getpid():
                self._con.close()
            self._con = None
        if self._db is not None:
            self._db.close()
            self._db = None

    # --- plumbing --------------------------------------------------------------------------

    def _writable(self, doing: str = "") -> None:
        if self.read_only:
            raise cache_error(
                self.directory, OSError(30, "read-only: its verdicts are used, a new one could not be stored"), doing
            )

    def _claims(self, action: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``action`` on this process's claims connection (autocommit; waits out busy locks)."""
        with self._lock:
            if self._con is None or self._con_pid != os.getpid():  # a forked child makes its own
                try:
                    self._con = sqlite3.connect(
                        self.path / "cache.db", timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False
                    )
                except sqlite3.DatabaseError as exc:
                    raise cache_error(self.directory, exc) from None
                self._con_pid = os.getpid()
            con = self._con
            return self._entries(lambda: action(con))

    def _entries(self, action: Callable[[], T], doing: str = "") -> T:
        try:
            return self._retry(action)
        except ConfigError:
            raise
        except (sqlite3.DatabaseError, OSError) as exc:
            raise cache_error(self.directory, exc, doing) from None

    def _retry(self, action: Callable[[], T]) -> T:
        """``action``, again while another process holds the lock longer than SQLite waited."""
        for attempt in range(LOCKED_RETRIES + 1):
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or attempt == LOCKED_RETRIES:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")


def _read_only(directory: Path, path: Path, failure: BaseException) -> Any:
    """A read-only view of a cache diskcache could not open for writing, else the error it gave."""
    from toolgrad_eval.judge.cache_readonly import ReadOnlyCache

    if isinstance(failure, sqlite3.DatabaseError) and not isinstance(failure, sqlite3.OperationalError):
        raise cache_error(directory, failure) from None  # damaged: nothing to read
    try:
        return ReadOnlyCache(path)
    except (sqlite3.DatabaseError, OSError):
        raise cache_error(directory, failure) from None


def _busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _check_half_states(database: Path) -> None:
    for path in (database, *(database.with_name(database.name + end) for end in ("-wal", "-shm", "-journal"))):
        # SQLite would follow a dangling link and create the database where it points, outside the folder
        if path.is_symlink() and not path.exists():
            raise ConfigError(
                f"{path}: a link to {os.readlink(path)}, which does not exist; the judgment cache is not created "
                "outside its folder: remove the link, or point it at the cache database"
            )
    if database.is_file() and database.stat().st_size == 0:
        raise ConfigError(
            f"{database}: the judgment cache database is empty (0 bytes), so it was "
            "truncated: a damaged cache, not a new one; move the folder aside to start anew"
        )
    wal = database.with_name(database.name + "-wal")
    if not database.exists() and wal.is_file() and wal.stat().st_size > 0:
        raise ConfigError(
            f"{database.parent}: the judgment cache's log {wal.name} is there but {database.name} is "
            "missing (deleted or moved without its log): a damaged cache; move the folder aside "
            "(or put the database back beside its log)"
        )


def network_filesystem(folder: Path, mounts: str | None = None) -> str | None:
    """The type of the network file system holding ``folder`` (``nfs4``, ``cifs``...), or None when
    it is local or unknown. ``mounts``: the text of ``/proc/self/mounts`` (read when not given)."""
    if mounts is None:
        try:
            mounts = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:  # not Linux: unknown
            return None
    target = os.path.realpath(folder)
    deepest, kind = "", None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")  # the file escapes spaces in mount points
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(deepest):
            deepest, kind = point, fields[2]
    if kind is not None and (kind.startswith("nfs") or kind in _NETWORK_FILESYSTEMS):
        return kind
    return None
