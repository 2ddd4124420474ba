"""kill -9 of the real command mid-run: nothing paid is lost, the re-run asks exactly what is left;
with --overwrite too (the re-run resumes the killed --overwrite run, never reusing older verdicts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.fake_openai import FakeOpenAI
from toolbench.builders import CHAT, entry, marker_judge, write_layout
from toolgrad_eval.judge.cache import JudgmentCache

pytestmark = pytest.mark.slow  # kill -9 of judging processes

N = 40


def _setup(tmp_path: Path) -> Path:
    answers = {str(i): entry(f"question {i}", [("search", "{}", f"r{i}")], f"answer {i}") for i in range(N)}
    return write_layout(
        tmp_path / "tb", {"m": {"G1_instruction": answers}}, {"G1_instruction": [str(i) for i in range(N)]}
    )


def _command(data: Path, tmp_path: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "toolgrad_eval",
        "--pred_model",
        "m",
        "--dataset",
        str(data),
        "--judge-samples",
        "1",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--output",
        str(tmp_path / "out"),
        "--num_process",
        "4",
        *extra,
    ]


def _kill_after(server: FakeOpenAI, command: list[str], env: dict[str, str], requests: int) -> None:
    """Start the command, SIGKILL it once the server has seen ``requests`` chat requests in all."""
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while server.count(CHAT) < requests and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    time.sleep(0.3)  # requests the dead process had in flight reach the server and are answered to no one


def test_kill_9_then_rerun_asks_only_the_rest(tmp_path):
    data = _setup(tmp_path)
    with FakeOpenAI(score_fn=marker_judge, latency=0.1) as server:
        env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "k"}
        command = _command(data, tmp_path)
        _kill_after(server, command, env, 12)
        assert not (tmp_path / "out" / "summary.json").exists()
        with JudgmentCache(tmp_path / "cache") as cache:
            cached = len(list(cache.keys()))
        assert 0 < cached < N
        before = server.count(CHAT)
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        summary = json.loads((tmp_path / "out" / "summary.json").read_text())
        assert summary["cache_hits"] == cached and summary["judge_requests"] == N - cached
        assert server.count(CHAT) - before == N - cached
        assert summary["sopr"]["G1_instruction"] == 100.0 and summary["n_scored"] == N


def test_killed_overwrite_run_resumes_without_paying_twice(tmp_path):
    data = _setup(tmp_path)
    with FakeOpenAI(score_fn=marker_judge, latency=0.1) as server:
        env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "k"}
        assert subprocess.run(_command(data, tmp_path), env=env, capture_output=True, timeout=120).returncode == 0
        assert server.count(CHAT) == N  # every verdict is cached, and older than the --overwrite run below
        command = _command(data, tmp_path, "--overwrite")
        _kill_after(server, command, env, N + 12)
        killed = server.count(CHAT) - N
        assert 12 <= killed < N  # the old verdicts were not reused: the killed attempt asked again
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "Resuming the --overwrite run" in done.stderr
        summary = json.loads((tmp_path / "out" / "summary.json").read_text())
        resumed = server.count(CHAT) - N - killed
        # what the killed attempt received is reused; the rest (never older verdicts) is asked once more
        assert summary["overwrite_run_resumed"] is True and summary["judge_requests"] == resumed
        assert 0 < summary["cache_hits"] <= killed and summary["cache_hits"] + resumed == N
        before = server.count(CHAT)
        again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)  # that run finished
        assert again.returncode == 0 and server.count(CHAT) - before == N  # a new --overwrite run re-judges all
    assert not list((tmp_path / "cache" / "overwrite-runs").iterdir())
