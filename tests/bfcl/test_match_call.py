"""One call against one expected call: names, parameters, types, language conversions."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from toolgrad_eval.bfcl.match.call import CallRules, UnsupportedInput, check_call
from toolgrad_eval.bfcl.verdict import ErrorType

PY = CallRules("python")


@pytest.fixture
def weather(function: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return function(
        "weather.get",
        {
            "city": "string",
            "days": "integer",
            "temp": "float",
            "tags": {"type": "array", "items": {"type": "string"}},
            "point": {"type": "tuple", "items": {"type": "float"}},
            "opts": "dict",
        },
        ["city"],
    )


ANSWER = {
    "weather.get": {
        "city": ["Paris"],
        "days": [3, ""],
        "temp": [20.0, ""],
        "tags": [["a"], ""],
        "point": [[1.0, 2.0], ""],
        "opts": [{"unit": ["c"]}, ""],
    }
}


def check(
    schema: dict[str, Any],
    args: dict[str, Any],
    answer: dict[str, Any] = ANSWER,
    rules: CallRules = PY,
    name: str = "weather.get",
) -> str | None:
    problem = check_call(schema, {name: args}, answer, rules)
    return None if problem is None else problem.error_type


def test_correct_call(weather: dict[str, Any]) -> None:
    assert check(weather, {"city": "paris", "days": 3, "tags": ["A"], "opts": {"unit": "C"}}) is None


def test_function_name(weather: dict[str, Any]) -> None:
    assert check(weather, {"city": "Paris"}, name="weather_get") == ErrorType.WRONG_FUNC_NAME


def test_underscore_for_dot_names(weather: dict[str, Any]) -> None:
    rules = CallRules("python", underscore_to_dot=True)
    assert check(weather, {"city": "Paris"}, rules=rules, name="weather_get") is None
    assert check(weather, {"city": "Paris"}, rules=rules) == ErrorType.WRONG_FUNC_NAME


def test_required_parameter(weather: dict[str, Any]) -> None:
    assert check(weather, {"days": 3}) == ErrorType.MISSING_REQUIRED


def test_unexpected_parameter(weather: dict[str, Any]) -> None:
    assert check(weather, {"city": "Paris", "color": "red"}) == ErrorType.UNEXPECTED_PARAM


def test_parameter_in_schema_but_not_in_answer_is_unexpected(weather: dict[str, Any]) -> None:
    answer = {"weather.get": {"city": ["Paris"]}}
    assert check(weather, {"city": "Paris", "days": 3}, answer) == ErrorType.UNEXPECTED_PARAM


def test_optional_parameter_omitted_only_when_marked(weather: dict[str, Any]) -> None:
    assert check(weather, {"city": "Paris"}) is None
    answer = {"weather.get": {"city": ["Paris"], "days": [3]}}
    assert check(weather, {"city": "Paris"}, answer) == ErrorType.MISSING_OPTIONAL


def test_int_accepted_for_float(weather: dict[str, Any]) -> None:
    assert check(weather, {"city": "Paris", "temp": 20}) is None
    assert check(weather, {"city": "Paris", "temp": "20"}) == ErrorType.TYPE_SIMPLE


def test_tuple_value_for_tuple_parameter(weather: dict[str, Any]) -> None:
    assert check(weather, {"city": "Paris", "point": (1.0, 2.0)}) is None
    assert check(weather, {"city": "Paris", "tags": ("a",)}) == ErrorType.TYPE_SIMPLE


def test_bool_is_not_an_integer(weather: dict[str, Any]) -> None:
    assert check(weather, {"city": "Paris", "days": True}) == ErrorType.TYPE_SIMPLE


def test_unknown_type_is_unsupported(function: Callable[..., dict[str, Any]]) -> None:
    schema = function("f", {"x": "number"})
    with pytest.raises(UnsupportedInput):
        check(schema, {"x": 1}, {"f": {"x": [1]}}, name="f")


class TestJava:
    @pytest.fixture
    def schema(self, function: Callable[..., dict[str, Any]]) -> dict[str, Any]:
        return function(
            "T.f",
            {
                "n": "integer",
                "flag": "boolean",
                "name": "String",
                "ids": {"type": "Array", "items": {"type": "String"}},
                "nums": {"type": "ArrayList", "items": {"type": "long"}},
                "map": "HashMap",
                "c": "char",
            },
        )

    def java(self, schema: dict[str, Any], args: dict[str, Any], answer: dict[str, Any]) -> str | None:
        return check(schema, args, {"T.f": answer}, CallRules("java"), name="T.f")

    def test_numbers_may_be_quoted(self, schema: dict[str, Any]) -> None:
        assert self.java(schema, {"n": "5"}, {"n": [5]}) is None
        assert self.java(schema, {"n": "5.0"}, {"n": [5]}) == ErrorType.TYPE_SIMPLE

    def test_values_must_be_source_text(self, schema: dict[str, Any]) -> None:
        assert self.java(schema, {"n": 5}, {"n": [5]}) == ErrorType.TYPE_JAVA

    def test_boolean(self, schema: dict[str, Any]) -> None:
        assert self.java(schema, {"flag": "true"}, {"flag": [True]}) is None
        assert self.java(schema, {"flag": "True"}, {"flag": [True]}) == ErrorType.TYPE_SIMPLE

    def test_array_elements_keep_their_quotes(self, schema: dict[str, Any]) -> None:
        assert self.java(schema, {"ids": 'new String[]{"a","b"}'}, {"ids": [["a", "b"]]}) == ErrorType.VALUE_LIST

    def test_array_list_of_longs(self, schema: dict[str, Any]) -> None:
        assert self.java(schema, {"nums": "new ArrayList<>(Arrays.asList(1L, 2L))"}, {"nums": [[1, 2]]}) is None

    def test_double_brace_map_is_empty(self, schema: dict[str, Any]) -> None:
        assert (
            self.java(schema, {"map": "new HashMap<String,String>()"}, {"map": [{"k": ["v"]}]})
            == ErrorType.VALUE_DICT_KEY
        )

    def test_char_is_compared_as_text(self, schema: dict[str, Any]) -> None:
        assert self.java(schema, {"c": "a"}, {"c": ["a"]}) is None


class TestJavaScript:
    @pytest.fixture
    def schema(self, function: Callable[..., dict[str, Any]]) -> dict[str, Any]:
        return function(
            "f",
            {
                "n": "integer",
                "x": "float",
                "s": "String",
                "arr": {"type": "array", "items": {"type": "String"}},
                "obj": "dict",
                "big": "Bigint",
                "ok": "Boolean",
            },
        )

    def js(self, schema: dict[str, Any], args: dict[str, Any], answer: dict[str, Any]) -> str | None:
        return check(schema, args, {"f": answer}, CallRules("javascript"), name="f")

    def test_numbers(self, schema: dict[str, Any]) -> None:
        assert self.js(schema, {"n": "5", "x": "2.5", "big": "7n"}, {"n": [5], "x": [2.5], "big": [7]}) is None
        assert self.js(schema, {"x": "2.5e1"}, {"x": [25.0]}) == ErrorType.TYPE_SIMPLE

    def test_array_elements_lose_quotes(self, schema: dict[str, Any]) -> None:
        assert self.js(schema, {"arr": "['a', \"b\"]"}, {"arr": [["a", "b"]]}) is None
        assert self.js(schema, {"arr": "['b', 'a']"}, {"arr": [["a", "b"]]}) == ErrorType.VALUE_LIST

    def test_object(self, schema: dict[str, Any]) -> None:
        assert self.js(schema, {"obj": "{'k': 1, 'ok': true}"}, {"obj": [{"k": [1], "ok": [True]}]}) is None
        assert self.js(schema, {"obj": "{'k': 2}"}, {"obj": [{"k": [1]}]}) == ErrorType.VALUE_DICT_VALUE

    def test_values_must_be_source_text(self, schema: dict[str, Any]) -> None:
        assert self.js(schema, {"ok": True}, {"ok": [True]}) == ErrorType.TYPE_JS
