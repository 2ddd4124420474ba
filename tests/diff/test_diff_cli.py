"""``toolgrad-eval diff`` end to end on real run records of the synthetic demo models."""

from __future__ import annotations

import json

import pytest
from diff.conftest import DEMO_PAIR

from toolgrad_eval.cli.main import main
from toolgrad_eval.diff import diff_runs, find_records


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_flipped_entries_are_described_from_score_and_result_files(demo_runs) -> None:
    (a,) = [r for r in find_records(str(demo_runs / "bfcl" / DEMO_PAIR[0]), [])]
    (b,) = [r for r in find_records(str(demo_runs / "bfcl" / DEMO_PAIR[1]), [])]
    d = diff_runs(a, b).bfcl
    regressed = next(f for f in d.flipped if f.id == "simple_javascript_0")
    assert regressed.direction == "pass_to_fail"
    assert (regressed.error_type_a, regressed.error_type_b) == (None, "value_error:string")
    assert regressed.question == "Convert from EUR to USD, rounding up."
    assert 'fromCurrency="EUR"' in regressed.output_a  # A passed: read from its result file
    assert 'fromCurrency="Atlantis"' in regressed.output_b  # B failed: read from its score file
    assert "EUR" in regressed.expected and "Atlantis" in regressed.reason_b
    fixed = next(f for f in d.flipped if f.id == "simple_java_2")
    assert fixed.output_a.startswith("```python") and fixed.output_b.startswith("[DemoWeather")
    assert d.notes == [] and len(d.flipped) == d.n_flipped == 13


def test_terminal_tables_for_both_benchmarks(demo_runs, capsys) -> None:
    code, out, _ = _run(capsys, *DEMO_PAIR, "--runs", str(demo_runs))
    assert code == 0
    assert "ToolGrad-5k: demo-toolgrad-12b (B) compared with demo-gemma-3-12b (A)  [SYNTHETIC demo data]" in out
    overall = next(line for line in out.splitlines() if line.startswith("| overall (pooled) "))
    assert [cell.strip() for cell in overall.split("|")[2:5]] == ["70", "72.86", "88.57"]  # in %, as on the pages
    assert "not BFCL's Overall Accuracy" in out
    metrics = {line.split("|")[1].strip(): line.split("|") for line in out.splitlines() if line.startswith("| ")}
    assert metrics["recall"][8].strip().startswith("p ")  # one p-value style: "p = 0.34" / "p < 0.001"
    assert "simple_javascript pass->fail: simple_javascript_0" in out
    assert "Error-type changes (A -> B), regressions first:" in out
    rows = [[cell.strip() for cell in line.split("|")[1:4]] for line in out.splitlines() if line.startswith("| pass ")]
    assert rows[0] == ["pass", "value_error:string", "1"]


def test_json_has_flipped_ids_with_statistic_and_p_value(demo_runs, capsys) -> None:
    code, out, _ = _run(capsys, *DEMO_PAIR, "--runs", str(demo_runs), "--json")
    assert code == 0
    payload = json.loads(out)
    bfcl = next(d for d in payload["diffs"] if d["benchmark"] == "bfcl")
    assert bfcl["overall"]["pass_to_fail"] == ["simple_javascript_0"]
    assert len(bfcl["overall"]["fail_to_pass"]) == 12
    assert bfcl["overall"]["statistic"] == 1 and bfcl["overall"]["p_value"] == pytest.approx(28 / 8192)
    assert bfcl["categories"]["simple_javascript"]["pass_to_fail"] == ["simple_javascript_0"]
    assert bfcl["n_flipped"] == len(bfcl["flipped"]) == 13
    regressed = next(f for f in bfcl["flipped"] if f["id"] == "simple_javascript_0")
    assert (
        regressed["question"] == "Convert from EUR to USD, rounding up."
        and regressed["error_type_b"] == "value_error:string"
    )
    tg = next(d for d in payload["diffs"] if d["benchmark"] == "toolgrad5k")
    assert tg["metrics"]["qor"]["test"] == "paired_t" and tg["metrics"]["qor"]["p_value"] < 1e-6
    assert tg["n_changed"] == len(tg["changed"]) > 0
    assert all(drop["qor_delta"] < 0 and "judge_reason_a" in drop for drop in tg["largest_qor_drops"])
    assert payload["regressions"] == []


def test_fail_on_regression_exit_status(demo_runs, capsys) -> None:
    assert _run(capsys, *DEMO_PAIR, "--runs", str(demo_runs), "--fail-on-regression")[0] == 0
    code, out, _ = _run(capsys, *reversed(DEMO_PAIR), "--runs", str(demo_runs), "--fail-on-regression")
    assert code == 1
    assert "Significant regression: BFCL overall: 12 pass->fail vs 1 fail->pass" in out
    # Only the chosen metrics count: simple_python did not get significantly worse (0 flips).
    assert (
        _run(
            capsys, *reversed(DEMO_PAIR), "--runs", str(demo_runs), "--fail-on-regression", "--metric", "simple_python"
        )[0]
        == 0
    )


def test_record_folders_and_self_diff(demo_runs, capsys) -> None:
    folder = str(demo_runs / "bfcl" / DEMO_PAIR[0])
    code, out, _ = _run(capsys, folder, folder, "--json")
    assert code == 0
    d = json.loads(out)["diffs"][0]
    assert d["overall"]["pass_to_fail"] == [] and d["overall"]["fail_to_pass"] == [] and d["error_type_changes"] == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["no-such-model", DEMO_PAIR[1]], "'no-such-model': neither a run-record folder nor a model"),
        ([DEMO_PAIR[0], DEMO_PAIR[1], "--metric", "qorr"], "--metric qorr: unknown"),
    ],
)
def test_bad_input_is_one_line(demo_runs, capsys, args, message) -> None:
    code, out, err = _run(capsys, *args, "--runs", str(demo_runs))
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_benchmarks_without_overlap(demo_runs, capsys) -> None:
    code, _, err = _run(capsys, str(demo_runs / "bfcl" / DEMO_PAIR[0]), str(demo_runs / "toolgrad5k" / DEMO_PAIR[1]))
    assert code == 2 and "share no benchmark" in err
