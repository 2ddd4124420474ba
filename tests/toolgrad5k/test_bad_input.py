"""Bad input: one clear line naming the file; per-sample problems recorded, the run goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolgrad5k.builders import KEY, call
from toolgrad_eval.cli.main import main


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)


STORED = {"tool_accuracy": {"precision": 1.0, "recall": 1.0}, "success_rate": 1.0, "qor": 90}


def run(dataset: Path, model: str = "m1") -> int:
    return main(["--pred_model", model, "--dataset", str(dataset), "--output", "out", "--cache-dir", "cache"])


def per_sample() -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, Path("out/per_sample.jsonl").read_text().splitlines())}


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_missing_test_txt_stops_the_run(builder, capsys):
    builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"eval": STORED})
    (builder.root / "sft_data").mkdir(parents=True, exist_ok=True)  # no test.txt
    builder.root.joinpath("sft_data", "x").write_text("")
    assert run(builder.root) == 2
    line = one_error_line(capsys)
    assert "not a ToolGrad-5k dataset" in line and str(builder.root) in line


def test_missing_dataset_folder(tmp_path, capsys):
    assert run(tmp_path / "nope") == 2
    assert "dataset folder not found" in one_error_line(capsys)


def test_empty_test_txt_stops_the_run(builder, capsys):
    dataset = builder.finish()
    (dataset / "sft_data" / "test.txt").write_text("\n  \n")
    assert run(dataset) == 2
    assert "test.txt: no test ids" in one_error_line(capsys)


def test_unknown_model_stops_the_run(builder, capsys):
    builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"eval": STORED})
    assert run(builder.finish(), model="nobody") == 2
    line = one_error_line(capsys)
    assert "no predictions for model 'nobody'" in line and "m1" in line


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (None, "no prediction file for test id 'bad'"),
        ("{not json", "malformed JSON"),
        ([1, 2], "a prediction must be a JSON object, got a list"),
        ({"intermediate_steps": "oops", KEY: "x"}, '"intermediate_steps" must be a list, got a string'),
        (
            {"intermediate_steps": [["only one"]], KEY: "x"},
            "intermediate_steps[0] must be an [action, observation] pair",
        ),
        ({"intermediate_steps": [[{"tool": ["x"]}, {}]], KEY: "x"}, '"tool" must be a name, got a list'),
        ({"intermediate_steps": [[{"name": "x"}, {}]], KEY: "x"}, 'the action must be an object with a "tool"'),
        ({"intermediate_steps": [], KEY: 42}, "must be a string, got a number"),
        ({"intermediate_steps": []}, "missing the response key 'response-unbiased-gpt-4.1-mini'"),
        ({"eval": {"qor": "great"}}, '"eval.qor" must be a number, got a string'),
        ("[" * 100000 + "]" * 100000, "nesting deeper than"),
    ],
)
def test_bad_prediction_is_recorded_for_that_sample_and_the_run_goes_on(builder, capsys, body, problem):
    builder.sample("good", {"a": {}}).prediction("m1", "good", {"eval": STORED})
    builder.sample("bad", {"a": {}})
    if body is not None:
        builder.prediction("m1", "bad", body)
    assert run(builder.finish()) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and problem in warnings[0]
    assert str(builder.root / "prediction" / "m1" / "method=embedding" / "bad.json") in warnings[0]
    summary = json.loads(Path("out/summary.json").read_text())
    assert summary["n_input_errors"] == 1 and summary["qor"] == 90  # the good sample still counts
    assert problem in per_sample()["bad"]["input_error"]


@pytest.mark.parametrize(
    ("pos_tools", "problem"),
    [
        ("a,b", '"pos_tools" must be an object or a list, got a string'),
        ([{"x": 1}], '"pos_tools" list items must be tool names'),
    ],
)
def test_bad_metadata_is_recorded_for_that_sample(builder, capsys, pos_tools, problem):
    builder.sample("good", {"a": {}}).prediction("m1", "good", {"eval": STORED})
    builder.sample("bad", pos_tools).prediction(
        "m1", "bad", {"intermediate_steps": [call("a")], KEY: "x", "eval": {"qor": 50}}
    )
    assert run(builder.finish()) == 0
    assert problem in capsys.readouterr().err
    assert "metadata/bad.json" in per_sample()["bad"]["input_error"]


def test_duplicate_and_blank_test_ids_count_once(builder, capsys):
    builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"eval": STORED})
    dataset = builder.finish()
    (dataset / "sft_data" / "test.txt").write_text(" s1 \n\ns1\n")
    assert run(dataset) == 0
    assert "duplicate test id 's1'" in capsys.readouterr().err
    assert json.loads(Path("out/summary.json").read_text())["n_samples"] == 1


def test_only_listed_test_ids_count(builder):
    builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"eval": STORED})
    builder.prediction("m1", "unlisted", {"eval": {**STORED, "qor": 0}})
    assert run(builder.finish()) == 0
    assert list(per_sample()) == ["s1"]


def test_control_characters_in_ids_are_escaped_on_the_terminal(builder, capsys):
    builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"eval": STORED})
    dataset = builder.finish()
    (dataset / "sft_data" / "test.txt").write_text("s1\nevil\x1b[2Jid\n")
    assert run(dataset) == 0
    err = capsys.readouterr().err
    assert "\x1b" not in err and "evil\\x1b[2Jid" in err


def test_compare_model_equal_to_pred_model_is_one_clear_line(builder, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    builder.sample("s1", {"a": {}})
    builder.prediction(
        "m1", "s1", {"eval": {"tool_accuracy": {"precision": 1, "recall": 1}, "success_rate": 1, "qor": 77}}
    )
    code = main(["--pred_model", "m1", "--dataset", str(builder.finish()), "--compare_model", "m1", "--output", "out"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--compare_model" in err[0]


def test_stored_verdicts_do_not_hide_missing_or_broken_data_and_metadata(builder, judge_env):
    for sid in ("ok", "no-data", "bad-data", "no-metadata"):
        builder.sample(sid, {"a": {}}).prediction("m1", sid, {"eval": STORED})
    dataset = builder.finish()
    (dataset / "data" / "no-data.json").unlink()
    (dataset / "data" / "bad-data.json").write_text("{broken")
    next(dataset.glob("sft_data/*/metadata/no-metadata.json")).unlink()
    assert run(dataset) == 0
    s = json.loads(Path("out/summary.json").read_text())
    assert s["n_input_errors"] == 3 and s["stored_verdicts"] == 1 and s["qor"] == 90
    errors = {sid: r["input_error"] for sid, r in per_sample().items()}
    assert errors["ok"] is None
    assert "no-data.json" in errors["no-data"] and "bad-data.json: malformed JSON" in errors["bad-data"]
    assert "metadata/no-metadata.json: file not found" in errors["no-metadata"]
    assert judge_env.count("/v1/chat/completions") == 0
