"""Broken files, broken environments and hostile names, generated from the shipped demo data
(nothing large is stored). Each case is one whole command with the outcome it must have: exit
status 2 with one line naming what is wrong, or exit status 0 with the problem recorded and
warned about. Used by tests/test_broken_inputs.py (in-process) and scripts/bench_hostile.py (real
command line, time and peak memory).

    for case in broken_inputs(scratch):   # run each with the current folder at ``scratch``
        main(case.argv) == case.exit and case.expect in stderr
"""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "benchmarks" / "demo"
BFCL_MODEL = "demo-toolgrad-12b"
TG_MODEL = "demo-gemma-3-4b"  # every sample carries a stored verdict: no judge is needed
NON_LIVE = Path("result") / BFCL_MODEL / "non_live"


@dataclass(frozen=True)
class BrokenCase:
    name: str
    what: str
    argv: list[str]
    exit: int  # 2: one line on stderr naming the problem; 0: the run goes on and says so
    expect: str  # found in that line (exit 2), or in what the command printed (exit 0)
    must_not_exist: tuple[str, ...] = ()  # paths (relative to the scratch folder) never written


def _bfcl(scratch: Path, name: str) -> str:
    shutil.copytree(DEMO / "bfcl-synthetic", scratch / name)
    return name


def _tg(scratch: Path, name: str) -> str:
    shutil.copytree(DEMO / "toolgrad5k-synthetic", scratch / name)
    return name


def _bfcl_argv(run: str, *extra: str, model: str = BFCL_MODEL) -> list[str]:
    return ["--pred_model", model, "--dataset", run, "--score-dir", f"{run}-score", *extra]


def broken_inputs(scratch: Path) -> list[BrokenCase]:
    """Build every case's files under ``scratch``; argv paths are relative to it."""
    cases: list[BrokenCase] = []
    Path(scratch / "a-file").write_text("in the way\n")

    run = _bfcl(scratch, "bfcl-traversal")
    cases.append(
        BrokenCase(
            "bfcl-model-name-traversal",
            "--pred_model ../escape on a BFCL run",
            _bfcl_argv(run, "--output", "rec-traversal", model="../escape"),
            2,
            "'../escape' holds a path separator",
            ("escape", "bfcl-traversal-score", "rec-traversal"),
        )
    )
    run = _tg(scratch, "tg-traversal")
    cases.append(
        BrokenCase(
            "tg-model-name-traversal",
            "--pred_model ../escape on ToolGrad-5k",
            ["--pred_model", "../escape", "--dataset", run],
            2,
            "'../escape' holds a path separator",
            ("escape", "toolgrad-eval-out"),
        )
    )
    run = _bfcl(scratch, "bfcl-output-file")
    cases.append(
        BrokenCase(
            "bfcl-output-at-a-file",
            "BFCL --output naming an existing file",
            _bfcl_argv(run, "--output", "a-file"),
            2,
            "a-file: is a file",
        )
    )
    cases.append(
        BrokenCase(
            "bfcl-output-under-a-file",
            "BFCL --output below an existing file",
            _bfcl_argv(run, "--output", "a-file/rec"),
            2,
            "a-file/rec: cannot write",
        )
    )
    cases.append(
        BrokenCase(
            "report-out-under-a-file",
            "report --out below an existing file",
            ["report", "--runs", "bfcl-output-file", "--out", "a-file/site"],
            2,
            "a-file/site: cannot write",
        )
    )
    cases.append(
        BrokenCase(
            "demo-runs-under-a-file",
            "demo --runs below an existing file",
            ["demo", "--runs", "a-file/runs", "--out", "demo-site"],
            2,
            "a-file/runs: cannot write",
            ("demo-site",),
        )
    )
    cases.append(
        BrokenCase(
            "bfcl-data-cache-under-a-file",
            "bfcl-data fetch --cache-dir below an existing file",
            ["bfcl-data", "fetch", "v4", "--cache-dir", "a-file/data"],
            2,
            "a-file/data: cannot write",
        )
    )

    run = _bfcl(scratch, "bfcl-near-miss")
    folder = scratch / run / NON_LIVE
    (folder / "BFCL_v4_simple_python_result.json").rename(folder / "BFCL_v4_simple_python_results.json")
    (folder / "BFCL_v4_multiple_result.json").rename(folder / "BFCL_v4_multiple_result.jsonl")
    cases.append(
        BrokenCase(
            "bfcl-near-miss-file-names",
            "result files named ..._results.json and .jsonl",
            _bfcl_argv(run, "--output", "rec-near-miss"),
            0,
            "no BFCL_v4_simple_python_result.json, BFCL_v4_multiple_result.json",
        )
    )
    run = _bfcl(scratch, "bfcl-stray-version")
    shutil.copy(
        scratch / run / NON_LIVE / "BFCL_v4_multiple_result.json",
        scratch / run / NON_LIVE / "BFCL_v3_multiple_result.json",
    )
    cases.append(
        BrokenCase(
            "bfcl-stray-version-file",
            "one BFCL_v3 file among v4 files",
            _bfcl_argv(run, "--output", "rec-stray"),
            2,
            "v3 1 file: non_live/BFCL_v3_multiple_result.json",
        )
    )
    run = _bfcl(scratch, "bfcl-unreadable")
    (scratch / run / NON_LIVE / "BFCL_v4_parallel_result.json").write_bytes(b"\x00\xff\xfe not a result file" * 1000)
    cases.append(
        BrokenCase(
            "bfcl-wholly-unreadable-result",
            "a result file of binary junk: the category scores 0",
            _bfcl_argv(run, "--output", "rec-unreadable"),
            0,
            "all 6 entries counted as failed",
        )
    )
    run = _bfcl(scratch, "bfcl-no-answers")
    shutil.rmtree(scratch / run / "data" / "possible_answer")
    cases.append(
        BrokenCase(
            "bfcl-missing-possible-answer",
            "data/possible_answer/ removed: categories N/A, the answers named",
            _bfcl_argv(run, "--output", "rec-no-answers"),
            0,
            "no simple_python answers (bfcl-no-answers/data/possible_answer/BFCL_v4_simple_python.json not found)",
        )
    )
    run = _bfcl(scratch, "bfcl-bad-json")
    (scratch / run / "data" / "BFCL_v4_simple_python.json").write_text('{"id": "simple_python_0", "question": [}\n')
    cases.append(
        BrokenCase(
            "bfcl-malformed-data-json",
            "a data file line that is not JSON",
            _bfcl_argv(run, "--output", "rec-bad-json"),
            2,
            "BFCL_v4_simple_python.json",
        )
    )

    run = _tg(scratch, "tg-missing-data")
    data = sorted((scratch / run / "data").glob("*.json"))
    data[0].unlink()
    data[1].write_text("{broken")
    metadata = sorted((scratch / run).glob("sft_data/*/metadata/*.json"))
    metadata[-1].unlink()
    cases.append(
        BrokenCase(
            "tg-stored-verdicts-missing-data",
            "stored verdicts beside missing/broken data and metadata",
            ["--pred_model", TG_MODEL, "--dataset", run, "--output", "rec-tg-missing", "--cache-dir", "tg-cache"],
            0,
            "3 input errors",
        )
    )  # each named on stderr, recorded per sample
    run = _tg(scratch, "tg-cache-unusable")
    (scratch / "cache-is-odd" / "cache.db").mkdir(parents=True)
    cases.append(
        BrokenCase(
            "tg-unusable-cache-no-judging",
            "a cache folder sqlite cannot open, every verdict stored",
            ["--pred_model", TG_MODEL, "--dataset", run, "--output", "rec-tg-cache", "--cache-dir", "cache-is-odd"],
            0,
            "no sample needed the judge, so the run went on",
        )
    )

    cases.append(_damaged_summary_case(scratch))
    return cases


def _damaged_summary_case(scratch: Path) -> BrokenCase:
    """Two BFCL run records under one --runs folder, one of them with a truncated summary.json."""
    from toolgrad_eval.cli.main import main

    for model in ("m-good", "m-damaged"):
        source = scratch / f"bfcl-{model}"
        shutil.copytree(DEMO / "bfcl-synthetic", source)
        (source / "result" / BFCL_MODEL).rename(source / "result" / model)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main(
                [
                    "--pred_model",
                    model,
                    "--dataset",
                    str(source),
                    "--output",
                    str(scratch / "report-runs" / model),
                    "--score-dir",
                    str(scratch / f"score-{model}"),
                ]
            )
        assert code == 0, f"building the {model} record failed"
    summary = scratch / "report-runs" / "m-damaged" / "summary.json"
    summary.write_text(summary.read_text()[:200])
    return BrokenCase(
        "report-one-damaged-summary",
        "a runs folder where one summary.json is truncated",
        ["report", "--runs", "report-runs", "--out", "site-damaged", "--include-synthetic"],
        0,
        "summary.json",
    )
