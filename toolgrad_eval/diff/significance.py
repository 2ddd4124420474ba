"""The significance tests of a diff: McNemar's exact test for pass/fail flips, the paired t-test
and a paired bootstrap CI for per-sample values. scipy does the arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from toolgrad_eval.stats import paired_bootstrap_ci


@dataclass(frozen=True)
class McNemar:
    """McNemar's exact test of ``n_pass_to_fail`` against ``n_fail_to_pass`` (two-sided).

    Under the null hypothesis a flipped entry is equally likely to flip either way, so the smaller
    count is Binomial(flips, 1/2). ``statistic`` is that smaller count (as statsmodels reports it);
    with no flips there is nothing to test and the p-value is 1.
    """

    n_pass_to_fail: int
    n_fail_to_pass: int
    statistic: int
    p_value: float

    def as_dict(self) -> dict[str, float | int | str]:
        return {"test": "mcnemar_exact", "statistic": self.statistic, "p_value": self.p_value}


def mcnemar_exact(n_pass_to_fail: int, n_fail_to_pass: int) -> McNemar:
    flips = n_pass_to_fail + n_fail_to_pass
    smaller = min(n_pass_to_fail, n_fail_to_pass)
    if flips == 0:
        return McNemar(0, 0, 0, 1.0)
    from scipy.stats import binomtest

    p_value = float(binomtest(smaller, flips, 0.5, alternative="two-sided").pvalue)
    return McNemar(n_pass_to_fail, n_fail_to_pass, smaller, min(p_value, 1.0))


@dataclass(frozen=True)
class PairedDifference:
    """``b - a`` over the samples both runs have a value for: means, the mean difference with a
    95% paired bootstrap CI, and the paired t-test (None where it is undefined: fewer than two
    pairs, or every difference the same)."""

    n: int
    mean_a: float | None
    mean_b: float | None
    mean_diff: float | None
    ci: tuple[float, float] | None
    t_statistic: float | None
    p_value: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "mean_a": self.mean_a,
            "mean_b": self.mean_b,
            "mean_diff": self.mean_diff,
            "ci95": list(self.ci) if self.ci else None,
            "test": "paired_t",
            "statistic": self.t_statistic,
            "p_value": self.p_value,
        }


def paired_difference(a: Mapping[str, float | None], b: Mapping[str, float | None]) -> PairedDifference:
    ids = sorted(k for k in a.keys() & b.keys() if a[k] is not None and b[k] is not None)
    if not ids:
        return PairedDifference(0, None, None, None, None, None, None)
    xs = [float(a[k]) for k in ids]  # type: ignore[arg-type]
    ys = [float(b[k]) for k in ids]  # type: ignore[arg-type]
    n = len(ids)
    mean_a, mean_b = sum(xs) / n, sum(ys) / n
    diffs = [y - x for x, y in zip(xs, ys)]
    t_statistic = p_value = None
    if n >= 2 and any(d != diffs[0] for d in diffs):
        from scipy.stats import ttest_rel

        result = ttest_rel(ys, xs)
        t_statistic, p_value = float(result.statistic), float(result.pvalue)
    ci = paired_bootstrap_ci({k: a[k] for k in ids}, {k: b[k] for k in ids}) if n >= 2 else None
    return PairedDifference(n, mean_a, mean_b, sum(diffs) / n, ci, t_statistic, p_value)
