"""ToolGrad-5k diffs of hand-made records: deltas, drops, judge-vs-rule disagreements."""

from __future__ import annotations

import pytest
from diff.records import toolgrad5k_record

from toolgrad_eval.diff import diff_runs, regressions


def _values(qors, recall=1.0, success=1.0):
    return {f"s{i}": {"recall": recall, "success_rate": success, "qor": q} for i, q in enumerate(qors)}


def test_deltas_drops_and_tests(tmp_path) -> None:
    a = toolgrad5k_record(tmp_path / "a", "base", _values([80, 60, 50, 90]))
    b = toolgrad5k_record(tmp_path / "b", "tuned", _values([40, 70, 50, 85]))
    d = diff_runs(a, b).toolgrad5k
    qor = d.metrics["qor"]
    assert (qor.n, qor.mean_a, qor.mean_b, qor.mean_diff) == (4, 70.0, 61.25, -8.75)
    assert d.decreased["qor"] == ("s0", "s3") and d.increased["qor"] == ("s1",)
    assert [s.id for s in d.drops] == ["s0", "s3"]  # largest drop first
    assert d.drops[0].reason_a == "reason of base on s0" and d.drops[0].reason_b == "reason of tuned on s0"
    assert [s.id for s in d.changed] == ["s0", "s3", "s1"]
    assert d.metrics["recall"].t_statistic is None  # no change at all: no test


def test_judge_rule_disagreements(tmp_path) -> None:
    values = {
        "high-no-recall": {"recall": 0.0, "success_rate": 1.0, "qor": 90},
        "high-no-success": {"recall": 1.0, "success_rate": 0.0, "qor": 70},
        "low-perfect": {"recall": 1.0, "success_rate": 1.0, "qor": 30},
        "agree": {"recall": 1.0, "success_rate": 1.0, "qor": 95},
        "judge-error": {"recall": 0.0, "success_rate": 0.0, "qor": None},
        "middle": {"recall": 1.0, "success_rate": 1.0, "qor": 31},
    }
    a = toolgrad5k_record(tmp_path / "a", "base", values)
    b = toolgrad5k_record(tmp_path / "b", "tuned", {k: {**v, "qor": 50} for k, v in values.items()})
    d = diff_runs(a, b).toolgrad5k
    assert sorted((x.id, x.run, x.kind) for x in d.disagreements) == [
        ("high-no-recall", "a", "high_qor_rules_fail"),
        ("high-no-success", "a", "high_qor_rules_fail"),
        ("low-perfect", "a", "low_qor_rules_pass"),
    ]
    assert "judge-error" in [s.id for s in d.changed]  # entered the QoR mean


def test_self_diff_is_empty_and_mirror(tmp_path) -> None:
    a = toolgrad5k_record(tmp_path / "a", "base", _values([80, 60, 50, 90, 10]))
    b = toolgrad5k_record(tmp_path / "b", "tuned", _values([40, 70, 55, 85, 10]))
    same = diff_runs(a, a).toolgrad5k
    assert same.changed == [] and same.drops == [] and all(not ids for ids in same.decreased.values())
    ab, ba = diff_runs(a, b).toolgrad5k, diff_runs(b, a).toolgrad5k
    for m in ab.metrics:
        assert ab.decreased[m] == ba.increased[m]
        assert ab.metrics[m].p_value == ba.metrics[m].p_value
    assert {s.id for s in ab.changed} == {s.id for s in ba.changed}


def test_regression_on_qor(tmp_path) -> None:
    a = toolgrad5k_record(tmp_path / "a", "base", _values([90, 85, 95, 80, 88, 92, 91, 87]))
    b = toolgrad5k_record(tmp_path / "b", "tuned", _values([60, 50, 70, 55, 65, 58, 66, 52]))
    d = diff_runs(a, b)
    found = regressions(d)
    assert len(found) == 1 and found[0].startswith("ToolGrad-5k qor")
    assert regressions(d, ["recall"]) == []
    assert regressions(diff_runs(b, a)) == []
    assert d.toolgrad5k.metrics["qor"].p_value == pytest.approx(
        __import__("scipy.stats", fromlist=["ttest_rel"])
        .ttest_rel([60, 50, 70, 55, 65, 58, 66, 52], [90, 85, 95, 80, 88, 92, 91, 87])
        .pvalue
    )


def test_listings_are_bounded_but_counts_cover_every_sample(tmp_path) -> None:
    from toolgrad_eval.diff.toolgrad5k import MAX_DROPS, MAX_LISTED

    n = MAX_LISTED + 20
    long_reason = {f"s{i}": "x" * 100_000 for i in range(n)}
    a = toolgrad5k_record(tmp_path / "a", "base", _values([90] * n, recall=0.0), long_reason)
    b = toolgrad5k_record(tmp_path / "b", "tuned", _values([80] * n, recall=0.0), long_reason)
    d = diff_runs(a, b).toolgrad5k
    assert (len(d.changed), d.n_changed, len(d.drops)) == (MAX_LISTED, n, MAX_DROPS)
    assert (len(d.disagreements), d.n_disagreements) == (MAX_LISTED, 2 * n)  # QoR >= 70 with recall 0, in both runs
    assert len(d.decreased["qor"]) == n and d.metrics["qor"].n == n
    assert max(len(s.reason_a) for s in d.changed) < 20_000  # a judge reason is cut, not copied whole
