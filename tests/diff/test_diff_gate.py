"""``diff --fail-on-regression`` is a gate that can fail: nothing compared is not a pass, and runs on
other questions or another benchmark version are refused, not paired."""

from __future__ import annotations

import json
from pathlib import Path

from diff.records import bfcl_record, toolgrad5k_record

from toolgrad_eval.cli.main import main
from toolgrad_eval.record import PER_SAMPLE_FILE, SUMMARY_FILE


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _values(ids, qor: float | None = 80.0) -> dict[str, dict[str, float | None]]:
    return {i: {"recall": 1.0, "success_rate": 1.0, "qor": qor} for i in ids}


def _pair(tmp_path: Path, ids_b=("s1", "s2", "s3"), qor_b: float | None = 80.0) -> tuple[str, str]:
    toolgrad5k_record(tmp_path / "a", "model-a", _values(["s1", "s2", "s3"]))
    toolgrad5k_record(tmp_path / "b", "model-b", _values(ids_b, qor_b))
    return str(tmp_path / "a"), str(tmp_path / "b")


def test_a_comparable_pair_passes_the_gate(tmp_path: Path, capsys) -> None:
    code, _, err = _run(capsys, *_pair(tmp_path), "--fail-on-regression")
    assert code == 0 and err == ""


def test_rows_left_by_another_run_fail_the_gate(tmp_path: Path, capsys) -> None:
    a, b = _pair(tmp_path)
    rows = Path(b) / PER_SAMPLE_FILE
    rows.write_text(rows.read_text(encoding="utf-8").replace("80.0", "10.0"), encoding="utf-8")  # digest mismatch
    code, out, _ = _run(capsys, a, b)
    assert code == 0 and "nothing compared" in out  # said even without the gate
    code, _, err = _run(capsys, a, b, "--fail-on-regression")
    assert code == 2
    (line,) = err.strip().splitlines()
    assert "nothing compared" in line and "run B has no usable per_sample.jsonl" in line


def test_disjoint_ids_fail_the_gate(tmp_path: Path, capsys) -> None:
    code, out, err = _run(capsys, *_pair(tmp_path, ids_b=("t1", "t2", "t3")), "--fail-on-regression", "--json")
    assert code == 2
    payload = json.loads(out)
    assert payload["not_compared"] and "no sample id is in both runs (A only 3, B only 3)" in payload["notes"][0]
    assert "nothing compared" in err.strip().splitlines()[-1]


def test_a_metric_without_values_fails_the_gate(tmp_path: Path, capsys) -> None:
    a, b = _pair(tmp_path, qor_b=None)  # every QoR of B null: judge errors
    code, _, err = _run(capsys, a, b, "--fail-on-regression", "--metric", "qor")
    assert code == 2 and "ToolGrad-5k qor: nothing compared (no sample has a value in both runs" in err
    # recall was compared, so a gate on it decides
    code, _, _ = _run(capsys, a, b, "--fail-on-regression", "--metric", "recall")
    assert code == 0


def test_a_nan_record_is_one_line_and_never_a_traceback(tmp_path: Path, capsys) -> None:
    a, b = _pair(tmp_path)
    rows = Path(b) / PER_SAMPLE_FILE
    text = rows.read_text(encoding="utf-8").replace("80.0", "NaN")
    rows.write_text(text, encoding="utf-8")
    summary = json.loads((Path(b) / SUMMARY_FILE).read_text(encoding="utf-8"))
    import hashlib

    summary["per_sample_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    (Path(b) / SUMMARY_FILE).write_text(json.dumps(summary), encoding="utf-8")
    code, out, err = _run(capsys, a, b, "--json", "--fail-on-regression")
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert "per_sample.jsonl:1" in line and "NaN is not a number a record may hold" in line


def test_other_splits_are_not_paired(tmp_path: Path, capsys) -> None:
    a, b = _pair(tmp_path)
    summary = json.loads((Path(b) / SUMMARY_FILE).read_text(encoding="utf-8"))
    summary["split"] = "validation"
    (Path(b) / SUMMARY_FILE).write_text(json.dumps(summary), encoding="utf-8")
    summary = json.loads((Path(a) / SUMMARY_FILE).read_text(encoding="utf-8"))
    summary["split"] = "test"
    (Path(a) / SUMMARY_FILE).write_text(json.dumps(summary), encoding="utf-8")
    code, out, err = _run(capsys, a, b)
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert "not compared" in line and "different question sets (splits): split 'test' in A, 'validation' in B" in line


def test_other_bfcl_versions_are_not_paired_and_json_says_so(tmp_path: Path, capsys) -> None:
    runs = tmp_path / "runs"
    toolgrad5k_record(runs / "a5k", "model-a", _values(["s1", "s2"]))
    toolgrad5k_record(runs / "b5k", "model-b", _values(["s1", "s2"]))
    bfcl_record(runs / "abfcl", "model-a", {"simple_python": [None, None]})
    bfcl_record(runs / "bbfcl", "model-b", {"simple_python": [None, "x"]})
    summary = json.loads((runs / "bbfcl" / SUMMARY_FILE).read_text(encoding="utf-8"))
    summary["data_version"] = "v3"
    (runs / "bbfcl" / SUMMARY_FILE).write_text(json.dumps(summary), encoding="utf-8")
    code, out, _ = _run(capsys, "model-a", "model-b", "--runs", str(runs), "--json")
    assert code == 0
    payload = json.loads(out)
    assert [d["benchmark"] for d in payload["diffs"]] == ["toolgrad5k"]
    (note,) = payload["notes"]
    assert note.startswith("BFCL not compared:") and "benchmark versions: data_version 'v4' in A, 'v3' in B" in note
    code, _, err = _run(capsys, str(runs / "abfcl"), str(runs / "bbfcl"))
    assert code == 2 and "BFCL not compared" in err


def test_a_broken_record_under_runs_is_set_aside_with_a_note(tmp_path: Path, capsys) -> None:
    runs = tmp_path / "runs"
    toolgrad5k_record(runs / "a", "model-a", _values(["s1", "s2"]))
    toolgrad5k_record(runs / "b", "model-b", _values(["s1", "s2"]))
    toolgrad5k_record(runs / "b-old", "model-b", _values(["s1", "s2"]))
    summary = json.loads((runs / "b-old" / SUMMARY_FILE).read_text(encoding="utf-8"))
    (runs / "b-old" / SUMMARY_FILE).write_text(json.dumps(summary).replace('"n_samples": 2', '"n_samples": -5'))
    code, out, err = _run(capsys, "model-a", "model-b", "--runs", str(runs), "--json")
    assert code == 0
    payload = json.loads(out)
    assert [d["b"]["record"] for d in payload["diffs"]] == [str(runs / "b")]
    (note,) = payload["notes"]
    assert "b-old" in note and "n_samples: Input should be greater than or equal to 0" in note
    assert "b-old" in err


def test_toolbench_records_with_no_query_in_common_fail_the_gate(tmp_path: Path, capsys) -> None:
    """ToolBench records are paired as ToolBench (never as ToolGrad-5k rows); none shared: exit 2."""
    from toolgrad_eval.record import write_run_record

    for model, first in (("tb-a", 0), ("tb-b", 10)):
        rows = [
            {"id": f"G1_instruction/{i}", "test_set": "G1_instruction", "score": 1.0} for i in range(first, first + 3)
        ]
        write_run_record(tmp_path / model, {"benchmark": "toolbench", "model": model, "n_samples": 3}, rows)
    code, out, err = _run(capsys, str(tmp_path / "tb-a"), str(tmp_path / "tb-b"), "--fail-on-regression")
    assert code == 2
    assert "ToolBench sopr: nothing compared (no sample id is in both runs (A only 3, B only 3))" in err


def test_a_bfcl_category_missing_from_one_run_fails_its_gate(tmp_path: Path, capsys) -> None:
    bfcl_record(tmp_path / "a", "model-a", {"simple_python": [None, None], "multiple": [None, "x"]})
    bfcl_record(tmp_path / "b", "model-b", {"simple_python": [None, None]})
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    code, _, err = _run(capsys, a, b, "--fail-on-regression", "--metric", "multiple")
    assert code == 2 and "BFCL multiple: nothing compared (no entry of the category was scored in both runs)" in err
    code, _, _ = _run(capsys, a, b, "--fail-on-regression", "--metric", "simple_python")
    assert code == 0
