"""--batch: JSONL upload, batch creation, polling, ingestion into the cache, resume after a crash."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from judge.conftest import CHAT, dataset, rows, run
from support.fake_openai import FakeOpenAIProcess

FAST = ("--batch", "--batch-poll-interval", "0.05")


def test_batch_round_trip_into_the_cache(env, tmp_path):
    env.batch_polls = 3
    data = dataset(tmp_path / "ds", 6, score=65)
    code, s = run(data, *FAST)
    assert code == 0 and s["n_qor"] == 6 and s["qor"] == 65 and env.count(CHAT) == 0
    assert env.count("/v1/files") == 1 and env.count("/v1/batches") == 1
    upload = next(r for r in env.requests if r["path"] == "/v1/batches")["json"]
    assert upload["endpoint"] == CHAT and upload["completion_window"] == "24h"
    assert {r["verdict_source"] for r in rows().values()} == {"batch"}
    assert s["batch"]["batches"][0]["status"] == "completed" and s["batch"]["submitted"] == 1
    assert s["price"]["tier"] == "batch"
    assert s["cost_usd"] == pytest.approx((s["prompt_tokens"] * 1.0 + s["completion_tokens"] * 4.0) / 1e6, abs=1e-6)
    state = json.loads(next((tmp_path / "cache" / "batches").glob("*.json")).read_text())
    assert state["status"] == "ingested" and len(state["tasks"]) == 6
    before = len(env.requests)
    code, again = run(data, *FAST)
    assert again["cache_hits"] == 6 and len(env.requests) == before  # live or batch: cached means free
    code, live = run(data)
    assert live["judge_requests"] == 0  # same cache keys as live judgments


def test_failed_and_invalid_lines_are_errors_and_only_they_are_resubmitted(env, tmp_path):
    env.score_fn = lambda request: {"oops": True} if re.search(r"question 1\b", request["messages"][-1]["content"]) else 70
    data = dataset(tmp_path / "ds", 4)
    code, s = run(data, *FAST)
    assert code == 0 and s["n_judge_errors"] == 1 and s["n_qor"] == 3
    assert "invalid judge reply in batch" in rows()["s0001"]["judge_error"]
    env.score_fn = lambda request: 70
    code, s = run(data, *FAST)
    assert code == 0 and s["n_qor"] == 4 and s["cache_hits"] == 3 and env.count("/v1/batches") == 2
    lines = [r for r in env.requests if r["path"] == "/v1/files"]
    assert len(lines) == 2


def _start(data: Path, tmp_path: Path, url: str, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "OPENAI_BASE_URL": url, "OPENAI_API_KEY": "k"}
    command = [sys.executable, "-m", "toolgrad_eval", "--pred_model", "m1", "--dataset", str(data),
               "--cache-dir", str(tmp_path / "cache"), "--output", str(tmp_path / "out"), *FAST, *extra]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_kill_9_while_polling_then_rerun_resumes_the_same_batch(tmp_path):
    data = dataset(tmp_path / "ds", 8, score=40)
    log = tmp_path / "requests.jsonl"
    with FakeOpenAIProcess(tmp_path, "--batch-seconds", "2.5", "--request-log", str(log)) as server:
        proc = _start(data, tmp_path, server.base_url)
        deadline = time.monotonic() + 30
        while sum(r["path"].startswith("/v1/batches/") for r in _log(log)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # the poller is polling: the state file was written before the first poll
        proc.kill()
        proc.wait()
        state = json.loads(next((tmp_path / "cache" / "batches").glob("*.json")).read_text())
        assert state["status"] == "submitted" and state["batch_id"]
        proc = _start(data, tmp_path, server.base_url)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
        requests = _log(log)
        assert sum(r["path"] == "/v1/batches" for r in requests) == 1  # resumed, not re-submitted
        assert sum(r["path"] == "/v1/files" for r in requests) == 1
        assert all(r["path"] == f"/v1/batches/{state['batch_id']}" for r in requests if r["path"].startswith("/v1/batches/"))
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["n_qor"] == 8 and summary["qor"] == 40 and summary["batch"]["submitted"] == 0


def test_explicit_batch_id_resumes_without_a_state_file(env, tmp_path):
    data = dataset(tmp_path / "ds", 3, score=90)
    env.batch_polls = 2
    code, s = run(data, *FAST, cache="first-cache")
    batch_id = s["batch"]["batches"][0]["batch_id"]
    before = env.count("/v1/batches")
    # another cache dir, so no state file: results are matched by custom_id = cache key
    code, s = run(data, "--batch-id", batch_id, "--batch-poll-interval", "0.05", cache="other-cache")
    assert code == 0 and s["n_qor"] == 3 and s["qor"] == 90 and s["batch"]["submitted"] == 0
    assert env.count("/v1/batches") == before and env.count("/v1/files") == 1  # nothing submitted again
