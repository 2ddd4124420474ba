"""Multi-turn verdicts, error types and score-file details agree with BFCL's official runner.

Fabricated results (tests/bfcl/multi_turn_corpus.py) for entries of all four multi-turn
categories, FC (OpenAI handler, JSON-text arguments) and prompt (the shared prompting decoder),
v4 (bfcl-eval 2026.3.23) and v3 (2025.6.30), each scored by the era's official runner in a
subprocess and by ours.
"""

from __future__ import annotations

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


def _jobs(version: str, data: BfclData, classes: dict[str, type]) -> list[dict[str, Any]]:
    signatures = corpus.signatures(classes)
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


def _qwen_step(step: Any) -> Any:
    """An FC step (``[{name: json}]``) as QwenFCHandler's text: one <tool_call> block per call."""
    if not isinstance(step, list):
        return step
    blocks = []
    for call in step:
        for name, args in call.items():
            try:
                arguments = json.loads(args)
            except ValueError:
                arguments = args  # text arguments: the handler hands them to json.loads, which fails
            if len(name) % 2 == 0:  # arguments as JSON text: decode_execute reads them (decode_ast would not)
                arguments = args
            blocks.append("<tool_call>\n" + json.dumps({"name": name, "arguments": arguments}) + "\n</tool_call>")
    return "Let me do that.\n" + "\n".join(blocks)


# (format, handler module, handler class, FC corpus?): families whose decode_execute differs
FAMILIES = [
    ("qwen-fc", "bfcl_eval.model_handler.local_inference.qwen_fc", "QwenFCHandler", True),
    ("python", "bfcl_eval.model_handler.local_inference.gemma", "GemmaHandler", False),
]


@pytest.mark.parametrize(("fmt", "module", "handler", "is_fc"), FAMILIES)
def test_multi_turn_families_match_official_handlers(
    fmt: str, module: str, handler: str, is_fc: bool, tmp_path: Path
) -> None:
    version = "v4"
    data = BfclData(oracle.or_skip(lambda: oracle.data_dir(version)), version, "test")
    classes = load_classes(simulator_dir(data.root, version))
    jobs = [j for j in _jobs(version, data, classes) if j["is_fc"] == is_fc and j["category"] == "multi_turn_base"]
    for job in jobs:
        job["handler"] = [module, handler]
        job["model"] = job["model"] + "-" + handler
        if fmt == "qwen-fc":
            for r in job["results"]:
                if isinstance(r["result"], list):
                    r["result"] = [[_qwen_step(s) for s in turn] for turn in r["result"]]
    official = oracle.or_skip(lambda: multi_turn_oracle.official_score_lines(version, jobs))
    compared = 0
    for job, theirs in zip(jobs, official):
        name = job["category"]
        path = tmp_path / job["model"] / f"BFCL_{version}_{name}_result.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in job["results"]))
        outcome = score_multi_turn(ResultFile(path, Path("."), version, name, name), data, job["model"], fmt=fmt)
        wanted = {r["id"] for r in job["results"]}
        ours = {i: [_summary(x) for x in outcome.failures if x["id"] == i] for i in wanted}
        expected: dict[str, list[dict[str, Any]]] = {i: [] for i in wanted}
        for line in theirs[1:]:
            expected[line["id"]].append(_summary(line))
        assert ours == expected, job["model"]
        compared += len(wanted)
    assert compared > 50
