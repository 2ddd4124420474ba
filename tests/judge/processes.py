"""Real processes sharing one judgment cache against a loopback judge (a subprocess with a request log)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from judge.conftest import CHAT
from support.fake_openai import FakeOpenAIProcess
from toolgrad5k.builders import KEY, DatasetBuilder, call

# What a row says about how this process got its verdict, not what the verdict is.
HOW_IT_WAS_GOT = {"verdict_source", "judge_tokens"}
METRICS = (
    "recall",
    "precision",
    "success_rate",
    "qor",
    "n_qor",
    "n_success_rate",
    "n_judge_errors",
    "n_input_errors",
    "n_samples",
    "qor_judge_std_mean",
    "qor_judge_spread_mean",
)


def window(root: Path, start: int, n: int, *, score_marker: bool = False) -> Path:
    """Samples ``start .. start+n-1``: two windows that overlap share those prompts exactly."""
    b = DatasetBuilder(root)
    for i in range(start, start + n):
        sid = f"s{i:04d}"
        b.sample(sid, {"a": {}}, query=f"question {i}" + (f" FAKE_SCORE={i % 101}" if score_marker else ""))
        b.prediction("m1", sid, {"intermediate_steps": [call("a")], KEY: f"answer {i}"})
    return b.finish()


def chats(log: Path) -> list[dict]:
    """Chat requests the server received whole (lines the server is still writing are left out;
    a request cut by a kill arrives without its JSON body and was never answered)."""
    return [r for r in requests_of(log) if r.get("path") == CHAT and isinstance(r.get("json"), dict)]


def requests_of(log: Path) -> list[dict]:
    """Every request the server logged whole (a line it is still writing is left out)."""
    if not log.exists():
        return []
    complete = log.read_text().rpartition("\n")[0]
    return [json.loads(line) for line in complete.splitlines() if line.strip()]


def prompt_of(request: dict) -> str:
    return json.dumps(request["json"]["messages"], sort_keys=True) + f"|seed={request['json'].get('seed')}"


def start(
    server: FakeOpenAIProcess,
    data: Path,
    out: Path,
    *args: str,
    cache: Path | None = None,
    num_process: int = 4,
    stderr: Any = subprocess.PIPE,
) -> subprocess.Popen:
    """The main command in a process of its own (stderr to a pipe, or to ``stderr``, a file)."""
    env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "k"}
    cache_args = ["--cache-dir", str(cache)] if cache is not None else []
    command = [
        sys.executable,
        "-m",
        "toolgrad_eval",
        "--pred_model",
        "m1",
        "--dataset",
        str(data),
        *cache_args,
        "--output",
        str(out),
        "--num_process",
        str(num_process),
        *args,
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def finish(proc: subprocess.Popen, timeout: float = 180) -> str:
    """Wait for a process; returns its stderr, asserting it succeeded and said nothing of a locked database."""
    _out, err = proc.communicate(timeout=timeout)
    text = err.decode() if err is not None else ""
    assert proc.returncode == 0, text
    assert "locked" not in text.lower(), text
    return text


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    """Wait (bounded: a hang is a failure, never a pass) until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def held_judge(tmp_path: Path, *args: str) -> tuple[FakeOpenAIProcess, Path, Path]:
    """A loopback judge holding every chat request and upload while the returned gate file exists
    (the test removes it when it is ready); with its request log."""
    log, gate = tmp_path / "requests.jsonl", tmp_path / "hold"
    gate.touch()
    return FakeOpenAIProcess(tmp_path, "--hold-while", str(gate), "--request-log", str(log), *args), log, gate


def start_owner(
    server: FakeOpenAIProcess, data: Path, out: Path, log: Path, n: int, *args: str, cache: Path
) -> subprocess.Popen:
    """A first process, once its ``n`` requests have reached the judge (its keys are claimed)."""
    owner = start(server, data, out, *args, cache=cache)
    wait_for(lambda: owner.poll() is not None or len(chats(log)) >= n, f"the first process's {n} requests")
    assert owner.poll() is None, "the first process ended before its requests were answered"
    return owner


def waits_or_asks(waiter: subprocess.Popen, err: Path, log: Path, sent_before: int) -> bool:
    """Whether the second process said it waits for another's verdict, or sent a request of its own
    (a broken claim: the test then fails on its counts, not on a timeout), or ended."""
    return waiter.poll() is not None or b"waiting for it" in err.read_bytes() or len(chats(log)) > sent_before


def start_waiter(
    server: FakeOpenAIProcess, data: Path, out: Path, log: Path, sent_before: int, *args: str, cache: Path
) -> tuple[subprocess.Popen, Path]:
    """A second process on the same samples, once the first has sent its ``sent_before`` requests:
    started, and waited for until it waits for the first's verdicts (``waits_or_asks``). Its stderr
    goes to the returned file."""
    err = out.parent / f"{out.name}.err"
    with err.open("wb") as sink:
        waiter = start(server, data, out, *args, cache=cache, stderr=sink)
    wait_for(lambda: waits_or_asks(waiter, err, log, sent_before), "the second process to wait for the first")
    return waiter, err


def record(out: Path) -> tuple[dict, dict[str, dict]]:
    summary = json.loads((out / "summary.json").read_text())
    rows = {row["id"]: row for row in map(json.loads, (out / "per_sample.jsonl").read_text().splitlines())}
    return summary, rows


def what_was_judged(out: Path) -> tuple[dict, dict[str, dict]]:
    """A run record without what depends on which process asked: metrics and per-sample rows."""
    summary, rows = record(out)
    return (
        {k: summary.get(k) for k in METRICS},
        {sid: {k: v for k, v in row.items() if k not in HOW_IT_WAS_GOT} for sid, row in rows.items()},
    )
