"""Column CIs and paired deltas: single columns use toolgrad_eval.stats, combined ones stratify."""

from __future__ import annotations

import random

import pytest

from toolgrad_eval.leaderboard.runs import Stratum
from toolgrad_eval.leaderboard.stats import column_ci, paired_delta, stratified_bootstrap_ci, stratified_p_value
from toolgrad_eval.stats import bootstrap_ci, paired_ttest


def _values(n: int, p: float, seed: int, prefix: str = "s") -> dict[str, float]:
    rng = random.Random(seed)
    return {f"{prefix}{i}": 1.0 if rng.random() < p else 0.0 for i in range(n)}


def test_one_stratum_is_exactly_the_plain_bootstrap_and_paired_t() -> None:
    values = _values(50, 0.6, 1)
    assert stratified_bootstrap_ci([(1.0, list(values.values()))]) == bootstrap_ci(list(values.values()))
    a, b = _values(50, 0.5, 2), _values(50, 0.7, 3)
    diffs = [b[k] - a[k] for k in sorted(a)]
    assert stratified_p_value([(1.0, diffs)]) == pytest.approx(paired_ttest(a, b).p_value, rel=1e-12)


def test_column_ci_in_display_units_brackets_the_value() -> None:
    values = _values(200, 0.7, 4)
    low, high = column_ci([Stratum(1.0, values)], 100.0)
    mean = 100 * sum(values.values()) / len(values)
    assert low < mean < high and 0 <= low and high <= 100
    assert column_ci(None, 100.0) is None
    assert column_ci([Stratum(1.0, {"only": 1.0})], 100.0) is None


def test_stratifying_removes_the_gap_between_categories_from_the_noise() -> None:
    # Irrelevance = mean of two categories with very different accuracies.
    easy, hard = list(_values(240, 0.95, 5).values()), list(_values(884, 0.40, 6).values())
    low, high = stratified_bootstrap_ci([(0.5, easy), (0.5, hard)])
    point = 0.5 * sum(easy) / len(easy) + 0.5 * sum(hard) / len(hard)
    assert low < point < high
    # Pooling scaled values and resampling them together would give a much wider interval.
    scaled = [v * 1124 / (2 * 240) for v in easy] + [v * 1124 / (2 * 884) for v in hard]
    pooled_low, pooled_high = bootstrap_ci(scaled)
    assert (high - low) < 0.8 * (pooled_high - pooled_low)


def test_paired_delta_pairs_by_id_and_tests() -> None:
    base = _values(300, 0.5, 7)
    tuned = {k: 1.0 for k in base}  # every sample improves or stays
    single = paired_delta([Stratum(1.0, base)], [Stratum(1.0, tuned)], 100.0)
    assert single.n == 300 and single.diff == pytest.approx(100 * (1 - sum(base.values()) / 300))
    assert single.p_value < 1e-6 and single.ci[0] > 0
    # Ids missing on one side are not paired.
    partial = paired_delta([Stratum(1.0, base)], [Stratum(1.0, {k: tuned[k] for k in list(tuned)[:100]})], 100.0)
    assert partial.n == 100
    combined = paired_delta(
        [Stratum(0.5, base), Stratum(0.5, _values(100, 0.5, 8, "t"))],
        [Stratum(0.5, tuned), Stratum(0.5, _values(100, 0.5, 8, "t"))],
        100.0,
    )
    assert combined.n == 400 and combined.diff == pytest.approx(single.diff / 2)
    assert combined.p_value < 1e-6 and combined.ci[0] > 0


def test_no_variance_means_no_p_value() -> None:
    same = _values(30, 0.5, 9)
    assert paired_delta([Stratum(1.0, same)], [Stratum(1.0, same)], 100.0).p_value is None
    assert stratified_p_value([(0.5, [0.0, 0.0]), (0.5, [0.0, 0.0])]) is None
