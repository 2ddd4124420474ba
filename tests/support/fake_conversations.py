"""A real OpenAI-compatible server on 127.0.0.1 that plays BFCL multi-turn conversations from a script.

Each conversation is recognised by its first user message. The server reads where the conversation
stands from the request alone (turn: the user messages that are not returned tool results; step: the
assistant messages since that turn's message) and answers the scripted step: FC mode a ``tool_calls``
reply, prompt mode the text; past the turn's script it answers in text ("Done."). A conversation named
in ``forever`` answers its first scripted call at every step (it never stops on its own). Every request
is recorded with the conversation it belongs to; conversations named in ``failing`` get HTTP 500, every request after ``refuse_after`` HTTP 401.
"""

from __future__ import annotations

import ast
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TEXT_REPLY = "Done."
_RESULTS_PREFIX = "[{'role': 'tool'"  # prompt mode: returned results are a user message starting so


class ConversationServer:
    def __init__(
        self,
        script: dict[str, list[list[Any]]],  # opening user message -> turns -> steps (FC calls or prompt text)
        *,
        mode: str = "fc",
        forever: frozenset[str] = frozenset(),
        delay: float = 0.0,
        failing: frozenset[str] = frozenset(),
        held_out: dict[str, dict[int, list[str]]] | None = None,  # opening -> turn -> functions added then
        refuse_after: int | None = None,  # requests answered before every later one gets HTTP 401
        planner: Any = None,  # (body, turn, step) -> the step to answer, or None for the script's
    ) -> None:
        self.refuse_after = refuse_after
        self.planner = planner
        self.held_out = held_out or {}
        self.violations: list[str] = []  # what a real server or model would have refused or not seen
        self.script, self.mode, self.forever, self.delay = script, mode, forever, delay
        self.failing = set(failing)  # openings answered with HTTP 500 (a broken replica, for them)
        self.log: list[tuple[str, int, int]] = []  # (opening, turn, step) per request
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ConversationServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body["messages"]
        turns = [i for i, m in enumerate(messages) if _is_turn(m)]
        opening = messages[turns[0]]["content"]
        turn = len(turns) - 1
        step = sum(1 for m in messages[turns[-1] :] if m["role"] == "assistant")
        with self._lock:
            self.log.append((opening, turn, step))
        if self.delay:
            time.sleep(self.delay)
        self._check(body, opening, turn)
        planned_by = self.planner(body, turn, step) if self.planner is not None else None
        steps = self.script.get(opening, [])
        if planned_by is not None:
            planned: Any = planned_by
        elif opening in self.forever:
            planned: Any = next(s for t in steps for s in t)
        else:
            planned = steps[turn][step] if turn < len(steps) and step < len(steps[turn]) else TEXT_REPLY
        if self.mode == "fc" and isinstance(planned, list):
            calls = [
                {"id": f"call_{turn}_{step}_{i}", "type": "function", "function": {"name": n, "arguments": a}}
                for i, call in enumerate(planned)
                for n, a in call.items()
            ]
            message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": calls}
        else:
            message = {"role": "assistant", "content": planned}
        return {
            "id": f"chatcmpl-{len(self.log)}",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", ""),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": len(messages) * 10,
                "completion_tokens": 5,
                "total_tokens": len(messages) * 10 + 5,
            },
        }

    def _check(self, body: dict[str, Any], opening: str, turn: int) -> None:
        """Tool calls answered by tool messages with their ids (FC), functions offered only from their turn."""
        messages, problems = body["messages"], []
        for i, message in enumerate(messages):
            ids = [c["id"] for c in message.get("tool_calls") or []]
            if ids:
                answered = [m.get("tool_call_id") for m in messages[i + 1 : i + 1 + len(ids)] if m["role"] == "tool"]
                if answered != ids:
                    problems.append(f"tool calls {ids} answered by {answered}")
        for message in messages:  # prompt mode: results as the repr of [{"role", "name", "content"}, ...]
            if message["role"] == "user" and str(message.get("content")).startswith(_RESULTS_PREFIX):
                shown = ast.literal_eval(message["content"])
                if not all(set(r) == {"role", "name", "content"} and isinstance(r["content"], str) for r in shown):
                    problems.append(f"results message not in the official shape: {message['content'][:200]}")
        if self.mode == "fc":
            offered = " ".join(t["function"]["name"] for t in body.get("tools", []))
        else:
            offered = " ".join(str(m.get("content")) for m in messages if m["role"] in ("system", "user"))
        for added_at, names in self.held_out.get(opening, {}).items():
            for name in names:
                # a function doc (JSON or Python repr) or a tool name, not a word of the user's question
                if self.mode == "fc":
                    shown = name in offered.split()
                else:
                    shown = f"'name': '{name}'" in offered or f'"name": "{name}"' in offered
                if shown != (turn >= added_at):
                    problems.append(f"{name} offered={shown} at turn {turn} (added at {added_at})")
        with self._lock:
            self.violations.extend(problems)


def _is_turn(message: dict[str, Any]) -> bool:
    return message.get("role") == "user" and not str(message.get("content", "")).startswith(_RESULTS_PREFIX)


def _handler(server: ConversationServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            answer = server.answer(body)
            failed = any(m.get("content") in server.failing for m in body["messages"][:3])
            refused = server.refuse_after is not None and len(server.log) > server.refuse_after
            data = json.dumps({"error": {"message": "scripted failure"}} if failed or refused else answer).encode()
            self.send_response(401 if refused else 500 if failed else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class MemoryPlayer:
    """Plays BFCL memory conversations (a ``planner`` for :class:`ConversationServer`).

    The first prerequisite conversation of a scenario stores every question's answer at its first
    step (key-value back-end: ``archival_memory_add(key="q_<n>", value=<answer>)``; rec_sum:
    ``memory_append``); every prerequisite ``i`` adds `` <i>`` to a ``chain`` value (kv: the core
    memory's ``chain`` key, read from the system prompt; rec_sum: appended text). A question reads its
    answer back (kv: ``archival_memory_retrieve`` then the tool result as the answer; rec_sum: from
    the memory shown in the system prompt). ``wrong`` question indices store a wrong answer. Each
    question's system prompt is kept in ``systems`` (keyed by opening message and scenario)."""

    WRONG = "zzq-not-it"

    def __init__(
        self,
        settings: dict[str, str],  # scenario -> its setting text (the system prompt's first line)
        prereqs: dict[str, tuple[str, int]],  # opening of a prerequisite -> (scenario, index in its chain)
        questions: dict[tuple[str, str], tuple[int, str]],  # (scenario, opening) -> (question index, answer)
        *,
        backend: str,
        mode: str = "fc",
        wrong: frozenset[int] = frozenset(),
    ) -> None:
        self.settings, self.prereqs, self.questions = settings, prereqs, questions
        self.backend, self.mode, self.wrong = backend, mode, wrong
        self.systems: dict[tuple[str, str], str] = {}
        self.first_requests: dict[tuple[str, str], dict[str, Any]] = {}  # (scenario, opening) -> its first body
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any], turn: int, step: int) -> Any:
        messages = body["messages"]
        system = str(messages[0].get("content")) if messages and messages[0]["role"] == "system" else ""
        opening = next(m["content"] for m in messages if _is_turn(m))
        scenario = next((s for s, text in self.settings.items() if text in system), None)
        if scenario is None:
            return None
        if turn == 0 and step == 0:
            with self._lock:
                self.first_requests[(scenario, opening)] = body
        if (scenario, opening) in self.questions and opening not in self.prereqs:
            with self._lock:
                self.systems[(scenario, opening)] = system
            return self._question(scenario, opening, step, messages, system)
        where = self.prereqs.get(opening)
        if where is None or turn != 0 or step != 0:
            return None  # the script's text reply ("Done.")
        return self._prereq(*where, system)

    def _prereq(self, scenario: str, index: int, system: str) -> Any:
        calls: list[tuple[str, dict[str, str]]] = []
        if index == 0:
            for (s, _), (n, answer) in sorted(self.questions.items(), key=lambda kv: kv[1][0]):
                if s == scenario:
                    value = self.WRONG if n in self.wrong else answer
                    if self.backend == "kv":
                        calls.append(("archival_memory_add", {"key": f"q_{n}", "value": value}))
                    else:
                        calls.append(("memory_append", {"text": f" q_{n}={value};"}))
        if self.backend == "kv":
            found = re.search(r'"chain": "([^"]*)"', system)
            if found is None:
                calls.append(("core_memory_add", {"key": "chain", "value": f"{scenario}:{index}"}))
            else:
                calls.append(("core_memory_replace", {"key": "chain", "value": f"{found.group(1)} {index}"}))
        else:
            calls.append(("memory_append", {"text": f" chain:{index}"}))
        return self._calls(calls)

    def _question(self, scenario: str, opening: str, step: int, messages: list[dict[str, Any]], system: str) -> Any:
        n, _ = self.questions[(scenario, opening)]
        if self.backend == "kv":
            if step == 0:
                return self._calls([("archival_memory_retrieve", {"key": f"q_{n}"})])
            result = messages[-1]["content"]
            if self.mode != "fc":  # the results message: [{'role': 'tool', 'name': ..., 'content': ...}]
                result = ast.literal_eval(result)[0]["content"]
            value = json.loads(result).get("value", "I do not know")
        else:
            found = re.search(rf" q_{n}=([^;]*);", system)
            value = found.group(1) if found else "I do not know"
        return "{'answer': '" + value.replace("'", "") + "', 'context': 'from memory'}"

    def _calls(self, calls: list[tuple[str, dict[str, str]]]) -> Any:
        if self.mode == "fc":
            return [{name: json.dumps(kwargs)} for name, kwargs in calls]
        return (
            "["
            + ", ".join(f"{name}(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")" for name, kwargs in calls)
            + "]"
        )


def kill_midway(command: list[str], server: ConversationServer, low: int, high: int) -> None:
    """Run ``command --base-url <server>`` and ``kill -9`` it once the server has logged a random
    number of requests in ``[low, high]`` (or when it ends first); requests in flight then land in
    the log before this returns."""
    import os
    import random
    import signal
    import subprocess

    child = subprocess.Popen(
        [*command, "--base-url", server.base_url], env=os.environ.copy(), stderr=subprocess.DEVNULL
    )
    kill_at = random.Random().randint(low, high)
    while len(server.log) < kill_at and child.poll() is None:
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    time.sleep(0.2)
