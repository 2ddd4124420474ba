"""Model-card columns and BFCL leaderboard CSVs from per-category accuracies."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from toolgrad_eval.bfcl.aggregate import AGGREGATE_KEYS, CategoryScore, model_card, percent
from toolgrad_eval.bfcl.categories import SIZES, to_v4
from toolgrad_eval.bfcl.leaderboard_csv import HEADERS, ModelScores, latency_stats, render_csvs

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "bfcl-real"
IN_CI = os.environ.get("CI", "").lower() == "true"

# Model cards as printed (ToolGrad 4B / 12B cards; Rel./Irrel. of the Gemma rows un-swapped, see
# /work/shared/reference/README.md section 5). Columns: NL overall, Live overall, NL simple,
# NL multiple, NL parallel, NL parallel-multiple, L simple, L multiple, L parallel, L parallel-multiple.
CARDS = {
    "Gemma-3 4B": (61.12, 60.84, 64.50, 88.00, 56.00, 36.00, 70.93, 59.35, 25.00, 41.67),
    "ToolGrad 4B": (72.46, 65.58, 65.33, 86.50, 73.00, 65.00, 71.32, 64.86, 43.75, 50.00),
    "Gemma-3 12B": (79.44, 74.24, 76.25, 94.00, 91.00, 56.50, 85.66, 71.89, 87.50, 45.83),
    "ToolGrad 12B": (87.81, 78.46, 75.25, 94.00, 93.50, 88.50, 85.66, 77.11, 75.00, 62.50),
}


def card_scores(values: tuple[float, ...]) -> dict[str, CategoryScore]:
    """Category scores behind a card row. NL simple is already a mean of three, so it stands in for each."""
    _, _, simple, multiple, parallel, par_multi, l_simple, l_multiple, l_parallel, l_par_multi = values
    sizes = SIZES["v4"]
    named = {
        "simple_python": simple,
        "simple_java": simple,
        "simple_javascript": simple,
        "multiple": multiple,
        "parallel": parallel,
        "parallel_multiple": par_multi,
        "live_simple": l_simple,
        "live_multiple": l_multiple,
        "live_parallel": l_parallel,
        "live_parallel_multiple": l_par_multi,
    }
    return {k: CategoryScore(v / 100, sizes[k]) for k, v in named.items()}


@pytest.mark.parametrize("model", sorted(CARDS))
def test_card_overall_columns_follow_from_the_category_columns(model: str) -> None:
    values = CARDS[model]
    agg = model_card(card_scores(values))
    # Cards print two decimals of values that are themselves rounded: allow one unit of the last digit.
    assert agg["non_live_overall"] * 100 == pytest.approx(values[0], abs=0.01)
    assert agg["live_overall"] * 100 == pytest.approx(values[1], abs=0.01)


def test_gemma_12b_exactly() -> None:
    agg = model_card(card_scores(CARDS["Gemma-3 12B"]))
    assert percent(agg["non_live_overall"]) == "79.44"  # (76.25 + 94 + 91 + 56.5) / 4
    assert percent(agg["live_overall"]) == "74.24"  # weighted by 258 / 1053 / 16 / 24 entries


def test_live_overall_is_entry_weighted_not_a_plain_mean() -> None:
    scores = {
        "live_simple": CategoryScore(1.0, 258),
        "live_multiple": CategoryScore(0.0, 1053),
        "live_parallel": CategoryScore(1.0, 16),
        "live_parallel_multiple": CategoryScore(1.0, 24),
    }
    assert model_card(scores)["live_overall"] == pytest.approx(298 / 1351)


def test_missing_categories_give_none_never_zero() -> None:
    agg = model_card({"multiple": CategoryScore(0.5, 200), "irrelevance": CategoryScore(0.9, 240)})
    assert set(agg) == set(AGGREGATE_KEYS)
    assert agg["non_live_multiple"] == 0.5
    for key in ("non_live_overall", "non_live_simple", "live_overall", "irrelevance", "relevance", "live_simple"):
        assert agg[key] is None
    assert percent(None) == "N/A"


def test_irrelevance_is_the_mean_of_both_and_relevance_is_live_relevance() -> None:
    agg = model_card(
        {
            "irrelevance": CategoryScore(0.8, 240),
            "live_irrelevance": CategoryScore(0.6, 884),
            "live_relevance": CategoryScore(0.9375, 16),
        }
    )
    assert agg["irrelevance"] == pytest.approx(0.7)
    assert agg["relevance"] == 0.9375


def test_latency_stats_like_bfcl() -> None:
    assert latency_stats([]) == ("N/A", "N/A", "N/A")
    mean, std, p95 = latency_stats([1.0, 2.0, 3.0, 4.0, 0, None])  # zeros and non-numbers are left out
    assert (mean, std, p95) == (2.5, 1.29, 3.85)


def test_csv_headers_and_na() -> None:
    ours = ModelScores("m", {"simple_python": CategoryScore(0.5, 400), "live_simple": CategoryScore(0.25, 258)})
    for version in ("v3", "v4"):
        files = render_csvs([ours], version, SIZES[version])
        for name, text in files.items():
            rows = list(csv.reader(io.StringIO(text)))
            assert rows[0] == HEADERS[version][name]
            assert len(rows[1]) == len(rows[0]) and rows[1][0] == "1" and not text.endswith("\n")
        non_live = dict(zip(*csv.reader(io.StringIO(files["data_non_live.csv"]))))
        assert non_live["Python Simple AST"] == "50.00%" and non_live["Java Simple AST"] == "N/A"
        assert non_live["Simple AST"] == "N/A" and non_live["AST Summary"] == "N/A"
        # BFCL's own rule for its overall columns: a missing category counts as 0.
        overall_key = "Non_Live Overall Acc" if version == "v3" else "Non-Live Overall Acc"
        assert non_live[overall_key] == ("3.33%" if version == "v3" else "4.17%")
        live = dict(zip(*csv.reader(io.StringIO(files["data_live.csv"]))))
        assert live["Python Simple AST"] == "25.00%" and live["Python Multiple AST"] == "N/A"


def test_csv_ranks_by_overall_with_na_last() -> None:
    a = ModelScores("a", {"multiple": CategoryScore(0.2, 200)})
    b = ModelScores("b", {"multiple": CategoryScore(0.9, 200)})
    text = render_csvs([a, b], "v4", SIZES["v4"])["data_non_live.csv"]
    assert [r[:2] for r in csv.reader(io.StringIO(text))][1:] == [["1", "b"], ["2", "a"]]


def _official_headers(folder: Path, version: str) -> dict[str, CategoryScore]:
    scores = {}
    for path in folder.glob(f"BFCL_{version}_*_score.json"):
        head = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
        name = path.name[len(f"BFCL_{version}_") : -len("_score.json")]
        scores[to_v4(version, name)] = CategoryScore(head["accuracy"], head["total_count"])
    return scores


@pytest.mark.skipif(not REAL.is_dir() and not IN_CI, reason="../shared/bfcl-real is not present outside CI")
def test_aggregates_match_the_official_aafv_csvs() -> None:
    """Our columns from the official score files equal the official data_*.csv where comparable.

    Not comparable, by construction of those files: their overall columns (an older BFCL folded
    Exec categories, counted as 0, into them), and data_live.csv (no live category was run; the
    old writer printed 0.00% instead of N/A).
    """
    score = REAL / "v3-aafv" / "score"
    models = {p.name: _official_headers(p, "v3") for p in score.iterdir() if p.is_dir()}
    ours = {name: model_card(s) for name, s in models.items()}
    per_cat = {
        name: tuple(
            f"{s[c].accuracy * 100:.2f}%"
            for c in ("simple_python", "simple_java", "simple_javascript", "multiple", "parallel", "parallel_multiple")
        )
        for name, s in models.items()
    }
    with (score / "data_non_live.csv").open(encoding="utf-8") as handle:
        official = list(csv.DictReader(handle))
    assert len(official) == len(models) == 6
    matched = set()
    for row in official:
        key = tuple(
            row[c]
            for c in (
                "Python Simple AST",
                "Java Simple AST",
                "JavaScript Simple AST",
                "Multiple AST",
                "Parallel AST",
                "Parallel Multiple AST",
            )
        )
        name = next(n for n, v in per_cat.items() if v == key)  # rows are matched by their numbers
        matched.add(name)
        assert percent(ours[name]["non_live_overall"]) + "%" == row["AST Summary"]
        assert percent(ours[name]["non_live_simple"]) + "%" == row["Simple AST"]
    assert matched == set(models)
    with (score / "data_overall.csv").open(encoding="utf-8") as handle:
        overall = list(csv.DictReader(handle))
    for row in overall:
        name = next(n for n in models if percent(ours[n]["non_live_overall"]) + "%" == row["Non-Live AST Acc"])
        assert percent(ours[name]["non_live_simple"]) + "%" == row["Non-Live Simple AST"]
        assert f"{models[name]['multiple'].accuracy * 100:.2f}%" == row["Non-Live Multiple AST"]
