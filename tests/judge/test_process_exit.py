"""The real command as a process: after judging it leaves without the interpreter's slow teardown,
and nothing it printed or wrote is lost on the way out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from judge.conftest import CHAT, dataset

pytestmark = pytest.mark.compat  # interpreter teardown differs between versions


def command(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    argv = [
        sys.executable,
        "-m",
        "toolgrad_eval",
        "--pred_model",
        "m1",
        "--dataset",
        str(data),
        "--cache-dir",
        "cache",
        "--output",
        "out",
        *args,
    ]
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
    prices.write_text(
        json.dumps({"source": "test", "retrieved": "2026-11-22", "models": {"gpt-4.1": {"input": 1e6, "output": 1e6}}})
    )
    done = command(data, "--prices", str(prices), "--max-cost", "0.000001")
    assert done.returncode == 3, done.stderr  # the budget stop's documented status
    assert "Budget reached" in done.stderr


def _entry_with_atexit_probe(data: Path, **env: str) -> subprocess.CompletedProcess:
    """The console script's entry(), with an atexit hook that prints only under a normal teardown."""
    code = (
        "import atexit, sys; atexit.register(lambda: print('TEARDOWN-RAN', flush=True)); "
        "from toolgrad_eval.cli.main import entry; "
        f"sys.argv = ['toolgrad-eval', '--pred_model', 'm1', '--dataset', {str(data)!r}, "
        "'--cache-dir', 'cache', '--output', 'out']; entry()"
    )
    base = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**base, **env}, timeout=120
    )


def test_after_judging_the_process_skips_the_teardown(env, tmp_path):
    data = dataset(tmp_path / "ds", 2)
    done = _entry_with_atexit_probe(data)
    assert done.returncode == 0 and "Run record:" in done.stdout, done.stderr
    assert "TEARDOWN-RAN" not in done.stdout


def test_full_exit_can_be_asked_for(env, tmp_path):
    data = dataset(tmp_path / "ds", 2)
    done = _entry_with_atexit_probe(data, TOOLGRAD_EVAL_FULL_EXIT="1")
    assert done.returncode == 0 and "Run record:" in done.stdout and "TEARDOWN-RAN" in done.stdout


def test_without_the_sdk_loaded_the_normal_exit_is_kept(env, tmp_path):
    data = dataset(tmp_path / "ds", 2)
    assert _entry_with_atexit_probe(data).returncode == 0  # judged: cached from now on
    done = _entry_with_atexit_probe(data)  # every verdict cached: the SDK is never imported
    assert done.returncode == 0 and "TEARDOWN-RAN" in done.stdout
