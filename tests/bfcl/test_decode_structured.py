"""JSON call objects and stored function-calling results, plus the decoded-shape helpers."""

from __future__ import annotations

import json
import math

import pytest

from toolgrad_eval.bfcl.decode import (
    DecodeError,
    decode_fc_calls,
    decode_json_calls,
    is_call_list,
    is_empty_output,
    json_safe,
)

CALL = {"get_weather": {"city": "Paris"}}


class TestJsonCalls:
    @pytest.mark.parametrize(
        "text",
        [
            '[{"name": "get_weather", "arguments": {"city": "Paris"}}]',
            '{"name": "get_weather", "parameters": {"city": "Paris"}}',
            '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}',
            '```json\n[{"name": "get_weather", "arguments": {"city": "Paris"}}]\n```',
            '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
            '[{"type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]',
            '<TOOLCALL>[{"name": "get_weather", "arguments": {"city": "Paris"}}]</TOOLCALL>',
        ],
    )
    def test_shapes(self, text: str) -> None:
        assert decode_json_calls(text) == [CALL]

    def test_semicolon_separated_objects(self) -> None:
        text = '{"name": "a", "parameters": {"x": 1}}; {"name": "b", "parameters": {}}'
        assert decode_json_calls(text) == [{"a": {"x": 1}}, {"b": {}}]

    def test_several_tool_call_blocks(self) -> None:
        block = '<tool_call>\n{{"name": "{}", "arguments": {{}}}}\n</tool_call>'
        text = block.format("a") + "\n" + block.format("b")
        assert decode_json_calls(text) == [{"a": {}}, {"b": {}}]

    def test_already_parsed_values(self) -> None:
        assert decode_json_calls([{"name": "get_weather", "arguments": {"city": "Paris"}}]) == [CALL]
        assert decode_json_calls({"name": "get_weather", "arguments": {"city": "Paris"}}) == [CALL]

    def test_empty_means_no_calls(self) -> None:
        assert decode_json_calls("") == []
        assert decode_json_calls("[]") == []

    @pytest.mark.parametrize(
        "text",
        ["I cannot help.", '{"arguments": {}}', '{"name": "a"}', '[{"name": 3, "arguments": {}}]', "[1]", "{not json"],
    )
    def test_failures(self, text: str) -> None:
        with pytest.raises(DecodeError):
            decode_json_calls(text)


class TestFunctionCallingResults:
    def test_arguments_as_json_string_or_object(self) -> None:
        assert decode_fc_calls([{"get_weather": '{"city": "Paris"}'}]) == [CALL]
        assert decode_fc_calls([{"get_weather": {"city": "Paris"}}]) == [CALL]

    def test_text_instead_of_calls_fails(self) -> None:
        with pytest.raises(DecodeError):
            decode_fc_calls("The weather is nice.")

    @pytest.mark.parametrize("result", [{"a": "{}"}, [{}], ["a"], [{"a": "{broken"}]])
    def test_malformed(self, result: object) -> None:
        with pytest.raises(DecodeError):
            decode_fc_calls(result)

    def test_non_object_arguments_decode_but_are_not_a_call_list(self) -> None:
        decoded = decode_fc_calls([{"a": "[1, 2]"}])
        assert decoded == [{"a": [1, 2]}]
        assert not is_call_list(decoded)

    def test_deeply_nested_arguments_are_refused(self) -> None:
        deep = "[" * 600 + "]" * 600
        with pytest.raises(DecodeError):
            decode_fc_calls([{"a": '{"x": ' + deep + "}"}])

    def test_huge_integer_is_refused(self) -> None:
        with pytest.raises(DecodeError):
            decode_fc_calls([{"a": '{"x": ' + "9" * 10_000 + "}"}])


class TestShapes:
    def test_call_list(self) -> None:
        assert is_call_list([])
        assert is_call_list([CALL, {"f": {}}])
        assert not is_call_list({})
        assert not is_call_list([{"f": {}, "g": {}}])
        assert not is_call_list([{"f": []}])
        assert not is_call_list(None)

    def test_empty_output_for_relevance(self) -> None:
        assert is_empty_output([])
        assert is_empty_output([{}])
        assert is_empty_output("text")
        assert not is_empty_output([CALL])

    def test_json_safe(self) -> None:
        value = [{"f": {None: (1, 2), "b": b"x", "c": 1j, "d": math.inf, "e": {3, 1}, 1: "k"}}]
        safe = json_safe(value)
        json.dumps(safe, allow_nan=False)
        assert safe == [{"f": {"None": [1, 2], "b": "b'x'", "c": "1j", "d": "inf", "e": [1, 3], "1": "k"}}]
