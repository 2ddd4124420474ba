"""Resuming: kill -9 mid-run and run again sends only what is missing; torn lines and transport
errors are repaired; --overwrite regenerates; changed settings are refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.fake_model import FakeModel, FakeModelProcess, planned_accuracy
from toolgrad_eval.bfcl.runner import run_bfcl
from toolgrad_eval.errors import ConfigError
from toolgrad_eval.generate.runner import GenerateOptions, generate

CATEGORIES = ("simple_python", "multiple", "live_simple", "irrelevance")


def _result_ids(model_dir: Path) -> list[str]:
    ids = []
    for path in sorted(model_dir.rglob("BFCL_v4_*_result.json")):
        for line in path.read_bytes().split(b"\n"):
            try:
                ids.append(json.loads(line)["id"])
            except ValueError:
                pass
    return ids


def _logged(log: Path) -> list[str]:
    """The last user message of every whole chat request the server logged (a request whose body was
    cut off by the kill -9 is logged without one: it was never a request the model could answer)."""
    out = []
    for line in log.read_text().splitlines():
        record = json.loads(line)
        if record["path"] == "/v1/chat/completions" and record["json"] is not None:
            out.append(record["json"]["messages"][-1]["content"])
    return out


def _command(base_url: str, data: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "toolgrad_eval",
        "generate",
        "--model",
        "m",
        "--dataset",
        "run",
        "--base-url",
        base_url,
        "--bfcl-data",
        str(data),
        "--categories",
        ",".join(CATEGORIES),
        "--num_process",
        "2",
        *extra,
    ]


@pytest.mark.slow
def test_kill_9_then_the_same_command_sends_only_what_is_missing(model_env, bfcl_data):
    log = model_env / "requests.jsonl"
    total = sum(planned_accuracy(bfcl_data, c, 5)[1] for c in CATEGORIES)
    model_dir = model_env / "run" / "result" / "m"
    env = {**os.environ, "TOOLGRAD_EVAL_FULL_EXIT": "1"}
    with FakeModelProcess(
        model_env, "--data", str(bfcl_data), "--latency", "0.15", "--request-log", str(log)
    ) as server:
        first = subprocess.Popen(
            _command(server.base_url, bfcl_data), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 120
        while len(_result_ids(model_dir)) < 6 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait()
        kept = _result_ids(model_dir)
        assert 6 <= len(kept) < total, "the first run must be killed part way"
        sent_first = len(_logged(log))
        done = subprocess.run(
            _command(server.base_url, bfcl_data), env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
    sent_second = _logged(log)[sent_first:]
    # Exactly the entries without a line were sent again: none twice, none already answered.
    assert len(sent_second) == total - len(kept)
    assert not any(f"(question {entry_id})" in text for entry_id in kept for text in sent_second)
    final = _result_ids(model_dir)
    assert sorted(final) == sorted(set(final)) and len(final) == total
    scored = run_bfcl(model_env / "run", "m", model_env / "out", bfcl_data=bfcl_data, echo=lambda *_: None)
    for category in CATEGORIES:
        assert scored["categories"][category]["correct_count"] == planned_accuracy(bfcl_data, category, 5)[0]
        assert "issues" not in scored["categories"][category]


def test_a_torn_last_line_is_dropped_and_its_entry_sent_again(model_env, bfcl_data):
    options = GenerateOptions(
        model="m", dataset=model_env / "run", categories=("simple_python",), bfcl_data=bfcl_data, num_process=2
    )
    path = model_env / "run" / "result" / "m" / "non_live" / "BFCL_v4_simple_python_result.json"
    with FakeModel(bfcl_data) as server:
        generate(GenerateOptions(**{**options.__dict__, "base_urls": (server.base_url,)}), echo=lambda *_: None)
        lines = path.read_bytes().split(b"\n")
        path.write_bytes(b"\n".join(lines[:5]) + b"\n" + lines[5][:17])  # a crash while writing line 6
        server.reset()
        summary = generate(
            GenerateOptions(**{**options.__dict__, "base_urls": (server.base_url,)}), echo=lambda *_: None
        )
        assert server.count("/v1/chat/completions") == 3 == summary["sent"]  # entries 6, 7, 8
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"simple_python_{i}" for i in range(8)]


def test_transport_errors_are_recorded_then_sent_again_by_the_next_run(model_env, bfcl_data):
    from support.fake_openai import Reply
    from toolgrad_eval.generate.sender import SendSettings

    fast = SendSettings(timeout=5, max_attempts=2, backoff_base=0.01, backoff_max=0.02)
    base = dict(
        model="m",
        dataset=model_env / "run",
        categories=("simple_python",),
        bfcl_data=bfcl_data,
        num_process=1,
        send=fast,
    )
    path = model_env / "run" / "result" / "m" / "non_live" / "BFCL_v4_simple_python_result.json"
    with FakeModel(bfcl_data, every=0) as server:
        server.script([Reply.status(503), Reply.status(503), Reply.drop(), Reply.drop()])  # two entries fail twice
        first = generate(GenerateOptions(**base, base_urls=(server.base_url,)), echo=lambda *_: None)
        assert first["errors"] == 2
        errors = [json.loads(line) for line in path.read_text().splitlines() if "toolgrad_error" in line]
        assert len(errors) == 2 and all(e["result"].startswith("Error during inference: ") for e in errors)
        server.reset()
        second = generate(GenerateOptions(**base, base_urls=(server.base_url,)), echo=lambda *_: None)
        assert second["sent"] == 2 == server.count("/v1/chat/completions") and second["errors"] == 0
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 8 and not any("toolgrad_error" in r for r in rows)


def test_a_request_the_server_refuses_is_an_error_sent_again(model_env, bfcl_data):
    from support.fake_openai import Reply

    with FakeModel(bfcl_data, every=0) as server:
        server.script([Reply.status(400, message="prompt is longer than the context")])
        options = GenerateOptions(
            model="m",
            dataset=model_env / "run",
            categories=("simple_python",),
            base_urls=(server.base_url,),
            bfcl_data=bfcl_data,
            num_process=1,
        )
        first = generate(options, echo=lambda *_: None)
        assert first["errors"] == 1 and "prompt is longer than the context" in first["first_error"]
        server.reset()
        again = generate(options, echo=lambda *_: None)  # a failed entry is never an answer a resume skips
        assert again["sent"] == 1 == server.count() and again["errors"] == 0


def test_overwrite_regenerates_and_changed_settings_are_refused(model_env, bfcl_data):
    with FakeModel(bfcl_data) as server:
        base = dict(
            model="m",
            dataset=model_env / "run",
            categories=("simple_python",),
            base_urls=(server.base_url,),
            bfcl_data=bfcl_data,
        )
        generate(GenerateOptions(**base), echo=lambda *_: None)
        with pytest.raises(ConfigError, match="generated with other settings .*mode 'fc' -> 'prompt'"):
            generate(GenerateOptions(**base, mode="prompt"), echo=lambda *_: None)
        server.reset()
        summary = generate(GenerateOptions(**base, mode="prompt", overwrite=True), echo=lambda *_: None)
        assert summary["sent"] == 8 == server.count("/v1/chat/completions")
    path = model_env / "run" / "result" / "m" / "non_live" / "BFCL_v4_simple_python_result.json"
    assert all(isinstance(json.loads(line)["result"], str) for line in path.read_text().splitlines())


def test_result_files_of_another_tool_are_not_added_to(model_env, bfcl_data):
    path = model_env / "run" / "result" / "m" / "non_live" / "BFCL_v4_simple_python_result.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"id": "simple_python_0", "result": "[f()]"}\n')
    with pytest.raises(ConfigError, match="not made by toolgrad-eval generate"):
        generate(
            GenerateOptions(
                model="m",
                dataset=model_env / "run",
                categories=("simple_python",),
                base_urls=("http://127.0.0.1:9/v1",),
                bfcl_data=bfcl_data,
            ),
            echo=lambda *_: None,
        )
    assert path.read_text() == '{"id": "simple_python_0", "result": "[f()]"}\n'


def test_an_overwrite_stopped_after_its_first_reply_leaves_no_old_result_under_new_settings(model_env, bfcl_data):
    """--overwrite empties nothing before the first reply (a dead server leaves the old run whole),
    and every file at once when it comes: a stop then cannot leave results of the old settings
    that a resume with the new ones would take as done."""
    from support.fake_openai import Reply
    from toolgrad_eval.generate.sender import GenerateAborted

    base = dict(
        model="m",
        dataset=model_env / "run",
        categories=("simple_python", "irrelevance"),
        bfcl_data=bfcl_data,
        num_process=1,
    )
    model_dir = model_env / "run" / "result" / "m"
    with FakeModel(bfcl_data) as server:
        generate(GenerateOptions(**base, base_urls=(server.base_url,)), echo=lambda *_: None)
        before = {p: p.read_bytes() for p in model_dir.rglob("*.json")}
        server.reset()
        server.script([Reply.ok(), Reply.status(401)])
        with pytest.raises(GenerateAborted, match="1 replies are kept"):
            generate(GenerateOptions(**base, base_urls=(server.base_url,), mode="prompt", overwrite=True), echo=print)
    assert sorted(_result_ids(model_dir)) == ["simple_python_0"]  # the other file emptied too, not left old
    irrelevance = next(model_dir.rglob("BFCL_v4_irrelevance_result.json"))
    assert irrelevance.read_bytes() == b"" and before[irrelevance] != b""
    with FakeModel(bfcl_data) as server:
        again = generate(GenerateOptions(**base, base_urls=(server.base_url,), mode="prompt"), echo=lambda *_: None)
    assert again["sent"] == len(_result_ids(model_dir)) - 1 and again["errors"] == 0
