"""Hostile BFCL model outputs, generated (never stored as big files): each case is an output that
once hung a decoder, blew up memory or made a huge score file. Used by the tests and by
scripts/bench_hostile.py, which runs them through the real command line."""

from __future__ import annotations

import json
from dataclasses import dataclass

from toolgrad_eval.bfcl.decode.syntax_tree import Work


@dataclass(frozen=True)
class HostileOutput:
    name: str
    category: str  # v4 category the output is given for
    result: str
    what: str


def hostile_outputs() -> list[HostileOutput]:
    nested = 30
    return [
        HostileOutput(
            "js-arrow-backtracking",
            "simple_javascript",
            "[f(a=" + "(a=" * nested + "1" + ")" * nested + ")]",
            "parameters tried and abandoned at every level: exponential in the nesting",
        ),
        HostileOutput(
            "java-lambda-lookahead",
            "simple_java",
            "[f(a=" + "(" * 60 + "1" + ")" * 60 + ")]",
            "lambda look-ahead over nested parentheses",
        ),
        HostileOutput(
            "python-shared-references",
            "simple_python",
            "[calc(a=[[0]*1000000]*1000000)]",
            "10**12 elements once walked, through shared references",
        ),
        HostileOutput(
            "python-many-long-strings",
            "simple_python",
            "[f(" + ", ".join(f"a{i}='x'*1000000" for i in range(200)) + ")]",
            "200 arguments of a million characters each",
        ),
        HostileOutput("python-power-tower", "simple_python", "[f(a=9**9**9)]", "hangs eval()"),
        HostileOutput(
            "python-deep-nesting",
            "simple_python",
            "[f(a=" + "[" * 5000 + "]" * 5000 + ")]",
            "nesting past the interpreter's recursion limit",
        ),
        HostileOutput("java-lone-surrogate", "simple_java", '[f(s="a\ud83db")]', "UTF-8 cannot encode it"),
        HostileOutput(
            "js-deep-template",
            "simple_javascript",
            "[f(a=" + "`${" * 3000 + "1" + "}`" * 3000 + ")]",
            "template literals nested 3,000 deep",
        ),
        HostileOutput(
            "long-raw-output",
            "simple_python",
            "[f(a='" + "y" * 900_000 + "')]",
            "a long failing output written to the score file",
        ),
    ]


def parse_work(text: str, syntax: str) -> Work:
    """What decoding ``text`` as Java or JavaScript calls cost, counted: tree nodes our decoder
    visited and tree-sitter's parse steps (a DecodeError is a normal outcome here)."""
    from toolgrad_eval.bfcl.decode import DecodeError, decode_java_calls, decode_js_calls

    work = Work(count_parse_steps=True)
    try:
        (decode_java_calls if syntax == "java" else decode_js_calls)(text, work)
    except DecodeError:
        pass
    return work


def within_linear_bounds(work: Work, text: str) -> bool:
    """Each character drives a bounded number of parse steps and node visits: no backtracking
    blow-up. Real outputs take 4 to 13 parse steps per character, tree-sitter's error recovery
    up to about 15."""
    return work.parse_steps <= 20 * len(text) + 500 and work.nodes <= 2 * len(text) + 20


@dataclass(frozen=True)
class HostileStep:
    name: str
    step: object  # one multi-turn step as a function-calling model stores it: [{name: "<JSON arguments>"}]
    what: str


def hostile_multi_turn_steps(marker: str = "/tmp/toolgrad-eval-hostile-ran") -> list[HostileStep]:
    """Multi-turn steps that would hang, blow up or run code in a checker that evaluates calls.
    ``marker`` is a file only executed code would create."""

    def call(function: str, **args: object) -> list[dict[str, str]]:
        return [{function: json.dumps(args)}]

    return [
        HostileStep("power-10-to-10e9", call("power", base=10, exponent=10**9), "minutes of big-integer work"),
        HostileStep(
            "logarithm-precision-10e7",
            call("logarithm", value=10, base=3, precision=10**7),
            "mpmath at ten million digits: CPU and memory",
        ),
        HostileStep("private-method", call("_load_scenario", scenario={}), "a private simulator method"),
        HostileStep("dunder-method", call("__init__"), "a dunder method"),
        HostileStep("dotted-name", call("os.system", command=f"touch {marker}"), "a dotted name: module access"),
        HostileStep("builtin-import", call("__import__", name="os"), "a builtin that imports"),
        HostileStep(
            "name-with-code", [{f"__import__('os').system('touch {marker}');ls": "{}"}], "a tool name holding code"
        ),
        HostileStep(
            "deep-arguments", [{"ls": '{"a": ' + "[" * 50_000 + "]" * 50_000 + "}"}], "JSON nested 50,000 deep"
        ),
        HostileStep("huge-list", call("mean", numbers=[1] * 2_000_000), "two million numbers"),
        HostileStep("huge-string", call("echo", content="x" * 20_000_000, file_name="a.txt"), "20 MB of text"),
    ]
