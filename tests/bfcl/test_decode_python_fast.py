"""The regex fast path for simple Python-call outputs decodes exactly as the ``ast`` path does.

``decode_simple_calls`` either returns ``None`` (the text goes to ``ast``) or the very value
``calls_from_source`` gives: same types (``1`` is not ``1.0`` is not ``True``), same order, same
signs (``-0.0``). Checked on generated texts that sit on the edges of its grammar and on every
real model output in ../shared/bfcl-real.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from toolgrad_eval.bfcl.decode import DecodeError, decode_python_calls
from toolgrad_eval.bfcl.decode.python_calls import bracketed, calls_from_source
from toolgrad_eval.bfcl.decode.python_fast import decode_simple_calls

REAL = Path(__file__).resolve().parents[3] / "shared" / "bfcl-real"
IN_CI = os.environ.get("CI", "").lower() == "true"

NAMES = ["f", "get_weather", "math.hypot", "a.b.c", "_x", "x1", "class", "True", "None", "match", "type",
         "__debug__", "lambda", "é", "f.import", "9f", "print"]
NUMBERS = ["0", "1", "-1", "42", "-0", "-0.0", "0.0", "3.14", "-2.5", "1e5", "1E-3", "2.5e+10", "1e999", "007",
           "00.5", "1_000", "1.", ".5", "9" * 31, "9" * 25, "0x1F", "1j", "+5", "- 5", "--5", "1e1234"]
STRINGS = ["''", '""', "'x'", '"hello world"', "'a, b'", "'k=v'", "'f(a=1)'", "'[1]'", '"it\'s"', "'say \"hi\"'",
           "'tab\tin'", "'ff\x0cin'", "'nl\nin'", "'nul\x00in'", "'back\\\\slash'", "'esc\\n'", "'é ünï 中'",
           "'\ud800'", "r'raw'", "b'b'", "f'{x}'", "'a' 'b'", "'''tri'''", "'{}'", "':'", "')'", "' , '", "'#'"]
WORDS = ["True", "False", "None", "true", "null", "...", "x", "math.pi"]


def scalar(rnd: random.Random) -> str:
    return rnd.choice([*NUMBERS, *STRINGS, *STRINGS, *WORDS])


def sep(rnd: random.Random) -> str:
    return rnd.choice([", ", ",", " , ", ",  ", ", ", ",\n", ",\t", ", ,"])


def value(rnd: random.Random, depth: int = 0) -> str:
    roll = rnd.random()
    if roll < 0.55 or depth > 2:
        return scalar(rnd)
    if roll < 0.75:
        items = [value(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
        return rnd.choice(["[", "[ ", "("]) + sep(rnd).join(items) + rnd.choice(["]", " ]", ",]", ")"])
    keys = [rnd.choice([*STRINGS[:8], "1", "True", "1.0", "None", "x"]) for _ in range(rnd.randint(0, 3))]
    inner = sep(rnd).join(f"{k}{rnd.choice([': ', ':', ' : '])}{value(rnd, depth + 1)}" for k in keys)
    return rnd.choice(["{", "{ "]) + inner + rnd.choice(["}", " }", ",}"])


def call(rnd: random.Random) -> str:
    args = []
    for _ in range(rnd.randint(0, 4)):
        roll = rnd.random()
        if roll < 0.85:
            args.append(f"{rnd.choice(NAMES[:6] + ['b', 'b', 'a'] + NAMES)}{rnd.choice(['=', ' = ', '= '])}{value(rnd)}")
        elif roll < 0.93:
            args.append(value(rnd))  # positional
        else:
            args.append(rnd.choice(["**kw", "*a", "x=y=1", "=1"]))
    return rnd.choice(NAMES) + rnd.choice(["(", " (", "( "]) + sep(rnd).join(args) + rnd.choice([")", " )", ",)"])


def text(rnd: random.Random) -> str:
    calls = sep(rnd).join(call(rnd) for _ in range(rnd.randint(0, 3)))
    return rnd.choice(["[{}]", "{}", "[ {} ]", "```{}```", "[{}", "{}]", "'[{}]'", "[[{}]]", "({})", "{} # c"]).format(calls)


def typed(v: Any) -> Any:
    """A form in which 1, 1.0 and True, or 0.0 and -0.0, differ; dict order counts."""
    if isinstance(v, dict):
        return ("dict", [(typed(k), typed(x)) for k, x in v.items()])
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, [typed(x) for x in v])
    return (type(v).__name__, repr(v))


def sources(raw: str) -> list[str]:
    """The texts the decoder hands to either path, for v4 and v3 pre-processing."""
    text = bracketed(raw)
    return [text.strip().strip("'"), text.strip("[]'")]


def assert_agrees(source: str) -> bool:
    fast = decode_simple_calls(source)
    if fast is None:
        return False
    try:
        slow = calls_from_source(source)
    except DecodeError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"fast path decoded {source!r} to {fast!r}, ast path fails: {exc}")
    assert typed(fast) == typed(slow), source
    return True


def clean(raw: str) -> str:
    """Mostly in-grammar variants: the generator's edge cases (escapes, keywords...) taken out."""
    for bad, good in (("\n", " "), ("\t", " "), ("\\", "/"), ("\x00", "0"), ("\ud800", "u")):
        raw = raw.replace(bad, good)
    return raw


def test_generated_texts_agree_with_ast() -> None:
    rnd = random.Random(20260323)
    hits = misses = 0
    for i in range(30000):
        raw = text(rnd)
        for source in sources(clean(raw) if i % 2 else raw):
            if assert_agrees(source):
                hits += 1
            else:
                misses += 1
    # Both paths must really be exercised, or this test proves nothing.
    print(f"fast path {hits}, ast {misses}")
    assert hits > 5000 and misses > 5000, (hits, misses)


@pytest.mark.parametrize("source, expected", [
    ("[]", []),
    ("[f()]", [{"f": {}}]),
    ("f(a=1), g.h(b='x')", [{"f": {"a": 1}}, {"g.h": {"b": "x"}}]),
    ("[f(a=-0.0, b=1e5, c=[1, 'a', None], d={'k': [True]}, a=2)]",
     [{"f": {"a": 2, "c": [1, "a", None], "d": {"k": [True]}, "b": 1e5}}]),
])
def test_known_values(source: str, expected: Any) -> None:
    assert decode_simple_calls(source) == expected
    assert assert_agrees(source)


@pytest.mark.parametrize("source", [
    "[f(class=1)]", "[import.f(a=1)]", "[f(a=007)]", "[f(a=1_0)]", "[f(a='x\\n')]", "[f(a='\x00')]",
    "[f(a='\ud800')]", "[f(a=1,)]", "[f(1)]", "[f(a=x)]", "[f(a=[[1]])]", "[f(a={1: 2})]", "[f(a=1)\n]",
    "[é(a=1)]", "[f(a=+5)]",
])
def test_outside_the_grammar_goes_to_ast(source: str) -> None:
    assert decode_simple_calls(source) is None


def test_every_real_output_agrees() -> None:
    if not REAL.is_dir():
        if IN_CI:
            pytest.fail(f"{REAL} is missing (the real BFCL runs are needed in CI)")
        pytest.skip(f"{REAL} not found: no real BFCL runs on this machine")
    hits = 0
    for path in sorted(REAL.rglob("*_result.json")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                result = json.loads(line).get("result")
            except (json.JSONDecodeError, AttributeError):
                continue
            if not isinstance(result, str):
                continue
            for source in sources(result):
                hits += assert_agrees(source)
            # and the public entry point gives the same as the ast path (or the same failure)
            try:
                expected: Any = typed(calls_from_source(sources(result)[0]))
            except DecodeError:
                expected = "fails"
            try:
                got: Any = typed(decode_python_calls(result))
            except DecodeError:
                got = "fails"
            assert got == expected, result
    assert hits > 1000, hits
