"""BFCL diffs of hand-made records: flips, McNemar per category and overall, error-type changes."""

from __future__ import annotations

import pytest
from diff.records import bfcl_record

from toolgrad_eval.diff import diff_runs, regressions

VS = "value_error:string"
WC = "simple_function_checker:wrong_count"


@pytest.fixture
def runs(tmp_path):
    a = bfcl_record(
        tmp_path / "a",
        "base",
        {
            "simple_python": [None, None, None, None, VS, WC, None, None],
            "irrelevance": [None, "irrelevance_error:decoder_success", None],
        },
    )
    b = bfcl_record(
        tmp_path / "b",
        "tuned",
        {
            "simple_python": [VS, VS, None, None, None, VS, None, VS],
            "irrelevance": [None, None, None],
        },
    )
    return a, b


def test_flips_counts_and_tests(runs) -> None:
    d = diff_runs(*runs, describe=False).bfcl
    simple = next(c for c in d.categories if c.category == "simple_python")
    assert simple.pass_to_fail == ("simple_python_0", "simple_python_1", "simple_python_7")
    assert simple.fail_to_pass == ("simple_python_4",)
    assert (simple.accuracy_a, simple.accuracy_b) == (6 / 8, 4 / 8)
    assert simple.mcnemar.statistic == 1 and simple.mcnemar.p_value == pytest.approx(2 * 5 / 16)
    irrelevance = next(c for c in d.categories if c.category == "irrelevance")
    assert irrelevance.fail_to_pass == ("irrelevance_1",) and irrelevance.pass_to_fail == ()
    assert d.overall.n_paired == 11
    assert (len(d.overall.pass_to_fail), len(d.overall.fail_to_pass)) == (3, 2)
    assert d.overall.mcnemar.p_value == pytest.approx(1.0)  # 2 vs 3 of 5: no evidence
    assert d.n_flipped == 5


def test_error_type_changes_group_regressions_first(runs) -> None:
    d = diff_runs(*runs, describe=False).bfcl
    assert [(c.before, c.after, c.ids) for c in d.changes] == [
        ("pass", VS, ("simple_python_0", "simple_python_1", "simple_python_7")),
        ("irrelevance_error:decoder_success", "pass", ("irrelevance_1",)),  # then by count, then by name
        (VS, "pass", ("simple_python_4",)),
        (WC, VS, ("simple_python_5",)),  # failed both times, for another reason
    ]


def test_a_run_against_itself_is_empty(runs) -> None:
    d = diff_runs(runs[0], runs[0]).bfcl
    assert d.n_flipped == 0 and d.changes == [] and d.flipped == []
    assert all(
        c.pass_to_fail == () and c.fail_to_pass == () and c.mcnemar.p_value == 1.0 for c in [*d.categories, d.overall]
    )


def test_b_against_a_mirrors_a_against_b(runs) -> None:
    ab, ba = diff_runs(*runs, describe=False).bfcl, diff_runs(*reversed(runs), describe=False).bfcl
    for x, y in zip([*ab.categories, ab.overall], [*ba.categories, ba.overall]):
        assert (x.pass_to_fail, x.fail_to_pass) == (y.fail_to_pass, y.pass_to_fail)
        assert x.mcnemar.p_value == y.mcnemar.p_value
        assert x.difference.mean_diff == pytest.approx(-y.difference.mean_diff)
    assert sorted((c.before, c.after, c.ids) for c in ab.changes) == sorted(
        (c.after, c.before, c.ids) for c in ba.changes
    )


def test_regressions_need_significance(tmp_path) -> None:
    a = bfcl_record(tmp_path / "a", "base", {"simple_python": [None] * 12})
    b = bfcl_record(tmp_path / "b", "tuned", {"simple_python": [VS] * 7 + [None] * 5})
    worse, better = diff_runs(a, b, describe=False), diff_runs(b, a, describe=False)
    assert worse.bfcl.overall.mcnemar.p_value == pytest.approx(2 / 2**7)
    assert len(regressions(worse)) == 1 and "simple" not in regressions(worse)[0]
    assert regressions(worse, alpha=0.01) == []  # p = 0.0156
    assert regressions(better) == []  # better, however significant, is no regression
    assert len(regressions(worse, ["simple_python", "overall"])) == 2


def test_unpaired_entries_are_not_flips(tmp_path) -> None:
    a = bfcl_record(tmp_path / "a", "base", {"simple_python": [None, None]})
    b = bfcl_record(tmp_path / "b", "tuned", {"simple_python": [VS, None, VS]})
    d = diff_runs(a, b, describe=False).bfcl
    assert d.unpaired == {"only_a": 0, "only_b": 1}
    assert d.overall.pass_to_fail == ("simple_python_0",)


def test_flipped_entries_described_are_bounded_but_all_are_counted(tmp_path) -> None:
    from toolgrad_eval.diff.bfcl import MAX_DETAILED

    n = MAX_DETAILED + 50
    a = bfcl_record(tmp_path / "a", "base", {"simple_python": [None] * n})
    b = bfcl_record(tmp_path / "b", "tuned", {"simple_python": [VS] * n})
    d = diff_runs(a, b).bfcl
    assert len(d.flipped) == MAX_DETAILED and d.n_flipped == n
    assert len(d.overall.pass_to_fail) == n and d.changes[0].ids == d.overall.pass_to_fail
    assert any(f"{n} entries flipped; the first {MAX_DETAILED} are described" in note for note in d.notes)
