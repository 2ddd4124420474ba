"""The corpus of broken files, environments and hostile names (tests/support/broken_inputs.py),
each through the whole command in-process: exit status 2 with exactly one line naming the problem
and nothing written, or exit status 0 with the problem said and the run done."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.permissions import cannot_write, file_permissions_apply
from support.broken_inputs import BrokenCase, broken_inputs

from toolgrad_eval.cli.main import main


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, BrokenCase]]:
    scratch = tmp_path_factory.mktemp("broken")
    return scratch, {case.name: case for case in broken_inputs(scratch)}


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


NAMES = [
    "bfcl-model-name-traversal",
    "tg-model-name-traversal",
    "bfcl-output-at-a-file",
    "bfcl-output-under-a-file",
    "report-out-under-a-file",
    "demo-runs-under-a-file",
    "bfcl-data-cache-under-a-file",
    "bfcl-near-miss-file-names",
    "bfcl-stray-version-file",
    "bfcl-wholly-unreadable-result",
    "bfcl-missing-possible-answer",
    "bfcl-malformed-data-json",
    "tg-stored-verdicts-missing-data",
    "tg-unusable-cache-no-judging",
    "report-one-damaged-summary",
]


def _summary(scratch: Path, record: str) -> dict:
    return json.loads((scratch / record / "summary.json").read_text())


# What the finished runs must hold beyond their message: the official 0 (not N/A), the input
# errors counted, the damaged record skipped and the rest of the report built.
RECORDED = {
    "bfcl-wholly-unreadable-result": lambda s: (
        _summary(s, "rec-unreadable")["categories"]["parallel"]["accuracy"] == 0.0
        and _summary(s, "rec-unreadable")["categories"]["parallel"]["total_count"] == 6
    ),
    "bfcl-near-miss-file-names": lambda s: "simple_python" not in _summary(s, "rec-near-miss")["categories"],
    "tg-stored-verdicts-missing-data": lambda s: _summary(s, "rec-tg-missing")["n_input_errors"] == 3,
    "report-one-damaged-summary": lambda s: (
        "m-good" in (s / "site-damaged" / "index.html").read_text()
        and "m-damaged" not in (s / "site-damaged" / "leaderboard.md").read_text()
    ),
}


def test_the_corpus_is_the_list_tested(corpus):
    assert sorted(corpus[1]) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_broken_input_is_one_line_or_a_run_that_goes_on(name, corpus, monkeypatch, capsys):
    scratch, cases = corpus
    case = cases[name]
    monkeypatch.chdir(scratch)
    before = _files(scratch)
    capsys.readouterr()
    assert main(case.argv) == case.exit
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if case.exit == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and case.expect in lines[0], lines
        assert _files(scratch) == before, "a refused command wrote files"
    else:
        assert case.expect in out + err
        assert _files(scratch) > before, "the run wrote nothing"
        assert all(p.resolve().is_relative_to(scratch.resolve()) for p in _files(scratch) - before)
    if name in RECORDED:
        assert RECORDED[name](scratch)
    for path in case.must_not_exist:
        assert not (scratch / path).exists() and not (scratch.parent / path).exists(), path


@pytest.mark.parametrize("command", ["bfcl", "toolgrad5k", "report", "score-dir"])
def test_every_command_that_writes_says_a_read_only_folder_in_one_line(command, corpus, tmp_path, monkeypatch, capsys):
    scratch, _ = corpus
    monkeypatch.chdir(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    argv = {
        "bfcl": [
            "--pred_model",
            "demo-toolgrad-12b",
            "--dataset",
            str(scratch / "bfcl-output-file"),
            "--score-dir",
            "score",
            "--output",
            "locked/rec",
        ],
        "score-dir": [
            "--pred_model",
            "demo-toolgrad-12b",
            "--dataset",
            str(scratch / "bfcl-output-file"),
            "--score-dir",
            "locked/score",
            "--output",
            "rec",
        ],
        "toolgrad5k": [
            "--pred_model",
            "demo-gemma-3-4b",
            "--dataset",
            str(scratch / "tg-traversal"),
            "--cache-dir",
            "cache",
            "--output",
            "locked/rec",
        ],
        "report": ["report", "--runs", str(scratch / "report-runs"), "--out", "locked/site"],
    }[command]
    locked.chmod(0o555)
    try:
        with file_permissions_apply():
            assert cannot_write(locked)
            assert main(argv) == 2
    finally:
        locked.chmod(0o755)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: locked/") and "cannot write" in lines[0], lines
    assert list(locked.iterdir()) == []
