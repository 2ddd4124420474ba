"""The judgment cache: every paid judgment is stored once and never paid for again.

Backed by a store (``cache_base.Store``): the local SQLite database of ``diskcache`` by default
(transactional: an entry is either fully written or absent, whatever crashes), or a PostgreSQL
server with ``--cache-url``. Entries are never evicted. Each entry carries a checksum of its payload, so
an entry damaged on disk is detected, reported as a miss and re-judged rather than trusted.

The key covers everything that changes the verdict and nothing else: judge model, template id
and hash, the rendered messages, the response schema, the temperature and, for repeated
judgments (``--judge-samples``), the seed (not timeouts, retry counts or the endpoint's address).
No API key or request header is ever stored.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from toolgrad_eval.judge.cache_base import FORMAT as _FORMAT
from toolgrad_eval.judge.cache_base import Claim, Owner, Store, cache_error
from toolgrad_eval.judge.claims import DEFAULT_LEASE, Claims

__all__ = ["JudgmentCache", "cache_error", "cache_key", "default_cache_dir", "open_cache"]


def cache_key(
    *,
    model: str,
    template_id: str,
    template_sha256: str,
    messages: Sequence[Mapping[str, str]],
    schema: Mapping[str, Any],
    temperature: float,
    seed: int | None = None,
) -> str:
    material = {
        "format": _FORMAT,
        "model": model,
        "template": template_id,
        "template_sha256": template_sha256,
        "messages": list(messages),
        "schema": schema,
        "temperature": temperature,
    }
    if seed is not None:  # only repeated judgments (--judge-samples) carry one; K=1 keys are unchanged
        material["seed"] = seed
    blob = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("toolgrad-eval")) / "judge"


def open_cache(
    directory: Path,
    url: str | None = None,
    *,
    lease: float = DEFAULT_LEASE,
    on_wait: Callable[[Claim], None] | None = None,
) -> "JudgmentCache":
    """The cache in ``directory`` (or at ``url``, a PostgreSQL server; ``directory`` then keeps only
    the run's side files: --overwrite markers and Batch state), opened on first use: a run that
    needs no judgment (every verdict stored in the prediction files) never touches it, so an
    unusable cache does not stop it. On first use an unusable folder or server or a damaged
    database is one clear error, raised before any request is sent (``Judge`` opens the cache
    before its first request)."""
    return JudgmentCache(directory, url, lease=lease, on_wait=on_wait)


class JudgmentCache:
    """Maps cache keys to ``{"verdict", "raw", "usage", "model", "created_at"}`` records."""

    def __init__(
        self,
        directory: Path,
        url: str | None = None,
        *,
        lease: float = DEFAULT_LEASE,
        on_wait: Callable[[Claim], None] | None = None,
    ) -> None:
        self.directory = directory
        self._absolute = Path(
            directory
        ).absolute()  # the folder meant now, whatever the working directory later (cache_sqlite.py)
        self.url = url
        self.lease = lease
        self.on_wait = on_wait  # told when this process first waits for another's verdict
        self._store: Store | None = None
        self._claims: Claims | None = None

    @property
    def where(self) -> str:
        """The folder, or the server's URL without its password (for messages)."""
        return self.store().where

    def store(self) -> Store:
        if self._store is None:
            if self.url:
                from toolgrad_eval.judge.cache_pg import PostgresStore

                self._store = PostgresStore(self.url)
            else:
                from toolgrad_eval.judge.cache_sqlite import SqliteStore

                self._store = SqliteStore(self.directory, self._absolute)
        return self._store

    def open(self, writing: bool = False) -> Store:
        """The store, opened now if it is not yet (ConfigError when unusable). A local folder this
        process cannot write is opened read-only (its verdicts are used); ``writing`` (a judgment
        is about to be paid for) makes that a ConfigError too."""
        store = self.store()
        store.open()
        if writing and self.read_only:
            raise cache_error(
                store.where,
                OSError(30, "read-only: its verdicts are used, a new one could not be stored"),
                ", and this run needs the judge",
            )
        return store

    @property
    def read_only(self) -> bool:
        return self._store is not None and self._store.read_only

    @property
    def claims(self) -> Claims:
        """This process's claims on the cache's keys (claims.py); a forked child gets its own."""
        if self._claims is None or self._claims.owner.pid != os.getpid():
            self._claims = Claims(self.open(), Owner.this_process(), self.lease, self.on_wait)
        return self._claims

    def claim_stats(self) -> dict[str, int] | None:
        """How often this process waited for another's verdict, and took a lapsed claim over."""
        if self._claims is None or not (self._claims.waits or self._claims.takeovers):
            return None
        return {"waited_for_other_process": self._claims.waits, "claims_taken_over": self._claims.takeovers}

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored record, or None when absent or damaged (a damaged entry is dropped)."""
        stored = self.open().read(key)
        if stored is None:
            return None
        record = _unpack(stored)
        if record is None:
            self.open().delete(key)
        return record

    def put(self, key: str, record: Mapping[str, Any]) -> None:
        # ensure_ascii keeps the payload valid whatever the reply held (a lone surrogate included)
        payload = json.dumps({**record, "stored_at": time.time()}, sort_keys=True, ensure_ascii=True)
        self.open().write(key, {"format": _FORMAT, "payload": payload, "sha256": _sha256(payload)})

    def entry(self, key: str) -> dict[str, Any] | None:
        """The entry as stored (format, payload, checksum) when it checks out, for export."""
        stored = self.open().read(key)
        return dict(stored) if stored is not None and _unpack(stored) is not None else None

    def put_entry(self, key: str, entry: Mapping[str, Any]) -> bool:
        """Store an exported entry as it is (its stored_at kept); False when it does not check out."""
        clean = {"format": entry.get("format"), "payload": entry.get("payload"), "sha256": entry.get("sha256")}
        if _unpack(clean) is None:
            return False
        self.open().write(key, clean)
        return True

    def keys(self) -> list[str]:
        """Keys of every entry stored (damaged ones included: get() decides)."""
        return self.open().keys()

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        return self.open().count()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
            self._claims = None

    def __enter__(self) -> "JudgmentCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sha256(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _unpack(stored: Any) -> dict[str, Any] | None:
    if not isinstance(stored, dict) or stored.get("format") != _FORMAT:
        return None
    payload, checksum = stored.get("payload"), stored.get("sha256")
    if not isinstance(payload, str) or not isinstance(checksum, str):
        return None
    if _sha256(payload) != checksum:
        return None
    try:
        record = json.loads(payload)
    except (ValueError, RecursionError):  # malformed, or an integer literal too long to convert
        return None
    return record if _well_formed(record) else None


MAX_TOKENS = 2**53  # a token count at or above this is not one a reply reports (reply.py drops it too)


def _well_formed(record: Any) -> bool:
    """A record the judge can reuse as it would a reply just received: a verdict object, and a usage
    that is null or holds non-negative integer token counts (a string, a list, Infinity, a negative
    or a huge count would crash every later run that reuses it, or make its saving negative)."""
    if not isinstance(record, dict) or not isinstance(record.get("verdict"), dict):
        return False
    if "raw" in record and not isinstance(record["raw"], str):
        return False
    stored_at = record.get("stored_at", 0.0)
    if isinstance(stored_at, bool) or not isinstance(stored_at, (int, float)):
        return False
    if isinstance(stored_at, float) and not math.isfinite(stored_at) or abs(stored_at) >= MAX_TOKENS:
        return False
    usage = record.get("usage")
    if usage is None:
        return True
    if not isinstance(usage, dict):
        return False
    counts = [usage.get(name, 0) for name in ("prompt_tokens", "completion_tokens")]
    return all(not isinstance(n, bool) and isinstance(n, int) and 0 <= n < MAX_TOKENS for n in counts)
