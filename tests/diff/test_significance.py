"""McNemar's exact test and the paired difference against hand-computed values."""

from __future__ import annotations

import math

import pytest

from toolgrad_eval.diff import mcnemar_exact, paired_difference


@pytest.mark.parametrize(
    "down, up, statistic, p",
    [
        (0, 0, 0, 1.0),  # nothing flipped: nothing to test
        (1, 12, 1, 2 * (1 + 13) / 2**13),  # P(X <= 1), X ~ Bin(13, 1/2), both tails
        (0, 5, 0, 2 / 2**5),
        (2, 8, 2, 2 * (1 + 10 + 45) / 2**10),
        (3, 3, 3, 1.0),  # both tails overlap: capped at 1
        (9, 1, 1, 2 * (1 + 10) / 2**10),
    ],
)
def test_mcnemar_exact_matches_the_binomial_tails(down: int, up: int, statistic: int, p: float) -> None:
    result = mcnemar_exact(down, up)
    assert result.statistic == statistic
    assert result.p_value == pytest.approx(p, rel=1e-12)
    assert (result.n_pass_to_fail, result.n_fail_to_pass) == ((down, up) if down + up else (0, 0))


def test_mcnemar_is_symmetric() -> None:
    assert mcnemar_exact(4, 11).p_value == mcnemar_exact(11, 4).p_value


def test_paired_t_by_hand() -> None:
    # differences 1, 0, 2: mean 1, sd 1, t = sqrt(3) on 2 degrees of freedom, where the t
    # distribution's tail is 0.5 * (1 - t / sqrt(t^2 + 2)).
    d = paired_difference({"x": 1, "y": 2, "z": 3, "only-a": 9}, {"x": 2, "y": 2, "z": 5, "only-b": 0})
    assert (d.n, d.mean_a, d.mean_b, d.mean_diff) == (3, 2.0, 3.0, 1.0)
    assert d.t_statistic == pytest.approx(math.sqrt(3))
    assert d.p_value == pytest.approx(1 - math.sqrt(3) / math.sqrt(5))
    assert d.ci is not None and 0.0 <= d.ci[0] <= 1.0 <= d.ci[1] <= 2.0


def test_paired_difference_leaves_out_nulls_and_undefined_tests() -> None:
    d = paired_difference({"x": 1.0, "y": None, "z": 2.0}, {"x": 2.0, "y": 5.0, "z": 3.0})
    assert d.n == 2 and d.mean_diff == 1.0
    assert d.t_statistic is None and d.p_value is None  # every difference equal: no variance
    assert paired_difference({}, {"x": 1.0}).n == 0


def test_paired_difference_mirrors() -> None:
    a = {f"s{i}": float(i % 7) for i in range(30)}
    b = {f"s{i}": float((i * 3) % 5) for i in range(30)}
    ab, ba = paired_difference(a, b), paired_difference(b, a)
    assert ab.t_statistic == pytest.approx(-ba.t_statistic)
    assert ab.p_value == pytest.approx(ba.p_value)
    assert ab.ci is not None and ba.ci is not None
    assert ab.ci[0] == pytest.approx(-ba.ci[1]) and ab.ci[1] == pytest.approx(-ba.ci[0])
