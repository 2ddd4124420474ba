"""Agentic scoring and the Overall against the official ``bfcl evaluate`` (bfcl-eval 2026.3.23).

Fabricated agentic runs (every error type, prompt and function-calling readers, the
``agentic/`` and ``agentic/memory/<backend>/`` layouts with prerequisite files beside them) are
scored by the official evaluation, run as a whole in its own interpreter (:mod:`agentic_oracle`),
and by ours; score-file headers, every failed id with its error type, ``data_agentic.csv`` and
``data_overall.csv`` must agree. When ../shared/bfcl-real is present, the prompting model also
carries a real run's 13 single-turn result files, so the Overall is checked with every part but
multi-turn filled in.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from agentic_oracle import official_evaluate  # noqa: E402
from oracle import data_dir, or_skip  # noqa: E402

from toolgrad_eval.bfcl.categories import AGENTIC  # noqa: E402
from toolgrad_eval.bfcl.runner import run_bfcl  # noqa: E402

REAL = Path(os.environ.get("TOOLGRAD_BFCL_REAL") or Path(__file__).resolve().parents[2].parent / "shared" / "bfcl-real")
REAL_GEMMA = REAL / "v4-gemma-3-4b-it"
PROMPT_MODEL = "google_gemma-3-4b-it"  # GemmaHandler, prompt mode
FC_MODEL = "gpt-4o-2024-11-20-FC"  # OpenAI, function calling: [{name: "<JSON arguments>"}]
QWEN_MODEL = "Qwen_Qwen3-8B-FC"  # QwenFCHandler: <tool_call> blocks of JSON in the text
MODELS = {PROMPT_MODEL: "prompt", FC_MODEL: "openai", QWEN_MODEL: "qwen"}

CALL_TEXT = "search_engine_query(keywords='tea', max_results=3)"
CALL_FC = [{"search_engine_query": '{"keywords": "tea", "max_results": 3}'}]
QWEN_TEXT_ARGUMENTS = (
    '<tool_call>\n{"name": "search_engine_query", "arguments": "{\\"keywords\\": \\"tea\\"}"}\n</tool_call>'
)
CALL_QWEN = '<tool_call>\n{"name": "search_engine_query", "arguments": {"keywords": "tea"}}\n</tool_call>'


def _cases(style: str) -> list[Callable[[str], Any]]:
    """Ways to answer one entry, given its first expected answer: the raw ``result`` values."""
    call: Any = {"prompt": CALL_TEXT, "openai": CALL_FC, "qwen": CALL_QWEN}[style]
    text_call_like = "search_engine_query(keywords='tea'"  # unbalanced: decodes to no call
    return [
        lambda a: [[call, f"{{'answer': '{a}', 'context': 'found it'}}"]],  # passes
        lambda a: [[call, call, f"FINAL: {a.upper()}."]],  # passes: case and punctuation ignored
        lambda a: [["I do not know"]],  # answer_not_found
        lambda a: [[call]],  # no_last_message: calls only
        lambda a: [[f"It is {a}", ""]],  # no_last_message: the last reply is empty
        lambda a: [[call], [f"It is {a}"]],  # inference_error: two turns
        lambda a: f"It is {a}",  # inference_error: not a list
        lambda a: [f"It is {a}"],  # a turn given as one string: its last character is the reply
        lambda a: [[call, [f"{a} it is"]]],  # a reply given as a list: its first item
        lambda a: [[call, {"answer": a}]],  # a reply that is not a string: as Python's str shows it
        lambda a: [[f"It is {a}zzq"]],  # answer glued to a word: no whole-word match
        lambda a: [[f"It is {a}", call]],  # a call after the reply: the reply still counts
        lambda a: [[f"{a}", text_call_like]],  # a call that fails to decode is the last reply
        lambda a: [[f"It is {a}", 0]],  # the last non-call step is 0: falsy, no_last_message
        lambda a: [["[]"]],  # decodes to an empty list: a reply, without the answer
        lambda a: [[call, [{"search_engine_query": "{not json"}]]],  # FC arguments not JSON: a reply
        # Each character the normalisation drops, inside the answer: found only once it is dropped.
        *(lambda a, c=c: [[f"It is {a[:1]}{c}{a[1:]}!"]] for c in ",./-_*^()"),
        lambda a: [[f"It is {a}".replace("'", '"')]],  # ' and " read alike
        # Steps BFCL's decode_execute reads otherwise than decode_ast does (the agentic loop uses the former):
        lambda a: [[QWEN_TEXT_ARGUMENTS]],  # Qwen arguments as JSON text: a call (execute), not a reply
        lambda a: [["search_engine_query(filters={})"]],  # an empty dict argument: no call (execute), a reply
        lambda a: [[f"It is {a}", [{"search_engine_query": "[1, 2]"}]]],  # FC arguments a JSON list: a reply
    ]


def _answers(category: str) -> list[dict[str, Any]]:
    source = "web_search" if category.startswith("web_search") else "memory"
    path = data_dir("v4") / "possible_answer" / f"BFCL_v4_{source}.json"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write_agentic(model_dir: Path, style: str) -> None:
    cases = _cases(style)
    for number, category in enumerate(AGENTIC):
        source = "web_search" if category.startswith("web_search") else "memory"
        folder = model_dir / "agentic"
        if source == "memory":
            folder = folder / "memory" / category[len("memory_") :]
            folder.mkdir(parents=True, exist_ok=True)
            # A prerequisite conversation and a memory snapshot beside the results: never scored.
            (folder / f"BFCL_v4_{category}_prereq_result.json").write_text(
                json.dumps({"id": f"{category}_prereq_0-customer-0", "result": [["My name is Michael."]]}) + "\n"
            )
            (folder / "memory_snapshot").mkdir(exist_ok=True)
            (folder / "memory_snapshot" / "customer_final.json").write_text("{}")
        folder.mkdir(parents=True, exist_ok=True)
        lines = []
        for index, answer in enumerate(_answers(category)):
            make = cases[(index + number) % len(cases)]
            line = {"id": answer["id"].replace(source, category), "result": make(answer["ground_truth"][0])}
            if style == "prompt":  # BFCL times every step; a 0 is a step it did not time
                line["latency"] = [[round(0.5 + index / 100, 2), 0], [1.25]]
            lines.append(json.dumps(line))
        (folder / f"BFCL_v4_{category}_result.json").write_text("\n".join(lines) + "\n")


def _failures(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    head = {k: lines[0][k] for k in ("accuracy", "correct_count", "total_count")}
    return head, {line["id"]: line["error"]["error_type"] for line in lines[1:]}


def _csv_numbers(path: Path, skip: set[str]) -> list[tuple[str, ...]]:
    """Each row's cells, less the columns in ``skip`` (names, links, cost) and the rank (two models
    with the same Overall may rank either way), sorted."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    keep = [i for i, name in enumerate(rows[0]) if name not in skip and name != "Rank"]
    return sorted(tuple(row[i] for i in keep) for row in rows[1:])


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("agentic-run")
    result = root / "run" / "result"
    if REAL_GEMMA.is_dir():
        shutil.copytree(REAL_GEMMA / "result" / PROMPT_MODEL, result / PROMPT_MODEL)
    for model, style in MODELS.items():
        _write_agentic(result / model, style)
    official = root / "official-score"
    categories = [*AGENTIC]
    if REAL_GEMMA.is_dir():
        categories += [p.name[len("BFCL_v4_") : -len("_result.json")] for p in REAL_GEMMA.rglob("*_result.json")]
    or_skip(lambda: official_evaluate(result, official, list(MODELS), categories))
    ours = root / "run" / "score"
    # The CSVs are written by the model scored last, which alone has its latencies (the others' come
    # from their score files, which hold none): the model with real latencies goes last.
    for model in (FC_MODEL, QWEN_MODEL, PROMPT_MODEL):
        run_bfcl(root / "run", model, root / f"record-{model}", bfcl_data=data_dir("v4"), echo=lambda _: None)
    return official, ours


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("category", AGENTIC)
def test_agentic_verdicts_match_the_official_evaluation(both: tuple[Path, Path], model: str, category: str) -> None:
    official, ours = both
    rel = Path("agentic")
    if category.startswith("memory_"):
        rel = rel / "memory" / category[len("memory_") :]
    name = f"BFCL_v4_{category}_score.json"
    official_head, official_failed = _failures(official / model / rel / name)
    our_head, our_failed = _failures(ours / model / rel / name)
    assert our_head == official_head
    assert our_failed == official_failed
    # The fabricated cases reach every official error type, and some entries pass.
    assert set(official_failed.values()) == {
        "agentic:inference_error",
        "agentic:no_last_message",
        "agentic:answer_not_found",
    }
    assert 0 < official_head["correct_count"] < official_head["total_count"]


def test_no_prerequisite_score_files(both: tuple[Path, Path]) -> None:
    official, ours = both
    assert not list(official.rglob("*prereq*")) and not list(ours.rglob("*prereq*"))


def test_agentic_csv_matches_the_official_one(both: tuple[Path, Path]) -> None:
    official, ours = both
    assert _csv_numbers(ours / "data_agentic.csv", {"Model"}) == _csv_numbers(official / "data_agentic.csv", {"Model"})


def test_overall_csv_matches_the_official_one(both: tuple[Path, Path]) -> None:
    """Overall, every sub-score and the latency statistics, for both models, as the official CSV has
    them (model names, links, cost, organisation and licence come from BFCL's registry; not ours)."""
    official, ours = both
    skip = {"Model", "Model Link", "Total Cost ($)", "Organization", "License"}
    ours_rows = _csv_numbers(ours / "data_overall.csv", skip)
    assert ours_rows == _csv_numbers(official / "data_overall.csv", skip)
    assert len(ours_rows) == len(MODELS)
