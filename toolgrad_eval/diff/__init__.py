"""What changed between two runs: per-sample diffs of two run records, with significance tests.

``diff_runs(a, b)`` compares run B with run A on one benchmark: for BFCL the entries that went
pass -> fail and fail -> pass per category, McNemar's exact test, error-type changes and the
flipped entries themselves; for ToolGrad-5k per-sample deltas, paired t-tests and bootstrap CIs,
the largest QoR drops and judge-vs-rule disagreements. ``regressions`` says where B is
significantly worse. ``sweep`` follows one model's checkpoints metric by metric.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from toolgrad_eval.diff.bfcl import (
    BfclDiff,
    CategoryDiff,
    ErrorTypeChange,
    FlippedEntry,
    diff_bfcl,
)
from toolgrad_eval.diff.pairs import find_records, pair_records
from toolgrad_eval.diff.significance import (
    McNemar,
    PairedDifference,
    mcnemar_exact,
    paired_difference,
)
from toolgrad_eval.diff.toolbench import METRICS as TOOLBENCH_METRICS
from toolgrad_eval.diff.toolbench import ToolbenchDiff, diff_toolbench
from toolgrad_eval.diff.toolgrad5k import (
    METRICS,
    Disagreement,
    SampleDelta,
    Toolgrad5kDiff,
    diff_toolgrad5k,
)
from toolgrad_eval.errors import ConfigError
from toolgrad_eval.leaderboard import Run

__all__ = [
    "DEFAULT_ALPHA",
    "BfclDiff",
    "CategoryDiff",
    "Disagreement",
    "ErrorTypeChange",
    "FlippedEntry",
    "McNemar",
    "PairedDifference",
    "RunDiff",
    "SampleDelta",
    "ToolbenchDiff",
    "Toolgrad5kDiff",
    "check_metrics",
    "diff_runs",
    "find_records",
    "mcnemar_exact",
    "metric_names",
    "pair_records",
    "paired_difference",
    "regressions",
]

DEFAULT_ALPHA = 0.05


@dataclass(frozen=True)
class RunDiff:
    """B compared with A on one benchmark; exactly one of ``bfcl`` and ``toolgrad5k`` is set."""

    a: Run
    b: Run
    bfcl: BfclDiff | None = None
    toolgrad5k: Toolgrad5kDiff | None = None
    toolbench: ToolbenchDiff | None = None

    @property
    def benchmark(self) -> str:
        return self.a.benchmark

    @property
    def synthetic(self) -> bool:
        return self.a.synthetic or self.b.synthetic

    def as_dict(self) -> dict[str, Any]:
        def side(run: Run) -> dict[str, Any]:
            return {
                "model": run.model,
                "record": str(run.path),
                "created_at": run.created_at,
                "synthetic": run.synthetic,
            }

        found = self.bfcl or self.toolgrad5k or self.toolbench
        body = found.as_dict() if found else {}
        return {"benchmark": self.benchmark, "synthetic": self.synthetic, "a": side(self.a), "b": side(self.b), **body}


def diff_runs(a: Run, b: Run, *, describe: bool = True) -> RunDiff:
    """B compared with A (both of one benchmark). ``describe=False``: BFCL counts without reading
    score and result files."""
    if a.benchmark != b.benchmark:
        raise ConfigError(f"cannot compare a {a.benchmark} run with a {b.benchmark} run ({a.path}, {b.path})")
    if a.benchmark == "bfcl":
        return RunDiff(a, b, bfcl=diff_bfcl(a, b, describe=describe))
    if a.benchmark == "toolbench":
        return RunDiff(a, b, toolbench=diff_toolbench(a, b))
    return RunDiff(a, b, toolgrad5k=diff_toolgrad5k(a, b))


def metric_names(benchmark: str) -> tuple[str, ...]:
    from toolgrad_eval.bfcl.categories import SINGLE_TURN

    if benchmark == "toolbench":
        return TOOLBENCH_METRICS
    return ("overall", *SINGLE_TURN) if benchmark == "bfcl" else METRICS


def regressions(diff: RunDiff, metrics: Sequence[str] = (), alpha: float = DEFAULT_ALPHA) -> list[str]:
    """Where B is significantly worse than A (p < alpha), one line each. ``metrics`` chooses among
    ``metric_names(benchmark)`` (a benchmark none of them belongs to is not tested); none chosen:
    BFCL overall and every ToolGrad-5k metric."""
    if metrics:
        chosen = [m for m in metrics if m in metric_names(diff.benchmark)]
    else:
        chosen = ["overall"] if diff.bfcl else list(TOOLBENCH_METRICS) if diff.toolbench else list(METRICS)
    found = []
    if diff.bfcl is not None:
        tested = {c.category: c for c in diff.bfcl.categories} | {"overall": diff.bfcl.overall}
        for name in chosen:
            c = tested.get(name)
            if c is not None and len(c.pass_to_fail) > len(c.fail_to_pass) and c.mcnemar.p_value < alpha:
                found.append(
                    f"BFCL {name}: {len(c.pass_to_fail)} pass->fail vs {len(c.fail_to_pass)} fail->pass "
                    f"(McNemar exact p = {c.mcnemar.p_value:.4g})"
                )
    if diff.toolgrad5k is not None:
        for name in chosen:
            d = diff.toolgrad5k.metrics[name]
            if d.mean_diff is not None and d.mean_diff < 0 and d.p_value is not None and d.p_value < alpha:
                found.append(
                    f"ToolGrad-5k {name}: mean change {d.mean_diff:+.4g} over {d.n} samples "
                    f"(paired t-test p = {d.p_value:.4g})"
                )
    if diff.toolbench is not None:
        found += _toolbench_regressions(diff.toolbench, chosen, alpha)
    return found


def _toolbench_regressions(d: ToolbenchDiff, chosen: Sequence[str], alpha: float) -> list[str]:
    found = []
    if "sopr" in chosen and d.n_solved_to_unsolved > d.n_unsolved_to_solved and d.mcnemar.p_value < alpha:
        found.append(
            f"ToolBench SoPR: {d.n_solved_to_unsolved} solved->unsolved vs {d.n_unsolved_to_solved} "
            f"unsolved->solved (McNemar exact p = {d.mcnemar.p_value:.4g})"
        )
    w = d.sowr
    if "sowr" in chosen and w and w.mean_diff is not None and w.mean_diff < 0 and w.p_value is not None:
        if w.p_value < alpha:
            found.append(
                f"ToolBench SoWR: change {w.mean_diff:+.4g} over {w.n} queries (paired t-test p = {w.p_value:.4g})"
            )
    return found


def check_metrics(metrics: Sequence[str]) -> None:
    """Every name in ``metrics`` must be a metric of some benchmark (a typo must not silently pass CI)."""
    known = set(metric_names("bfcl")) | set(METRICS) | set(TOOLBENCH_METRICS)
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise ConfigError(f"--metric {', '.join(unknown)}: unknown; choose among {', '.join(sorted(known))}")
