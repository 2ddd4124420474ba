"""The judgment cache: every paid judgment is stored once and never paid for again.

Backed by ``diskcache`` (SQLite, transactional: an entry is either fully written or absent,
whatever crashes). Entries are never evicted. Each entry carries a checksum of its payload, so
an entry damaged on disk is detected, reported as a miss and re-judged rather than trusted.

The key covers everything that changes the verdict and nothing else: judge model, template id
and hash, the rendered messages, the response schema, the temperature and, for repeated
judgments (``--judge-samples``), the seed (not timeouts, retry counts or the endpoint's address).
No API key or request header is ever stored.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from toolgrad_eval.errors import ConfigError

_FORMAT = 1


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


def open_cache(directory: Path) -> "JudgmentCache":
    """The cache in ``directory``, opened on first use: a run that needs no judgment (every verdict
    stored in the prediction files) never touches it, so a read-only or unusable cache folder does
    not stop it. On first use an unusable folder or a damaged database is one clear error, raised
    before any request is sent (``Judge`` opens the cache before its first request)."""
    return JudgmentCache(directory)


def cache_error(directory: Path, exc: BaseException, doing: str = "") -> ConfigError:
    """One line for a cache that cannot be used: damaged (move it aside), or unusable here (read
    only, full disk, no permission: fix that; the cache itself is fine)."""
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return ConfigError(f"{directory}: the judgment cache is damaged ({exc}){doing}; move it aside to start a new one")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return ConfigError(f"{directory}: cannot use this folder for the judgment cache ({reason}){doing}")


class JudgmentCache:
    """Maps cache keys to ``{"verdict", "raw", "usage", "model", "created_at"}`` records."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._db: Any = None
        self.read_only = False

    def open(self, writing: bool = False) -> Any:
        """The underlying diskcache, opened now if it is not yet (ConfigError when unusable).
        A folder this process cannot write is opened read-only (its verdicts are used); ``writing``
        (a judgment is about to be paid for) makes that a ConfigError too."""
        if self._db is None:
            import diskcache

            database = self.directory / "cache.db"
            if database.is_file() and database.stat().st_size == 0:
                # sqlite would take it for a new, empty cache: every verdict paid for would be gone unsaid
                raise ConfigError(f"{database}: the judgment cache database is empty (0 bytes), so it was "
                                  "truncated: a damaged cache, not a new one; move the folder aside to start anew")
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                # No size limit and no eviction: a cached judgment is money already spent.
                self._db = diskcache.Cache(str(self.directory), size_limit=2**62, eviction_policy="none")
            except (sqlite3.DatabaseError, OSError) as exc:
                self._db = _read_only(self.directory, exc)
                self.read_only = True
        if writing and self.read_only:
            raise cache_error(self.directory, OSError(30, "read-only: its verdicts are used, a new one could not be "
                                                          "stored"), ", and this run needs the judge")
        return self._db

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored record, or None when absent or damaged (a damaged entry is dropped)."""
        try:
            stored = self.open().get(key, default=None, retry=True)
        except sqlite3.DatabaseError as exc:  # the database, not this entry
            raise cache_error(self.directory, exc) from None
        except Exception:  # unreadable pickle/file behind the entry: treat as damaged
            stored = ("damaged",)
        if stored is None:
            return None
        record = _unpack(stored)
        if record is None:
            try:
                self.open().delete(key, retry=True)
            except (sqlite3.DatabaseError, OSError) as exc:
                raise cache_error(self.directory, exc) from None
        return record

    def put(self, key: str, record: Mapping[str, Any]) -> None:
        # ensure_ascii keeps the payload valid whatever the reply held (a lone surrogate included)
        payload = json.dumps({**record, "stored_at": time.time()}, sort_keys=True, ensure_ascii=True)
        checksum = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        try:
            self.open().set(key, {"format": _FORMAT, "payload": payload, "sha256": checksum}, retry=True)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise cache_error(self.directory, exc, "; a judgment just received could not be stored") from None

    def keys(self) -> list[str]:
        """Keys of every entry stored (damaged ones included: get() decides)."""
        return list(self.open().iterkeys())

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        return len(self.open())

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> "JudgmentCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_only(directory: Path, failure: BaseException) -> Any:
    """A read-only view of a cache diskcache could not open for writing, else the error it gave."""
    from toolgrad_eval.judge.cache_readonly import ReadOnlyCache

    if isinstance(failure, sqlite3.DatabaseError) and not isinstance(failure, sqlite3.OperationalError):
        raise cache_error(directory, failure) from None  # damaged: nothing to read
    try:
        return ReadOnlyCache(directory)
    except (sqlite3.DatabaseError, OSError):
        raise cache_error(directory, failure) from None


def _unpack(stored: Any) -> dict[str, Any] | None:
    if not isinstance(stored, dict) or stored.get("format") != _FORMAT:
        return None
    payload, checksum = stored.get("payload"), stored.get("sha256")
    if not isinstance(payload, str) or not isinstance(checksum, str):
        return None
    if hashlib.sha256(payload.encode("utf-8")).hexdigest() != checksum:
        return None
    try:
        record = json.loads(payload)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) and isinstance(record.get("verdict"), dict) else None
