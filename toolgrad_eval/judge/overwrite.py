"""Resumable ``--overwrite`` runs: a crash while re-judging never means paying twice.

``--overwrite`` ignores every verdict from before the run. But when such a run is killed halfway
(kill -9, Ctrl-C, a lost connection, ``--max-cost``) and the user runs the same command again, the
verdicts the first attempt paid for are in the cache and must be reused. So an ``--overwrite``
run leaves a small marker in ``<cache-dir>/overwrite-runs/``, named by what it judges (dataset,
split, response key, model, judge model, template, temperature, judgments per sample), holding
the time it started; the command removes the marker once its run record is written, or when the
attempt failed before receiving any verdict. A run that finds a marker resumes: cached verdicts
stored since that time count as its own, older ones are ignored. A marker whose latest attempt is
older than ``MAX_AGE`` is ignored (a run abandoned that long ago is not resumed: all is re-judged).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from toolgrad_eval.fileio import atomic_write_json
from toolgrad_eval.judge.cache import cache_error

FOLDER = "overwrite-runs"
MAX_AGE = 7 * 24 * 3600  # seconds


@dataclass(frozen=True)
class OverwriteRun:
    path: Path
    started_at: float  # time.time() when the first attempt started
    resumed: bool  # an earlier attempt of the same run did not finish

    @classmethod
    def begin(cls, cache_dir: Path, identity: Mapping[str, Any]) -> OverwriteRun:
        blob = json.dumps(identity, sort_keys=True, ensure_ascii=True, default=str)
        path = cache_dir / FOLDER / f"{hashlib.sha256(blob.encode()).hexdigest()[:32]}.json"
        now = time.time()
        marker = _read_marker(path)
        if marker is not None:
            try:  # the age limit counts from the latest attempt, not the first
                atomic_write_json(path, {**marker, "last_attempt": now})
            except OSError:
                pass  # an unwritable marker still resumes this once
            return cls(path, float(marker["started_at"]), resumed=True)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_json(path, {"started_at": now, "started": _iso(now), **json.loads(blob)})
        except OSError as exc:  # without its marker an interrupted --overwrite run would pay again
            raise cache_error(cache_dir, exc, "; --overwrite keeps a marker there") from None
        return cls(path, now, resumed=False)

    @property
    def started(self) -> str:
        return _iso(self.started_at)

    def finish(self) -> None:
        """The run ended normally: the next --overwrite run re-judges everything again."""
        self.path.unlink(missing_ok=True)


def _read_marker(path: Path) -> dict[str, Any] | None:
    """An existing marker that makes sense; None when absent, unreadable, inconsistent or too old
    (then: start afresh, which re-judges more than needed but never reuses a verdict not this run's)."""
    try:
        marker: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        value, last = marker["started_at"], marker.get("last_attempt", marker["started_at"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    now = time.time()
    for t in (value, last):
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not t < now + 60:
            return None
    if not (now - MAX_AGE < last and 0 < value <= last):
        return None
    return marker


def _iso(t: float) -> str:
    return _dt.datetime.fromtimestamp(t, _dt.timezone.utc).isoformat(timespec="seconds")
