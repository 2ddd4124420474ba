"""How many threads this process runs, as the kernel counts them: the test before forking workers.

Forking a process that runs other threads copies whatever lock one of them holds at that instant,
and a child that needs that lock waits forever (Python 3.12+ warns about it). ``threading`` knows
only the threads Python started; a native library can run its own (OpenBLAS, loaded with numpy,
starts one per core), and those count too. Linux lists every thread in ``/proc/self/task``;
elsewhere only Python's own threads are seen.
"""

from __future__ import annotations

import os
import threading
import time

__all__ = ["alone", "count"]


def count() -> int:
    """Threads in this process (the kernel's count on Linux, Python's elsewhere)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def alone(wait: float = 2.0) -> bool:
    """Whether this thread is the process's only one, waiting up to ``wait`` s for others to end (a
    previous run's threads end with it)."""
    deadline = time.monotonic() + wait
    while count() > 1:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True
