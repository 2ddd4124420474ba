"""The Java call decoder reproduces what BFCL's tree-sitter based decoder returns."""

from __future__ import annotations

from typing import Any

import pytest

from bfcl.hostile import parse_work, within_linear_bounds

from toolgrad_eval.bfcl.decode import DecodeError, decode_java_calls

pytestmark = pytest.mark.compat  # parser bounds: recursion and int limits differ between versions


def fails(text: str) -> bool:
    try:
        decode_java_calls(text)
    except DecodeError:
        return True
    return False


def args(text: str) -> dict[Any, str]:
    decoded = decode_java_calls(text)
    assert isinstance(decoded, list) and len(decoded) == 1
    return next(iter(decoded[0].values()))


class TestCalls:
    def test_qualified_call_with_string_arguments(self) -> None:
        assert decode_java_calls('[Geo.create(controller="map", parent="area")]') == [
            {"Geo.create": {"controller": "map", "parent": "area"}}
        ]

    def test_without_brackets(self) -> None:
        assert decode_java_calls('Geo.create(controller="map")') == [{"Geo.create": {"controller": "map"}}]

    def test_only_the_first_call_is_read(self) -> None:
        assert decode_java_calls('[Geo.create(a="1"); Geo.remove(b="2");]') == [{"Geo.create": {"a": "1"}}]

    def test_comma_separated_calls_fail(self) -> None:
        assert fails('[Geo.create(a="1"), Geo.remove(b="2")]')

    def test_no_call_decodes_to_empty_dict(self) -> None:
        assert decode_java_calls("[]") == {}
        assert decode_java_calls('["just a string literal here"]') == {}

    def test_receiver_text_is_kept(self) -> None:
        assert decode_java_calls("[obj.get().run(x=1);]") == [{"obj.get().run": {"x": "1"}}]

    def test_code_fence_with_language_fails(self) -> None:
        assert fails('```java\nGeo.create(controller="map")\n```')


class TestMissingSemicolon:
    def test_short_statement_without_semicolon_fails(self) -> None:
        # tree-sitter discards statements of at most 10 characters instead of repairing them
        assert fails("[f(a=1)]")
        assert fails("[abcdefg()]")
        assert not fails("[abcdefg(c=1)]")

    def test_short_statement_with_semicolon_decodes(self) -> None:
        assert decode_java_calls("[f(a=1);]") == [{"f": {"a": "1"}}]

    def test_two_calls_on_lines(self) -> None:
        assert decode_java_calls("[Test.fooooooo(a=1)\ng(b=2)]") == [{"Test.fooooooo": {"a": "1"}}]
        assert fails("[Test.fooooooo(a=1)\nTest.g(b=2)]")

    def test_trailing_qualified_name_fails(self) -> None:
        assert fails("[Foo.barrrrrrrrrrrrr]")
        assert decode_java_calls("[Foo.barrrrrrrrrrrrr;]") == {}

    def test_label_before_call(self) -> None:
        assert decode_java_calls('Sure: Geo.create(controller="map")\n```') == [{"Geo.create": {"controller": "map"}}]


class TestValues:
    def test_string_and_char_literals_lose_their_quotes(self) -> None:
        assert args("[T.f(a=\"x y\", b='single quoted', c='\\n')]") == {"a": "x y", "b": "single quoted", "c": "\\n"}

    def test_numbers_and_keywords_are_text(self) -> None:
        assert args("[T.f(a=5, b=-3.5f, c=10L, d=true, e=null, f=0x1F)]") == {
            "a": "5",
            "b": "-3.5f",
            "c": "10L",
            "d": "true",
            "e": "null",
            "f": "0x1F",
        }

    def test_composite_values_are_concatenated_without_spaces(self) -> None:
        assert args("[T.f(a=1 + 2, b=(int) x, c=x -> x + 1, d=a ? b : c, e=System.out)]") == {
            "a": "1+2",
            "b": "(int)x",
            "c": "x->x+1",
            "d": "a?b:c",
            "e": "System.out",
        }

    def test_nested_strings_keep_quotes_and_calls_keep_raw_text(self) -> None:
        assert args('[T.f(a="x" + "y", b=Arrays.asList( "p" ,"q" ))]') == {
            "a": '"x"+"y"',
            "b": 'Arrays.asList( "p" ,"q" )',
        }

    def test_array_creation(self) -> None:
        assert args('[T.f(a=new int[]{1, 2}, b=new String[][]{{"x"}, {"y"}})]') == {
            "a": "new int[]{1,2}",
            "b": 'new String[]{{"x"},{"y"}}',
        }

    def test_array_creation_without_initializer_fails(self) -> None:
        assert fails("[T.f(a=new int[3])]")

    def test_object_creation_drops_anonymous_class_body(self) -> None:
        assert args('[T.f(a=new HashMap<String, String>() {{ put("k", "v"); }})]') == {
            "a": "new HashMap<String,String>()"
        }
        assert args('[T.f(a=new ArrayList<>(Arrays.asList("x", "y")))]') == {
            "a": 'new ArrayList<>(Arrays.asList("x", "y"))'
        }

    def test_map_literal_braces_fail(self) -> None:
        assert fails('[T.f(params={"limit": "50"})]')

    def test_positional_identifier_and_class_literal_go_under_none(self) -> None:
        assert args("[T.f(x, a=1)]") == {None: "x", "a": "1"}
        assert args("[T.f(String.class, a=1)]") == {None: "String.class", "a": "1"}
        assert args('[T.f("dropped", 5, a=1)]') == {"a": "1"}

    def test_repeated_names_fail(self) -> None:
        assert fails('[T.f(a="x", a="y")]')
        assert fails("[T.f(x, y)]")

    def test_compound_assignment_counts_as_argument(self) -> None:
        assert args("[T.f(a+=1, b=2)]") == {"a": "1", "b": "2"}

    def test_assignment_binds_tighter_after_an_operand(self) -> None:
        # an LR parser reads `prop-erty="x"` as `prop - (erty = "x")`: not an argument
        assert args('[T.f(root="r", prop-erty="x")]') == {"root": "r"}

    def test_missing_bracket_before_comma_is_repaired(self) -> None:
        assert args('[T.f(a="1", se[ttings="s", b="2")]') == {"a": "1", "b": "2"}

    @pytest.mark.parametrize(
        "text", ['[T.f(a="unterminated)]', "[T.f(a=1, b=)]", "[T.f(a=1 b=2)]", "[T.f(a={1, 2})]", "[T.f(a='')]"]
    )
    def test_syntax_errors_fail(self, text: str) -> None:
        assert fails(text)


class TestHostile:
    @pytest.mark.parametrize(
        "text",
        [
            "[T.f(a=" + "(" * 5000 + "1" + ")" * 5000 + ")]",
            "[T.f(a=" + "-" * 100_000 + "1)]",
            "[T.f(a=" + "1+" * 50_000 + "1)]",
            '[T.f(a="' + "x" * 300_000 + '")]',
            "[" + "{" * 10_000 + "]",
        ],
    )
    def test_fails_fast(self, text: str) -> None:
        work = parse_work(text, "java")
        assert within_linear_bounds(work, text), (len(text), work)
