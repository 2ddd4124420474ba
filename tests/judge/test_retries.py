"""Retries against real HTTP faults: 429 + Retry-After, 500, dropped connections, stalls, bad bodies."""

from __future__ import annotations

import random
import time

import pytest

from judge.conftest import CHAT, dataset
from support.fake_openai import Reply
from toolgrad_eval.judge.cache import JudgmentCache
from toolgrad_eval.judge.client import Judge, JudgeAborted, JudgeSettings
from toolgrad_eval.judge.retry import backoff_delay
from toolgrad_eval.judge.template import load_template
from toolgrad_eval.toolgrad5k.dataset import Toolgrad5k

FAST = dict(backoff_base=0.01, backoff_max=0.2)


def judge_tasks(tmp_path, n=1, **settings):
    data = Toolgrad5k(dataset(tmp_path / "ds", n, score=70))
    judge = Judge(load_template(), JudgmentCache(tmp_path / "cache"), JudgeSettings(**{**FAST, **settings}))
    tasks = []
    for sid in data.test_ids():
        p, ref = data.prediction("m1", sid), data.reference(sid)
        tasks.append(judge.task(sid, query=ref.query, calls=p.calls, response=p.response, reference=ref.response))
    return judge, tasks


def test_retry_after_is_honoured(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path, backoff_max=5.0)
    env.script([Reply.status(429, retry_after=0.4)])
    [result] = judge.run(tasks)
    assert result.verdict is not None and result.verdict.qor == 70 and result.requests == 2
    first, second = [r["time"] for r in env.requests if r["path"] == CHAT]
    assert second - first >= 0.38  # the hint, not the 10 ms backoff base


def test_every_transient_fault_is_retried_until_a_verdict(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path, timeout=0.5)
    env.script([Reply.status(500), Reply.drop(), Reply.stall(120), Reply.status(503), Reply.malformed('{"trunc')])
    start = time.monotonic()
    [result] = judge.run(tasks)
    assert result.verdict is not None and result.error is None
    assert result.requests == 6 and env.count(CHAT) == 6 and judge.http_requests == 6
    assert time.monotonic() - start < 60  # the 120 s stall was cut by the 0.5 s per-request timeout
    assert tasks[0].key in judge.cache  # cached as soon as it arrived


def test_persistent_5xx_becomes_a_judge_error_after_max_attempts(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path, max_attempts=3)
    env.script([Reply.status(500)] * 5)
    [result] = judge.run(tasks)
    assert result.verdict is None and "HTTP 500" in result.error and result.requests == 3
    assert tasks[0].key not in judge.cache


def test_other_4xx_fails_the_sample_without_retrying(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path)
    env.script([Reply.status(400, message="context length exceeded")])
    [result] = judge.run(tasks)
    assert result.verdict is None and "400" in result.error and env.count(CHAT) == 1


def test_bad_key_aborts_the_run(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path, n=3)
    env.script([Reply.status(401)])
    with pytest.raises(JudgeAborted, match="401"):
        judge.run(tasks)


def test_429s_do_not_exhaust_the_transient_attempts(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path, max_attempts=2)
    env.script([Reply.status(429, retry_after=0.01)] * 6)
    [result] = judge.run(tasks)
    assert result.verdict is not None and result.requests == 7


def test_backoff_is_exponential_with_full_jitter():
    random.seed(3)
    for attempt in range(1, 8):
        ceiling = min(10.0, 0.5 * 2 ** (attempt - 1))
        delays = [backoff_delay(attempt, None, base=0.5, maximum=10.0) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > 0.8 * ceiling and min(delays) < 0.2 * ceiling  # spread over [0, ceiling]
    assert backoff_delay(5, 2.5, base=0.5, maximum=10.0) == 2.5  # Retry-After wins
    assert backoff_delay(5, 99.0, base=0.5, maximum=10.0) == 10.0  # ... capped


def test_cached_tasks_are_split_from_misses(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path, n=4)
    judge.run(tasks[:2])
    looked_up = [(task, judge.cached(task)) for task in tasks]
    hits = [hit for _task, hit in looked_up if hit is not None]
    misses = [task for task, hit in looked_up if hit is None]
    assert {h.sample_id for h in hits} == {t.sample_id for t in tasks[:2]} and misses == tasks[2:]
