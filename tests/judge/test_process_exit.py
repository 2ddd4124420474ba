"""The real command as a process: after judging it leaves without the interpreter's slow teardown,
and nothing it printed or wrote is lost on the way out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from judge.conftest import CHAT, dataset


def command(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "toolgrad_eval", "--pred_model", "m1", "--dataset", str(data),
            "--cache-dir", "cache", "--output", "out", *args]
    base = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout block-buffered, as for most users
    return subprocess.run(argv, capture_output=True, text=True, env={**base, **env}, timeout=120)


def test_judged_run_prints_and_writes_everything_before_leaving(env, tmp_path):
    data = dataset(tmp_path / "ds", 5, score=60)
    done = command(data, "--num_process", "2")
    assert done.returncode == 0, done.stderr
    assert env.count(CHAT) == 5
    assert "| m1 " in done.stdout
    assert "Run record:" in done.stdout  # the last lines reached the pipe: stdout was flushed
    summary = json.loads(Path("out/summary.json").read_text())
    assert summary["judge_requests"] == 5 and summary["qor"] == 60
    assert len(Path("out/per_sample.jsonl").read_text().splitlines()) == 5


def test_exit_status_survives_the_fast_exit(env, tmp_path):
    data = dataset(tmp_path / "ds", 3)
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"source": "test", "retrieved": "2026-11-22",
                                  "models": {"gpt-4.1": {"input": 1e6, "output": 1e6}}}))
    done = command(data, "--prices", str(prices), "--max-cost", "0.000001")
    assert done.returncode == 3, done.stderr  # the budget stop's documented status
    assert "Budget reached" in done.stderr


def test_full_exit_can_be_asked_for(env, tmp_path):
    data = dataset(tmp_path / "ds", 2)
    done = command(data, TOOLGRAD_EVAL_FULL_EXIT="1")
    assert done.returncode == 0 and "Run record:" in done.stdout
