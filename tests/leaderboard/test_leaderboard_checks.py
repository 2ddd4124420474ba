"""Consistency checks on reported numbers (overall vs categories, k/16 relevance, copied rows)."""

from __future__ import annotations

from toolgrad_eval.leaderboard import ReportedValues, check_reported, load_packaged
from toolgrad_eval.leaderboard.checks import derived_overall


def _row(model: str) -> ReportedValues:
    return next(r for r in _packaged("bfcl") if r.model == model)


def _packaged(benchmark: str) -> list[ReportedValues]:
    models, files = load_packaged()
    return [
        ReportedValues(row.model, models.models[row.model].label, row.values)
        for _, f in files
        if f.benchmark == benchmark
        for row in f.rows
    ]


def test_packaged_cards_flag_only_the_identical_toolgrad_hallucination_columns() -> None:
    findings = check_reported("bfcl", _packaged("bfcl"))
    assert sorted((f.model, f.columns) for f in findings) == [
        ("toolgrad-12b", ("relevance", "irrelevance")),
        ("toolgrad-4b", ("relevance", "irrelevance")),
    ]
    assert all(f.kind == "warning" and "93.75 / 59.27" in f.message for f in findings)
    assert check_reported("toolgrad5k", _packaged("toolgrad5k")) == []


def test_card_overalls_follow_from_their_categories() -> None:
    # The README's hand check: (76.25 + 94 + 91 + 56.5) / 4 = 79.44.
    for row in _packaged("bfcl"):
        for key in ("non_live_overall", "live_overall"):
            assert abs(derived_overall(key, row.values) - row.values[key]) <= 0.01, (row.model, key)


def test_an_overall_that_does_not_follow_is_flagged() -> None:
    gemma = _row("gemma-3-4b")
    broken = ReportedValues("x", "Model X", {**gemma.values, "non_live_overall": 63.0})
    (finding,) = [f for f in check_reported("bfcl", [broken]) if f.columns == ("non_live_overall",)]
    assert finding.kind == "warning" and "63.00" in finding.message and "61.12" in finding.message
    # Rounding of two-decimal printouts is not an inconsistency.
    rounded = ReportedValues("x", "Model X", {**gemma.values, "non_live_overall": 61.13})
    assert not [f for f in check_reported("bfcl", [rounded]) if f.columns == ("non_live_overall",)]
    live = ReportedValues("y", "Model Y", {**gemma.values, "live_overall": 59.0})
    assert [f.columns for f in check_reported("bfcl", [live])] == [("live_overall",)]


def test_the_cards_printed_order_fails_the_relevance_granularity_check() -> None:
    """Why the Gemma-3 rows are stored swapped: as printed, Relevance is not k/16."""
    models, files = load_packaged()
    for _, file in files:
        for row in file.rows:
            for fix in row.corrections:
                printed = ReportedValues(row.model, row.model, {**row.values, **fix.printed})
                assert [f.columns for f in check_reported("bfcl", [printed])] == [("relevance",)]
                stored = ReportedValues(row.model, row.model, row.values)
                assert check_reported("bfcl", [stored]) == []


def test_identical_groups_need_the_whole_group() -> None:
    a = ReportedValues(
        "a", "A", {"relevance": 93.75, "irrelevance": 59.27, "non_live_multiple": 94.0, "non_live_simple": 70.0}
    )
    b = ReportedValues(
        "b", "B", {"relevance": 93.75, "irrelevance": 61.0, "non_live_multiple": 94.0, "non_live_simple": 71.0}
    )
    assert check_reported("bfcl", [a, b]) == []
    c = ReportedValues("c", "C", {"relevance": 93.75, "irrelevance": 59.27})
    assert {f.model for f in check_reported("bfcl", [a, c])} == {"a", "c"}
