"""Several self-hosted endpoints share the load: --judge-endpoint (repeatable) or a comma list."""

from __future__ import annotations

from judge.conftest import CHAT, MeteredFake, dataset, run


def test_repeated_judge_endpoint_spreads_requests(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # self-hosted: a placeholder key is sent
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with MeteredFake(latency=0.05) as a, MeteredFake(latency=0.05) as b:
        code, s = run(
            dataset(tmp_path / "ds", 40),
            "--num_process",
            "8",
            "--judge-endpoint",
            a.base_url,
            "--judge-endpoint",
            b.base_url,
        )
        assert code == 0 and s["n_qor"] == 40
        assert a.count(CHAT) + b.count(CHAT) == 40
        assert a.count(CHAT) >= 12 and b.count(CHAT) >= 12  # least-loaded with round-robin ties
        assert a.max_in_flight + b.max_in_flight <= 8 + 1
        assert {e["requests"] for e in s["endpoints"]} == {a.count(CHAT), b.count(CHAT)}


def test_comma_separated_base_url_and_a_dead_endpoint(monkeypatch, tmp_path):
    """A server that drops every connection slows nothing down for long: retries move to the other."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    with MeteredFake() as good, MeteredFake() as bad:
        bad.script([__import__("support.fake_openai", fromlist=["Reply"]).Reply.drop()] * 100)
        monkeypatch.setenv("OPENAI_BASE_URL", f"{good.base_url},{bad.base_url}")
        code, s = run(dataset(tmp_path / "ds", 10), "--num_process", "2")
        assert code == 0 and s["n_qor"] == 10 and good.count(CHAT) == 10 and bad.count(CHAT) >= 1


def _judge_cli(tmp_path, *args):
    from generate.test_hostile import cli

    data = dataset(tmp_path / "ds", 4)
    return cli(tmp_path, "--pred_model", "m1", "--dataset", str(data), "--cache-dir", "cache", "-o", "out", *args)


def test_a_dead_judge_endpoint_stops_the_run_at_the_door(tmp_path):
    """Through the command line: connection refused is known in a few seconds, not after minutes of
    retries; one line names the URL (credentials hidden) and the error; non-zero exit."""
    from generate.test_hostile import KEY, dead_url

    url = dead_url()
    ran = _judge_cli(tmp_path, "--judge-endpoint", url, "--num_process", "4")
    assert ran.code == 2 and len(ran.error_lines) == 1, ran.err
    assert "judge unreachable" in ran.err and url.split("@")[1] in ran.err and "Connection refused" in ran.err
    assert KEY not in ran.err + ran.out
    assert ran.seconds < 30


def test_a_judge_dripping_its_reply_ends_at_the_deadline(tmp_path):
    from support.fake_openai import Reply

    with MeteredFake() as server:
        server.script([Reply.drip("headers", interval=0.2), Reply.drip("body", interval=0.2)])
        ran = _judge_cli(tmp_path, "--judge-endpoint", server.base_url, "--num_process", "1", "--timeout", "2")
        assert server.count(CHAT) == 6  # two requests ended at their deadline, were asked again
    assert ran.code == 0, ran.err
    assert ran.seconds < 40  # 2 x 2 s deadlines; without a total deadline it never ends
