"""The fake server, driven through the real openai SDK over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from support.fake_openai import FakeOpenAI, FakeOpenAIProcess, Reply, default_score

import openai  # noqa: E402  (a runtime dependency: never skipped)

pytestmark = pytest.mark.compat  # http.server and the SDK, under every other test

JUDGE_SCHEMA = {
    "type": "object",
    "properties": {
        "num_requests": {"type": "integer"},
        "reason": {"type": "string"},
        "response_scores": {"type": "array", "items": {"type": "integer"}},
        "final_score": {"type": "integer"},
    },
    "required": ["num_requests", "reason", "response_scores", "final_score"],
    "additionalProperties": False,
}
JUDGE_FORMAT = {"type": "json_schema", "json_schema": {"name": "verdict", "strict": True, "schema": JUDGE_SCHEMA}}


def client_for(base_url: str, **kwargs) -> openai.OpenAI:
    # A short timeout so a broken fake fails the test instead of hanging it for the SDK's 10 minutes.
    kwargs = {"max_retries": 0, "timeout": 5.0, **kwargs}
    return openai.OpenAI(base_url=base_url, api_key="test-key", **kwargs)


def judge(client: openai.OpenAI, text: str = "judge this FAKE_SCORE=73", **kwargs):
    return client.chat.completions.create(
        model="gpt-4.1",
        temperature=0,
        response_format=JUDGE_FORMAT,
        messages=[{"role": "system", "content": "You are a judge."}, {"role": "user", "content": text}],
        **kwargs,
    )


def test_verdict_round_trip_with_strict_schema(fake_openai):
    completion = judge(client_for(fake_openai.base_url))
    verdict = json.loads(completion.choices[0].message.content)
    assert verdict == {"num_requests": 1, "reason": "fake judge: score 73", "response_scores": [73], "final_score": 73}
    assert completion.model == "gpt-4.1" and completion.object == "chat.completion"
    assert completion.choices[0].finish_reason == "stop"
    usage = completion.usage
    assert usage.prompt_tokens > 5 and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    [request] = fake_openai.requests
    assert request["method"] == "POST" and request["path"] == "/v1/chat/completions"
    assert request["json"]["temperature"] == 0 and request["json"]["response_format"] == JUDGE_FORMAT
    assert request["headers"]["authorization"] is True  # a flag, never the key itself
    assert "test-key" not in json.dumps(request)
    assert fake_openai.count("/v1/chat/completions") == 1 and fake_openai.count("/v1/files") == 0


def test_default_score_is_a_stable_hash_and_score_fn_overrides():
    request = {"messages": [{"role": "user", "content": "no marker"}]}
    assert default_score(request) == default_score(json.loads(json.dumps(request)))
    assert 0 <= default_score(request) <= 100
    custom = {"num_requests": 2, "reason": "r", "response_scores": [1, 2], "final_score": 2}
    with FakeOpenAI(score_fn=lambda req: custom) as server:
        content = judge(client_for(server.base_url)).choices[0].message.content
    assert json.loads(content) == custom


def test_keep_alive_reuses_one_connection(fake_openai):
    client = client_for(fake_openai.base_url)
    judge(client), judge(client)
    first, second = fake_openai.requests
    assert first["client_port"] == second["client_port"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"model": ""}, "model"),
        ({"messages": []}, "messages"),
        (
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {
                        "name": "v",
                        "strict": True,
                        "schema": {**JUDGE_SCHEMA, "additionalProperties": True},
                    },
                }
            },
            "additionalProperties",
        ),
        (
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "v", "strict": True, "schema": {**JUDGE_SCHEMA, "required": ["reason"]}},
                }
            },
            "required",
        ),
        ({"response_format": {"type": "yaml"}}, "response_format"),
    ],
)
def test_invalid_requests_get_openai_style_400(fake_openai, change, message):
    args = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "x"}], **change}
    with pytest.raises(openai.BadRequestError) as caught:
        client_for(fake_openai.base_url).chat.completions.create(**args)
    assert caught.value.status_code == 400 and message in caught.value.message
    assert caught.value.body["type"] == "invalid_request_error"


def test_missing_authorization_is_401(fake_openai):
    request = urllib.request.Request(
        f"{fake_openai.base_url}/chat/completions",
        method="POST",
        data=b'{"model": "m", "messages": []}',
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 401
    assert json.loads(caught.value.read())["error"]["code"] == "invalid_api_key"
    assert fake_openai.requests[0]["headers"]["authorization"] is False


def test_429_retry_after_reaches_the_sdk(fake_openai):
    fake_openai.script([Reply.status(429, retry_after=0.2)])
    with pytest.raises(openai.RateLimitError) as caught:
        judge(client_for(fake_openai.base_url))
    assert caught.value.response.headers["retry-after"] == "0.2"
    assert caught.value.response.headers["retry-after-ms"] == "200"
    # With retries on, the SDK honours the header and the next (default) reply succeeds.
    fake_openai.script([Reply.status(429, retry_after=0.2)])
    started = time.monotonic()
    verdict = json.loads(judge(client_for(fake_openai.base_url, max_retries=1)).choices[0].message.content)
    assert verdict["final_score"] == 73 and time.monotonic() - started >= 0.2
    assert fake_openai.count() == 3 and fake_openai.pending() == 0


def test_500_and_marker_status(fake_openai):
    fake_openai.script([Reply.status(500)])
    with pytest.raises(openai.InternalServerError) as caught:
        judge(client_for(fake_openai.base_url))
    assert caught.value.status_code == 500 and caught.value.body["type"] == "server_error"
    with pytest.raises(openai.InternalServerError):
        judge(client_for(fake_openai.base_url), "FAKE_STATUS=503")


def test_malformed_body_and_schema_violating_content(fake_openai):
    client = client_for(fake_openai.base_url)
    fake_openai.script([Reply.malformed("not json"), Reply.content('{"final_score": "high"}')])
    # A 200 labelled application/json that is not JSON: this SDK lets json's ValueError escape.
    with pytest.raises((ValueError, openai.APIResponseValidationError)):
        judge(client)
    assert judge(client).choices[0].message.content == '{"final_score": "high"}'


def test_stall_outlasts_client_timeout_and_drop_closes_socket(fake_openai):
    client = client_for(fake_openai.base_url, timeout=0.3)
    fake_openai.script([Reply.stall(120.0), Reply.drop()])
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        judge(client)
    assert time.monotonic() - started < 60  # the client gave up long before the 120 s stall ended
    with pytest.raises(openai.APIConnectionError) as caught:
        judge(client)
    assert not isinstance(caught.value, openai.APITimeoutError)
    assert json.loads(judge(client).choices[0].message.content)["final_score"] == 73  # queue empty: default


def test_short_stall_then_answers(fake_openai):
    fake_openai.script([Reply.stall(0.2)])
    started = time.monotonic()
    judge(client_for(fake_openai.base_url, timeout=5))
    assert time.monotonic() - started >= 0.2


def test_random_faults_are_seeded():
    def statuses(seed: int) -> list[int]:
        with FakeOpenAI(fault_rate=0.5, seed=seed, fault=Reply.status(429, retry_after=0.01)) as server:
            client, out = client_for(server.base_url), []
            for _ in range(20):
                try:
                    judge(client)
                    out.append(200)
                except openai.RateLimitError:
                    out.append(429)
        return out

    first = statuses(7)
    assert first == statuses(7) and 0 < first.count(429) < 20


def test_latency_is_served_concurrently():
    with FakeOpenAI(latency=1.0) as server:
        client = client_for(server.base_url)
        results: list[int] = []
        threads = [
            threading.Thread(
                target=lambda i=i: results.append(
                    json.loads(judge(client, f"FAKE_SCORE={i}").choices[0].message.content)["final_score"]
                )
            )
            for i in range(16)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        assert sorted(results) == list(range(16)) and server.count("/v1/chat/completions") == 16
    assert 1.0 <= elapsed < 8.0, elapsed  # 16 requests of 1 s: served one after another would take 16 s


def batch_line(custom_id: str, text: str, model: str | None = "gpt-4.1") -> str:
    body = {
        "model": model,
        "temperature": 0,
        "response_format": JUDGE_FORMAT,
        "messages": [{"role": "user", "content": text}],
    }
    if model is None:
        del body["model"]
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body})


def test_files_and_batch_round_trip(tmp_path):
    lines = [
        batch_line("a", "FAKE_SCORE=10"),
        batch_line("b", "FAKE_SCORE=90"),
        batch_line("c", "FAKE_STATUS=500"),
        batch_line("d", "no model", model=None),
        batch_line("e", "FAKE_SCORE=5"),
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with FakeOpenAI(batch_polls=2) as server:
        server.fail_batch_lines({"e": 429})
        client = client_for(server.base_url)
        with path.open("rb") as handle:
            uploaded = client.files.create(file=handle, purpose="batch")
        assert uploaded.purpose == "batch" and uploaded.bytes == path.stat().st_size
        assert client.files.retrieve(uploaded.id).filename == "in.jsonl"
        assert client.files.content(uploaded.id).content == path.read_bytes()
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        assert batch.status == "validating" and batch.model == "gpt-4.1"
        assert client.batches.retrieve(batch.id).status == "in_progress"
        done = client.batches.retrieve(batch.id)
        assert done.status == "completed" and done.completed_at is not None
        assert (done.request_counts.total, done.request_counts.completed, done.request_counts.failed) == (5, 2, 3)
        output = [json.loads(x) for x in client.files.content(done.output_file_id).text.splitlines()]
        scores = {
            row["custom_id"]: json.loads(row["response"]["body"]["choices"][0]["message"]["content"])["final_score"]
            for row in output
        }
        assert scores == {"a": 10, "b": 90}
        assert all(row["response"]["status_code"] == 200 and row["error"] is None for row in output)
        errors = {
            json.loads(x)["custom_id"]: json.loads(x)["response"]["status_code"]
            for x in client.files.content(done.error_file_id).text.splitlines()
        }
        assert errors == {"c": 500, "d": 400, "e": 429}
        assert server.count("/v1/batches/" + batch.id) == 2


def test_batch_cancel_and_invalid_input(tmp_path):
    with FakeOpenAI(batch_polls=5) as server:
        client = client_for(server.base_url)
        good = client.files.create(file=("in.jsonl", batch_line("a", "x").encode()), purpose="batch")
        batch = client.batches.create(input_file_id=good.id, endpoint="/v1/chat/completions", completion_window="24h")
        assert client.batches.cancel(batch.id).status == "cancelling"
        assert client.batches.retrieve(batch.id).status == "cancelled"
        with pytest.raises(openai.ConflictError):
            client.batches.cancel(batch.id)
        bad = client.files.create(file=("bad.jsonl", b"{not json}\n"), purpose="batch")
        failed = client.batches.create(input_file_id=bad.id, endpoint="/v1/chat/completions", completion_window="24h")
        assert failed.status == "failed" and failed.errors.data[0].line == 1
        with pytest.raises(openai.NotFoundError):
            client.batches.retrieve("batch_missing")


def test_subprocess_mode_with_port_file_and_request_log(tmp_path: Path):
    log = tmp_path / "requests.jsonl"
    with FakeOpenAIProcess(tmp_path, "--latency", "0.05", "--request-log", str(log)) as proc:
        assert proc.port_file.read_text() == str(proc.port)
        client = client_for(proc.base_url)
        for score in (1, 2, 3):
            assert json.loads(judge(client, f"FAKE_SCORE={score}").choices[0].message.content)["final_score"] == score
        proc.kill()  # SIGKILL: every line must already be on disk
        assert proc.proc.returncode == -9
        with pytest.raises(openai.APIConnectionError):
            judge(client)
    records = [json.loads(x) for x in log.read_text().splitlines()]
    assert [r["path"] for r in records] == ["/v1/chat/completions"] * 3
    assert records[2]["json"]["messages"][-1]["content"].endswith("FAKE_SCORE=3")
