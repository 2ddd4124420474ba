"""A BFCL evaluation as the console script runs it: after a run that succeeded the process leaves
without the interpreter's teardown (every output is fsynced by then), and nothing it printed or
wrote is lost on the way out; a run that failed keeps the normal exit. (The judged ToolGrad-5k
path is pinned in tests/judge/test_process_exit.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolgrad_eval.demo import demo_root

pytestmark = pytest.mark.compat  # interpreter teardown differs between versions

RUN = demo_root() / "bfcl-synthetic"


def _entry(tmp_path: Path, model: str, **env: str) -> subprocess.CompletedProcess:
    """entry() with an atexit hook that prints only under a normal teardown."""
    argv = ["toolgrad-eval", "--pred_model", model, "--dataset", str(RUN), "--bfcl-data", str(RUN / "data")]
    argv += ["--score-dir", str(tmp_path / "score"), "--output", str(tmp_path / "out")]
    code = (
        "import atexit, sys; atexit.register(lambda: print('TEARDOWN-RAN', flush=True)); "
        f"from toolgrad_eval.cli.main import entry; sys.argv = {argv!r}; entry()"
    )
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "TOOLGRAD_EVAL_FULL_EXIT")}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**base, **env}, timeout=120
    )


def test_a_scored_bfcl_run_skips_the_teardown_and_loses_nothing(tmp_path: Path) -> None:
    done = _entry(tmp_path, "demo-toolgrad-4b")
    assert done.returncode == 0, done.stderr
    assert "TEARDOWN-RAN" not in done.stdout
    assert "Run record:" in done.stdout  # the last line printed reached the pipe: stdout was flushed
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["n_samples"] == len((tmp_path / "out" / "per_sample.jsonl").read_text().splitlines()) > 0
    assert (tmp_path / "score" / "data_overall.csv").read_text().count("demo-toolgrad-4b") == 1


def test_many_models_skip_it_too(tmp_path: Path) -> None:
    done = _entry(tmp_path, "all")
    assert done.returncode == 0 and "TEARDOWN-RAN" not in done.stdout, done.stderr
    assert "Run records:" in done.stdout


def test_a_failed_bfcl_run_keeps_the_normal_exit(tmp_path: Path) -> None:
    done = _entry(tmp_path, "no-such-model")
    assert done.returncode == 2 and "TEARDOWN-RAN" in done.stdout
    assert done.stderr.startswith("Error: ")


def test_full_exit_can_be_asked_for(tmp_path: Path) -> None:
    done = _entry(tmp_path, "demo-toolgrad-4b", TOOLGRAD_EVAL_FULL_EXIT="1")
    assert done.returncode == 0 and "TEARDOWN-RAN" in done.stdout and "Run record:" in done.stdout
