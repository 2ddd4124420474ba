"""Fixtures for report tests: run records written in tmp_path by the factory in records.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from report.records import write_bfcl_run, write_demo_runs, write_toolgrad5k_run  # tests/ is on sys.path


@pytest.fixture
def demo_runs(tmp_path: Path) -> Path:
    """Four synthetic demo models on BFCL and ToolGrad-5k, with hostile model text."""
    return write_demo_runs(tmp_path / "runs")


@pytest.fixture
def run_factory(tmp_path: Path):
    """Write one run record: run_factory("bfcl", "model-name", skill=0.8, ...) -> its folder."""
    root = tmp_path / "runs"

    def make(benchmark: str, model: str, **options):
        writer = write_bfcl_run if benchmark == "bfcl" else write_toolgrad5k_run
        return writer(root, model, **options)

    make.root = root  # type: ignore[attr-defined]
    return make
