"""Entries checked in forked workers, each entry under a CPU-time and memory bound.

A model's arguments reach the simulators as they are: ``power(base=10, exponent=10**9)`` or
``logarithm(..., precision=10**7)`` would run for minutes and take gigabytes in a faithful
simulator. The checks run in child processes (contiguous chunks of entries, at most one child per
core), each of which, before each entry, sets a profiling timer of ``CPU_SECONDS`` of CPU time
(the kernel stops the child with SIGPROF) and an address-space limit ``MEMORY_BYTES`` above its
current size (a MemoryError ends the entry). An entry that stops its child is a recorded failure
(``toolgrad:execution_bounded``); a new child takes the chunk's next entry, so the run goes on.
Where there is no ``fork`` (Windows, macOS spawn), entries are checked in this process without
those bounds.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import sys
import time
from typing import Any, Callable, Sequence

from toolgrad_eval.bfcl.multi_turn.checker import json_ready
from toolgrad_eval.bfcl.multi_turn.execute import BoundExceeded

__all__ = ["BOUNDED", "CPU_SECONDS", "MEMORY_BYTES", "run_bounded"]

BOUNDED = "toolgrad:execution_bounded"
CPU_SECONDS = 0.5  # per entry; the answers of all 800 v4 entries take under 5 ms each
MEMORY_BYTES = 160 * 1024 * 1024  # address space per entry above what the worker already holds
WALL_SECONDS = 30.0  # a child that neither finishes nor uses CPU (it should never sleep) is stopped
_HEADER = struct.Struct("!Q")

Check = Callable[[Any], dict[str, Any]]


def run_bounded(jobs: Sequence[Any], check: Check, workers: int | None = None) -> list[dict[str, Any]]:
    """``check(job)`` for every job, in order; a job that exceeds its bound gives a failure dict.

    The jobs are split into contiguous chunks checked by up to ``workers`` children at once (default:
    one per core, at least ``_MIN_CHUNK`` jobs each)."""
    if not jobs:
        return []
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return [_guarded(check, job) for job in jobs]
    n = workers or min(os.cpu_count() or 1, max(1, len(jobs) // _MIN_CHUNK))
    size = -(-len(jobs) // n)
    chunks = [_Chunk(start, min(start + size, len(jobs))) for start in range(0, len(jobs), size)]
    for chunk in chunks:
        chunk.spawn(jobs, check)
    while any(c.fd is not None for c in chunks):
        active = {c.fd: c for c in chunks if c.fd is not None}
        ready, _, _ = select.select(list(active), [], [], 1.0)
        for fd in ready:
            active[fd].read()
        for chunk in active.values():
            if chunk.fd is not None and time.monotonic() > chunk.deadline:
                os.kill(chunk.pid, 9)  # neither finishing nor using CPU: a simulator should never wait
                chunk.read()
        for chunk in chunks:
            if chunk.fd is None and chunk.done < chunk.end:  # the child stopped inside job `done`
                chunk.results.append(
                    _bounded_failure(f"stopped after more than {CPU_SECONDS} s of CPU or {MEMORY_BYTES >> 20} MB")
                )
                chunk.done += 1
                if chunk.done < chunk.end:
                    chunk.spawn(jobs, check)
    return [verdict for chunk in chunks for verdict in chunk.results]


_MIN_CHUNK = 25  # jobs per child at the least: forking costs a few milliseconds


class _Chunk:
    """Jobs ``start`` to ``end`` (exclusive), checked by one child at a time, in order."""

    def __init__(self, start: int, end: int) -> None:
        self.end = end
        self.done = start  # the next job without a verdict
        self.results: list[dict[str, Any]] = []
        self.fd: int | None = None
        self.pid = 0
        self.buffer = b""
        self.deadline = 0.0

    def spawn(self, jobs: Sequence[Any], check: Check) -> None:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_fd)
            status = 0
            try:
                _child_loop(jobs[: self.end], self.done, check, write_fd)
            except BaseException:  # noqa: BLE001 - a child must not run the parent's code after a crash
                status = 1
            finally:
                os._exit(status)
        os.close(write_fd)
        self.fd, self.pid, self.buffer = read_fd, pid, b""
        self.deadline = time.monotonic() + WALL_SECONDS

    def read(self) -> None:
        """Take what the child sent; at its end, close the pipe and reap it."""
        assert self.fd is not None
        try:
            chunk = os.read(self.fd, 1 << 20)
        except OSError:
            chunk = b""
        if chunk:
            self.buffer += chunk
            while len(self.buffer) >= _HEADER.size:
                (size,) = _HEADER.unpack_from(self.buffer)
                if len(self.buffer) < _HEADER.size + size:
                    break
                self.results.append(pickle.loads(self.buffer[_HEADER.size : _HEADER.size + size]))
                self.buffer = self.buffer[_HEADER.size + size :]
                self.done += 1
                self.deadline = time.monotonic() + WALL_SECONDS
            if self.done < self.end:
                return
        os.close(self.fd)
        self.fd = None
        os.waitpid(self.pid, 0)


def _guarded(check: Check, job: Any) -> dict[str, Any]:
    try:
        return json_ready(check(job))  # type: ignore[no-any-return]
    except (BoundExceeded, MemoryError):
        return _bounded_failure(f"needed more than {MEMORY_BYTES >> 20} MB")


def _bounded_failure(why: str) -> dict[str, Any]:
    return {
        "valid": False,
        "error_message": f"Execution of this entry was stopped by toolgrad-eval's bound: {why}.",
        "error_type": BOUNDED,
    }


def _child_loop(jobs: Sequence[Any], start: int, check: Check, write_fd: int) -> None:
    import resource
    import signal

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # The profiling timer counts this process's CPU time; on expiry SIGPROF, whose default action
    # ends the process even inside one long C operation (a huge power), where no handler would run.
    signal.signal(signal.SIGPROF, signal.SIG_DFL)
    _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    _, mem_hard = resource.getrlimit(resource.RLIMIT_AS)
    page = os.sysconf("SC_PAGE_SIZE")
    for job in jobs[start:]:
        used = resource.getrusage(resource.RUSAGE_SELF)
        # A backstop in whole seconds, should the timer be disturbed.
        soft_cpu = int(used.ru_utime + used.ru_stime) + 3
        resource.setrlimit(resource.RLIMIT_CPU, (_capped(soft_cpu, cpu_hard), cpu_hard))
        signal.setitimer(signal.ITIMER_PROF, CPU_SECONDS)
        with open("/proc/self/statm", "rb") as statm:
            size = int(statm.read().split()[0]) * page
        resource.setrlimit(resource.RLIMIT_AS, (_capped(size + MEMORY_BYTES, mem_hard), mem_hard))
        try:
            verdict = json_ready(check(job))
            payload = pickle.dumps(verdict, protocol=pickle.HIGHEST_PROTOCOL)
        except (BoundExceeded, MemoryError):
            return  # the parent records this job as bounded
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            resource.setrlimit(resource.RLIMIT_AS, (mem_hard, mem_hard))
        data = _HEADER.pack(len(payload)) + payload
        view = memoryview(data)
        while view:
            written = os.write(write_fd, view)
            view = view[written:]


def _capped(value: int, hard: int) -> int:
    import resource

    return value if hard == resource.RLIM_INFINITY else min(value, hard)
