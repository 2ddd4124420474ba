"""Statistics over per-sample results: paired tests and bootstrap confidence intervals.

Values are always paired by sample id, never by position (the reference evaluator pairs by
position, which misaligns Success Rate when the two models drop different samples).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence


@dataclass(frozen=True)
class PairedTest:
    """A two-sided paired t-test of ``b - a`` over the ids both sides have a value for."""

    n: int
    mean_a: float | None
    mean_b: float | None
    mean_diff: float | None
    t_statistic: float | None
    p_value: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "n": self.n,
            "mean_a": self.mean_a,
            "mean_b": self.mean_b,
            "mean_diff": self.mean_diff,
            "t_statistic": self.t_statistic,
            "p_value": self.p_value,
        }


def paired_ttest(a: Mapping[str, float | None], b: Mapping[str, float | None]) -> PairedTest:
    """Paired t-test over ids present (with a non-null value) in both ``a`` and ``b``.

    With fewer than two pairs, or when every difference is identical (zero variance), the
    statistic is undefined and reported as None rather than as a misleading number.
    """
    ids = sorted(k for k in a.keys() & b.keys() if a[k] is not None and b[k] is not None)
    xs = [float(a[k]) for k in ids]  # type: ignore[arg-type]
    ys = [float(b[k]) for k in ids]  # type: ignore[arg-type]
    n = len(ids)
    if n == 0:  # nothing to pair: no numbers at all, rather than NaN (which JSON cannot hold)
        return PairedTest(0, None, None, None, None, None)
    mean_a, mean_b = sum(xs) / n, sum(ys) / n
    diffs = [y - x for x, y in zip(xs, ys)]
    mean_diff = sum(diffs) / n
    t_stat: float | None = None
    p_value: float | None = None
    if n >= 2:
        var = sum((d - mean_diff) ** 2 for d in diffs) / (n - 1)
        if var > 0:
            from scipy import stats as _st

            t_stat = mean_diff / math.sqrt(var / n)
            p_value = float(2 * _st.t.sf(abs(t_stat), df=n - 1))
    return PairedTest(n, mean_a, mean_b, mean_diff, t_stat, p_value)


def bootstrap_ci(
    values: Sequence[float], *, confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> tuple[float, float] | None:
    """Percentile bootstrap confidence interval of the mean; None for fewer than two values."""
    if len(values) < 2:
        return None
    import numpy as np

    rng = np.random.default_rng(seed)
    data = np.asarray(values, dtype=float)
    idx = rng.integers(0, len(data), size=(resamples, len(data)))
    means = data[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return float(low), float(high)


def paired_bootstrap_ci(
    a: Mapping[str, float | None],
    b: Mapping[str, float | None],
    *,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float] | None:
    """Bootstrap CI of the mean paired difference ``b - a`` over shared ids."""
    ids = sorted(k for k in a.keys() & b.keys() if a[k] is not None and b[k] is not None)
    diffs = [float(b[k]) - float(a[k]) for k in ids]  # type: ignore[arg-type]
    return bootstrap_ci(diffs, confidence=confidence, resamples=resamples, seed=seed)
