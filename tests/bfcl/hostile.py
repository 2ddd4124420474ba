"""Hostile BFCL model outputs, generated (never stored as big files): each case is an output that
once hung a decoder, blew up memory or made a huge score file. Used by the tests and by
scripts/bench_hostile.py, which runs them through the real command line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HostileOutput:
    name: str
    category: str  # v4 category the output is given for
    result: str
    what: str


def hostile_outputs() -> list[HostileOutput]:
    nested = 30
    return [
        HostileOutput("js-arrow-backtracking", "simple_javascript",
                      "[f(a=" + "(a=" * nested + "1" + ")" * nested + ")]",
                      "parameters tried and abandoned at every level: exponential in the nesting"),
        HostileOutput("java-lambda-lookahead", "simple_java",
                      "[f(a=" + "(" * 60 + "1" + ")" * 60 + ")]",
                      "lambda look-ahead over nested parentheses"),
        HostileOutput("python-shared-references", "simple_python",
                      "[calc(a=[[0]*1000000]*1000000)]",
                      "10**12 elements once walked, through shared references"),
        HostileOutput("python-many-long-strings", "simple_python",
                      "[f(" + ", ".join(f"a{i}='x'*1000000" for i in range(200)) + ")]",
                      "200 arguments of a million characters each"),
        HostileOutput("python-power-tower", "simple_python", "[f(a=9**9**9)]", "hangs eval()"),
        HostileOutput("python-deep-nesting", "simple_python", "[f(a=" + "[" * 5000 + "]" * 5000 + ")]",
                      "nesting past the interpreter's recursion limit"),
        HostileOutput("java-lone-surrogate", "simple_java", '[f(s="a\ud83db")]', "UTF-8 cannot encode it"),
        HostileOutput("js-deep-template", "simple_javascript",
                      "[f(a=" + "`${" * 3000 + "1" + "}`" * 3000 + ")]", "template literals nested 3,000 deep"),
        HostileOutput("long-raw-output", "simple_python", "[f(a='" + "y" * 900_000 + "')]",
                      "a long failing output written to the score file"),
    ]


class TokensConsumed:
    """Counts the tokens the Java/JavaScript parsers consume (backtracking consumes them again):
    ``with TokensConsumed() as consumed: ...; consumed.count``."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> "TokensConsumed":
        from toolgrad_eval.bfcl.decode import cursor

        self._cursor, self._real = cursor.Cursor, cursor.Cursor.advance
        real = self._real

        def counted(parser: cursor.Cursor) -> object:
            self.count += 1
            return real(parser)

        cursor.Cursor.advance = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        self._cursor.advance = self._real  # type: ignore[method-assign]
