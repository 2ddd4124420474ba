"""The HTTP client under every model and judge request: a total deadline, a size cap, no redirects.

httpx's timeouts bound each read, not the request: a server sending one byte a second (in its
headers or its body) never trips them. Each request here has a deadline for the whole exchange
(connect, send, headers, body) and a cap on the bytes it may receive, both kept per thread (a
request runs wholly on the thread that sends it). They are enforced in the network layer under
httpx, whose streams every read and write goes through: a read is given at most the time left,
and one past the deadline or the cap fails at once. That layer is httpcore's network backend,
reached through the client's transport; where a future httpx hides it, :func:`limited` still
bounds the body (checked between chunks) and the per-read timeout still bounds silence.

Redirects are not followed: a 3xx would re-send the prompt (and the key) to another address, and
a 302 turned into a GET whose reply looks like an answer. The caller reports it instead.

A compressed body is inflated here, not by httpx: httpx inflates each network read whole (one 64 KB
gzip read of zeros is 64 MB) and the SDK reads an error reply's body with no bound at all, so a
gzip bomb of a few MB could take gigabytes. :class:`_Inflated` inflates at most ``PIECE_BYTES`` at a
time and counts the total: a 2xx body past the byte cap fails as any over-size reply; an error
reply's body (read only for its message) is cut at ``ERROR_BODY_BYTES``. Only gzip and deflate are
asked for; a reply in another encoding fails.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
import time
import zlib
from typing import Any, Callable, Iterator

__all__ = [
    "CONNECT_SECONDS",
    "MAX_REPLY_BYTES",
    "ReplyLimitExceeded",
    "hit",
    "http_client",
    "limited",
    "limits",
    "response_type",
]

MAX_REPLY_BYTES = 8 * 1024 * 1024  # a reply of 1,000,000 characters of JSON-escaped text fits; 200 MB does not
CONNECT_SECONDS = 10.0  # a host that accepts no connection in this long is unreachable, whatever --timeout says
ERROR_BODY_BYTES = 64 * 1024  # an error reply's body is read for its message: the first 64 KiB say it
PIECE_BYTES = 64 * 1024  # a compressed body is inflated this much at a time

_local = threading.local()


class ReplyLimitExceeded(Exception):
    """Raised (as the cause of the SDK's error) when a request ran past its deadline or its byte cap.
    ``kind`` is "deadline" or "size"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _http_module() -> Any:
    """The httpx package the installed ``openai`` builds on (``httpx`` or ``httpx2``)."""
    import openai

    for cls in openai.DefaultHttpxClient.__mro__:
        root = cls.__module__.split(".")[0]
        if root != "openai" and root != "builtins":
            return importlib.import_module(root)
    raise RuntimeError("openai's HTTP client is not built on httpx")  # pragma: no cover


def response_type() -> type:
    """The raw HTTP response class: ``client.post(..., cast_to=response_type(), stream=True)``
    returns it with the body unread."""
    return _http_module().Response  # type: ignore[no-any-return]


def http_client(timeout: float, on_request: Callable[[Any], None]) -> Any:
    """An ``openai.DefaultHttpxClient`` that follows no redirect, with the deadline layer installed."""
    import openai

    module = _http_module()
    client = openai.DefaultHttpxClient(
        event_hooks={"request": [on_request], "response": [_inflate_within_bounds]},
        headers={"Accept-Encoding": "gzip, deflate"},  # what _Inflated reads; never br or zstd
        follow_redirects=False,
        timeout=module.Timeout(timeout, connect=min(timeout, CONNECT_SECONDS)),
    )
    for transport in [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, _LimitedBackend):
            core = importlib.import_module(type(pool).__module__.split(".")[0])
            pool._network_backend = _LimitedBackend(backend, core)  # type: ignore[union-attr]
    return client


@contextlib.contextmanager
def limits(seconds: float, max_bytes: int = MAX_REPLY_BYTES) -> Iterator[None]:
    """Within the block, this thread's requests end ``seconds`` from now and receive at most ``max_bytes``."""
    _local.deadline, _local.seconds = time.monotonic() + seconds, seconds
    _local.left, _local.max_bytes = max_bytes, max_bytes
    _local.hit = None
    try:
        yield
    finally:
        _local.deadline = None


def remaining() -> float | None:
    deadline = getattr(_local, "deadline", None)
    return None if deadline is None else deadline - time.monotonic()


def hit() -> ReplyLimitExceeded | None:
    """The limit this thread's request ran into (inside :func:`limits`), if any. Kept here because
    httpcore re-raises its errors ``from None``, which cuts the cause chain."""
    return getattr(_local, "hit", None)


def past_deadline() -> ReplyLimitExceeded:
    _local.hit = ReplyLimitExceeded(
        "deadline", f"no complete reply within {_local.seconds:g} s (the request's deadline)"
    )
    return _local.hit  # type: ignore[no-any-return]


def over_size() -> ReplyLimitExceeded:
    _local.hit = ReplyLimitExceeded("size", f"reply larger than {_local.max_bytes} bytes")
    return _local.hit  # type: ignore[no-any-return]


def limited(response: Any) -> bytes:
    """The body of a streamed response, read chunk by chunk within the deadline and the byte cap
    (decoded bytes: a compressed body that inflates past the cap stops too)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > _local.max_bytes:
        raise over_size()
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > _local.max_bytes:
            raise over_size()
        left = remaining()
        if left is not None and left <= 0:
            raise past_deadline()
        chunks.append(chunk)
    return b"".join(chunks)


def _bounded(timeout: float | None) -> float | None:
    """The read/write/connect timeout to use now: never past this thread's deadline."""
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise past_deadline()
    return left if timeout is None else min(timeout, left)


class _LimitedStream:
    """A network stream whose reads and writes end at the thread's deadline and whose reads stop at its byte cap."""

    def __init__(self, stream: Any, core: Any) -> None:
        self._stream, self._core = stream, core

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            data: bytes = self._stream.read(max_bytes, _bounded(timeout))
        except ReplyLimitExceeded as exc:
            raise self._core.ReadTimeout(str(exc)) from exc
        except self._core.ReadTimeout as exc:
            left = remaining()
            if left is not None and left <= 0.05:  # the wait was cut by the deadline, not the read timeout
                raise self._core.ReadTimeout(str(past_deadline())) from past_deadline()
            raise exc
        if getattr(_local, "deadline", None) is not None:
            _local.left -= len(data)
            if _local.left < 0:
                raise self._core.ReadError(str(over_size())) from over_size()
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._stream.write(buffer, _bounded(timeout))
        except ReplyLimitExceeded as exc:
            raise self._core.WriteTimeout(str(exc)) from exc

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        return _LimitedStream(self._stream.start_tls(ssl_context, server_hostname, _bounded(timeout)), self._core)

    def close(self) -> None:
        self._stream.close()

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _LimitedBackend:
    """httpcore's network backend, handing out :class:`_LimitedStream` s."""

    def __init__(self, backend: Any, core: Any) -> None:
        self._backend, self._core = backend, core

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, **kwargs: Any) -> Any:
        try:
            stream = self._backend.connect_tcp(host, port, _bounded(timeout), **kwargs)
        except ReplyLimitExceeded as exc:
            raise self._core.ConnectTimeout(str(exc)) from exc
        return _LimitedStream(stream, self._core)

    def connect_unix_socket(self, path: str, timeout: float | None = None, **kwargs: Any) -> Any:
        return _LimitedStream(self._backend.connect_unix_socket(path, _bounded(timeout), **kwargs), self._core)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _inflate_within_bounds(response: Any) -> None:
    """httpx's response hook (headers in, body unread): a compressed body is handed to httpx already
    inflated, by :class:`_Inflated`, and the Content-Encoding header is dropped so httpx does not
    inflate it again. An uncompressed error body is cut at ``ERROR_BODY_BYTES`` too."""
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",")]
    encodings = [e for e in encodings if e and e != "identity"]
    error = response.status_code >= 300
    if not encodings and not error:
        return  # the network layer's byte cap bounds it
    response.stream = _inflated_class()(response.stream, encodings, error)
    if "content-encoding" in response.headers:
        del response.headers["content-encoding"]


_INFLATED: list[type] = []


def _inflated_class() -> type:
    """:class:`_Inflated` as a subclass of the installed httpx's ``SyncByteStream`` (httpx checks)."""
    if not _INFLATED:
        _INFLATED.append(type("_Inflated", (_Inflated, _http_module().SyncByteStream), {}))
    return _INFLATED[0]


class _Inflated:
    """A response body stream that inflates gzip or deflate ``PIECE_BYTES`` at a time and stops at
    the cap: this thread's byte cap for a 2xx reply (past it: :func:`over_size`), ``ERROR_BODY_BYTES``
    for an error reply (cut there: only its message is read)."""

    def __init__(self, stream: Any, encodings: list[str], error: bool) -> None:
        self._stream, self._error = stream, error
        self._encoding = ", ".join(encodings)
        self._supported = self._encoding in ("", "gzip", "x-gzip", "deflate")

    def _cap(self) -> int:
        if self._error:
            return ERROR_BODY_BYTES
        inside_limits = getattr(_local, "deadline", None) is not None
        return int(getattr(_local, "max_bytes", MAX_REPLY_BYTES)) if inside_limits else MAX_REPLY_BYTES

    def __iter__(self) -> Iterator[bytes]:
        if not self._supported:
            if self._error:
                return  # an error whose body we cannot read: its status says enough
            _local.hit = ReplyLimitExceeded("size", f"reply in an encoding not asked for ({self._encoding})")
            raise _local.hit
        cap, size = self._cap(), 0
        for piece in self._inflate():
            if size + len(piece) > cap:
                if self._error:
                    yield piece[: cap - size]
                    return
                raise over_size()
            size += len(piece)
            yield piece

    def _inflate(self) -> Iterator[bytes]:
        if not self._encoding:
            yield from self._stream
            return
        inflater: Any = zlib.decompressobj(zlib.MAX_WBITS if self._encoding == "deflate" else zlib.MAX_WBITS | 32)
        first = True
        for raw in self._stream:
            if not raw:
                continue
            if first and self._encoding == "deflate" and (raw[0] & 0x0F) != 8:
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, without the zlib header
            first = False
            data = raw
            while not inflater.eof:
                try:
                    piece = inflater.decompress(data, PIECE_BYTES)
                except zlib.error as exc:
                    if self._error:
                        return  # an error reply: the status says enough
                    raise ValueError(f"reply body does not inflate as {self._encoding} ({exc})") from None
                if piece:
                    yield piece
                data = inflater.unconsumed_tail
                if not data and len(piece) < PIECE_BYTES:
                    break  # this read is inflated; a full piece may have more output pending
            if inflater.eof:
                return

    def close(self) -> None:
        self._stream.close()
