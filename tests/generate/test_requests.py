"""Our requests are the official generator's: function notes, tools, and (prompt mode) the official
system prompt read from bfcl-eval as data. Checked entry by entry against bfcl-eval's own functions."""

from __future__ import annotations

import json
import random

import pytest

from bfcl import oracle
from generate.official_requests import official_requests
from toolgrad_eval.bfcl.categories import SINGLE_TURN, native_name
from toolgrad_eval.bfcl.data import BfclData
from toolgrad_eval.generate import prompt as prompts
from toolgrad_eval.generate.functions import to_tools, with_language_notes
from toolgrad_eval.generate.request import RequestOptions, build_body


@pytest.mark.parametrize("version", ["v4", "v3"])
def test_tools_and_prompted_messages_equal_the_official_ones(version):
    data_dir = oracle.or_skip(lambda: oracle.data_dir(version))
    data = BfclData(data_dir, version, "test")
    found = prompts.find_official(version, data_dir, None)
    assert found is not None, "the official prompt file sits beside the data in the bfcl_eval package"
    official_prompt = prompts.official_prompt(found, version)
    rng = random.Random(7)
    entries = []
    for category in SINGLE_TURN:
        rows = data.entries(category)
        for entry in rng.sample(rows, min(25, len(rows))):
            entries.append(
                {
                    "id": entry.id,
                    "category": category,
                    "native": native_name(version, category),
                    "question": entry.question["question"],
                    "function": entry.question["function"],
                }
            )
    expected = oracle.or_skip(lambda: official_requests(version, entries))
    fc = RequestOptions("m", "fc", 0.001, None, None)
    prompted = RequestOptions("m", "prompt", 0.001, None, official_prompt)
    differ = []
    for entry, official in zip(entries, expected):
        question = {"question": entry["question"], "function": entry["function"]}
        tools = build_body(question, entry["category"], fc).get("tools", [])
        messages = build_body(question, entry["category"], prompted)["messages"]
        if tools != official["tools"] or messages != official["messages"]:
            differ.append(entry["id"])
    assert len(entries) > 250 and not differ, differ[:10]


def test_the_official_prompt_is_read_not_run(tmp_path):
    hostile = tmp_path / "default_prompts.py"
    marker = tmp_path / "ran"
    hostile.write_text(
        f"open({str(marker)!r}, 'w').write('x')\nDEFAULT_SYSTEM_PROMPT = 'Call one of {{functions}}.'\n"
        "DEFAULT_SYSTEM_PROMPT = DEFAULT_SYSTEM_PROMPT + ' Thanks.'\n"
    )
    prompt = prompts.official_prompt(hostile, "v3")
    assert not marker.exists()
    assert prompt.render([{"name": "f"}]) == "Call one of [{'name': 'f'}]. Thanks."
    broken = tmp_path / "broken" / "default_prompts.py"
    broken.parent.mkdir()
    broken.write_text("DEFAULT_SYSTEM_PROMPT = make_prompt()\n")
    with pytest.raises(prompts.ConfigError, match="not the BFCL v3 prompt layout"):
        prompts.official_prompt(broken, "v3")


def test_own_and_file_prompts_record_what_was_used(tmp_path):
    ours = prompts.our_prompt()
    assert ours.source == "toolgrad" and "{functions}" not in ours.render([{"name": "f"}])
    custom = tmp_path / "p.txt"
    custom.write_text("Tools: {functions}\nUse {them} well.")
    from_file = prompts.from_file(custom)
    assert from_file.render([{"name": "f"}]) == 'Tools: [\n    {\n        "name": "f"\n    }\n]\nUse {them} well.'
    assert from_file.sha256 != ours.sha256 and from_file.as_dict()["origin"] == str(custom)
    custom.write_text("No slot here.")
    assert prompts.from_file(custom).render([]).startswith("No slot here.\n\n[]")


def test_types_map_to_json_schema_at_every_depth_and_dots_become_underscores():
    functions = [
        {
            "name": "math.stats.mean",
            "description": "d",
            "parameters": {
                "type": "dict",
                "properties": {
                    "x": {"type": "float", "description": "a float"},
                    "rows": {
                        "type": "array",
                        "description": "",
                        "items": {"type": "array", "items": {"type": "array", "items": {"type": "tuple"}}},
                    },
                    "opts": {
                        "type": "dict",
                        "description": "",
                        "properties": {"k": {"type": "any", "description": ""}},
                    },
                    "other": {"type": "HashMap", "description": ""},
                    "weird": {"type": "Set", "description": ""},
                },
            },
        }
    ]
    tool = to_tools(with_language_notes(functions, "simple_python"))[0]["function"]
    assert tool["name"] == "math_stats_mean" and tool["parameters"]["type"] == "object"
    props = tool["parameters"]["properties"]
    assert props["x"] == {"type": "number", "format": "float", "description": "a float This is a float type value."}
    assert json.dumps(props["rows"]).count('"array"') == 4 and '"tuple"' not in json.dumps(props["rows"])
    assert props["opts"]["type"] == "object" and props["opts"]["properties"]["k"]["type"] == "string"
    assert props["other"]["type"] == "object" and props["weird"]["type"] == "string"
    assert tool["description"].endswith("Python 3 syntax.")
    assert functions[0]["name"] == "math.stats.mean"  # the data is never changed
    java = with_language_notes(
        [
            {
                "name": "f",
                "description": "",
                "parameters": {
                    "type": "dict",
                    "properties": {"n": {"type": "ArrayList", "description": "ns.", "items": {"type": "integer"}}},
                },
            }
        ],
        "simple_java",
    )
    assert java[0]["parameters"]["properties"]["n"] == {
        "type": "string",
        "description": "ns. This is Java ArrayList type parameter in string representation. "
        "The list elements are of type integer; they are not in string representation.",
    }


def test_a_schema_nested_without_end_is_refused_as_one_entry():
    spec: dict = {"type": "array", "description": ""}
    node = spec
    for _ in range(200):
        node["items"] = {"type": "array"}
        node = node["items"]
    question = {
        "question": [[{"role": "user", "content": "q"}]],
        "function": [{"name": "f", "description": "", "parameters": {"type": "dict", "properties": {"a": spec}}}],
    }
    with pytest.raises(ValueError, match="nested deeper"):
        build_body(question, "simple_python", RequestOptions("m", "fc", 0.0, None, None))


def test_fetch_keeps_the_prompt_file_and_generate_uses_it(tmp_path, model_env):
    import zipfile

    from generate.questions import DEMO_DATA, unique_questions
    from support.fake_model import FakeModel
    from toolgrad_eval.bfcl.fetch import unpack_data
    from toolgrad_eval.generate.runner import GenerateOptions, generate
    from toolgrad_eval.generate.settings import read_settings

    data = unique_questions(DEMO_DATA, tmp_path / "src", categories=("simple_python",))
    wheel = tmp_path / "bfcl_eval-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path in data.rglob("*.json"):
            archive.write(path, f"bfcl_eval/data/{path.relative_to(data).as_posix()}")
        archive.writestr(
            "bfcl_eval/constants/default_prompts.py",
            "PREFIX = 'Functions you may call:'\nDEFAULT_SYSTEM_PROMPT = PREFIX + ' {functions}'\n",
        )
        archive.writestr("bfcl_eval/constants/other.py", "x = 1\n")
    target = tmp_path / "unpacked"
    unpack_data(wheel, target, "v4")
    assert (target / "default_prompts.py").is_file() and not (target / "other.py").exists()
    assert prompts.find_official("v4", target, None) == target / "default_prompts.py"
    (target / "default_prompts.py").write_text(
        "_T = '{persona}|{task}|{tool_call_format}|{multiturn_behavior}|{available_tools}'\n"
        "PROMPT_TEMPLATE_MAPPING = {'plaintext': _T}\n"
        "PROMPT_STYLE_TEMPLATES = {'classic': {'persona': 'P', 'task': 'T', 'tool_call_no_tag': 'F={output_format}{param_types}',"
        " 'tool_call_with_tag': '', 'multiturn_behavior': 'M', 'available_tools': '{format}:{functions}'}}\n"
        "OUTPUT_FORMAT_MAPPING = {'python': '[f(x)]'}\nPARAM_TYPE_MAPPING = {'python': ''}\n"
        "DEFAULT_SYSTEM_PROMPT_FORMAT = 'ret_fmt=python&tool_call_tag=False&func_doc_fmt=json&prompt_fmt=plaintext&style=classic'\n"
    )
    with FakeModel(target, every=0) as server:
        generate(
            GenerateOptions(
                model="m",
                dataset=model_env / "run",
                mode="prompt",
                categories=("simple_python",),
                base_urls=(server.base_url,),
                bfcl_data=target,
            ),
            echo=lambda *_: None,
        )
        system = server.requests[0]["json"]["messages"][0]["content"]
    assert system.startswith("P|T|F=[f(x)]|M|json:[\n    {")
    settings = read_settings(model_env / "run" / "result" / "m")
    assert settings.system_prompt.source == "official"
    assert settings.system_prompt.sha256 == prompts.official_prompt(target / "default_prompts.py", "v4").sha256
