"""BFCL v4 memory data for the generate tests: the release's data, trimmed, and a scripted player for it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from bfcl import oracle
from support.fake_conversations import MemoryPlayer

from toolgrad_eval.generate.prompt import read_literals


def memory_data(dest: Path, scenarios: tuple[str, ...] | None = None, per_scenario: int | None = None) -> Path:
    """The release's memory data (questions of ``scenarios`` only, the first ``per_scenario`` of each;
    None: all) with what generation needs beside it."""
    source = oracle.or_skip(lambda: oracle.data_dir("v4"))
    site = source.parent
    dest.mkdir(parents=True)
    questions = [json.loads(line) for line in (source / "BFCL_v4_memory.json").read_text().splitlines()]
    answers = [
        json.loads(line) for line in (source / "possible_answer" / "BFCL_v4_memory.json").read_text().splitlines()
    ]
    kept: list[int] = []
    seen: dict[str, int] = {}
    for i, question in enumerate(questions):
        scenario = question["scenario"]
        if scenarios is not None and scenario not in scenarios:
            continue
        seen[scenario] = seen.get(scenario, 0) + 1
        if per_scenario is None or seen[scenario] <= per_scenario:
            kept.append(i)
    (dest / "possible_answer").mkdir()
    (dest / "BFCL_v4_memory.json").write_text("".join(json.dumps(questions[i]) + "\n" for i in kept))
    (dest / "possible_answer" / "BFCL_v4_memory.json").write_text("".join(json.dumps(answers[i]) + "\n" for i in kept))
    shutil.copytree(source / "memory_prereq_conversation", dest / "memory_prereq_conversation")
    shutil.copytree(source / "multi_turn_func_doc", dest / "multi_turn_func_doc")
    shutil.copytree(site / "eval_checker" / "multi_turn_eval" / "func_source_code", dest / "func_source_code")
    shutil.copy(site / "constants" / "default_prompts.py", dest / "default_prompts.py")
    return dest


def player(data: Path, backend: str, *, mode: str = "fc", wrong: frozenset[int] = frozenset()) -> MemoryPlayer:
    """A :class:`MemoryPlayer` for the data in ``data`` (question index: its line number there)."""
    settings = read_literals(data / "default_prompts.py")["MEMORY_AGENT_SETTINGS"]
    questions: dict[tuple[str, str], tuple[int, str]] = {}
    answers = [json.loads(line) for line in (data / "possible_answer" / "BFCL_v4_memory.json").read_text().splitlines()]
    for n, line in enumerate((data / "BFCL_v4_memory.json").read_text().splitlines()):
        question = json.loads(line)
        questions[(question["scenario"], question["question"][0][0]["content"])] = (n, answers[n]["ground_truth"][0])
    prereqs: dict[str, tuple[str, int]] = {}
    for path in sorted((data / "memory_prereq_conversation").glob("memory_*.json")):
        for index, line in enumerate(path.read_text().splitlines()):
            entry: dict[str, Any] = json.loads(line)
            prereqs[entry["question"][0][0]["content"]] = (entry["scenario"], index)
    return MemoryPlayer(settings, prereqs, questions, backend=backend, mode=mode, wrong=wrong)
