"""Which benchmark a ``--dataset`` folder holds, told from its files alone.

``evaluate`` asks here first and imports the chosen benchmark's package only then, so a BFCL run
loads no ToolBench or ToolGrad-5k code (nor pydantic, which ToolBench's answer schema needs), and
the reverse; ``tests/test_imports.py`` holds each command to that. This module imports nothing but
the standard library. The layouts' marker paths are defined here once; the benchmarks' readers
import them.

Checked in this order, the first that matches wins:

* ToolGrad-5k: ``sft_data/test.txt``;
* BFCL: ``result/<model>/`` or ``results/<model>/`` holding a ``BFCL_v*_result.json`` (at any depth);
* ToolBench: ``solvable_queries/test_query_ids/`` beside ``model_predictions_converted/`` or ``answer/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

__all__ = ["Benchmark", "detect_benchmark", "is_bfcl_run", "is_toolbench", "is_toolgrad5k"]

Benchmark = Literal["toolgrad5k", "bfcl", "toolbench"]

TOOLGRAD5K_TEST_IDS = Path("sft_data") / "test.txt"
BFCL_RESULT_DIRS = ("result", "results")
BFCL_RESULT_GLOB = "BFCL_v*_result.json"
TOOLBENCH_TEST_IDS = Path("solvable_queries") / "test_query_ids"
TOOLBENCH_CONVERTED = "model_predictions_converted"
TOOLBENCH_RAW = "answer"


def detect_benchmark(dataset: Path) -> Benchmark | None:
    """The benchmark whose layout ``dataset`` has, or None (not a folder, or none of the three)."""
    if is_toolgrad5k(dataset):
        return "toolgrad5k"
    if is_bfcl_run(dataset):
        return "bfcl"
    if is_toolbench(dataset):
        return "toolbench"
    return None


def is_toolgrad5k(dataset: Path) -> bool:
    return (Path(dataset) / TOOLGRAD5K_TEST_IDS).is_file()


def is_bfcl_run(dataset: Path) -> bool:
    """True when ``dataset`` has ``result/<model>/`` or ``results/<model>/`` with BFCL result files."""
    for name in BFCL_RESULT_DIRS:
        root = Path(dataset) / name
        if not root.is_dir():
            continue
        for model_dir in root.iterdir():
            if model_dir.is_dir() and any(model_dir.rglob(BFCL_RESULT_GLOB)):
                return True
    return False


def is_toolbench(root: Path) -> bool:
    root = Path(root)
    return (root / TOOLBENCH_TEST_IDS).is_dir() and (
        (root / TOOLBENCH_CONVERTED).is_dir() or (root / TOOLBENCH_RAW).is_dir()
    )
