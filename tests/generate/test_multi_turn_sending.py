"""Multi-turn generation when things go wrong: hostile calls, a failing server, several replicas, progress."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from generate.test_multi_turn import PICKS, _result_path, _run, _script, _trimmed_data
from support.fake_conversations import ConversationServer

from toolgrad_eval.bfcl.data import BfclData
from toolgrad_eval.generate.multi_turn import ConversationProgress
from toolgrad_eval.generate.resultfile import ERROR_PREFIX
from toolgrad_eval.generate.sender import GenerateAborted, SendSettings

CATEGORY = "multi_turn_base"
MATH_PICK = 15  # multi_turn_base_15 involves MathAPI
FAST = SendSettings(max_attempts=2, backoff_base=0.01, backoff_max=0.02, rest_seconds=0.0)


def _setup(tmp_path: Path, picks: tuple[int, ...] = PICKS) -> tuple[Path, BfclData, dict[str, str]]:
    data_dir = _trimmed_data("v4", CATEGORY, tmp_path / "data", picks)
    data = BfclData(data_dir, "v4", "test")
    return data_dir, data, {e.question["question"][0][0]["content"]: e.id for e in data.entries(CATEGORY)}


def _lines(tmp_path: Path) -> dict[str, dict]:
    path = _result_path(tmp_path / "run", "v4", CATEGORY)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len({line["id"] for line in lines}) == len(lines)
    return {line["id"]: line for line in lines}


def test_huge_arithmetic_ends_its_entry_and_the_run_goes_on(tmp_path: Path, model_env: Path) -> None:
    data_dir, data, openings = _setup(tmp_path, (0, MATH_PICK, 3))
    script, _ = _script(data, CATEGORY, True)
    math_opening = next(o for o, i in openings.items() if i == f"{CATEGORY}_{MATH_PICK}")
    script[math_opening][0][0] = [{"power": json.dumps({"base": 10, "exponent": 10**9})}]
    with ConversationServer(script) as server:
        summary = _run(data_dir, tmp_path / "run", "v4", CATEGORY, "fc", server.base_url)
        asked = [opening for opening, _, _ in server.log]
    lines = _lines(tmp_path)
    stopped = lines[f"{CATEGORY}_{MATH_PICK}"]
    assert stopped["result"].startswith(ERROR_PREFIX + "toolgrad-eval stopped executing") and stopped["toolgrad_error"]
    assert asked.count(math_opening) == 1  # no request after the bounded step
    assert summary["errors"] == 1 and summary["first_error"]  # sent again by the next run, as every error line
    assert all(isinstance(lines[i]["result"], list) for i in openings.values() if i != stopped["id"])


def test_failing_conversations_are_sent_again_whole_on_the_next_run(tmp_path: Path, model_env: Path) -> None:
    data_dir, data, openings = _setup(tmp_path, (0, 3, 37))
    script, _ = _script(data, CATEGORY, True)
    broken = next(iter(openings))
    with ConversationServer(script, failing=frozenset({broken})) as server:
        first = _run(data_dir, tmp_path / "run", "v4", CATEGORY, "fc", server.base_url, send=FAST)
        assert first["errors"] == 1 and first["first_error"]
        assert _lines(tmp_path)[openings[broken]]["toolgrad_error"] == "transport"
        server.failing.clear()
        before = len(server.log)
        second = _run(data_dir, tmp_path / "run", "v4", CATEGORY, "fc", server.base_url, send=FAST)
        again = {opening for opening, _, _ in server.log[before:]}
    assert again == {broken} and second["errors"] == 0 and second["sent"] == 1
    assert all(isinstance(line["result"], list) for line in _lines(tmp_path).values())


def test_replicas_share_conversations_and_requests_are_counted(tmp_path: Path, model_env: Path) -> None:
    data_dir, data, openings = _setup(tmp_path)
    script, _ = _script(data, CATEGORY, True)
    with ConversationServer(script, delay=0.01) as one, ConversationServer(script, delay=0.01) as two:
        summary = _run(data_dir, tmp_path / "run", "v4", CATEGORY, "fc", one.base_url, two.base_url)
        served = (len(one.log), len(two.log))
    assert min(served) > 0
    assert summary["http_requests"] == sum(served) and summary["sent"] == len(openings)
    lines = _lines(tmp_path)
    assert sum(len(step) for line in lines.values() for step in line["result"]) == sum(served)


def test_progress_line_counts_entries_requests_and_errors() -> None:
    stream = io.StringIO()
    progress = ConversationProgress("Conversations m", stream, interval=0.0)
    progress(1, 3, 7, 0)
    progress(3, 3, 30, 1)
    assert stream.getvalue().endswith("\rConversations m  entries 3/3  requests 30  errors 1  \n")
    assert "entries 1/3  requests 7  errors 0" in stream.getvalue()


def test_a_scenario_the_simulator_cannot_load_costs_its_entry_only(tmp_path: Path, model_env: Path) -> None:
    data_dir, data, openings = _setup(tmp_path, (0, 3))
    script, _ = _script(data, CATEGORY, True)
    questions = data_dir / f"BFCL_v4_{CATEGORY}.json"
    rows = [json.loads(line) for line in questions.read_text().splitlines()]
    rows[0]["initial_config"] = {"GorillaFileSystem": {"root": 5}}  # not a folder tree
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with ConversationServer(script) as server:
        summary = _run(data_dir, tmp_path / "run", "v4", CATEGORY, "fc", server.base_url)
        asked = {opening for opening, _, _ in server.log}
    lines = _lines(tmp_path)
    broken = lines[rows[0]["id"]]
    assert broken["result"].startswith(ERROR_PREFIX + "malformed question") and broken["toolgrad_error"] == "request"
    assert summary["errors"] == 1 and isinstance(lines[rows[1]["id"]]["result"], list)
    assert asked == {o for o, i in openings.items() if i == rows[1]["id"]}


def test_a_refused_key_stops_the_run_leaving_only_whole_entries(tmp_path: Path, model_env: Path) -> None:
    data_dir, data, openings = _setup(tmp_path)
    script, _ = _script(data, CATEGORY, True)
    with ConversationServer(script, refuse_after=30) as server:
        with pytest.raises(GenerateAborted, match="refused"):
            _run(data_dir, tmp_path / "run", "v4", CATEGORY, "fc", server.base_url, send=FAST)
        server.refuse_after = None
        kept = _lines(tmp_path) if _result_path(tmp_path / "run", "v4", CATEGORY).exists() else {}
        assert len(kept) < len(openings) and all(isinstance(line["result"], list) for line in kept.values())
        before = len(server.log)
        _run(data_dir, tmp_path / "run", "v4", CATEGORY, "fc", server.base_url, send=FAST)
        again = {openings[opening] for opening, _, _ in server.log[before:]}
    assert again == set(openings.values()) - set(kept)
    assert all(isinstance(line["result"], list) for line in _lines(tmp_path).values())
