"""A multi-turn result file goes through the whole BFCL command path: score file, run record."""

from __future__ import annotations

import csv
import json
from functools import partial
from pathlib import Path

from bfcl import oracle
from toolgrad_eval.bfcl.many import run_bfcl_models
from toolgrad_eval.bfcl.runner import run_bfcl
from toolgrad_eval.diff.bfcl import diff_bfcl
from toolgrad_eval.leaderboard.runs import load_run


def test_multi_turn_run_scores_and_records(tmp_path: Path) -> None:
    data = oracle.or_skip(lambda: oracle.data_dir("v4"))
    folder = tmp_path / "run" / "result" / "some-model" / "multi_turn"
    folder.mkdir(parents=True)
    lines = []
    answers = (data / "possible_answer" / "BFCL_v4_multi_turn_base.json").read_text().splitlines()[:20]
    for i, line in enumerate(answers):
        truth = json.loads(line)
        turns = [["[" + ", ".join(t) + "]"] if t else [] for t in truth["ground_truth"]]
        lines.append(json.dumps({"id": truth["id"], "result": turns[:-1] if i % 4 == 0 else turns}))
    (folder / "BFCL_v4_multi_turn_base_result.json").write_text("\n".join(lines) + "\n")
    printed: list[str] = []
    summary = run_bfcl(
        tmp_path / "run", "some-model", tmp_path / "out", bfcl_data=data, fmt="python", echo=printed.append
    )
    category = summary["categories"]["multi_turn_base"]
    table_row = f"| multi_turn_base | {category['accuracy'] * 100:.2f} | {category['correct_count']}/200 |"
    assert any(table_row in " ".join(text.split()) for text in printed)
    assert category["total_count"] == 200  # every question is an entry; 180 have no result line
    assert summary["error_types"]["multi_turn:force_terminated"] == 5
    assert summary["error_types"]["toolgrad:missing_result"] == 180
    score_file = tmp_path / "run" / "score" / "some-model" / "multi_turn" / "BFCL_v4_multi_turn_base_score.json"
    head, *failed = [json.loads(x) for x in score_file.read_text().splitlines()]
    assert head["correct_count"] == category["correct_count"] == 200 - len(failed)
    rows = [json.loads(x) for x in (tmp_path / "out" / "per_sample.jsonl").read_text().splitlines()]
    assert sum(r["valid"] for r in rows) == category["correct_count"]
    rows = list(csv.reader((tmp_path / "run" / "score" / "data_multi_turn.csv").read_text().splitlines()))
    accuracy = category["correct_count"] / 200
    assert rows == [
        ["Rank", "Model", "Multi Turn Overall Acc", "Base", "Miss Func", "Miss Param", "Long Context"],
        ["1", "some-model", f"{accuracy / 4 * 100:.2f}%", f"{accuracy * 100:.2f}%", "N/A", "N/A", "N/A"],
    ]


def _run(tmp_path: Path, name: str, data: Path, cut: set[int]) -> Path:
    folder = tmp_path / name / "result" / "m" / "multi_turn"
    folder.mkdir(parents=True)
    answers = (data / "possible_answer" / "BFCL_v4_multi_turn_miss_param.json").read_text().splitlines()
    lines = []
    for i, line in enumerate(answers):
        truth = json.loads(line)
        turns = [["[" + ", ".join(t) + "]"] if t else [] for t in truth["ground_truth"]]
        lines.append(json.dumps({"id": truth["id"], "result": turns[:-1] if i in cut else turns}))
    (folder / "BFCL_v4_multi_turn_miss_param_result.json").write_text("\n".join(lines) + "\n")
    run_bfcl(tmp_path / name, "m", tmp_path / f"{name}-out", bfcl_data=data, fmt="python", echo=lambda _m: None)
    return tmp_path / f"{name}-out" / "summary.json"


def test_diff_flips_multi_turn_entries(tmp_path: Path) -> None:
    data = oracle.or_skip(lambda: oracle.data_dir("v4"))
    run_a, _ = load_run(_run(tmp_path, "a", data, {0, 1}))
    run_b, _ = load_run(_run(tmp_path, "b", data, {1, 2}))
    assert run_a is not None and run_b is not None
    diff = diff_bfcl(run_a, run_b)
    (category,) = [c for c in diff.categories if c.category == "multi_turn_miss_param"]
    assert category.n_paired == 200
    flips = {e.id: (e.direction, e.error_type_a, e.error_type_b) for e in diff.flipped}
    # Entry 0 is cut in a only, entry 2 in b only; entry 1 fails in both (no flip). Whole answers in
    # prompt form pass unless they hold positional arguments (dropped by the prompting decoder).
    assert flips and set(flips) <= {"multi_turn_miss_param_0", "multi_turn_miss_param_2"}
    assert flips.get("multi_turn_miss_param_0", ("fail_to_pass", "multi_turn:force_terminated", None)) == (
        "fail_to_pass",
        "multi_turn:force_terminated",
        None,
    )
    assert flips.get("multi_turn_miss_param_2", ("pass_to_fail", None, "multi_turn:force_terminated")) == (
        "pass_to_fail",
        None,
        "multi_turn:force_terminated",
    )


def test_several_models_in_one_run_score_multi_turn_like_separate_runs(tmp_path: Path) -> None:
    data = oracle.or_skip(lambda: oracle.data_dir("v4"))
    answers = (data / "possible_answer" / "BFCL_v4_multi_turn_base.json").read_text().splitlines()[:30]
    models = ["m-a", "m-b", "m-c"]
    for k, model in enumerate(models):
        folder = tmp_path / "run" / "result" / model / "multi_turn"
        folder.mkdir(parents=True)
        lines = []
        for i, line in enumerate(answers):
            truth = json.loads(line)
            turns = [["[" + ", ".join(t) + "]"] if t else [] for t in truth["ground_truth"]]
            lines.append(json.dumps({"id": truth["id"], "result": turns[:-1] if i % 3 == k else turns}))
        (folder / "BFCL_v4_multi_turn_base_result.json").write_text("\n".join(lines) + "\n")
    rows = {}
    for workers in (1, 3):  # 3: the middle model in a forked worker, which forks its own checkers
        score = partial(run_bfcl, tmp_path / "run", bfcl_data=data, fmt="python", score_dir=tmp_path / f"s{workers}")
        runs = run_bfcl_models(
            models, lambda m, w=workers: tmp_path / f"o{w}" / m, score, echo=lambda _: None, workers=workers
        )
        assert runs.failed == {}
        rows[workers] = {m: (tmp_path / f"o{workers}" / m / "per_sample.jsonl").read_text() for m in models}
    assert rows[1] == rows[3]
    for model in models:
        failed = [json.loads(x) for x in rows[1][model].splitlines() if not json.loads(x)["valid"]]
        assert {"multi_turn:force_terminated"} <= {r["error_type"] for r in failed}


def test_fetch_unpacks_the_simulator_sources_beside_the_data(tmp_path: Path) -> None:
    import zipfile

    from toolgrad_eval.bfcl import fetch
    from toolgrad_eval.bfcl.multi_turn.simulators import simulator_dir

    wheel = tmp_path / "w.whl"
    members = {
        "bfcl_eval/data/BFCL_v4_multi_turn_base.json": "{}",
        "bfcl_eval/eval_checker/multi_turn_eval/func_source_code/gorilla_file_system.py": "# sim",
        "bfcl_eval/eval_checker/multi_turn_eval/func_source_code/notes.txt": "not a module",
        "bfcl_eval/eval_checker/multi_turn_eval/multi_turn_utils.py": "# the eval-ing checker: never unpacked",
    }
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    target = tmp_path / "v4"
    assert fetch.unpack_data(wheel, target, "v4") == 2
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()) == [
        "BFCL_v4_multi_turn_base.json",
        "func_source_code/gorilla_file_system.py",
    ]
    assert simulator_dir(target, "v4") == target / "func_source_code"
