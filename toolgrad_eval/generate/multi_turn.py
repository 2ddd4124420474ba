"""``generate`` for BFCL's multi-turn categories: one conversation per entry, whole entries written.

Entries are prepared as the official loader does: the function docs of the entry's classes from the
data's ``multi_turn_func_doc/`` (each description with the Python note), the held-out functions of
``multi_turn_miss_func`` taken out and added back at their turn (without the note, as officially).
Conversations run in ``--num_process`` threads, one entry per thread at a time (a conversation's
requests are sequential by nature); each request goes through generate's sender (replicas, 429s,
retries), each step's calls through the entry's :class:`~toolgrad_eval.generate.multi_turn_sim.SimulatorProcess`.

An entry is written only when its conversation ends, as one line in one append: a ``kill -9``
leaves finished entries and at most a torn last line, which the next run drops and asks again. A
request that keeps failing (transport) ends its entry with a transport error line, which the next
run drops too; a request the server refuses, or calls broken by the execution bounds, end it with
a BFCL ``Error during inference`` line (the checker fails it, as the official generator's would be).

Memory categories run here too, as chains of prerequisite conversations before their questions
(:mod:`toolgrad_eval.generate.memory`). Web search is not generated: it needs the live web and a
search API key.

The official generator also writes an ``inference_log`` (the messages and each class's state, step
by step) into each line. It is a debugging aid no checker scores from: the official one only copies it
into failed entries' score lines (an empty string when absent), and both score from ``result``; so it
is not written.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Sequence, TextIO

from toolgrad_eval.bfcl.data import BfclData, Entry
from toolgrad_eval.bfcl.multi_turn.score import MULTI_TURN
from toolgrad_eval.bfcl.multi_turn.simulators import load_classes, load_memory_class, simulator_dir
from toolgrad_eval.errors import ConfigError
from toolgrad_eval.generate.conversation import Asked, Conversation, MultiTurnEntry, RequestFailed
from toolgrad_eval.generate.functions import with_language_notes
from toolgrad_eval.generate.memory import BACKEND_CLASS, Chain, MemoryPrompts, first_turn_system, restore_snapshot
from toolgrad_eval.generate.multi_turn_sim import Bounded, SimulatorProcess
from toolgrad_eval.generate.prompt import SystemPrompt
from toolgrad_eval.generate.resultfile import REQUEST, TRANSPORT, error_line
from toolgrad_eval.generate.sender import Job, SendSettings, Sender
from toolgrad_eval.judge.cost import CostMeter
from toolgrad_eval.judge.endpoints import endpoint_urls, make_pool

__all__ = [
    "MULTI_TURN",
    "ConversationProgress",
    "MemoryRun",
    "Pending",
    "PendingChain",
    "prepare_entry",
    "send_conversations",
    "send_from_options",
]

# The classes' function-doc files in the data (the official backend configuration).
FUNC_DOC_FILES = {
    "GorillaFileSystem": "gorilla_file_system.json",
    "MathAPI": "math_api.json",
    "MessageAPI": "message_api.json",
    "TwitterAPI": "posting_api.json",
    "TicketAPI": "ticket_api.json",
    "TradingBot": "trading_bot.json",
    "TravelAPI": "travel_booking.json",
    "VehicleControlAPI": "vehicle_control.json",
    "MemoryAPI_kv": "memory_kv.json",
    "MemoryAPI_rec_sum": "memory_rec_sum.json",
    "MemoryAPI_vector": "memory_vector.json",
}


@dataclass(frozen=True)
class Pending:
    category: str  # the result file's category (``memory_kv_prereq`` for a memory prerequisite)
    entry: MultiTurnEntry
    scenario: str | None = None  # memory entries: the scenario whose memory they read (and build)


@dataclass(frozen=True)
class PendingChain:
    """A memory scenario to hold: prerequisites in order, then its questions (see generate/memory.py)."""

    chain: Chain
    prereqs: list[Pending]
    questions: list[Pending]


@dataclass(frozen=True)
class MemoryRun:
    """What memory conversations need: the release's memory prompts and the model's result folder
    (the only place their snapshots may be written)."""

    prompts: MemoryPrompts
    model_dir: Path


@dataclass(frozen=True)
class _Skipped:
    count: int  # entries not asked this run
    why: str


PREREQ_SUFFIX = "_prereq"


def _memory_category(item: Pending) -> str:
    return item.category[: -len(PREREQ_SUFFIX)] if item.category.endswith(PREREQ_SUFFIX) else item.category


def _backend_class(chain: PendingChain) -> str:
    return BACKEND_CLASS[chain.chain.category]


@dataclass
class Conversations:
    """What the conversations did (the runner adds it to its summary)."""

    entries: int = 0
    requests: int = 0  # HTTP requests, retries included
    errors: int = 0
    retryable: int = 0
    first_error: str | None = None
    seconds: float = 0.0
    servers: list[Any] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0


def prepare_entry(entry: Entry, data_root: Path, docs: dict[str, list[dict[str, Any]]]) -> MultiTurnEntry:
    """The entry with its function docs; ValueError when it is not shaped as BFCL's are.
    ``docs`` caches the classes' doc files across entries."""
    question = entry.question
    turns, involved = question.get("question"), question.get("involved_classes")
    if not isinstance(turns, list) or not all(isinstance(t, list) for t in turns):
        raise ValueError("question is not a list of turns")
    if not isinstance(involved, list) or not all(c in FUNC_DOC_FILES for c in involved):
        raise ValueError(f"involved_classes {involved!r} are not BFCL simulators")
    functions: list[dict[str, Any]] = []
    for class_name in involved:
        if class_name not in docs:
            path = data_root / "multi_turn_func_doc" / FUNC_DOC_FILES[class_name]
            try:
                docs[class_name] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
            except (OSError, ValueError) as exc:
                raise ConfigError(f"{path}: cannot read the function docs ({exc})") from None
        functions.extend(docs[class_name])
    held_out: dict[int, list[dict[str, Any]]] = {}
    for turn, names in (question.get("missed_function") or {}).items():
        held_out[int(turn)] = []
        for name in names:
            found = next((i for i, f in enumerate(functions) if f.get("name") == name), None)
            if found is not None:
                held_out[int(turn)].append(functions.pop(found))
    config = question.get("initial_config") or {}
    if not isinstance(config, dict):
        raise ValueError("initial_config is not an object")
    return MultiTurnEntry(
        entry.id, turns, with_language_notes(functions, "multi_turn"), held_out, list(involved), config
    )


class ConversationProgress:
    """``label  entries d/t  requests r  errors e`` redrawn in place, on a terminal only."""

    def __init__(self, label: str, stream: TextIO | None = None, interval: float = 0.2) -> None:
        self.label, self.stream, self.interval = label, stream or sys.stderr, interval
        self._drawn = 0.0

    def __call__(self, done: int, total: int, requests: int, errors: int) -> None:
        now = time.monotonic()
        if done < total and now - self._drawn < self.interval:
            return
        self._drawn = now
        self.stream.write(f"\r{self.label}  entries {done}/{total}  requests {requests}  errors {errors}  ")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def send_conversations(
    pending: list[Pending],
    record: Callable[[str, dict[str, Any]], None],
    *,
    data: BfclData,
    urls: list[str | None],
    folder: str,
    mode: Literal["fc", "prompt"],
    base_body: dict[str, Any],
    prompt: SystemPrompt | None,
    num_process: int,
    send: SendSettings,
    dots_to_underscores: bool = True,
    progress: Callable[[int, int, int, int], None] | None = None,
    chains: Sequence[PendingChain] = (),
    memory: MemoryRun | None = None,
) -> Conversations:
    """Run every pending conversation and append each finished entry to its category's file.

    ``chains`` (memory categories) are held first: each chain's prerequisite conversations one after
    another on one thread, each writing its snapshot before its line is recorded; its questions are
    queued once the last prerequisite is done, and not asked (counted as errors, left for the next
    run) when one fails."""
    total = len(pending) + sum(len(c.prereqs) + len(c.questions) for c in chains)
    out = Conversations(entries=total)
    if not total:
        return out
    if chains and memory is None:
        raise ValueError("memory chains need a MemoryRun")
    simulators = simulator_dir(data.root, data.version)
    meter = CostMeter(None)
    lock = threading.Lock()

    def count_request(_request: Any) -> None:
        with lock:
            out.requests += 1

    pool = make_pool(
        urls, timeout=send.timeout, on_request=count_request, rest_seconds=send.rest_seconds, max_stall=send.max_stall
    )
    workers = max(1, min(num_process, total))
    sender = Sender(pool, workers, send, meter)
    local = threading.local()
    version: Literal["v3", "v4"] = "v4" if data.version == "v4" else "v3"
    load_classes(simulators)  # here once: children forked before the threads start inherit them
    for chain in chains:
        load_memory_class(simulators, _backend_class(chain))
    processes = [SimulatorProcess(simulators, version, folder) for _ in range(workers)]
    for process in processes:
        process.start()
    idle: queue.SimpleQueue[SimulatorProcess] = queue.SimpleQueue()
    for process in processes:
        idle.put(process)

    def converse(item: Pending) -> dict[str, Any]:
        process: SimulatorProcess | None = getattr(local, "process", None)
        if process is None:
            process = local.process = idle.get()  # one per thread, started above (restarted if it dies)
        entry = item.entry

        def ask(body: dict[str, Any]) -> Asked:
            outcome = sender.send(Job((item.category, entry.id), body))
            if outcome.reply is None:
                raise RequestFailed(outcome.error or "no reply", outcome.retryable)
            return Asked(outcome.reply, outcome.latency)

        long_context = "long_context" in item.category or "composite" in item.category
        try:
            process.open(entry.id, entry.involved_classes, entry.initial_config, long_context)
            if item.scenario is not None:  # memory: the core memory as loaded goes into the system prompt
                assert memory is not None
                system = memory.prompts.system(_memory_category(item), item.scenario, process.memory_context())
                entry = first_turn_system(entry, system)
        except (ValueError, Bounded) as exc:
            return error_line(entry.id, f"malformed question: {exc}", REQUEST)
        try:
            conversation = Conversation(
                entry, mode, version, ask, process.execute, base_body, prompt, dots_to_underscores
            )
            line = conversation.run()
            if item.category.endswith(PREREQ_SUFFIX):  # its snapshot, before its line is recorded
                assert memory is not None
                try:
                    process.flush_memory(memory.model_dir)
                except ValueError as exc:
                    return error_line(entry.id, f"memory snapshot not written: {exc}", REQUEST)
            return line
        except RequestFailed as exc:
            return error_line(entry.id, str(exc), TRANSPORT if exc.retryable else REQUEST)
        except Bounded as exc:
            return error_line(entry.id, f"toolgrad-eval stopped executing this entry's calls: {exc}", REQUEST)

    todo: queue.SimpleQueue[Pending | PendingChain | None] = queue.SimpleQueue()
    finished: queue.SimpleQueue[tuple[Pending, dict[str, Any]] | _Skipped | BaseException] = queue.SimpleQueue()

    def hold(chain: PendingChain) -> None:
        """A scenario's prerequisites in order, then its questions queued (or skipped after a failure)."""
        try:
            restore_snapshot(chain.chain)
        except OSError as exc:
            finished.put(_Skipped(len(chain.prereqs) + len(chain.questions), f"{chain.chain.latest}: {exc}"))
            return
        for index, item in enumerate(chain.prereqs):
            line = converse(item)
            finished.put((item, line))
            if "toolgrad_error" in line:
                left = len(chain.prereqs) - index - 1 + len(chain.questions)
                why = f"{chain.chain.scenario} questions wait: prerequisite {item.entry.id} failed ({line['result']})"
                finished.put(_Skipped(left, why[:500]))
                return
        for question in chain.questions:
            todo.put(question)

    def work() -> None:
        while not sender.stop.is_set():
            item = todo.get()
            if item is None:
                return
            try:
                if isinstance(item, PendingChain):
                    hold(item)
                else:
                    finished.put((item, converse(item)))
            except BaseException as exc:  # handed to the writing thread, which raises it
                sender.stop.set()
                finished.put(exc)
                return

    for chain in chains:  # first: their questions wait for them
        todo.put(chain)
    for item in pending:
        todo.put(item)
    # Daemon threads, as the sender's: on Ctrl-C or an abort nothing waits for a request in flight.
    threads = [threading.Thread(target=work, name=f"conversation-{i}", daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    done = 0
    try:
        while done < total:
            try:
                got = finished.get(timeout=0.25)  # a timeout keeps Ctrl-C responsive
            except queue.Empty:
                continue
            if isinstance(got, BaseException):
                raise got  # GenerateAborted (a refused key...) or a bug: the run stops
            if isinstance(got, _Skipped):
                done += got.count
                out.errors += got.count
                out.first_error = out.first_error or got.why
            else:
                item, line = got
                done += 1
                if "toolgrad_error" in line:
                    out.errors += 1
                    out.retryable += line["toolgrad_error"] == TRANSPORT
                    out.first_error = out.first_error or f"{item.entry.id}: {line['result']}"
                record(item.category, line)  # the whole entry, in one append (the runner's writer)
            if progress is not None:
                progress(done, total, out.requests, out.errors)
    finally:
        sender.stop.set()
        for _ in threads:
            todo.put(None)
        for process in processes:
            process.close()
        pool.close()
    out.seconds = round(time.perf_counter() - started, 3)
    out.servers = pool.stats()
    out.prompt_tokens, out.completion_tokens = meter.prompt_tokens, meter.completion_tokens
    return out


def send_from_options(
    pending: list[Pending],
    record: Callable[[str, dict[str, Any]], None],
    options: Any,  # runner.GenerateOptions (not imported: the runner imports this module)
    data: BfclData,
    request: Any,  # request.RequestOptions
    folder: str,
    outcome: dict[str, Any],
    chains: Sequence[PendingChain] = (),
    memory: MemoryRun | None = None,
) -> int:
    """The runner's call: conversations for ``pending`` (and memory ``chains``), their figures added
    to ``outcome``; returns how many entries were sent."""
    total = len(pending) + sum(len(c.prereqs) + len(c.questions) for c in chains)
    if not total:
        return 0
    urls = endpoint_urls(options.base_urls)
    if urls == [None] and not os.environ.get("OPENAI_API_KEY"):
        raise ConfigError(
            "no model server: pass --base-url URL (e.g. http://localhost:8000/v1) or set "
            "OPENAI_BASE_URL (and OPENAI_API_KEY for a hosted API)"
        )
    base_body: dict[str, Any] = {"model": request.model, "temperature": request.temperature}
    if request.max_tokens is not None:
        base_body["max_tokens"] = request.max_tokens
    done = send_conversations(
        pending,
        record,
        data=data,
        urls=urls,
        folder=folder,
        mode=request.mode,
        base_body=base_body,
        prompt=request.prompt,
        num_process=options.num_process,
        send=options.send,
        dots_to_underscores=request.dots_to_underscores,
        progress=ConversationProgress(f"Conversations {request.model}") if sys.stderr.isatty() else None,
        chains=chains,
        memory=memory,
    )
    outcome["errors"] += done.errors
    outcome["first_error"] = outcome["first_error"] or done.first_error
    outcome["http_requests"] += done.requests
    outcome["servers"] = [*outcome["servers"], *done.servers]
    outcome["prompt_tokens"] += done.prompt_tokens
    outcome["completion_tokens"] += done.completion_tokens
    outcome["seconds"] = round(outcome["seconds"] + done.seconds, 3)
    return total
