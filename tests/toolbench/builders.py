"""Helpers for ToolBench tests: StableToolBench layouts built from the real excerpt, a scripted judge."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any, Callable

REAL = Path(__file__).resolve().parent / "data" / "stabletoolbench"  # see its PROVENANCE.md
CHAT = "/v1/chat/completions"
COT, DFS = "virtual_chatgpt_cot", "virtual_chatgpt_dfs"
TEST_SET = "G1_instruction"
PASS, PREFERENCE = "toolbench_pass_verdict", "toolbench_preference_verdict"


def real_layout(root: Path, *, converted: bool = True, raw: bool = False, stored: bool = False) -> Path:
    """A StableToolBench folder holding the real example files (converted and/or raw answers of
    ChatGPT CoT and DFS on G1_instruction, optionally ToolEval's stored pass-rate verdicts)."""
    ids = root / "solvable_queries" / "test_query_ids"
    ids.mkdir(parents=True)
    shutil.copy(REAL / "solvable_queries_example" / "test_query_ids" / f"{TEST_SET}.json", ids)
    if converted:
        shutil.copytree(REAL / "data_example" / "model_predictions_converted", root / "model_predictions_converted")
    if raw:
        shutil.copytree(REAL / "data_example" / "answer", root / "answer")
    if stored:
        shutil.copytree(REAL / "data_example" / "pass_rate_results", root / "pass_rate_results")
    return root


def entry(
    query: str, steps: list[tuple[str, str, str]], final: str | None, *, tools: tuple[str, ...] = ("search",)
) -> dict[str, Any]:
    """A converted entry: (name, arguments, response) tool steps, then a Finish call with ``final``
    (None: no Finish call; "": a Finish call but an empty final_answer, as ToolBench records one
    it could not read). Built with the library's own writer of ToolEval's format."""
    from toolgrad_eval.toolbench.answers import Step, answer_entry

    chain = [Step("tool", name=n, arguments=a, response=r) for n, a, r in steps]
    final_answer = ""
    if final is not None:
        arguments = json.dumps({"return_type": "give_answer", "final_answer": final})
        final_answer = arguments if final else ""
        chain.append(Step("tool", name="Finish", arguments=arguments))
    available = [{"name": t, "description": f"tool {t}", "parameters": {}} for t in (*tools, "Finish")]
    return answer_entry(query, available, "CoT@1", final_answer, chain)


def write_layout(root: Path, answers: dict[str, dict[str, dict[str, Any]]], ids: dict[str, list[str]]) -> Path:
    """``answers``: model -> test set -> {query id: entry}; ``ids``: test set -> query ids."""
    folder = root / "solvable_queries" / "test_query_ids"
    folder.mkdir(parents=True, exist_ok=True)
    for test_set, query_ids in ids.items():
        (folder / f"{test_set}.json").write_text(json.dumps({q: 0 for q in query_ids}))
    for model, sets in answers.items():
        for test_set, entries in sets.items():
            path = root / "model_predictions_converted" / model / f"{test_set}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(entries))
    return root


def marker_judge(request: dict[str, Any]) -> dict[str, Any]:
    """The scripted judge: a pass-rate prompt gets the status named by STATUS=<x> in it (Solved when
    none; STATUSES=a,b,c gives one per seed, seed 0 first); a preference prompt prefers the answer
    holding PREFER_ME (answer_0 when neither does: a judge with position bias)."""
    name = request["response_format"]["json_schema"]["name"]
    text = request["messages"][-1]["content"]
    if name == PASS:
        many = re.search(r"STATUSES=([A-Za-z,]+)", text)
        if many:
            status = many.group(1).split(",")[request.get("seed", 0)]
        else:
            one = re.search(r"STATUS=([A-Za-z]+)", text)
            status = one.group(1) if one else "Solved"
        return {"reason": f"fake: {status}", "answer_status": status}
    first, second = text.split("<answer_1>", 1)
    better = 1 if "PREFER_ME" in second and "PREFER_ME" not in first else 0
    return {"reason": f"fake: answer_{better}", "better_answer": better}


def run(data: Path, model: str, *args: str, out: str = "out", cache: str = "cache") -> tuple[int, dict[str, Any]]:
    from toolgrad_eval.cli.main import main

    from toolgrad_eval.record_schema import validate_record

    code = main(["--pred_model", model, "--dataset", str(data), "--output", out, "--cache-dir", cache, *args])
    path = Path(out) / "summary.json"
    if path.exists():
        validate_record(Path(out))  # every record a test writes is checked against the published schema
    return code, json.loads(path.read_text()) if path.exists() else {}


def rows(out: str = "out") -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in map(json.loads, (Path(out) / "per_sample.jsonl").read_text().splitlines())}


def pass_requests(server: Any) -> list[dict[str, Any]]:
    return [
        r["json"]
        for r in server.requests
        if r["path"] == CHAT and r["json"]["response_format"]["json_schema"]["name"] == PASS
    ]


def preference_requests(server: Any) -> list[dict[str, Any]]:
    return [
        r["json"]
        for r in server.requests
        if r["path"] == CHAT and r["json"]["response_format"]["json_schema"]["name"] == PREFERENCE
    ]


ScoreFn = Callable[[dict[str, Any]], Any]
