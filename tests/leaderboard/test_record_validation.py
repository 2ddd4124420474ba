"""Run records are checked against the record schema when they are read: a broken one is set aside
with a note naming it, and the report and the diff go on with the others."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from toolgrad_eval.cli.main import main
from toolgrad_eval.leaderboard import discover_runs
from toolgrad_eval.record import PER_SAMPLE_FILE, SUMMARY_FILE


def _edit_summary(folder: Path, old: str, new: str) -> None:
    path = folder / SUMMARY_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _first_category(folder: Path) -> str:
    return next(iter(json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))["categories"]))


def _set(folder: Path, key: str, raw: str) -> None:
    """Write ``"key": <raw JSON text>`` into the summary (NaN, Infinity and huge integers included)."""
    summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    summary[key] = "@@"
    (folder / SUMMARY_FILE).write_text(json.dumps(summary).replace('"@@"', raw), encoding="utf-8")


DAMAGES = {
    "nan": (lambda f: _set(f, "qor", "NaN"), "NaN is not a number a record may hold"),
    "infinity": (lambda f: _set(f, "recall", "Infinity"), "Infinity is not a number a record may hold"),
    "negative count": (lambda f: _set(f, "n_samples", "-5"), "n_samples: Input should be greater than or equal to 0"),
    "400 digits": (lambda f: _set(f, "n_samples", "9" * 400), "an integer of 400 digits"),
    "recall above 1": (lambda f: _set(f, "recall", "1.5"), "recall: Input should be less than or equal to 1"),
}


@pytest.mark.parametrize("name", DAMAGES)
def test_a_broken_toolgrad5k_summary_is_set_aside(toolgrad5k_run, runs_root: Path, name: str) -> None:
    toolgrad5k_run("good-model")
    bad = toolgrad5k_run("bad-model")
    damage, expected = DAMAGES[name]
    damage(bad)
    runs, notes = discover_runs([runs_root])
    assert [r.model for r in runs] == ["good-model"]
    (note,) = [str(n) for n in notes if "bad-model" in str(n)]
    assert expected in note and "skipped" in note


def test_bfcl_accuracy_above_one_is_set_aside(bfcl_run, runs_root: Path) -> None:
    bfcl_run("good-model")
    bad = bfcl_run("bad-model")
    summary = json.loads((bad / SUMMARY_FILE).read_text(encoding="utf-8"))
    summary["categories"][_first_category(bad)]["accuracy"] = 5.0
    (bad / SUMMARY_FILE).write_text(json.dumps(summary), encoding="utf-8")
    runs, notes = discover_runs([runs_root])
    assert [r.model for r in runs] == ["good-model"]
    assert any("accuracy: Input should be less than or equal to 1" in str(n) for n in notes)


def test_a_summary_claiming_another_benchmark_than_its_rows(bfcl_run, toolgrad5k_run, runs_root: Path) -> None:
    bfcl_run("bfcl-model")
    five = toolgrad5k_run("mixed-model")
    # the ToolGrad-5k rows under a BFCL summary (digest made to match: only the claim is wrong)
    shutil.copy(five / PER_SAMPLE_FILE, runs_root / "bfcl" / "bfcl-model" / PER_SAMPLE_FILE)
    folder = runs_root / "bfcl" / "bfcl-model"
    summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    summary["per_sample_sha256"] = hashlib.sha256((folder / PER_SAMPLE_FILE).read_bytes()).hexdigest()
    (folder / SUMMARY_FILE).write_text(json.dumps(summary), encoding="utf-8")
    runs, notes = discover_runs([runs_root])
    assert [r.model for r in runs] == ["mixed-model"]
    assert any(f"{PER_SAMPLE_FILE}:1" in str(n) and "not a bfcl row" in str(n) for n in notes)


def test_report_goes_on_without_the_broken_record(toolgrad5k_run, runs_root: Path, tmp_path: Path, capsys) -> None:
    toolgrad5k_run("good-model")
    _set(toolgrad5k_run("nan-model"), "qor", "NaN")
    _set(toolgrad5k_run("huge-model"), "n_samples", "1" + "0" * 400)
    code = main(["report", "--runs", str(runs_root), "--out", str(tmp_path / "site"), "--include-synthetic"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "1 run record(s)" in out.out
    assert out.err.count("skipped") == 2
    board = (tmp_path / "site" / "leaderboard.md").read_text(encoding="utf-8")
    assert "good-model" in board and "nan-model" not in board and "huge-model" not in board
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "nan-model/summary.json: skipped, unreadable run record: unreadable JSON value (NaN" in page
    assert str(tmp_path) not in page  # the note names the file without the author's folders


def test_a_password_in_an_older_records_command_is_never_shown(toolgrad5k_run, runs_root: Path, tmp_path) -> None:
    folder = toolgrad5k_run("old-model")
    summary = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    summary["command"] = "toolgrad-eval --cache-url 'host=db password=pg-s3cret-old' --pred_model old-model"
    (folder / SUMMARY_FILE).write_text(json.dumps(summary), encoding="utf-8")
    (run,), _ = discover_runs([runs_root])
    assert run.summary["command"] == "toolgrad-eval --cache-url 'host=db password=***' --pred_model old-model"
    assert main(["report", "--runs", str(runs_root), "--out", str(tmp_path / "site"), "--include-synthetic"]) == 0
    pages = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*") if p.is_file())
    assert "pg-s3cret-old" not in pages and "old-model" in pages
