"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests (stdlib only).

Why: retries, timeouts, 429s, dropped connections and Batch jobs can only be tested honestly
through the real ``openai`` SDK talking HTTP, so tests never monkeypatch the SDK; they point it
at this server instead.

In-process use (the ``fake_openai`` fixture in tests/conftest.py yields a started server)::

    from support.fake_openai import FakeOpenAI, Reply   # tests/ is on sys.path via conftest

    def test_judge(fake_openai, monkeypatch):
        monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)  # or OpenAI(base_url=...)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        fake_openai.script([Reply.status(429, retry_after=0.05), Reply.ok(score=80)])
        ...
        assert fake_openai.count("/v1/chat/completions") == 2
        assert fake_openai.requests[-1]["json"]["temperature"] == 0

    with FakeOpenAI(latency=0.3, fault_rate=0.2, seed=1) as server:  # without the fixture
        ...

Chat completions (POST /v1/chat/completions): 401 without an Authorization header; 400 with an
OpenAI-style ``{"error": {...}}`` body when ``model``/``messages`` is missing or ``response_format``
is malformed (a strict json_schema must set additionalProperties false and require every
property, as the real API insists). Otherwise the reply is the first of:
  1. the next scripted ``Reply`` (``server.script([...])``, FIFO; validation errors consume none);
  2. a marker in the last user message: ``FAKE_STATUS=<code>`` answers that HTTP error;
  3. a random fault (``fault_rate``, ``fault``, ``seed``);
  4. the default: a chat.completion whose content is the judge verdict JSON
     ``{"num_requests", "reason", "response_scores", "final_score"}`` built from
     ``score_fn(request_json)`` -> int (a score) or dict (dumped verbatim as the content).
     The default score_fn reads ``FAKE_SCORE=<n>`` from the last user message, else hashes the
     messages to a deterministic 0..100.
``latency`` seconds are added to every chat completion; requests are served concurrently.
``echo_auth=True`` (``--echo-auth``) makes every verdict repeat the request's key (``echo_key``), as
a careless proxy or a hostile endpoint would.
``hold_while=PATH``: chat completions and file uploads are answered only once that file is gone (a
test removes it when it is ready, e.g. once their sender is killed: a request in flight ends when
the test says, whatever the machine's load).
``Reply`` kinds: ok(score=None), status(code, retry_after=None), malformed(text) (a 200 whose
body is not JSON), content(text) (a well-formed completion with that message content),
stall(seconds, until=None) (wait, then answer normally; with ``until``, a threading.Event, as soon
as the test sets it), drop() (close the socket with no response).
Hostile kinds: drip(part, interval) (one byte every ``interval`` seconds, of the headers or of
the body, until the client gives up), huge(nbytes, declared=True) (a 200 completion whose content
is ``nbytes`` long, streamed, never held whole; without Content-Length when not ``declared``), redirect(location, code=302), error_body(message) (a 200
whose body is ``{"error": ...}`` with no choices), gzip(nbytes, code=200, encoding="gzip") (a gzip bomb:
a body inflating past ``nbytes``, as a completion or, for an error code, an error's message).
``script(replies, path=...)`` can target another route template, e.g. "/v1/batches/{id}".

Files and Batch subset: POST /v1/files (multipart, purpose=batch), GET /v1/files/{id},
GET /v1/files/{id}/content, POST /v1/batches, GET /v1/batches (newest first; its script() template
is "GET /v1/batches"), GET /v1/batches/{id}, POST /v1/batches/{id}/cancel.
A batch is "validating" when created, "in_progress" on retrieves until ``batch_polls`` retrieves
(or ``batch_seconds`` since creation, when set) have happened, then "completed" with an
output_file_id (JSONL lines scored by the same score_fn) and, if any line failed (FAKE_STATUS
marker, invalid body, or ``server.fail_batch_lines({"custom-id": 500})``), an error_file_id.

Every HTTP request is recorded: ``server.requests`` (dicts: method, path, json, headers with
lower-case names and "authorization" replaced by True/False, time, client_port) and ``server.count(path)``;
``request_log=PATH`` also appends each record as one flushed JSON line (works across processes).

As a subprocess (for kill -9 tests and benchmarks; runs until killed)::

    python tests/support/fake_openai.py --port 0 --port-file PATH [--latency 0.3]
        [--fault-rate 0.2 --fault-status 429 --fault-retry-after 0.1 --seed 0]
        [--request-log PATH] [--batch-polls 1 | --batch-seconds S] [--hold-while PATH]

``FakeOpenAIProcess(tmp_path, *cli_args)`` wraps that as a context manager (``.base_url``,
``.kill()``).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import zlib
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping

if __package__ in (None, ""):  # run as a script (FakeOpenAIProcess): make `support` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support.fake_batch import BatchStore  # noqa: E402
from support.fake_protocol import (  # noqa: E402
    CHAT_PATH,
    Answer,
    Drop,
    error_body,
    marker,
    new_id,
    validate_chat_request,
)

__all__ = ["FakeOpenAI", "FakeOpenAIProcess", "Reply", "default_score", "verdict_content", "main", "serve_until_killed"]

ScoreFn = Callable[[dict], "int | dict"]
_ROUTES = [  # (method, route template, regex); the template is what script(path=...) names
    ("POST", CHAT_PATH, re.compile(r"^/v1/chat/completions$")),
    ("POST", "/v1/files", re.compile(r"^/v1/files$")),
    ("GET", "/v1/files/{id}", re.compile(r"^/v1/files/(?P<id>[^/]+)$")),
    ("GET", "/v1/files/{id}/content", re.compile(r"^/v1/files/(?P<id>[^/]+)/content$")),
    ("POST", "/v1/batches", re.compile(r"^/v1/batches$")),
    ("GET", "GET /v1/batches", re.compile(r"^/v1/batches$")),  # the list; its own template for script()
    ("GET", "/v1/batches/{id}", re.compile(r"^/v1/batches/(?P<id>[^/]+)$")),
    ("POST", "/v1/batches/{id}/cancel", re.compile(r"^/v1/batches/(?P<id>[^/]+)/cancel$")),
]


@dataclass(frozen=True)
class Reply:
    """One scripted answer to one request."""

    kind: Literal[
        "ok", "status", "malformed", "content", "stall", "drop", "drip", "huge", "redirect", "error_body", "gzip"
    ]
    code: int = 200
    retry_after: float | None = None
    text: str = ""
    seconds: float = 0.0
    score: int | dict | None = None
    until: threading.Event | None = None  # stall: answer once this is set (in-process servers), at most `seconds`
    nbytes: int = 0  # gzip: how large the body inflates

    @classmethod
    def ok(cls, score: int | dict | None = None) -> Reply:
        return cls("ok", score=score)

    @classmethod
    def status(cls, code: int, retry_after: float | None = None, message: str = "") -> Reply:
        return cls("status", code=code, retry_after=retry_after, text=message)

    @classmethod
    def malformed(cls, text: str = "not json") -> Reply:
        return cls("malformed", text=text)

    @classmethod
    def content(cls, text: str) -> Reply:
        return cls("content", text=text)

    @classmethod
    def stall(cls, seconds: float, until: threading.Event | None = None) -> Reply:
        return cls("stall", seconds=seconds, until=until)

    @classmethod
    def drop(cls) -> Reply:
        return cls("drop")

    @classmethod
    def drip(cls, part: Literal["headers", "body"] = "body", interval: float = 1.0) -> Reply:
        return cls("drip", text=part, seconds=interval)

    @classmethod
    def huge(cls, nbytes: int, declared: bool = True) -> Reply:
        """``declared=False``: no Content-Length, the body ends when the connection closes."""
        return cls("huge", code=nbytes, text="declared" if declared else "")

    @classmethod
    def redirect(cls, location: str, code: int = 302) -> Reply:
        return cls("redirect", code=code, text=location)

    @classmethod
    def error_body(cls, message: str = "the model crashed") -> Reply:
        return cls("error_body", text=message)

    @classmethod
    def gzip(cls, nbytes: int, code: int = 200, encoding: str = "gzip") -> Reply:
        """A gzip bomb: ``Content-Encoding: gzip`` (or ``encoding``), a body that inflates to more than
        ``nbytes`` bytes (a completion whose content is that long, or for an error ``code`` an error
        whose message is) from about ``nbytes / 1000`` bytes on the wire."""
        return cls("gzip", code=code, text=encoding, nbytes=nbytes)


class Hostile(Exception):
    """Raised inside handlers: the handler writes this reply itself (dripped or streamed)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.kind)
        self.reply = reply


@functools.lru_cache(maxsize=4)
def gzip_bomb(nbytes: int, code: int) -> bytes:
    """A JSON reply (a completion for 200, an error otherwise) with a string of ``nbytes`` zeros, gzipped."""
    if code == 200:
        head = b'{"id": "chatcmpl-gz", "object": "chat.completion", "choices": [{"index": 0, '
        head += b'"finish_reason": "stop", "message": {"role": "assistant", "content": "'
        tail = b'"}}], "usage": {"prompt_tokens": 1, "completion_tokens": 1}}'
    else:
        head, tail = b'{"error": {"type": "server_error", "message": "', b'"}}'
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    parts, piece, left = [packer.compress(head)], b"0" * (1 << 20), nbytes
    while left > 0:
        parts.append(packer.compress(piece[:left]))
        left -= len(piece)
    parts += [packer.compress(tail), packer.flush()]
    return b"".join(parts)


def default_score(request: dict) -> int:
    """FAKE_SCORE=<n> in the last user message, else a stable 0..100 hash of the messages."""
    marked = marker(request, "FAKE_SCORE")
    if marked is not None:
        return marked
    digest = hashlib.sha256(json.dumps(request.get("messages"), sort_keys=True).encode()).digest()
    return int.from_bytes(digest[:4], "big") % 101


def verdict_content(score: int | dict) -> str:
    """The judge verdict JSON for a score (a dict is the verdict itself, dumped verbatim)."""
    if isinstance(score, dict):
        return json.dumps(score)
    return json.dumps(
        {"num_requests": 1, "reason": f"fake judge: score {score}", "response_scores": [score], "final_score": score}
    )


def echo_key(answer: dict, authorization: str) -> dict:
    """A careless proxy's verdict: valid JSON whose reason repeats the Authorization header, the
    bare key, and the key in JSON unicode escapes (visible only once parsed); the model name too."""
    key = authorization.removeprefix("Bearer ")
    escaped = "".join(f"\\u{ord(c):04x}" for c in key)
    answer["choices"][0]["message"]["content"] = (
        '{"num_requests": 1, "reason": "headers: Authorization: '
        + authorization
        + " key="
        + key
        + " again="
        + escaped
        + '", "response_scores": [70], "final_score": 70}'
    )
    answer["model"] = f"{answer['model']} (key {key})"
    for call in answer["choices"][0]["message"].get("tool_calls") or []:  # a model's tool call repeats it too
        # the key plain, and in JSON escapes that only decoding the arguments reveals
        call["function"]["arguments"] = '{"auth": "' + authorization + '", "token": "' + escaped + '"}'
    return answer


class FakeOpenAI:
    """An OpenAI-compatible server on 127.0.0.1 in a daemon thread; see the module docstring."""

    def __init__(
        self,
        *,
        score_fn: ScoreFn = default_score,
        latency: float = 0.0,
        fault_rate: float = 0.0,
        fault: Reply | None = None,
        seed: int = 0,
        batch_polls: int = 1,
        batch_seconds: float | None = None,
        request_log: str | os.PathLike | None = None,
        port: int = 0,
        echo_auth: bool = False,
        hold_while: str | os.PathLike | None = None,
    ):
        self.score_fn, self.latency, self.fault_rate = score_fn, latency, fault_rate
        self.echo_auth = echo_auth
        # Chat completions and file uploads are answered only once this file is gone: a test
        # decides when a request in flight ends (kill its sender first), whatever the machine's load.
        self.hold_while = Path(hold_while) if hold_while else None
        self.fault = fault or Reply.status(429, retry_after=0.05)
        self.batch_polls, self.batch_seconds = batch_polls, batch_seconds
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._requests: list[dict] = []
        self._scripts: dict[str, deque[Reply]] = {}
        self._files: dict[str, tuple[dict, bytes]] = {}
        self._batches: dict[str, dict] = {}
        self._batch_faults: dict[str, int] = {}
        self._batch_rewrite: Callable[[dict], list[dict | str]] | None = None
        self._connections: set[socket.socket] = set()
        self._log = open(request_log, "a", encoding="utf-8") if request_log else None
        self._store = BatchStore(self)
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        server = _QuietServer(("127.0.0.1", self._port), _Handler, bind_and_activate=False)
        server.daemon_threads = True
        server.request_queue_size = 128  # a backlog of 5 makes 16 concurrent connects retry SYNs
        server.server_bind()
        server.server_activate()
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        # A short poll interval keeps stop() (which waits for the loop to notice) near-instant.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes stalled and latency-sleeping handlers
        with self._lock:  # idle keep-alive connections would otherwise outlive the server
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> FakeOpenAI:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "FakeOpenAI is not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def env(self) -> dict[str, str]:
        """Environment for a subprocess that should talk to this server."""
        return {"OPENAI_BASE_URL": self.base_url, "OPENAI_API_KEY": "test-key"}

    # -- scripting and inspection ----------------------------------------------------------
    def script(self, replies: Iterable[Reply], path: str = CHAT_PATH) -> None:
        """Queue replies (FIFO) for the route template `path`; the default applies when empty."""
        with self._lock:
            self._scripts.setdefault(path, deque()).extend(replies)

    def pending(self, path: str = CHAT_PATH) -> int:
        with self._lock:
            return len(self._scripts.get(path, ()))

    def fail_batch_lines(self, statuses: Mapping[str, int]) -> None:
        """Batch lines with these custom_ids go to the error file with that HTTP status."""
        with self._lock:
            self._batch_faults.update(statuses)

    def rewrite_batch_lines(self, rewrite: Callable[[dict], list[dict | str]] | None) -> None:
        """Each result line a finishing batch writes becomes ``rewrite(row)``: rows (dumped as JSON)
        and raw text lines, in place of the one row (damaged, repeated or dropped lines)."""
        with self._lock:
            self._batch_rewrite = rewrite

    @property
    def requests(self) -> list[dict]:
        with self._lock:
            return list(self._requests)

    def count(self, path: str | None = None, method: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for r in self._requests
                if (path is None or r["path"] == path) and (method is None or r["method"] == method)
            )

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._scripts.clear()

    # -- request handling (called from handler threads) ------------------------------------
    def _record(self, method: str, path: str, headers: Mapping[str, str], body: Any, client_port: int) -> None:
        shown = {k.lower(): v for k, v in headers.items() if k.lower() != "authorization"}
        shown["authorization"] = any(k.lower() == "authorization" for k in headers)
        record = {
            "method": method,
            "path": path,
            "json": body,
            "headers": shown,
            "time": time.time(),
            "client_port": client_port,
        }  # equal ports on two requests = keep-alive worked
        with self._lock:
            self._requests.append(record)
            if self._log is not None:
                self._log.write(json.dumps(record) + "\n")
                self._log.flush()

    def _next_reply(self, route: str, body: dict) -> Reply | None:
        with self._lock:
            queue = self._scripts.get(route)
            if queue:
                return queue.popleft()
            if route != CHAT_PATH:
                return None
            if (code := marker(body, "FAKE_STATUS")) is not None:
                return Reply.status(code)
            if self.fault_rate and self._rng.random() < self.fault_rate:
                return self.fault
        return None

    def _apply(self, reply: Reply | None) -> Reply | None:
        """Perform a fault; returns the reply still to shape a success (ok/content) or None."""
        if reply is None or reply.kind in ("ok", "content"):
            return reply
        if reply.kind == "drop":
            raise Drop()
        if reply.kind == "stall":
            if reply.until is None:
                self._stopping.wait(reply.seconds)
            else:  # the test says when: an order of events, not a race against the machine's load
                deadline = time.monotonic() + reply.seconds
                while not reply.until.wait(0.02) and not self._stopping.is_set() and time.monotonic() < deadline:
                    pass
            return None
        if reply.kind == "malformed":
            raise Answer(200, reply.text.encode())
        if reply.kind in ("drip", "huge"):
            raise Hostile(reply)
        if reply.kind == "redirect":
            raise Answer(reply.code, b"", {"Location": reply.text})
        if reply.kind == "error_body":
            raise Answer(200, {"error": {"message": reply.text, "type": "server_error", "code": None}})
        if reply.kind == "gzip":
            raise Answer(reply.code, gzip_bomb(reply.nbytes, reply.code), {"Content-Encoding": reply.text})
        headers = {}
        if reply.retry_after is not None:
            headers = {"retry-after": f"{reply.retry_after:g}", "retry-after-ms": str(int(reply.retry_after * 1000))}
        message = reply.text or f"fake error {reply.code}"
        raise Answer(reply.code, error_body(reply.code, message, code=str(reply.code)), headers)

    def completion(self, body: dict, reply: Reply | None = None) -> dict:
        """The chat.completion object the default path answers `body` with."""
        if reply is not None and reply.kind == "content":
            content = reply.text
        else:
            score = reply.score if reply is not None else None
            content = verdict_content(self.score_fn(body) if score is None else score)
        prompt_tokens = len(json.dumps(body.get("messages"))) // 4 + 1
        completion_tokens = len(content) // 4 + 1
        return {
            "id": new_id("chatcmpl-"),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "logprobs": None,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    def _chat(self, body: Any, arrived: float) -> dict:
        problem = validate_chat_request(body)
        if problem:
            raise Answer(400, error_body(400, problem))
        reply = self._apply(self._next_reply(CHAT_PATH, body))
        answer = self.completion(body, reply)
        if self.latency:  # answers `latency` seconds after the request arrived, as a real server would
            self._stopping.wait(max(0.0, arrived + self.latency - time.monotonic()))
        self._hold()
        return answer

    def _hold(self) -> None:
        while self.hold_while is not None and self.hold_while.exists() and not self._stopping.wait(0.02):
            pass

    def handle(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        raw: bytes,
        client_port: int = 0,
        arrived: float | None = None,
    ) -> tuple[int, Any]:
        """Route one request (``arrived``: its time.monotonic() on arrival); raises Answer/Drop
        for non-200 answers."""
        arrived = time.monotonic() if arrived is None else arrived
        lowered = {k.lower(): v for k, v in headers.items()}
        content_type = lowered.get("content-type", "")
        body: Any = None
        if raw and "multipart/form-data" not in content_type:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
        self._record(method, path, headers, body, client_port)
        if not lowered.get("authorization"):
            raise Answer(401, error_body(401, "You didn't provide an API key.", "invalid_api_key"))
        for route_method, template, pattern in _ROUTES:  # noqa: B007 - template is read after the break
            match = pattern.match(path)
            if match and route_method == method:
                break
        else:
            raise Answer(404, error_body(404, f"Unknown request URL: {method} {path}.", "unknown_url"))
        if template == CHAT_PATH:
            answer = self._chat(body, arrived)
            return 200, echo_key(answer, lowered["authorization"]) if self.echo_auth else answer
        if template == "/v1/files":
            self._hold()
        self._apply(self._next_reply(template, {}))
        answer = self._store.route(template, match.groupdict().get("id"), body, content_type, raw)
        if isinstance(answer, bytes):  # file content, as the real API serves it
            raise Answer(200, answer, {"Content-Type": "application/octet-stream"})
        return 200, answer


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that dies mid-request (kill -9 tests) is expected: no traceback for that."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every response carries Content-Length

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle + delayed ACK add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        fake: FakeOpenAI = self.server.fake  # type: ignore[attr-defined]
        with fake._lock:
            fake._connections.add(self.connection)

    def finish(self) -> None:
        fake: FakeOpenAI = self.server.fake  # type: ignore[attr-defined]
        with fake._lock:
            fake._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:  # the peer or stop() already closed the socket
            pass

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        fake: FakeOpenAI = self.server.fake  # type: ignore[attr-defined]
        arrived = time.monotonic()  # the request line and headers are in
        raw = self._read_body()
        headers = {k: v for k, v in self.headers.items()}
        try:
            status, body = fake.handle(
                self.command, self.path.split("?")[0], headers, raw, self.client_address[1], arrived
            )
            extra: dict[str, str] = {}
        except Answer as answer:
            status, body, extra = answer.status, answer.body, answer.headers
        except Drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        except Hostile as hostile:
            self.close_connection = True
            try:
                self._hostile(hostile.reply, fake)
            except OSError:  # the client gave up, as it should
                pass
            return
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", extra.pop("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-request-id", new_id("req_"))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # client gave up (timeout) first
            self.close_connection = True

    def _hostile(self, reply: Reply, fake: FakeOpenAI) -> None:
        if reply.kind == "huge":  # a valid completion whose content is reply.code bytes, sent in pieces
            head = b'{"id": "chatcmpl-huge", "object": "chat.completion", "choices": [{"index": 0, '
            head += b'"finish_reason": "stop", "message": {"role": "assistant", "content": "'
            tail = b'"}}], "usage": {"prompt_tokens": 1, "completion_tokens": 1}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if reply.text == "declared":
                self.send_header("Content-Length", str(len(head) + reply.code + len(tail)))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(head)
            piece, left = b"x" * 65536, reply.code
            while left > 0 and not fake._stopping.is_set():
                self.wfile.write(piece[:left])
                left -= min(left, len(piece))
            self.wfile.write(tail)
            return
        # drip: one byte every reply.seconds, of the headers (never finished) or of a body that never ends
        if reply.text == "headers":
            dripped = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000
        else:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            dripped = b'{"choices": [' + b" " * 100_000
        for byte in dripped:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            if fake._stopping.wait(reply.seconds):
                return

    do_GET = do_POST = do_DELETE = _serve


class FakeOpenAIProcess:
    """Runs this module as a subprocess (``with FakeOpenAIProcess(tmp_path, "--latency", "0.1")``)."""

    script = __file__  # a module extending the server (fake_model.py) runs itself instead

    def __init__(self, workdir: str | os.PathLike, *args: str, timeout: float = 10.0):
        self.port_file = Path(workdir) / f"fake-openai-{uuid.uuid4().hex[:8]}.port"
        self.args, self.timeout = list(args), timeout
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def __enter__(self) -> FakeOpenAIProcess:
        command = [sys.executable, self.script, "--port", "0", "--port-file", str(self.port_file), *self.args]
        self.proc = subprocess.Popen(command)
        deadline = time.monotonic() + self.timeout
        while not self.port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"fake_openai subprocess did not start: {command}")
            time.sleep(0.01)
        self.port = int(self.port_file.read_text())
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __exit__(self, *exc: object) -> None:
        self.kill()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible server for tests.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each chat completion")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--fault-status", type=int, default=429)
    parser.add_argument("--fault-retry-after", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--request-log", help="append one JSON line per request (flushed)")
    parser.add_argument("--batch-polls", type=int, default=1)
    parser.add_argument("--batch-seconds", type=float, default=None)
    parser.add_argument("--echo-auth", action="store_true", help="verdicts repeat the request's key (echo_key)")
    parser.add_argument("--hold-while", help="answer chat completions and file uploads only once this file is gone")
    args = parser.parse_args(argv)
    server = FakeOpenAI(
        latency=args.latency,
        fault_rate=args.fault_rate,
        seed=args.seed,
        fault=Reply.status(args.fault_status, retry_after=args.fault_retry_after),
        batch_polls=args.batch_polls,
        batch_seconds=args.batch_seconds,
        request_log=args.request_log,
        port=args.port,
        echo_auth=args.echo_auth,
        hold_while=args.hold_while,
    ).start()
    serve_until_killed(server, args.port_file)


def serve_until_killed(server: FakeOpenAI, port_file: str | None) -> None:
    """Announce the port (in ``port_file``, written atomically so a poller never reads a partial
    number) and serve until SIGTERM, SIGKILL or Ctrl-C."""
    if port_file:
        tmp = Path(f"{port_file}.tmp{os.getpid()}")
        tmp.write_text(str(server.port))
        os.replace(tmp, port_file)
    print(f"fake_openai listening on {server.base_url}", file=sys.stderr, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    server.stop()


if __name__ == "__main__":
    main()
