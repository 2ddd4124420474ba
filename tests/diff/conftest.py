"""Real run records of the shipped synthetic demo models, scored by the real runners."""

from __future__ import annotations

from pathlib import Path

import pytest
from report.test_browser import browser  # noqa: F401 (a fixture: one headless Chromium per test module)

DEMO_PAIR = ("demo-gemma-3-12b", "demo-toolgrad-12b")


def write_demo_records(runs: Path, models=DEMO_PAIR) -> Path:
    from toolgrad_eval.bfcl.runner import run_bfcl
    from toolgrad_eval.demo import demo_root
    from toolgrad_eval.judge.cache import open_cache
    from toolgrad_eval.judge.client import Judge
    from toolgrad_eval.judge.template import load_template
    from toolgrad_eval.record import write_run_record
    from toolgrad_eval.toolgrad5k.dataset import Toolgrad5k
    from toolgrad_eval.toolgrad5k.runner import evaluate_model, rows_as_dicts

    root = demo_root()
    with open_cache(runs / "cache") as cache:
        judge = Judge(load_template(), cache)
        for model in models:
            run = evaluate_model(Toolgrad5k(root / "toolgrad5k-synthetic"), model, judge)
            write_run_record(runs / "toolgrad5k" / model, run.summary, rows_as_dicts(run))
    for model in models:
        run_bfcl(
            root / "bfcl-synthetic",
            model,
            runs / "bfcl" / model,
            bfcl_data=root / "bfcl-synthetic" / "data",
            score_dir=runs / "bfcl" / model / "score",
            overwrite=True,
            echo=lambda _line: None,
        )
    return runs


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory) -> Path:
    return write_demo_records(tmp_path_factory.mktemp("diff-demo") / "runs")
