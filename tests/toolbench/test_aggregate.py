"""StableToolBench's aggregation against hand-computed cases (k rounds, Unsure, ties, both orders)."""

from __future__ import annotations

import math

import pytest

from toolgrad_eval.toolbench import aggregate
from toolgrad_eval.toolbench.aggregate import Rate


def test_pass_rate_scores_rounds_then_averages_them():
    # three queries, three rounds: round scores (1+0.5+0)/3, (1+1+0)/3, (0+0.5+0)/3
    queries = [["Solved", "Solved", "Unsolved"], ["Unsure", "Solved", "Unsure"], ["Unsolved"] * 3]
    rate = aggregate.pass_rate(queries)
    rounds = [100 * 1.5 / 3, 100 * 2 / 3, 100 * 0.5 / 3]
    assert rate.rounds == pytest.approx(rounds)
    assert rate.value == pytest.approx(sum(rounds) / 3)  # = 44.44...
    mean = sum(rounds) / 3
    assert rate.std == pytest.approx(math.sqrt(sum((r - mean) ** 2 for r in rounds) / 3))  # np.std: divide by n
    assert rate.n == 3


def test_one_round_has_no_spread_and_unsure_counts_half():
    rate = aggregate.pass_rate([["Unsure"], ["Solved"], ["Unsolved"], ["Unsolved"]])
    assert rate.value == pytest.approx(100 * 1.5 / 4) and rate.std == 0.0


def test_the_ci_resamples_queries_and_contains_the_value():
    queries = [["Solved"] * 3] * 30 + [["Unsolved"] * 3] * 10
    rate = aggregate.pass_rate(queries)
    assert rate.value == 75.0 and rate.ci is not None
    assert rate.ci[0] < 75.0 < rate.ci[1] and rate.ci[1] - rate.ci[0] < 40
    assert aggregate.pass_rate([["Solved"]]).ci is None  # one query: no interval


def test_rounds_must_be_complete():
    with pytest.raises(ValueError):
        aggregate.pass_rate([["Solved", "Solved"], ["Solved"]])


def test_average_is_the_plain_mean_of_test_sets_and_of_their_spreads():
    """As StableToolBench's tables: GPT-3.5-Turbo-0613 (CoT) prints 52.2±1.1 ... 48.1±0.8 and Average 46.6±1.3."""
    printed = [(52.2, 1.1), (47.3, 0.6), (53.6, 1.3), (42.5, 2.1), (35.8, 2.0), (48.1, 0.8)]
    rates = [Rate(v, s, None, 100) for v, s in printed]
    avg = aggregate.average(rates, [[v] * 3 for v, _ in printed])
    assert round(avg.value, 1) == 46.6 and round(avg.std, 1) == 1.3 and avg.n == 600


def test_average_is_unknown_when_a_test_set_is():
    avg = aggregate.average([Rate(50.0, 0.0, None, 2), Rate(None, None, None, 0)], [[50.0, 50.0], []])
    assert avg.value is None


def test_stratified_ci_resamples_within_each_test_set():
    # set A all 100, set B all 0: every resample's mean of set means is exactly 50
    avg = aggregate.average([Rate(100.0, 0.0, None, 5), Rate(0.0, 0.0, None, 5)], [[100.0] * 5, [0.0] * 5])
    assert avg.value == 50.0 and avg.ci == (50.0, 50.0)


@pytest.mark.parametrize("n", [2, 3, 7, 101, 1001])
def test_blocked_bootstrap_gives_the_one_matrix_numbers(monkeypatch, n):
    """Drawn in blocks of a few rows, the CI is stats.bootstrap_ci's exactly (same seed, same draws)."""
    import random

    from toolgrad_eval.stats import bootstrap_ci

    monkeypatch.setattr(aggregate, "_BLOCK_ELEMENTS", 2 * n + 1)  # blocks of 2 rows: 1,000 blocks
    values = [random.Random(i).random() * 100 for i in range(n)]
    assert aggregate.bootstrap_ci(values) == bootstrap_ci(values)


def test_bootstrap_memory_is_bounded_by_blocks(monkeypatch):
    """100,000 queries: no draw larger than a block (one (resamples, n) matrix would be 2e8 indices)."""
    import numpy as np

    largest = []
    real = np.random.Generator.integers

    class Counting:
        def __init__(self, rng):
            self.rng = rng

        def integers(self, low, high, size):
            largest.append(size[0] * size[1])
            return real(self.rng, low, high, size=size)

    monkeypatch.setattr(aggregate, "_resampled_means", _wrap(aggregate._resampled_means, Counting))
    rate = aggregate.pass_rate([["Solved"] if i % 3 else ["Unsolved"] for i in range(100_000)])
    assert rate.ci is not None and rate.ci[0] < 200 / 3 < rate.ci[1]
    assert len(largest) >= 200 and max(largest) <= aggregate._BLOCK_ELEMENTS


def _wrap(function, counting):
    return lambda data, rng: function(data, counting(rng))


@pytest.mark.parametrize(
    ("candidate", "reference", "expected"),
    [
        ("Solved", "Unsolved", "candidate"),
        ("Unsure", "Unsolved", "candidate"),
        ("Solved", "Unsure", "candidate"),
        ("Unsolved", "Solved", "reference"),
        ("Unsure", "Solved", "reference"),
        ("Solved", "Solved", None),
        ("Unsure", "Unsure", None),
        ("Unsolved", "Unsolved", None),
    ],
)
def test_status_decides_before_the_judge(candidate, reference, expected):
    assert aggregate.decided_by_status(candidate, reference) == expected


def test_votes_give_win_tie_loss():
    assert aggregate.outcome(4, 2) == "win" and aggregate.outcome(3, 3) == "tie" and aggregate.outcome(1, 5) == "loss"


def test_win_rate_counts_ties_apart():
    rate, tie, loss = aggregate.win_rate(["win", "win", "tie", "loss", "tie"])
    assert rate.value == 40.0 and tie == 40.0 and loss == 20.0 and rate.n == 5
    assert rate.ci is not None and rate.ci[0] <= 40.0 <= rate.ci[1]
    assert aggregate.win_rate([])[0].value is None
