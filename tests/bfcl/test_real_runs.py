"""Real published BFCL runs of many model families, scored as a user would, agree with the official verdicts.

Each folder of ``tests/bfcl/real_runs/`` is a trimmed copy of a run published in a public repository
(``PROVENANCE.md`` says which, at which commit), whose published score files the era-matched official
checker was shown to reproduce (``official_rescore.py``). The test runs the real command line,
``toolgrad-eval --pred_model MODEL --dataset RUN --bfcl-data DIR [--bfcl-handler REGISTRY_MODEL]``,
on the fixture and compares every kept entry's verdict (passed, or failed with the same
``error_type``) with the published one.

A run of a family we do not decode like the official handler yet is listed in ``NOT_YET`` with the
reason; it is an expected failure (strict), so the change that fixes it shows as XPASS and must
remove it from the list.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bfcl.test_conformance import data_cache, era_data  # noqa: F401 - the era-matched data fixtures, shared

from toolgrad_eval.bfcl.categories import to_v4
from toolgrad_eval.record_schema import validate_record

pytestmark = pytest.mark.slow  # real runs through the official checker

REAL_RUNS = Path(__file__).resolve().parent / "real_runs"
FIXTURE_BUDGET_BYTES = 6 * 1024 * 1024

# run name -> why toolgrad-eval's verdicts differ from the official ones on it.
NOT_YET: dict[str, str] = {}

RUNS = sorted(p.parent.name for p in REAL_RUNS.glob("*/run.json"))


def _facts(run: str) -> dict[str, Any]:
    return json.loads((REAL_RUNS / run / "run.json").read_text(encoding="utf-8"))


def _ids(path: Path) -> list[str]:
    return [json.loads(x)["id"] for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def published_verdicts(run: str) -> dict[str, str]:
    """id -> published error_type ("passed" when the id is kept but not listed) for every kept id."""
    facts = _facts(run)
    model_dir = REAL_RUNS / run / "result" / facts["folder"]
    verdicts = {i: "passed" for path in model_dir.rglob("BFCL_*_result.json") for i in _ids(path)}
    for path in (REAL_RUNS / run / "score" / facts["folder"]).rglob("BFCL_*_score.json"):
        for text in path.read_text(encoding="utf-8").splitlines()[1:]:
            line = json.loads(text)
            verdicts[line["id"]] = line["error_type"]
    return verdicts


def score_with_cli(run: str, data: Path, tmp_path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Run the command line on the fixture; return (summary, id -> our error_type of failed ids)."""
    facts = _facts(run)
    command = [
        sys.executable,
        "-m",
        "toolgrad_eval",
        "--pred_model",
        facts["folder"],
        "--dataset",
        str(REAL_RUNS / run),
        "--bfcl-data",
        str(data),
        "--output",
        str(tmp_path / "out"),
        "--score-dir",
        str(tmp_path / "score"),
    ]
    if facts["handler_model"]:
        command += ["--bfcl-handler", facts["handler_model"]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    validate_record(tmp_path / "out")  # the published run-record schema holds on real runs
    failed = {}
    for info in summary["categories"].values():
        for text in (tmp_path / "out" / info["score_file"]).read_text(encoding="utf-8").splitlines()[1:]:
            line = json.loads(text)
            failed[line["id"]] = line["error_type"]
    return summary, failed


def _case(run: str) -> Any:
    if run in NOT_YET:
        return pytest.param(run, marks=pytest.mark.xfail(strict=True, reason=NOT_YET[run]))
    return run


@pytest.mark.parametrize("run", [_case(r) for r in RUNS] or ["real-runs-missing"])
def test_real_run_verdicts_match_official(run: str, era_data, tmp_path: Path, record_property) -> None:  # noqa: F811
    facts = _facts(run)
    summary, ours = score_with_cli(run, era_data(facts["version"]), tmp_path)
    published = published_verdicts(run)
    # Ids of the published categories that the fixture leaves out count as missing in our score
    # files; only the kept ids are compared.
    differing = sorted(
        (i, want, ours.get(i, "passed")) for i, want in published.items() if ours.get(i, "passed") != want
    )
    agree = len(published) - len(differing)
    record_property("agreement", f"{agree}/{len(published)}")
    print(f"{run}: {agree} of {len(published)} kept entries agree with the official verdicts")
    assert summary["conventions"], "the run record must say which conventions scored the run"
    categories = sorted({to_v4(facts["version"], i.rsplit("_", 1)[0]) for i, _, _ in differing})
    assert not differing, (
        f"{len(differing)} of {len(published)} entries differ, in {categories} (id, official, ours): {differing[:15]}"
    )


def test_fixtures_are_complete_and_small() -> None:
    """Every fixture has its provenance and facts, a score file per result file, score lines only
    for kept ids, and all of them together stay within the CI budget."""
    assert RUNS, "no real-run fixtures found"
    total = sum(p.stat().st_size for p in REAL_RUNS.rglob("*") if p.is_file())
    assert total <= FIXTURE_BUDGET_BYTES, f"real-run fixtures take {total} bytes, more than {FIXTURE_BUDGET_BYTES}"
    for run in RUNS:
        facts = _facts(run)
        assert (REAL_RUNS / run / "PROVENANCE.md").is_file(), run
        assert facts["official_reproduced"] is True, f"{run}: the official checker did not reproduce its score files"
        results = sorted((REAL_RUNS / run / "result" / facts["folder"]).rglob("BFCL_*_result.json"))
        assert results, run
        for result in results:
            score = Path(
                str(result)
                .replace(f"{os.sep}result{os.sep}", f"{os.sep}score{os.sep}", 1)
                .replace("_result.json", "_score.json")
            )
            lines = [json.loads(x) for x in score.read_text(encoding="utf-8").splitlines()]
            kept = set(_ids(result))
            assert lines[0]["total_count"] == len(kept), score
            assert lines[0]["correct_count"] == len(kept) - len(lines) + 1, score
            assert {line["id"] for line in lines[1:]} <= kept, score
