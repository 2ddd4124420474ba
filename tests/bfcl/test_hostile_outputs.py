"""Hostile model outputs: bounded work, memory and output, counted (never timed), and the verdict
an ordinary decode failure wherever the official checker fails to decode too."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bfcl.hostile import hostile_outputs, parse_work, within_linear_bounds
from toolgrad_eval.bfcl import scorefile
from toolgrad_eval.bfcl.decode import DecodeError, decode, decode_python_calls
from toolgrad_eval.bfcl.decode.shapes import MAX_DECODED_SIZE, decoded_size
from toolgrad_eval.bfcl.match import check_entry, language_of

pytestmark = pytest.mark.compat  # bounds on hostile output: recursion and int limits differ between versions

CASES = {case.name: case for case in hostile_outputs()}
QUESTION = {
    "function": [
        {
            "name": "f",
            "description": "",
            "parameters": {
                "type": "dict",
                "properties": {"a": {"type": "string", "description": ""}},
                "required": ["a"],
            },
        }
    ]
}
ANSWER = [{"f": {"a": ["ok"]}}]


@pytest.mark.parametrize("name", ["js-arrow-backtracking", "java-lambda-lookahead", "js-deep-template"])
def test_parse_work_is_linear_in_the_input(name):
    case = CASES[name]
    work = parse_work(case.result, language_of(case.category))
    assert work.parse_steps >= len(case.result), work  # the count is live: every character is lexed
    assert within_linear_bounds(work, case.result), (len(case.result), work)


def test_nesting_deeper_does_not_multiply_the_work():
    # the hand-written parser this replaced took exponential time in this nesting
    def steps(levels: int) -> int:
        text = "[f(a=" + "(a=" * levels + "1" + ")" * levels + ")]"
        return parse_work(text, "javascript").parse_steps

    assert steps(60) <= 2.5 * steps(30), (steps(30), steps(60))


@pytest.mark.parametrize("name", ["python-shared-references", "python-many-long-strings"])
def test_decoded_values_are_bounded_in_total_and_in_memory(name):
    tracemalloc.start()
    try:
        with pytest.raises(DecodeError, match="more than 2,000,000"):
            decode(CASES[name].result, "python")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, f"{peak / 2**20:.0f} MiB allocated"


def test_shared_references_count_as_copies():
    inner = [0] * 10
    assert decoded_size([inner] * 10) == 1 + 10 * 11
    assert decoded_size({"k": "abc"}) == 1 + 2 + 4
    assert decoded_size([[0] * 1000] * 1000, limit=5000) > 5000  # stops early, says "more"


@pytest.mark.parametrize("name", ["java-lone-surrogate", "python-deep-nesting", "python-power-tower"])
def test_hostile_outputs_are_decode_failures_not_checker_errors(name):
    case = CASES[name]
    verdict = check_entry(case.category, QUESTION, ANSWER, case.result, fmt="python")
    assert not verdict.valid and verdict.error_type == "ast_decoder:decoder_failed", verdict


def test_deep_template_literal_decodes_as_the_official_decoder_does():
    # tree-sitter parses 3,000 nested templates; the official checker then judges the value
    decoded = decode(CASES["js-deep-template"].result, "python", "javascript")
    assert decoded[0]["f"]["a"].startswith("`${`${") and decoded[0]["f"]["a"].endswith("}`}`")


def test_score_file_lines_are_bounded_whatever_the_output():
    for case in hostile_outputs():
        verdict = check_entry(case.category, QUESTION, ANSWER, case.result, fmt="python")
        line = scorefile.dumps_line(
            scorefile.failed_entry(
                entry_id="simple_python_0",
                model="m",
                test_category=case.category,
                category=case.category,
                version="v4",
                error=list(verdict.errors),
                error_type=verdict.error_type or "x",
                prompt={"question": []},
                answer=ANSWER,
                raw=case.result,
                decoded=verdict.decoded,
            )
        )
        assert len(line) <= 3 * scorefile.MAX_SHOWN_CHARS + 10_000, (case.name, len(line))
        assert json.loads(line)["id"] == "simple_python_0"


def test_long_output_is_cut_with_a_marker_and_small_values_are_untouched():
    raw = CASES["long-raw-output"].result
    shown = scorefile.shown(raw)
    assert shown.startswith(raw[:1000]) and "truncated by toolgrad-eval" in shown
    assert len(shown) < scorefile.MAX_SHOWN_CHARS + 100
    small = [{"f": {"a": [1, 2, 3]}}]
    assert scorefile.shown(small) is small
    big = [{"f": {"a": list(range(100_000))}}]
    assert isinstance(scorefile.shown(big), str) and "truncated" in scorefile.shown(big)


# -- fuzzing: random bounded outputs never raise anything but DecodeError, with bounded work ------

PY_PIECES = [
    "[",
    "]",
    "(",
    ")",
    "f",
    "g.h",
    "=",
    "a",
    ",",
    "'x'",
    '"y"',
    "1",
    "-",
    "*",
    "**",
    "9",
    "{",
    "}",
    ":",
    "True",
    "None",
    "...",
    " ",
    "\n",
    "`",
    "lambda",
    "[0]",
    "+",
    "%",
    "'%s'",
    "str(",
    "\\",
    "#",
]
C_PIECES = [
    "[",
    "]",
    "(",
    ")",
    "f",
    "a",
    "=",
    ",",
    '"x"',
    "'c'",
    "1",
    "1.5",
    "-",
    "->",
    "=>",
    "{",
    "}",
    ";",
    "new",
    "int",
    "<",
    ">",
    "`",
    "${",
    "}`",
    "/",
    "/re/",
    "\\",
    "\ud83d",
    "é",
    "/*",
    "*/",
    "\n",
    " ",
    "true",
    "null",
    ".",
    "?",
    ":",
]


def _fuzz_text(pieces: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=60).map("".join)


FUZZ = settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(_fuzz_text(PY_PIECES))
def test_fuzz_python_decoder(text):
    try:
        decoded = decode_python_calls(text)
    except DecodeError:
        return
    assert decoded_size(decoded) <= MAX_DECODED_SIZE


@pytest.mark.parametrize("syntax", ["java", "javascript"])
def test_fuzz_java_and_javascript_decoders(syntax):
    @FUZZ
    @given(_fuzz_text(C_PIECES))
    def run(text: str) -> None:
        work = parse_work(text, syntax)  # raises anything but DecodeError
        assert within_linear_bounds(work, text), (text, work)

    run()
