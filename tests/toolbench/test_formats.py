"""Reading ToolBench answers: the real converted files, raw folders converted as ToolEval does, bounds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolbench.builders import COT, DFS, REAL, TEST_SET, entry, real_layout, write_layout
from toolgrad_eval.errors import DatasetError
from toolgrad_eval.toolbench.answers import MAX_STEPS, MAX_TEXT, parse_entry
from toolgrad_eval.toolbench.convert import convert_file
from toolgrad_eval.toolbench.dataset import ToolbenchData, is_toolbench

CONVERTED = REAL / "data_example" / "model_predictions_converted"
RAW = REAL / "data_example" / "answer"


def test_real_converted_files_read_as_toolevals_get_steps_does():
    cot = json.loads((CONVERTED / COT / f"{TEST_SET}.json").read_text())
    answers = {qid: parse_entry(e) for qid, e in cot.items()}
    # 1073: two tool calls, a thought, then Finish (ToolEval: total_steps 6 with the system and user nodes)
    a = answers["1073"]
    assert [s.role for s in a.steps] == ["tool", "tool", "assistant", "tool"]
    assert [s.name for s in a.steps if s.role == "tool"] == [
        "popularsitesforquery_for_keyword_analysis",
        "querykeywords_for_keyword_analysis",
        "Finish",
    ]
    assert a.total_steps == 6 and a.final_step.name == "Finish" and a.unsolved_without_judge() is None
    assert [t.name for t in a.tools][-1] == "Finish" and len(a.tools) == 4
    assert a.final_answer.startswith('{\n  "return_type": "give_answer"')
    # 588 (an invalid CoT run) stops at a failed call: ToolEval's pass rate calls it Unsolved unasked
    assert answers["588"].final_step.name == "list_artist_concerts_for_theclique"
    assert answers["588"].unsolved_without_judge() == "final step is not a call of Finish"
    assert answers["608"].unsolved_without_judge() is None


@pytest.mark.parametrize("model", [COT, DFS])
def test_raw_answers_convert_to_exactly_the_converted_entries(model):
    """Differential: our conversion of each raw file equals ToolEval's converted entry for it
    (valid CoT and DFS runs from train_messages, the invalid CoT run 588 from its try)."""
    converted = json.loads((CONVERTED / model / f"{TEST_SET}.json").read_text())
    files = sorted((RAW / model / TEST_SET).glob("*.json"))
    assert len(files) == (3 if model == COT else 2)
    for path in files:
        qid = path.name.split("_")[0]
        ours = parse_entry(convert_file(path))
        assert ours == parse_entry(converted[qid]), path.name
        assert ours.total_steps == converted[qid]["answer"]["total_steps"]
        assert ours.method == converted[qid]["answer"]["method"]


def test_raw_layout_is_detected_and_read(tmp_path):
    root = real_layout(tmp_path / "tb", converted=False, raw=True)
    assert is_toolbench(root)
    data = ToolbenchData(root)
    assert data.model_test_sets(COT) == [TEST_SET]
    found = data.answers(DFS, TEST_SET, data.test_ids(TEST_SET))
    assert found.source == "raw" and sorted(found.answers) == ["1073", "608"]
    assert "no answer for query 588" in found.problem("588")


def test_converted_file_wins_over_raw_folder(tmp_path):
    root = real_layout(tmp_path / "tb", converted=True, raw=True)
    found = ToolbenchData(root).answers(DFS, TEST_SET, ["588", "608", "1073"])
    assert found.source == "converted" and len(found.answers) == 3


def test_stored_toolevals_verdicts_are_read_per_round(tmp_path):
    root = real_layout(tmp_path / "tb", stored=True)
    stored = ToolbenchData(root).stored_statuses(COT, TEST_SET)
    assert stored == {"588": ["Unsolved"] * 3, "1073": ["Solved"] * 3, "608": ["Solved"] * 3}


def test_test_sets_follow_stabletoolbench_order(tmp_path):
    root = write_layout(
        tmp_path / "tb", {"m": {}}, {s: ["1"] for s in ("G3_instruction", "custom", "G1_tool", "G1_instruction")}
    )
    assert ToolbenchData(root).test_sets() == ["G1_instruction", "G1_tool", "G3_instruction", "custom"]


def test_unreadable_test_ids_name_the_file(tmp_path):
    root = write_layout(tmp_path / "tb", {"m": {}}, {"G1_instruction": ["1"]})
    (root / "solvable_queries" / "test_query_ids" / "G1_instruction.json").write_text('"just a string"')
    with pytest.raises(DatasetError, match=r"G1_instruction.json: expected an object keyed by query id"):
        ToolbenchData(root).test_ids("G1_instruction")


def test_bad_entries_are_recorded_per_query(tmp_path):
    good = entry("q", [("search", "{}", "ok")], "answer")
    root = write_layout(
        tmp_path / "tb",
        {"m": {"G1_instruction": {"1": good, "2": {"query": 5}, "3": "nope"}}},
        {"G1_instruction": ["1", "2", "3", "4"]},
    )
    found = ToolbenchData(root).answers("m", "G1_instruction", ["1", "2", "3", "4"])
    assert list(found.answers) == ["1"]
    assert "query 2: query: Input should be a valid string" in found.problem("2")
    assert "query 3:" in found.problem("3") and "no answer for query 4" in found.problem("4")


def test_a_chain_longer_than_the_bound_is_cut_at_the_bound():
    steps = [("search", "{}", "ok")] * (MAX_STEPS * 3)
    answer = parse_entry(entry("q", steps, "done"))
    assert len(answer.steps) == MAX_STEPS and answer.truncated
    # its Finish call was beyond the bound: the answer is not taken as finished
    assert answer.unsolved_without_judge() == "final step is not a call of Finish"


def test_texts_are_clipped_to_the_bound():
    answer = parse_entry(entry("x" * (MAX_TEXT * 3), [("search", "a" * (MAX_TEXT * 2), "r" * (MAX_TEXT * 5))], "done"))
    assert len(answer.query) < MAX_TEXT + 100
    assert len(answer.steps[0].arguments) < MAX_TEXT + 100 and len(answer.steps[0].response) < MAX_TEXT + 100


def test_raw_file_without_answer_generation_is_one_clear_error(tmp_path):
    from toolgrad_eval.errors import InputFileError

    bad = tmp_path / "7_CoT@1.json"
    bad.write_text(json.dumps({"something": 1}))
    with pytest.raises(InputFileError, match=r"7_CoT@1.json: no 'answer_generation' object"):
        convert_file(bad)


def test_tool_calls_style_conversation_is_read(tmp_path):
    """Newer inference writes OpenAI tool_calls with tool messages; each call's reply is found by id."""
    conversation = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "function": {"name": "search", "arguments": '{"q": 1}'}},
                {"id": "c2", "function": {"name": "lookup", "arguments": "{}"}},
            ],
        },
        {"role": "tool", "tool_call_id": "c2", "content": "second"},
        {"role": "tool", "tool_call_id": "c1", "content": "first"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c3",
                    "function": {"name": "Finish", "arguments": '{"return_type": "give_answer", "final_answer": "x"}'},
                }
            ],
        },
    ]
    path = tmp_path / "9_CoT@1.json"
    path.write_text(
        json.dumps(
            {
                "answer_generation": {
                    "valid_data": True,
                    "query": "q",
                    "function": [],
                    "final_answer": "x",
                    "train_messages": [conversation],
                }
            }
        )
    )
    answer = parse_entry(convert_file(path))
    assert [(s.name, s.response) for s in answer.steps] == [("search", "first"), ("lookup", "second"), ("Finish", "")]


def test_layout_needs_test_ids_and_answers(tmp_path: Path):
    (tmp_path / "model_predictions_converted").mkdir()
    assert not is_toolbench(tmp_path)
    (tmp_path / "solvable_queries" / "test_query_ids").mkdir(parents=True)
    assert is_toolbench(tmp_path)
