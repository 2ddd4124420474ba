"""Agentic scoring: the answer rule, the reply rule, the layouts, and a run end to end on a tiny
data folder of our own (the differential test checks the same rules against the official checker)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from toolgrad_eval.bfcl import agentic
from toolgrad_eval.bfcl.agentic import (
    ANSWER_NOT_FOUND,
    INFERENCE_ERROR,
    NO_LAST_MESSAGE,
    check_agentic,
    contains_answer,
    normalise,
)
from toolgrad_eval.bfcl.layout import find_run
from toolgrad_eval.bfcl.many import run_bfcl_models, summary_table
from toolgrad_eval.bfcl.runner import run_bfcl
from toolgrad_eval.bfcl.scorefile import MALFORMED_RESULT, MISSING_RESULT
from toolgrad_eval.diff.bfcl import diff_bfcl
from toolgrad_eval.leaderboard.runs import load_run

CALL = "search_engine_query(keywords='tea')"


def test_normalisation_drops_bfcl_punctuation_case_and_quotes() -> None:
    assert normalise("Dong-Sup (Yoon), Jr./*^_") == "dongsup yoon jr"
    assert normalise("O'Connell") == 'o"connell'
    assert contains_answer("It is DONG-SUP YOON.", ["Dong-Sup Yoon"])
    assert contains_answer('Finneas O"Connell wrote it', ["Finneas O'Connell"])
    assert contains_answer("M(ichael)", ["Michael"])


def test_an_answer_must_be_a_whole_word() -> None:
    assert not contains_answer("It is 1975s", ["1975"])
    assert not contains_answer("Michaelangelo", ["Michael"])
    assert contains_answer("in 1975, yes", ["1975"])
    assert contains_answer("seven games", ["7", "seven"])
    assert not contains_answer("anything", [])


@pytest.mark.parametrize(
    ("result", "error_type"),
    [
        ([[CALL, "The answer is Paris."]], None),
        ([["The answer is Paris.", CALL]], None),  # the last *text* reply counts
        ([[CALL, "I do not know"]], ANSWER_NOT_FOUND),
        ([[CALL, CALL]], NO_LAST_MESSAGE),
        ([["Paris", ""]], NO_LAST_MESSAGE),  # an empty last reply
        ([["Paris", None]], NO_LAST_MESSAGE),
        ([[]], NO_LAST_MESSAGE),
        ([["Paris"], ["Paris"]], INFERENCE_ERROR),  # two turns
        ("Paris", INFERENCE_ERROR),
        ([], INFERENCE_ERROR),
        (["Paris"], ANSWER_NOT_FOUND),  # a string turn: one-character steps, the last is "s"
        (["x" * 50 + " 7"], None),  # ... whose last character may be the answer
        ([[["Paris is it", "ignored"]]], None),  # a list reply: its first item
        ([[{"answer": "Paris"}]], None),  # a non-string reply, as str() shows it
        ([{"Paris": 1}], None),  # an object turn: its keys are the steps
        ([3], MALFORMED_RESULT),  # not a turn at all (the official loop crashes here)
    ],
)
def test_the_last_text_reply_is_checked(result: Any, error_type: str | None) -> None:
    check = check_agentic(result, ["Paris", "7"], fmt="python")
    assert check.verdict.error_type == error_type


def test_function_calling_steps_are_read_as_stored_calls() -> None:
    call = [{"search_engine_query": '{"keywords": "tea"}'}]
    assert check_agentic([[call, "It is Paris"]], ["Paris"], fmt="openai-fc").verdict.valid
    only_calls = check_agentic([[call, call]], ["Paris"], fmt="openai-fc")
    assert only_calls.verdict.error_type == NO_LAST_MESSAGE and len(only_calls.calls) == 2
    # Arguments that are not JSON: the step is no call, so it is the reply (and holds no answer).
    broken = check_agentic([[call, [{"search_engine_query": "{oops"}]]], ["Paris"], fmt="openai-fc")
    assert broken.verdict.error_type == ANSWER_NOT_FOUND
    # With no reader named, text steps are read as prompted calls and structured ones as stored calls.
    mixed = check_agentic([[call, CALL]], ["Paris"], fmt=None)
    assert mixed.verdict.error_type == NO_LAST_MESSAGE
    # The calls as decode_execute writes them (the official loop's reader), not decode_ast's objects.
    assert mixed.calls == (["search_engine_query(keywords='tea')"], ["search_engine_query(keywords='tea')"])
    assert check_agentic([[call, "Paris"]], ["Paris"], fmt=None).verdict.valid


def test_long_turns_cost_one_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    """The official loop decodes each character of a string turn (none can be a call) and every step
    of a list turn; the verdict needs only the steps from the last text reply on."""
    calls = []
    real = agentic.execution_calls

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(agentic, "execution_calls", counting)
    assert check_agentic(["a" * 2_000_000 + " Paris"], ["s"], fmt="python").verdict.valid
    assert len(calls) <= 1
    calls.clear()
    assert check_agentic([[CALL] * 100_000 + ["Paris"]], ["Paris"], fmt="python").verdict.valid
    assert len(calls) == 1


# ---------------------------------------------------------------------------------------------
# A run end to end, on a tiny data folder of our own (two web-search questions, three memory ones).

WEB = [("web_search_0", ["Paris"]), ("web_search_1", ["7", "seven"])]
MEMORY = [("memory_0-customer-0", "customer", ["Michael"]), ("memory_1-student-0", "student", ["Biology"])]


def _data(root: Path) -> Path:
    data = root / "data"
    (data / "possible_answer").mkdir(parents=True)

    def write(name: str, rows: list[dict[str, Any]]) -> None:
        (data / name).write_text("".join(json.dumps(r) + "\n" for r in rows))

    question = [[{"role": "user", "content": "Where?"}]]
    write(
        "BFCL_v4_web_search.json",
        [{"id": i, "question": question, "involved_classes": ["WebSearchAPI"]} for i, _ in WEB],
    )
    write("possible_answer/BFCL_v4_web_search.json", [{"id": i, "ground_truth": a} for i, a in WEB])
    write(
        "BFCL_v4_memory.json",
        [{"id": i, "question": question, "involved_classes": ["MemoryAPI"], "scenario": s} for i, s, _ in MEMORY],
    )
    write("possible_answer/BFCL_v4_memory.json", [{"id": i, "ground_truth": a} for i, _, a in MEMORY])
    return data


def _run(root: Path, model: str, replies: dict[str, Any]) -> Path:
    """A result folder in BFCL's v4 layout: ``agentic/`` and ``agentic/memory/<backend>/``."""
    base = root / "run" / "result" / model
    files = {
        "web_search_base": base / "agentic",
        "web_search_no_snippet": base / "agentic",
        "memory_kv": base / "agentic" / "memory" / "kv",
    }
    for category, folder in files.items():
        folder.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps({"id": i, "result": r}) for i, r in replies.items() if i.startswith(category + "_")]
        (folder / f"BFCL_v4_{category}_result.json").write_text("\n".join(lines) + "\n")
    prereq = files["memory_kv"] / "BFCL_v4_memory_kv_prereq_result.json"
    prereq.write_text(json.dumps({"id": "memory_kv_prereq_0-customer-0", "result": [["My name is Michael"]]}) + "\n")
    (files["memory_kv"] / "memory_snapshot").mkdir()
    (files["memory_kv"] / "memory_snapshot" / "customer_final.json").write_text("{}")
    return root / "run"


GOOD = {
    "web_search_base_0": [[CALL, "{'answer': 'Paris', 'context': 'x'}"]],
    "web_search_base_1": [[CALL, "Seven."]],
    "web_search_no_snippet_0": [[CALL]],
    "web_search_no_snippet_1": [["I do not know"]],
    "memory_kv_0-customer-0": [["You are Michael."]],
    # memory_kv_1-student-0 left out: a missing result
}


def test_layout_finds_agentic_files_and_sets_prerequisites_aside(tmp_path: Path) -> None:
    run = _run(tmp_path, "gpt-4o-2024-11-20", GOOD)
    layout = find_run(run, "gpt-4o-2024-11-20")
    assert [f.category for f in layout.agentic] == ["web_search_base", "web_search_no_snippet", "memory_kv"]
    assert [f.name for f in layout.prerequisites] == ["memory_kv_prereq"]
    assert layout.files == () and layout.not_scored == () and layout.unknown == ()


def test_a_run_is_scored_with_official_paths_ids_and_error_types(tmp_path: Path) -> None:
    run = _run(tmp_path, "gpt-4o-2024-11-20", GOOD)
    lines: list[str] = []
    summary = run_bfcl(run, "gpt-4o-2024-11-20", tmp_path / "out", bfcl_data=_data(tmp_path), echo=lines.append)
    cats = summary["categories"]
    assert (cats["web_search_base"]["correct_count"], cats["web_search_base"]["total_count"]) == (2, 2)
    assert (cats["web_search_no_snippet"]["correct_count"], cats["memory_kv"]["correct_count"]) == (0, 1)
    assert cats["memory_kv"]["total_count"] == 2
    score = run / "score" / "gpt-4o-2024-11-20"
    kv = [json.loads(x) for x in (score / "agentic/memory/kv/BFCL_v4_memory_kv_score.json").read_text().splitlines()]
    assert kv[0]["correct_count"] == 1
    assert [(x["id"], x["error"]["error_type"]) for x in kv[1:]] == [("memory_kv_1-student-0", MISSING_RESULT)]
    snippet = (score / "agentic" / "BFCL_v4_web_search_no_snippet_score.json").read_text().splitlines()
    assert [json.loads(x)["error"]["error_type"] for x in snippet[1:]] == [NO_LAST_MESSAGE, ANSWER_NOT_FOUND]
    assert not list(score.rglob("*prereq*"))
    assert summary["error_types"] == {ANSWER_NOT_FOUND: 1, NO_LAST_MESSAGE: 1, MISSING_RESULT: 1}
    assert summary["prerequisites_ignored"] == ["agentic/memory/kv/BFCL_v4_memory_kv_prereq_result.json"]
    # The Overall is BFCL's number, labelled partial: only agentic categories were scored.
    overall = summary["overall"]
    assert overall["label"] == "partial" and "memory_vector" in overall["missing_categories"]
    assert overall["accuracy"] == pytest.approx(0.4 * ((1.0 + 0.0) / 2 + 0.5 / 3) / 2)
    assert any("(partial)" in line for line in lines)
    agentic_csv = (run / "score" / "data_agentic.csv").read_text().splitlines()
    assert agentic_csv[1].split(",")[2:] == ["33.33%", "50.00%", "100.00%", "0.00%", "N/A", "50.00%", "N/A", "N/A"]


def test_result_ids_not_renamed_per_category_are_not_scored(tmp_path: Path) -> None:
    run = _run(tmp_path, "m", {"web_search_base_0": [["Paris"]]})
    (run / "result" / "m" / "agentic" / "BFCL_v4_web_search_base_result.json").write_text(
        json.dumps({"id": "web_search_0", "result": [["Paris"]]}) + "\n"
    )
    summary = run_bfcl(run, "m", tmp_path / "out", bfcl_data=_data(tmp_path), echo=lambda _: None)
    assert "web_search_base" not in summary["categories"]
    assert any("none of its 1 id is a BFCL v4 web_search_base id" in w for w in summary["warnings"])


def test_diff_pairs_agentic_entries_and_describes_flips(tmp_path: Path) -> None:
    data = _data(tmp_path)
    run_a = _run(tmp_path / "a", "m", GOOD)
    worse = {**GOOD, "web_search_base_0": [[CALL, "London"]], "web_search_no_snippet_1": [["seven"]]}
    run_b = _run(tmp_path / "b", "m", worse)
    run_bfcl(run_a, "m", tmp_path / "rec-a", bfcl_data=data, echo=lambda _: None)
    run_bfcl(run_b, "m", tmp_path / "rec-b", bfcl_data=data, echo=lambda _: None)
    a, _ = load_run(tmp_path / "rec-a" / "summary.json")
    b, _ = load_run(tmp_path / "rec-b" / "summary.json")
    diff = diff_bfcl(a, b)
    by_category = {c.category: c for c in diff.categories}
    assert by_category["web_search_base"].pass_to_fail == ("web_search_base_0",)
    assert by_category["web_search_no_snippet"].fail_to_pass == ("web_search_no_snippet_1",)
    flipped = {f.id: f for f in diff.flipped}
    down = flipped["web_search_base_0"]
    assert down.error_type_b == ANSWER_NOT_FOUND and "Where?" in down.question and "Paris" in down.expected
    assert "London" in down.output_b and "Paris" in down.output_a  # the passing side read from its result file
    assert flipped["web_search_no_snippet_1"].error_type_a == ANSWER_NOT_FOUND


def test_several_models_in_one_run_show_their_overall(tmp_path: Path) -> None:
    data = _data(tmp_path)
    run = _run(tmp_path, "m1", GOOD)
    _run(tmp_path, "m2", {**GOOD, "web_search_base_0": [["London"]]})
    from functools import partial

    runs = run_bfcl_models(
        ["m1", "m2"],
        lambda m: tmp_path / f"rec-{m}",
        partial(run_bfcl, run, bfcl_data=data),
        echo=lambda _: None,
        workers=1,
    )
    assert set(runs.summaries) == {"m1", "m2"}
    table = summary_table(runs)
    assert "Overall" in table and "(partial)" in table
    assert runs.summaries["m1"]["overall"]["accuracy"] > runs.summaries["m2"]["overall"]["accuracy"]
    csv_rows = (run / "score" / "data_agentic.csv").read_text().splitlines()
    assert len(csv_rows) == 3  # both models, written by the last one over every score file


def test_the_report_shows_the_overall_and_which_parts_were_scored(tmp_path: Path) -> None:
    from toolgrad_eval.report import publish

    run = _run(tmp_path, "m", GOOD)
    run_bfcl(run, "m", tmp_path / "records" / "m", bfcl_data=_data(tmp_path), echo=lambda _: None)
    site = publish([tmp_path / "records"], tmp_path / "site")
    pages = list((tmp_path / "site" / "models").glob("*.html"))
    assert pages and site.index.is_file()
    html = "".join(p.read_text() for p in pages)
    assert "<dt>Overall</dt>" in html and '<span class="badge">partial</span>' in html
    assert "agentic 3/5, counted as 0" in html and "multi_turn 0/4, counted as 0" in html


def test_the_overall_takes_the_models_other_score_files_as_the_csv_does(tmp_path: Path) -> None:
    """Multi-turn scored elsewhere (here: an official score file already in the score folder) fills
    the Overall's multi-turn part, in the record as in data_overall.csv, and the record says so."""
    run = _run(tmp_path, "m", GOOD)
    folder = run / "score" / "m" / "multi_turn"
    folder.mkdir(parents=True)
    for name, accuracy in (("base", 0.5), ("miss_func", 0.25), ("miss_param", 0.25), ("long_context", 0.0)):
        head = {"accuracy": accuracy, "correct_count": int(accuracy * 200), "total_count": 200}
        (folder / f"BFCL_v4_multi_turn_{name}_score.json").write_text(json.dumps(head) + "\n")
    summary = run_bfcl(run, "m", tmp_path / "out", bfcl_data=_data(tmp_path), echo=lambda _: None)
    total = summary["overall"]
    assert total["parts"]["multi_turn"]["missing"] == [] and total["parts"]["multi_turn"]["accuracy"] == 0.25
    assert total["from_existing_score_files"] == [
        f"multi_turn_{n}" for n in ("base", "long_context", "miss_func", "miss_param")
    ]
    agentic_part = 0.4 * ((1.0 + 0.0) / 2 + 0.5 / 3) / 2
    assert total["accuracy"] == pytest.approx(agentic_part + 0.3 * 0.25)
    row = (run / "score" / "data_overall.csv").read_text().splitlines()[1].split(",")
    assert row[1] == f"{total['accuracy'] * 100:.2f}%" and total["label"] == "partial"


def test_bfcl_v3_has_no_agentic_categories(tmp_path: Path) -> None:
    """bfcl-eval 2025.6.30 (v3) ships no agentic data or checker: such a file is named, not scored."""
    data = tmp_path / "data"
    (data / "possible_answer").mkdir(parents=True)
    (data / "BFCL_v3_simple.json").write_text("")
    model_dir = tmp_path / "run" / "result" / "m"
    model_dir.mkdir(parents=True)
    (model_dir / "BFCL_v3_web_search_base_result.json").write_text(
        json.dumps({"id": "web_search_base_0", "result": [["Paris"]]}) + "\n"
    )
    summary = run_bfcl(tmp_path / "run", "m", tmp_path / "out", bfcl_data=data, echo=lambda _: None)
    assert summary["categories"] == {}
    assert any("category not scored: the BFCL v3 data has no web_search_base" in w for w in summary["warnings"])
    assert list(summary["overall"]["parts"]) == ["non_live", "live", "multi_turn"]
    assert not (tmp_path / "run" / "score" / "data_agentic.csv").exists()
