"""Agreement with StableToolBench's ToolEval: our protocol, run through the command line against a
scripted judge on a real OpenAI-compatible server (127.0.0.1, the ``openai`` SDK), and a
re-statement of ToolEval's decision rules (``eval_pass_rate.py``, ``eval_preference.py`` and the
evaluator's ``check_is_solved`` / ``normalized_openai_completions`` / ``select_better_answer``,
StableToolBench commit aa4ed9f) asking the same scripted judge, give the same SoPR and SoWR.

The scripted judge decides from markers that both prompt formats carry: ``A=`` in a final answer
(the first step's status per round), ``D=`` in a tool response (the second step's, seen only
with the whole answer), ``Q=`` anywhere in an answer (its quality, for a content-driven
comparison); a position-biased judge always prefers the answer shown first. Where ToolEval
shuffles, the re-statement shuffles with our seeded order (so the two agree exactly), and with an
unseeded shuffle for the content-driven judge (its numbers cannot depend on the order).
"""

from __future__ import annotations

import json
import random
import re
from typing import Any, Callable

import pytest

from toolbench.builders import CHAT, PASS, PREFERENCE, entry, rows, run, write_layout
from toolgrad_eval.toolbench.preference import model_first

SET = "G1_tool"
IDS = [str(i) for i in range(1, 13)]


def _fin(status: str, quality: int | None = None, *, details: str | None = None, final: str | None = "") -> Any:
    steps = [("search", "{}", f"tool ok D={details}" if details else "tool ok")]
    text = f"A={status}" + (f" Q={quality}" if quality is not None else "")
    return entry(f"query {status}", steps, text if final == "" else final)


CANDIDATE = {
    "1": _fin("Solved,Solved,Solved", 3),
    "2": _fin("Unsure,Unsure,Solved", 3, details="Solved,Unsolved,Unsure"),
    "3": entry("three", [("search", "{}", "error")], None),  # no Finish call (empty final answer, as ToolBench has)
    "4": entry("four", [("search", "{}", "Q=2")], ""),  # a Finish call with an empty final answer
    "5": _fin("Solved,Solved,Solved", 1),  # identical to the reference's
    "7": _fin("Unsure,Solved,Unsolved", 2, details="Solved,Solved,Unsure"),  # the reference has none
    "9": entry("nine", [("search", "{}", "ok")], "I give_up_and_restart"),
    "10": _fin("Unsure,Unsure,Unsure", 4, details="Unsure,Solved,Unsolved"),
    "11": _fin("Unsolved,Solved,Unsolved", 1),
    "12": _fin("Solved,Solved,Solved", 7),
}
REFERENCE = {
    "1": _fin("Solved,Solved,Solved", 1),
    "2": _fin("Unsolved,Unsolved,Unsolved", 1),
    "3": _fin("Unsure,Unsure,Unsure", details="Unsure,Unsure,Unsure"),
    "4": entry("four", [("search", "{}", "Q=5")], ""),
    "5": _fin("Solved,Solved,Solved", 1),
    "6": _fin("Solved,Unsure,Solved", 1, details="Solved,Solved,Solved"),  # the candidate has none
    "9": _fin("Solved,Solved,Solved"),
    "10": _fin("Unsure,Unsure,Unsure", 2, details="Unsure,Solved,Unsolved"),
    "11": _fin("Solved,Unsolved,Unsolved", 6),
    "12": _fin("Unsure,Unsure,Unsure", 1, details="Unsure,Unsure,Unsure"),
}  # 8: neither answers


# --- the scripted judge: one decision function, two prompt formats ------------------------------


def status_of(text: str, marker: str, seed: int) -> str:
    found = re.search(marker + r"=([A-Za-z,]+)", text)
    return found.group(1).split(",")[seed] if found else "Unsolved"


def quality(text: str) -> int:
    found = re.search(r"Q=(\d+)", text)
    return int(found.group(1)) if found else 0


def content_judge(first: str, second: str) -> int:
    return 1 if quality(second) > quality(first) else 0


def position_judge(first: str, second: str) -> int:
    return 0


Better = Callable[[str, str], int]


def server_judge(better: Better) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """What the loopback server answers to our prompts."""

    def reply(request: dict[str, Any]) -> dict[str, Any]:
        name = request["response_format"]["json_schema"]["name"]
        text, seed = request["messages"][-1]["content"], request.get("seed", 0)
        if name == PASS:
            if "<answer_steps>" in text:  # the second step: the whole answer
                steps = text.split("<answer_steps>", 1)[1]
                return {"reason": "details", "answer_status": status_of(steps, "D", seed)}
            return {"reason": "final answer", "answer_status": status_of(text, "A", seed)}
        first, second = text.split("<answer_1>", 1)
        return {"reason": "compared", "better_answer": better(first, second)}

    return reply


# --- ToolEval's decision rules, restated (read from its code; the judge calls are the same function) ---


class ToolEval:
    def __init__(self, better: Better, shuffle: Callable[[str, int], bool]) -> None:
        self.better, self.model_first, self.calls = better, shuffle, {"pass": 0, "select": 0, "solvable": 0}

    def check_is_solved(self, query: str, answer: dict[str, Any], seed: int) -> str:
        final = answer["final_answer"]
        if final == "" or "give_up_and_restart" in final:
            return "Unsolved"
        self.calls["pass"] += 1  # check_answer_status sees the query and the final answer
        status = status_of(f"Query:\n{query}\nAnswer:\n{final}", "A", seed)
        if status == "Unsure":  # parse_answer_status sees the whole answer as JSON
            self.calls["pass"] += 1
            status = status_of(json.dumps(answer).split('"answer_details"', 1)[1], "D", seed)
        return status

    def pass_rate(self, examples: dict[str, Any], k: int) -> float | None:
        labels = {q: [] for q in examples if q in IDS}  # queries absent from the file are not counted
        for q in labels:
            for seed in range(k):
                finished = "'name': 'Finish'" in _final_step(examples[q]["answer"])
                status = (
                    self.check_is_solved(examples[q]["query"], examples[q]["answer"], seed) if finished else "Unsolved"
                )
                labels[q].append(status)
        value = {"Solved": 1.0, "Unsure": 0.5, "Unsolved": 0.0}
        scores = [sum(value[s[r]] for s in labels.values()) / len(labels) for r in range(k)]
        return 100 * sum(scores) / k if labels else None

    def win_rate(self, reference: dict[str, Any], output: dict[str, Any], k: int) -> tuple[float, float]:
        votes = {q: {"ref": 0, "out": 0} for q in IDS}
        for seed in range(k):
            for q in IDS:
                if q not in reference:
                    votes[q]["out"] += 1
                elif q not in output:
                    votes[q]["ref"] += 1
                else:
                    votes[q][self._prefer(q, seed, reference[q], output[q])] += 1
        wins = sum(v["out"] > v["ref"] for v in votes.values())
        ties = sum(v["out"] == v["ref"] for v in votes.values())
        return 100 * wins / len(votes), 100 * ties / len(votes)

    def outcome(self, q: str, reference: dict[str, Any], output: dict[str, Any], k: int) -> str:
        out = ref = 0
        for seed in range(k):
            side = "out" if q not in reference else "ref" if q not in output else None
            side = side or self._prefer(q, seed, reference[q], output[q])
            out, ref = out + (side == "out"), ref + (side == "ref")
        return "win" if out > ref else "loss" if out < ref else "tie"

    def _prefer(self, q: str, seed: int, ref: dict[str, Any], out: dict[str, Any]) -> str:
        shown = ["out", "ref"] if self.model_first(f"{SET}/{q}", seed) else ["ref", "out"]
        answers = {"ref": ref["answer"], "out": out["answer"]}
        status = {side: self.check_is_solved(ref["query"], answers[side], seed) for side in shown}
        for level in ("Solved", "Unsure"):
            having = [side for side in shown if status[side] == level]
            if len(having) == 1:
                return having[0]
            if len(having) == 2:
                return self._select(shown, answers)
        self.calls["solvable"] += 1  # check_task_solvable: asked, its answer unused
        return self._select(shown, answers)

    def _select(self, shown: list[str], answers: dict[str, Any]) -> str:
        a0, a1 = (answers[side] for side in shown)
        if a0["final_answer"] == a1["final_answer"] and str(a0["answer_details"]) == str(a1["answer_details"]):
            return shown[0]  # identical: ToolEval's random choice; here whoever is shown first
        self.calls["select"] += 1
        return shown[self.better(json.dumps(a0), json.dumps(a1))]


def _final_step(answer: dict[str, Any]) -> str:
    node, final = answer["answer_details"][0], ""
    while "next" in node:
        if node["message"] and node["role"] == "tool":
            final = f"Final step: {node['message']}"
        if not node["next"]:
            break
        node = node["next"][0]
    return final


# --- the differential test ---------------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("better", [content_judge, position_judge], ids=["content", "position"])
def test_sopr_and_sowr_agree_with_toolevals_rules(toolbench_judge, tmp_path, better, k):
    toolbench_judge.score_fn = server_judge(better)
    data = write_layout(tmp_path / "tb", {"cand": {SET: CANDIDATE}, "ref": {SET: REFERENCE}}, {SET: IDS})
    code, s = run(data, "cand", "--reference_model", "ref", "--judge-samples", str(k))
    assert code == 0

    official = ToolEval(better, model_first)
    official_pass = official.pass_rate(CANDIDATE, k), official.pass_rate(REFERENCE, k)
    pass_calls = official.calls["pass"]
    sowr, tie = official.win_rate(REFERENCE, CANDIDATE, k)
    assert s["sopr"][SET] == pytest.approx(official_pass[0]) and s["sopr_n"][SET] == len(CANDIDATE)
    assert s["reference"]["sopr"][SET] == pytest.approx(official_pass[1])
    assert s["sowr"][SET] == pytest.approx(sowr) and s["sowr_tie"][SET] == pytest.approx(tie)
    if k % 2:
        assert tie == 0.0  # one comparison per round: an odd number of rounds cannot tie

    requests = [r["json"] for r in toolbench_judge.requests if r["path"] == CHAT]
    names = [r["response_format"]["json_schema"]["name"] for r in requests]
    # pass rate: ToolEval asks 1 or 2 requests per judged round, as we do; where two prompts are the
    # same text in the same round (query 5's identical answers, ToolEval asks both) we ask once
    shared = s["cache_hits"]
    assert shared == 2 * k  # the reference's query 5 and its query 1 share the candidate's query 5 first step
    assert names.count(PASS) + shared == pass_calls
    # win rate: one request per round whose statuses are equal (and answers differ), none otherwise;
    # ToolEval also asks check_task_solvable when neither answer is Solved, whose answer it never uses
    assert names.count(PREFERENCE) == official.calls["select"]
    by_round = rows()
    assert by_round[f"{SET}/8"]["preference"] == "win"  # neither answered: the candidate gets every round


@pytest.mark.parametrize("k", [2, 3])
def test_a_content_judge_gives_toolevals_numbers_whatever_its_shuffle(toolbench_judge, tmp_path, k):
    """With a judge that reads content, ToolEval's unseeded shuffle changes nothing but the rounds
    of identical answers (query 5, a coin either way): every other query's outcome is ours."""
    toolbench_judge.score_fn = server_judge(content_judge)
    data = write_layout(tmp_path / "tb", {"cand": {SET: CANDIDATE}, "ref": {SET: REFERENCE}}, {SET: IDS})
    assert run(data, "cand", "--reference_model", "ref", "--judge-samples", str(k))[0] == 0
    ours = {q: r["preference"] for q, r in ((q, rows()[f"{SET}/{q}"]) for q in IDS)}
    coin = random.Random(7)
    for _ in range(5):
        shuffled = ToolEval(content_judge, lambda _id, _round: coin.random() < 0.5)
        theirs = {q: shuffled.outcome(q, REFERENCE, CANDIDATE, k) for q in IDS}
        assert {q: o for q, o in theirs.items() if q != "5"} == {q: o for q, o in ours.items() if q != "5"}
