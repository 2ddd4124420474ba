"""Family decoders against the official handlers' own ``decode_ast`` (run in isolation), on a
corpus of each family's output shapes, awkward ones included: prose around calls, tags, code
fences, Python literals in JSON, dotted and underscored names, empty output, reasoning text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bfcl import oracle
from toolgrad_eval.bfcl.conventions import load_table
from toolgrad_eval.bfcl.decode import DecodeError, decode
from toolgrad_eval.bfcl.decode.families import format_for
from toolgrad_eval.bfcl.runner import FORMATS

CALL = {"name": "spotify.play", "arguments": {"artist": "Taylor Swift", "duration": 20}}
CALL2 = {"name": "math_factorial", "arguments": {"n": 5}}


def _llama(calls: list[dict], sep: str = ", ") -> str:
    return sep.join(json.dumps({"name": c["name"], "parameters": c["arguments"]}) for c in calls)


def _qwen(calls: list[dict], sep: str = "\n") -> str:
    return sep.join(f"<tool_call>\n{json.dumps(c)}\n</tool_call>" for c in calls)


CORPUS = {
    "LlamaHandler_3_1": [
        _llama([CALL]),
        _llama([CALL, CALL2]),
        _llama([CALL, CALL2], "; "),
        _llama([CALL, CALL2], ";"),
        "<|python_tag|>" + _llama([CALL]),
        "[" + _llama([CALL, CALL2]) + "]",
        '{"name": "f", "parameters": {"flag": True, "none": None, "x": 1.5}}',
        '{"name": "f", "parameters": {"flag": true}}',
        '{"name": "f", "arguments": {"a": 1}}',
        "I cannot help with that.",
        "",
        "[]",
        "{}",
        '{"name": "f", "parameters": {"a": 1}};',
        '{"name": "f", "parameters": {"n": 2 * 3}}',
        "```json\n" + _llama([CALL]) + "\n```",
        '[{"name": "f", "parameters": {}}, "text"]',
        '"just a string"',
        "42",
        '{"name": ["x"], "parameters": {}}',
    ],
    "QwenFCHandler": [
        _qwen([CALL]),
        _qwen([CALL, CALL2]),
        "Let me check.\n" + _qwen([CALL]),
        _qwen([CALL]) + "\nDone.",
        "<think>reasoning</think>\n" + _qwen([CALL2]),
        "<tool_call>" + json.dumps(CALL) + "</tool_call>",
        "<tool_call>\nnot json\n</tool_call>",
        "<tool_call>\nnot json\n</tool_call>\n" + _qwen([CALL]),
        '<tool_call>\n["a list"]\n</tool_call>',
        '<tool_call>\n{"name": "f"}\n</tool_call>',
        '<tool_call>\n{"name": "f", "arguments": "{\\"a\\": 1}"}\n</tool_call>',
        "plain prose, no call",
        "",
        '<tool_call>\n{"name": "f", "arguments": {"a": true, "b": null}}\n</tool_call>',
    ],
    "SalesforceLlamaHandler": [
        json.dumps([CALL]),
        json.dumps([CALL, CALL2]),
        json.dumps(CALL),
        json.dumps(CALL) + "; " + json.dumps(CALL2),
        "[]",
        "",
        "I cannot answer that.",
        '{"name": "f", "parameters": {}}',
        json.dumps([CALL]) + " trailing",
        '[{"name": "f", "arguments": {"a": true}}]',
        "```json\n" + json.dumps([CALL]) + "\n```",
        '"text"',
    ],
    "MistralFCHandler": ["[]", "text", ""],
}
CORPUS["SalesforceQwenHandler"] = CORPUS["SalesforceLlamaHandler"]
CORPUS["HammerHandler"] = CORPUS["SalesforceLlamaHandler"] + [
    "```json\n" + json.dumps([CALL2]) + "\n```",
    '{"name": "f", "arguments": {}}',
    "{}",
    "null",
    "42",
    '"x"',
    '""',
    "[1, 2]",
    '[{"name": "f"}]',
]
STRUCTURED = {"MistralFCHandler": [[{"f": {"a": 1}}], [], [{"f": {"a": 1}}, {"g.h": {}}]]}
_JSON_CALL = json.dumps(CALL)
# Shapes of the text-reading families (prompt variants, tags, line- and marker-separated JSON).
CORPUS["text families"] = [
    "```tool_code\n[f(a=1)]\n```",
    "```tool_code\nf(a='x')\n```",
    "Sure:\n```tool_code\n[f(a=1)]\n```",
    "[f(a='x\n```')]",
    "<TOOLCALL>[f(a=1)]</TOOLCALL>",
    "Thinking.<TOOLCALL>[f(a=1), g(b=2)]</TOOLCALL> done",
    "<TOOLCALL>[f(a=1)]",
    "<TOOLCALL><TOOLCALL>[f(a=1)]</TOOLCALL>",
    "<TOOLCALL></TOOLCALL>",
    "f(a=1), g(b=2)",
    "f(a=1); g(b=2);",
    "f(a=1);g(b=2)",
    "out_of_domain(user_query='x')",
    " [f(a=1)]",
    " f(a=1)",
    "\n[f(a=1)]",
    "[f(a\\_b=1)]",
    "math\\_factorial(n=5)",
    "['f(a=1)', 'g(b=2)']",
    "f(a=1)\ng(b=2)",
    "[f(a=1),\n g(b=2)]",
    "['f(a=1)']",
    'f\n{"a": 1}',
    "f",
    "f\nnot json",
    "f\n[1]",
    "\n{}",
    'spotify.play\n{"artist": "x"}\nmore',
    '<function_call> {"name": "f", "arguments": {"a": 1}} <function_call> {"name": "no_function", "arguments": {}}',
    "<function_call> not json",
    "<function_call> [1]",
    '<function_call> {"name": 5}',
    '<function_call> {"arguments": {"a": 1}}',
    '<function_call>{"name": " f ", "arguments": {"a": 1}}',
    f"<tool_call>\n[{_JSON_CALL}]\n</tool_call>",
    f"<tool_call>```json\n{_JSON_CALL}\n```</tool_call>",
    '<tool_call>{"name": "f"}</tool_call>',
    '<tool_call>["x"]</tool_call>',
    "<tool_call>not json</tool_call>",
    f"Let me call it. <tool_call>{_JSON_CALL}",
    f'<tool_call>[{_JSON_CALL}, {{"name": "f"}}]</tool_call>',
    '<tool_call>[{"name": "f"}, "x"]</tool_call>',
    "<tool_call>```</tool_call>",
    "<tool_call></tool_call>",
    f"<think>x</think>[{_JSON_CALL.replace(chr(34), chr(39))}]",
    "<think>x</think>",
    "<think>it's</think>[]",
    f"<think>a</think>{_JSON_CALL}",
    "no think tag",
    f"<think>a</think> </think>[{_JSON_CALL}]",
    f"<tool_call>\n{_JSON_CALL}\n</tool_call><tool_call>\n<tool_call>\n{_JSON_CALL}\n</tool_call>",
    "<|tool_call_start|>\n```python\nspotify.play(artist='x', duration=20)\n```\n<|tool_call_end|>Playing.",
    "<|thought_start|>plan<|thought_end|><|tool_call_start|>f(a=1)\ng(b=[1, 2])<|tool_call_end|>",
    "<|tool_call_start|>x = f(a=1)<|tool_call_end|>",
    "<|tool_call_start|>import os<|tool_call_end|>rest",
    "<|tool_call_start|>f(a=<|tool_call_end|>broken",
    "<|tool_call_start|><|tool_call_end|>nothing",
    "<|tool_call_end|>x<|tool_call_start|>",
    "<|thought_end|>a<|thought_start|>b",
    "<|tool_call_start|>f(a=1)",
    "<|tool_call_start|>```\npush(n=1)\n```<|tool_call_end|>",
    "<|tool_call_start|>f(1, a=-2)<|tool_call_end|>",
    "<|tool_call_start|>a.b.c(d={'k': (1, 2)})<|tool_call_end|> <|tool_call_end|>tail",
    "<|tool_call_start|>```pythonhot(n=1)```<|tool_call_end|>",
    "['f(a='x')']",
    "[f(a='x', b='y z')]",
    "f(a=1,\n    b=2)",
    "'f'(a=1)",
    '[f(a="it\'s")]',
    "['f(a=1)', 'g(b=2)']",
    "<start_function_call>call:spotify.play{artist:<escape>Taylor Swift<escape>,duration:20}<end_function_call>",
    "<start_function_call>call:f{a:[1,2.5,true,null,x y],b:{c:{d:-3}},e:1_000}<end_function_call>"
    "<start_function_call>call:g<end_function_call>",
    "Sure.<start_function_call> call:f{a:<escape>x,y:{z}<escape>}<end_function_call> done",
    "<start_function_call>call:f{a:<escape>unclosed}<end_function_call>",
    "<start_function_call>f{a:1}<end_function_call>",
    "<start_function_call>call:f{true:1,null:2,3:4,:5,a:b:c}<end_function_call>",
    "<start_function_call>call:f{a:[1}],b:2}<end_function_call>",
    "<start_function_call>call:f[1]{a:1}<end_function_call>",
    "<start_function_call>call:f{a:{b:1]]]},c:[{d:2}]}<end_function_call>",
    "<start_function_call>call:f{a:1",
    "<start_function_call>call:f{<escape>k<escape>:<escape>v<escape>,x}<end_function_call>",
    "<start_function_call>call:f{a:1e400,b:nan,c:inf, d :  spaced out  }<end_function_call>",
    "<start_function_call>call:f}}{a:1}<end_function_call>",
]


def _normal(value):
    return json.loads(json.dumps(value))


PROMPTED = [
    "[f(a=1)]",
    "f(a='x')",
    "[f(a=1), g(b=[1,2])]",
    "```\n[f(a=1)]\n```",
    "```python\n[f(a=1)]\n```",
    "[math.factorial(n=5)]",
    "I don't know",
    "[]",
    "[f(a=True, b=None, c={'k': [1.5]})]",
]
STORED = [
    [{"f": '{"a": 1}'}],
    [{"f": {"a": 1}}],
    [],
    [{"f.g": '{"a": "x"}'}, {"h": "{}"}],
    [{}],
    [{"f": "not json"}],
    [{"tool_name": "f", "parameters": {"a": 1}}],
    [{"tool_name": "f"}],
    [{"name": "f", "arguments": {"a": 1}}],
    [{"name": "f", "arguments": '{"a": 1}'}],
    [{"f": {"a": 1}}, "x"],
    {"f": {"a": 1}},
    {},
    None,
    3,
    ["<tool_call>"],
]
# Java and JavaScript categories: the prompting variants read them with those languages' decoders.
# (A <TOOLCALL> tag is JSX to the official JavaScript parser, which our JavaScript decoder does not read.)
OTHER_LANGUAGES = [
    '[Cls.run(a="x", n=5)]',
    " Cls.run(a=1)",
    "Cls.run(a='x')",
    "[Cls.run(a='it''s')]",
    "```tool_code\n[run(a=1)]\n```",
    "f(a=1); g(b=2);",
    "['f(a=1)']",
    "[]",
    "",
    "[f(a\\_b=1)]",
    "```json\n[run(a=1)]",
]


def reproduced_pairs(version: str) -> dict[tuple[str, bool], tuple[str, str, str]]:
    """(handler, is_fc_model) -> (handler module, a registry model, our family) for every pair of
    the release's registry that we reproduce."""
    pairs: dict[tuple[str, bool], tuple[str, str, str]] = {}
    for key, model in load_table(oracle.RELEASES[version]).items():
        fmt = format_for(model.handler, model.is_fc_model, version)
        if fmt is not None:
            pairs.setdefault((model.handler, model.is_fc_model), (model.handler_module, key, fmt))
    return pairs


@pytest.mark.parametrize("version", ["v4", "v3"])
def test_every_reproduced_handler_decodes_as_the_official_one(version):
    """For every handler and mode of the registry that we claim to reproduce (format_for is not
    None), its official decode_ast and our decoder agree on every output of the corpus."""
    release = oracle.RELEASES[version]
    pairs = reproduced_pairs(version)
    corpus = sorted({r for rs in CORPUS.values() for r in rs}) + PROMPTED
    cases = [
        {
            "handler": h,
            "handler_module": module,
            "is_fc_model": fc,
            "model": key,
            "result": r,
            "fmt": fmt,
            "language": language,
        }
        for (h, fc), (module, key, fmt) in sorted(pairs.items())
        for language, results in (
            ("python", corpus + STORED),
            ("java", OTHER_LANGUAGES + ["<TOOLCALL>[Cls.run(a=1)]</TOOLCALL>"]),
            ("javascript", OTHER_LANGUAGES),
        )
        for r in results
    ]
    official = oracle.or_skip(
        lambda: oracle.official_handler_decodes(version, [{k: c[k] for k in c if k != "fmt"} for c in cases])
    )
    differing = []
    for case, theirs in zip(cases, official):
        try:
            ours = {"decoded": _normal(decode(case["result"], case["fmt"], case["language"], version=version))}
        except DecodeError:
            ours = {"error": True}
        theirs = {"error": True} if "error" in theirs else theirs
        if ours != theirs:
            differing.append((case["handler"], case["is_fc_model"], case["language"], case["result"], theirs, ours))
    assert not differing, (len(differing), differing[:10])
    # The reproduced handlers cover most of the registry's models (the rest get a warning line).
    models = load_table(release).values()
    covered = sum(format_for(m.handler, m.is_fc_model, version) is not None for m in models)
    assert covered == len(models), [
        (m.handler, m.is_fc_model) for m in models if format_for(m.handler, m.is_fc_model, version) is None
    ]
    assert sum("error" in o for o in official) >= 50 and sum("decoded" in o for o in official) >= 100


def test_formats_offered_by_the_command_line_are_the_runners():
    from toolgrad_eval.bfcl.runner import FORMATS
    from toolgrad_eval.cli.evaluate import BFCL_FORMATS

    assert sorted(BFCL_FORMATS) == sorted(FORMATS)


def test_a_registry_family_scores_its_own_output_shapes(tmp_path):
    """A Llama 3.1 FC run whose parallel calls are comma-separated objects with Python literals: read
    by the family decoder from the conventions alone (no --format), and the run record says so."""
    import shutil

    from toolgrad_eval.bfcl.runner import run_bfcl

    demo = Path(__file__).resolve().parents[2] / "benchmarks" / "demo" / "bfcl-synthetic"
    run = tmp_path / "run"
    shutil.copytree(demo / "data", run / "data")
    folder = run / "result" / "meta-llama_Llama-3.1-8B-Instruct-FC" / "non_live"
    folder.mkdir(parents=True)
    questions = [json.loads(line) for line in (run / "data" / "BFCL_v4_simple_python.json").read_text().splitlines()]
    answers = [
        json.loads(line)
        for line in (run / "data" / "possible_answer" / "BFCL_v4_simple_python.json").read_text().splitlines()
    ]
    lines = []
    for question, answer in zip(questions, answers):
        ((name, params),) = answer["ground_truth"][0].items()
        arguments = {k: v[0] for k, v in params.items() if v and v[0] != ""}
        text = json.dumps({"name": name, "parameters": arguments}).replace("true", "True").replace("false", "False")
        lines.append(json.dumps({"id": question["id"], "result": text}))
    (folder / "BFCL_v4_simple_python_result.json").write_text("\n".join(lines) + "\n")
    echoed: list[str] = []
    summary = run_bfcl(
        run, "meta-llama_Llama-3.1-8B-Instruct-FC", tmp_path / "out", bfcl_data=run / "data", echo=echoed.append
    )
    assert summary["formats"]["simple_python"] == "llama-3.1"
    assert summary["conventions"]["handler"] == "LlamaHandler_3_1" and summary["conventions"]["source"] == "registry"
    assert summary["conventions"]["family"] == "llama-3.1"
    assert summary["categories"]["simple_python"]["correct_count"] == len(lines)
    assert any(line.startswith("Conventions: meta-llama/Llama-3.1-8B-Instruct-FC from the registry") for line in echoed)
    # The score file says how it was scored, after the official totals.
    score_file = tmp_path / "out" / summary["categories"]["simple_python"]["score_file"]
    head = json.loads(score_file.read_text().splitlines()[0])
    assert list(head)[:3] == ["accuracy", "correct_count", "total_count"]
    assert head["scored_with"]["decoding"] == "llama-3.1"
    assert head["scored_with"]["conventions"]["registry_model"] == "meta-llama/Llama-3.1-8B-Instruct-FC"


def test_a_registry_handler_not_reproduced_yet_is_said_once_in_the_record(tmp_path, monkeypatch):
    """Every handler of the shipped registries is reproduced; a later release's new handler would not
    be (its table says family null; stood in for here by FunctionGemma's entry without its family):
    one warning line, and the generic decoders."""
    import dataclasses
    import shutil

    from toolgrad_eval.bfcl import conventions
    from toolgrad_eval.bfcl.runner import run_bfcl

    shipped = conventions.load_table
    monkeypatch.setattr(
        conventions,
        "load_table",
        lambda release: {
            key: dataclasses.replace(entry, family=None) if entry.handler == "FunctionGemmaHandler" else entry
            for key, entry in shipped(release).items()
        },
    )
    demo = Path(__file__).resolve().parents[2] / "benchmarks" / "demo" / "bfcl-synthetic"
    run = tmp_path / "run"
    shutil.copytree(demo, run)
    folder = "google_functiongemma-270m-it-FC"
    (run / "result" / "demo-gemma-3-4b").rename(run / "result" / folder)
    summary = run_bfcl(run, folder, tmp_path / "out", bfcl_data=run / "data", echo=lambda _l: None)
    assert summary["conventions"]["handler"] == "FunctionGemmaHandler" and summary["conventions"]["family"] is None
    said = [w for w in summary["warnings"] if "does not reproduce yet" in w]
    assert len(said) == 1 and said[0].startswith(
        "FunctionGemmaHandler in function-calling mode (google/functiongemma-270m-it-FC)"
    )


class _CountingText(str):
    """Text that counts the characters its ``find`` scans (work, not time)."""

    scanned = 0

    def find(self, sub, start=0, *rest):  # type: ignore[override]
        found = super().find(sub, start, *rest)
        _CountingText.scanned += (found if found >= 0 else len(self)) - start
        return found


@pytest.mark.parametrize(
    "family, tag, closing",
    [
        ("qwen-fc", "<tool_call>\n", "\n</tool_call>"),
        ("nemotron", "<TOOLCALL>", "</TOOLCALL>"),
        ("json", "<tool_call>", "</tool_call>"),
        ("json", "<TOOLCALL>", "</TOOLCALL>"),
        ("functiongemma", "<start_function_call>", "<end_function_call>"),
    ],
)
@pytest.mark.parametrize("closed", [False, True])
def test_tags_are_found_in_one_pass_whatever_the_output(family, tag, closing, closed):
    """A text of 40,000+ unclosed (or empty closed) tags: the tag search scans each character at most
    twice (the lazy regular expression it replaces scanned to the end once per tag: ~10**10 steps)."""
    unit = tag + ("\n" + closing if closed else "")
    text = _CountingText(unit * (900_000 // len(unit)))
    _CountingText.scanned = 0
    try:
        decode(text, family, version="v4")
    except DecodeError:
        pass
    assert 0 < _CountingText.scanned <= 2 * len(text)


@pytest.mark.parametrize("family", sorted(set(FORMATS) - {"auto"}))
def test_every_family_gives_hostile_outputs_a_verdict(family):
    """Each hostile output (power towers, deep nesting, shared references, ...), bare and in the
    tags family decoders look inside, ends as a failed entry: never a hang, a crash or a huge value."""
    from bfcl.hostile import hostile_outputs

    from toolgrad_eval.bfcl.match import check_entry

    question = {
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
    for case in hostile_outputs():
        calls = case.result[1:-1]
        for text in (
            case.result,
            f"<TOOLCALL>{case.result}</TOOLCALL>",
            f"<|tool_call_start|>{calls}<|tool_call_end|>",
            f"```tool_code\n{calls}\n```",
            f"<start_function_call>call:f{{a:{calls}}}<end_function_call>",
        ):
            verdict = check_entry(case.category, question, [{"f": {"a": ["ok"]}}], text, fmt=family)
            assert not verdict.valid, (family, case.name)


def test_functiongemma_nesting_is_bounded():
    deep = "<start_function_call>call:f{a:" + "[" * 100_000 + "<end_function_call>"
    with pytest.raises(DecodeError, match="nested too deeply"):
        decode(deep, "functiongemma")
    assert decode("<start_function_call>call:f{a:" + "[" * 400 + "<end_function_call>", "functiongemma")
