"""Review fixes: bidi controls, CIs of pass/fail categories, paired deltas, synthetic differences,
duplicate run records, benchmark-version mismatches, paths and reasons shown on published pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolgrad_eval.leaderboard import build_leaderboard
from toolgrad_eval.leaderboard.details import error_reason
from toolgrad_eval.leaderboard.text import clean_text
from toolgrad_eval.leaderboard.stats import column_ci, wilson_ci
from toolgrad_eval.leaderboard.runs import Stratum
from toolgrad_eval.leaderboard.text import display_path, short_name
from toolgrad_eval.record import write_run_record

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def _table(board, benchmark: str):
    return next(t for t in board.tables if t.benchmark == benchmark)


def _group(board, benchmark: str, key: str):
    return next(g for g in _table(board, benchmark).groups if g.key == key)


def test_clean_text_strips_every_bidi_control() -> None:
    assert clean_text(f"abc{BIDI}def שלום") == "abcdef שלום"  # RTL letters stay, controls go


def test_model_names_lose_bidi_controls(toolgrad5k_run, runs_root: Path) -> None:
    toolgrad5k_run("evil\u202eyppa\u2066-model")
    board = build_leaderboard([runs_root])
    assert [p.model for p in board.pages] == ["evilyppa-model"]


def test_short_name_keeps_48_characters() -> None:
    assert short_name("x" * 48) == "x" * 48
    assert short_name("y" * 5000) == "y" * 47 + "…"


def test_single_pass_fail_category_uses_wilson_not_a_zero_width_bootstrap() -> None:
    all_pass = [Stratum(1.0, {f"e{i}": 1.0 for i in range(16)})]
    low, high = column_ci(all_pass, 100.0)
    assert high == 100.0 and low == pytest.approx(80.639, abs=0.01)
    assert column_ci([Stratum(1.0, {f"e{i}": 0.0 for i in range(16)})], 100.0)[0] == 0.0
    assert wilson_ci(8, 16) == pytest.approx((0.28, 0.72), abs=0.001)


def test_all_pass_category_does_not_flag_the_reported_value(bfcl_run, runs_root: Path) -> None:
    # skill 1.0: every entry passes, relevance is 100%; ToolGrad 4B reports 93.75.
    bfcl_run("demo-toolgrad-4b", skill=1.0, synthetic=False)
    group = _group(build_leaderboard([runs_root]), "bfcl", "toolgrad-4b")
    reported, reproduced, difference = group.rows
    cell = reproduced.cells["relevance"]
    assert cell.value == 100.0 and cell.ci_method == "wilson" and cell.n == 8
    assert cell.ci[0] < 93.75 and not difference.cells["relevance"].outside_ci


def test_synthetic_difference_rows_are_labelled_and_never_flagged(bfcl_run, runs_root: Path) -> None:
    bfcl_run("demo-toolgrad-4b", skill=0.2)  # synthetic, far below every reported value
    difference = _group(build_leaderboard([runs_root]), "bfcl", "toolgrad-4b").rows[2]
    assert difference.synthetic and difference.label == "Δ vs reported (synthetic data: illustrative only)"
    assert not any(c.outside_ci for c in difference.cells.values())
    runs_root2 = runs_root.parent / "real"
    from report.records import write_bfcl_run

    write_bfcl_run(runs_root2, "demo-toolgrad-4b", skill=0.2, synthetic=False)
    real = _group(build_leaderboard([runs_root2]), "bfcl", "toolgrad-4b").rows[2]
    assert any(c.outside_ci for c in real.cells.values())


def test_reproduced_delta_shows_the_paired_mean_difference(toolgrad5k_run, runs_root: Path) -> None:
    toolgrad5k_run("demo-gemma-3-4b", skill=0.4, n=40)
    folder = toolgrad5k_run("demo-toolgrad-4b", skill=0.95, n=40)
    # The fine-tune's best samples are missing: its column mean and the paired mean now differ.
    path = folder / "per_sample.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows = [r for r in rows if not (r["qor"] or 0) >= 90][:30] + [r for r in rows if (r["qor"] or 0) >= 90][:1]
    write_run_record(folder, json.loads((folder / "summary.json").read_text()), rows)  # summary kept as it was
    board = build_leaderboard([runs_root])
    (delta,) = _table(board, "toolgrad5k").deltas
    qor = delta.cells["qor"]
    runs = {r.model: r for r in board.runs}
    a = {r["id"]: r["qor"] for r in runs["demo-gemma-3-4b"].samples if r["qor"] is not None}
    b = {r["id"]: r["qor"] for r in runs["demo-toolgrad-4b"].samples if r["qor"] is not None}
    shared = a.keys() & b.keys()
    paired = sum(b[k] - a[k] for k in shared) / len(shared)
    assert qor.n == len(shared) and qor.diff == pytest.approx(paired)
    assert qor.ci[0] <= qor.diff <= qor.ci[1]
    unpaired = runs["demo-toolgrad-4b"].values["qor"] - runs["demo-gemma-3-4b"].values["qor"]
    assert abs(unpaired - paired) > 0.5  # the test would not tell the two apart otherwise


def test_duplicate_run_records_keep_the_latest(toolgrad5k_run, runs_root: Path) -> None:
    old = toolgrad5k_run("demo-toolgrad-4b", skill=0.3)
    summary = json.loads((old / "summary.json").read_text())
    summary["created_at"] = "2026-01-01T00:00:00+00:00"
    (old / "summary.json").write_text(json.dumps(summary))
    copy = runs_root / "rerun" / "toolgrad5k" / "demo-toolgrad-4b"
    copy.mkdir(parents=True)
    (copy / "per_sample.jsonl").write_text((old / "per_sample.jsonl").read_text())
    summary["created_at"] = "2026-06-01T00:00:00+00:00"
    summary["qor"] = 12.5
    (copy / "summary.json").write_text(json.dumps(summary))
    board = build_leaderboard([runs_root])
    group = _group(board, "toolgrad5k", "toolgrad-4b")
    (reproduced,) = [r for r in group.rows if r.kind == "reproduced"]
    assert reproduced.run.path == copy and reproduced.cells["qor"].value == 12.5
    assert len(board.pages[0].details) == 1
    ((ignored, kept),) = board.duplicates
    assert ignored.path == old and kept.path == copy
    (note,) = [str(m) for m in board.messages if str(m).startswith("duplicate run record ignored")]
    assert str(old) in note and str(copy) in note and "2026-01-01" in note


def test_bfcl_version_mismatch_is_noted(bfcl_run, runs_root: Path) -> None:
    bfcl_run("demo-toolgrad-4b")  # data_version v4; the card reports BFCL v1 and v2
    board = build_leaderboard([runs_root])
    reproduced = _group(board, "bfcl", "toolgrad-4b").rows[1]
    assert reproduced.version_note and "v4" in reproduced.version_note and "v1" in reproduced.version_note
    toolgrad5k = _table(board, "toolgrad5k")
    assert all(r.version_note is None for g in toolgrad5k.groups for r in g.rows)


def test_display_path_hides_the_local_file_system(tmp_path: Path, monkeypatch) -> None:
    import toolgrad_eval

    package = Path(toolgrad_eval.__file__).resolve().parent
    monkeypatch.chdir(tmp_path)
    assert display_path(str(tmp_path / "runs" / "bfcl")) == "runs/bfcl"
    assert display_path("benchmarks/demo/x") == "benchmarks/demo/x"
    assert display_path(str(package / "benchmarks" / "demo" / "bfcl-synthetic")) == "shipped demo: bfcl-synthetic"
    assert (
        display_path(str(package.parent / "benchmarks" / "demo" / "bfcl-synthetic")) == "shipped demo: bfcl-synthetic"
    )
    assert display_path("/home/alice/secret/project/data/bfcl") == "…/data/bfcl"
    assert display_path(None) == "—"


def test_reasons_join_without_doubled_punctuation() -> None:
    assert error_reason(["Wrong value.", "Missing parameter", "x"]) == "Wrong value. Missing parameter; x"
