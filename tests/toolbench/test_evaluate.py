"""End to end: the main command on ToolBench layouts against the loopback judge (real openai SDK, HTTP)."""

from __future__ import annotations

import math

import pytest

from support.fake_openai import Reply
from toolgrad_eval.toolbench.preference import model_first
from toolbench.builders import (
    CHAT,
    COT,
    DFS,
    TEST_SET,
    entry,
    marker_judge,
    pass_requests,
    preference_requests,
    real_layout,
    rows,
    run,
    write_layout,
)


def _coin_votes(row_id, k):
    """A judge that always picks answer_0 gives each round to whoever the seeded order shows first."""
    from toolgrad_eval.toolbench.preference import model_first

    first = sum(model_first(row_id, r) for r in range(k))
    return first, k - first


def test_real_chatgpt_runs_end_to_end(toolbench_judge, tmp_path):
    """The judge calls every answer Solved and always prefers answer_0 (pure position bias)."""
    data = real_layout(tmp_path / "tb")
    code, s = run(data, DFS, "--reference_model", COT, "--num_process", "4")
    assert code == 0
    # pass rate: 3 DFS answers and 2 CoT answers, 3 rounds, one request each (no Unsure: no second step);
    # CoT's 588 stops at a failed call: Unsolved unasked
    assert len(pass_requests(toolbench_judge)) == 15
    assert s["sopr"] == {TEST_SET: 100.0, "average": 100.0} and s["sopr_std"][TEST_SET] == 0.0
    assert s["reference"]["sopr"][TEST_SET] == pytest.approx(200 / 3)  # what ToolEval recorded for this run: 66.7
    # win rate: 588 is decided by status in every round; 1073 and 608 are asked once per round, 3 rounds
    assert len(preference_requests(toolbench_judge)) == 6
    r = rows()
    assert r[f"{TEST_SET}/588"]["preference"] == "win" and r[f"{TEST_SET}/588"]["preference_source"] == "status"
    wins = 1
    for qid in ("1073", "608"):
        row = r[f"{TEST_SET}/{qid}"]
        votes = _coin_votes(f"{TEST_SET}/{qid}", 3)
        assert (row["votes_model"], row["votes_reference"]) == votes and row["preference"] != "tie"  # odd k
        wins += votes[0] > votes[1]
    assert s["sowr"][TEST_SET] == pytest.approx(100 * wins / 3) and s["sowr_tie"][TEST_SET] == 0.0
    assert s["judge_requests"] == 21 and s["judge_template"] == "toolbench-pass-answer-v1"
    assert s["details_template"] == "toolbench-pass-details-v1" and s["pass_protocol"] == "tooleval-two-step"
    assert s["preference_template"] == "toolbench-preference-v2" and s["benchmark"] == "toolbench"
    assert s["judge_temperature"] == 0.2 and s["preference_temperature"] == 0.2 and s["judge_seeds"] == [None, 1, 2]
    assert {p["temperature"] for p in toolbench_judge.requests if p["path"] == CHAT for p in [p["json"]]} == {0.2}
    # a re-run is free and identical
    before = toolbench_judge.count(CHAT)
    code, again = run(data, DFS, "--reference_model", COT)
    assert code == 0 and toolbench_judge.count(CHAT) == before
    assert again["cache_hits"] == 21 and again["judge_requests"] == 0
    assert (again["sopr"], again["sowr"], again["sowr_tie"]) == (s["sopr"], s["sowr"], s["sowr_tie"])


def test_each_round_shows_the_pair_once_in_its_seeded_order(toolbench_judge, tmp_path):
    from toolgrad_eval.toolbench.preference import model_first

    data = real_layout(tmp_path / "tb")
    run(data, DFS, "--reference_model", COT, "--judge-samples", "4")
    prefs = preference_requests(toolbench_judge)
    assert len(prefs) == 8  # 1073 and 608, one comparison in each of 4 rounds
    dfs = {qid: e for qid, e in _converted(data, DFS).items()}
    for p in prefs:
        text, round_ = p["messages"][-1]["content"], p.get("seed", 0)
        qid = next(q for q in ("1073", "608") if dfs[q]["query"][:60] in text)
        shown_first = text.split("<answer_1>")[0]
        dfs_final = dfs[qid]["answer"]["final_answer"][60:100]
        assert (dfs_final in shown_first) == model_first(f"{TEST_SET}/{qid}", round_), (qid, round_)
    orders = {(q, r): model_first(f"{TEST_SET}/{q}", r) for q in ("1073", "608") for r in range(4)}
    assert len(set(orders.values())) == 2  # both orders occur: a random order, not a fixed one


def _converted(data, model):
    import json

    return json.loads((data / "model_predictions_converted" / model / f"{TEST_SET}.json").read_text())


def test_two_step_pass_rate_asks_the_details_only_after_an_unsure(toolbench_judge, tmp_path):
    """Step 1 sees the query and the final answer only; an Unsure there sends the whole answer."""
    answers = {
        "1": entry("one", [("search", "{}", "DETAIL_SOLVED")], "STATUS=Unsure"),
        "2": entry("two", [("search", "{}", "tool says hi")], "STATUS=Solved"),
        "3": entry("three", [("search", "{}", "DETAIL_UNSOLVED")], "STATUSES=Unsure,Solved,Unsure"),
    }

    def judge(request):
        text = request["messages"][-1]["content"]
        if "<answer_steps>" in text:  # the second step
            status = "Solved" if "DETAIL_SOLVED" in text else "Unsolved"
            return {"reason": "details", "answer_status": status}
        assert "<available_tools>" not in text and "search" not in text  # the first step: no tools, no steps
        return marker_judge(request)

    toolbench_judge.score_fn = judge
    data = write_layout(tmp_path / "tb", {"m": {"G1_tool": answers}}, {"G1_tool": ["1", "2", "3"]})
    code, s = run(data, "m", "--judge-samples", "3")
    assert code == 0
    r = rows()
    assert r["G1_tool/1"]["statuses"] == ["Solved"] * 3 and r["G1_tool/1"]["judge_steps"] == [2, 2, 2]
    assert r["G1_tool/2"]["statuses"] == ["Solved"] * 3 and r["G1_tool/2"]["judge_steps"] == [1, 1, 1]
    assert r["G1_tool/3"]["statuses"] == ["Unsolved", "Solved", "Unsolved"]
    assert r["G1_tool/3"]["judge_steps"] == [2, 1, 2]
    requests = pass_requests(toolbench_judge)
    assert len(requests) == 9 + 5  # 3 first steps per query, then 3 + 2 second steps
    details = sorted(p.get("seed", 0) for p in requests if "<answer_steps>" in p["messages"][-1]["content"])
    assert details == [0, 0, 1, 2, 2]  # the second step of round k is round k's (seed k)
    assert s["sopr"]["G1_tool"] == pytest.approx(100 * (3 + 3 + 1) / 9)


def test_single_request_template_is_an_option(toolbench_judge, tmp_path):
    data = real_layout(tmp_path / "tb")
    code, s = run(data, DFS, "--judge-samples", "1", "--judge-template", "toolbench-pass-v1")
    assert code == 0 and s["pass_protocol"] == "single-request (ours)" and "details_template" not in s
    texts = [p["messages"][-1]["content"] for p in pass_requests(toolbench_judge)]
    assert len(texts) == 3 and all("<available_tools>" in t and "<answer_steps>" in t for t in texts)


def hand_built(tmp_path, *, reference=None):
    """Five queries of one test set; the expected numbers are worked out in the tests."""
    candidate = {
        "1": entry("first STATUSES=Solved,Unsure,Unsolved", [("search", "{}", "ok")], "an answer"),
        "2": entry("second STATUS=Unsure", [("search", "{}", "ok")], "an answer"),
        "3": entry("third", [("search", "{}", "error")], None),  # no Finish call
        "4": entry("fourth", [("search", "{}", "ok")], ""),  # empty final answer
        # "5" has no answer at all
    }
    answers = {"cand": {"G1_tool": candidate}}
    if reference is not None:
        answers["ref"] = {"G1_tool": reference}
    return write_layout(tmp_path / "tb", answers, {"G1_tool": ["1", "2", "3", "4", "5"]})


def test_k_rounds_unsure_and_rules_hand_computed(toolbench_judge, tmp_path):
    code, s = run(hand_built(tmp_path), "cand", "--judge-samples", "3")
    assert code == 0
    # query 5 has no answer: left out, as ToolEval leaves it out of its denominator (4 queries)
    # rounds: (1 + .5)/4, (.5 + .5)/4, (0 + .5)/4 -> 37.5, 25, 12.5 %
    assert s["sopr_rounds"]["G1_tool"] == pytest.approx([37.5, 25.0, 12.5])
    assert s["sopr"]["G1_tool"] == pytest.approx(25.0) and s["sopr_n"]["G1_tool"] == 4
    assert s["sopr_std"]["G1_tool"] == pytest.approx(math.sqrt((12.5**2 + 0 + 12.5**2) / 3))
    # only queries 1 and 2 reach the judge; each Unsure of the first step asks the second (same marker)
    assert len(pass_requests(toolbench_judge)) == 6 + 4
    r = rows()
    assert r["G1_tool/1"]["statuses"] == ["Solved", "Unsure", "Unsolved"] and r["G1_tool/1"]["score"] == 0.5
    assert r["G1_tool/3"]["unsolved_rule"] == "final step is not a call of Finish"
    assert r["G1_tool/4"]["unsolved_rule"].startswith("empty final answer")
    assert r["G1_tool/5"]["input_error"].endswith(
        "no answer for query 5 in " + str(tmp_path / "tb" / "model_predictions_converted" / "cand" / "G1_tool.json")
    )
    assert r["G1_tool/5"]["missing_answer"] is True and r["G1_tool/5"]["statuses"] is None
    assert s["n_unsolved_by_rule"] == 2 and s["n_input_errors"] == 1 and s["n_samples"] == 5
    assert s["n_missing_answers"] == 1 and s["strict"] is False


def test_strict_counts_a_missing_answer_unsolved(toolbench_judge, tmp_path):
    code, s = run(hand_built(tmp_path), "cand", "--judge-samples", "3", "--strict")
    assert code == 0 and s["strict"] is True and s["sopr_n"]["G1_tool"] == 5
    assert s["sopr_rounds"]["G1_tool"] == pytest.approx([30.0, 20.0, 10.0])  # (1 + .5)/5, (.5 + .5)/5, (0 + .5)/5
    assert rows()["G1_tool/5"]["unsolved_rule"] == "no readable answer (--strict)"


def test_preference_rules_hand_computed(toolbench_judge, tmp_path):
    same = entry("second STATUS=Unsure", [("search", "{}", "ok")], "an answer")
    reference = {
        "1": entry("first STATUSES=Solved,Solved,Unsolved", [("search", "{}", "ok")], "another answer"),
        "2": same,  # identical to the candidate's: a tie, unasked
        "3": entry("third", [("search", "{}", "ok")], "reference solved it"),  # Solved beats the candidate's Unsolved
        "4": entry("fourth", [("search", "{}", "ok")], "ref PREFER_ME"),  # both Unsolved? no: ref Solved
        "5": entry("fifth", [("search", "{}", "ok")], "only the reference answered"),
    }
    data = hand_built(tmp_path, reference=reference)
    code, s = run(data, "cand", "--reference_model", "ref", "--judge-samples", "3")
    assert code == 0
    r = rows()
    first = {q: [model_first(f"G1_tool/{q}", k) for k in range(3)] for q in ("1", "2")}
    # query 1, round by round: Solved = Solved (asked: answer_0 wins), Unsure < Solved, Unsolved = Unsolved (asked)
    assert r["G1_tool/1"]["reference_statuses"] == ["Solved", "Solved", "Unsolved"]
    assert r["G1_tool/1"]["statuses"] == ["Solved", "Unsure", "Unsolved"]
    one = first["1"][0] + first["1"][2]
    assert (r["G1_tool/1"]["votes_model"], r["G1_tool/1"]["votes_reference"]) == (one, 3 - one)
    assert r["G1_tool/1"]["preference_rounds"][1] == "reference (status)"
    # query 2: identical answers vote like any pair, the answer placed first gets the round, unasked
    two = sum(first["2"])
    assert (r["G1_tool/2"]["votes_model"], r["G1_tool/2"]["votes_reference"]) == (two, 3 - two)
    assert r["G1_tool/2"]["preference_source"] == "identical answers"
    assert r["G1_tool/3"]["preference"] == "loss" and r["G1_tool/4"]["preference"] == "loss"
    assert r["G1_tool/5"]["preference"] == "loss" and r["G1_tool/5"]["preference_source"] == "missing answer"
    assert len(preference_requests(toolbench_judge)) == 2  # query 1, rounds 0 and 2
    wins = (one >= 2) + (two >= 2)
    assert s["sowr"]["G1_tool"] == 20.0 * wins and s["sowr_tie"]["G1_tool"] == 0.0
    assert s["sowr_n"]["G1_tool"] == 5  # every test query counts in the win rate, as in ToolEval


def test_a_missing_reference_answer_gives_the_round_to_the_candidate(toolbench_judge, tmp_path):
    """ToolEval checks the reference first: neither answering gives the candidate the round."""
    data = write_layout(
        tmp_path / "tb",
        {"cand": {"G1_tool": {"1": entry("q", [], "x")}}, "ref": {"G1_tool": {"2": entry("q2", [], "y")}}},
        {"G1_tool": ["1", "2", "3"]},
    )
    code, s = run(data, "cand", "--reference_model", "ref", "--judge-samples", "3")
    assert code == 0
    r = rows()
    assert [r[f"G1_tool/{q}"]["preference"] for q in "123"] == ["win", "loss", "win"]
    assert (r["G1_tool/3"]["votes_model"], r["G1_tool/3"]["votes_reference"]) == (3, 0)
    assert preference_requests(toolbench_judge) == [] and s["sowr"]["G1_tool"] == pytest.approx(200 / 3)


def test_a_preferred_answer_wins_in_either_order(toolbench_judge, tmp_path):
    cand = {
        "1": entry("q", [("search", "{}", "ok")], "good PREFER_ME"),
        "2": entry("q2", [("search", "{}", "ok")], "plain"),
    }
    ref = {
        "1": entry("q", [("search", "{}", "ok")], "weak"),
        "2": entry("q2", [("search", "{}", "ok")], "better PREFER_ME"),
    }
    data = write_layout(
        tmp_path / "tb", {"cand": {"G2_category": cand}, "ref": {"G2_category": ref}}, {"G2_category": ["1", "2"]}
    )
    code, s = run(data, "cand", "--reference_model", "ref", "--judge-samples", "2")
    assert code == 0
    r = rows()
    assert (r["G2_category/1"]["votes_model"], r["G2_category/1"]["votes_reference"]) == (2, 0)
    assert (r["G2_category/2"]["votes_model"], r["G2_category/2"]["votes_reference"]) == (0, 2)
    assert s["sowr"]["G2_category"] == 50.0 and len(preference_requests(toolbench_judge)) == 4
    seeds = sorted(p.get("seed", 0) for p in preference_requests(toolbench_judge))
    assert seeds == [0, 0, 1, 1]  # one comparison per round; round k is asked with seed k (round 0 without one)


def test_stored_toolevals_verdicts_reproduce_its_pass_rate_without_asking(toolbench_judge, tmp_path):
    """ToolEval's own pass_rate_results for the example runs: CoT 66.7 (588 Unsolved), DFS 100."""
    data = real_layout(tmp_path / "tb", stored=True)
    code, s = run(data, COT)
    assert code == 0 and s["sopr"][TEST_SET] == pytest.approx(200 / 3) and s["sopr_std"][TEST_SET] == 0.0
    assert s["stored_verdicts"] == 2 and toolbench_judge.count(CHAT) == 0  # 588 is Unsolved by rule
    code, s = run(data, DFS, out="out2")
    assert s["sopr"][TEST_SET] == 100.0 and s["stored_verdicts"] == 3
    code, s = run(data, DFS, "--ignore-stored", out="out3")
    assert s["stored_verdicts"] == 0 and len(pass_requests(toolbench_judge)) == 9
    code, s = run(data, DFS, "--judge-samples", "4", out="out4")  # ToolEval stored 3 rounds: a 4th needs the judge
    assert s["stored_verdicts"] == 0 and s["cache_hits"] == 9 and len(pass_requests(toolbench_judge)) == 12


def test_invalid_judge_reply_is_a_judge_error_not_a_zero(toolbench_judge, tmp_path):
    toolbench_judge.score_fn = lambda request: {"reason": "r", "answer_status": "Maybe"}
    data = real_layout(tmp_path / "tb")
    code, s = run(data, DFS, "--judge-samples", "1")
    assert code == 4 and s["n_judge_errors"] == 3 and s["sopr"][TEST_SET] is None  # no verdict: partial, exit 4
    assert s["partial"] is True and s["n_judged"] == 0 and s["n_needing_judgment"] == 3
    assert "answer_status is not one of Solved, Unsolved, Unsure" in rows()[f"{TEST_SET}/608"]["judge_error"]
    assert toolbench_judge.count(CHAT) == 9  # each asked again twice (the judge's invalid-reply retries)


def test_overwrite_asks_again(toolbench_judge, tmp_path):
    data = real_layout(tmp_path / "tb")
    run(data, DFS, "--judge-samples", "1")
    code, s = run(data, DFS, "--judge-samples", "1", "--overwrite")
    assert code == 0 and s["judge_requests"] == 3 and toolbench_judge.count(CHAT) == 6
    assert s["overwrite_run_resumed"] is False


def test_parallel_requests_give_the_same_numbers(toolbench_judge, tmp_path):
    data = real_layout(tmp_path / "tb")
    _, one = run(data, DFS, "--reference_model", COT, "--cache-dir", "c1", out="o1")
    _, many = run(data, DFS, "--reference_model", COT, "--num_process", "8", "--cache-dir", "c2", out="o2")
    for key in ("sopr", "sopr_std", "sowr", "sowr_tie", "judge_requests"):
        assert one[key] == many[key], key
    assert many["concurrency"]["max_in_flight"] > 1


def test_budget_stops_new_requests(toolbench_judge, tmp_path):
    prices = tmp_path / "prices.json"
    prices.write_text(
        '{"source": "test", "retrieved": "today", "models": {"gpt-4.1": {"input": 1000, "output": 1000}}}'
    )
    data = real_layout(tmp_path / "tb")
    code, s = run(data, DFS, "--judge-samples", "1", "--prices", str(prices), "--max-cost", "1")
    assert code == 3 and s["budget_reached"] is True and s["n_not_judged"] >= 1
    assert toolbench_judge.count(CHAT) < 3


def test_one_budget_covers_pass_rate_and_preference(toolbench_judge, tmp_path):
    """Priced so that the pass-rate judgments of both models fit and the preference ones do not all fit."""
    prices = tmp_path / "prices.json"
    prices.write_text('{"source": "test", "retrieved": "today", "models": {"gpt-4.1": {"input": 1, "output": 1}}}')
    data = real_layout(tmp_path / "tb")
    code, s = run(
        data, DFS, "--reference_model", COT, "--judge-samples", "1", "--prices", str(prices), "--max-cost", "0.0045"
    )
    assert code == 3 and s["budget_reached"] is True
    assert len(pass_requests(toolbench_judge)) == 5 and len(preference_requests(toolbench_judge)) < 2
    assert s["cost_usd"] < 0.0074  # less than all seven judgments cost (7,333 prompt tokens at $1 per million)


def test_batch_mode_round_trip(toolbench_judge, tmp_path):
    toolbench_judge.batch_polls = 1
    data = real_layout(tmp_path / "tb")
    code, s = run(data, DFS, "--reference_model", COT, "--batch", "--batch-poll-interval", "0.05")
    assert code == 0 and toolbench_judge.count(CHAT) == 0
    wins = 1 + sum(_coin_votes(f"{TEST_SET}/{q}", 3)[0] >= 2 for q in ("1073", "608"))
    assert s["sopr"][TEST_SET] == 100.0 and s["sowr"][TEST_SET] == pytest.approx(100 * wins / 3)
    assert {r["verdict_source"] for r in rows().values()} == {"batch"}
    code, live = run(data, DFS, "--reference_model", COT)
    assert live["judge_requests"] == 0 and live["cache_hits"] == 21  # batch verdicts are the live ones' cache keys


def test_retries_go_through_the_judge_machinery(toolbench_judge, tmp_path):
    toolbench_judge.script([Reply.status(500), Reply.status(429, retry_after=0.01)])
    data = real_layout(tmp_path / "tb")
    code, s = run(data, DFS, "--judge-samples", "1")
    assert code == 0 and s["n_judge_errors"] == 0 and s["judge_requests"] == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--reference_model", "nobody"), "no answers of 'nobody'"),
        (("--reference_model", DFS), "--reference_model names the model being scored"),
        (("--reference_model", "../x"), "--reference_model '../x' holds a path separator"),
    ],
)
def test_bad_options_are_one_line_errors(toolbench_judge, tmp_path, capsys, args, message):
    data = real_layout(tmp_path / "tb")
    code, _ = run(data, DFS, *args)
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert toolbench_judge.count(CHAT) == 0


def test_stored_toolevals_preferences_reproduce_its_win_rate(toolbench_judge, tmp_path):
    """ToolEval's preference_results for DFS against CoT: 3-0, 3-0 and 2-1 for DFS, a win rate of 100."""
    import shutil

    from toolbench.builders import REAL

    data = real_layout(tmp_path / "tb", stored=True)
    shutil.copytree(REAL / "data_example" / "preference_results", data / "preference_results")
    code, s = run(data, DFS, "--reference_model", COT)
    assert code == 0 and toolbench_judge.count(CHAT) == 0
    assert s["sowr"][TEST_SET] == 100.0 and s["stored_preferences"] == 3
    assert (rows()[f"{TEST_SET}/1073"]["votes_model"], rows()[f"{TEST_SET}/1073"]["votes_reference"]) == (2, 1)
    code, s = run(data, DFS, "--reference_model", COT, "--judge-samples", "4", out="out2")  # only 3 rounds stored
    assert s["stored_preferences"] == 0 and len(preference_requests(toolbench_judge)) == 8
    code, s = run(data, DFS, "--reference_model", COT, "--ignore-stored", out="out3")
    assert code == 0 and s["stored_preferences"] == 0 and s["preference_requests"] + s["preference_cache_hits"] == 6


@pytest.mark.parametrize(("broken", "code", "partial"), [(1, 0, False), (2, 4, True)])
def test_more_than_five_percent_judge_errors_is_a_partial_run(toolbench_judge, tmp_path, capsys, broken, code, partial):
    """1 failed judgment of 20 (5%) is reported beside the numbers; 2 make the run partial: exit 4."""
    toolbench_judge.score_fn = lambda request: (
        {"reason": "r", "answer_status": "Maybe"}
        if "BROKEN" in request["messages"][-1]["content"]
        else marker_judge(request)
    )
    answers = {str(i): entry(f"q{i}" + (" BROKEN" if i < broken else ""), [], f"a{i}") for i in range(20)}
    data = write_layout(tmp_path / "tb", {"m": {"G1_tool": answers}}, {"G1_tool": [str(i) for i in range(20)]})
    got, s = run(data, "m", "--judge-samples", "1")
    out = capsys.readouterr()
    assert got == code and s["partial"] is partial and s["n_judge_errors"] == broken
    assert (s["n_judged"], s["n_needing_judgment"]) == (20 - broken, 20)
    assert s["sopr_n"]["G1_tool"] == 20 - broken  # the mean carries its n either way
    if partial:
        assert "ToolBench: m (partial: 18 of 20 judged)" in out.out
        assert "Partial result for m (partial: 18 of 20 judged): 2 judge errors (10% of 20" in out.err
    else:
        assert "partial" not in out.out and "Partial" not in out.err
