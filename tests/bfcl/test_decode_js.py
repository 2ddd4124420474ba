"""The JavaScript call decoder reproduces what BFCL's tree-sitter based decoder returns."""

from __future__ import annotations

from typing import Any

import pytest

from bfcl.hostile import parse_work, within_linear_bounds

from toolgrad_eval.bfcl.decode import DecodeError, decode_js_calls

pytestmark = pytest.mark.compat  # parser bounds: recursion and int limits differ between versions


def fails(text: str) -> bool:
    try:
        decode_js_calls(text)
    except DecodeError:
        return True
    return False


def args(text: str) -> dict[Any, str]:
    decoded = decode_js_calls(text)
    assert isinstance(decoded, list) and len(decoded) == 1
    return next(iter(decoded[0].values()))


class TestCalls:
    def test_call_with_source_text_values(self) -> None:
        assert decode_js_calls('[fetch(url="https://x.org", opts={"a": [1, 2]}, n=5)]') == [
            {"fetch": {"url": "https://x.org", "opts": '{"a": [1, 2]}', "n": "5"}}
        ]

    def test_first_top_level_call_only(self) -> None:
        assert decode_js_calls("[f(a=1); g(b=2)]") == [{"f": {"a": "1"}}]
        assert decode_js_calls("[f(a=1)\ng(b=2)]") == [{"f": {"a": "1"}}]

    def test_comma_separated_calls_are_a_sequence_not_a_call(self) -> None:
        assert decode_js_calls("[f(a=1), g(b=2)]") is None

    def test_statements_that_are_not_calls_are_skipped(self) -> None:
        assert decode_js_calls("[var x = f(a=1)]") is None
        assert decode_js_calls("[await f(a=1)]") is None
        assert decode_js_calls("[x: f(a=1)]") is None  # a labelled statement
        assert decode_js_calls("[]") is None

    def test_callee_text_is_the_name(self) -> None:
        assert decode_js_calls("[a.b.c(d=1)]") == [{"a.b.c": {"d": "1"}}]
        assert decode_js_calls("[f(a=1)(b=2)]") == [{"f(a=1)": {"b": "2"}}]

    def test_optional_call_has_no_arguments(self) -> None:
        assert decode_js_calls("[f?.(a=1)]") == [{"f": {}}]

    def test_same_line_statements_need_a_separator(self) -> None:
        assert fails("[f(a=1) g(b=2)]")


class TestArguments:
    def test_quotes_are_trimmed_once(self) -> None:
        assert args("""[f(a="x", b='y', c=`t`, d="'q'")]""") == {"a": "x", "b": "y", "c": "`t`", "d": "'q'"}

    def test_positional_identifier_and_true_go_under_none(self) -> None:
        assert args("[f(x, a=1)]") == {None: "x", "a": "1"}
        assert args("[f(true, a=1)]") == {None: "true", "a": "1"}
        assert args("[f(false, 1, 'x', a=1)]") == {"a": "1"}

    def test_compound_assignment_is_dropped(self) -> None:
        assert args("[f(a+=1, b=2)]") == {"b": "2"}

    def test_repeated_names_fail(self) -> None:
        assert fails("[f(a=1, a=2)]")
        assert fails("[f(x, true)]")

    def test_expression_values(self) -> None:
        assert args("[f(a=() => 1, b=function(x) { return x; }, c=new Date(), d=-1.5e3, e=10n, f=x ? 1 : 2)]") == {
            "a": "() => 1",
            "b": "function(x) { return x; }",
            "c": "new Date()",
            "d": "-1.5e3",
            "e": "10n",
            "f": "x ? 1 : 2",
        }

    def test_missing_closing_bracket_before_paren_is_repaired(self) -> None:
        assert args("[f(a=[1, 2, 3)]") == {"a": "[1, 2, 3"}

    def test_empty_argument_slots_are_allowed(self) -> None:
        assert args("[f(,a=1,,)]") == {"a": "1"}

    @pytest.mark.parametrize(
        "text", ['[f(a="unterminated)]', "[f(a=1, b=)]", '[f(a="x" b="y")]', "[f(a=(1)]", '[f("x"=1)]']
    )
    def test_syntax_errors_fail(self, text: str) -> None:
        assert fails(text)


class TestHostile:
    @pytest.mark.parametrize(
        "text",
        [
            "[f(a=" + "(" * 5000 + "1" + ")" * 5000 + ")]",
            "[f(a=" + "[" * 5000 + "]" * 5000 + ")]",
            "[f(a=" + "-" * 100_000 + "1)]",
            "[f(a=" + "1+" * 60_000 + "1)]",
            "[f(a=`" + "${" * 5000 + ")]",
        ],
    )
    def test_fails_or_decodes_fast(self, text: str) -> None:
        work = parse_work(text, "javascript")
        assert within_linear_bounds(work, text), (len(text), work)
