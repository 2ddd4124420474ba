"""Forked sample preparation (toolgrad5k/sample.py) gives what sequential preparation gives.

The judge here is a server in its own process (not the in-process ``fake_openai``, whose threads
would make every fork a fork of a threaded process): the workers are forked from a process with no
other thread, as in a real run, and :func:`forks_alone` checks that at each fork."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from support.fake_openai import FakeOpenAIProcess
from toolgrad5k.builders import KEY, SECRET, call, read_rows as rows, run_main as run
from toolgrad_eval import threads
from toolgrad_eval.toolgrad5k import sample

pytestmark = pytest.mark.compat  # forked workers (multiprocessing differs between versions)

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="samples are prepared in forked processes on Linux only"
)
CHAT = "/v1/chat/completions"


class _Judge:
    def __init__(self, log: Path, forks: list[int]) -> None:
        self.log = log
        self.forks = forks  # threads alive at each fork since the test began

    def count(self, path: str) -> int:
        if not self.log.exists():
            return 0
        return sum(json.loads(line)["path"] == path for line in self.log.read_text().splitlines() if line)


@pytest.fixture
def judge_env(tmp_path, monkeypatch):
    """The fake judge in a subprocess, in the SDK's environment; cwd in tmp_path; every fork made
    while the test runs is checked to come from a process with one thread."""
    log = tmp_path / "judge-requests.jsonl"
    if not threads.alone(wait=5):  # threads of an earlier test that are ending get 5 s
        others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
        pytest.fail(f"threads an earlier test left running (this test forks): {others}")
    with FakeOpenAIProcess(tmp_path, "--request-log", str(log)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        monkeypatch.chdir(tmp_path)
        forks: list[int] = []
        os.register_at_fork(before=lambda: forks.append(threads.count()))
        yield _Judge(log, forks)
    assert all(n == 1 for n in forks), f"forked with {forks} threads alive"


def mixed(builder, n: int = 240):
    """Judged, stored, errored, unreadable and duplicated samples, in one dataset."""
    for i in range(n):
        sid = f"s{i:04d}"
        kind = i % 6
        builder.sample(sid, {"a": {}, "b": {}}, query=f"question {i % 200} FAKE_SCORE={i % 101}")
        if kind == 0:
            builder.prediction(
                "m1",
                sid,
                {
                    "intermediate_steps": [call("a")],
                    KEY: f"answer {i}",
                    "eval": {"tool_accuracy": {"precision": 1.0, "recall": 0.5}, "success_rate": 1.0, "qor": 77},
                },
            )
        elif kind == 1:
            builder.prediction("m1", sid, {"error": "model crashed"})
        elif kind == 2:
            builder.write(f"prediction/m1/method=embedding/{sid}.json", "{not json")
        else:
            builder.prediction(
                "m1", sid, {"intermediate_steps": [call("a"), call("b", "HTTP 500")], KEY: f"answer {i % 200}"}
            )
    return builder.finish()


@linux_only
def test_forked_preparation_matches_sequential(builder, judge_env, monkeypatch):
    data = mixed(builder)
    monkeypatch.setattr(sample, "PARALLEL_FROM", 10**9)
    code, seq = run(data, "--num_process", "4", out="seq", cache="seq-cache")
    assert code == 0 and seq["n_input_errors"] == 40 and seq["judge_requests"] > 0
    sent = judge_env.count(CHAT)
    monkeypatch.setattr(sample, "PARALLEL_FROM", 10)
    monkeypatch.setattr(sample, "_CHUNK", 7)  # many chunks, the last one short
    code, par = run(data, "--num_process", "4", out="par", cache="par-cache")
    assert judge_env.forks  # prepared in forked workers (from a process with no other thread)
    assert code == 0 and judge_env.count(CHAT) == 2 * sent  # the same requests again, no more
    volatile = {"created_at", "command", "judge_seconds", "per_sample_sha256", "concurrency", "dataset"}
    assert {k: v for k, v in par.items() if k not in volatile} == {k: v for k, v in seq.items() if k not in volatile}
    assert rows("par") == rows("seq")
    code, again = run(data, out="par2", cache="par-cache")  # a cached re-run, forked
    assert code == 0 and judge_env.count(CHAT) == 2 * sent and again["judge_requests"] == 0
    assert again["cache_hits"] == sent > 0 and again["n_qor"] == par["n_qor"]
    assert again["cost_saved_usd"] > 0 and {r["id"]: r["qor"] for r in rows("par2").values()} == {
        r["id"]: r["qor"] for r in rows("par").values()
    }


@linux_only
def test_a_bug_in_a_worker_is_an_error_not_a_hang(builder, judge_env, monkeypatch):
    data = mixed(builder, 30)
    monkeypatch.setattr(sample, "PARALLEL_FROM", 10)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(sample, "score_without_judge", broken)  # inherited by the forked workers
    with pytest.raises(RuntimeError, match="ZeroDivisionError: a bug"):
        run(data)


@linux_only
def test_a_worker_that_dies_is_an_error_not_a_hang(builder, judge_env, monkeypatch):
    data = mixed(builder, 30)
    monkeypatch.setattr(sample, "PARALLEL_FROM", 10)
    monkeypatch.setattr(sample, "score_without_judge", lambda *args, **kwargs: os._exit(9))  # as the OOM killer would
    with pytest.raises(RuntimeError, match="a worker process preparing samples died"):
        run(data)


@linux_only
def test_a_damaged_cache_met_in_a_worker_is_the_usual_one_line(builder, judge_env, monkeypatch, capsys):
    data = mixed(builder, 600)
    assert run(data, "--num_process", "8")[0] == 0
    db = Path("cache/cache.db")
    with db.open("r+b") as f:  # garbage past the first pages: opening works, reading entries does not
        f.seek(20 * 4096)
        f.write(b"\xff" * 16 * 4096)
    monkeypatch.setattr(sample, "PARALLEL_FROM", 10)
    capsys.readouterr()
    code, _ = run(data, out="out2")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "judgment cache is damaged" in err[0], err


def test_only_large_datasets_on_linux_are_prepared_in_forked_processes(monkeypatch):
    assert sample._default_processes(sample.PARALLEL_FROM - 1) == 1
    if sys.platform.startswith("linux") and len(os.sched_getaffinity(0)) > 1:
        assert sample._default_processes(sample.PARALLEL_FROM) > 1
    monkeypatch.setattr(sys, "platform", "darwin")  # fork is offered there, but unsafe once the SDK is loaded
    assert sample._default_processes(10 * sample.PARALLEL_FROM) == 1


@linux_only
def test_a_process_with_other_threads_prepares_its_samples_itself(builder, judge_env, monkeypatch):
    """A thread still alive (a library user's, or one a previous run left) means no fork: forking would
    copy any lock it holds; the samples are prepared in this process instead, with the same rows."""
    data = mixed(builder, 60)
    monkeypatch.setattr(sample, "PARALLEL_FROM", 10)
    code, forked = run(data, out="forked", cache="c1")
    assert code == 0 and judge_env.forks
    judge_env.forks.clear()
    release = threading.Event()
    other = threading.Thread(target=release.wait, name="someone-else")
    other.start()
    try:
        code, alone = run(data, out="alone", cache="c2")
    finally:
        release.set()
        other.join()
    assert code == 0 and judge_env.forks == []
    assert rows("alone") == rows("forked")


def test_the_claim_renewer_leaves_when_the_last_claim_is_released(tmp_path):
    """No sleeping thread outlives a run (it would keep the next model's preparation from forking)."""
    from toolgrad_eval.judge.cache import open_cache

    claims = open_cache(tmp_path / "cache", lease=300).claims
    assert claims.try_claim("k")
    assert any(t.name == "claim-renewer" for t in threading.enumerate())
    claims.release("k")
    deadline = time.monotonic() + 5
    while any(t.name == "claim-renewer" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(t.name == "claim-renewer" for t in threading.enumerate())  # not after lease / 3 = 100 s
