"""Crash safety: kill -9 of the real command mid-run loses nothing paid; damaged entries are re-judged."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from judge.conftest import CHAT, dataset, expensive_prices, rows, run, two_model_dataset
from support.fake_openai import FakeOpenAIProcess
from toolgrad5k.builders import tree_digest
from toolgrad_eval.judge.cache import JudgmentCache

pytestmark = pytest.mark.slow  # kill -9 of judging processes

N = 40


def logged_chats(log: Path) -> list[dict]:
    """Chat requests the server received whole. A request the client was killed while sending
    arrives without its body (logged with ``json`` None or a fragment): it was never answered, so
    it is no judgment paid; counting it made this test fail at random on a loaded machine. A line
    the server is still writing (no newline yet) is left for the next read."""
    if not log.exists():
        return []
    complete = log.read_text().rpartition("\n")[0]
    records = [json.loads(line) for line in complete.splitlines() if line.strip()]
    return [r for r in records if r["path"] == CHAT and isinstance(r.get("json"), dict)]


def settle(log: Path, quiet: float = 0.3, timeout: float = 5.0) -> None:
    """Wait until the server has logged every request of the dead process (no new line for ``quiet`` s):
    a request still in a socket buffer at the kill is read and logged a little later."""
    deadline = time.monotonic() + timeout
    count, since = len(logged_chats(log)), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.02)
        now = len(logged_chats(log))
        if now != count:
            count, since = now, time.monotonic()


def kill_when_asked(proc: subprocess.Popen, log: Path, count: int, timeout: float = 30) -> None:
    """SIGKILL ``proc`` (no cleanup, no atexit, no flush) once the server has logged ``count`` chat
    requests in all, then wait until it has logged whatever the dead process still had in flight."""
    deadline = time.monotonic() + timeout
    while len(logged_chats(log)) < count and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    settle(log)


def sample_of(request: dict) -> str:
    return "s%04d" % int(re.search(r"question (\d+)", request["json"]["messages"][-1]["content"]).group(1))


def cached_samples(cache_dir: Path) -> set[str]:
    with JudgmentCache(cache_dir) as cache:
        records = [cache.get(key) for key in cache.keys()]
        return {record["sample_id"] for record in records if record is not None}


def start(data: Path, tmp_path: Path, server: FakeOpenAIProcess, *args: str) -> subprocess.Popen:
    env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "k"}
    command = [
        sys.executable,
        "-m",
        "toolgrad_eval",
        "--pred_model",
        "m1",
        "--dataset",
        str(data),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--output",
        str(tmp_path / "out"),
        "--num_process",
        "4",
        *args,
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_kill_9_then_rerun_sends_exactly_the_remaining_requests(tmp_path):
    """Each attempt talks to a loopback judge of its own, with its own request log: a request the
    killed attempt still had in a socket buffer is logged by that attempt's server, however late the
    server gets to it on a loaded machine, and is never counted as the next attempt's (counting
    by position in one shared log made this test flaky under load)."""
    data = dataset(tmp_path / "ds", N)
    before = tree_digest(data)
    logs = iter(tmp_path / f"requests-{i}.jsonl" for i in range(4))

    def judge_server() -> tuple[FakeOpenAIProcess, Path]:
        log = next(logs)
        return FakeOpenAIProcess(tmp_path, "--latency", "0.1", "--request-log", str(log)), log

    for kill_after in (6, 14):  # two crashes at different points, then a full run
        server, log = judge_server()
        with server:
            proc = start(data, tmp_path, server)
            kill_when_asked(proc, log, kill_after)
        assert proc.returncode == -9
        done = cached_samples(tmp_path / "cache")
        assert 0 < len(done) < N
        server, log = judge_server()
        with server:
            proc = start(data, tmp_path, server)  # the same command again...
            if kill_after == 14:
                out, err = proc.communicate(timeout=60)
                assert proc.returncode == 0, err.decode()
            else:
                kill_when_asked(proc, log, 3)  # the second run too, shortly after it started asking
        rerun = logged_chats(log)
        if kill_after == 14:
            # ...asks exactly for what was not cached at the kill, once each: no judgment paid twice
            assert sorted(map(sample_of, rerun)) == sorted({f"s{i:04d}" for i in range(N)} - done)
            summary = json.loads((tmp_path / "out" / "summary.json").read_text())
            assert summary["cache_hits"] == len(done) and summary["judge_requests"] == N - len(done)
            assert summary["n_qor"] == N and summary["n_judge_errors"] == 0
        else:
            assert rerun and not {sample_of(r) for r in rerun} & done  # nothing cached was asked again
    assert len(cached_samples(tmp_path / "cache")) == N
    assert tree_digest(data) == before  # input files untouched through every crash


def test_damaged_cache_entries_on_disk_are_rejudged(env, tmp_path):
    data = dataset(tmp_path / "ds", 3, score=80)
    code, first = run(data)
    assert code == 0 and first["judge_requests"] == 3
    db = sqlite3.connect(tmp_path / "cache" / "cache.db")
    stored = db.execute("SELECT rowid, value FROM Cache ORDER BY rowid").fetchall()
    assert len(stored) == 3 and all(isinstance(v, bytes) for _, v in stored)
    (row_a, blob_a), (row_b, blob_b) = stored[0], stored[1]
    flipped = blob_a.replace(b"score 80", b"score 99")  # bit rot inside the payload: checksum mismatch
    assert flipped != blob_a
    db.execute("UPDATE Cache SET value = ? WHERE rowid = ?", (flipped, row_a))
    db.execute("UPDATE Cache SET value = ? WHERE rowid = ?", (blob_b[: len(blob_b) // 2], row_b))  # half-written
    db.commit()
    db.close()
    code, second = run(data)
    assert code == 0 and second["cache_hits"] == 1 and second["judge_requests"] == 2
    assert all(r["qor"] == 80 and "99" not in r["judge_reason"] for r in rows().values())
    code, third = run(data)
    assert third["cache_hits"] == 3 and third["judge_requests"] == 0  # the re-judged entries replaced the damaged ones


def test_killed_overwrite_run_resumes_without_paying_twice(tmp_path):
    """The user's command carries --overwrite: re-running it after a kill reuses what the killed
    attempt received, but never a verdict from before the --overwrite run began."""
    data = dataset(tmp_path / "ds", N)
    log = tmp_path / "requests.jsonl"
    with FakeOpenAIProcess(tmp_path, "--latency", "0.1", "--request-log", str(log)) as server:
        first = start(data, tmp_path, server)  # a plain run fills the cache: all N are old verdicts now
        assert first.wait(timeout=60) == 0
        assert len(logged_chats(log)) == N
        seen = len(logged_chats(log))
        proc = start(data, tmp_path, server, "--overwrite")
        kill_when_asked(proc, log, seen + 12)
        asked = logged_chats(log)[seen:]
        assert 12 <= len(asked) < N  # the old verdicts were not reused: the killed attempt asked again
        seen = len(logged_chats(log))
        proc = start(data, tmp_path, server, "--overwrite")
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
        assert "Resuming the --overwrite run" in err.decode()
        resumed = logged_chats(log)[seen:]
        # every sample asked exactly once across the two attempts, the answered ones not again
        answered = {sample_of(r) for r in asked} - {sample_of(r) for r in resumed}
        assert {sample_of(r) for r in asked + resumed} == {f"s{i:04d}" for i in range(N)}
        assert len(resumed) == N - len(answered)
        summary = json.loads((tmp_path / "out" / "summary.json").read_text())
        assert summary["overwrite_run_resumed"] is True and summary["cache_hits"] == len(answered)
        assert summary["judge_requests"] == len(resumed) and summary["n_qor"] == N
        seen = len(logged_chats(log))
        proc = start(data, tmp_path, server, "--overwrite")  # that run finished: a new one re-judges all
        assert proc.wait(timeout=60) == 0
        assert len(logged_chats(log)) - seen == N
    assert not list((tmp_path / "cache" / "overwrite-runs").iterdir())


def _budget_stopped_overwrite(env, tmp_path, n=12):
    """A plain run (all n cached), then an --overwrite run stopped by --max-cost after a few."""
    prices = expensive_prices(tmp_path)
    data = dataset(tmp_path / "ds", n)
    code, plain = run(data, "--prices", str(prices))
    assert code == 0 and plain["judge_requests"] == n
    budget = plain["cost_usd"] / n * 4.5
    code, s = run(data, "--overwrite", "--prices", str(prices), "--max-cost", f"{budget:.6f}")
    judged = s["n_to_judge"] - s["n_not_judged"]
    assert code == 3 and 1 <= judged < n and s["judge_requests"] == judged
    return data, prices, judged


def test_budget_stopped_overwrite_run_resumes_with_a_higher_budget(env, tmp_path):
    data, prices, judged = _budget_stopped_overwrite(env, tmp_path)
    code, s = run(data, "--overwrite", "--prices", str(prices), "--max-cost", "1000000")
    assert code == 0 and s["overwrite_run_resumed"] is True
    assert s["cache_hits"] == judged and s["judge_requests"] == 12 - judged  # old verdicts: not reused
    assert not list((tmp_path / "cache" / "overwrite-runs").iterdir())


def test_a_damaged_overwrite_marker_means_starting_afresh(env, tmp_path):
    data, prices, _judged = _budget_stopped_overwrite(env, tmp_path)
    [marker] = (tmp_path / "cache" / "overwrite-runs").iterdir()
    marker.write_text("{not json")
    code, s = run(data, "--overwrite", "--prices", str(prices))
    assert code == 0 and s["overwrite_run_resumed"] is False
    assert s["judge_requests"] == 12 and s["cache_hits"] == 0  # nothing trusted that might be older


def test_overwrite_with_compare_model_resumes_both_models(env, tmp_path):
    """The marker of the first model stays until the whole command is done: an abort while the
    compare model is judged does not make the first model's verdicts be paid for again."""
    from support.fake_openai import Reply

    data = two_model_dataset(tmp_path / "ds", 4)
    code, _ = run(data, "--compare_model", "m2")
    assert code == 0 and env.count(CHAT) == 8
    env.script([Reply.ok()] * 4 + [Reply.status(401)])  # m1 re-judged, then the endpoint refuses m2
    code, _ = run(data, "--overwrite", "--compare_model", "m2")
    assert code == 2 and env.count(CHAT) == 13
    code, s = run(data, "--overwrite", "--compare_model", "m2")
    assert code == 0 and s["overwrite_run_resumed"] is True and s["cache_hits"] == 4
    assert env.count(CHAT) == 13 + 4  # only m2's four: m1's were received by the aborted attempt
    assert not list((tmp_path / "cache" / "overwrite-runs").iterdir())


def test_an_attempt_that_received_nothing_leaves_nothing_to_resume(env, tmp_path, monkeypatch):
    from support.fake_openai import Reply

    data = dataset(tmp_path / "ds", 3)
    markers = tmp_path / "cache" / "overwrite-runs"
    env.script([Reply.status(401)])  # the key is refused at the first request
    code, _ = run(data, "--overwrite")
    assert code == 2 and env.count(CHAT) == 1
    assert not markers.exists() or not list(markers.iterdir())
    with monkeypatch.context() as m:
        m.delenv("OPENAI_API_KEY")
        m.delenv("OPENAI_BASE_URL")
        code, _ = run(data, "--overwrite")
    assert code == 2 and env.count(CHAT) == 1  # no key: stopped before any request
    assert not markers.exists() or not list(markers.iterdir())
    code, s = run(data, "--overwrite")
    assert code == 0 and s["overwrite_run_resumed"] is False and s["judge_requests"] == 3


def test_a_marker_abandoned_long_ago_is_not_resumed(env, tmp_path):
    from toolgrad_eval.judge.overwrite import MAX_AGE

    data, prices, _judged = _budget_stopped_overwrite(env, tmp_path)
    [marker] = (tmp_path / "cache" / "overwrite-runs").iterdir()
    content = json.loads(marker.read_text())
    marker.write_text(json.dumps({**content, "started_at": content["started_at"] - MAX_AGE - 10}))
    code, s = run(data, "--overwrite", "--prices", str(prices))
    assert code == 0 and s["overwrite_run_resumed"] is False and s["judge_requests"] == 12


def test_a_resumed_attempt_restarts_the_age_limit(env, tmp_path):
    data, prices, judged = _budget_stopped_overwrite(env, tmp_path)
    [marker] = (tmp_path / "cache" / "overwrite-runs").iterdir()
    first = json.loads(marker.read_text())
    assert "last_attempt" not in first
    code, s = run(data, "--overwrite", "--prices", str(prices), "--max-cost", "0.000000001")  # resumes, stopped again
    assert code == 3 and s["overwrite_run_resumed"] is True and s["cache_hits"] == judged
    again = json.loads(marker.read_text())
    assert again["started_at"] == first["started_at"] and again["last_attempt"] > first["started_at"]
