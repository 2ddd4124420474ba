"""The shipped demo: score every synthetic demo model on both benchmarks, then publish the report.

The demo data (benchmarks/demo/, shipped inside the wheel) is SYNTHETIC: made-up tools and
questions, simulated model outputs, stored verdicts. It exists so the whole pipeline runs on a
fresh machine with no API key and no network.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable

DEMO_MODELS = ("demo-gemma-3-4b", "demo-toolgrad-4b", "demo-gemma-3-12b", "demo-toolgrad-12b")
# ToolBench demo (benchmarks/demo/toolbench-synthetic): model -> the reference its win rate is against
TOOLBENCH_DEMO = {"demo-toolbench-chatgpt-cot": None, "demo-toolbench-toolllama-dfs": "demo-toolbench-chatgpt-cot"}


def demo_root() -> Path:
    return Path(str(resources.files("toolgrad_eval.benchmarks"))) / "demo"


@dataclass(frozen=True)
class DemoResult:
    toolgrad5k: dict[str, dict[str, Any]]
    bfcl: dict[str, dict[str, Any]]
    report_index: Path
    toolbench: dict[str, dict[str, Any]]


def run_demo(runs: Path, out: Path, *, cache_dir: Path, echo: Callable[[str], Any] = print) -> DemoResult:
    """Evaluate the demo models into ``runs`` and write the leaderboard site into ``out``.

    Both folders are checked first: a demo started where it cannot write (a read-only folder) stops
    with one line before it has scored anything."""
    from toolgrad_eval.bfcl.runner import run_bfcl
    from toolgrad_eval.fileio import ensure_writable_dir
    from toolgrad_eval.judge.session import JudgeConfig
    from toolgrad_eval.report import publish
    from toolgrad_eval.toolgrad5k.run import Toolgrad5kConfig, run_toolgrad5k

    ensure_writable_dir(runs, "demo's run records (--output/--runs)")
    ensure_writable_dir(out, "demo report (--report-dir/--out)")
    root = demo_root()
    bfcl_run = root / "bfcl-synthetic"
    toolgrad5k: dict[str, dict[str, Any]] = {}
    bfcl: dict[str, dict[str, Any]] = {}
    for model in DEMO_MODELS:  # stored verdicts only: no request is sent
        config = Toolgrad5kConfig(
            root / "toolgrad5k-synthetic", model, runs / "toolgrad5k" / model, judge=JudgeConfig(cache_dir=cache_dir)
        )
        toolgrad5k[model] = run_toolgrad5k(config).summary
    for model in DEMO_MODELS:
        bfcl[model] = run_bfcl(
            bfcl_run,
            model,
            runs / "bfcl" / model,
            bfcl_data=bfcl_run / "data",
            score_dir=runs / "bfcl" / model / "score",
            overwrite=True,
            echo=lambda _line: None,
        )
    toolbench = _toolbench_demo(root / "toolbench-synthetic", runs / "toolbench", cache_dir)
    # A sweep over the demo models in leaderboard order: SYNTHETIC runs standing in for checkpoints,
    # to show the chart; the base -> fine-tune pairs get their diff pages from benchmarks/models.json.
    published = publish([runs], out, matches={}, series=[",".join(DEMO_MODELS)])
    return DemoResult(toolgrad5k=toolgrad5k, bfcl=bfcl, report_index=published.index, toolbench=toolbench)


def _toolbench_demo(dataset: Path, runs: Path, cache_dir: Path) -> dict[str, dict[str, Any]]:
    """ToolEval's stored verdicts and preference tallies only: no request is sent."""
    from toolgrad_eval.judge.session import JudgeConfig
    from toolgrad_eval.toolbench.run import ToolbenchConfig, run_toolbench

    judge = JudgeConfig(samples=3, cache_dir=cache_dir)  # the stored verdicts have 3 rounds
    return {
        model: run_toolbench(
            ToolbenchConfig(dataset, model, runs / model, judge=judge, reference_model=reference)
        ).summary
        for model, reference in TOOLBENCH_DEMO.items()
    }
