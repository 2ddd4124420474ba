"""run_bfcl end to end on the synthetic demo run and on broken copies of it."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from toolgrad_eval.bfcl import scoredir
from toolgrad_eval.bfcl.aggregate import AGGREGATE_KEYS
from toolgrad_eval.bfcl.categories import SINGLE_TURN
from toolgrad_eval.bfcl.runner import run_bfcl
from toolgrad_eval.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "benchmarks" / "demo" / "bfcl-synthetic"
MODEL = "demo-toolgrad-12b"
AST_KEYS = ["id", "model_name", "test_category", "valid", "error", "error_type", "prompt", "model_result_raw"]
RELEVANCE_KEYS_V4 = [
    "id",
    "model_name",
    "test_category",
    "valid",
    "prompt",
    "model_result",
    "decoded_result",
    "error",
    "error_type",
]


def strict_json(text: str) -> Any:
    """json.loads that refuses NaN/Infinity, which are not JSON."""

    def refuse(token: str) -> None:
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [strict_json(line) for line in path.read_bytes().decode("utf-8").splitlines()]


@pytest.fixture()
def demo_copy(tmp_path: Path) -> Path:
    target = tmp_path / "run"
    shutil.copytree(DEMO, target)
    return target


def run(dataset: Path, out: Path, model: str = MODEL, **kwargs: Any) -> tuple[dict[str, Any], list[str]]:
    lines: list[str] = []
    kwargs.setdefault("bfcl_data", dataset / "data")
    summary = run_bfcl(dataset, model, out, echo=lines.append, **kwargs)
    return summary, lines


def result_file(dataset: Path, category: str, model: str = MODEL) -> Path:
    group = "live" if category.startswith("live_") else "non_live"
    return dataset / "result" / model / group / f"BFCL_v4_{category}_result.json"


def at(out: Path, recorded: str) -> Path:
    """A path as the run record names it: relative to the record folder, or absolute."""
    return out / recorded


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_demo_run_writes_score_files_csvs_and_record(tmp_path: Path) -> None:
    before = digest(DEMO)
    out = tmp_path / "out"
    summary, lines = run(DEMO, out)
    # Shipped demo data is never written to: score files go beside the run record instead.
    assert digest(DEMO) == before and not (DEMO / "score").exists()
    assert any("shipped with toolgrad-eval" in line for line in lines)
    score_root = out / "score"
    assert summary["score_dir"] == f"score/{MODEL}"  # inside the record folder: named relative to it
    assert summary["synthetic"] is True and summary["data_version"] == "v4" and summary["benchmark"] == "bfcl"
    assert list(summary["categories"]) == list(SINGLE_TURN)
    assert set(summary["question_data"]) == set(SINGLE_TURN)  # what diff pairs runs on
    assert (
        summary["question_data"]["simple_python"]
        == "sha256:" + hashlib.sha256((DEMO / "data" / "BFCL_v4_simple_python.json").read_bytes()).hexdigest()
    )
    assert set(summary["aggregates"]) == set(AGGREGATE_KEYS)
    assert all(v is not None and 0 <= v <= 1 for v in summary["aggregates"].values())

    record = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert record["schema"] == "toolgrad-eval/run/v1" and record["categories"] == summary["categories"]
    rows = read_lines(out / "per_sample.jsonl")
    assert len(rows) == summary["n_samples"] == sum(c["total_count"] for c in summary["categories"].values())
    assert set(rows[0]) == {"id", "category", "valid", "error_type", "error"}

    for category, info in summary["categories"].items():
        path = at(out, info["score_file"])
        group = "live" if category.startswith("live_") else "non_live"
        assert path == score_root / MODEL / group / f"BFCL_v4_{category}_score.json"
        lines_ = read_lines(path)
        assert list(lines_[0]) == ["accuracy", "correct_count", "total_count", "scored_with"]
        assert (
            lines_[0]["correct_count"] == info["correct_count"]
            and len(lines_) - 1 == info["total_count"] - info["correct_count"]
        )
        failed_rows = {r["id"] for r in rows if r["category"] == category and not r["valid"]}
        assert {line["id"] for line in lines_[1:]} == failed_rows
        for line in lines_[1:]:
            keys = list(line)
            if category.endswith("relevance"):
                assert keys == RELEVANCE_KEYS_V4
            else:
                assert keys[:8] == AST_KEYS and keys[-1] == "possible_answer"
            assert line["valid"] is False and line["test_category"] == category and line["model_name"] == MODEL
            assert isinstance(line["error"], list) and line["error_type"]
    for name in ("data_overall.csv", "data_live.csv", "data_non_live.csv"):
        assert (score_root / name).is_file()
    assert any(line.startswith("| model") for line in lines) and any(
        "N/A" not in line and MODEL in line for line in lines
    )


def test_demo_data_is_found_without_bfcl_data(tmp_path: Path) -> None:
    summary = run_bfcl(DEMO, MODEL, tmp_path / "out", echo=lambda _m: None)
    assert summary["data_source"] == f"the run's own {DEMO / 'data'}"
    assert len(summary["categories"]) == len(SINGLE_TURN)


def test_demo_is_what_its_script_makes(tmp_path: Path) -> None:
    """The shipped demo is exactly scripts/make_demo_bfcl.py's output (deterministic, nothing hand-edited)."""
    import runpy

    script = runpy.run_path(str(REPO / "scripts" / "make_demo_bfcl.py"))
    script["write_demo"](tmp_path / "demo")
    assert digest(tmp_path / "demo") == digest(DEMO)
    assert "SYNTHETIC" in (DEMO / "SYNTHETIC.md").read_text(encoding="utf-8")


def test_demo_fine_tunes_score_higher(tmp_path: Path) -> None:
    agg = {
        m: run(DEMO, tmp_path / m, m)[0]["aggregates"]
        for m in ("demo-gemma-3-4b", "demo-toolgrad-4b", "demo-gemma-3-12b", "demo-toolgrad-12b")
    }
    for base, tuned in (("demo-gemma-3-4b", "demo-toolgrad-4b"), ("demo-gemma-3-12b", "demo-toolgrad-12b")):
        assert agg[tuned]["non_live_overall"] > agg[base]["non_live_overall"]
        assert agg[tuned]["live_overall"] >= agg[base]["live_overall"]


def test_default_score_dir_is_beside_result_and_a_rescore_replaces_it(demo_copy: Path, tmp_path: Path) -> None:
    summary, _ = run(demo_copy, tmp_path / "out")
    assert summary["score_dir"] == str((demo_copy / "score" / MODEL).resolve())
    assert (demo_copy / "score" / "data_overall.csv").is_file()
    scores = sorted((demo_copy / "score" / MODEL).rglob("*_score.json"))
    written = {p: p.read_bytes() for p in scores}
    scores[0].write_text("stale\n")
    again, _ = run(demo_copy, tmp_path / "out")  # no --overwrite: re-scoring is free, its own files are replaced
    assert {p: p.read_bytes() for p in scores} == written and again["aggregates"] == summary["aggregates"]
    summary, _ = run(demo_copy, tmp_path / "out", score_dir=tmp_path / "elsewhere")
    assert summary["score_dir"] == str((tmp_path / "elsewhere" / MODEL).resolve())


def test_csv_lists_every_model_scored_into_the_same_folder(demo_copy: Path, tmp_path: Path) -> None:
    for model in ("demo-gemma-3-12b", "demo-toolgrad-12b"):
        run(demo_copy, tmp_path / model, model)
    with (demo_copy / "score" / "data_non_live.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["Model"] for r in rows] == ["demo-toolgrad-12b", "demo-gemma-3-12b"]  # ranked by overall


def test_unwritable_dataset_falls_back_to_output(
    demo_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scoredir, "_writable", lambda folder: False)
    summary, lines = run(demo_copy, tmp_path / "out")
    assert summary["score_dir"] == f"score/{MODEL}"
    assert any("not writable" in line and str(tmp_path / "out" / "score") in line for line in lines)
    assert not (demo_copy / "score").exists()


def test_result_files_are_never_modified(demo_copy: Path, tmp_path: Path) -> None:
    before = digest(demo_copy / "result")
    run(demo_copy, tmp_path / "out")
    assert digest(demo_copy / "result") == before


def rewrite(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_missing_extra_duplicated_and_malformed_lines(demo_copy: Path, tmp_path: Path) -> None:
    path = result_file(demo_copy, "simple_python")
    lines = path.read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    other = json.loads(lines[1])
    other["result"] = "[something_else(x=1)]"
    broken = lines[:]
    broken[0] = '{"id": "simple_python_0", "result": "[demo_weather.get_forecast(city=\'Oslo\''  # cut short
    broken[2] = "this is not json"
    del broken[3]  # simple_python_3 goes missing
    broken.append(json.dumps({"id": "simple_python_999", "result": "[]"}))  # extra
    broken.append(lines[4])  # identical duplicate of simple_python_4
    broken.append(json.dumps(other))  # conflicting duplicate of simple_python_1
    rewrite(path, broken)

    summary, echoed = run(demo_copy, tmp_path / "out")
    cat = summary["categories"]["simple_python"]
    assert cat["total_count"] == len(ids)  # BFCL's denominator: every question of the category
    assert cat["issues"] == {"extra": 1, "malformed_lines": 2, "missing": 2, "duplicated": 2, "conflicting": 1}
    failed = {line["id"]: line for line in read_lines(at(tmp_path / "out", cat["score_file"]))[1:]}
    assert failed["simple_python_0"]["error_type"] == "toolgrad:malformed_result"
    assert "line 1" in failed["simple_python_0"]["error"][0]
    assert failed["simple_python_1"]["error_type"] == "toolgrad:duplicate_result"
    assert failed["simple_python_2"]["error_type"] == "toolgrad:missing_result"  # no id could be read
    assert failed["simple_python_3"]["error_type"] == "toolgrad:missing_result"
    assert "simple_python_4" not in failed or failed["simple_python_4"]["error_type"] != "toolgrad:duplicate_result"
    assert "simple_python_999" not in failed
    warnings = "\n".join(summary["warnings"])
    assert f"{path}:3: malformed JSON" in warnings and f"{path}:1: malformed JSON" in warnings
    assert "simple_python_999" in warnings and "simple_python_3" in warnings and "identical results" in warnings
    assert any(line.startswith("Warning: ") and str(path) in line for line in echoed)
    assert any("* scored with missing" in line and "simple_python" in line for line in echoed)
    # Every other category is still scored.
    assert len(summary["categories"]) == len(SINGLE_TURN)


def test_file_from_another_data_version_is_not_scored(demo_copy: Path, tmp_path: Path) -> None:
    path = result_file(demo_copy, "live_simple")
    rewrite(path, [json.dumps({"id": f"live_simple_{i}-{i}-{i}0", "result": "[]"}) for i in range(3)])
    summary, echoed = run(demo_copy, tmp_path / "out")
    assert "live_simple" not in summary["categories"]
    assert summary["aggregates"]["live_simple"] is None and summary["aggregates"]["live_overall"] is None
    assert summary["aggregates"]["non_live_overall"] is not None
    assert any("none of its 3 ids" in w and "not scored" in w for w in summary["warnings"])
    table = "\n".join(echoed)
    assert "N/A" in table
    with (at(tmp_path / "out", summary["score_dir"]).parent / "data_live.csv").open(encoding="utf-8") as handle:
        assert next(csv.DictReader(handle))["Python Simple AST"] == "N/A"


def test_missing_category_shows_na(demo_copy: Path, tmp_path: Path) -> None:
    result_file(demo_copy, "irrelevance").unlink()
    summary, echoed = run(demo_copy, tmp_path / "out")
    assert summary["aggregates"]["irrelevance"] is None
    assert summary["aggregates"]["relevance"] is not None
    lines = "\n".join(echoed).splitlines()
    header = next(line for line in lines if line.startswith("| model")).split("|")
    values = next(line for line in lines if line.startswith(f"| {MODEL}")).split("|")
    assert values[header.index(" Irrel.   ")].strip() == "N/A"


def test_hostile_results_still_give_valid_files(demo_copy: Path, tmp_path: Path) -> None:
    path = result_file(demo_copy, "simple_python")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = '{"id": "simple_python_0", "result": "[demo_weather.get_forecast(city=\'\\ud83d\', days=1)]"}'
    lines[1] = '{"id": "simple_python_1", "result": NaN}'
    lines[2] = '{"id": "simple_python_2", "result": "' + "[" * 5000 + '"}'
    rewrite(path, lines)
    summary, _ = run(demo_copy, tmp_path / "out")
    score_file = at(tmp_path / "out", summary["categories"]["simple_python"]["score_file"])
    failed = {line["id"]: line for line in read_lines(score_file)[1:]}  # valid UTF-8, strict JSON
    assert {"simple_python_0", "simple_python_1", "simple_python_2"} <= set(failed)
    # The lone surrogate survives as an escape (BFCL's own writer crashes on it).
    assert failed["simple_python_0"]["model_result_raw"] == "[demo_weather.get_forecast(city='\ud83d', days=1)]"
    assert failed["simple_python_1"]["model_result_raw"] == "nan"
    read_lines(tmp_path / "out" / "per_sample.jsonl")
    strict_json((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))


def test_run_without_single_turn_files(tmp_path: Path) -> None:
    path = tmp_path / "run" / "result" / "m" / "multi_turn" / "BFCL_v4_multi_turn_base_result.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"id": "multi_turn_base_0", "result": []}\n', encoding="utf-8")
    # Multi-turn files are scored now; data without multi-turn questions leaves the category unscored.
    summary = run_bfcl(tmp_path / "run", "m", tmp_path / "out", bfcl_data=DEMO / "data")
    assert summary["categories"] == {}
    assert any("multi_turn_base" in w and "category not scored" in w for w in summary["warnings"])


def test_bad_format_option(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--format 'xml'"):
        run_bfcl(DEMO, MODEL, tmp_path, fmt="xml")


def test_v3_run_uses_v3_names_layout_and_csv(tmp_path: Path) -> None:
    """A flat v3 run built from the demo: v3 file names, v3 ids, v3 CSV columns."""
    renames = {"simple_python": "simple", "simple_java": "java", "simple_javascript": "javascript"}
    run_dir = tmp_path / "v3run"
    for src in (DEMO / "data").rglob("BFCL_v4_*.json"):
        cat = src.name[len("BFCL_v4_") : -len(".json")]
        name = renames.get(cat, cat)
        text = src.read_text(encoding="utf-8").replace(f'"{cat}_', f'"{name}_')
        dest = run_dir / "data" / src.relative_to(DEMO / "data").parent / f"BFCL_v3_{name}.json"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
    for cat, name in [("simple_python", "simple"), ("simple_java", "java"), ("irrelevance", "irrelevance")]:
        text = result_file(DEMO, cat).read_text(encoding="utf-8").replace(f'"{cat}_', f'"{name}_')
        (run_dir / "result" / MODEL).mkdir(parents=True, exist_ok=True)
        (run_dir / "result" / MODEL / f"BFCL_v3_{name}_result.json").write_text(text, encoding="utf-8")
    summary, _ = run(run_dir, tmp_path / "out")
    assert summary["data_version"] == "v3"
    assert set(summary["categories"]) == {"simple_python", "simple_java", "irrelevance"}
    path = at(tmp_path / "out", summary["categories"]["simple_python"]["score_file"])
    assert path == (run_dir / "score" / MODEL / "BFCL_v3_simple_score.json").resolve()
    for line in read_lines(path)[1:]:
        assert line["test_category"] == "simple" and line["id"].startswith("simple_")
    for line in read_lines(at(tmp_path / "out", summary["categories"]["irrelevance"]["score_file"]))[1:]:
        assert list(line)[4:6] == ["error", "error_type"]  # BFCL v3's key order for (ir)relevance
    with (run_dir / "score" / "data_non_live.csv").open(encoding="utf-8") as handle:
        assert "Non_Live Overall Acc" in next(csv.reader(handle))


def test_entries_generate_never_sent_are_failures_and_said_so(demo_copy: Path, tmp_path: Path) -> None:
    """Lines ``toolgrad-eval generate`` wrote because the server could not be reached fail, as BFCL
    fails an ``Error during inference`` line; the run says how many and which, so a score missing
    answers is not taken for the model's. A refused request (the server's answer) is not counted."""
    from toolgrad_eval.generate.resultfile import REQUEST, TRANSPORT, error_line

    before, _ = run(demo_copy, tmp_path / "before")
    path = result_file(demo_copy, "simple_python")
    lines = read_lines(path)
    unsent = [lines[0]["id"], lines[1]["id"]]
    lines[0] = error_line(lines[0]["id"], "HTTP 503: overloaded", TRANSPORT)
    lines[1] = error_line(lines[1]["id"], "timed out", TRANSPORT)
    lines[2] = error_line(lines[2]["id"], "HTTP 400: context length exceeded", REQUEST)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    after, echoed = run(demo_copy, tmp_path / "after")
    said = [w for w in after["warnings"] if "never reached the model" in w]
    assert len(said) == 1 and "2 entries" in said[0] and all(i in said[0] for i in unsent)
    assert lines[2]["id"] not in said[0]
    assert any("never reached the model" in line for line in echoed)
    correct = before["categories"]["simple_python"]["correct_count"]
    assert after["categories"]["simple_python"]["correct_count"] <= correct - 2 < correct
