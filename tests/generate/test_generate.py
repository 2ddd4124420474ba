"""End to end: generate from a fake model server whose accuracy is planned, then score with no flag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.fake_model import FakeModel, mistake, planned_accuracy
from toolgrad_eval.bfcl.categories import SINGLE_TURN
from toolgrad_eval.bfcl.runner import run_bfcl
from toolgrad_eval.cli.main import main
from toolgrad_eval.generate.runner import GenerateOptions, generate
from toolgrad_eval.generate.settings import read_settings, scoring_format

PYTHON_CATEGORIES = tuple(c for c in SINGLE_TURN if c not in ("simple_java", "simple_javascript"))


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _score(run: Path, folder: str, data: Path, out: Path) -> dict:
    return run_bfcl(run, folder, out, bfcl_data=data, echo=lambda *_: None)


@pytest.mark.parametrize("mode, categories", [("fc", SINGLE_TURN), ("prompt", PYTHON_CATEGORIES)])
def test_generated_run_scores_the_planned_accuracy(model_env, bfcl_data, mode, categories):
    with FakeModel(bfcl_data, every=4) as server:
        summary = generate(
            GenerateOptions(
                model="org/tiny-model",
                dataset=model_env / "run",
                mode=mode,
                categories=categories,
                base_urls=(server.base_url,),
                bfcl_data=bfcl_data,
                num_process=4,
            ),
            echo=lambda *_: None,
        )
        requests = server.requests
    assert summary["folder"] == "org_tiny-model"
    assert summary["sent"] == len(requests) == sum(planned_accuracy(bfcl_data, c, 4)[1] for c in categories)
    assert summary["errors"] == 0 and summary["incomplete_categories"] == []
    assert {r["json"]["model"] for r in requests} == {"org/tiny-model"}
    if mode == "fc":
        assert all("tools" in r["json"] for r in requests)
        assert all(r["json"]["messages"][0]["role"] != "system" for r in requests)
        names = {t["function"]["name"] for r in requests for t in r["json"]["tools"]}
        assert names and not any("." in n for n in names)  # dots replaced, as BFCL does for FC models
    else:
        assert all("tools" not in r["json"] and r["json"]["messages"][0]["role"] == "system" for r in requests)
    settings = read_settings(model_env / "run" / "result" / "org_tiny-model")
    assert settings is not None and settings.mode == mode and settings.invocations[-1].sent == summary["sent"]

    scored = _score(model_env / "run", "org_tiny-model", bfcl_data, model_env / "out")
    assert scored["generation"]["mode"] == mode
    for category in categories:
        correct, total = planned_accuracy(bfcl_data, category, 4)
        assert scored["categories"][category]["correct_count"] == correct, category
        assert scored["categories"][category]["total_count"] == total
    planned_wrong = sum(total - correct for correct, total in (planned_accuracy(bfcl_data, c, 4) for c in categories))
    assert planned_wrong > 5  # the plan does make mistakes, in several categories


def test_result_lines_have_the_official_shape_in_the_v4_layout(model_env, bfcl_data):
    with FakeModel(bfcl_data, every=0) as server:
        generate(
            GenerateOptions(
                model="m",
                dataset=model_env / "run",
                categories=("simple_python", "live_simple"),
                base_urls=(server.base_url,),
                bfcl_data=bfcl_data,
            ),
            echo=lambda *_: None,
        )
    model_dir = model_env / "run" / "result" / "m"
    simple = _lines(model_dir / "non_live" / "BFCL_v4_simple_python_result.json")
    live = _lines(model_dir / "live" / "BFCL_v4_live_simple_result.json")
    assert [r["id"] for r in simple] == [f"simple_python_{i}" for i in range(len(simple))]  # data order once complete
    for row in simple + live:
        assert set(row) == {"id", "result", "input_token_count", "output_token_count", "latency"}
        assert row["input_token_count"] > 0 and row["output_token_count"] > 0 and row["latency"] >= 0
        ((name, arguments),) = row["result"][0].items()
        assert isinstance(arguments, str) and isinstance(json.loads(arguments), dict)  # JSON text, as OpenAI sends it
        assert "." not in name


def test_v3_layout_is_flat_with_v3_names(model_env, bfcl_data, tmp_path):
    v3 = tmp_path / "v3data"
    (v3 / "possible_answer").mkdir(parents=True)
    for name, v3name in (("simple_python", "simple"), ("irrelevance", "irrelevance")):
        (v3 / f"BFCL_v3_{v3name}.json").write_text((bfcl_data / f"BFCL_v4_{name}.json").read_text())
        answers = bfcl_data / "possible_answer" / f"BFCL_v4_{name}.json"
        if answers.exists():
            (v3 / "possible_answer" / f"BFCL_v3_{v3name}.json").write_text(answers.read_text())
    with FakeModel(bfcl_data, every=3) as server:
        code = main(
            [
                "generate",
                "--model",
                "m3",
                "--dataset",
                "run",
                "--bfcl-version",
                "v3",
                "--categories",
                "simple,irrelevance",
                "--base-url",
                server.base_url,
                "--bfcl-data",
                str(v3),
            ]
        )
    assert code == 0
    files = sorted(p.name for p in (model_env / "run" / "result" / "m3").iterdir())
    assert files == ["BFCL_v3_irrelevance_result.json", "BFCL_v3_simple_result.json", "toolgrad-generate.json"]
    scored = _score(model_env / "run", "m3", v3, model_env / "out")
    assert scored["data_version"] == "v3"
    assert scored["categories"]["simple_python"]["correct_count"] == planned_accuracy(bfcl_data, "simple_python", 3)[0]


def test_scoring_reads_the_mode_from_the_settings_file(model_env, bfcl_data):
    with FakeModel(bfcl_data, every=0) as server:
        generate(
            GenerateOptions(
                model="m",
                dataset=model_env / "run",
                mode="prompt",
                categories=("simple_python",),
                base_urls=(server.base_url,),
                bfcl_data=bfcl_data,
            ),
            echo=lambda *_: None,
        )
    model_dir = model_env / "run" / "result" / "m"
    settings = read_settings(model_dir)
    assert settings is not None and scoring_format(settings) == ("python", False)
    fc = json.loads((model_dir / "toolgrad-generate.json").read_text())
    fc["mode"], fc["dots_to_underscores"], fc["system_prompt"] = "fc", True, None
    (model_dir / "toolgrad-generate.json").write_text(json.dumps(fc))
    assert scoring_format(read_settings(model_dir)) == ("openai-fc", True)
    # Text read as function-calling output is not a call: the settings file decides the reading.
    scored = _score(model_env / "run", "m", bfcl_data, model_env / "out")
    assert scored["formats"]["simple_python"] == "openai-fc"
    assert scored["categories"]["simple_python"]["correct_count"] == 0


def test_empty_and_refused_replies_are_results_not_errors(model_env, bfcl_data):
    from support.fake_openai import Reply

    with FakeModel(bfcl_data, every=0) as server:
        server.script([Reply.content("")] * 8)
        summary = generate(
            GenerateOptions(
                model="m",
                dataset=model_env / "run",
                categories=("simple_python",),
                base_urls=(server.base_url,),
                bfcl_data=bfcl_data,
                num_process=1,
            ),
            echo=lambda *_: None,
        )
    rows = _lines(model_env / "run" / "result" / "m" / "non_live" / "BFCL_v4_simple_python_result.json")
    assert summary["errors"] == 0 and [r["result"] for r in rows] == [""] * 8
    assert mistake("simple_python_0", 0) == "right"
