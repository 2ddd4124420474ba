"""An entry's simulators in a child process, each step's calls run under a CPU-time and memory bound.

While generating, an entry's simulator state must live across requests that take seconds each, so
the checker's forked-per-chunk worker (:mod:`toolgrad_eval.bfcl.multi_turn.bounded`) does not fit.
Each conversation thread owns one child process instead (forked before the threads start, or started
with ``forkserver`` later, so no threaded process is forked); the child loads the pinned simulators once, creates a
fresh set of instances for each entry and runs the calls with the scorer's dispatcher
(:class:`toolgrad_eval.bfcl.multi_turn.execute.Side`: no ``eval``, public simulator methods only).
Before each step it sets its soft CPU limit ``CPU_SECONDS`` past what it has used and its address
space ``MEMORY_BYTES`` above its size, the scorer's bounds. A step that breaks them, or that takes
longer than ``WALL_SECONDS``, kills the child: :class:`Bounded` is raised and the next entry gets a
new child. Without ``resource`` (Windows) the time limit is the only bound.

Memory entries (BFCL v4's ``MemoryAPI_*`` back-ends) load the back-end's class in the child when
first asked for. Their official code places snapshots from the entry's ``initial_config``
(``model_result_dir``, ``test_id``, ``scenario``: set by :mod:`toolgrad_eval.generate.memory` from
the data, never from model output). :meth:`SimulatorProcess.flush_memory` has the official
``_flush_memory_to_local_file`` write into a scratch folder, then puts each file in place
atomically, and only under the folder the parent names (the model's result folder).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import tempfile
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from toolgrad_eval.bfcl.multi_turn.bounded import CPU_SECONDS, MEMORY_BYTES, WALL_SECONDS
from toolgrad_eval.bfcl.multi_turn.execute import BoundExceeded, Side, instance_name

__all__ = ["Bounded", "SimulatorProcess", "inference_instance_name"]

# RLIMIT_CPU counts whole seconds: scoring's per-entry CPU budget, rounded up.
CPU_LIMIT_SECONDS = max(1, math.ceil(CPU_SECONDS))

Version = Literal["v3", "v4"]


class Bounded(Exception):
    """A step's calls broke the execution bounds; the entry ends there."""


def inference_instance_name(version: Version, model: str, entry_id: str, class_name: str) -> str:
    """The official generator's instance name (the checker's without ``_eval``); the call rewriting
    writes it into string arguments, so it is part of what the simulators see."""
    if version == "v4":
        return re.sub(r"[-./:]", "_", f"{model}_{entry_id}_{class_name}_instance")
    escaped = model.replace("-", "_").replace(".", "_").replace("/", "_")
    return f"{escaped}_{entry_id}_{class_name.lower()}_instance"


class SimulatorProcess:
    """One child holding one entry's simulators at a time; reused for the next entry unless it died."""

    def __init__(self, folder: Path, version: Version, model: str) -> None:
        self.folder, self.version, self.model = folder, version, model
        self._process: Any = None
        self._conn: Connection | None = None

    def start(self) -> None:
        """Start the child now. In a process with no other thread it is forked (it inherits the
        simulators already loaded here, so it is ready at once); otherwise ``forkserver`` (or
        ``spawn``) starts it, since forking a threaded process can copy a lock held mid-use."""
        methods = multiprocessing.get_all_start_methods()
        if "fork" in methods and threading.active_count() == 1:
            method = "fork"
        else:
            method = "forkserver" if "forkserver" in methods else "spawn"
        context = multiprocessing.get_context(method)
        parent, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, str(self.folder), self.version, self.model), daemon=True
        )
        self._process.start()
        child.close()
        self._conn = parent

    def open(self, entry_id: str, involved: list[str], initial_config: dict[str, Any], long_context: bool) -> None:
        """Fresh instances for an entry; ValueError when its classes are not simulators."""
        answer = self._ask(("open", entry_id, involved, initial_config, long_context))
        if answer[0] != "ok":
            raise ValueError(answer[1])

    def memory_context(self) -> str:
        """The opened memory entry's core memory as the official prompt shows it."""
        answer = self._ask(("memory",))
        if answer[0] != "ok":
            raise ValueError(answer[1])
        return str(answer[1])

    def flush_memory(self, root: Path) -> None:
        """Write the opened memory entry's snapshots (each file atomically), only under ``root``."""
        answer = self._ask(("flush", str(root)))
        if answer[0] != "ok":
            if answer[0] == "bounded":
                self.close()
                raise Bounded(answer[1])
            raise ValueError(answer[1])

    def execute(self, calls: list[str]) -> list[str]:
        answer = self._ask(("exec", calls))
        if answer[0] != "ok":
            self.close()
            raise Bounded(answer[1])
        return list(answer[1])

    def close(self) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
            self._process = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _ask(self, message: tuple[Any, ...]) -> tuple[Any, ...]:
        if self._process is None:
            self.start()
        assert self._conn is not None
        why = f"took more than {WALL_SECONDS:.0f} s"
        try:
            self._conn.send(message)
            if self._conn.poll(WALL_SECONDS * 2 if message[0] == "open" else WALL_SECONDS):
                answer: tuple[Any, ...] = self._conn.recv()
                return answer
        except (EOFError, OSError):
            why = f"stopped after more than {CPU_SECONDS} s of CPU or {MEMORY_BYTES >> 20} MB"
        self.close()
        raise Bounded(why)


def _serve(conn: Connection, folder: str, version: Version, model: str) -> None:
    """The child: entries' instances, one at a time, and their calls under the bounds."""
    import signal

    from toolgrad_eval.bfcl.multi_turn.simulators import MEMORY_CLASS_MODULES, load_classes, load_memory_class

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it closes us
    parent = os.getppid()  # ours, or the forkserver's (which ends with ours)
    classes = dict(load_classes(Path(folder)))
    side: Side | None = None
    while True:
        # A forked sibling may hold our pipe's other end, so EOF alone may never come: watch the parent.
        while not conn.poll(1.0):
            if os.getppid() != parent:
                return
        try:
            message = conn.recv()
        except EOFError:
            return
        if message[0] == "open":
            _, entry_id, involved, initial_config, long_context = message
            try:
                for class_name in involved:
                    if class_name not in classes and class_name in MEMORY_CLASS_MODULES:
                        classes[class_name] = load_memory_class(Path(folder), class_name)
                side = _side(classes, version, model, entry_id, involved, initial_config, long_context)
            except KeyError as exc:
                conn.send(("error", f"involved class {exc} is not a BFCL simulator"))
                continue
            except Exception as exc:  # noqa: BLE001 - a scenario the simulator cannot load: this entry's error
                conn.send(("error", f"initial_config cannot be loaded ({type(exc).__name__}: {exc})"[:1000]))
                continue
            conn.send(("ok",))
            continue
        assert side is not None
        if message[0] == "memory":
            try:
                conn.send(("ok", str(_memory_instance(side)._dump_core_memory_to_context())))
            except Exception as exc:  # noqa: BLE001 - the official code's failure is this entry's error
                conn.send(("error", f"memory context: {type(exc).__name__}: {exc}"[:1000]))
            continue
        if message[0] == "flush":
            with _bounds():
                try:
                    _flush(_memory_instance(side), Path(message[1]))
                except (BoundExceeded, MemoryError):
                    conn.send(("bounded", f"needed more than {MEMORY_BYTES >> 20} MB"))
                    return
                except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops the chain
                    conn.send(("error", f"memory snapshot: {type(exc).__name__}: {exc}"[:1000]))
                    continue
            conn.send(("ok",))
            continue
        with _bounds():
            try:
                results = side.execute(message[1])
            except (BoundExceeded, MemoryError):
                conn.send(("bounded", f"needed more than {MEMORY_BYTES >> 20} MB"))
                return
        conn.send(("ok", results))


def _memory_instance(side: Side) -> Any:
    from toolgrad_eval.bfcl.multi_turn.simulators import MEMORY_CLASS_MODULES

    found = [i for c, i in side.instances.items() if c in MEMORY_CLASS_MODULES]
    if len(found) != 1:
        raise ValueError("the entry has no single memory back-end")
    return found[0]


def _flush(instance: Any, root: Path) -> None:
    """The official flush, into a scratch folder; then the entry's checkpoint and the scenario's
    latest snapshot put in place atomically (the checkpoint first), both checked to lie under ``root``."""
    from toolgrad_eval.fileio import atomic_write_text

    folder, latest = Path(instance.snapshot_folder), Path(instance.latest_snapshot_file)
    checkpoint = folder / f"{instance.test_id}.json"
    root = root.resolve()
    for target in (checkpoint, latest):
        if not target.resolve().is_relative_to(root):
            raise ValueError(f"snapshot path {target} is outside {root}")
    with tempfile.TemporaryDirectory(prefix=".flush-", dir=folder) as scratch:
        instance.snapshot_folder, instance.latest_snapshot_file = Path(scratch), Path(scratch) / "latest.json"
        try:
            instance._flush_memory_to_local_file()
        finally:
            instance.snapshot_folder, instance.latest_snapshot_file = folder, latest
        atomic_write_text(checkpoint, (Path(scratch) / checkpoint.name).read_text(encoding="utf-8"))
        atomic_write_text(latest, (Path(scratch) / "latest.json").read_text(encoding="utf-8"))


def _side(
    classes: dict[str, type],
    version: Version,
    model: str,
    entry_id: str,
    involved: list[str],
    initial_config: dict[str, Any],
    long_context: bool,
) -> Side:
    side = Side.create(
        classes, involved, initial_config, long_context=long_context, model=model, entry_id=entry_id, version=version
    )
    renamed = {
        instance_name(version, model, entry_id, c): inference_instance_name(version, model, entry_id, c)
        for c in involved
    }
    side.names = {renamed.get(name, name): cls for name, cls in side.names.items()}
    side.owner = {method: renamed.get(name, name) for method, name in side.owner.items()}
    return side


class _bounds:
    """Soft CPU and address-space limits for one step (no-op without ``resource``)."""

    def __enter__(self) -> None:
        try:
            import resource
        except ImportError:
            self._resource = None
            return
        self._resource = resource
        _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
        _, self._mem_hard = resource.getrlimit(resource.RLIMIT_AS)
        used = resource.getrusage(resource.RUSAGE_SELF)
        resource.setrlimit(
            resource.RLIMIT_CPU, (_capped(int(used.ru_utime + used.ru_stime) + CPU_LIMIT_SECONDS, cpu_hard), cpu_hard)
        )
        try:
            with open("/proc/self/statm", "rb") as statm:
                size = int(statm.read().split()[0]) * resource.getpagesize()
        except OSError:
            return
        resource.setrlimit(resource.RLIMIT_AS, (_capped(size + MEMORY_BYTES, self._mem_hard), self._mem_hard))

    def __exit__(self, *exc: object) -> None:
        if self._resource is not None:
            resource = self._resource
            resource.setrlimit(resource.RLIMIT_AS, (self._mem_hard, self._mem_hard))


def _capped(value: int, hard: int) -> int:
    import resource

    return value if hard == resource.RLIM_INFINITY else min(value, hard)
