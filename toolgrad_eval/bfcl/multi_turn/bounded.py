"""Entries checked in a forked worker, each under a CPU-time and memory bound.

A model's arguments reach the simulators as they are: ``power(base=10, exponent=10**9)`` or
``logarithm(..., precision=10**7)`` would run for minutes and take gigabytes in a faithful
simulator. The checks run in a child process that, before each entry, sets its soft CPU-time
limit to at most ``CPU_SECONDS`` past what it has used (the kernel stops it with SIGXCPU) and its
address-space limit to ``MEMORY_BYTES`` above its current size (a MemoryError ends the entry). An
entry that stops the child is a recorded failure (``toolgrad:execution_bounded``); a new child
takes the next entry, so the run goes on. Where there is no ``fork`` (Windows, macOS spawn) or
no ``resource`` limits, entries are checked in this process without those bounds.
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
CPU_SECONDS = 2
MEMORY_BYTES = 300 * 1024 * 1024
WALL_SECONDS = 30.0  # a child that neither finishes nor uses CPU (it should never sleep) is stopped
_HEADER = struct.Struct("!Q")

Check = Callable[[Any], dict[str, Any]]


def run_bounded(jobs: Sequence[Any], check: Check) -> list[dict[str, Any]]:
    """``check(job)`` for every job, in order; a job that exceeds its bound gives a failure dict."""
    if not jobs:
        return []
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return [_guarded(check, job) for job in jobs]
    out: list[dict[str, Any]] = []
    while len(out) < len(jobs):
        out.extend(_child_run(jobs, len(out), check))
        if len(out) < len(jobs):  # the child stopped inside this job
            out.append(_bounded_failure(f"stopped after more than {CPU_SECONDS} s of CPU or {MEMORY_BYTES >> 20} MB"))
    return out


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


def _child_run(jobs: Sequence[Any], start: int, check: Check) -> list[dict[str, Any]]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        status = 0
        try:
            _child_loop(jobs, start, check, write_fd)
        except BaseException:  # noqa: BLE001 - a child must not run the parent's code after a crash
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    results: list[dict[str, Any]] = []
    buffer = b""
    deadline = time.monotonic() + WALL_SECONDS
    try:
        while start + len(results) < len(jobs):
            ready, _, _ = select.select([read_fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                os.kill(pid, 9)
                break
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            buffer += chunk
            while len(buffer) >= _HEADER.size:
                (size,) = _HEADER.unpack_from(buffer)
                if len(buffer) < _HEADER.size + size:
                    break
                results.append(pickle.loads(buffer[_HEADER.size : _HEADER.size + size]))
                buffer = buffer[_HEADER.size + size :]
                deadline = time.monotonic() + WALL_SECONDS
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)
    return results


def _child_loop(jobs: Sequence[Any], start: int, check: Check, write_fd: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    _, mem_hard = resource.getrlimit(resource.RLIMIT_AS)
    page = os.sysconf("SC_PAGE_SIZE")
    for job in jobs[start:]:
        used = resource.getrusage(resource.RUSAGE_SELF)
        # Whole seconds only: the soft limit lands 1 to CPU_SECONDS seconds after this point.
        soft_cpu = int(used.ru_utime + used.ru_stime) + CPU_SECONDS
        resource.setrlimit(resource.RLIMIT_CPU, (_capped(soft_cpu, cpu_hard), cpu_hard))
        with open("/proc/self/statm", "rb") as statm:
            size = int(statm.read().split()[0]) * page
        resource.setrlimit(resource.RLIMIT_AS, (_capped(size + MEMORY_BYTES, mem_hard), mem_hard))
        try:
            verdict = json_ready(check(job))
            payload = pickle.dumps(verdict, protocol=pickle.HIGHEST_PROTOCOL)
        except (BoundExceeded, MemoryError):
            return  # the parent records this job as bounded
        finally:
            resource.setrlimit(resource.RLIMIT_AS, (mem_hard, mem_hard))
        data = _HEADER.pack(len(payload)) + payload
        view = memoryview(data)
        while view:
            written = os.write(write_fd, view)
            view = view[written:]


def _capped(value: int, hard: int) -> int:
    import resource

    return value if hard == resource.RLIM_INFINITY else min(value, hard)
