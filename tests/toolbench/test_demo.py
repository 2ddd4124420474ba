"""The shipped synthetic ToolBench demo: scored from its stored verdicts with no request, its numbers
recomputed here by hand from the files, and labelled synthetic wherever it is shown."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from toolgrad_eval.demo import TOOLBENCH_DEMO, demo_root, run_demo

DATA = demo_root() / "toolbench-synthetic"
SCORE = {"Solved": 1.0, "Unsure": 0.5, "Unsolved": 0.0}


def _expected_sopr(model: str) -> dict[str, float]:
    """Per test set: mean over rounds of the round's mean score; a query without a stored verdict has
    no Finish call in the demo data, so it is Unsolved in every round."""
    out = {}
    for ids_file in sorted((DATA / "solvable_queries" / "test_query_ids").glob("*.json")):
        test_set = ids_file.stem
        ids = list(json.loads(ids_file.read_text()))
        stored = json.loads((DATA / "pass_rate_results" / model / f"{test_set}_{model}.json").read_text())
        rounds = [
            [SCORE[stored[q]["is_solved"][str(r)].split(".")[1]] if q in stored else 0.0 for q in ids] for r in range(3)
        ]
        out[test_set] = 100 * statistics.mean(statistics.mean(r) for r in rounds)
    return out


def _expected_sowr(model: str, reference: str) -> dict[str, float]:
    out = {}
    for path in sorted((DATA / "preference_results").glob(f"*_{reference}_{model}.json")):
        tallies = json.loads(path.read_text())
        out[path.name.removesuffix(f"_{reference}_{model}.json")] = 100 * statistics.mean(
            t[model] > t[reference] for t in tallies.values()
        )
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    result = run_demo(tmp / "runs", tmp / "site", cache_dir=tmp / "cache", echo=lambda _line: None)
    return tmp, result


def test_demo_numbers_follow_from_the_shipped_files(demo):
    _, result = demo
    assert set(result.toolbench) == set(TOOLBENCH_DEMO)
    for model, reference in TOOLBENCH_DEMO.items():
        s = result.toolbench[model]
        assert s["synthetic"] is True and s["judge_requests"] == 0 and s["n_scored"] == 48
        expected = _expected_sopr(model)
        assert {k: v for k, v in s["sopr"].items() if k != "average"} == pytest.approx(expected)
        assert s["sopr"]["average"] == pytest.approx(statistics.mean(expected.values()))
        if reference is not None:
            sowr = _expected_sowr(model, reference)
            assert len(sowr) == 6 and s["stored_preferences"] == 48 and s["preference_requests"] == 0
            assert {k: v for k, v in s["sowr"].items() if k != "average"} == pytest.approx(sowr)


def test_demo_is_labelled_synthetic_where_shown(demo):
    tmp, _ = demo
    assert "SYNTHETIC" in (DATA / "SYNTHETIC.md").read_text()
    for model in TOOLBENCH_DEMO:
        page = (tmp / "site" / "models" / f"{model}.html").read_text(encoding="utf-8")
        assert f"{model} (synthetic)" in page and 'id="synthetic-banner"' in page
        record = json.loads((tmp / "runs" / "toolbench" / model / "summary.json").read_text())
        assert record["synthetic"] is True
    rows = (tmp / "site" / "toolbench.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    demo_rows = [r.split(",") for r in rows[1:] if "demo-toolbench" in r]
    assert demo_rows and all(r[header.index("synthetic")] == "True" for r in demo_rows)


def test_demo_inputs_are_left_untouched(demo):
    before = {p: p.read_bytes() for p in Path(DATA).rglob("*") if p.is_file()}
    tmp, _ = demo
    run_demo(tmp / "runs2", tmp / "site2", cache_dir=tmp / "cache2", echo=lambda _line: None)
    assert {p: p.read_bytes() for p in Path(DATA).rglob("*") if p.is_file()} == before
