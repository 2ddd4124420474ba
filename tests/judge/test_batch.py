"""--batch: JSONL upload, batch creation, polling, ingestion into the cache, resume after a crash."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from judge.conftest import CHAT, dataset, expensive_prices, rows, run, two_model_dataset
from support.fake_openai import FakeOpenAI, FakeOpenAIProcess, Reply
from support.fake_protocol import Drop

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
    env.score_fn = lambda request: (
        {"oops": True} if re.search(r"question 1\b", request["messages"][-1]["content"]) else 70
    )
    data = dataset(tmp_path / "ds", 4)
    code, s = run(data, *FAST)
    assert code == 4 and s["n_judge_errors"] == 1 and s["n_qor"] == 3 and s["partial"] is True  # 1 of 4 failed
    assert "invalid judge reply in batch" in rows()["s0001"]["judge_error"]
    env.score_fn = lambda request: 70
    code, s = run(data, *FAST)
    assert code == 0 and s["n_qor"] == 4 and s["cache_hits"] == 3 and env.count("/v1/batches") == 2
    lines = [r for r in env.requests if r["path"] == "/v1/files"]
    assert len(lines) == 2


def _start(data: Path, tmp_path: Path, url: str, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "OPENAI_BASE_URL": url, "OPENAI_API_KEY": "k"}
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
        *FAST,
        *extra,
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.slow
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
        assert all(
            r["path"] == f"/v1/batches/{state['batch_id']}" for r in requests if r["path"].startswith("/v1/batches/")
        )
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


def test_malformed_result_lines_are_errors_for_their_samples_and_the_run_goes_on(env, tmp_path):
    usages = []

    def damage(row: dict) -> list:
        n = len(usages)
        usages.append(row["response"]["body"]["usage"])
        if n == 0:
            return [{**row, "response": "not an object"}]
        if n == 1:
            return [{**row, "custom_id": [row["custom_id"]]}, "{not json"]  # no usable id: "no result"
        if n == 2:
            return [{**row, "response": {"status_code": 500, "body": "down"}, "error": "server fell over"}]
        if n == 3:
            return [row, row]  # the same result twice: judged and counted once
        return [row]

    env.rewrite_batch_lines(damage)
    data = dataset(tmp_path / "ds", 5, score=60)
    code, s = run(data, *FAST)
    assert code == 4 and s["n_qor"] == 2 and s["n_judge_errors"] == 3 and s["partial"] is True
    assert s["prompt_tokens"] == usages[3]["prompt_tokens"] + usages[4]["prompt_tokens"]
    errors = sorted(r["judge_error"] for r in rows().values() if r["judge_error"])
    assert errors == [
        "batch request failed (HTTP 500): server fell over",
        "batch request failed (HTTP ?): no body",
        "no result for this request in the batch output",
    ]
    env.rewrite_batch_lines(None)
    code, s = run(data, *FAST)  # only the three are submitted again
    assert code == 0 and s["n_qor"] == 5 and s["cache_hits"] == 2 and env.count(CHAT) == 0
    assert env.count("/v1/batches", "POST") == 2 and s["batch"]["batches"][0]["total"] == 3


def test_transient_failures_of_upload_and_creation_are_retried_without_a_second_batch(env, tmp_path):
    env.script([Reply.status(503)], path="/v1/files")
    env.script([Reply.status(500)], path="/v1/batches")
    code, s = run(dataset(tmp_path / "ds", 3, score=50), *FAST)
    assert code == 0 and s["n_qor"] == 3
    assert env.count("/v1/files", "POST") == 2 and env.count("/v1/batches", "POST") == 2
    assert env.count("/v1/batches", "GET") == 1  # before creating again: was one made from this file?
    assert s["batch"]["submitted"] == 1


class _LostCreate(FakeOpenAI):
    """Creates the first batch, then drops the connection instead of answering (a lost reply)."""

    lost = False

    def handle(self, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        answer = super().handle(method, path, *args, **kwargs)
        if method == "POST" and path == "/v1/batches" and not self.lost:
            self.lost = True
            raise Drop()
        return answer


def test_a_batch_whose_creation_reply_was_lost_is_adopted_not_paid_twice(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with _LostCreate() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "k")
        code, s = run(dataset(tmp_path / "ds", 4, score=30), *FAST)
        assert code == 0 and s["n_qor"] == 4 and s["qor"] == 30
        assert server.count("/v1/batches", "POST") == 1 and server.count("/v1/batches", "GET") == 1
        assert len(server._batches) == 1


def test_a_pending_batch_of_another_endpoint_is_left_alone(env, tmp_path, capsys):
    data = dataset(tmp_path / "ds", 2, score=70)
    run(data, *FAST)
    path = next((tmp_path / "cache" / "batches").glob("*.json"))
    state = json.loads(path.read_text())
    # as if a run against another server had died while polling
    path.write_text(
        json.dumps(
            {**state, "status": "submitted", "batch_id": "batch_elsewhere", "endpoint": "http://10.0.0.9:8000/v1"}
        )
    )
    code, s = run(data, *FAST, "--overwrite")
    assert code == 0 and s["n_qor"] == 2 and s["batch"]["submitted"] == 1
    assert env.count("/v1/batches/batch_elsewhere") == 0
    # the same state at this endpoint: the batch is unknown here, and the error names the file
    path.write_text(json.dumps({**state, "status": "submitted", "batch_id": "batch_gone"}))
    code, _ = run(data, *FAST, "--overwrite")
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and "batch_gone" in err[-1] and str(path.name) in err[-1] and "delete that file" in err[-1]


@pytest.mark.slow
def test_a_resumed_batch_counts_against_max_cost(tmp_path):
    prices = expensive_prices(tmp_path)
    data = dataset(tmp_path / "ds", 30, score=40)
    log = tmp_path / "requests.jsonl"
    budget = ("--prices", str(prices), "--max-cost", "2")
    with FakeOpenAIProcess(tmp_path, "--batch-seconds", "2.5", "--request-log", str(log)) as server:
        proc = _start(data, tmp_path, server.base_url, *budget)
        deadline = time.monotonic() + 30
        while sum(r["path"].startswith("/v1/batches/") for r in _log(log)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.kill()
        proc.wait()
        state = json.loads(next((tmp_path / "cache" / "batches").glob("*.json")).read_text())
        assert state["status"] == "submitted" and 1 <= len(state["tasks"]) < 30
        proc = _start(data, tmp_path, server.base_url, *budget)
        proc.communicate(timeout=60)
        assert proc.returncode == 3  # the budget is spent: the resumed batch used it
        assert sum(r["path"] == "/v1/batches" and r["method"] == "POST" for r in _log(log)) == 1
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["batch"]["submitted"] == 0 and summary["n_qor"] == len(state["tasks"])
    assert summary["budget_reached"] is True and summary["cost_usd"] <= 2


def test_max_cost_covers_both_models_of_compare_model_in_batch_mode(env, tmp_path):
    prices = expensive_prices(tmp_path)
    code, s = run(
        two_model_dataset(tmp_path / "ds", 12),
        *FAST,
        "--prices",
        str(prices),
        "--max-cost",
        "2",
        "--compare_model",
        "m2",
    )
    assert code == 3 and s["budget_reached"] is True
    assert s["cost_usd"] <= 2  # what both models' batches cost together
    assert env.count("/v1/batches", "POST") == 1  # the first model's batch spent the budget
