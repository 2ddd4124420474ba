"""Replies become results in BFCL's stored shape, whatever the server sends, within bounds."""

from __future__ import annotations

from toolgrad_eval.generate.request import MAX_CALLS, MAX_RESULT_CHARS, result_of


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
    assert result_of(
        {"choices": [{"message": "x"}], "usage": {"prompt_tokens": -1, "completion_tokens": True}}, "prompt"
    ) == ("", 0, 0)
    # prompt mode stores the text even when a server attached tool calls
    assert result_of(_reply({"content": "[f()]", "tool_calls": [_call("f", "{}")]}), "prompt")[0] == "[f()]"


def test_arguments_sent_as_objects_are_written_as_json_text():
    reply = _reply({"content": None, "tool_calls": [_call("f", {"a": [1, 2]})]})
    assert result_of(reply, "fc")[0] == [{"f": '{"a": [1, 2]}'}]


def test_huge_replies_are_cut_to_a_bound():
    big = "x" * (MAX_RESULT_CHARS + 5000)
    assert len(result_of(_reply({"content": big}), "prompt")[0]) == MAX_RESULT_CHARS
    stored = result_of(_reply({"content": None, "tool_calls": [_call("n" * 5000, big)]}), "fc")[0]
    ((name, arguments),) = stored[0].items()
    assert len(name) == 1000 and len(arguments) == MAX_RESULT_CHARS

    many = result_of(_reply({"content": None, "tool_calls": [_call("f", "{}")] * (MAX_CALLS + 10)}), "fc")[0]
    assert len(many) == MAX_CALLS
    heavy = result_of(_reply({"content": None, "tool_calls": [_call("f", "x" * 400_000)] * 5}), "fc")[0]
    assert len(heavy) == 2  # 3 x 400,001 characters would pass MAX_RESULT_CHARS


def test_a_reply_nested_past_the_parser_is_an_error_not_a_crash(model_env, bfcl_data):
    from support.fake_model import FakeModel
    from support.fake_openai import Reply
    from toolgrad_eval.generate.runner import GenerateOptions, generate
    from toolgrad_eval.generate.sender import SendSettings

    with FakeModel(bfcl_data, every=0) as server:
        server.script([Reply.malformed("[" * 100_000 + "]" * 100_000)] * 2)
        summary = generate(
            GenerateOptions(
                model="m",
                dataset=model_env / "run",
                categories=("simple_python",),
                base_urls=(server.base_url,),
                bfcl_data=bfcl_data,
                num_process=1,
                send=SendSettings(max_attempts=2, backoff_base=0.01),
            ),
            echo=lambda *_: None,
        )
    assert summary["sent"] == 8 and summary["errors"] == 1 and "nested too deeply" in summary["first_error"]
