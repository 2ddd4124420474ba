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

from toolgrad_eval import units
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
from toolgrad_eval.record import PER_SAMPLE_FILE

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
    "uncompared",
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
    from toolgrad_eval.bfcl.categories import AGENTIC, SINGLE_TURN

    if benchmark == "toolbench":
        return TOOLBENCH_METRICS
    return ("overall", *SINGLE_TURN, *AGENTIC) if benchmark == "bfcl" else METRICS


def _chosen(diff: RunDiff, metrics: Sequence[str]) -> list[str]:
    if metrics:
        return [m for m in metrics if m in metric_names(diff.benchmark)]
    if diff.toolbench is not None:  # the win rate only where both runs were compared with one reference
        return ["sopr", "sowr"] if diff.toolbench.reference else ["sopr"]
    return ["overall"] if diff.bfcl else list(METRICS)


def uncompared(diff: RunDiff, metrics: Sequence[str] = ()) -> list[str]:
    """The chosen metrics (as in ``regressions``) that no sample pair entered, one line each with the
    reason: a gate over them could not fail, so it must not pass either."""
    sizes: dict[str, int] = {}
    if diff.bfcl is not None:
        sizes = {c.category: c.n_paired for c in diff.bfcl.categories} | {"overall": diff.bfcl.overall.n_paired}
    elif diff.toolgrad5k is not None:
        sizes = {m: d.n for m, d in diff.toolgrad5k.metrics.items()}
    elif diff.toolbench is not None:
        sizes = {"sopr": diff.toolbench.sopr.n, "sowr": diff.toolbench.sowr.n if diff.toolbench.sowr else 0}
    empty = [m for m in _chosen(diff, metrics) if not sizes.get(m)]
    if not empty:
        return []
    title = "BFCL" if diff.bfcl else "ToolBench" if diff.toolbench else "ToolGrad-5k"
    return [f"{title} {', '.join(empty)}: nothing compared ({_why_empty(diff)})"]


def _why_empty(diff: RunDiff) -> str:
    for side, run in (("A", diff.a), ("B", diff.b)):
        if not run.has_per_sample:
            return f"run {side} has no usable {PER_SAMPLE_FILE} (missing, or left by another run): {run.path}"
        if not run.samples:
            return f"run {side} has no per-sample rows: {run.path}"
    found = diff.bfcl or diff.toolgrad5k or diff.toolbench
    unpaired = found.unpaired if found is not None else {}
    paired = diff.bfcl.overall.n_paired if diff.bfcl else None
    if paired:  # BFCL entries were paired, just none of the chosen category
        return "no entry of the category was scored in both runs"
    if paired == 0 or (diff.bfcl is None and not _shared_ids(diff)):
        return f"no sample id is in both runs (A only {unpaired.get('only_a', 0)}, B only {unpaired.get('only_b', 0)})"
    return "no sample has a value in both runs: every value is null in one of them"


def _shared_ids(diff: RunDiff) -> bool:
    ids = {str(row["id"]) for row in diff.a.samples if "id" in row}
    return any(str(row.get("id")) in ids for row in diff.b.samples if "id" in row)


def regressions(diff: RunDiff, metrics: Sequence[str] = (), alpha: float = DEFAULT_ALPHA) -> list[str]:
    """Where B is significantly worse than A (p < alpha), one line each. ``metrics`` chooses among
    ``metric_names(benchmark)`` (a benchmark none of them belongs to is not tested); none chosen:
    BFCL overall and every ToolGrad-5k metric."""
    chosen = _chosen(diff, metrics)
    found = []
    if diff.bfcl is not None:
        tested = {c.category: c for c in diff.bfcl.categories} | {"overall": diff.bfcl.overall}
        for name in chosen:
            c = tested.get(name)
            if c is not None and len(c.pass_to_fail) > len(c.fail_to_pass) and c.mcnemar.p_value < alpha:
                found.append(
                    f"BFCL {name}: {len(c.pass_to_fail)} pass->fail vs {len(c.fail_to_pass)} fail->pass "
                    f"(McNemar exact, {units.p_value(c.mcnemar.p_value)})"
                )
    if diff.toolgrad5k is not None:
        for name in chosen:
            d = diff.toolgrad5k.metrics[name]
            if d.mean_diff is not None and d.mean_diff < 0 and d.p_value is not None and d.p_value < alpha:
                found.append(
                    f"ToolGrad-5k {name}: mean change {d.mean_diff:+.4g} over {d.n} samples "
                    f"(paired t-test, {units.p_value(d.p_value)})"
                )
    if diff.toolbench is not None:
        found += _toolbench_regressions(diff.toolbench, chosen, alpha)
    return found


def _toolbench_regressions(d: ToolbenchDiff, chosen: Sequence[str], alpha: float) -> list[str]:
    found = []
    if "sopr" in chosen and d.n_solved_to_unsolved > d.n_unsolved_to_solved and d.mcnemar.p_value < alpha:
        found.append(
            f"ToolBench SoPR: {d.n_solved_to_unsolved} solved->unsolved vs {d.n_unsolved_to_solved} "
            f"unsolved->solved (McNemar exact, {units.p_value(d.mcnemar.p_value)})"
        )
    w = d.sowr
    if "sowr" in chosen and w and w.mean_diff is not None and w.mean_diff < 0 and w.p_value is not None:
        if w.p_value < alpha:
            found.append(
                f"ToolBench SoWR: change {w.mean_diff:+.4g} over {w.n} queries (paired t-test, {units.p_value(w.p_value)})"
            )
    return found


def check_metrics(metrics: Sequence[str]) -> None:
    """Every name in ``metrics`` must be a metric of some benchmark (a typo must not silently pass CI)."""
    known = set(metric_names("bfcl")) | set(METRICS) | set(TOOLBENCH_METRICS)
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise ConfigError(f"--metric {', '.join(unknown)}: unknown; choose among {', '.join(sorted(known))}")
