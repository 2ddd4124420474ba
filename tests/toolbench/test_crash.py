"""kill -9 of the real command mid-run: nothing paid is lost, the re-run asks exactly what is left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from support.fake_openai import FakeOpenAI
from toolbench.builders import CHAT, entry, marker_judge, write_layout
from toolgrad_eval.judge.cache import JudgmentCache

N = 40


def test_kill_9_then_rerun_asks_only_the_rest(tmp_path):
    answers = {str(i): entry(f"question {i}", [("search", "{}", f"r{i}")], f"answer {i}") for i in range(N)}
    data = write_layout(tmp_path / "tb", {"m": {"G1_instruction": answers}}, {"G1_instruction": [str(i) for i in range(N)]})
    with FakeOpenAI(score_fn=marker_judge, latency=0.1) as server:
        env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "k"}
        command = [sys.executable, "-m", "toolgrad_eval", "--pred_model", "m", "--dataset", str(data), "--judge-samples", "1",
                   "--cache-dir", str(tmp_path / "cache"), "--output", str(tmp_path / "out"), "--num_process", "4"]
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while server.count(CHAT) < 12 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.kill()
        proc.wait()
        time.sleep(0.3)  # requests the dead process had in flight reach the server and are answered to no one
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
