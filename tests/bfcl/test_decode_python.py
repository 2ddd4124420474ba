"""The Python-call decoder: the official decoder's rules, without its eval()."""

from __future__ import annotations


import pytest

from toolgrad_eval.bfcl.decode import DecodeError, decode_python_calls

pytestmark = pytest.mark.compat  # the ast module's grammar changes between versions


def decode(text: str, version: str = "v4") -> list:
    return decode_python_calls(text, version)  # type: ignore[arg-type]


def fails(text: str, version: str = "v4") -> bool:
    try:
        decode_python_calls(text, version)  # type: ignore[arg-type]
    except DecodeError:
        return True
    return False


class TestWrapping:
    def test_list_of_calls(self) -> None:
        assert decode("[f(a=1, b='x'), g.h(c=[1, 2])]") == [{"f": {"a": 1, "b": "x"}}, {"g.h": {"c": [1, 2]}}]

    def test_missing_brackets_are_added(self) -> None:
        assert decode("f(a=1)") == [{"f": {"a": 1}}]
        assert decode("f(a=1), g()") == [{"f": {"a": 1}}, {"g": {}}]

    def test_backticks_newlines_and_spaces_are_stripped(self) -> None:
        assert decode("```\n[f(a=1)]\n```  \n") == [{"f": {"a": 1}}]

    def test_fence_with_language_tag_fails(self) -> None:
        assert fails("```python\n[f(a=1)]\n```")

    def test_tabs_are_not_stripped(self) -> None:
        # the official decoder strips only backticks, newlines and spaces, so a "]" is appended
        assert fails("[f(a=1)]\t")

    def test_prose_fails(self) -> None:
        assert fails("I would call f(a=1)")
        assert fails("[f(a=1)] is the call")

    def test_tool_call_tags_fail(self) -> None:
        assert fails("<tool_call>[f(a=1)]</tool_call>")

    def test_elements_must_be_calls(self) -> None:
        assert fails("[f(a=1), 2]")
        assert fails("[f(a=1)], [g()]")  # a tuple of lists
        assert fails("[x for x in y]")

    def test_non_string_fails(self) -> None:
        assert fails(["f(a=1)"])  # type: ignore[arg-type]


class TestVersions:
    def test_empty_list_decodes_in_v4_only(self) -> None:
        assert decode("[]") == []
        assert fails("[]", "v3")

    def test_v3_strips_every_outer_bracket_and_quote(self) -> None:
        assert decode("[[f(a=1)]]", "v3") == [{"f": {"a": 1}}]
        assert fails("[[f(a=1)]]", "v4")
        assert decode("'f(a=1)'", "v3") == [{"f": {"a": 1}}]


class TestArguments:
    def test_positional_arguments_are_dropped(self) -> None:
        assert decode("[f(1, 'x', a=2)]") == [{"f": {"a": 2}}]

    def test_repeated_keyword_keeps_last(self) -> None:
        assert decode("[f(a=1, a=2)]") == [{"f": {"a": 2}}]

    def test_double_star_is_recorded_under_none(self) -> None:
        assert decode("[f(**{'a': 1})]") == [{"f": {None: {"a": 1}}}]

    def test_literals(self) -> None:
        assert decode("[f(a=None, b=True, c=1.5, d=b'x', e=..., f=(1, 'a'), g={'k': [1]})]") == [
            {"f": {"a": None, "b": True, "c": 1.5, "d": b"x", "e": "...", "f": (1, "a"), "g": {"k": [1]}}}
        ]

    def test_names_calls_and_subscripts_become_text(self) -> None:
        assert decode("[f(a=x, b=g(1,2), c=y[0], d=h(k=1))]") == [
            {"f": {"a": "x", "b": "g(1, 2)", "c": "y[0]", "d": {"h": {"k": 1}}}}
        ]

    def test_every_unary_operator_negates(self) -> None:
        # official bug, kept: +5, not True and ~10 all decode to negatives
        assert decode("[f(a=-5, b=+5, c=not True, d=~10)]") == [{"f": {"a": -5, "b": -5, "c": -1, "d": -10}}]

    def test_unary_on_non_literal_fails(self) -> None:
        assert fails("[f(a=-x)]")
        assert fails("[f(a=-(-1))]")
        assert fails("[f(a=-'s')]")

    def test_arithmetic_is_evaluated(self) -> None:
        assert decode("[f(a=5 * 60, b='a' + 'b', c=[0] * 3, d=7 / 2, e=2 ** -1, f=str(30) + 's')]") == [
            {"f": {"a": 300, "b": "ab", "c": [0, 0, 0], "d": 3.5, "e": 0.5, "f": "30s"}}
        ]

    def test_arithmetic_with_names_fails(self) -> None:
        assert fails("[f(a=2 * math.pi)]")
        assert fails("[f(a=x + 1)]")

    @pytest.mark.parametrize("value", ["lambda: 1", "{1, 2}", "f'{x}'", "1 if x else 2", "[*a]", "a.b", "x == 1"])
    def test_unsupported_syntax_fails(self, value: str) -> None:
        assert fails(f"[f(a={value})]")

    def test_callee_name_drops_non_name_parts(self) -> None:
        assert decode("[a.b.c(x=1)]") == [{"a.b.c": {"x": 1}}]
        assert decode("[f()(x=1)]") == [{"": {"x": 1}}]


class TestHostileOutputs:
    """Outputs that hang or execute code in the official decoder fail quickly here."""

    @pytest.mark.parametrize(
        "text",
        [
            "[f(a=9**9**9)]",
            "[f(a=2**10**8)]",
            "[f(a=1 << 10**9)]",
            "[f(a='x' * 10**9)]",
            "[f(a=[0] * 10**9)]",
            "[f(a=10**5000 * 10**5000)]",
            "[f(a='%0*d' % (10**9, 1))]",
            "[f(a=__import__('os').system('echo hacked') + 1)]",
            "[f(a=().__class__.__bases__[0].__subclasses__() + [])]",
            "[f(a=open('/etc/passwd').read() + '')]",
            "[f(a=" + "(" * 150 + "1" + ")" * 150 + " + 1)]",
            "[f(a=" + "+".join(["1"] * 5000) + ")]",
            "[" + "[" * 300 + "]" * 300 + "]",
            "[f(a=" + "-" * 100_000 + "1)]",
            "[f(a=1" + "0" * 100_000 + ")]",
            "[f(a=" + "x" * 2_000_000 + ")]",
            "\x00",
        ],
    )
    def test_fails_fast_without_executing(
        self, text: str, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from toolgrad_eval.bfcl.decode import arithmetic, python_calls

        evaluations = 0
        real = arithmetic.evaluate

        def counted(*args: object, **kwargs: object) -> object:
            nonlocal evaluations
            evaluations += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(arithmetic, "evaluate", counted)
        monkeypatch.setattr(python_calls, "evaluate", counted)
        try:
            decode(text)
        except DecodeError:
            pass
        assert evaluations <= len(text)  # arithmetic work bounded by the text (sizes by SizeBudget)
        assert "hacked" not in capfd.readouterr().out

    def test_deeply_nested_literal_is_refused_or_decoded(self) -> None:
        text = "[f(a=" + "[" * 190 + "]" * 190 + ")]"
        try:
            result = decode(text)
        except DecodeError:
            return
        assert list(result[0]) == ["f"]
