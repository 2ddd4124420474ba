"""Real published multi-turn runs: our verdicts and error types equal the official score files'.

The runs are trimmed copies in tests/bfcl/real_runs/ (each folder's PROVENANCE.md says where from and
how they were trimmed; ``TOOLGRAD_BFCL_REAL`` names another folder of runs, e.g. a whole copy);
each is scored through the whole command path (``run_bfcl``) on the bfcl-eval 2026.3.23 data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bfcl import oracle
from toolgrad_eval.bfcl.runner import run_bfcl

REPO = Path(__file__).resolve().parents[2]
REAL = Path(os.environ.get("TOOLGRAD_BFCL_REAL") or Path(__file__).parent / "real_runs")
RUNS = {"v4-gpt-oss-120b-mt": "openai_gpt-oss-120b"}
# Entries whose error details (not verdicts) differ from the published lines, and why.
DETAIL_DIFFERENCES = {
    "multi_turn_miss_func_20": "the model called exec(cmd=[...]): the official checker ran Python's exec "
    "(a TypeError); we refuse it",
    "multi_turn_miss_param_47": "a float's last digit (4.853406592853679 there, ...68 here): the publisher's "
    "Python/mpmath",
}


@pytest.mark.parametrize(("run", "model"), sorted(RUNS.items()))
def test_multi_turn_verdicts_match_published_score_files(run: str, model: str, tmp_path: Path) -> None:
    data = oracle.or_skip(lambda: oracle.data_dir("v4"))
    summary = run_bfcl(REAL / run, model, tmp_path / "out", bfcl_data=data, score_dir=tmp_path / "score")
    assert not summary["warnings"]
    published = sorted((REAL / run / "score" / model).rglob("*_score.json"))
    assert len(published) == len(summary["categories"]) == 3
    for path in published:
        head, *failed = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
        category = path.name[len("BFCL_v4_") : -len("_score.json")]
        ours_file = tmp_path / "out" / summary["categories"][category]["score_file"]
        our_head, *our_failed = [json.loads(x) for x in ours_file.read_text(encoding="utf-8").splitlines()]
        # A trimmed copy holds some of the 200 entries: the others are missing results (failures) for
        # us; the kept entries' verdicts are compared, the passing ones by count.
        result = REAL / run / "result" / model / "multi_turn" / path.name.replace("_score.json", "_result.json")
        kept = {json.loads(x)["id"] for x in result.read_text(encoding="utf-8").splitlines() if x.strip()}
        assert len(kept) == head["total_count"] and our_head["total_count"] == 200
        our_failed = [x for x in our_failed if x["id"] in kept]
        assert len(kept) - len(our_failed) == head["correct_count"]
        theirs = {x["id"]: x["error"]["error_type"] for x in failed}
        ours = {x["id"]: x["error"]["error_type"] for x in our_failed}
        assert ours == theirs, category
        assert {x["id"]: x["model_result_decoded"] for x in our_failed if "model_result_decoded" in x} == {
            x["id"]: x["model_result_decoded"] for x in failed if "model_result_decoded" in x
        }
        # The error dicts (messages, execution results, state differences) too, but for known causes.
        ours_errors = {x["id"]: x["error"] for x in our_failed}
        differing = {x["id"] for x in failed if x["error"] != ours_errors[x["id"]]}
        assert differing <= DETAIL_DIFFERENCES.keys(), sorted(differing - DETAIL_DIFFERENCES.keys())
