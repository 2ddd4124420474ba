"""Confidence intervals and paired tests for leaderboard columns.

A column is a fixed weighted sum of per-category means (one category for most columns, several
for BFCL's overall and irrelevance columns). Single-category columns use toolgrad_eval.stats as
is. Multi-category columns resample each category separately (a stratified bootstrap): pooling
all entries and resampling them together would count the gap between categories as noise and
widen the interval for no reason. With one stratum both functions here reduce to the plain ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from toolgrad_eval.leaderboard.runs import Stratum
from toolgrad_eval.stats import bootstrap_ci, paired_bootstrap_ci, paired_ttest

CONFIDENCE = 0.95
RESAMPLES = 2000
SEED = 0


@dataclass(frozen=True)
class DeltaStat:
    """``b - a`` paired by sample id: its size, bootstrap CI and two-sided p-value (display units)."""

    n: int
    diff: float
    ci: tuple[float, float] | None
    p_value: float | None


def column_ci(strata: Sequence[Stratum] | None, factor: float) -> tuple[float, float] | None:
    """95% CI of a column in display units, or None without per-sample values.

    One pass/fail category: the Wilson score interval. A percentile bootstrap of 16/16 passes is
    [100, 100], a zero-width interval that claims certainty 16 entries cannot give (and would flag
    every other reported value as outside it); Wilson gives [80.6, 100].
    """
    if not strata:
        return None
    if _single(strata) and is_binary(strata[0].values.values()):
        values = list(strata[0].values.values())
        if len(values) < 2:  # as for the bootstrap: one entry gives no interval worth showing
            return None
        low, high = wilson_ci(int(sum(values)), len(values))
        return low * factor, high * factor
    if _single(strata):
        ci = bootstrap_ci(list(strata[0].values.values()), confidence=CONFIDENCE, resamples=RESAMPLES, seed=SEED)
    else:
        ci = stratified_bootstrap_ci([(s.weight, list(s.values.values())) for s in strata])
    return None if ci is None else (ci[0] * factor, ci[1] * factor)


def paired_delta(a: Sequence[Stratum] | None, b: Sequence[Stratum] | None, factor: float) -> DeltaStat | None:
    """Paired comparison of two runs on one column (same categories, same weights by construction)."""
    if not a or not b or len(a) != len(b):
        return None
    if _single(a) and _single(b):
        test = paired_ttest(a[0].values, b[0].values)
        if test.n == 0:
            return None
        ci = paired_bootstrap_ci(a[0].values, b[0].values, confidence=CONFIDENCE, resamples=RESAMPLES, seed=SEED)
        return DeltaStat(test.n, test.mean_diff * factor, _scaled(ci, factor), test.p_value)
    diffs: list[tuple[float, list[float]]] = []
    for sa, sb in zip(a, b):
        shared = sorted(sa.values.keys() & sb.values.keys())
        if not shared:
            return None
        diffs.append((sa.weight, [sb.values[k] - sa.values[k] for k in shared]))
    n = sum(len(d) for _, d in diffs)
    diff = sum(w * sum(d) / len(d) for w, d in diffs)
    return DeltaStat(n, diff * factor, _scaled(stratified_bootstrap_ci(diffs), factor), stratified_p_value(diffs))


def ci_method(strata: Sequence[Stratum] | None) -> str:
    """Which interval column_ci computes for these strata: "wilson" or "bootstrap"."""
    return "wilson" if strata and _single(strata) and is_binary(strata[0].values.values()) else "bootstrap"


def is_binary(values: Iterable[float]) -> bool:
    seen = False
    for v in values:
        if v not in (0.0, 1.0):
            return False
        seen = True
    return seen


def wilson_ci(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (as a fraction)."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # Exact at the edges (rounding would otherwise leave 1 - 1e-17 or a tiny negative).
    return (0.0 if successes == 0 else max(0.0, centre - half), 1.0 if successes == n else min(1.0, centre + half))


def stratified_bootstrap_ci(strata: Sequence[tuple[float, Sequence[float]]]) -> tuple[float, float] | None:
    """Percentile CI of ``sum(weight * mean(values))``, resampling within each stratum."""
    if not strata or sum(len(v) for _, v in strata) < 2 or any(len(v) == 0 for _, v in strata):
        return None
    import numpy as np

    rng = np.random.default_rng(SEED)
    total = np.zeros(RESAMPLES)
    for weight, values in strata:
        data = np.asarray(values, dtype=float)
        idx = rng.integers(0, len(data), size=(RESAMPLES, len(data)))
        total += weight * data[idx].mean(axis=1)
    alpha = (1.0 - CONFIDENCE) / 2.0
    low, high = np.quantile(total, [alpha, 1.0 - alpha])
    return float(low), float(high)


def stratified_p_value(strata: Sequence[tuple[float, Sequence[float]]]) -> float | None:
    """Two-sided test that ``sum(weight * mean(diffs)) == 0`` (Welch-Satterthwaite degrees of freedom).

    With one stratum of weight 1 this is exactly the paired t-test. None when the variance is zero
    or a stratum has fewer than two values, as paired_ttest does.
    """
    if not strata or any(len(d) < 2 for _, d in strata):
        return None
    mean = 0.0
    parts = []
    for weight, diffs in strata:
        n = len(diffs)
        m = sum(diffs) / n
        var = sum((x - m) ** 2 for x in diffs) / (n - 1)
        mean += weight * m
        parts.append((weight * weight * var / n, n))
    variance = sum(p for p, _ in parts)
    if variance <= 0:
        return None
    df = variance**2 / sum(p * p / (n - 1) for p, n in parts if p > 0)
    from scipy import stats as _st

    t_stat = mean / math.sqrt(variance)
    return float(2 * _st.t.sf(abs(t_stat), df=df))


def _single(strata: Sequence[Stratum]) -> bool:
    return len(strata) == 1 and strata[0].weight == 1.0


def _scaled(ci: tuple[float, float] | None, factor: float) -> tuple[float, float] | None:
    return None if ci is None else (ci[0] * factor, ci[1] * factor)
