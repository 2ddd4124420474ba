"""reply_parts reads a chat.completion body (live reply or Batch API line) without the SDK's models."""

import pytest

from toolgrad_eval.judge.client import reply_parts


def completion(content, finish_reason="stop", usage=None):
    body = {
        "choices": [{"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": content}}]
    }
    if usage is not None:
        body["usage"] = usage
    return body


def test_content_and_usage():
    assert reply_parts(completion("{}", usage={"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10})) == (
        "{}",
        {"prompt_tokens": 7, "completion_tokens": 3},
    )


def test_cut_by_max_tokens_is_empty_but_still_paid():
    assert reply_parts(completion('{"final', "length", {"prompt_tokens": 5, "completion_tokens": 9})) == (
        "",
        {"prompt_tokens": 5, "completion_tokens": 9},
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"choices": []},
        {"choices": [None]},
        {"choices": [{"message": None}]},
        completion(None),
        completion(123),
        completion(["part"]),
        [],
        "text",
        None,
        3,
    ],
)
def test_odd_bodies_give_empty_content(body):
    raw, usage = reply_parts(body)
    assert raw == "" and usage is None


def test_odd_usage_values_count_as_zero():
    assert reply_parts(completion("x", usage={"prompt_tokens": None, "completion_tokens": "abc"}))[1] == {
        "prompt_tokens": 0,
        "completion_tokens": 0,
    }


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), 1e999, -5, 2**80, float("nan")])
def test_absurd_usage_values_count_as_zero_instead_of_crashing(value):
    # json.loads turns Infinity, NaN and 1e999 into floats; int() of those raises or is meaningless
    assert reply_parts(completion("x", usage={"prompt_tokens": value, "completion_tokens": 2}))[1] == {
        "prompt_tokens": 0,
        "completion_tokens": 2,
    }
