"""The --overwrite marker: what makes a run resume, and what makes it start afresh."""

from __future__ import annotations

import json
import time

import pytest

from toolgrad_eval.judge.overwrite import MAX_AGE, OverwriteRun

IDENTITY = {"dataset": "/data/ToolGrad-5k", "model": "m1", "judge_model": "gpt-4.1"}


def _marker_with(tmp_path, **fields):
    run = OverwriteRun.begin(tmp_path, IDENTITY)
    assert run.resumed is False
    run.path.write_text(json.dumps({**json.loads(run.path.read_text()), **fields}))
    return run


def test_an_unfinished_run_resumes_with_its_first_start(tmp_path):
    first = OverwriteRun.begin(tmp_path, IDENTITY)
    again = OverwriteRun.begin(tmp_path, IDENTITY)
    assert again.resumed is True and again.started_at == first.started_at and again.path == first.path
    assert OverwriteRun.begin(tmp_path, {**IDENTITY, "model": "m2"}).resumed is False  # another run: another marker
    again.finish()
    assert OverwriteRun.begin(tmp_path, IDENTITY).resumed is False


def test_age_counts_from_the_latest_attempt(tmp_path):
    now = time.time()
    _marker_with(tmp_path, started_at=now - MAX_AGE - 3600, last_attempt=now - 60)
    resumed = OverwriteRun.begin(tmp_path, IDENTITY)
    assert resumed.resumed is True
    resumed.finish()
    _marker_with(tmp_path, started_at=now - MAX_AGE - 3600, last_attempt=now - MAX_AGE - 60)
    assert OverwriteRun.begin(tmp_path, IDENTITY).resumed is False


@pytest.mark.parametrize(
    "fields",
    [
        {"started_at": "yesterday"},
        {"started_at": True},
        {"started_at": -5.0},
        {"started_at": time.time() + 3600},
        {"last_attempt": 1.0},  # a latest attempt before the start: inconsistent
    ],
)
def test_a_marker_that_does_not_make_sense_means_starting_afresh(tmp_path, fields):
    _marker_with(tmp_path, **fields)
    run = OverwriteRun.begin(tmp_path, IDENTITY)
    assert run.resumed is False and run.started_at > time.time() - 60
