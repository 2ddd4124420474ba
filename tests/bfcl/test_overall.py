"""BFCL's Overall Accuracy: its parts and weights per data version, a missing category counted as 0
and the result labelled partial (the numbers are also checked against the official
data_overall.csv in test_agentic_differential.py)."""

from __future__ import annotations

import csv
import os
import shutil
import sys
from pathlib import Path

import pytest

from toolgrad_eval.bfcl.aggregate import CategoryScore, overall
from toolgrad_eval.bfcl.categories import AGENTIC, MULTI_TURN, SINGLE_TURN, SIZES
from toolgrad_eval.bfcl.runner import run_bfcl
from toolgrad_eval.bfcl.table import card_table, overall_cell

V4_ALL = (*SINGLE_TURN, *MULTI_TURN, *AGENTIC)


def _scores(values: dict[str, float], sizes: dict[str, int] | None = None) -> dict[str, CategoryScore]:
    sizes = sizes or {}
    return {name: CategoryScore(v, sizes.get(name, 100)) for name, v in values.items()}


def test_v4_weights_and_means() -> None:
    acc = {c: 0.0 for c in V4_ALL}
    acc.update(simple_python=0.9, simple_java=0.6, simple_javascript=0.3)  # simple: 0.6
    acc.update(multiple=0.8, parallel=0.4, parallel_multiple=0.2)  # non-live: (0.6+0.8+0.4+0.2)/4 = 0.5
    acc.update(live_simple=1.0, live_multiple=0.5)  # live weighted by entries: (100*1 + 300*0.5)/(100+300+100+100)
    acc.update(irrelevance=0.9, live_irrelevance=0.7)  # 0.8
    acc.update(multi_turn_base=0.4, multi_turn_long_context=0.8)  # (0.4+0+0+0.8)/4 = 0.3
    acc.update(web_search_base=0.6, web_search_no_snippet=0.2, memory_kv=0.9)  # (0.4 + 0.3)/2 = 0.35
    total = overall(_scores(acc, {"live_multiple": 300}), "v4", {})
    live = (100 * 1.0 + 300 * 0.5) / 600
    assert total.accuracy == pytest.approx(0.1 * 0.5 + 0.1 * live + 0.1 * 0.8 + 0.3 * 0.3 + 0.4 * 0.35)
    assert not total.partial and total.label == "complete" and total.missing == ()
    assert {p.name: p.weight for p in total.parts} == pytest.approx(
        {"non_live": 0.1, "live": 0.1, "irrelevance": 0.1, "multi_turn": 0.3, "agentic": 0.4}
    )


def test_a_missing_category_counts_zero_and_labels_the_overall_partial() -> None:
    acc = {c: 1.0 for c in V4_ALL}
    full = overall(_scores(acc), "v4", {})
    assert full.accuracy == pytest.approx(1.0) and not full.partial
    for name in MULTI_TURN:
        del acc[name]
    without_multi_turn = overall(_scores(acc), "v4", {})
    assert without_multi_turn.accuracy == pytest.approx(0.7)
    assert without_multi_turn.partial and without_multi_turn.missing == MULTI_TURN
    assert without_multi_turn.scored_parts() == "non_live, live, irrelevance, agentic; counted as 0: multi_turn"
    record = without_multi_turn.as_dict()
    assert record["label"] == "partial" and record["parts"]["multi_turn"]["scored"] == []


def test_a_missing_live_category_keeps_its_entry_count() -> None:
    """Live is weighted by entries; a live category not scored still weighs its full size, at 0."""
    acc = {c: 1.0 for c in V4_ALL if c != "live_multiple"}
    total = overall(_scores(acc), "v4", dict(SIZES["v4"]))
    live = next(p for p in total.parts if p.name == "live")
    assert live.accuracy == pytest.approx(300 / (300 + 1053))
    assert live.missing == ("live_multiple",)
    assert "live (3/4)" in total.scored_parts()


def test_multi_turn_is_taken_when_present() -> None:
    acc = {c: 0.0 for c in V4_ALL}
    acc["multi_turn_miss_param"] = 0.8
    total = overall(_scores(acc), "v4", {})
    assert total.accuracy == pytest.approx(0.3 * 0.2)


def test_v3_is_the_plain_mean_of_non_live_live_and_multi_turn() -> None:
    acc = {c: 0.5 for c in (*SINGLE_TURN, *MULTI_TURN)}
    acc["irrelevance"] = 1.0  # v3's non-live part holds irrelevance: (0.5*4 + 1)/5 = 0.6
    total = overall(_scores(acc), "v3", {})
    assert total.accuracy == pytest.approx((0.5 + 0.6 + 0.5) / 3)
    assert [p.name for p in total.parts] == ["non_live", "live", "multi_turn"]
    assert not total.partial  # v3 has no agentic categories to miss


def test_the_terminal_table_labels_a_partial_overall() -> None:
    acc = {c: 1.0 for c in SINGLE_TURN}
    total = overall(_scores(acc), "v4", {})
    assert overall_cell(total) == "30.00 (partial)"
    text = card_table("m", {}, (), total)
    assert "30.00 (partial)" in text
    assert "counted as 0: multi_turn, agentic" in text
    complete = overall(_scores({c: 1.0 for c in V4_ALL}), "v4", {})
    assert overall_cell(complete) == "100.00"


REAL = Path(os.environ.get("TOOLGRAD_BFCL_REAL") or Path(__file__).resolve().parents[2].parent / "shared" / "bfcl-real")
V3_MODEL = "meta-llama_Llama-3.1-8B-Instruct"  # the one model of v3-aafv in bfcl-eval 2025.6.30's registry


@pytest.mark.skipif(not (REAL / "v3-aafv").is_dir(), reason="../shared/bfcl-real is not present")
def test_v3_overall_matches_the_official_csv(tmp_path: Path) -> None:
    """A real v3 run (non-live only): our data_overall.csv row and record Overall equal bfcl-eval
    2025.6.30's. Its latency columns are left out: BFCL v3 shows none for models without a price
    in its registry, which we do not ship."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from agentic_oracle import official_evaluate
    from oracle import data_dir, or_skip

    result = tmp_path / "run" / "result"
    shutil.copytree(REAL / "v3-aafv" / "result" / V3_MODEL, result / V3_MODEL)
    categories = ["simple", "java", "javascript", "multiple", "parallel", "parallel_multiple"]
    or_skip(lambda: official_evaluate(result, tmp_path / "official", [V3_MODEL], categories, "v3"))
    summary = run_bfcl(tmp_path / "run", V3_MODEL, tmp_path / "out", bfcl_data=data_dir("v3"), echo=lambda _: None)

    def row(path: Path) -> dict[str, str]:
        with path.open(newline="") as handle:
            return next(csv.DictReader(handle))

    ours, official = (
        row(tmp_path / "run" / "score" / "data_overall.csv"),
        row(tmp_path / "official" / "data_overall.csv"),
    )
    skip = {"Model", "Model Link", "Organization", "License"}
    assert {k: v for k, v in ours.items() if k not in skip and "Latency" not in k and "Cost" not in k} == {
        k: v for k, v in official.items() if k not in skip and "Latency" not in k and "Cost" not in k
    }
    assert f"{summary['overall']['accuracy'] * 100:.2f}%" == official["Overall Acc"] == "20.87%"
    assert summary["overall"]["label"] == "partial"
