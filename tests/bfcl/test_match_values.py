"""Value rules of the AST checker: each with an accepted and a rejected case."""

from __future__ import annotations

import pytest

from toolgrad_eval.bfcl.match.values import (
    check_allowed,
    check_dict,
    check_list,
    check_list_of_dicts,
    check_string,
    check_type,
    normalise,
)
from toolgrad_eval.bfcl.verdict import ErrorType


def error(result: object) -> str | None:
    return None if result is None else result.error_type  # type: ignore[attr-defined]


class TestStrings:
    def test_normalisation(self) -> None:
        assert normalise("April 1, 2024") == normalise("april 1 2024") == "april12024"
        assert normalise("New-York_City.*^/") == "newyorkcity"
        assert normalise("it's") == 'it"s'

    def test_only_ascii_space_is_ignored(self) -> None:
        assert normalise("a\tb") != normalise("ab")

    def test_no_unicode_normalisation(self) -> None:
        assert check_string("p", "café", ["cafe"]) is not None

    def test_accept_and_reject(self) -> None:
        assert check_string("p", "San Francisco, CA", ["san francisco ca"]) is None
        assert error(check_string("p", "Los Angeles", ["san francisco ca"])) == ErrorType.VALUE_STRING

    def test_non_string_answers_are_ignored(self) -> None:
        assert error(check_string("p", "5", [5])) == ErrorType.VALUE_STRING


class TestTypes:
    def test_exact_type(self) -> None:
        assert check_type("p", 5, [5], "integer", int, None).mismatch is None
        assert error(check_type("p", True, [5], "integer", int, None).mismatch) == ErrorType.TYPE_SIMPLE

    def test_variable_answer_type_is_accepted(self) -> None:
        # the answer holds a string for an integer parameter: a string value is a "variable"
        result = check_type("p", "n", ["n"], "integer", int, None)
        assert result.mismatch is None and result.is_variable
        assert error(check_type("p", 1.5, ["n"], "integer", int, None).mismatch) == ErrorType.TYPE_SIMPLE

    def test_nested_element_types(self) -> None:
        assert check_type("p", [1, 2], [[1, 2]], "array", list, int).mismatch is None
        assert error(check_type("p", [1, "2"], [[1, 2]], "array", list, int).mismatch) == ErrorType.TYPE_NESTED

    def test_no_int_for_float_leniency_inside_arrays(self) -> None:
        assert error(check_type("p", [1, 2], [[1.0, 2.0]], "array", list, float).mismatch) == ErrorType.TYPE_NESTED
        assert check_type("p", [1, 2], [[1, 2]], "array", list, float).mismatch is None  # answer itself uses ints

    def test_optional_marker_skips_the_element_check(self) -> None:
        assert check_type("p", ["x"], ["", [1]], "array", list, int).mismatch is None


class TestLists:
    def test_accept_with_string_normalisation(self) -> None:
        assert check_list("p", ["New York", 2], [["new york", 2]]) is None

    def test_order_matters(self) -> None:
        assert error(check_list("p", [2, 1], [[1, 2]])) == ErrorType.VALUE_LIST

    def test_optional_marker_accepts_an_empty_list(self) -> None:
        # official quirk: "" is iterated as an empty answer list
        assert check_list("p", [], [[1], ""]) is None
        assert error(check_list("p", [], [[1]])) == ErrorType.VALUE_LIST


class TestDicts:
    def test_accept(self) -> None:
        assert check_dict("p", {"city": "Paris", "n": 2}, [{"city": ["paris"], "n": [2], "opt": ["", 1]}]) is None

    def test_unexpected_key(self) -> None:
        assert error(check_dict("p", {"x": 1}, [{"n": ["", 2]}])) == ErrorType.VALUE_DICT_KEY

    def test_wrong_value(self) -> None:
        assert error(check_dict("p", {"n": 3}, [{"n": [2]}])) == ErrorType.VALUE_DICT_VALUE

    def test_missing_key_overrides_a_wrong_value(self) -> None:
        assert error(check_dict("p", {"n": 3}, [{"n": [2], "m": [1]}])) == ErrorType.VALUE_DICT_KEY

    def test_only_optional_answer_rejects_any_dict(self) -> None:
        assert error(check_dict("p", {}, [""])) == ErrorType.DICT_UNCLEAR

    def test_list_of_dicts(self) -> None:
        answers = [[{"a": [1]}, {"a": [2]}]]
        assert check_list_of_dicts("p", [{"a": 1}, {"a": 2}], answers) is None
        assert error(check_list_of_dicts("p", [{"a": 1}], answers)) == ErrorType.VALUE_LIST_DICT_COUNT
        assert error(check_list_of_dicts("p", [{"a": 2}, {"a": 1}], answers)) == ErrorType.VALUE_DICT_VALUE


class TestAllowedValues:
    @pytest.mark.parametrize("value", [5, 5.0])
    def test_numeric_equality(self, value: float) -> None:
        assert check_allowed("p", value, [5]) is None

    def test_rejected(self) -> None:
        assert error(check_allowed("p", 6, [5, ""])) == ErrorType.VALUE_OTHERS
