"""Our matchers agree with the official BFCL checker entry for entry (valid and error_type).

The official checker (bfcl-eval 2026.3.23 for v4 data, 2025.6.30 for v3) is downloaded at test
time and run in a subprocess (see ``oracle.py``). The corpus is generated from the release's own
data: for every AST entry, model outputs derived from its possible answer (correct ones and
mutations aimed at each rule: names, required/optional parameters, types, the int-for-float
leniency, string normalisation, lists, dicts, call counts and order, decoding quirks, Java and
JavaScript literal forms, function-calling results); for the relevance categories, calls,
refusals and undecodable text. The test also checks that the corpus exercised every official
error type, so a generator regression cannot make the comparison vacuous.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, Literal

import pytest
from bfcl import oracle

from toolgrad_eval.bfcl.match import check_entry
from toolgrad_eval.bfcl.verdict import ErrorType

pytestmark = pytest.mark.slow  # every case through the official checker


# v4 category name -> the release's own name, per data version
CATEGORIES = {
    "v4": {
        c: c
        for c in (
            "simple_python",
            "simple_java",
            "simple_javascript",
            "multiple",
            "parallel",
            "parallel_multiple",
            "live_simple",
            "live_multiple",
            "live_parallel",
            "live_parallel_multiple",
            "irrelevance",
            "live_irrelevance",
            "live_relevance",
        )
    },
}
CATEGORIES["v3"] = {
    **CATEGORIES["v4"],
    "simple_python": "simple",
    "simple_java": "java",
    "simple_javascript": "javascript",
}
NO_ANSWER = {"irrelevance", "live_irrelevance", "live_relevance"}
# Keep the run short: this many entries per category (all of the small ones).
PER_CATEGORY = 40

# Error types the official checker can produce on single-turn entries that the corpus must hit.
EXPECTED_TYPES = {
    ErrorType.DECODER_FAILED,
    ErrorType.WRONG_OUTPUT_FORMAT,
    ErrorType.SIMPLE_WRONG_COUNT,
    ErrorType.WRONG_FUNC_NAME,
    ErrorType.MISSING_REQUIRED,
    ErrorType.UNEXPECTED_PARAM,
    ErrorType.MISSING_OPTIONAL,
    ErrorType.TYPE_SIMPLE,
    ErrorType.TYPE_NESTED,
    ErrorType.TYPE_JAVA,
    ErrorType.TYPE_JS,
    ErrorType.VALUE_STRING,
    ErrorType.VALUE_LIST,
    ErrorType.VALUE_DICT_KEY,
    ErrorType.VALUE_DICT_VALUE,
    ErrorType.VALUE_LIST_DICT_COUNT,
    ErrorType.VALUE_OTHERS,
    ErrorType.MULTIPLE_WRONG_COUNT,
    ErrorType.PARALLEL_WRONG_COUNT,
    ErrorType.PARALLEL_NO_MATCH,
    ErrorType.IRRELEVANCE_DECODED,
    ErrorType.RELEVANCE_NOT_DECODED,
}


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# -- rendering answers as model outputs ----------------------------------------------------------


def _choose(allowed: list[Any], pick: int) -> tuple[bool, Any]:
    """(present, value) for one parameter: the pick-th non-"" option, or absent when optional."""
    options = [a for a in allowed if a != ""]
    if not options:
        return False, None
    return True, options[pick % len(options)]


def _dict_value(value: Any, pick: int) -> Any:
    # dict answers hold a list of allowed values per key
    if isinstance(value, dict):
        return {
            k: _choose(v, pick)[1] if isinstance(v, list) else v
            for k, v in value.items()
            if not isinstance(v, list) or _choose(v, pick)[0]
        }
    if isinstance(value, list):
        return [_dict_value(v, pick) for v in value]
    return value


def _args(answer: dict[str, Any], pick: int = 0) -> dict[str, Any]:
    params = next(iter(answer.values()))
    args = {}
    for name, allowed in params.items():
        present, value = _choose(allowed, pick)
        if present:
            args[name] = _dict_value(value, pick)
    return args


def _py_call(name: str, args: dict[str, Any]) -> str:
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in args.items())})"


def _py(calls: list[tuple[str, dict[str, Any]]]) -> str:
    return "[" + ", ".join(_py_call(n, a) for n, a in calls) + "]"


def _java_value(value: Any, schema: dict[str, Any], quoted_numbers: bool) -> str:
    kind = schema.get("type")
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind in ("Array", "ArrayList") and isinstance(value, list):
        item = (schema.get("items") or {}).get("type", "String")
        parts = ", ".join(_java_value(v, {"type": item}, False) for v in value)
        java_type = {"integer": "int", "long": "long", "String": "String"}.get(item, "Object")
        return f"new {java_type}[]{{{parts}}}" if kind == "Array" else f"new ArrayList<>(Arrays.asList({parts}))"
    if kind == "HashMap" and isinstance(value, dict):
        puts = " ".join(f"put({json.dumps(str(k))}, {_java_value(v, {}, False)});" for k, v in value.items())
        return f"new HashMap<String, Object>() {{{{ {puts} }}}}"
    if isinstance(value, int):
        text = f"{value}L" if kind == "long" else str(value)
        return json.dumps(text) if quoted_numbers else text
    if isinstance(value, float):
        text = f"{value}f" if kind == "float" else repr(value)
        return json.dumps(text) if quoted_numbers else text
    return json.dumps(str(value))


def _js_value(value: Any, schema: dict[str, Any], quoted_numbers: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = f"{value}n" if schema.get("type") == "Bigint" else repr(value)
        return json.dumps(text) if quoted_numbers else text
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return json.dumps(str(value))


def _foreign_call(language: str, schema: dict[str, Any], args: dict[str, Any], quoted: bool = False) -> str:
    props = schema["parameters"]["properties"]
    render = _java_value if language == "java" else _js_value
    inner = ", ".join(f"{k}={render(v, props.get(k, {}), quoted)}" for k, v in args.items())
    return f"[{schema['name']}({inner})]"


# -- mutations -----------------------------------------------------------------------------------


def _type_mutations(value: Any) -> Iterator[Any]:
    if isinstance(value, bool):
        yield int(value)
        yield str(value).lower()
    elif isinstance(value, int):
        yield str(value)
        yield float(value)
        yield value + 1
        yield True
    elif isinstance(value, float):
        if value.is_integer():
            yield int(value)  # int-for-float leniency
        yield str(value)
        yield value + 0.5
    elif isinstance(value, str):
        yield value.upper()
        yield f" {value}, "
        yield value + "x"
        yield 7
        yield [value]
    elif isinstance(value, list):
        yield tuple(value)
        yield list(reversed(value))
        yield value[:-1]
        yield [str(v) if not isinstance(v, str) else v.upper() for v in value]
        yield [int(v) if isinstance(v, float) and v.is_integer() else v for v in value]
        yield repr(value)
        if value and isinstance(value[0], dict):
            yield [dict(value[0], extra_key=1)] + value[1:]
            yield value + value[:1]
    elif isinstance(value, dict):
        keys = list(value)
        if keys:
            yield {k: v for k, v in value.items() if k != keys[0]}
            yield dict(value, **{keys[0]: "changed value"})
        yield dict(value, unexpected_key="x")
        yield json.dumps(value)
        yield {}


def _python_variants(calls: list[tuple[str, dict[str, Any]]], required: list[str], rng: random.Random) -> Iterator[str]:
    name, args = calls[0]
    rest = calls[1:]
    yield _py(calls)
    yield _py([(name + "_x", args), *rest])
    yield _py([(name, dict(args, unexpected_param_x=1)), *rest])
    for param in list(args)[:3]:
        yield _py([(name, {k: v for k, v in args.items() if k != param}), *rest])
    for param, value in list(args.items())[:4]:
        for mutated in _type_mutations(value):
            yield _py([(name, dict(args, **{param: mutated})), *rest])
    # structure
    yield "[]"
    yield _py(calls + calls[:1])
    if rest:
        yield _py(list(reversed(calls)))
        yield _py(calls[:-1])
        shuffled = calls[:]
        rng.shuffle(shuffled)
        yield _py(shuffled)
    # decoding
    text = _py(calls)
    yield text[1:-1]
    yield text + "  \n"
    yield f"```\n{text}\n```"
    yield f"```python\n{text}\n```"
    yield f"Sure! {text}"
    yield f"{text} I hope this helps."
    yield f"<tool_call>{text}</tool_call>"
    yield json.dumps([{"name": n, "arguments": a} for n, a in calls])
    yield text.replace("(", "('positional', ", 1)
    yield "[" + _py_call(name, args) + "], [" + _py_call(name, args) + "]"
    if args:
        first = next(iter(args))
        others = "".join(f", {k}={v!r}" for k, v in args.items() if k != first)
        yield text.replace(f"{first}=", f"{first}=1, {first}=", 1)
        yield text.replace(f"{first}=", f"**{{'{first}': 1}}, {first}=", 1)
        for expression in (
            "+5",
            "-5",
            "not True",
            "~3",
            "2*3",
            "7/2",
            "'a' + 'b'",
            "[1] * 3",
            "x",
            "f(1)",
            "f(y=2)",
            "a[0]",
            "(1, 2)",
            "{'k': [1, 2]}",
            "...",
            "None",
            "f'{x}'",
            "lambda: 1",
            "{1, 2}",
            "1 if x else 2",
            "-'s'",
            "2**-1",
            "1e3",
            "True + 1",
            "-(-1)",
        ):
            yield f"[{name}({first}={expression}{others})]"


def _fc(calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, str]]:
    return [{n.replace(".", "_"): json.dumps(a)} for n, a in calls]


# -- the corpus ----------------------------------------------------------------------------------


def _relevance_outputs(question: dict[str, Any]) -> Iterator[tuple[Any, str]]:
    """Outputs for an entry without an answer: calls, refusals, undecodable text."""
    call: tuple[str, dict[str, Any]]
    if question["function"]:
        function = question["function"][0]
        call = (function["name"], {p: 1 for p in function["parameters"].get("required", [])})
    else:
        call = ("get_weather", {"city": "Paris"})
    text = _py([call])
    for result in (
        "[]",
        "",
        "I cannot help with that.",
        text,
        f"Sure: {text}",
        f"{text} is what I would call",
        "[{}]",
        "[f()], [g()]",
        "```\n[]\n```",
        text.strip("[]"),
        "[get_weather(city=Paris)]",
        "[None]",
        "[1, 2]",
        f"```python\n{text}\n```",
        f"```\n{text}\n```",
    ):
        yield result, "python"
    yield [], "fc"
    yield _fc([call]), "fc"
    yield "no tool call", "fc"


def _ast_outputs(
    language: str, question: dict[str, Any], answer: list[Any], rng: random.Random
) -> Iterator[tuple[Any, str]]:
    """Outputs for an entry with an answer: the answer rendered twice, then mutated."""
    schemas = {f["name"]: f for f in question["function"]}
    for pick in (0, 1):
        calls = [(next(iter(a)), _args(a, pick)) for a in answer]
        schema = schemas.get(calls[0][0], question["function"][0])
        if language == "python":
            for result in _python_variants(calls, schema["parameters"].get("required", []), rng):
                yield result, "python"
            yield _fc(calls), "fc"
            yield [{calls[0][0]: json.dumps(calls[0][1])}] + _fc(calls[1:]), "fc"
            yield _fc([(calls[0][0], dict(calls[0][1], extra=1))] + calls[1:]), "fc"
            yield [{calls[0][0].replace(".", "_"): "{not json"}], "fc"
            continue
        args = calls[0][1]
        for quoted in (False, True):
            yield _foreign_call(language, schema, args, quoted), "python"
        yield _fc(calls), "fc"
        for param, value in list(args.items())[:3]:
            for mutated in _type_mutations(value):
                yield _foreign_call(language, schema, dict(args, **{param: mutated})), "python"
            yield _foreign_call(language, schema, {k: v for k, v in args.items() if k != param}), "python"
        text = _foreign_call(language, schema, args)
        inner = text[1:-1]
        for result in (
            inner,
            text + ";",
            f"{text}, {text}",
            f"```{language}\n{text}\n```",
            "[]",
            "",
            text.replace("(", "(x, ", 1),
            text.replace("=", "==", 1),
            text.replace("=", " = "),
            text.replace(schema["name"], schema["name"] + "_x"),
            f"{inner};{inner}",
            _py(calls),
            f"Sure: {inner}",
            f"{inner};\n{inner};",
            f"x;\n{inner};",
            f"[{inner} // done]",
            f"{inner}\n{inner}",
        ):
            yield result, "python"


def build_corpus(version: str, data: Path) -> list[dict[str, Any]]:
    rng = random.Random(20240601)
    cases: list[dict[str, Any]] = []
    for category, native in CATEGORIES[version].items():
        questions = _load(data / f"BFCL_{version}_{native}.json")
        answers = None if category in NO_ANSWER else _load(data / "possible_answer" / f"BFCL_{version}_{native}.json")
        count = len(questions)
        picked = range(count) if count <= PER_CATEGORY else sorted(rng.sample(range(count), PER_CATEGORY))
        language = {"simple_java": "java", "simple_javascript": "javascript"}.get(category, "python")
        for index in picked:
            question = questions[index]
            if answers is None:
                outputs = _relevance_outputs(question)
                answer = None
            else:
                answer = answers[index]["ground_truth"]
                outputs = _ast_outputs(language, question, answer, rng)
            for result, fmt in outputs:
                cases.append(
                    {
                        "v4": category,
                        "category": native,
                        "question": question,
                        "answer": answer,
                        "result": result,
                        "fmt": fmt,
                    }
                )
    return cases


@pytest.fixture(scope="module", params=["v4", "v3"])
def version(request: pytest.FixtureRequest) -> Literal["v3", "v4"]:
    return request.param  # type: ignore[no-any-return]


def _official(version: str, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = ("category", "question", "answer", "result", "fmt")
    return oracle.or_skip(lambda: oracle.official_verdicts(version, [{k: c[k] for k in keys} for c in cases]))


def test_verdicts_equal_official_checker(version: Literal["v3", "v4"]) -> None:
    data = oracle.or_skip(lambda: oracle.data_dir(version))
    cases = build_corpus(version, data)
    official = _official(version, cases)
    assert len(official) == len(cases)

    # (Speed is measured by scripts/bench_bfcl.py, never asserted here: a timed test flakes under load.)
    verdicts = [
        check_entry(case["v4"], case["question"], case["answer"], case["result"], fmt=case["fmt"], version=version)
        for case in cases
    ]
    mismatches = []
    seen: Counter[str] = Counter()
    for case, expected, ours in zip(cases, official, verdicts):
        if "crash" in expected:
            # the official run stops on these; we record a failed entry instead
            if ours.error_type != ErrorType.CHECKER_UNSUPPORTED:
                mismatches.append((case, expected, ours))
            continue
        seen[expected["error_type"] or "valid"] += 1
        if (ours.valid, ours.error_type) != (expected["valid"], expected["error_type"]):
            mismatches.append((case, expected, ours))
    report = "\n".join(
        f"{c['category']} {c['question']['id']} {c['fmt']} {json.dumps(c['result'])[:200]}\n"
        f"    official={e} ours=({o.valid}, {o.error_type}) {o.errors[:1]}"
        for c, e, o in mismatches[:25]
    )
    assert not mismatches, f"{len(mismatches)} of {len(cases)} verdicts differ:\n{report}"
    missing = EXPECTED_TYPES - set(seen)
    assert not missing, f"the corpus never produced {sorted(missing)}; seen: {dict(seen)}"
    assert seen["valid"] > len(cases) // 20, "too few passing entries: the generator is broken"
