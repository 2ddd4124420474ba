"""The judgment cache in a PostgreSQL server (``--cache-url postgresql://...``), for jobs on many hosts.

The same keys, entries and claims as the local cache (``cache_sqlite.py``), in two tables:
``toolgrad_judgments`` (key, format, payload, sha256: the entry exactly as the local cache keeps
it) and ``toolgrad_claims``. A claim is taken in one transaction (an insert that loses to another
owner's row, then that row read ``FOR UPDATE``), and its lease runs by the server's clock, so
hosts whose clocks disagree still agree on when a claim has lapsed.

Needs ``psycopg`` 3 (``pip install 'toolgrad-eval[postgres]'``). The URL's password (``user:pass@``,
``?password=``) never reaches a message: the URL is shown with its credentials hidden (conninfo.py),
and a server or driver message quoting it has it replaced.

A server that does not answer is given ``CONNECT_TIMEOUT`` seconds per connection attempt; a refused or
dropped connection is tried ``RECONNECTS`` more times, so an unreachable server is reported after
about 41 s at most (4 attempts of 10 s, with pauses of 0.2-0.6 s between them).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

from toolgrad_eval.conninfo import passwords_in, redact_conninfo
from toolgrad_eval.errors import ConfigError
from toolgrad_eval.judge.cache_base import FORMAT, LIST_CLAIMS, Attempt, Claim, Owner, claim_from_row, may_take

T = TypeVar("T")
RECONNECTS = 3  # a dropped connection (server restart, network blip) is made again this many times
CONNECT_TIMEOUT = 10  # seconds one connection attempt waits for the server

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS toolgrad_judgments ("
    " key TEXT PRIMARY KEY, format INTEGER NOT NULL, payload TEXT NOT NULL, sha256 TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS toolgrad_claims ("
    " key TEXT PRIMARY KEY, owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,"
    " expires_at DOUBLE PRECISION NOT NULL, claimed_at DOUBLE PRECISION NOT NULL)",
)
_SCHEMA_LOCK = 7_146_911_002  # advisory lock id: two first connections must not both create the tables
_NOW = "extract(epoch from clock_timestamp())::double precision"


class PostgresStore:
    def __init__(self, url: str) -> None:
        self._passwords = passwords_in(url)
        try:
            scheme = urlsplit(url).scheme
        except ValueError:
            scheme = ""
        if scheme not in ("postgresql", "postgres"):
            raise ConfigError(f"--cache-url {self._hide(url)}: not a postgresql:// URL")
        self.url = url
        self.where = self._hide(url)
        self.read_only = False
        self._con: Any = None
        self._con_pid = 0
        self._inherited: list[Any] = []  # a forked child's copies of its parent's connection, never closed
        self._lock = threading.Lock()

    def open(self) -> None:
        self._run(lambda con: None)

    # --- entries ---------------------------------------------------------------------------

    def read(self, key: str) -> Any:
        row = self._run(
            lambda con: con.execute(
                "SELECT format, payload, sha256 FROM toolgrad_judgments WHERE key = %s", (key,)
            ).fetchone()
        )
        return None if row is None else {"format": row[0], "payload": row[1], "sha256": row[2]}

    def write(self, key: str, entry: dict[str, Any]) -> None:
        self._run(
            lambda con: con.execute(
                "INSERT INTO toolgrad_judgments (key, format, payload, sha256) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (key) DO UPDATE SET format = EXCLUDED.format, payload = EXCLUDED.payload,"
                " sha256 = EXCLUDED.sha256",
                (key, entry.get("format", FORMAT), entry["payload"], entry["sha256"]),
            ),
            "; a judgment just received could not be stored",
        )

    def delete(self, key: str) -> None:
        self._run(lambda con: con.execute("DELETE FROM toolgrad_judgments WHERE key = %s", (key,)))

    def keys(self) -> list[str]:
        return [
            row[0]
            for row in self._run(lambda con: con.execute("SELECT key FROM toolgrad_judgments ORDER BY key").fetchall())
        ]

    def count(self) -> int:
        return int(self._run(lambda con: con.execute("SELECT count(*) FROM toolgrad_judgments").fetchone()[0]))

    # --- claims ----------------------------------------------------------------------------

    def try_claim(self, key: str, owner: Owner, lease: float) -> Attempt:
        def claim(con: Any) -> Attempt:
            with con.transaction():
                inserted = con.execute(
                    f"INSERT INTO toolgrad_claims VALUES (%s, %s, %s, %s, {_NOW} + %s, {_NOW})"
                    " ON CONFLICT (key) DO NOTHING",
                    (key, owner.id, owner.host, owner.pid, lease),
                ).rowcount
                if inserted:
                    return Attempt(None)
                row = con.execute(
                    f"SELECT owner, host, pid, expires_at, {_NOW} FROM toolgrad_claims WHERE key = %s FOR UPDATE",
                    (key,),
                ).fetchone()
                found = None if row is None else claim_from_row((key, *row[:4]))
                if found is not None and not may_take(found, owner, float(row[4])):
                    return Attempt(found)
                con.execute(
                    f"INSERT INTO toolgrad_claims VALUES (%s, %s, %s, %s, {_NOW} + %s, {_NOW})"
                    " ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, host = EXCLUDED.host,"
                    " pid = EXCLUDED.pid, expires_at = EXCLUDED.expires_at, claimed_at = EXCLUDED.claimed_at",
                    (key, owner.id, owner.host, owner.pid, lease),
                )
                return Attempt(None, found if found is not None and found.owner != owner.id else None)

        return self._run(claim)

    def renew(self, owner: Owner, lease: float) -> int:
        return int(
            self._run(
                lambda con: (
                    con.execute(
                        f"UPDATE toolgrad_claims SET expires_at = {_NOW} + %s WHERE owner = %s", (lease, owner.id)
                    ).rowcount
                )
            )
        )

    def release(self, key: str, owner: Owner) -> None:
        self._run(lambda con: con.execute("DELETE FROM toolgrad_claims WHERE key = %s AND owner = %s", (key, owner.id)))

    def claims(self) -> list[Claim]:
        return [claim_from_row(row) for row in self._run(lambda con: con.execute(LIST_CLAIMS).fetchall())]

    def close(self) -> None:
        with self._lock:
            if self._con is not None and self._con_pid == os.getpid():
                self._con.close()
            self._con = None

    # --- plumbing --------------------------------------------------------------------------

    def _run(self, action: Callable[[Any], T], doing: str = "") -> T:
        """``action`` on this process's connection (autocommit), made again if it dropped."""
        try:
            import psycopg
        except ImportError:
            raise ConfigError("--cache-url needs psycopg 3: pip install 'toolgrad-eval[postgres]'") from None
        with self._lock:
            for attempt in range(RECONNECTS + 1):
                try:
                    if self._con is not None and self._con_pid != os.getpid():
                        # A forked child (sample preparation) must never close its parent's
                        # connection: dropping the object would end the session they share.
                        self._inherited.append(self._con)
                        self._con = None
                    if self._con is None or self._con.closed:
                        self._con = self._connect(psycopg)
                        self._con_pid = os.getpid()
                    return action(self._con)
                except psycopg.OperationalError as exc:
                    self._con = None  # dropped or refused: a new connection, or give up
                    if attempt == RECONNECTS:
                        raise self._error(exc, doing) from None
                    time.sleep(0.2 * (attempt + 1))
                except psycopg.Error as exc:
                    raise self._error(exc, doing) from None
        raise AssertionError("unreachable")

    def _connect(self, psycopg: Any) -> Any:
        con = psycopg.connect(
            self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT, application_name="toolgrad-eval"
        )
        with con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            for statement in _SCHEMA:
                con.execute(statement)
        return con

    def _error(self, exc: BaseException, doing: str) -> ConfigError:
        message = self._hide(" ".join(str(exc).split()))
        return ConfigError(f"{self.where}: cannot use this PostgreSQL server for the judgment cache ({message}){doing}")

    def _hide(self, text: str) -> str:
        """``text`` without the URL's password, however a message quotes it."""
        for password in self._passwords:
            text = text.replace(password, "***")
        return redact_conninfo(text)
