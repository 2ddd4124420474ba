"""Multi-turn verdicts, error types and score-file details agree with BFCL's official runner.

Fabricated results (tests/bfcl/multi_turn_corpus.py) for entries of all four multi-turn
categories, FC (OpenAI handler, JSON-text arguments) and prompt (the shared prompting decoder),
v4 (bfcl-eval 2026.3.23) and v3 (2025.6.30), each scored by the era's official runner in a
subprocess and by ours.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from bfcl import multi_turn_corpus as corpus
from bfcl import multi_turn_oracle
from bfcl import oracle
from toolgrad_eval.bfcl.data import BfclData
from toolgrad_eval.bfcl.layout import ResultFile
from toolgrad_eval.bfcl.multi_turn.score import MULTI_TURN, score_multi_turn
from toolgrad_eval.bfcl.multi_turn.simulators import load_classes, simulator_dir

# Entries picked to cover every simulator class (the ids are the same in v3 and v4).
PICKS = (0, 3, 37, 75, 110, 140, 170, 199)


def _signatures(classes: dict[str, type]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for cls in classes.values():
        for name, func in inspect.getmembers(cls, inspect.isfunction):
            if not name.startswith("_"):
                out[name] = [p for p in inspect.signature(func).parameters if p != "self"]
    return out


def _jobs(version: str, data: BfclData, classes: dict[str, type]) -> list[dict[str, Any]]:
    signatures = _signatures(classes)
    jobs = []
    for category in MULTI_TURN:
        entries = data.entries(category)
        picked = [(entries[i].id, entries[i].answer) for i in PICKS if i < len(entries)]
        for is_fc in (True, False):
            groups: dict[str, list[dict[str, Any]]] = {}
            for line in corpus.fabricate(picked, is_fc, signatures):
                groups.setdefault(line["variant"], []).append({"id": line["id"], "result": line["result"]})
            for variant, results in groups.items():
                model = f"mt-{variant}" + ("-FC" if is_fc else "")
                jobs.append({"category": category, "model": model, "is_fc": is_fc, "results": results})
    return jobs


def _ours(tmp: Path, version: str, data: BfclData, job: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    name = job["category"]
    path = tmp / job["model"] / f"BFCL_{version}_{name}_result.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in job["results"]))
    rf = ResultFile(path, Path("."), version, name, name)
    outcome = score_multi_turn(rf, data, job["model"], fmt="openai-fc" if job["is_fc"] else "python")
    wanted = {r["id"] for r in job["results"]}
    lines: dict[str, list[dict[str, Any]]] = {i: [] for i in wanted}
    for line in outcome.failures:
        if line["id"] in wanted:
            lines[line["id"]].append(line)
    return lines


def _summary(line: dict[str, Any]) -> dict[str, Any]:
    error = line["error"]
    out = {"error_type": error["error_type"], "error_message": error["error_message"]}
    if "model_result_decoded" in line:
        out["decoded"] = line["model_result_decoded"]
    details = error.get("details", {})
    for key in ("missing_items", "model_response (including all previous turns)"):
        if key in details:
            out[key] = details[key]
    if "execution_result" in error:
        out["execution_result"] = error["execution_result"]
    if "differences" in details:
        out["differences"] = sorted(details["differences"])
    return out


@pytest.mark.parametrize("version", ["v4", "v3"])
def test_multi_turn_matches_official_runner(version: str, tmp_path: Path) -> None:
    data = BfclData(oracle.or_skip(lambda: oracle.data_dir(version)), version, "test")
    classes = load_classes(simulator_dir(data.root, version))
    jobs = _jobs(version, data, classes)
    official = oracle.or_skip(lambda: multi_turn_oracle.official_score_lines(version, jobs))
    seen_types: set[str] = set()
    passed = 0
    for job, theirs in zip(jobs, official):
        ours = _ours(tmp_path, version, data, job)
        expected: dict[str, list[dict[str, Any]]] = {i: [] for i in ours}
        for line in theirs[1:]:
            expected[line["id"]].append(line)
        for entry_id in ours:
            got = [_summary(x) for x in ours[entry_id]]
            want = [_summary(x) for x in expected[entry_id]]
            assert got == want, (job["model"], job["category"], entry_id)
            seen_types.update(x["error_type"] for x in want)
            passed += not want
    assert passed > 0
    assert seen_types >= {
        "multi_turn:empty_turn_model_response",
        "multi_turn:instance_state_mismatch",
        "multi_turn:execution_response_mismatch",
        "multi_turn:force_terminated",
        "multi_turn:inference_error",
    }, seen_types
