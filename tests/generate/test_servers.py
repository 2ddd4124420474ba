"""Faults and replicas: 429s, 5xx and stalls are retried; several --base-url share the work, a
failing replica is retried elsewhere and rested; a refused key stops the run at once."""

from __future__ import annotations

import json
import socket

import pytest

from support.fake_model import FakeModel, planned_accuracy
from support.fake_openai import Reply
from toolgrad_eval.bfcl.runner import run_bfcl
from toolgrad_eval.generate.runner import GenerateOptions, generate
from toolgrad_eval.generate.sender import GenerateAborted, SendSettings

FAST = SendSettings(timeout=1.0, max_attempts=4, backoff_base=0.01, backoff_max=0.05)
CATEGORIES = ("simple_python", "multiple", "parallel", "irrelevance")


def _options(root, data, urls, **extra):
    return GenerateOptions(
        model="m",
        dataset=root / "run",
        categories=CATEGORIES,
        base_urls=tuple(urls),
        bfcl_data=data,
        **{"num_process": 4, "send": FAST, **extra},
    )


def _check_planned(root, data):
    scored = run_bfcl(root / "run", "m", root / "out", bfcl_data=data, echo=lambda *_: None)
    for category in CATEGORIES:
        assert scored["categories"][category]["correct_count"] == planned_accuracy(data, category, 5)[0], category


def test_429_5xx_and_stalls_are_retried_and_change_no_result(model_env, bfcl_data):
    total = sum(planned_accuracy(bfcl_data, c, 5)[1] for c in CATEGORIES)
    with FakeModel(bfcl_data) as server:
        server.script(
            [Reply.status(429, retry_after=0.01)] * 6
            + [Reply.status(500), Reply.status(503), Reply.stall(3.0), Reply.drop()]
        )
        summary = generate(_options(model_env, bfcl_data, [server.base_url]), echo=lambda *_: None)
        requests = server.count("/v1/chat/completions")
    assert summary["errors"] == 0 and summary["sent"] == total
    assert requests == total + 10 == summary["http_requests"]  # every fault cost one more request, no more
    # 429s neither count as served nor rest the server; the 5xx, the stall and the drop are failures
    assert [(s["served"], s["failures"]) for s in summary["servers"]] == [(total, 4)]
    _check_planned(model_env, bfcl_data)


def test_sustained_429s_lower_the_concurrency(model_env, bfcl_data):
    with FakeModel(bfcl_data, fault_rate=0.5, fault=Reply.status(429, retry_after=0.01), seed=3) as server:
        summary = generate(_options(model_env, bfcl_data, [server.base_url], num_process=8), echo=lambda *_: None)
        requests = server.count("/v1/chat/completions")
    assert summary["errors"] == 0 and requests > summary["sent"]
    _check_planned(model_env, bfcl_data)


def _dead_url() -> str:
    with socket.socket() as sock:  # a port nobody listens on: connections are refused
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def test_replicas_share_the_work_and_a_dead_one_is_rested(model_env, bfcl_data):
    total = sum(planned_accuracy(bfcl_data, c, 5)[1] for c in CATEGORIES)
    dead = _dead_url()
    with FakeModel(bfcl_data) as one, FakeModel(bfcl_data) as two:
        urls = one.base_url, two.base_url
        options = _options(
            model_env,
            bfcl_data,
            [urls[0], dead, urls[1]],
            send=SendSettings(timeout=1.0, max_attempts=4, backoff_base=0.01, backoff_max=0.05, rest_seconds=600),
        )
        summary = generate(options, echo=lambda *_: None)
        counts = one.count("/v1/chat/completions"), two.count("/v1/chat/completions")
    assert summary["errors"] == 0 and sum(counts) == total and min(counts) > 0
    served = {s["url"]: s for s in summary["servers"]}
    assert served[urls[0]]["served"] == counts[0] and served[urls[1]]["served"] == counts[1]
    assert served[dead]["served"] == 0
    # Resting: the dead replica got only requests sent before its first failure came back (at most one
    # per request in flight), not a third of the entries.
    assert 1 <= served[dead]["failures"] <= 4 < total / 3
    settings = json.loads((model_env / "run" / "result" / "m" / "toolgrad-generate.json").read_text())
    assert settings["invocations"][-1]["servers"] == summary["servers"]
    _check_planned(model_env, bfcl_data)


def test_a_refused_key_stops_at_once_keeping_what_was_received(model_env, bfcl_data):
    with FakeModel(bfcl_data) as server:
        server.script([Reply.status(401, message="bad key sk-test-generate-0123456789")])
        with pytest.raises(GenerateAborted, match="model server endpoint refused the request") as caught:
            generate(_options(model_env, bfcl_data, [server.base_url], num_process=1), echo=lambda *_: None)
        assert server.count("/v1/chat/completions") <= 2
    assert "0123456789" not in str(caught.value)  # the key is never echoed


def test_no_server_is_one_clear_error(model_env, bfcl_data, monkeypatch):
    from toolgrad_eval.cli.main import main

    monkeypatch.delenv("OPENAI_API_KEY")
    assert main(["generate", "--model", "m", "--dataset", "run", "--bfcl-data", str(bfcl_data)]) == 2
