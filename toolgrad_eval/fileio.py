"""Reading untrusted JSON safely and writing outputs atomically."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import stat
import time
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from toolgrad_eval.errors import InputFileError, OutputError

# Model output is hostile data: a prediction file may be huge or nested absurdly deep.
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_JSON_DEPTH = 200
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_TEMPORARY = ".{name}.{token}.tmp"  # atomic_write_text's file beside its target


def json_depth_ok(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the bracket nesting of a JSON text stays within ``limit`` (strings skipped)."""
    if text.count("[") + text.count("{") <= limit:  # too few brackets to nest deeper (C-speed check)
        return True
    depth = 0
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


# A record's numbers are finite and fit a 64-bit integer: NaN, Infinity or a 400-digit integer would be
# published as "nan", "inf" or stop the float conversion (OverflowError) of whoever reads them.
MAX_INT_DIGITS = 19
MAX_INT = 2**63


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a record may hold")


def _bounded_int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > MAX_INT_DIGITS or abs(value := int(text)) >= MAX_INT:
        raise ValueError(f"an integer of {len(digits)} digits is larger than a record may hold")
    return value


def loads_bounded(text: str, source: Path | str, *, finite: bool = False) -> Any:
    """Parse JSON text, rejecting oversized or too deeply nested input with an InputFileError.
    ``finite``: NaN, Infinity and integers beyond 64 bits are refused too (run records)."""
    if len(text) > MAX_JSON_BYTES:
        raise InputFileError(source, f"file is larger than {MAX_JSON_BYTES} bytes")
    if not json_depth_ok(text):
        raise InputFileError(source, f"JSON nesting deeper than {MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(text, parse_constant=_no_constant, parse_int=_bounded_int) if finite else json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(source, f"malformed JSON: {_where(exc)}") from None
    except RecursionError:
        raise InputFileError(source, "JSON nesting too deep") from None
    except ValueError as exc:  # e.g. an integer literal longer than Python converts
        raise InputFileError(source, f"unreadable JSON value ({exc})") from None
    # A lone surrogate escape ("\\ud83d") parses into a str no UTF-8 writer accepts; replace it
    # at the boundary so one bad character in model output cannot break writing the results.
    return replace_lone_surrogates(data) if "\\u" in text.lower() else data


def replace_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [replace_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {replace_lone_surrogates(k): replace_lone_surrogates(v) for k, v in value.items()}
    return value


def read_json(path: Path, *, missing: str = "file not found", finite: bool = False) -> Any:
    """Read one JSON file; every failure becomes an InputFileError naming the file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputFileError(path, missing) from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):  # a FIFO would hang us, a device would never end
        raise InputFileError(path, "not a regular file")
    if info.st_size > MAX_JSON_BYTES:
        raise InputFileError(path, f"file is larger than {MAX_JSON_BYTES} bytes")
    try:
        with path.open("rb") as handle:
            # read(n) allocates n bytes up front: ask for the size seen, and only then for any growth
            raw = handle.read(info.st_size + 1)
            if len(raw) > info.st_size:
                raw += handle.read(MAX_JSON_BYTES + 1 - len(raw))
        if len(raw) > MAX_JSON_BYTES:
            raise InputFileError(path, f"file is larger than {MAX_JSON_BYTES} bytes")
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(path, "not valid UTF-8") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read ({exc.strerror})") from None
    return loads_bounded(text, path, finite=finite)


def iter_lines(
    handle: IO[bytes], source: Path | str, *, max_line: int = MAX_JSON_BYTES, digest: Any = None
) -> Iterator[tuple[int, bytes]]:
    """(number, bytes) of each line of a file opened in binary mode, one at a time: memory holds one
    line, never the file. A line longer than ``max_line`` bytes is an InputFileError naming it (read no
    further than the cap). ``digest`` (a hashlib object) is fed every byte read."""
    number = 0
    while True:
        line = handle.readline(max_line + 1)
        if not line:
            return
        number += 1
        if digest is not None:
            digest.update(line)
        if len(line) > max_line:
            raise InputFileError(f"{source}:{number}", f"line longer than {max_line} bytes")
        yield number, line


def skip_rest_of_line(handle: IO[bytes], digest: Any = None, chunk: int = 1 << 20) -> None:
    """Read past the end of an overlong line in bounded chunks."""
    while True:
        part = handle.readline(chunk)
        if digest is not None:
            digest.update(part)
        if not part or part.endswith(b"\n"):
            return


def ensure_writable_dir(path: Path, what: str) -> None:
    """Create ``path`` if needed and prove it is writable, or raise a ConfigError naming it."""
    from toolgrad_eval.errors import ConfigError

    if path.exists() and not path.is_dir():
        raise ConfigError(f"{path}: is a file, not a folder for the {what}")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test.{os.urandom(4).hex()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the {what} ({exc.strerror or exc})") from None


@contextlib.contextmanager
def removed_if_failed(path: Path) -> Iterator[None]:
    """If the block fails, the folders it made for ``path`` (``path`` and its missing parents) are
    removed again while still empty: a run that stopped leaves no empty output folder behind."""
    made = []
    folder = Path(path)
    while not folder.exists() and folder.parent != folder:
        made.append(folder)  # deepest first
        folder = folder.parent
    try:
        yield
    except BaseException:
        for folder in made:
            try:
                folder.rmdir()  # only an empty folder: anything written there stays
            except OSError:
                break
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see either the old file or the new one, never half
    (``atomic_write_lines``)."""
    atomic_write_lines(path, (text,))


def atomic_write_lines(path: Path, parts: Iterable[str]) -> None:
    """Write the texts ``parts`` yields to ``path``, one after another as they come (memory holds one,
    never the file), so that readers see either the old file or the new one, never half.

    The temporary file is created with the usual 0o666-minus-umask permissions (not mkstemp's
    0o600), so a published report stays readable by a web server running as another user.
    A folder or file that cannot be written is an ``OutputError`` naming it (one line, no traceback).
    """
    fd, tmp = _open_temporary(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for part in parts:  # written as they come: memory holds one part, never the whole file
                handle.write(part)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):  # a full disk, a folder made read-only meanwhile
            raise OutputError(path, exc) from None
        raise


def atomic_write_texts(files: Iterable[tuple[Path, str]]) -> None:
    """Write several files as :func:`atomic_write_text` does, each seen old or new, never half, with
    their fsyncs overlapped: every temporary file is written first, then all are fsynced at once
    (threads: fsync releases the GIL, and the file system can commit them in one journal
    transaction), then each is renamed into place in the order given. On a busy disk a dozen
    fsyncs one after another wait a dozen times. On a failure no temporary file is left, the
    files already renamed stay, and the error is an ``OutputError`` naming the file."""
    pending: list[tuple[Path, Path, int]] = []  # (target, temporary, open descriptor) not yet renamed
    closed = False
    try:
        for path, text in files:
            fd, tmp = _open_temporary(path)
            pending.append((path, tmp, fd))
            try:
                view = memoryview(text.encode("utf-8"))
                while view:
                    view = view[os.write(fd, view) :]
            except OSError as exc:
                raise OutputError(path, exc) from None
        _fsync_all(pending)
        closed = True
        for _, _, fd in pending:
            os.close(fd)
        while pending:
            path, tmp, _ = pending[0]
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise OutputError(path, exc) from None
            pending.pop(0)
    finally:
        for _, tmp, fd in pending:
            if not closed:
                os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _fsync_all(pending: list[tuple[Path, Path, int]]) -> None:
    if len(pending) < 2:
        for path, _, fd in pending:
            _fsync(path, fd)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(len(pending), 16)) as pool:
        for done in [pool.submit(_fsync, path, fd) for path, _, fd in pending]:
            done.result()  # the first failure, as OutputError


def _fsync(path: Path, fd: int) -> None:
    try:
        os.fsync(fd)
    except OSError as exc:
        raise OutputError(path, exc) from None


def _open_temporary(path: Path) -> tuple[int, Path]:
    """A new temporary file beside ``path`` (its folder made if needed), opened for writing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            tmp = path.parent / _TEMPORARY.format(name=path.name, token=os.urandom(6).hex())
            try:
                return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
            except FileExistsError:
                continue
    except OSError as exc:
        raise OutputError(path, exc) from None


def remove_stale_temporaries(path: Path, older_than: float = 3600.0) -> None:
    """Delete what a killed atomic_write_text left beside ``path``; a write in progress elsewhere
    has a younger file."""
    now = time.time()
    for tmp in path.parent.glob(_TEMPORARY.format(name=glob.escape(path.name), token="*")):
        try:
            if now - tmp.stat().st_mtime > older_than:
                tmp.unlink()
        except OSError:
            pass


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def atomic_write_jsonl(path: Path, rows: Iterable[Any]) -> None:
    atomic_write_text(path, "".join(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n" for row in rows))


def _where(exc: json.JSONDecodeError) -> str:
    """What is wrong and where, once: some messages end in "at" ("Unterminated string starting at")."""
    return f"{exc.msg.removesuffix(' at')} at line {exc.lineno} column {exc.colno}"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes (hex), read a megabyte at a time."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
