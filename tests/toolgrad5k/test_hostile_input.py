"""Hostile or odd input never crashes a run, never corrupts output, and scores like the reference."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.fake_openai import FakeOpenAIProcess, Reply
from toolgrad5k.builders import KEY, call, read_rows as rows, run_main as run
from toolgrad_eval.cli.main import main

STORED = {"tool_accuracy": {"precision": 0.5, "recall": 1.0}, "success_rate": 0.25, "qor": 40}
CHAT = "/v1/chat/completions"


def test_complete_stored_verdict_is_used_whatever_shape_the_trace_has(builder, judge_env):
    # the reference never reads the trace of a sample whose stored verdict is complete
    builder.sample("s1", {"a": {}}).prediction(
        "m1", "s1", {"intermediate_steps": "garbage", KEY: {"x": 1}, "eval": STORED}
    )
    builder.sample("s2", {"a": {}}).prediction(
        "m1", "s2", {"intermediate_steps": [[{"tool": "a"}, {"error": ""}, "extra"]], KEY: None, "eval": STORED}
    )
    code, s = run(builder.finish())
    assert (
        code == 0 and s["n_input_errors"] == 0 and s["qor"] == 40 and s["recall"] == 1.0 and s["stored_verdicts"] == 2
    )


def test_tool_names_that_are_not_strings_count_like_the_reference(builder, judge_env):
    # a numeric tool name goes into the set of called tools: it lowers precision, not recall
    builder.sample("s1", {"a": {}}, query="FAKE_SCORE=50")
    builder.prediction(
        "m1", "s1", {"intermediate_steps": [call("a"), [{"tool": 7}, {"error": ""}, "ignored"]], KEY: "x"}
    )
    code, s = run(builder.finish())
    assert code == 0 and s["recall"] == 1.0 and s["precision"] == 0.5 and s["qor"] == 50


def test_lone_surrogates_in_model_output_and_judge_reply_do_not_break_writing(builder, judge_env):
    builder.sample("s1", {"a": {}}, query="q \\ud83d FAKE_SCORE=60")
    builder.write(
        "prediction/m1/method=embedding/s1.json", '{"intermediate_steps": [], "%s": "bad \\ud83d answer"}' % KEY
    )
    judge_env.script(
        [Reply.content('{"num_requests": 1, "reason": "odd \\ud83d", "response_scores": [60], "final_score": 60}')]
    )
    code, s = run(builder.finish())
    assert code == 0 and s["qor"] == 60
    row = rows()["s1"]
    assert row["response"] == "bad \ufffd answer" and row["judge_reason"] == "odd \ufffd"
    _, again = run(builder.root)
    assert again["judge_requests"] == 0  # the reply was cached despite the surrogate


def test_huge_numbers_become_sample_problems_not_crashes(builder, judge_env):
    builder.sample("s1", {"a": {}})
    builder.write(
        "prediction/m1/method=embedding/s1.json",
        '{"intermediate_steps": [[{"tool": "a", "tool_input": %s}, {"error": ""}]], "%s": "x"}' % ("9" * 5000, KEY),
    )
    builder.sample("s2", {"a": {}}).prediction("m1", "s2", {"eval": {**STORED, "qor": 10**400}})
    builder.sample("s3", {"a": {}}).prediction("m1", "s3", {"intermediate_steps": [], KEY: "x"})
    judge_env.script(
        [Reply.content('{"num_requests": 1, "reason": "r", "response_scores": [1], "final_score": 1%s}' % ("0" * 400))]
        * 3
    )
    code, s = run(builder.finish())
    assert code == 4 and s["n_input_errors"] == 2 and s["n_judge_errors"] == 1  # the only judgment failed: partial
    r = rows()
    assert "unreadable JSON value" in r["s1"]["input_error"]
    assert "too large" in r["s2"]["input_error"]
    assert "final_score is not a number" in r["s3"]["judge_error"]


def test_compare_with_nothing_to_pair_records_nulls_not_a_crash(builder, judge_env):
    builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"eval": STORED}).prediction("m2", "s1", {"error": "boom"})
    code, s = run(builder.finish(), "--compare_model", "m2")
    assert code == 0
    sr = s["compare"]["tests"]["success_rate"]
    assert sr["n"] == 0 and sr["mean_diff"] is None and sr["p_value"] is None
    assert s["compare"]["model"] == "m1" and s["compare"]["compare_model"] == "m2"
    assert s["compare"]["tests"]["qor"]["mean_diff"] == 40  # m1 minus m2


def test_missing_compare_model_stops_before_any_request(builder, judge_env, capsys):
    builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"intermediate_steps": [], KEY: "x"})
    code, _ = run(builder.finish(), "--compare_model", "ghost")
    assert code == 2 and judge_env.count(CHAT) == 0
    assert "no predictions for model 'ghost'" in capsys.readouterr().err
    assert not Path("out").exists()


@pytest.mark.parametrize("where", ["output", "cache"])
def test_unusable_output_or_cache_folder_is_one_line_before_judging(builder, judge_env, capsys, where):
    builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"intermediate_steps": [], KEY: "x"})
    Path("a-file").write_text("not a folder")
    args = ["--pred_model", "m1", "--dataset", str(builder.finish()), "--output", "out", "--cache-dir", "cache"]
    args[args.index("--" + ("output" if where == "output" else "cache-dir")) + 1] = "a-file/sub"
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "a-file/sub" in err[0] and judge_env.count(CHAT) == 0


@pytest.mark.parametrize("needs_judge", [True, False])
def test_damaged_cache_database_is_one_line(builder, judge_env, capsys, needs_judge):
    if needs_judge:
        builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"intermediate_steps": [], KEY: "x"})
    else:
        builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"eval": STORED})
    Path("cache").mkdir()
    Path("cache/cache.db").write_bytes(os.urandom(4096))
    code, _ = run(builder.finish())
    err = capsys.readouterr().err.strip().splitlines()
    if needs_judge:  # one line, and no request sent that could not be cached
        assert code == 2 and len(err) == 1 and "judgment cache is damaged" in err[0]
        assert judge_env.count(CHAT) == 0
    else:  # a run that needs no judgment warns and goes on
        assert code == 0 and len(err) == 1 and err[0].startswith("warning: ") and "judgment cache is damaged" in err[0]


def test_cache_damaged_past_its_first_pages_is_one_line(builder, judge_env, capsys):
    for i in range(300):
        builder.sample(f"s{i:03d}", {"a": {}}, query=f"q{i} " + "x" * 300)
        builder.prediction("m1", f"s{i:03d}", {"intermediate_steps": [call("a")], KEY: f"answer {i} " + "y" * 300})
    data = builder.finish()
    code, _ = run(data, "--num_process", "8")
    assert code == 0 and judge_env.count(CHAT) == 300
    db = Path("cache/cache.db")
    assert db.stat().st_size > 40 * 4096  # the WAL was checkpointed into the file when the cache closed
    with db.open("r+b") as f:  # garbage in the middle: opening works, reading entries does not
        f.seek(20 * 4096)
        f.write(os.urandom(8 * 4096))
    capsys.readouterr()
    code, _ = run(data, "--overwrite", out="out2")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "judgment cache is damaged" in err[0], err


def test_a_cache_that_cannot_be_opened_is_not_called_damaged(builder, judge_env, capsys):
    builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"intermediate_steps": [], KEY: "x"})
    Path("cache/cache.db").mkdir(parents=True)  # sqlite cannot open a folder: not damage
    code, _ = run(builder.finish())
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "cannot use this folder for the judgment cache" in err[0], err
    assert "damaged" not in err[0] and judge_env.count(CHAT) == 0


def test_overwrite_that_cannot_keep_its_marker_is_one_line(builder, judge_env, capsys):
    builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"intermediate_steps": [], KEY: "x"})
    Path("cache").mkdir()
    Path("cache/overwrite-runs").write_text("a file where the marker folder goes")
    code, _ = run(builder.finish(), "--overwrite")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--overwrite keeps a marker there" in err[0] and judge_env.count(CHAT) == 0


def test_credentials_in_endpoint_urls_never_reach_the_record(builder, judge_env):
    builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"intermediate_steps": [], KEY: "x"})
    url = judge_env.base_url.replace("http://", "http://user:hunter2@")
    code, _ = run(builder.finish(), "--judge-endpoint", url, "--judge-endpoint", url.replace("127.0.0.1", "localhost"))
    assert code == 0
    for path in Path("out").iterdir():
        assert "hunter2" not in path.read_text(), path


def test_bom_in_test_txt_and_json_is_accepted(builder, judge_env):
    builder.sample("s1", {"a": {}})
    builder.write("prediction/m1/method=embedding/s1.json", "\ufeff" + json.dumps({"eval": STORED}))
    dataset = builder.finish()
    (dataset / "sft_data" / "test.txt").write_text("\ufeffs1\r\n", encoding="utf-8")
    code, s = run(dataset)
    assert code == 0 and s["n_input_errors"] == 0 and list(rows()) == ["s1"]


def test_a_fifo_is_refused_instead_of_hanging(builder, judge_env):
    builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"intermediate_steps": [], KEY: "x"})
    meta = builder.root / "sft_data" / "method=embedding" / "metadata" / "s1.json"
    meta.unlink()
    os.mkfifo(meta)
    code, s = run(builder.finish())
    assert code == 0 and "not a regular file" in rows()["s1"]["input_error"]


def test_ctrl_c_stops_at_once_and_keeps_finished_judgments(builder, tmp_path):
    for i in range(6):
        builder.sample(f"s{i}", {"a": {}}).prediction("m1", f"s{i}", {"intermediate_steps": [], KEY: f"x{i}"})
    dataset = builder.finish()
    log = tmp_path / "requests.jsonl"
    with FakeOpenAIProcess(tmp_path, "--latency", "120", "--request-log", str(log)) as server:
        env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "k"}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "toolgrad_eval",
                "--pred_model",
                "m1",
                "--dataset",
                str(dataset),
                "--output",
                str(tmp_path / "out"),
                "--cache-dir",
                str(tmp_path / "cache"),
                "--num_process",
                "3",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # A shell that started the test suite in the background leaves SIGINT ignored, and the
            # child would inherit that: give it the default disposition a terminal user has.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        # Signal once the three requests are in flight (the server logs each on arrival), not after
        # a fixed sleep: on a loaded machine the command may not have reached the judge yet.
        deadline = time.monotonic() + 60
        while _complete_lines(log) < 3:
            assert proc.poll() is None and time.monotonic() < deadline, "the run never reached the judge"
            time.sleep(0.05)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        elapsed = time.monotonic() - started
    assert proc.returncode == 130, err
    assert "Interrupted" in err and "Traceback" not in err
    # The judge answers after 120 s; stopping well before that proves in-flight requests were not
    # waited for, with a margin that machine load cannot eat.
    assert elapsed < 60, f"took {elapsed:.1f}s to stop: requests in flight were waited for"
    assert not (tmp_path / "out" / "summary.json").exists()  # no summary that looks complete


def _complete_lines(path: Path) -> int:
    """Lines the server has finished writing (a line being written has no newline yet)."""
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def test_a_zero_length_cache_database_is_damage_not_a_fresh_start(builder, judge_env, capsys):
    builder.sample("s1", {"a": {}}).prediction("m1", "s1", {"intermediate_steps": [], KEY: "x"})
    Path("cache").mkdir()
    Path("cache/cache.db").write_bytes(b"")
    code, _ = run(builder.finish())
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "empty (0 bytes)" in err[0] and judge_env.count(CHAT) == 0
    assert Path("cache/cache.db").stat().st_size == 0  # left as it was found
