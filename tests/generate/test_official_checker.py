"""Generated result files read by BFCL's official checker give the verdicts our scorer gives.

Real BFCL data (v4 and v3, the first entries of several categories), answered by the fake model
with scripted mistakes, in FC and prompt mode; each generated line goes to the official checker
(tests/bfcl/oracle.py) decoded as the official OpenAI handler in that mode decodes it, and the
verdict must equal the one in our run record. Skipped locally when bfcl-eval cannot be downloaded.
"""

from __future__ import annotations

import json

import pytest

from bfcl import oracle
from generate.questions import unique_questions
from support.fake_model import FakeModel
from toolgrad_eval.bfcl.categories import native_name, to_v4
from toolgrad_eval.bfcl.runner import run_bfcl
from toolgrad_eval.generate.runner import GenerateOptions, generate

pytestmark = pytest.mark.slow  # generated files through the official checker

CATEGORIES = (
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "live_simple",
    "live_multiple",
    "live_relevance",
    "live_irrelevance",
)


@pytest.mark.parametrize("version", ["v4", "v3"])
@pytest.mark.parametrize("mode", ["fc", "prompt"])
def test_official_checker_agrees_on_generated_files(model_env, tmp_path, version, mode):
    categories = CATEGORIES + (("simple_java", "simple_javascript") if mode == "fc" else ())
    native = tuple(native_name(version, c) for c in categories)
    data = unique_questions(
        oracle.or_skip(lambda: oracle.data_dir(version)),
        tmp_path / "data",
        categories=native,
        version=version,
        limit=40,
    )
    with FakeModel(data, every=4) as server:
        generate(
            GenerateOptions(
                model="m",
                dataset=model_env / "run",
                mode=mode,
                categories=categories,
                version=version,
                base_urls=(server.base_url,),
                bfcl_data=data,
                num_process=4,
            ),
            echo=lambda *_: None,
        )
    run_bfcl(model_env / "run", "m", model_env / "out", bfcl_data=data, echo=lambda *_: None)
    ours = {
        row["id"]: row for row in map(json.loads, (model_env / "out" / "per_sample.jsonl").read_text().splitlines())
    }

    cases = []
    for path in sorted((model_env / "run" / "result" / "m").rglob(f"BFCL_{version}_*_result.json")):
        category = path.name[len(f"BFCL_{version}_") : -len("_result.json")]
        questions = {
            q["id"]: q for q in map(json.loads, (data / f"BFCL_{version}_{category}.json").read_text().splitlines())
        }
        answers_file = data / "possible_answer" / f"BFCL_{version}_{category}.json"
        answers = (
            {a["id"]: a["ground_truth"] for a in map(json.loads, answers_file.read_text().splitlines())}
            if answers_file.exists()
            else {}
        )
        for line in path.read_text().splitlines():
            row = json.loads(line)
            cases.append(
                {
                    "category": category,
                    "question": questions[row["id"]],
                    "answer": answers.get(row["id"]),
                    "result": row["result"],
                    "fmt": "fc" if mode == "fc" else "python",
                }
            )
    official = oracle.or_skip(lambda: oracle.official_verdicts(version, cases))
    differ = []
    for case, verdict in zip(cases, official):
        mine = ours[case["question"]["id"]]
        if (mine["valid"], mine["error_type"]) != (verdict.get("valid"), verdict.get("error_type")):
            differ.append((case["question"]["id"], verdict, mine["valid"], mine["error_type"]))
    assert len(cases) == len(ours) > 300
    assert not differ, differ[:10]
    valid = sum(v.get("valid", False) for v in official)
    assert len(cases) * 0.5 < valid < len(cases) * 0.95  # the fake's mistakes are there, and most answers right
    assert {to_v4(version, c["category"]) for c in cases} == set(categories)
