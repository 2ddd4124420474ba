"""``generate`` for BFCL v4's memory categories against a real scripted server.

The server (tests/support/fake_conversations.py, :class:`MemoryPlayer`) plays the release's memory
conversations: a scenario's first prerequisite stores every question's answer in the memory, each
prerequisite ``i`` adds ``i`` to a ``chain`` value, and each question reads its answer back from
the memory (a function call on the key-value back-end, the system prompt's memory on rec_sum).
So a question can only pass when the chain ran, in order, and its snapshot reached the question;
and the chain value each question's system prompt shows proves which prerequisites built it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from generate.memory_data import memory_data, player
from support.fake_conversations import ConversationServer, kill_midway

from toolgrad_eval.bfcl.agentic import score_agentic
from toolgrad_eval.bfcl.data import BfclData
from toolgrad_eval.bfcl.layout import ResultFile
from toolgrad_eval.errors import ConfigError
from toolgrad_eval.bfcl.multi_turn.simulators import (
    MemoryBackendUnavailable,
    load_memory_class,
    simulator_dir,
)
from toolgrad_eval.generate.runner import GenerateOptions, generate
from toolgrad_eval.generate.sender import GenerateAborted, SendSettings

SCENARIOS = ("notetaker", "healthcare")  # the two shortest chains (5 prerequisites each)
WRONG = frozenset({1, 4})  # questions whose stored answer is wrong (answer_not_found)


def _run(
    data: Path, dataset: Path, category: str, mode: str, url: str, model: str = "m", send: SendSettings | None = None
) -> dict[str, Any]:
    options = GenerateOptions(
        model=model,
        dataset=dataset,
        mode=mode,  # type: ignore[arg-type]
        categories=(category,),
        base_urls=(url,),
        num_process=4,
        bfcl_data=data,
        send=send or SendSettings(),
    )
    return generate(options, echo=lambda _line: None)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _our_failures(path: Path, data: Path, category: str, mode: str) -> dict[str, str]:
    rf = ResultFile(path, path.parent.relative_to(path.parents[3]), "v4", category, category)
    outcome = score_agentic(rf, BfclData(data, "v4", "test"), "m", fmt="openai-fc" if mode == "fc" else "python")
    assert outcome.score is not None
    return {line["id"]: line["error"]["error_type"] for line in outcome.failures}


def _chains(data: Path) -> dict[str, int]:
    return {
        s: len((data / "memory_prereq_conversation" / f"memory_{s}.json").read_text().splitlines()) for s in SCENARIOS
    }


@pytest.mark.parametrize(("backend", "mode"), [("kv", "fc"), ("rec_sum", "prompt")])
def test_chains_build_the_memory_each_question_reads(backend: str, mode: str, tmp_path: Path, model_env: Path) -> None:
    data = memory_data(tmp_path / "data", SCENARIOS, per_scenario=3)
    category = f"memory_{backend}"
    play = player(data, backend, mode=mode, wrong=WRONG)
    with ConversationServer({}, mode=mode, planner=play) as server:
        summary = _run(data, tmp_path / "run", category, mode, server.base_url)
    assert server.violations == []
    assert summary["errors"] == 0 and summary["complete_categories"] == [category]
    folder = tmp_path / "run" / "result" / "m" / "agentic" / "memory" / backend

    # The official layout: both result files, the checkpoints and each scenario's final snapshot.
    prereqs = _lines(folder / f"BFCL_v4_{category}_prereq_result.json")
    chains = _chains(data)
    assert len(prereqs) == sum(chains.values())
    numbers = [int(line["id"].rsplit("_", 1)[1].split("-")[0]) for line in prereqs]
    assert numbers == sorted(numbers)  # left in BFCL's order
    assert all(line["id"].startswith(f"{category}_prereq_") for line in prereqs)
    snapshots = folder / "memory_snapshot"
    for line in prereqs:
        assert (snapshots / "prereq_checkpoints" / f"{line['id']}.json").is_file()
    for scenario, length in chains.items():
        last = next(line["id"] for line in prereqs if line["id"].endswith(f"-{scenario}-{length - 1}"))
        final = json.loads((snapshots / f"{scenario}_final.json").read_text())
        assert final == json.loads((snapshots / "prereq_checkpoints" / f"{last}.json").read_text())
    assert not [p for p in folder.rglob("*") if p.name.startswith(".")]  # no scratch or temporary left

    # Every question saw its scenario's whole chain, built in order, in its system prompt.
    assert len(play.systems) == len(SCENARIOS) * 3
    for (scenario, _), system in play.systems.items():
        if backend == "kv":
            assert f'"chain": "{scenario}:' + " ".join(map(str, range(chains[scenario]))) + '"' in system
        else:
            assert " ".join(f"chain:{i}" for i in range(chains[scenario])) in system
        assert "For your final answer to the user" in system  # the agentic answer format, after the memory

    questions = _lines(folder / f"BFCL_v4_{category}_result.json")
    assert [len(line["result"]) for line in questions] == [1] * len(questions)  # one turn each
    failures = _our_failures(folder / f"BFCL_v4_{category}_result.json", data, category, mode)
    wrong_ids = {questions[i]["id"] for i in WRONG}
    assert failures == dict.fromkeys(wrong_ids, "agentic:answer_not_found")


def test_finished_scenarios_are_not_held_again(tmp_path: Path, model_env: Path) -> None:
    data = memory_data(tmp_path / "data", SCENARIOS, per_scenario=2)
    play = player(data, "kv")
    with ConversationServer({}, planner=play) as server:
        _run(data, tmp_path / "run", "memory_kv", "fc", server.base_url)
        before = len(server.log)
        again = _run(data, tmp_path / "run", "memory_kv", "fc", server.base_url)
        assert len(server.log) == before and again["sent"] == 0


def test_kill_mid_chain_then_resume_redoes_the_chain_only(tmp_path: Path, model_env: Path) -> None:
    data = memory_data(tmp_path / "data", SCENARIOS, per_scenario=3)
    play = player(data, "kv", wrong=WRONG)
    folder = tmp_path / "run" / "result" / "m" / "agentic" / "memory" / "kv"
    prereq_file = folder / "BFCL_v4_memory_kv_prereq_result.json"
    question_file = folder / "BFCL_v4_memory_kv_result.json"
    command = [sys.executable, "-m", "toolgrad_eval", "generate", "--model", "m", "--dataset", str(tmp_path / "run")]
    command += ["--categories", "memory_kv", "--bfcl-data", str(data), "--num_process", "3"]
    chains = _chains(data)
    with ConversationServer({}, planner=play, delay=0.02) as server:
        kill_midway(command, server, 8, 40)
        raw = prereq_file.read_bytes() if prereq_file.exists() else b""
        held = [json.loads(line)["id"] for line in raw.split(b"\n")[:-1]]
        assert len(held) < sum(chains.values())  # killed in the middle of a chain
        answered = (
            {json.loads(line)["id"] for line in question_file.read_text().splitlines()}
            if question_file.exists()
            else set()
        )
        before = len(server.log)
        play.systems.clear()
        summary = _run(data, tmp_path / "run", "memory_kv", "fc", server.base_url)
        redone = {play.prereqs[opening] for opening, _, _ in server.log[before:] if opening in play.prereqs}
    assert summary["errors"] == 0
    # Each chain resumed right after its last recorded prerequisite (from that one's checkpoint).
    recorded = {(i.rsplit("-", 2)[1], int(i.rsplit("-", 1)[1])) for i in held}
    assert redone == {(s, i) for s, n in chains.items() for i in range(n)} - recorded
    prereqs = [line["id"] for line in _lines(prereq_file)]
    assert len(prereqs) == len(set(prereqs)) == sum(chains.values())
    questions = _lines(question_file)
    ids = [line["id"] for line in questions]
    assert len(ids) == len(set(ids)) == len(SCENARIOS) * 3
    # Questions answered before the kill were not asked again; the others saw a whole chain, each
    # prerequisite applied once, in order (a prerequisite redone over a later snapshot shows twice).
    by_opening = {
        (q["scenario"], q["question"][0][0]["content"]): q["id"].replace("memory", "memory_kv")
        for q in map(json.loads, (data / "BFCL_v4_memory.json").read_text().splitlines())
    }
    asked = {by_opening[key] for key in play.systems}  # the questions asked after the resume
    assert asked and not asked & answered and asked | answered == set(ids)
    for (scenario, _), system in play.systems.items():
        assert f'"chain": "{scenario}:' + " ".join(map(str, range(chains[scenario]))) + '"' in system
    failures = _our_failures(question_file, data, "memory_kv", "fc")
    lines_by_n = [json.loads(line)["id"] for line in (data / "BFCL_v4_memory.json").read_text().splitlines()]
    assert set(failures) == {lines_by_n[i].replace("memory", "memory_kv") for i in WRONG}


def test_a_failed_prerequisite_stops_its_chain_and_its_questions_wait(tmp_path: Path, model_env: Path) -> None:
    data = memory_data(tmp_path / "data", ("notetaker",), per_scenario=2)
    play = player(data, "kv")
    second = next(o for o, (s, i) in play.prereqs.items() if s == "notetaker" and i == 1)
    with ConversationServer({}, planner=play, failing=frozenset({second})) as server:
        quick = SendSettings(max_attempts=2, backoff_base=0.01, backoff_max=0.02, rest_seconds=0.01)
        summary = _run(data, tmp_path / "run", "memory_kv", "fc", server.base_url, send=quick)
        assert summary["errors"] == 1 + 3 + 2  # the failed prerequisite, the 3 after it, the 2 questions
        assert not play.systems  # no question asked on a half-built memory
        server.failing.clear()
        done = _run(data, tmp_path / "run", "memory_kv", "fc", server.base_url)
    assert done["errors"] == 0 and done["sent"] == 4 + 2  # resumed at the failed prerequisite
    folder = tmp_path / "run" / "result" / "m" / "agentic" / "memory" / "kv"
    assert len(_lines(folder / "BFCL_v4_memory_kv_prereq_result.json")) == 5
    for system in play.systems.values():
        assert '"chain": "notetaker:0 1 2 3 4"' in system


def test_missing_rank_bm25_is_one_line(tmp_path: Path, model_env: Path) -> None:
    data = memory_data(tmp_path / "data", ("notetaker",), per_scenario=1)
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class _Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'rank_bm25':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, _Block())\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "toolgrad_eval", "generate", "--model", "m", "--dataset", str(tmp_path / "run")]
        + ["--categories", "memory_kv", "--bfcl-data", str(data), "--base-url", "http://127.0.0.1:9/v1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "rank_bm25" in lines[0] and "toolgrad-eval[memory]" in lines[0]
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_memory_vector_without_its_packages_is_refused_by_name(tmp_path: Path, model_env: Path) -> None:
    data = memory_data(tmp_path / "data", ("notetaker",), per_scenario=1)
    try:
        load_memory_class(simulator_dir(data, "v4"), "MemoryAPI_vector")
    except MemoryBackendUnavailable:
        pass
    else:
        pytest.skip("the memory_vector packages are installed here")
    with pytest.raises(MemoryBackendUnavailable, match="memory_vector.*sentence-transformers, faiss"):
        _run(data, tmp_path / "run", "memory_vector", "fc", "http://127.0.0.1:9/v1")
    assert not (tmp_path / "run").exists()


def test_memory_simulators_leave_no_official_names_loaded(tmp_path: Path) -> None:
    data = memory_data(tmp_path / "data", ("notetaker",), per_scenario=1)
    sys.modules["overrides"] = marker = type(sys)("overrides")  # someone else's, put back afterwards
    try:
        cls = load_memory_class(simulator_dir(data, "v4"), "MemoryAPI_rec_sum")
        assert cls.__name__ == "MemoryAPI_rec_sum"
        assert sys.modules["overrides"] is marker
        assert not [m for m in sys.modules if m.startswith("bfcl_eval")]
    finally:
        del sys.modules["overrides"]


def test_a_scenario_that_could_steer_a_path_is_refused(tmp_path: Path, model_env: Path) -> None:
    data = memory_data(tmp_path / "data", ("notetaker",), per_scenario=2)
    questions = (data / "BFCL_v4_memory.json").read_text().splitlines()
    first, second = json.loads(questions[0]), json.loads(questions[1])
    first["scenario"] = "../../../escaped"
    second["id"] = second["id"] + "/../../../escaped"
    (data / "BFCL_v4_memory.json").write_text("\n".join(map(json.dumps, [first, second])) + "\n")
    answers = (data / "possible_answer" / "BFCL_v4_memory.json").read_text().splitlines()
    answer = {**json.loads(answers[1]), "id": second["id"]}
    (data / "possible_answer" / "BFCL_v4_memory.json").write_text("\n".join([answers[0], json.dumps(answer)]) + "\n")
    play = player(data, "kv")
    with ConversationServer({}, planner=play) as server:
        summary = _run(data, tmp_path / "run", "memory_kv", "fc", server.base_url)
    assert summary["errors"] == 2
    folder = tmp_path / "run" / "result" / "m" / "agentic" / "memory" / "kv"
    lines = {line["id"]: line["result"] for line in _lines(folder / "BFCL_v4_memory_kv_result.json")}
    assert "no BFCL memory scenario" in lines[first["id"]]
    assert "is not a BFCL memory id" in lines[second["id"].replace("memory", "memory_kv", 1)]
    assert {p.name for p in tmp_path.iterdir()} == {"data", "run"}
    assert not [p for p in (tmp_path / "run").rglob("*escaped*")]


@pytest.mark.slow  # the whole memory data (155 questions, 37 prerequisites) twice, and the official evaluation
def test_official_evaluation_gives_our_verdicts_on_generated_memory_files(tmp_path: Path, model_env: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bfcl"))
    from agentic_oracle import official_evaluate
    from bfcl.oracle import or_skip

    from toolgrad_eval.bfcl.runner import run_bfcl

    data = memory_data(tmp_path / "data")
    cases = {"memory_kv": ("gpt-4o-2024-11-20-FC", "fc"), "memory_rec_sum": ("google_gemma-3-4b-it", "prompt")}
    wrong = frozenset(range(3, 155, 11))
    for category, (model, mode) in cases.items():
        play = player(data, category[len("memory_") :], mode=mode, wrong=wrong)
        with ConversationServer({}, mode=mode, planner=play) as server:
            summary = _run(data, tmp_path / "run", category, mode, server.base_url, model=model)
        assert summary["errors"] == 0 and summary["complete_categories"] == [category]
        assert len(play.systems) == 155
        folder = tmp_path / "run" / "result" / model / "agentic" / "memory" / category[len("memory_") :]
        numbers = [
            int(line["id"].split("_")[-1].split("-")[0])
            for line in _lines(folder / f"BFCL_v4_{category}_prereq_result.json")
        ]
        assert numbers == list(range(37))  # every prerequisite once, in BFCL's order
    or_skip(
        lambda: official_evaluate(
            tmp_path / "run" / "result", tmp_path / "official", list(dict(cases.values())), list(cases)
        )
    )
    for category, (model, _) in cases.items():
        run_bfcl(tmp_path / "run", model, tmp_path / f"record-{model}", bfcl_data=data, echo=lambda _: None)
        rel = Path("agentic") / "memory" / category[len("memory_") :] / f"BFCL_v4_{category}_score.json"
        theirs, ours = (_lines(root / model / rel) for root in (tmp_path / "official", tmp_path / "run" / "score"))
        assert ours[0]["correct_count"] == theirs[0]["correct_count"] == 155 - len(wrong)
        verdicts = {line["id"]: line["error"]["error_type"] for line in theirs[1:]}
        assert verdicts == {line["id"]: line["error"]["error_type"] for line in ours[1:]}
        assert set(verdicts.values()) == {"agentic:answer_not_found"} and len(verdicts) == len(wrong)


@pytest.mark.parametrize("checkpoint", ["kept", "lost"])
def test_a_chain_resumes_from_its_last_recorded_checkpoint(checkpoint: str, tmp_path: Path, model_env: Path) -> None:
    """A kill after entry 4 wrote its snapshots but before its line (and entry 3's) was recorded:
    the chain resumes at 3 from checkpoint 2, not from the later final snapshot; with checkpoint 2
    lost it is held again from its start, its old lines dropped."""
    data = memory_data(tmp_path / "data", ("notetaker",), per_scenario=2)
    play = player(data, "kv")
    folder = tmp_path / "run" / "result" / "m" / "agentic" / "memory" / "kv"
    prereq_file = folder / "BFCL_v4_memory_kv_prereq_result.json"
    with ConversationServer({}, planner=play) as server:
        _run(data, tmp_path / "run", "memory_kv", "fc", server.base_url)
        lines = prereq_file.read_text().splitlines()
        prereq_file.write_text("".join(line + "\n" for line in lines[:3]))  # entries 0..2 recorded
        (folder / "BFCL_v4_memory_kv_result.json").unlink()
        if checkpoint == "lost":
            (folder / "memory_snapshot" / "prereq_checkpoints" / f"{json.loads(lines[2])['id']}.json").unlink()
        before = len(server.log)
        play.systems.clear()
        summary = _run(data, tmp_path / "run", "memory_kv", "fc", server.base_url)
        held = {play.prereqs[opening][1] for opening, _, _ in server.log[before:] if opening in play.prereqs}
    assert held == ({3, 4} if checkpoint == "kept" else {0, 1, 2, 3, 4})
    assert summary["errors"] == 0 and summary["complete_categories"] == ["memory_kv"]
    ids = [json.loads(line)["id"] for line in prereq_file.read_text().splitlines()]
    assert ids == [json.loads(line)["id"] for line in lines]  # each once, in chain order
    assert len(play.systems) == 2
    for system in play.systems.values():
        assert '"chain": "notetaker:0 1 2 3 4"' in system


@pytest.mark.parametrize(("backend", "mode"), [("kv", "fc"), ("rec_sum", "prompt")])
def test_first_requests_are_the_official_ones(backend: str, mode: str, tmp_path: Path, model_env: Path) -> None:
    """Each entry's first request (system prompt with the memory as loaded, answer format, function
    docs or tools) equals what bfcl-eval 2026.3.23 builds for that id and that memory content."""
    from generate.official_memory import official_first_requests

    from bfcl.oracle import or_skip

    data = memory_data(tmp_path / "data", ("notetaker",), per_scenario=2)
    category = f"memory_{backend}"
    play = player(data, backend, mode=mode)
    with ConversationServer({}, mode=mode, planner=play) as server:
        _run(data, tmp_path / "run", category, mode, server.base_url)
    snapshots = tmp_path / "run" / "result" / "m" / "agentic" / "memory" / backend / "memory_snapshot"
    cls = load_memory_class(simulator_dir(data, "v4"), f"MemoryAPI_{backend}")

    def shown(snapshot: Path | None) -> str:
        memory = cls()
        if snapshot is not None:
            for key, value in json.loads(snapshot.read_text()).items():
                setattr(memory, key, value)
        return str(memory._dump_core_memory_to_context())

    ids: dict[tuple[str, str], str] = {}
    contents: dict[str, str] = {}
    chain = [
        json.loads(line)
        for line in (data / "memory_prereq_conversation" / "memory_notetaker.json").read_text().splitlines()
    ]
    for index, entry in enumerate(chain):
        entry_id = entry["id"].replace("memory", category)
        ids[("notetaker", entry["question"][0][0]["content"])] = entry_id
        before = chain[index - 1]["id"].replace("memory", category) if index else None
        contents[entry_id] = shown(snapshots / "prereq_checkpoints" / f"{before}.json" if before else None)
    for line in (data / "BFCL_v4_memory.json").read_text().splitlines():
        question = json.loads(line)
        entry_id = question["id"].replace("memory", category)
        ids[(question["scenario"], question["question"][0][0]["content"])] = entry_id
        contents[entry_id] = shown(snapshots / "notetaker_final.json")
    official = or_skip(lambda: official_first_requests({category: contents}))
    assert set(official) == set(contents) and set(play.first_requests) == set(ids)
    assert any("There is no content" not in c for c in contents.values())  # some memory was shown
    for key, body in play.first_requests.items():
        theirs = official[ids[key]]
        if mode == "fc":
            assert body["messages"] == theirs["fc_messages"], ids[key]
            assert body["tools"] == theirs["tools"], ids[key]
        else:
            assert body["messages"] == theirs["prompt_messages"], ids[key]
            assert "tools" not in body


def test_a_resume_over_other_prerequisite_conversations_is_refused(tmp_path: Path, model_env: Path) -> None:
    data = memory_data(tmp_path / "data", ("notetaker",), per_scenario=1)
    with ConversationServer({}, planner=player(data, "kv")) as server:
        _run(data, tmp_path / "run", "memory_kv", "fc", server.base_url)
        chain = data / "memory_prereq_conversation" / "memory_notetaker.json"
        chain.write_text(chain.read_text().replace("meeting", "appointment", 1))
        with pytest.raises(ConfigError, match="other question data \\(memory_kv_prereq"):
            _run(data, tmp_path / "run", "memory_kv", "fc", server.base_url)


def test_a_dead_server_leaves_no_folder(tmp_path: Path, model_env: Path) -> None:
    """The memory simulators make their snapshot folders when an entry opens; a run that got no
    reply at all takes them away again (nothing written, as for the other categories)."""
    data = memory_data(tmp_path / "data", ("notetaker",), per_scenario=1)
    with pytest.raises(GenerateAborted, match="nothing was written"):
        _run(data, tmp_path / "run", "memory_kv", "fc", "http://127.0.0.1:9/v1")
    assert not (tmp_path / "run").exists()


def test_scenarios_and_back_ends_run_side_by_side(tmp_path: Path, model_env: Path) -> None:
    """Both back-ends in one run: four chains held at once (their requests interleave), each
    scenario's questions on its own back-end's memory."""
    data = memory_data(tmp_path / "data", SCENARIOS, per_scenario=2)
    players = {backend: player(data, backend, wrong=WRONG) for backend in ("kv", "rec_sum")}
    order: list[tuple[str, str]] = []

    def plan(body: dict[str, Any], turn: int, step: int) -> Any:
        names = {tool["function"]["name"] for tool in body.get("tools", [])}
        backend = "kv" if "core_memory_add" in names else "rec_sum"
        play = players[backend]
        opening = next(m["content"] for m in body["messages"] if m["role"] == "user")
        if opening in play.prereqs:
            order.append((backend, play.prereqs[opening][0]))
        return play(body, turn, step)

    with ConversationServer({}, planner=plan, delay=0.005) as server:
        options = GenerateOptions(
            model="m",
            dataset=tmp_path / "run",
            categories=("memory_kv", "memory_rec_sum"),
            base_urls=(server.base_url,),
            num_process=4,
            bfcl_data=data,
        )
        summary = generate(options, echo=lambda _line: None)
    assert summary["errors"] == 0 and summary["complete_categories"] == ["memory_kv", "memory_rec_sum"]
    first_done = min(max(i for i, chain in enumerate(order) if chain == c) for c in set(order))
    assert len(set(order[: first_done + 1])) == 4  # every chain had started before the first one ended
    for backend, play in players.items():
        assert len(play.systems) == len(SCENARIOS) * 2
        folder = tmp_path / "run" / "result" / "m" / "agentic" / "memory" / backend
        failures = _our_failures(folder / f"BFCL_v4_memory_{backend}_result.json", data, f"memory_{backend}", "fc")
        questions = _lines(folder / f"BFCL_v4_memory_{backend}_result.json")
        assert set(failures) == {questions[i]["id"] for i in WRONG if i < len(questions)}


def test_what_a_kill_left_in_the_snapshot_folder_is_cleared_once_old(tmp_path: Path) -> None:
    """A kill -9 inside a flush leaves a ``.flush-*`` scratch folder and maybe a temporary beside a
    snapshot: planning the next run clears those older than 10 minutes and leaves a young one (a
    flush in progress elsewhere) and every snapshot alone."""
    import os
    import time

    from toolgrad_eval.fileio import _TEMPORARY
    from toolgrad_eval.generate.memory import CHECKPOINTS, _clear_leftovers

    snapshots = tmp_path / "memory_snapshot"
    checkpoints = snapshots / CHECKPOINTS
    old_scratch, young_scratch = checkpoints / ".flush-old", checkpoints / ".flush-young"
    for folder in (old_scratch, young_scratch):
        folder.mkdir(parents=True)
        (folder / "latest.json").write_text("{}")
    checkpoint = checkpoints / "memory_kv_prereq_0-customer-0.json"
    checkpoint.write_text("{}")
    temporary = checkpoints / _TEMPORARY.format(name=checkpoint.name, token="dead")
    temporary.write_text("{")
    final = snapshots / "customer_final.json"
    final.write_text("{}")
    hour_ago = time.time() - 3600
    for path in (old_scratch, temporary):
        os.utime(path, (hour_ago, hour_ago))
    _clear_leftovers(snapshots, ["memory_kv_prereq_0-customer-0"], "customer")
    assert not old_scratch.exists() and not temporary.exists()
    assert young_scratch.exists() and checkpoint.read_text() == "{}" and final.read_text() == "{}"
