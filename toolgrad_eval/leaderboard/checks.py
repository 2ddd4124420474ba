"""Consistency checks on reported numbers: what a careful reader of a model card would notice.

- An overall column must follow from its category columns under BFCL's aggregation rules.
- Relevance is scored on 16 entries (18 in BFCL v3), so it can only take values k/16 (k/18).
- Two different models with identical values across a whole group of columns (for example
  Relevance and Irrelevance) suggest a copy error in the source.
Printed values are rounded to two decimals, so each comparison allows for that rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Literal, Mapping, Sequence

from toolgrad_eval.leaderboard.columns import COLUMNS, LIVE_AST_SIZES, TOOLBENCH_TEST_SETS, bfcl_weights, column

# Half a unit in the last printed place for the overall, plus the same for the categories it
# averages (their weights sum to one), plus room for binary floating point.
ROUNDING_TOLERANCE = 0.01 + 1e-9
RELEVANCE_SIZES = (16, 18)


@dataclass(frozen=True)
class Finding:
    """Something to flag on reported cells: a ``warning`` (inconsistent) or a ``note`` (corrected)."""

    kind: Literal["warning", "note"]
    model: str
    columns: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class ReportedValues:
    model: str
    label: str
    values: Mapping[str, float]  # display units


def check_reported(benchmark: str, rows: Sequence[ReportedValues]) -> list[Finding]:
    findings: list[Finding] = []
    if benchmark == "bfcl":
        for row in rows:
            findings += _overall_follows(row)
            findings += _relevance_granularity(row)
    if benchmark == "toolbench":
        for row in rows:
            findings += _toolbench_average_follows(row)
    findings += _identical_groups(benchmark, rows)
    return findings


def _toolbench_average_follows(row: ReportedValues) -> list[Finding]:
    """StableToolBench prints one decimal; its Average column is the plain mean of the six test sets."""
    out = []
    for metric in ("sopr", "sowr"):
        parts = [f"{metric}_{s}" for s in TOOLBENCH_TEST_SETS if s != "average"]
        key = f"{metric}_average"
        if key not in row.values or not all(p in row.values for p in parts):
            continue
        expected = sum(row.values[p] for p in parts) / len(parts)
        # the Average's own rounding (0.05) plus the mean of six values each rounded by up to 0.05
        if abs(row.values[key] - expected) > 0.1 + 1e-9:
            out.append(
                Finding(
                    "warning",
                    row.model,
                    (key,),
                    f"{row.label}: {'SoPR' if metric == 'sopr' else 'SoWR'} Average is printed as {row.values[key]:.1f}, but the "
                    f"mean of its six test sets is {expected:.2f}; the average does not follow from its columns.",
                )
            )
    return out


def derived_overall(key: str, values: Mapping[str, float]) -> float | None:
    """An overall column recomputed from a row's own category columns, or None if one is missing."""
    if key == "non_live_overall":
        parts = ["non_live_simple", "non_live_multiple", "non_live_parallel", "non_live_parallel_multiple"]
        if all(p in values for p in parts):
            return sum(values[p] for p in parts) / len(parts)
        return None
    if key == "live_overall":
        weights = bfcl_weights("live_overall", LIVE_AST_SIZES)
        if all(cat in values for cat in weights):
            return sum(w * values[cat] for cat, w in weights.items())
        return None
    raise KeyError(key)


def _overall_follows(row: ReportedValues) -> list[Finding]:
    out = []
    for key, rule in (
        ("non_live_overall", "the unweighted mean of its four non-live category columns"),
        ("live_overall", "the mean of its four live category columns weighted by entries (258, 1053, 16, 24)"),
    ):
        expected = derived_overall(key, row.values)
        if expected is None or key not in row.values:
            continue
        if abs(row.values[key] - expected) > ROUNDING_TOLERANCE:
            out.append(
                Finding(
                    "warning",
                    row.model,
                    (key,),
                    f"{row.label}: {column('bfcl', key).label} is printed as {row.values[key]:.2f}, but {rule} "
                    f"is {expected:.2f}; the overall does not follow from its categories.",
                )
            )
    return out


def _relevance_granularity(row: ReportedValues) -> list[Finding]:
    value = row.values.get("relevance")
    if value is None:
        return []
    for size in RELEVANCE_SIZES:
        step = 100.0 / size
        if abs(value - round(value / step) * step) <= 0.005 + 1e-9:
            return []
    return [
        Finding(
            "warning",
            row.model,
            ("relevance",),
            f"{row.label}: Relevance {value:.2f} is not k/16 (nor k/18 for BFCL v3), yet relevance has only "
            "16 entries; the value probably belongs to another column.",
        )
    ]


def _identical_groups(benchmark: str, rows: Sequence[ReportedValues]) -> list[Finding]:
    groups: dict[str, list[str]] = {}
    for col in COLUMNS[benchmark]:
        groups.setdefault(col.group, []).append(col.key)
    out = []
    for group, keys in groups.items():
        if len(keys) < 2:
            continue
        for a, b in combinations(rows, 2):
            if a.model == b.model or not all(k in a.values and k in b.values for k in keys):
                continue
            if all(a.values[k] == b.values[k] for k in keys):
                shown = " / ".join(f"{a.values[k]:.2f}" for k in keys)
                names = " and ".join(column(benchmark, k).label for k in keys)
                message = (
                    f"{a.label} and {b.label} report identical {names} ({shown}). Two different models "
                    f"scoring exactly alike on every {group} column is unlikely; possibly a copy error in the source."
                )
                out.append(Finding("warning", a.model, tuple(keys), message))
                out.append(Finding("warning", b.model, tuple(keys), message))
    return out
