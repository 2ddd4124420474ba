"""--num_process keeps N requests in flight; sustained 429s lower it (AIMD) and it recovers."""

from __future__ import annotations

import threading
import time

from judge.conftest import MeteredFake, dataset, rows, run
from toolgrad_eval.judge.limiter import AdaptiveLimit


def test_num_process_keeps_n_requests_in_flight(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with MeteredFake(latency=0.2) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "k")
        data = dataset(tmp_path / "ds", 32)
        code, s = run(data, "--num_process", "8")
    assert code == 0 and s["judge_requests"] == 32 and s["n_qor"] == 32
    assert server.max_in_flight == 8  # throughput itself is measured in scripts/bench_judge.py, not timed here


def test_sustained_429s_lower_concurrency_and_the_run_finishes(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with MeteredFake(latency=0.05, cap=3, cap_retry_after=0.05) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "k")
        data = dataset(tmp_path / "ds", 60)
        code, s = run(data, "--num_process", "12")
    assert code == 0 and s["n_qor"] == 60 and s["n_judge_errors"] == 0
    assert all(r["qor"] is not None for r in rows().values())
    c = s["concurrency"]
    assert c["max_in_flight"] == 12 and c["backoffs"] >= 1 and c["min_limit"] <= 4
    # With a fixed 12 in flight against a cap of 3, three of four requests bounce (hundreds of 429s).
    assert server.rejected < 60, server.rejected
    assert s["judge_requests"] == 60 + server.rejected


def test_limiter_halves_once_per_window_and_recovers():
    limit, stop = AdaptiveLimit(16), threading.Event()
    tokens = [limit.acquire(stop) for _ in range(16)]
    for token in tokens[:15]:  # not yet a full window (16 replies): no decision
        limit.release(token, "rate_limited")
    assert limit.limit == 16 and limit.decreases == 0
    limit.release(tokens[15], "rate_limited")  # 16 of 16 bounced: one decrease
    assert limit.limit == 8 and limit.decreases == 1
    for _ in range(8):  # sent after the decrease: a new window of 8, where 8 of 8 bounce
        limit.release(limit.acquire(stop), "rate_limited")
    assert limit.limit == 4 and limit.decreases == 2
    for _ in range(200):
        limit.release(limit.acquire(stop), "ok")
    assert limit.limit == 16 and limit.stats()["min_limit"] == 4


def test_the_window_is_what_was_in_flight_when_that_is_less_than_the_limit():
    limit, stop = AdaptiveLimit(64), threading.Event()  # --num_process 64, but only 10 tasks at a time
    tokens = [limit.acquire(stop) for _ in range(10)]
    for token in tokens:
        limit.release(token, "rate_limited")
    assert limit.limit == 32 and limit.decreases == 1  # not 64 replies to wait for


def test_the_decision_looks_at_the_latest_window_only():
    limit, stop = AdaptiveLimit(64), threading.Event()
    for size in (64, 32, 16):  # a full window bounces each time: 64 -> 32 -> 16 -> 8
        for token in [limit.acquire(stop) for _ in range(size)]:
            limit.release(token, "rate_limited")
    assert limit.limit == 8 and limit.decreases == 3
    for _ in range(40):  # successes fill the stored outcomes (and raise the limit a little)
        limit.release(limit.acquire(stop), "ok")
    bounced = 0
    while limit.decreases == 3 and bounced < 64:
        limit.release(limit.acquire(stop), "rate_limited")
        bounced += 1
    assert limit.decreases == 4 and bounced <= 8  # half a window of 429s, not as many as the old successes


def test_occasional_429s_do_not_lower_the_limit():
    limit, stop = AdaptiveLimit(16), threading.Event()
    for i in range(500):  # every fifth request bounces: noise, not a limit
        limit.release(limit.acquire(stop), "rate_limited" if i % 5 == 0 else "ok")
    assert limit.decreases == 0 and limit.limit == 16
    limit = AdaptiveLimit(16)
    in_flight = [limit.acquire(stop) for _ in range(16)]
    for i in range(500):  # 16 in flight, 429s in bursts (they come back fast, together): still a minority
        limit.release(in_flight.pop(0), "rate_limited" if i % 16 < 6 else "ok")
        in_flight.append(limit.acquire(stop))
    assert limit.decreases == 0 and limit.limit == 16


def test_limiter_blocks_above_the_limit():
    limit, stop = AdaptiveLimit(2), threading.Event()
    a, _ = limit.acquire(stop), limit.acquire(stop)
    got: list[int | None] = []
    waiter = threading.Thread(target=lambda: got.append(limit.acquire(stop)))
    waiter.start()
    time.sleep(0.15)
    assert got == [] and limit.in_flight == 2
    limit.release(a, "ok")
    waiter.join(1)
    assert got and got[0] is not None
    stop.set()
    assert limit.acquire(stop) is None
