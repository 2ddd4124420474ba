"""Run records for leaderboard tests, written by the same factory as the report tests use."""

from __future__ import annotations

from pathlib import Path

import pytest

from report.records import write_bfcl_run, write_toolgrad5k_run  # tests/ is on sys.path


@pytest.fixture
def runs_root(tmp_path: Path) -> Path:
    return tmp_path / "runs"


@pytest.fixture
def bfcl_run(runs_root: Path):
    def make(model: str, **options):
        return write_bfcl_run(runs_root, model, **options)

    return make


@pytest.fixture
def toolgrad5k_run(runs_root: Path):
    def make(model: str, **options):
        return write_toolgrad5k_run(runs_root, model, **options)

    return make
