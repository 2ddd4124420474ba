"""check_entry: categories, call counts and order, relevance, formats, and the Verdict type."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from toolgrad_eval.bfcl.match import check_entry, detect_format, language_of
from toolgrad_eval.bfcl.verdict import ERROR_TYPES, ErrorType, Verdict


@pytest.fixture
def q(function: Callable[..., dict[str, Any]], question: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return question(
        function("math.add", {"a": "integer", "b": "integer"}, ["a", "b"]),
        function("math.neg", {"a": "integer"}, ["a"]),
    )


ADD = {"math.add": {"a": [1], "b": [2]}}
ADD2 = {"math.add": {"a": [3], "b": [4]}}
NEG = {"math.neg": {"a": [1]}}


def verdict(
    category: str, q: dict[str, Any], answer: list[Any] | None, result: Any, **kw: Any
) -> tuple[bool, str | None]:
    v = check_entry(category, q, answer, result, **kw)
    return v.valid, v.error_type


class TestSimple:
    def test_pass_and_wrong_count(self, q: dict[str, Any]) -> None:
        assert verdict("simple_python", q, [ADD], "[math.add(a=1, b=2)]") == (True, None)
        assert verdict("simple_python", q, [ADD], "[math.add(a=1, b=2), math.add(a=1, b=2)]") == (
            False,
            ErrorType.SIMPLE_WRONG_COUNT,
        )
        assert verdict("live_simple", q, [ADD], "[]") == (False, ErrorType.SIMPLE_WRONG_COUNT)

    def test_decoder_failed(self, q: dict[str, Any]) -> None:
        assert verdict("simple_python", q, [ADD], "Sorry, no.") == (False, ErrorType.DECODER_FAILED)

    def test_empty_list_differs_between_versions(self, q: dict[str, Any]) -> None:
        assert verdict("simple_python", q, [ADD], "[]", version="v3") == (False, ErrorType.DECODER_FAILED)


class TestMultiple:
    def test_only_the_first_call_is_checked_against_its_schema(self, q: dict[str, Any]) -> None:
        assert verdict("multiple", q, [NEG], "[math.neg(a=1)]") == (True, None)
        assert verdict("live_multiple", q, [NEG], "[math.add(a=1, b=2)]") == (False, ErrorType.WRONG_FUNC_NAME)
        assert verdict("multiple", q, [NEG], "[math.neg(a=1), math.neg(a=1)]") == (
            False,
            ErrorType.MULTIPLE_WRONG_COUNT,
        )


class TestParallel:
    def test_any_order(self, q: dict[str, Any]) -> None:
        assert verdict("parallel", q, [ADD, ADD2], "[math.add(a=3, b=4), math.add(a=1, b=2)]") == (True, None)
        assert verdict("parallel_multiple", q, [ADD, NEG], "[math.neg(a=1), math.add(a=1, b=2)]") == (True, None)

    def test_count_and_no_match(self, q: dict[str, Any]) -> None:
        assert verdict("parallel", q, [ADD, ADD2], "[math.add(a=1, b=2)]") == (False, ErrorType.PARALLEL_WRONG_COUNT)
        assert verdict("live_parallel", q, [ADD, ADD2], "[math.add(a=1, b=2), math.add(a=1, b=2)]") == (
            False,
            ErrorType.PARALLEL_NO_MATCH,
        )

    def test_greedy_matching_without_backtracking(self, q: dict[str, Any]) -> None:
        # the first answer claims the first call that fits it, even when a later answer needed it
        loose = {"math.add": {"a": [1, 3], "b": [2, 4]}}
        assert verdict("parallel", q, [loose, ADD], "[math.add(a=1, b=2), math.add(a=3, b=4)]") == (
            False,
            ErrorType.PARALLEL_NO_MATCH,
        )
        assert verdict("parallel", q, [ADD, loose], "[math.add(a=1, b=2), math.add(a=3, b=4)]") == (True, None)


class TestRelevance:
    @pytest.mark.parametrize("result", ["[]", "", "I can't do that.", "[math.add(a=1, b=2)] done", "[{}]"])
    def test_irrelevance_passes_without_a_call(self, q: dict[str, Any], result: str) -> None:
        assert verdict("irrelevance", q, None, result) == (True, None)
        assert verdict("live_relevance", q, None, result) == (False, ErrorType.RELEVANCE_NOT_DECODED)

    def test_any_decoded_call_counts(self, q: dict[str, Any]) -> None:
        assert verdict("live_irrelevance", q, None, "[unknown(x=1)]") == (False, ErrorType.IRRELEVANCE_DECODED)
        assert verdict("live_relevance", q, None, "[unknown(x=1)]") == (True, None)

    def test_function_calling_results(self, q: dict[str, Any]) -> None:
        assert verdict("irrelevance", q, None, "No call needed.", fmt="fc") == (True, None)
        assert verdict("irrelevance", q, None, [{"f": "{}"}], fmt="fc") == (False, ErrorType.IRRELEVANCE_DECODED)


class TestFormats:
    def test_function_calling_names_use_underscores(self, q: dict[str, Any]) -> None:
        result = [{"math_add": json.dumps({"a": 1, "b": 2})}]
        assert verdict("simple_python", q, [ADD], result, fmt="fc") == (True, None)
        assert verdict("simple_python", q, [ADD], [{"math.add": {"a": 1, "b": 2}}], fmt="fc") == (
            False,
            ErrorType.WRONG_FUNC_NAME,
        )
        assert verdict(
            "simple_python", q, [ADD], [{"math.add": {"a": 1, "b": 2}}], fmt="fc", underscore_to_dot=False
        ) == (True, None)

    def test_json_format(self, q: dict[str, Any]) -> None:
        text = '[{"name": "math.add", "arguments": {"a": 1, "b": 2}}]'
        assert verdict("simple_python", q, [ADD], text, fmt="json") == (True, None)
        assert verdict("simple_python", q, [ADD], text) == (True, None)  # auto-detected
        assert verdict("simple_python", q, [ADD], text, fmt="python") == (False, ErrorType.DECODER_FAILED)

    def test_wrong_output_format(self, q: dict[str, Any]) -> None:
        assert verdict("simple_python", q, [ADD], [{"math_add": "[1, 2]"}], fmt="fc") == (
            False,
            ErrorType.WRONG_OUTPUT_FORMAT,
        )
        assert verdict("simple_javascript", q, [ADD], "[math.add(a=1), math.add(b=2)]") == (
            False,
            ErrorType.WRONG_OUTPUT_FORMAT,
        )

    def test_detect_format(self) -> None:
        assert detect_format(["[f(a=1)]", "[]", "I can't"]) == "python"
        assert detect_format(['[{"name": "f", "arguments": {}}]', '{"name": "g", "parameters": {}}', "[]"]) == "json"
        assert detect_format([[{"f": "{}"}], "text answer"]) == "fc"
        assert detect_format([[{"name": "f", "arguments": {}}]]) == "json"
        assert detect_format([]) == "python"

    def test_language_of(self) -> None:
        assert [language_of(c) for c in ("simple_java", "simple_javascript", "live_simple")] == [
            "java",
            "javascript",
            "python",
        ]


class TestVerdict:
    def test_decoded_is_json_safe(self, q: dict[str, Any]) -> None:
        v = check_entry("simple_python", q, [ADD], "[math.add(a=(1, 2), b=1j)]")
        assert v.decoded == [{"math.add": {"a": [1, 2], "b": "1j"}}]
        json.dumps(v.decoded, allow_nan=False)
        assert check_entry("simple_python", q, [ADD], "nope").decoded is None

    def test_reasons_are_given(self, q: dict[str, Any]) -> None:
        v = check_entry("simple_python", q, [ADD], "[math.add(a=1, b=3)]")
        assert v.error_type == ErrorType.VALUE_OTHERS and v.errors and "'b'" in v.errors[0]

    def test_invariants(self) -> None:
        assert Verdict.ok().error_type is None
        with pytest.raises(ValueError):
            Verdict(valid=False)
        with pytest.raises(ValueError):
            Verdict(valid=True, error_type=ErrorType.VALUE_OTHERS)
        assert ErrorType.PARALLEL_NO_MATCH in ERROR_TYPES

    def test_unsupported_answer_data_is_a_failed_entry(self, q: dict[str, Any]) -> None:
        bad = {"math.missing": {"a": [1]}}
        assert verdict("parallel", q, [bad], "[math.add(a=1, b=2)]") == (False, ErrorType.CHECKER_UNSUPPORTED)
