"""Judging starts with the first task submitted, while the caller is still reading the rest."""

from __future__ import annotations

import re
import threading
import time

import pytest

from judge.conftest import CHAT
from judge.test_retries import judge_tasks
from support.fake_openai import Reply
from toolgrad_eval.errors import ConfigError
from toolgrad_eval.judge.client import JudgeAborted


def _wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_the_first_request_leaves_before_the_second_task_is_submitted(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path, n=3)
    with judge.stream(num_process=2) as stream:
        stream.submit(tasks[0])
        assert _wait_for(lambda: env.count(CHAT) == 1)  # nothing else has been submitted yet
        for task in tasks[1:]:
            stream.submit(task)
        results = stream.results()
    assert sorted(r.sample_id for r in results) == sorted(t.sample_id for t in tasks)
    assert all(r.verdict is not None for r in results) and env.count(CHAT) == 3
    assert stream.seconds > 0


def test_nothing_submitted_needs_no_client_and_no_key(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    judge, _tasks = judge_tasks(tmp_path)
    with judge.stream(num_process=4) as stream:
        assert stream.results() == []
    assert judge.pool is None and stream.seconds == 0


def test_an_unrecoverable_error_stops_the_submitter(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path, n=3)
    env.script([Reply.status(401)])
    with pytest.raises(JudgeAborted):
        with judge.stream(num_process=1) as stream:
            stream.submit(tasks[0])
            assert _wait_for(judge.stopping.is_set)
            stream.submit(tasks[1])  # raises the worker's error: reading stops here
    assert env.count(CHAT) == 1


def test_every_task_is_reported_once_as_it_completes(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path, n=6)
    others_reported = threading.Event()  # the first request is answered only then, however slow the machine
    env.script([Reply.stall(60, until=others_reported), Reply.ok(), Reply.ok(), Reply.ok(), Reply.ok(), Reply.ok()])
    seen = []

    def on_result(result):
        seen.append(result.sample_id)
        if len(seen) == 5:
            others_reported.set()

    with judge.stream(num_process=3) as stream:
        for task in tasks:
            stream.submit(task)
        results = stream.results(on_result=on_result)
    assert seen == [r.sample_id for r in results]
    assert sorted(seen) == sorted(t.sample_id for t in tasks)
    # the stalled request (the first to reach the server) is reported last: the others did not wait for it
    first = min((r for r in env.requests if r["path"] == CHAT), key=lambda r: r["time"])
    assert re.search(rf"\bquestion {int(seen[-1][1:])}\b", first["json"]["messages"][-1]["content"])


def test_a_judge_serves_a_new_run_after_one_that_failed(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path, n=2)
    with pytest.raises(RuntimeError):
        with judge.stream(num_process=1) as stream:
            stream.submit(tasks[0])
            raise RuntimeError("the caller's own error while reading")
    done = []

    def second_run():
        with judge.stream(num_process=1) as again:
            again.submit(tasks[1])
            done.extend(again.results())

    thread = threading.Thread(target=second_run, daemon=True)
    thread.start()
    thread.join(5)
    assert not thread.is_alive(), "the second run waited forever"
    assert [r.sample_id for r in done] == [tasks[1].sample_id] and done[0].verdict is not None


def test_a_task_whose_submit_failed_is_not_waited_for(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    judge, tasks = judge_tasks(tmp_path)
    with judge.stream(num_process=2) as stream:
        with pytest.raises(ConfigError):
            stream.submit(tasks[0])  # no key: the clients cannot be built
        assert stream.tasks == [] and stream.results() == []


def test_workers_follow_the_tasks_up_to_num_process(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path, n=3)
    with judge.stream(num_process=64) as stream:
        for task in tasks:
            stream.submit(task)
        assert len(stream._threads) == 3  # not 64 idle threads for three tasks
        assert len(stream.results()) == 3
    judge, tasks = judge_tasks(tmp_path / "more", n=6)
    with judge.stream(num_process=2) as stream:
        for task in tasks:
            stream.submit(task)
        assert len(stream._threads) == 2
        assert len(stream.results()) == 6


def test_submit_after_results_is_refused(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path, n=2)
    with judge.stream(num_process=2) as stream:
        stream.submit(tasks[0])
        assert len(stream.results()) == 1
        with pytest.raises(RuntimeError, match="after results"):
            stream.submit(tasks[1])


def test_a_stopped_run_reports_instead_of_waiting_forever(env, tmp_path):
    judge, tasks = judge_tasks(tmp_path, n=3)
    env.script([Reply.stall(0.4)])
    outcome: list[BaseException] = []

    def run_and_stop():
        try:
            with judge.stream(num_process=1) as stream:
                for task in tasks:
                    stream.submit(task)
                assert _wait_for(lambda: env.count(CHAT) == 1)
                judge.stopping.set()  # e.g. another thread gave up: the queued tasks will never be judged
                stream.results()
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run_and_stop, daemon=True)
    thread.start()
    thread.join(5)
    assert not thread.is_alive(), "results() waited forever for tasks no worker will take"
    assert len(outcome) == 1 and isinstance(outcome[0], JudgeAborted) and "stopped before every task" in str(outcome[0])
    assert env.count(CHAT) == 1
