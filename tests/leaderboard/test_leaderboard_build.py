"""Building the leaderboard from run records: values, matching, CIs, deltas, what is skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from report.records import BFCL_SIZES
from toolgrad_eval.errors import ConfigError, InputFileError
from toolgrad_eval.leaderboard import build_leaderboard, discover_runs
from toolgrad_eval.record import write_run_record


def _table(board, benchmark: str):
    return next(t for t in board.tables if t.benchmark == benchmark)


def _group(board, benchmark: str, key: str):
    return next(g for g in _table(board, benchmark).groups if g.key == key)


def test_bfcl_columns_follow_the_official_aggregation(bfcl_run, runs_root: Path) -> None:
    bfcl_run("demo-gemma-3-4b")
    (run,), _ = discover_runs([runs_root])
    acc = {c: info["accuracy"] for c, info in run.summary["categories"].items()}
    simple = (acc["simple_python"] + acc["simple_java"] + acc["simple_javascript"]) / 3
    assert run.values["non_live_simple"] == pytest.approx(100 * simple)
    assert run.values["non_live_overall"] == pytest.approx(
        100 * (simple + acc["multiple"] + acc["parallel"] + acc["parallel_multiple"]) / 4
    )
    live = ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple")
    weighted = sum(acc[c] * BFCL_SIZES[c] for c in live) / sum(BFCL_SIZES[c] for c in live)
    assert run.values["live_overall"] == pytest.approx(100 * weighted)
    assert run.values["irrelevance"] == pytest.approx(100 * (acc["irrelevance"] + acc["live_irrelevance"]) / 2)
    assert run.values["relevance"] == pytest.approx(100 * acc["live_relevance"])


def test_v3_category_names_and_missing_categories(runs_root: Path) -> None:
    categories = {
        "simple": {"accuracy": 0.5, "correct_count": 1, "total_count": 2},
        "java": {"accuracy": 1.0, "correct_count": 2, "total_count": 2},
        "multiple": {"accuracy": 0.5, "correct_count": 1, "total_count": 2},
    }
    rows = [{"id": f"{c}_{i}", "category": c, "valid": i == 0 or c == "java"} for c in categories for i in range(2)]
    write_run_record(
        runs_root / "v3",
        {
            "benchmark": "bfcl",
            "model": "m",
            "synthetic": False,
            "n_samples": 6,
            "data_version": "v3",
            "categories": categories,
            "aggregates": {},
        },
        rows,
    )
    (run,), _ = discover_runs([runs_root])
    assert run.values["non_live_multiple"] == 50.0
    assert run.values["non_live_simple"] is None and run.values["non_live_overall"] is None  # javascript was not scored
    assert set(run.outcomes) == {"simple_python", "simple_java", "multiple"}
    assert run.strata("non_live_multiple")[0].values == {"multiple_0": 1.0, "multiple_1": 0.0}


def test_runs_match_reported_models_and_get_cis(bfcl_run, toolgrad5k_run, runs_root: Path) -> None:
    bfcl_run("demo-toolgrad-4b", synthetic=False)
    toolgrad5k_run("demo-toolgrad-4b")
    toolgrad5k_run("someone-elses-model", synthetic=False)
    board = build_leaderboard([runs_root])
    group = _group(board, "bfcl", "toolgrad-4b")
    assert [r.kind for r in group.rows] == ["reported", "reproduced", "difference"]
    reported, reproduced, difference = group.rows
    for key, cell in reproduced.cells.items():
        assert cell.ci is not None and cell.ci[0] <= cell.value <= cell.ci[1], key
        assert difference.cells[key].value == pytest.approx(cell.value - reported.cells[key].value)
        outside = cell.ci[1] > cell.ci[0] and not cell.ci[0] <= reported.cells[key].value <= cell.ci[1]
        assert difference.cells[key].outside_ci == outside
    # An unmatched run gets its own group after the configured models, reproduced only.
    tg = _table(board, "toolgrad5k")
    assert [g.key for g in tg.groups] == ["toolgrad-4b", "toolgrad-1b", "someone-elses-model"]
    assert [r.kind for r in tg.groups[-1].rows] == ["reproduced"] and not tg.groups[-1].synthetic
    assert _group(board, "toolgrad5k", "toolgrad-4b").synthetic and not group.synthetic
    assert [p.model for p in board.pages] == ["demo-toolgrad-4b", "someone-elses-model"]
    assert [d.run.benchmark for d in board.pages[0].details] == ["bfcl", "toolgrad5k"]


def test_explicit_matches_win_and_are_checked(toolgrad5k_run, runs_root: Path) -> None:
    toolgrad5k_run("my-run")
    board = build_leaderboard([runs_root], matches={"my-run": "ToolGrad 1B"})
    group = _group(board, "toolgrad5k", "toolgrad-1b")
    assert [r.kind for r in group.rows] == ["reported", "reproduced", "difference"]
    with pytest.raises(ConfigError, match="no reported model 'gpt-9'"):
        build_leaderboard([runs_root], matches={"my-run": "gpt-9"})
    board = build_leaderboard([runs_root], matches={"absent": "toolgrad-1b"})
    assert any("absent" in str(m) for m in board.messages)


def test_base_to_fine_tune_deltas(toolgrad5k_run, runs_root: Path) -> None:
    toolgrad5k_run("demo-gemma-3-4b", skill=0.4)
    toolgrad5k_run("demo-toolgrad-4b", skill=0.95)
    board = build_leaderboard([runs_root])
    bfcl_deltas = _table(board, "bfcl").deltas
    assert [(d.kind, d.pair) for d in bfcl_deltas] == [
        ("reported", "Gemma-3 4B → ToolGrad 4B"),
        ("reported", "Gemma-3 12B → ToolGrad 12B"),
    ]
    assert bfcl_deltas[0].cells["non_live_overall"].diff == pytest.approx(72.46 - 61.12)
    assert bfcl_deltas[0].detail == "ToolGrad 4B model card"
    (delta,) = _table(board, "toolgrad5k").deltas
    assert delta.kind == "reproduced" and delta.synthetic and delta.detail == "demo-gemma-3-4b → demo-toolgrad-4b"
    qor = delta.cells["qor"]
    runs = {r.model: r for r in board.runs}
    assert qor.diff == pytest.approx(runs["demo-toolgrad-4b"].values["qor"] - runs["demo-gemma-3-4b"].values["qor"])
    assert qor.n == 39 and qor.p_value < 0.05 and qor.ci[0] > 0  # sample-2 has no QoR on either side
    assert delta.cells["success_rate"].n == 39  # sample-1 leaves the Success Rate mean


def test_incomplete_per_sample_rows_give_no_ci(bfcl_run, runs_root: Path) -> None:
    folder = bfcl_run("demo-gemma-3-4b")
    summary = json.loads((folder / "summary.json").read_text())
    rows = [json.loads(line) for line in (folder / "per_sample.jsonl").read_text().splitlines()]
    write_run_record(folder, summary, [row for row in rows if row["id"] != "multiple_0"])  # a record short of one row
    board = build_leaderboard([runs_root])
    cells = _group(board, "bfcl", "gemma-3-4b").rows[1].cells
    assert cells["non_live_multiple"].ci is None and cells["non_live_overall"].ci is None
    assert cells["non_live_parallel"].ci is not None and cells["live_overall"].ci is not None


def test_what_is_skipped_and_what_fails(runs_root: Path, tmp_path: Path) -> None:
    (runs_root / "other").mkdir(parents=True)
    (runs_root / "other" / "summary.json").write_text(json.dumps({"not": "ours"}))
    write_run_record(runs_root / "mmlu", {"benchmark": "mmlu", "model": "m"}, [])
    runs, notes = discover_runs([runs_root, runs_root])  # the same folder twice counts once
    assert runs == [] and len(notes) == 2
    assert "not a toolgrad-eval run record" in str(notes[0]) + str(notes[1])
    with pytest.raises(InputFileError, match="runs folder not found"):
        discover_runs([tmp_path / "nope"])
    # One damaged record is skipped with a note naming it; the rest of the report is still built.
    (runs_root / "bad").mkdir()
    (runs_root / "bad" / "summary.json").write_text("{broken")
    write_run_record(runs_root / "wrong-shape", {"benchmark": "bfcl", "model": "w", "categories": [1]}, [])
    write_run_record(runs_root / "good", {"benchmark": "toolgrad5k", "model": "g", "qor": 50.0}, [])
    runs, notes = discover_runs([runs_root])
    assert [r.model for r in runs] == ["g"]
    text = "\n".join(map(str, notes))
    assert "bad/summary.json: skipped" in text and "malformed JSON" in text
    assert "wrong-shape/summary.json: skipped" in text


def test_reported_rows_without_runs(runs_root: Path) -> None:
    runs_root.mkdir()
    board = build_leaderboard([runs_root])
    assert not board.synthetic and board.pages == []
    bfcl = _table(board, "bfcl")
    assert [g.label for g in bfcl.groups] == ["Gemma-3 4B", "ToolGrad 4B", "Gemma-3 12B", "ToolGrad 12B"]
    assert all([r.kind for r in g.rows] == ["reported"] for g in bfcl.groups)
    kinds = sorted(n.kind for n in bfcl.notes)
    assert kinds == ["note", "note", "warning"]


def test_toolgrad5k_page_details(toolgrad5k_run, runs_root: Path) -> None:
    toolgrad5k_run("demo-toolgrad-4b")
    board = build_leaderboard([runs_root])
    (details,) = board.pages[0].details
    counts = dict(details.error_counts)
    assert counts["prediction error"] == 1 and counts["judge error"] == 1
    assert details.n_failed == 2 and len(details.samples) == 40
    qors = [s.qor for s in details.samples]
    assert qors[0] is None and qors[1:] == sorted(qors[1:])  # worst first, missing verdicts before all
    judge_failed = next(s for s in details.samples if s.id == "sample-002")
    assert judge_failed.error.startswith("judge refused")


def test_rows_left_by_an_interrupted_write_are_not_taken_for_the_summarys(runs_root: Path) -> None:
    summary = {
        "benchmark": "toolgrad5k",
        "model": "m",
        "synthetic": False,
        "n_samples": 2,
        "recall": 1.0,
        "precision": 1.0,
        "success_rate": 1.0,
        "qor": 50.0,
    }
    rows = [{"id": f"s{i}", "recall": 1.0, "precision": 1.0, "success_rate": 1.0, "qor": 50.0} for i in range(2)]
    folder = runs_root / "toolgrad5k" / "m"
    write_run_record(folder, summary, rows)
    (run,), notes = discover_runs([runs_root])
    assert run.has_per_sample and len(run.samples) == 2 and not notes
    # a later run was killed between its two renames: its rows sit beside the old summary
    (folder / "per_sample.jsonl").write_text(json.dumps({**rows[0], "qor": 0.0}) + "\n", encoding="utf-8")
    (run,), notes = discover_runs([runs_root])
    assert not run.has_per_sample and run.samples == () and run.values["qor"] == 50.0
    assert len(notes) == 1 and "belongs to another run" in str(notes[0])


def test_temporaries_of_a_killed_write_are_removed_by_the_next_one(tmp_path: Path) -> None:
    import os
    import time

    stale, fresh = tmp_path / ".per_sample.jsonl.0123456789ab.tmp", tmp_path / ".summary.json.ba9876543210.tmp"
    for path in (stale, fresh):
        path.write_text("half")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    write_run_record(tmp_path, {"benchmark": "toolgrad5k", "model": "m"}, [])
    assert not stale.exists() and fresh.exists()  # a young one may be another writer's, in progress
