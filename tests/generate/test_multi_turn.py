"""``generate`` for multi-turn categories against a real scripted server, scored by ours and the official checker.

The server (tests/support/fake_conversations.py) replays each entry's ground truth one call per step and
answers in text when the turn's calls are done; some entries are sabotaged: a turn answered in text at
once (an empty turn), a call that never stops (the step limit), an argument changed. Our generated file
must give every unsabotaged entry a pass, the sabotaged ones a fail, and the official checker of the
same release the same per-entry verdicts.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from bfcl import multi_turn_corpus as corpus
from bfcl import multi_turn_oracle, oracle
from support.fake_conversations import ConversationServer, kill_midway

from toolgrad_eval.bfcl.data import BfclData
from toolgrad_eval.bfcl.layout import ResultFile
from toolgrad_eval.bfcl.multi_turn.score import score_multi_turn
from toolgrad_eval.bfcl.multi_turn.simulators import load_classes, simulator_dir
from toolgrad_eval.generate.conversation import MAX_STEPS
from toolgrad_eval.generate.runner import GenerateOptions, generate
from toolgrad_eval.generate.sender import SendSettings

PICKS = (0, 3, 37, 75, 110, 140, 170, 199)
MODEL = "scripted/mt-model"
FOLDER = "scripted_mt-model"


def _trimmed_data(version: str, category: str, dest: Path, picks: tuple[int, ...] = PICKS) -> Path:
    """The release's data with only PICKS of ``category`` (and what generation needs beside it)."""
    source = oracle.or_skip(lambda: oracle.data_dir(version))
    site = source.parent
    prefix = "BFCL_v4" if version == "v4" else "BFCL_v3"
    dest.mkdir(parents=True)
    for rel in (f"{prefix}_{category}.json", f"possible_answer/{prefix}_{category}.json"):
        lines = (source / rel).read_text().splitlines()
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text("".join(lines[i] + "\n" for i in picks))
    shutil.copytree(source / "multi_turn_func_doc", dest / "multi_turn_func_doc")
    shutil.copytree(site / "eval_checker" / "multi_turn_eval" / "func_source_code", dest / "func_source_code")
    shutil.copy(site / "constants" / "default_prompts.py", dest / "default_prompts.py")
    return dest


def _step(call: str, is_fc: bool, signatures: dict[str, list[str]]) -> Any:
    """One ground-truth call as a step, its positional arguments named (as a model writes them)."""
    if is_fc:
        return corpus.as_step([call], True, signatures)
    name, args, kwargs = corpus.parse_call(call)
    named = {**dict(zip(signatures.get(name, []), args)), **kwargs}
    return "[" + name + "(" + ", ".join(f"{k}={v!r}" for k, v in named.items()) + ")]"


def _script(data: BfclData, category: str, is_fc: bool) -> tuple[dict[str, list[list[Any]]], dict[str, str]]:
    """Opening message -> scripted turns, and the sabotage of each sabotaged entry's id."""
    signatures = corpus.signatures(load_classes(simulator_dir(data.root, data.version)))
    script: dict[str, list[list[Any]]] = {}
    sabotage: dict[str, str] = {}
    for index, entry in enumerate(data.entries(category)):
        truth: list[list[str]] = [list(t) for t in entry.answer or []]
        if index == 1:  # the last turn with calls answered in text at once
            busy = [i for i, t in enumerate(truth) if t]
            truth[busy[-1]] = []
            sabotage[entry.id] = "empty turn"
        elif index == 4:
            sabotage[entry.id] = "forever"
        elif index == 6:  # the first string argument changed
            for t, calls in enumerate(truth):
                changed = next((c for c in calls if "='" in c), None)
                if changed is not None:
                    head, _, tail = changed.partition("='")
                    truth[t][calls.index(changed)] = f"{head}='sabotaged_{tail}"
                    sabotage[entry.id] = "argument"
                    break
        opening = entry.question["question"][0][0]["content"]
        script[opening] = [[_step(call, is_fc, signatures) for call in turn] for turn in truth]
    return script, sabotage


def _run(
    data_dir: Path, dataset: Path, version: str, category: str, mode: str, *urls: str, send: SendSettings | None = None
) -> dict[str, Any]:
    options = GenerateOptions(
        model=MODEL,
        dataset=dataset,
        mode=mode,  # type: ignore[arg-type]
        categories=(category,),
        version=version,  # type: ignore[arg-type]
        base_urls=urls,
        num_process=4,
        bfcl_data=data_dir,
        send=send or SendSettings(),
    )
    return generate(options, echo=lambda _line: None)


def _result_path(dataset: Path, version: str, category: str) -> Path:
    model_dir = dataset / "result" / FOLDER
    return (model_dir / "multi_turn" if version == "v4" else model_dir) / f"BFCL_{version}_{category}_result.json"


def _our_failures(path: Path, data: BfclData, version: str, category: str, is_fc: bool) -> dict[str, str]:
    rf = ResultFile(path, Path("."), version, category, category)
    outcome = score_multi_turn(rf, data, FOLDER, fmt="openai-fc" if is_fc else "python")
    return {line["id"]: line["error"]["error_type"] for line in outcome.failures}


CASES = [
    ("v4", "fc", "multi_turn_base"),
    ("v4", "prompt", "multi_turn_miss_func"),
    ("v3", "fc", "multi_turn_miss_func"),
    ("v3", "prompt", "multi_turn_miss_param"),
]


@pytest.mark.parametrize(("version", "mode", "category"), CASES)
def test_generated_conversations_score_alike_in_both_checkers(
    version: str, mode: str, category: str, tmp_path: Path, model_env: Path
) -> None:
    data_dir = _trimmed_data(version, category, tmp_path / "data")
    data = BfclData(data_dir, version, "test")
    is_fc = mode == "fc"
    script, sabotage = _script(data, category, is_fc)
    forever = frozenset(
        e.question["question"][0][0]["content"] for e in data.entries(category) if sabotage.get(e.id) == "forever"
    )
    held_out = {
        e.question["question"][0][0]["content"]: {int(t): n for t, n in e.question["missed_function"].items()}
        for e in data.entries(category)
        if e.question.get("missed_function")
    }
    assert bool(held_out) == (category == "multi_turn_miss_func")
    with ConversationServer(script, mode=mode, forever=forever, held_out=held_out) as server:
        summary = _run(data_dir, tmp_path / "run", version, category, mode, server.base_url)
    assert server.violations == []
    assert summary["errors"] == 0 and summary["complete_categories"] == [category]
    path = _result_path(tmp_path / "run", version, category)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["id"] for line in lines] == [e.id for e in data.entries(category)]
    for line in lines:  # BFCL's shape: result[turn][step], counts and latency alike
        assert (
            [len(t) for t in line["result"]]
            == [len(t) for t in line["latency"]]
            == [len(t) for t in line["input_token_count"]]
        )
    stopped = next(line for line in lines if sabotage.get(line["id"]) == "forever")
    assert len(stopped["result"]) == 1 and len(stopped["result"][0]) == MAX_STEPS + 1  # forced out in turn 0

    ours = _our_failures(path, data, version, category, is_fc)
    assert set(ours) >= {i for i, why in sabotage.items() if why in ("empty turn", "forever")}
    assert not set(ours) - set(sabotage), ours  # every unsabotaged entry passes
    assert ours[stopped["id"]] == "multi_turn:force_terminated"

    job = {"category": category, "model": FOLDER + ("-FC" if is_fc else ""), "is_fc": is_fc, "results": lines}
    official = oracle.or_skip(lambda: multi_turn_oracle.official_score_lines(version, [job]))[0]
    theirs = {line["id"]: line["error"]["error_type"] for line in official[1:]}
    assert theirs == ours


def test_kill_and_resume_sends_only_unfinished_entries(tmp_path: Path, model_env: Path) -> None:
    version, category, mode = "v4", "multi_turn_base", "fc"
    data_dir = _trimmed_data(version, category, tmp_path / "data")
    data = BfclData(data_dir, version, "test")
    script, sabotage = _script(data, category, True)
    openings = {e.question["question"][0][0]["content"]: e.id for e in data.entries(category)}
    path = _result_path(tmp_path / "run", version, category)
    command = [sys.executable, "-m", "toolgrad_eval", "generate", "--model", MODEL, "--dataset", str(tmp_path / "run")]
    command += ["--categories", category, "--bfcl-data", str(data_dir), "--num_process", "3"]
    with ConversationServer(script, mode=mode, delay=0.02) as server:
        kill_midway(command, server, 20, 60)  # requests in flight land in the log before the resume starts
        before = len(server.log)
        raw = path.read_bytes() if path.exists() else b""
        finished = {json.loads(line)["id"] for line in raw.split(b"\n")[:-1]}  # whole lines only
        assert len(finished) < len(openings)  # killed in the middle
        _run(data_dir, tmp_path / "run", version, category, mode, server.base_url)
        resumed = {openings[opening] for opening, _, _ in server.log[before:]}
    assert resumed and not resumed & finished
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    ids = [line["id"] for line in lines]
    assert sorted(ids) == sorted(openings.values()) and len(set(ids)) == len(ids)
    assert all(isinstance(line["result"], list) for line in lines)
    ours = _our_failures(path, data, version, category, True)
    assert not set(ours) - set(sabotage)
