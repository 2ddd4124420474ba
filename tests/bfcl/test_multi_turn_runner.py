"""A multi-turn result file goes through the whole BFCL command path: score file, run record."""

from __future__ import annotations

import json
from pathlib import Path

from bfcl import oracle
from toolgrad_eval.bfcl.runner import run_bfcl


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
    summary = run_bfcl(tmp_path / "run", "some-model", tmp_path / "out", bfcl_data=data, fmt="python")
    category = summary["categories"]["multi_turn_base"]
    assert category["total_count"] == 200  # every question is an entry; 180 have no result line
    assert summary["error_types"]["multi_turn:force_terminated"] == 5
    assert summary["error_types"]["toolgrad:missing_result"] == 180
    score_file = tmp_path / "run" / "score" / "some-model" / "multi_turn" / "BFCL_v4_multi_turn_base_score.json"
    head, *failed = [json.loads(x) for x in score_file.read_text().splitlines()]
    assert head["correct_count"] == category["correct_count"] == 200 - len(failed)
    rows = [json.loads(x) for x in (tmp_path / "out" / "per_sample.jsonl").read_text().splitlines()]
    assert sum(r["valid"] for r in rows) == category["correct_count"]
