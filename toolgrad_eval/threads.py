"""How many threads this process runs: the test before forking workers.

Forking a process that runs other threads copies whatever lock one of them holds at that instant,
and a child that needs that lock waits forever. The threads that matter are Python's: a thread that
runs Python code holds Python-level locks (logging, a file's buffer, a queue). Native threads are not
counted: OpenBLAS's pool (loaded with numpy) makes itself fork-safe with ``pthread_atfork``, and
execnet's I/O thread in a pytest-xdist worker runs no code of ours; Python 3.12+ still warns about
them, since it counts every thread the kernel lists.
"""

from __future__ import annotations

import threading
import time

__all__ = ["alone", "count"]


def count() -> int:
    """Python threads alive in this process, this one included."""
    return threading.active_count()


def alone(wait: float = 2.0) -> bool:
    """Whether this thread is the process's only Python thread, waiting up to ``wait`` s for others
    to end (a previous run's threads end with it)."""
    deadline = time.monotonic() + wait
    while count() > 1:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True
