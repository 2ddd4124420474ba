"""End to end: the main command against a real OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.fake_openai import Reply
from toolgrad5k.builders import KEY, SECRET, DatasetBuilder, call, read_rows as rows, run_main as run, tree_digest

CHAT = "/v1/chat/completions"


def hand_computed(builder: DatasetBuilder) -> Path:
    """Six samples covering every rule; expected values are worked out in the tests below."""
    b = builder
    b.sample("s1", {"a": {}, "b": {}}, query="first FAKE_SCORE=80")
    b.prediction("m1", "s1", {"intermediate_steps": [call("a"), call("b", "HTTP 500"), call("c")], KEY: "answer 1"})
    b.sample("s2", {"a": {}})
    b.prediction(
        "m1",
        "s2",
        {
            "intermediate_steps": [call("a")],
            KEY: "answer 2",
            "eval": {"tool_accuracy": {"precision": 0.25, "recall": 0.75}, "success_rate": 0.4, "qor": 130},
        },
    )
    b.sample("s3", {"a": {}})
    b.prediction("m1", "s3", {"error": "model crashed"})
    b.sample("s4", {"a": {}})
    b.prediction("m1", "s4", {})
    b.sample("s5", ["a", "b"], query="fifth FAKE_SCORE=150")  # list-shaped pos_tools; score clipped to 100
    b.prediction("m1", "s5", {"intermediate_steps": [call("a")], KEY: "answer 5"})
    b.sample("s6", {"a": {}}, query="sixth FAKE_SCORE=10")
    b.prediction("m1", "s6", {"intermediate_steps": [call("a", None)], KEY: "answer 6", "eval": {"qor": 60}})
    return b.finish()


def test_reproduces_hand_computed_metrics(builder, judge_env):
    dataset = hand_computed(builder)
    code, s = run(dataset, "--num_process", "4")
    assert code == 0
    assert s["recall"] == pytest.approx((1 + 0.75 + 0 + 0 + 0.5 + 1) / 6, abs=1e-12)
    assert s["precision"] == pytest.approx((2 / 3 + 0.25 + 0 + 0 + 1 + 1) / 6, abs=1e-12)
    # errored s3/s4 drop out of the Success Rate mean, as in the reference
    assert s["success_rate"] == pytest.approx((0.5 + 0.4 + 0.5 + 0.0) / 4, abs=1e-12)
    # stored QoR 130 is used unclipped (reference); fresh 150 is clipped to 100
    assert s["qor"] == pytest.approx((80 + 130 + 0 + 0 + 100 + 60) / 6, abs=1e-12)
    assert s["n_samples"] == 6 and s["n_success_rate"] == 4
    assert s["n_prediction_errors"] == 2 and s["n_judge_errors"] == 0
    assert s["judge_requests"] == 2 and judge_env.count(CHAT) == 2
    assert s["stored_verdicts"] == 2
    assert s["judge_model"] == "gpt-4.1" and s["judge_template"] == "qor-v1"
    r = rows()
    assert r["s1"]["qor"] == 80 and r["s1"]["verdict_source"] == "judge"
    assert r["s1"]["judge_reason"] == "fake judge: score 80"
    assert r["s3"]["success_rate"] is None and r["s3"]["prediction_error"] == "model crashed"
    assert r["s6"]["success_rate"] == 0.0  # error: null is a failed call


def test_strict_mode_counts_errored_predictions_as_zero(builder, judge_env):
    dataset = hand_computed(builder)
    code, s = run(dataset, "--strict")
    assert code == 0
    assert s["success_rate"] == pytest.approx(1.4 / 6, abs=1e-12)
    assert s["success_rate_mode"] == "strict"


def test_judge_request_is_strict_structured_output_at_temperature_zero(builder, judge_env):
    run(hand_computed(builder), "--judge", "my-judge")
    body = judge_env.requests[0]["json"]
    assert body["model"] == "my-judge"
    assert body["temperature"] == 0
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert set(body["response_format"]["json_schema"]["schema"]["required"]) == {
        "num_requests",
        "reason",
        "response_scores",
        "final_score",
    }
    user = body["messages"][-1]["content"]
    assert "<assistant_response>" in user and "the right answer" in user


def test_cached_rerun_sends_no_request_and_overwrite_rejudges(builder, judge_env):
    dataset = hand_computed(builder)
    _, first = run(dataset)
    assert judge_env.count(CHAT) == 2
    code, second = run(dataset)
    assert code == 0 and judge_env.count(CHAT) == 2
    assert second["judge_requests"] == 0 and second["cache_hits"] == 2
    assert second["qor"] == first["qor"]
    code, third = run(dataset, "--overwrite")
    # --overwrite ignores stored verdicts and the cache: s1, s2, s5, s6 are judged (s3, s4 errored)
    assert code == 0 and third["judge_requests"] == 4 and judge_env.count(CHAT) == 6
    assert third["stored_verdicts"] == 0
    assert rows()["s2"]["recall"] == 1.0  # recomputed, not the stored 0.75
    _, fourth = run(dataset)
    assert fourth["judge_requests"] == 0  # the re-judged verdicts replaced the cached ones


def test_ignore_stored_shows_an_earlier_overwrite_run_again_for_free(builder, judge_env):
    for sid in ("s1", "s2"):
        builder.sample(sid, {"a": {}}, query=f"question {sid} FAKE_SCORE=60")
        builder.prediction(
            "m1",
            sid,
            {
                "intermediate_steps": [call("a")],
                KEY: "x",
                "eval": {"tool_accuracy": {"precision": 1, "recall": 1}, "success_rate": 1, "qor": 90},
            },
        )
    dataset = builder.finish()
    code, rejudged = run(dataset, "--overwrite")
    assert code == 0 and rejudged["qor"] == 60 and judge_env.count(CHAT) == 2
    code, plain = run(dataset)  # stored verdicts are reused unless told otherwise, as in the reference
    assert (
        code == 0 and plain["qor"] == 90 and plain["stored_verdicts"] == 2 and plain["stored_verdicts_ignored"] is False
    )
    code, again = run(dataset, "--ignore-stored")
    assert code == 0 and again["qor"] == 60 and again["cache_hits"] == 2 and again["stored_verdicts"] == 0
    assert again["stored_verdicts_ignored"] is True and judge_env.count(CHAT) == 2  # no request: nothing paid twice


def test_fresh_parallel_run_sends_one_request_per_judgeable_sample(builder, judge_env):
    for i in range(40):
        builder.sample(f"t{i:02d}", {"a": {}}, query=f"q{i} FAKE_SCORE={i}")
        builder.prediction("m1", f"t{i:02d}", {"intermediate_steps": [call("a")], KEY: f"a{i}"})
    builder.sample("broken", {"a": {}})
    builder.prediction("m1", "broken", {"error": "no output"})
    dataset = builder.finish()
    judge_env.latency = 0.05
    code, s = run(dataset, "--overwrite", "--num_process", "16")
    assert code == 0
    assert s["judge_requests"] == 40 and judge_env.count(CHAT) == 40
    assert s["qor"] == pytest.approx((sum(range(40)) + 0) / 41)
    code, again = run(dataset)
    assert again["judge_requests"] == 0 and judge_env.count(CHAT) == 40 and again["cache_hits"] == 40


def _six_twins_and_two_others(builder):
    """Six ids with the same question and answer (one cache key: one request, five reuses) and
    two samples of their own."""
    for i in range(6):
        builder.sample(f"dup{i}", {"a": {}}, query="same question FAKE_SCORE=70")
        builder.prediction("m1", f"dup{i}", {"intermediate_steps": [call("a")], KEY: "same answer"})
    for i in range(2):
        builder.sample(f"own{i}", {"a": {}}, query=f"own question {i} FAKE_SCORE=30")
        builder.prediction("m1", f"own{i}", {"intermediate_steps": [call("a")], KEY: f"own answer {i}"})
    return builder.finish()


def test_samples_with_identical_prompts_are_judged_with_one_request(builder, judge_env):
    dataset = _six_twins_and_two_others(builder)
    judge_env.latency = 0.05
    code, s = run(dataset, "--num_process", "8")
    assert code == 0 and judge_env.count(CHAT) == 3 and s["judge_requests"] == 3
    assert s["n_qor"] == 8 and s["n_to_judge"] == 8 and s["cache_hits"] == 5
    assert {sid: r["qor"] for sid, r in rows().items()} == {**{f"dup{i}": 70 for i in range(6)}, "own0": 30, "own1": 30}
    code, s = run(dataset, "--overwrite", "--num_process", "8")
    assert code == 0 and judge_env.count(CHAT) == 6 and s["n_qor"] == 8
    judge_env.script([Reply.status(400, message="prompt too long")] + [Reply.ok()] * 2)
    code, s = run(dataset, "--overwrite", "--num_process", "1")  # the shared request fails: six judge errors
    assert code == 4 and judge_env.count(CHAT) == 9 and s["n_judge_errors"] == 6 and s["n_qor"] == 2
    assert s["partial"] is True and s["n_judged"] == 2 and s["n_needing_judgment"] == 8
    assert all("prompt too long" in rows()[f"dup{i}"]["judge_error"] for i in range(6))


def test_retries_429_and_500_then_scores(builder, judge_env):
    builder.sample("s1", {"a": {}}, query="FAKE_SCORE=70")
    builder.prediction("m1", "s1", {"intermediate_steps": [call("a")], KEY: "x"})
    judge_env.script([Reply.status(429, retry_after=0.05), Reply.status(500), Reply.drop()])
    code, s = run(builder.finish())
    assert code == 0 and s["qor"] == 70 and s["judge_requests"] == 4 and s["n_judge_errors"] == 0


def test_invalid_replies_become_a_counted_judge_error_not_a_zero(builder, judge_env):
    builder.sample("good", {"a": {}}, query="FAKE_SCORE=90")
    builder.prediction("m1", "good", {"intermediate_steps": [call("a")], KEY: "x"})
    builder.sample("bad", {"a": {}}, query="FAKE_SCORE=90")
    builder.prediction("m1", "bad", {"intermediate_steps": [call("a")], KEY: "y"})
    dataset = builder.finish()
    judge_env.script([Reply.content('{"final_score": "high"}'), Reply.malformed(), Reply.content("I give it 100")])
    code, s = run(dataset)  # one worker: the three invalid replies go to the first sample judged
    assert code == 4 and s["partial"] is True  # 1 of 2 failed: above the default 5%
    assert s["n_judge_errors"] == 1 and s["qor"] == 90 and s["n_qor"] == 1
    errored = [row for row in rows().values() if row["judge_error"]]
    assert len(errored) == 1 and errored[0]["qor"] is None and "invalid judge reply" in errored[0]["judge_error"]
    _, again = run(dataset)  # the failed one is asked again, the good one comes from the cache
    assert again["n_judge_errors"] == 0 and again["cache_hits"] == 1 and again["judge_requests"] == 1


def test_input_files_are_never_modified(builder, judge_env):
    dataset = hand_computed(builder)
    before = tree_digest(dataset)
    run(dataset)
    run(dataset, "--overwrite", "--num_process", "8")
    assert tree_digest(dataset) == before


def test_secret_key_never_reaches_outputs_or_cache(builder, judge_env, capsys):
    run(hand_computed(builder), "--num_process", "2")
    printed = capsys.readouterr()
    assert SECRET not in printed.out + printed.err
    for path in Path(".").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_a_key_echoed_in_an_endpoint_error_is_hidden(builder, judge_env, capsys):
    judge_env.script([Reply.status(400, message=f"bad request from key {SECRET} (Bearer {SECRET})")])
    code, s = run(hand_computed(builder), "--num_process", "1", "--max-judge-errors", "0.2")
    assert code == 0 and s["n_judge_errors"] == 1 and s["partial"] is False  # 1 of 6: within 20%
    assert "bad request from key *** (Bearer ***)" in [r for r in rows().values() if r["judge_error"]][0]["judge_error"]
    judge_env.script([Reply.status(401, message=f"Incorrect API key provided: {SECRET}")])
    code, _ = run(hand_computed(builder), "--overwrite", "--num_process", "1")
    printed = capsys.readouterr()
    assert code == 2 and "Incorrect API key provided: ***" in printed.err
    assert SECRET not in printed.out + printed.err
    for path in Path(".").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_stored_verdicts_need_no_api_key(builder, monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    builder.sample("s1", {"a": {}})
    builder.prediction(
        "m1", "s1", {"eval": {"tool_accuracy": {"precision": 1, "recall": 1}, "success_rate": 1, "qor": 77}}
    )
    code, s = run(builder.finish())
    assert code == 0 and s["qor"] == 77 and s["judge_requests"] == 0


def test_missing_key_when_judging_is_needed_is_one_clear_line(builder, monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    builder.sample("s1", {"a": {}})
    builder.prediction("m1", "s1", {"intermediate_steps": [], KEY: "x"})
    code, _ = run(builder.finish(), out="runs/m1")
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "OPENAI_API_KEY" in err
    assert not Path("runs").exists()  # a failed run leaves no empty output folder (nor its parent)


def test_rejected_key_aborts_with_one_line(builder, judge_env, capsys):
    builder.sample("s1", {"a": {}})
    builder.prediction("m1", "s1", {"intermediate_steps": [], KEY: "x"})
    judge_env.script([Reply.status(401)])
    code, _ = run(builder.finish())
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "401" in err[0]
    assert not Path("out").exists()
    Path("out").mkdir()  # a folder the user made is theirs: kept
    judge_env.script([Reply.status(401)])
    assert run(builder.finish())[0] == 2 and Path("out").is_dir()


def test_compare_model_pairs_by_sample_id(builder, judge_env):
    for sid, (r1, r2) in {"s1": (1.0, 0.0), "s2": (1.0, 0.5), "s3": (0.5, 0.5)}.items():
        builder.sample(sid, {"a": {}})
        for model, value in (("m1", r1), ("m2", r2)):
            builder.prediction(
                model,
                sid,
                {
                    "eval": {
                        "tool_accuracy": {"precision": 1, "recall": value},
                        "success_rate": value,
                        "qor": value * 100,
                    }
                },
            )
    builder.prediction("m2", "s1", {"error": "m2 failed on s1"})  # s1 drops from m2's Success Rate only
    code, s = run(builder.finish(), "--compare_model", "m2")
    assert code == 0
    tests = s["compare"]["tests"]
    assert tests["recall"]["n"] == 3 and tests["success_rate"]["n"] == 2  # paired by id, not by position
    from scipy.stats import ttest_rel

    expected = ttest_rel([1.0, 0.5], [0.5, 0.5])  # m1 minus m2 over s2, s3
    assert tests["success_rate"]["t_statistic"] == pytest.approx(expected.statistic)
    assert tests["success_rate"]["p_value"] == pytest.approx(expected.pvalue)
    assert tests["recall"]["mean_diff"] == pytest.approx((1.0 + 0.5 + 0.0) / 3)


def test_saved_cost_of_shared_verdicts_does_not_depend_on_num_process(builder, judge_env):
    dataset = _six_twins_and_two_others(builder)
    judge_env.latency = 0.05
    first = {n: run(dataset, "--overwrite", "--num_process", n, out=f"out{n}")[1] for n in ("1", "8")}
    assert first["1"]["cost_saved_usd"] == first["8"]["cost_saved_usd"] > 0
    code, cached = run(dataset, out="out-cached")  # every verdict from the cache now
    assert code == 0 and cached["judge_requests"] == 0
    # what the first run paid plus what its twins saved is what reusing all eight verdicts saves
    assert first["8"]["cost_usd"] + first["8"]["cost_saved_usd"] == pytest.approx(cached["cost_saved_usd"], abs=1e-6)
