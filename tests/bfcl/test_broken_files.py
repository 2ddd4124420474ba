"""Broken BFCL runs and hostile paths: one clear line, or a recorded problem with the run going on;
memory bounded by the category, not by the result file."""

from __future__ import annotations

import json
import shutil
import tracemalloc
from pathlib import Path

import pytest

from bfcl.test_runner import DEMO, MODEL, result_file, run
from toolgrad_eval.bfcl.results import read_result_file
from toolgrad_eval.cli.main import main
from toolgrad_eval.errors import ConfigError


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    target = tmp_path / "run"
    shutil.copytree(DEMO, target)
    return target


def test_wholly_unreadable_result_file_scores_zero_not_na(demo_copy, tmp_path):
    result_file(demo_copy, "live_simple").write_bytes(b"garbage\n\x00\xff\xfe\n")
    summary, _ = run(demo_copy, tmp_path / "out")
    live_simple = summary["categories"]["live_simple"]
    assert live_simple["accuracy"] == 0 and live_simple["correct_count"] == 0 and live_simple["total_count"] > 0
    assert summary["aggregates"]["live_overall"] is not None
    assert sum("no readable result line" in w for w in summary["warnings"]) == 1


def test_near_miss_file_names_are_listed_with_the_files_they_were_meant_as(demo_copy, tmp_path):
    folder = result_file(demo_copy, "parallel").parent
    (folder / "BFCL_v4_parallel_result.json").rename(folder / "BFCL_v4_parallel_results.json")
    (folder / "BFCL_v4_multiple_result.json").rename(folder / "bfcl_v4_multiple_result.jsonl")
    (folder / "BFCL_v4_simple_python_result.json").rename(folder / "BFCL_v4_simple_result.json")  # the v3 name
    summary, _ = run(demo_copy, tmp_path / "out")
    warnings = "\n".join(summary["warnings"])
    for name in ("BFCL_v4_parallel_results.json", "bfcl_v4_multiple_result.jsonl", "BFCL_v4_simple_result.json"):
        assert f"{name}: not a BFCL v4 single-turn result file name; ignored" in warnings
    assert (
        "no BFCL_v4_simple_python_result.json, BFCL_v4_multiple_result.json, BFCL_v4_parallel_result.json" in warnings
    )


def test_result_file_of_many_short_lines_is_streamed_and_bounded(tmp_path):
    """A file of 350,000 lines (mostly ids the data lacks, then garbage) is read with memory bounded
    by the ids the data asks for, and only up to 10 lines per asked id + 10,000: counted, not timed."""
    path = tmp_path / "BFCL_v4_simple_python_result.json"
    wanted = {f"simple_python_{i}" for i in range(400)}
    with path.open("w") as handle:
        for entry_id in sorted(wanted):
            handle.write(json.dumps({"id": entry_id, "result": "[f(a=1)]", "latency": 0.5}) + "\n")
        for i in range(300_000):
            handle.write(json.dumps({"id": f"junk_{i}", "result": "[f(a=1)]"}) + "\n")
        handle.write("{not json\n" * 50_000)
    size = path.stat().st_size
    tracemalloc.start()
    try:
        content = read_result_file(path, wanted)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert set(content.copies) == wanted and len(content.latencies) == 400
    assert content.stopped_at == 10 * 400 + 10_000 and content.n_extra_lines == content.stopped_at - 400
    assert len(content.extra_ids) <= 100 and content.n_problems == 0
    assert peak < size / 10, f"peak {peak} bytes for a {size}-byte file"


def test_problems_are_counted_and_a_few_kept(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("{not json\n" * 5_000 + json.dumps({"id": "a", "result": "x"}) + "\n")
    content = read_result_file(path, {"a"})
    assert content.n_problems == 5_000 and len(content.problems) == 100 and list(content.copies) == ["a"]


def test_a_line_longer_than_the_limit_is_skipped_without_holding_it(tmp_path, monkeypatch):
    from toolgrad_eval.bfcl import results

    monkeypatch.setattr(results, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "r.json"
    path.write_text(
        json.dumps({"id": "a", "result": "x" * 5000}) + "\n" + json.dumps({"id": "b", "result": "y"}) + "\n"
    )
    content = read_result_file(path, {"a", "b"})
    assert list(content.copies) == ["b"]
    assert content.problems[0].line == 1 and "longer than 1000 bytes" in content.problems[0].message
    assert content.problems[0].id == "a"  # salvaged, so the entry fails as malformed, not missing


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", "x\\y", "", "bad\x1bname"])
def test_model_names_that_are_paths_are_refused_before_anything_is_written(name, demo_copy, tmp_path, capsys):
    code = main(
        [
            "--pred_model",
            name,
            "--dataset",
            str(demo_copy),
            "--score-dir",
            str(tmp_path / "scores"),
            "--output",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "--pred_model" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "scores").exists() and not (tmp_path / "escape").exists()


def test_output_at_a_file_or_under_a_file_is_one_line(demo_copy, tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    for output in (tmp_path / "afile", tmp_path / "afile" / "sub"):
        code = main(["--pred_model", MODEL, "--dataset", str(demo_copy), "--output", str(output)])
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err and str(output) in err, err
    assert main(["--pred_model", MODEL, "--dataset", str(demo_copy), "--output", str(tmp_path / "runs" / "m")]) == 0
    capsys.readouterr()
    for out in (tmp_path / "afile", tmp_path / "afile" / "sub"):
        code = main(["report", "--runs", str(tmp_path / "runs"), "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err and f"{out}: " in err, err


def test_another_models_record_is_not_replaced_without_overwrite(demo_copy, tmp_path, capsys):
    out = tmp_path / "shared-out"
    assert main(["--pred_model", MODEL, "--dataset", str(demo_copy), "--output", str(out)]) == 0
    before = (out / "summary.json").read_text()
    others = sorted(p.name for p in (demo_copy / "result").iterdir() if p.name != MODEL)
    code = main(["--pred_model", others[0], "--dataset", str(demo_copy), "--output", str(out), "--overwrite"])
    assert code == 0 and json.loads((out / "summary.json").read_text())["model"] == others[0]
    code = main(["--pred_model", MODEL, "--dataset", str(demo_copy), "--output", str(out)])
    assert code == 2 and "not replacing it" in capsys.readouterr().err
    assert json.loads((out / "summary.json").read_text())["model"] == others[0]
    assert before  # the first record was written


def test_folder_names_are_injective_and_keep_letters():
    from toolgrad_eval.names import folder_name

    names = ["модель-а", "модель-б", "model a", "model_a", "model:a", "gemma-3-4b", "a" * 300]
    folders = [folder_name(n) for n in names]
    assert len(set(folders)) == len(names)
    assert folder_name("gemma-3-4b") == "gemma-3-4b" and folder_name("модель-а") == "модель-а"
    assert folder_name("model a").startswith("model_a-")
    with pytest.raises(ConfigError):
        from toolgrad_eval.names import check_model_name

        check_model_name("../x")


def test_missing_answer_file_is_named_as_the_answers_not_the_questions(demo_copy, tmp_path):
    (demo_copy / "data" / "possible_answer" / "BFCL_v4_multiple.json").unlink()
    summary, _ = run(demo_copy, tmp_path / "out")
    (warning,) = [w for w in summary["warnings"] if "BFCL_v4_multiple_result.json" in w]
    assert "no multiple answers" in warning and "possible_answer/BFCL_v4_multiple.json not found" in warning
    assert "multiple" not in summary["categories"]


def test_json_errors_say_where_once(tmp_path):
    from toolgrad_eval.errors import InputFileError
    from toolgrad_eval.fileio import read_json

    path = tmp_path / "x.json"
    path.write_text('{"a": "unterminated')
    with pytest.raises(InputFileError) as caught:
        read_json(path)
    assert "at at" not in str(caught.value) and "line 1 column" in str(caught.value)
