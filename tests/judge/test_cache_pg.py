"""The judgment cache in a real PostgreSQL server (``--cache-url``): same keys, entries, claims and
leases as the local cache; export/import between the two without a request.

The fixture starts a throwaway server (tests/support/postgres.py). Without PostgreSQL installed
these tests skip outside CI; in CI (``CI=true``, where ``.ci/run`` installs it) they fail instead."""

from __future__ import annotations

import json
import os
import time
from collections import Counter

import pytest

from judge.processes import (
    chats,
    finish,
    held_judge,
    prompt_of,
    record,
    start,
    start_owner,
    start_waiter,
    what_was_judged,
    window,
)
from support.fake_openai import FakeOpenAIProcess
from support.postgres import PASSWORD, binaries, throwaway_server
from toolgrad_eval.cli.main import main
from toolgrad_eval.errors import ConfigError
from toolgrad_eval.judge.cache import JudgmentCache
from toolgrad_eval.judge.cache_base import Attempt, Owner

IN_CI = os.environ.get("CI") == "true"

pytestmark = [
    pytest.mark.skipif(
        binaries() is None and not IN_CI,
        reason="PostgreSQL is not installed (apt-get install postgresql); CI installs it and runs these tests",
    ),
    pytest.mark.compat,  # psycopg's binary wheel for this version
]


@pytest.fixture(scope="module")
def postgres():
    if binaries() is None:
        pytest.fail("CI=true but PostgreSQL is not installed: .ci/run must install it")
    server = throwaway_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres) -> str:
    return postgres.new_database()


def record_for(sample: str, score: int) -> dict:
    return {"verdict": {"final_score": score}, "raw": "{}", "usage": None, "model": "gpt-4.1", "sample_id": sample}


def test_entries_checksums_and_claims_in_postgres(tmp_path, pg_url):
    with JudgmentCache(tmp_path / "side", pg_url) as cache:
        cache.put("a" * 64, record_for("s1", 70))
        assert cache.get("a" * 64)["verdict"] == {"final_score": 70} and len(cache) == 1
        assert cache.keys() == ["a" * 64]
        assert "***" in cache.where and PASSWORD not in cache.where
        store = cache.open()
        import psycopg

        with psycopg.connect(pg_url, autocommit=True) as con:  # bit rot in the payload
            con.execute("UPDATE toolgrad_judgments SET payload = replace(payload, '70', '99')")
        assert cache.get("a" * 64) is None and len(cache) == 0  # damaged: dropped, re-judged later
        me, other = Owner("here", os.getpid(), "t1"), Owner("there", 4242, "t2")
        assert store.try_claim("k", me, 30) == Attempt(None)
        assert store.try_claim("k", other, 30).holder.owner == me.id  # held: the other must wait
        assert store.try_claim("k", me, 30) == Attempt(None)  # the owner renews by claiming again
        store.release("k", me)
        assert store.try_claim("k", other, 0.5) == Attempt(None)
        held = store.try_claim("k", me, 30).holder
        assert held is not None and held.host == "there"
        time.sleep(0.6)  # ordering, not a timing assertion: the lease lapses by the server's clock
        taken = store.try_claim("k", me, 30)  # lapsed: taken over
        assert taken.holder is None and taken.replaced.owner == other.id
        assert [c.owner for c in store.claims()] == [me.id]
        assert store.renew(me, 30) == 1 and store.renew(other, 30) == 0


@pytest.mark.slow
def test_four_processes_on_one_postgres_cache_send_each_prompt_once(tmp_path, pg_url):
    datasets = [window(tmp_path / f"ds{s}", s, 8) for s in (0, 3)]  # 11 distinct prompts
    log = tmp_path / "requests.jsonl"
    with FakeOpenAIProcess(tmp_path, "--latency", "0.3", "--request-log", str(log)) as server:
        procs = [
            start(server, data, tmp_path / f"out{i}", "--cache-url", pg_url, cache=tmp_path / "side")
            for i, data in enumerate(datasets + datasets)
        ]
        for proc in procs:
            assert PASSWORD not in finish(proc)
        requests = chats(log)
        assert len(requests) == 11 and Counter(map(prompt_of, requests)).most_common(1)[0][1] == 1
        assert not (tmp_path / "side" / "cache.db").exists()  # the verdicts are in the server
        for j, data in enumerate(datasets):
            alone = tmp_path / f"alone{j}"
            finish(start(server, data, alone, cache=tmp_path / f"local{j}"))
            assert what_was_judged(tmp_path / f"out{j}") == what_was_judged(alone)
            assert what_was_judged(tmp_path / f"out{j + 2}") == what_was_judged(alone)


@pytest.mark.slow
def test_kill_9_of_a_claim_owner_then_takeover_through_postgres(tmp_path, pg_url):
    """As with the local cache: a lost host's claims are taken over once their lease (by the
    server's clock) has run out, never before; the judge holds A's requests until A is killed."""
    import psycopg

    data = window(tmp_path / "ds", 0, 3)
    server, log, gate = held_judge(tmp_path)
    with server, psycopg.connect(pg_url, autocommit=True) as con:
        owner = start_owner(
            server, data, tmp_path / "out-a", log, 3, "--cache-url", pg_url, "--claim-lease", "3", cache=tmp_path / "a"
        )
        con.execute(
            "UPDATE toolgrad_claims SET host = 'lost-host'"
        )  # the owner's host is lost, as far as anyone can tell
        waiter, err = start_waiter(
            server, data, tmp_path / "out-b", log, 3, "--cache-url", pg_url, cache=tmp_path / "b"
        )
        owner.kill()
        owner.wait()
        expiry = max(row[0] for row in con.execute("SELECT expires_at FROM toolgrad_claims").fetchall())
        gate.unlink()
        assert waiter.wait(timeout=120) == 0, err.read_text()
    again = chats(log)[3:]
    assert len(again) == 3 and all(r["time"] >= expiry for r in again)  # after the lease ran out, once each
    summary, _rows = record(tmp_path / "out-b")
    assert summary["n_qor"] == 3 and summary["shared_cache"]["claims_taken_over"] == 3


def test_export_from_local_import_into_postgres_and_back_without_a_request(tmp_path, pg_url, capsys):
    data = window(tmp_path / "ds", 0, 5)
    log = tmp_path / "requests.jsonl"
    with FakeOpenAIProcess(tmp_path, "--request-log", str(log)) as server:
        finish(start(server, data, tmp_path / "out", cache=tmp_path / "local"))
        assert len(chats(log)) == 5
        export = tmp_path / "verdicts.jsonl"
        assert main(["cache", "export", str(export), "--cache-dir", str(tmp_path / "local")]) == 0
        assert "5 verdicts exported" in capsys.readouterr().out
        assert main(["cache", "import", str(export), "--cache-url", pg_url]) == 0
        out = capsys.readouterr().out
        assert "5 verdicts imported" in out and PASSWORD not in out
        assert main(["cache", "import", str(export), "--cache-url", pg_url]) == 0
        out = capsys.readouterr().out
        assert "0 verdicts imported" in out and "5 already there" in out
        finish(start(server, data, tmp_path / "from-pg", "--cache-url", pg_url, cache=tmp_path / "side"))
        back = tmp_path / "back.jsonl"
        assert main(["cache", "export", str(back), "--cache-url", pg_url]) == 0
        assert main(["cache", "import", str(back), "--cache-dir", str(tmp_path / "fresh")]) == 0
        finish(start(server, data, tmp_path / "from-fresh", cache=tmp_path / "fresh"))
        assert len(chats(log)) == 5  # neither run asked again: every verdict came across
    assert record(tmp_path / "from-pg")[0]["cache_hits"] == 5
    assert record(tmp_path / "from-fresh")[0]["cache_hits"] == 5
    assert what_was_judged(tmp_path / "from-pg") == what_was_judged(tmp_path / "out")
    assert json.loads(back.read_text().splitlines()[1])["key"] == json.loads(export.read_text().splitlines()[1])["key"]


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path, postgres):
    url = postgres.url("postgres").replace(f":{postgres.port}/", ":1/")  # nothing listens on port 1
    with pytest.raises(ConfigError) as failed:
        JudgmentCache(tmp_path, url).open()
    assert "cannot use this PostgreSQL server" in str(failed.value) and PASSWORD not in str(failed.value)
    with pytest.raises(ConfigError, match="not a postgresql:// URL"):
        JudgmentCache(tmp_path, "mysql://x@y/z").open()
