"""What every judgment-cache store offers: entries by key, and claims on keys across processes.

Two stores implement it: the local SQLite cache (``cache_sqlite.py``, the default) and a
PostgreSQL server (``cache_pg.py``, ``--cache-url``), with the same keys, entries, claims and
leases. ``cache.py`` puts the checksums and the judge's record format on top.

A *claim* says "this process is asking the judge for this key now". It names its owner (host,
pid and a token drawn at process start, so a reused pid is never taken for the owner) and lasts
until ``expires_at``; the owner renews it while its request is in flight (``claims.py``). Another
process may take a claim over only when it has expired, or when its owner is a process of this
host that no longer exists (kill -9: no need to wait for the lease).
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from toolgrad_eval.errors import ConfigError

FORMAT = 1  # entry format: {"format", "payload", "sha256"}


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    token: str

    @classmethod
    def this_process(cls) -> Owner:
        return cls(socket.gethostname(), os.getpid(), secrets.token_hex(8))

    @property
    def id(self) -> str:
        return f"{self.host}:{self.pid}:{self.token}"


@dataclass(frozen=True)
class Claim:
    key: str
    owner: str  # Owner.id
    host: str
    pid: int
    expires_at: float  # seconds since the epoch, by the store's clock


@dataclass(frozen=True)
class Attempt:
    """What a try to claim a key came to."""

    holder: Claim | None  # another owner's live claim that keeps this one out; None: the key is this owner's now
    replaced: Claim | None = None  # another owner's lapsed (or dead) claim that this one took over


LIST_CLAIMS = "SELECT key, owner, host, pid, expires_at FROM toolgrad_claims ORDER BY claimed_at"


def claim_from_row(row: Any) -> Claim:
    """A claim from a (key, owner, host, pid, expires_at) row of either store."""
    return Claim(row[0], row[1], row[2], int(row[3]), float(row[4]))


def may_take(holder: Claim, owner: Owner, now: float) -> bool:
    """Whether ``owner`` may take the key that ``holder`` claims (or renew it, being the holder)."""
    if holder.owner == owner.id or holder.expires_at <= now:
        return True
    return holder.host == owner.host and holder.pid != owner.pid and not _running(holder.pid)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by another user
        return True
    return True


class Store(Protocol):
    """Raw entries (``{"format", "payload", "sha256"}`` dicts) and claims; ConfigError when unusable."""

    where: str  # for messages: the folder, or the server's URL without its password
    read_only: bool  # its entries can be read but not written (a local folder this process cannot write)

    def open(self) -> None: ...
    def read(self, key: str) -> Any: ...
    def write(self, key: str, entry: dict[str, Any]) -> None: ...
    def delete(self, key: str) -> None: ...
    def keys(self) -> list[str]: ...
    def count(self) -> int: ...
    def try_claim(self, key: str, owner: Owner, lease: float) -> Attempt: ...
    def renew(self, owner: Owner, lease: float) -> int: ...
    def release(self, key: str, owner: Owner) -> None: ...
    def claims(self) -> list[Claim]: ...
    def close(self) -> None: ...


def cache_error(directory: Path | str, exc: BaseException, doing: str = "") -> ConfigError:
    """One line for a cache that cannot be used: damaged (move it aside), or unusable here (read
    only, full disk, no permission: fix that; the cache itself is fine)."""
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return ConfigError(
            f"{directory}: the judgment cache is damaged ({exc}){doing}; move it aside to start a new one"
        )
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return ConfigError(f"{directory}: cannot use this folder for the judgment cache ({reason}){doing}")
