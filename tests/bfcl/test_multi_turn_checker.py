"""The response check's matching rule and the call strings of decode_execute, unit by unit."""

from __future__ import annotations

import pytest

from toolgrad_eval.bfcl.decode import DecodeError
from toolgrad_eval.bfcl.multi_turn.calls import execution_calls
from toolgrad_eval.bfcl.multi_turn.checker import missing_results


def test_each_model_result_matches_one_ground_truth_result_in_any_order() -> None:
    assert missing_results(["a", "b"], ["b", "x", "a"]) == []
    assert missing_results(["a", "a"], ["a"]) == ["a"]  # one model result cannot stand for two
    assert missing_results(["a", "a"], ["a", "b", "a"]) == []
    assert missing_results(["c"], []) == ["c"]


def test_function_calling_steps_are_written_with_repr() -> None:
    step = [{"cd": '{"folder": "doc"}'}, {"ls": {"a": True}}]
    assert execution_calls(step, "openai-fc", "v4") == ["cd(folder='doc')", "ls(a=True)"]
    assert execution_calls({"pwd": "{}"}, "fc", "v4") == ["pwd()"]  # a lone call object
    assert execution_calls("", "openai-fc", "v4") == []
    with pytest.raises(DecodeError):
        execution_calls("I moved the file.", "openai-fc", "v4")
    with pytest.raises(DecodeError):
        execution_calls([{"ls": "[1]"}], "openai-fc", "v4")  # arguments must be an object


def test_prompting_steps_nest_calls_and_fail_on_empty_dicts() -> None:
    assert execution_calls("[cd(folder=pwd(x=1)), ls(a=True)]", "python", "v4") == [
        "cd(folder=pwd(x=1))",
        "ls(a=True)",
    ]
    assert execution_calls("[f(d={'k': 1})]", "python", "v4") == ["f(d={'k': 1})"]
    assert execution_calls("f(a=1, b=2)", "python", "v4") == ["f(a=1, b=2)"]
    with pytest.raises(DecodeError):
        execution_calls("[f(d={})]", "python", "v4")
