"""A judge endpoint that echoes the request's key back in its verdict (a careless proxy, a hostile
server) must not get the key into the cache, the run record, the report or the terminal."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from support.fake_openai import FakeOpenAI
from toolgrad5k.builders import KEY, SECRET, DatasetBuilder, run_main
from toolgrad_eval.cli.main import main


@pytest.fixture
def echoing(monkeypatch, tmp_path):
    server = FakeOpenAI(echo_auth=True).start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.chdir(tmp_path)
    yield server
    server.stop()


def _files_holding(root: Path, needle: str) -> list[Path]:
    forms = {needle.encode(), base64.b64encode(needle.encode()), json.dumps(needle).encode()}
    return [p for p in root.rglob("*") if p.is_file() and any(f in p.read_bytes() for f in forms)]


def test_an_echoed_key_reaches_no_file_and_no_output(echoing, tmp_path, capsys):
    builder = DatasetBuilder(tmp_path / "ToolGrad-5k")
    for i in range(3):
        builder.sample(f"s{i}", {"a": {}}).prediction("m1", f"s{i}", {"intermediate_steps": [], KEY: f"answer {i}"})
    code, summary = run_main(builder.finish())
    assert code == 0 and summary["n_qor"] == 3 and summary["judge_requests"] == 3
    # The verdict was received and used: the echo really happened, and was redacted.
    reasons = [json.loads(line)["judge_reason"] for line in Path("out/per_sample.jsonl").read_text().splitlines()]
    assert all("Authorization: Bearer ***" in r and "key=***" in r and "again=***" in r for r in reasons), reasons

    assert main(["report", "--runs", "out", "--out", "site"]) == 0
    # A re-run reads the verdicts back from the cache: still no key.
    assert run_main(builder.finish(), out="out2")[0] == 0
    for root in ("out", "out2", "cache", "site"):
        assert _files_holding(tmp_path / root, SECRET) == [], root
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err


def test_a_key_echoed_in_error_replies_reaches_no_file_and_no_output(echoing, tmp_path, capsys):
    """The endpoint refuses every request and its error message repeats the key (as a proxy's
    "Incorrect API key provided: ..." does), plus an upstream key of its own that we never configured."""
    from support.fake_openai import Reply

    upstream = "sk-proj-UPSTREAMupstream0123456789"
    message = f"Incorrect API key provided: {SECRET}. Authorization: Bearer {SECRET}; upstream {upstream}"
    echoing.script([Reply.status(400, message=message)] * 3)
    builder = DatasetBuilder(tmp_path / "ToolGrad-5k")
    for i in range(3):
        builder.sample(f"s{i}", {"a": {}}).prediction("m1", f"s{i}", {"intermediate_steps": [], KEY: f"answer {i}"})
    assert run_main(builder.finish())[0] == 4  # every judgment failed: partial, and the first error is printed
    assert echoing.count("/v1/chat/completions") == 3  # the errors were really received
    errors = [
        json.loads(line).get("judge_error") or "" for line in Path("out/per_sample.jsonl").read_text().splitlines()
    ]
    assert len(errors) == 3 and all("provided: ***." in e and "upstream sk-***" in e for e in errors), errors
    assert main(["report", "--runs", "out", "--out", "site"]) == 0
    for root in ("out", "cache", "site"):
        for needle in (SECRET, upstream):
            assert _files_holding(tmp_path / root, needle) == [], (root, needle)
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err and upstream not in captured.out + captured.err
