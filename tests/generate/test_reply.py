"""Replies become results in BFCL's stored shape, whatever the server sends, within bounds."""

from __future__ import annotations

from toolgrad_eval.generate.request import MAX_RESULT_CHARS, result_of


def _reply(message, usage=None):
    return {"choices": [{"message": message}], "usage": usage or {"prompt_tokens": 7, "completion_tokens": 3}}


def _call(name, arguments):
    return {"id": "c", "type": "function", "function": {"name": name, "arguments": arguments}}


def test_tool_calls_are_stored_as_the_openai_handler_stores_them():
    reply = _reply({"content": None, "tool_calls": [_call("a_b", '{"x": 1}'), _call("c", "{}")]})
    assert result_of(reply, "fc") == ([{"a_b": '{"x": 1}'}, {"c": "{}"}], 7, 3)


def test_no_calls_empty_lists_and_malformed_calls():
    assert result_of(_reply({"content": "I cannot help."}), "fc")[0] == "I cannot help."
    assert result_of(_reply({"content": "", "tool_calls": []}), "fc")[0] == []
    assert result_of(_reply({"content": "t", "tool_calls": [{"function": None}]}), "fc")[0] == "t"
    assert result_of(_reply({"content": None, "refusal": "no"}), "prompt")[0] == ""
    assert result_of({"choices": []}, "fc") == ("", 0, 0)
    assert result_of({"choices": [{"message": "x"}], "usage": {"prompt_tokens": -1, "completion_tokens": True}},
                     "prompt") == ("", 0, 0)
    # prompt mode stores the text even when a server attached tool calls
    assert result_of(_reply({"content": "[f()]", "tool_calls": [_call("f", "{}")]}), "prompt")[0] == "[f()]"


def test_huge_replies_are_cut_to_a_bound():
    big = "x" * (MAX_RESULT_CHARS + 5000)
    assert len(result_of(_reply({"content": big}), "prompt")[0]) == MAX_RESULT_CHARS
    stored = result_of(_reply({"content": None, "tool_calls": [_call("n" * 5000, big)]}), "fc")[0]
    (name, arguments), = stored[0].items()
    assert len(name) == 1000 and len(arguments) == MAX_RESULT_CHARS
