"""Whether the process may leave without the interpreter's teardown (see :func:`toolgrad_eval.cli.main.entry`).

A command calls :func:`outputs_durable` once everything it wrote is closed and on disk, on its
success path only. The BFCL evaluation does: every file it writes goes through an atomic write that
fsyncs the file before renaming it into place, and it holds nothing else open (no server, no
database, no worker process left). Freeing the ~100,000 objects of a run's BFCL data and verdicts
one by one at exit costs about 5% of a whole single-model run, for nothing.
"""

from __future__ import annotations

__all__ = ["outputs_durable", "skip_allowed"]

_durable = False


def outputs_durable() -> None:
    """Every output of this process is written, closed and durable: its teardown may be skipped."""
    global _durable
    _durable = True


def skip_allowed() -> bool:
    return _durable
