"""Processes sharing one judgment cache pay once per verdict: claims on cache keys (judge/claims.py).

Real processes of the main command, started together against a loopback judge that logs every
request; the log is the count of what was paid."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter

import pytest

from judge.processes import (
    chats,
    finish,
    held_judge,
    prompt_of,
    record,
    requests_of,
    start,
    start_owner,
    start_waiter,
    wait_for,
    what_was_judged,
    window,
)
from support.fake_openai import FakeOpenAIProcess
from toolgrad_eval.judge.cache import JudgmentCache

pytestmark = pytest.mark.slow  # several judging processes, kill -9 and lease lapses

WINDOWS = (0, 3, 6, 9)  # four overlapping windows of 12 samples: 21 distinct prompts
SIZE = 12


def test_eight_processes_send_each_distinct_prompt_once_and_agree_with_single_runs(tmp_path):
    datasets = [window(tmp_path / f"ds{s}", s, SIZE) for s in WINDOWS]
    log = tmp_path / "requests.jsonl"
    with FakeOpenAIProcess(tmp_path, "--latency", "0.3", "--request-log", str(log)) as server:
        procs = [
            start(server, data, tmp_path / f"out{i}", cache=tmp_path / "cache")
            for i, data in enumerate(datasets + datasets)
        ]  # every window twice: 8 processes at once
        for proc in procs:
            finish(proc)
        shared = chats(log)
        distinct = {prompt_of(r) for r in shared}
        assert len(distinct) == WINDOWS[-1] + SIZE
        assert Counter(map(prompt_of, shared)).most_common(1)[0][1] == 1  # no prompt paid twice
        summaries = [record(tmp_path / f"out{i}")[0] for i in range(8)]
        assert sum(s["judge_requests"] for s in summaries) == len(shared)
        assert all(s["n_qor"] == SIZE and s["judge_requests"] + s["cache_hits"] == SIZE for s in summaries)
        # The same verdicts, metrics and rows as one process alone on a cache of its own.
        for j, data in enumerate(datasets):
            alone = tmp_path / f"alone{j}"
            finish(start(server, data, alone, cache=tmp_path / f"cache-alone{j}"))
            for i in (j, j + len(datasets)):
                assert what_was_judged(tmp_path / f"out{i}") == what_was_judged(alone)


def test_judge_samples_and_overwrite_runs_claim_every_judgment(tmp_path):
    """--judge-samples: each seed is its own key, claimed alone. --overwrite runs started together
    re-judge each key once between them: a verdict one of them stores is fresh for the others."""
    datasets = [window(tmp_path / f"ds{s}", s, 6) for s in (0, 2, 4)]  # 10 distinct prompts
    log, gate = tmp_path / "requests.jsonl", tmp_path / "hold"
    with FakeOpenAIProcess(
        tmp_path, "--latency", "0.5", "--hold-while", str(gate), "--request-log", str(log)
    ) as server:
        args = ("--judge-samples", "2", "--judge-temperature", "0.7")
        for proc in [
            start(server, data, tmp_path / f"out{i}", *args, cache=tmp_path / "cache")
            for i, data in enumerate(datasets)
        ]:
            finish(proc)
        first = chats(log)
        assert len(first) == len({prompt_of(r) for r in first}) == 20  # 10 prompts x 2 judgments, once each
        assert {r["json"].get("seed") for r in first} == {None, 1}
        before = len(first)
        # "Started together": no verdict is stored before all three --overwrite runs have started
        # (their markers are written), however slowly the machine starts them.
        gate.touch()
        procs = [
            start(server, data, tmp_path / f"over{i}", *args, "--overwrite", cache=tmp_path / "cache")
            for i, data in enumerate(datasets)
        ]
        wait_for(
            lambda: (
                len(list((tmp_path / "cache" / "overwrite-runs").glob("*.json"))) == 3
                or any(proc.poll() is not None for proc in procs)
            ),
            "the three --overwrite runs to start",
        )
        gate.unlink()
        for proc in procs:
            finish(proc)
        again = chats(log)[before:]
        assert sorted(map(prompt_of, again)) == sorted(map(prompt_of, first))  # every judgment re-asked once
        for i in range(len(datasets)):
            assert what_was_judged(tmp_path / f"over{i}") == what_was_judged(tmp_path / f"out{i}")


def test_kill_9_of_a_claim_owner_mid_request_then_the_waiter_takes_over(tmp_path):
    """A owns the claims (a lease of 10 minutes: only its death can free them early) and is killed
    while its requests are in flight (the judge holds them until then); B, waiting for those
    verdicts, takes them over at once (A was a process of this host that no longer exists) and pays
    for each once more."""
    data = window(tmp_path / "ds", 0, 4)
    server, log, gate = held_judge(tmp_path)
    with server:
        owner = start_owner(server, data, tmp_path / "out-a", log, 4, "--claim-lease", "600", cache=tmp_path / "cache")
        waiter, err = start_waiter(server, data, tmp_path / "out-b", log, 4, cache=tmp_path / "cache")
        owner.kill()
        owner.wait()
        gate.unlink()
        assert waiter.wait(timeout=120) == 0, err.read_text()
    requests = chats(log)
    assert len(requests) == 8  # 4 distinct prompts + the 4 in flight when A died
    assert Counter(map(prompt_of, requests)) == {p: 2 for p in map(prompt_of, requests[:4])}
    summary, rows = record(tmp_path / "out-b")
    assert summary["judge_requests"] == 4 and summary["n_qor"] == 4
    assert (
        summary["shared_cache"]["claims_taken_over"] == 4 and summary["shared_cache"]["waited_for_other_process"] >= 1
    )
    with JudgmentCache(tmp_path / "cache") as cache:
        assert cache.open().claims() == []  # nothing left claimed


def test_claims_of_a_lost_host_lapse_with_their_lease_and_are_taken_over(tmp_path):
    """A claim's owner on another host cannot be seen to die: its claims are taken over only once
    their lease has run out, never before (the owner renews them while it lives). The judge holds
    A's requests until A is killed, so B is waiting before A's claims can lapse, whatever the load."""
    data = window(tmp_path / "ds", 0, 3)
    server, log, gate = held_judge(tmp_path)
    cache_dir = tmp_path / "cache"
    with server:
        owner = start_owner(server, data, tmp_path / "out-a", log, 3, "--claim-lease", "3", cache=cache_dir)
        # A's host is gone as far as anyone can tell: its claims now name another host (A renews
        # only their leases, so they keep that host).
        db = sqlite3.connect(cache_dir / "cache.db", timeout=30)
        with db:
            db.execute("UPDATE toolgrad_claims SET host = 'lost-host'")
        waiter, err = start_waiter(server, data, tmp_path / "out-b", log, 3, cache=cache_dir)
        owner.kill()
        owner.wait()
        expiry = {key: expires for key, expires in db.execute("SELECT key, expires_at FROM toolgrad_claims")}
        db.close()
        gate.unlink()
        assert waiter.wait(timeout=120) == 0, err.read_text()
    assert len(expiry) == 3
    asked_again = chats(log)[3:]
    assert len(asked_again) == 3
    assert all(r["time"] >= max(expiry.values()) for r in asked_again)  # none before the lease ran out
    summary, _rows = record(tmp_path / "out-b")
    assert summary["judge_requests"] == 3 and summary["n_qor"] == 3
    assert summary["shared_cache"]["claims_taken_over"] == 3


def test_an_owner_renews_its_lease_while_its_request_is_in_flight(tmp_path):
    """A request slower than the lease: the owner keeps its claim alive, so a second process waits
    for the verdict rather than paying for it again. The judge holds A's requests until the lease
    they were claimed with has run out (and B has been waiting)."""
    data = window(tmp_path / "ds", 0, 2)
    server, log, gate = held_judge(tmp_path)
    cache_dir = tmp_path / "cache"
    with server:
        owner = start_owner(server, data, tmp_path / "out-a", log, 2, "--claim-lease", "2", cache=cache_dir)
        with JudgmentCache(cache_dir) as cache:
            first_expiry = max(claim.expires_at for claim in cache.open().claims())
        waiter, err = start_waiter(server, data, tmp_path / "out-b", log, 2, cache=cache_dir)
        wait_for(lambda: time.time() > first_expiry + 1, "A's first lease to run out")  # an order, not an assertion
        gate.unlink()
        finish(owner)
        assert waiter.wait(timeout=120) == 0, err.read_text()
    assert len(chats(log)) == 2
    assert record(tmp_path / "out-b")[0]["cache_hits"] == 2


def test_batch_runs_sharing_a_cache_submit_each_distinct_prompt_once(tmp_path):
    """Batch mode: a key in another process's batch is claimed by it while it polls; the others
    wait for that verdict (or poll the same batch) instead of putting the key in a batch of theirs."""
    import openai

    datasets = [window(tmp_path / f"ds{s}", s, 6) for s in (0, 2, 4)]  # 10 distinct prompts
    server, log, gate = held_judge(
        tmp_path, "--batch-seconds", "1.5"
    )  # uploads held until every process claimed what it could
    with server:
        errs = [tmp_path / f"err{i}" for i in range(2 * len(datasets))]
        sinks = [err.open("wb") for err in errs]
        procs = [
            start(
                server,
                data,
                tmp_path / f"out{i}",
                "--batch",
                "--batch-poll-interval",
                "0.1",
                cache=tmp_path / "cache",
                stderr=sink,
            )
            for i, (data, sink) in enumerate(zip(datasets + datasets, sinks))
        ]

        def claimed_what_it_could() -> int:  # uploading its own keys (held), or waiting for others'
            uploads = sum(r["path"] == "/v1/files" and r["method"] == "POST" for r in requests_of(log))
            return uploads + sum(b"waiting for it" in err.read_bytes() for err in errs)

        wait_for(
            lambda: claimed_what_it_could() >= len(procs) or any(p.poll() is not None for p in procs),
            "every process to claim its keys",
        )
        gate.unlink()
        for proc, sink, err in zip(procs, sinks, errs):
            assert proc.wait(timeout=180) == 0, err.read_text()
            sink.close()
            assert "locked" not in err.read_text().lower()
        batches = openai.OpenAI(base_url=server.base_url, api_key="k").batches.list(limit=100).data
    assert sum(b.request_counts.total for b in batches) == 10  # each prompt in one batch, once
    assert chats(log) == []  # and none sent live
    for i in range(len(datasets)):
        assert what_was_judged(tmp_path / f"out{i}") == what_was_judged(tmp_path / f"out{i + len(datasets)}")
        assert record(tmp_path / f"out{i}")[0]["n_qor"] == 6
