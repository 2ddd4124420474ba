"""``toolgrad-eval demo`` where it cannot write: one line before anything is scored."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from support.permissions import cannot_write, file_permissions_apply

from toolgrad_eval.cli.main import main


@pytest.mark.parametrize("option", ["--runs", "--out"])
def test_demo_that_cannot_write_is_one_line_and_writes_nothing(option, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("a-file").write_text("in the way")
    assert main(["demo", option, "a-file/sub"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Error: a-file/sub") and option in err[0], err
    assert sorted(os.listdir(tmp_path)) == (["a-file"] if option == "--runs" else ["a-file", "toolgrad-eval-demo"])


def test_demo_in_a_read_only_folder_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    tmp_path.chmod(0o555)
    try:
        with file_permissions_apply():
            assert cannot_write(tmp_path)
            assert main(["demo"]) == 2
    finally:
        tmp_path.chmod(0o755)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "toolgrad-eval-demo: cannot write" in err[0], err


def test_the_demo_stays_out_of_a_report_of_your_runs(tmp_path, monkeypatch, capsys):
    from report.records import write_toolgrad5k_run

    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    assert sorted(Path("toolgrad-eval-demo").glob("*/*/summary.json"))  # the demo's records, in their own tree
    write_toolgrad5k_run(Path("toolgrad-eval-out"), "my-model", synthetic=False)
    capsys.readouterr()
    assert main(["report"]) == 0  # the defaults: toolgrad-eval-out -> reports/leaderboard
    assert "1 run record(s) (0 synthetic)" in capsys.readouterr().out
    board = Path("reports/leaderboard/leaderboard.md").read_text(encoding="utf-8")
    assert "my-model" in board and "demo-" not in board and "synthetic" not in board.lower()
    # demo records copied among your runs are left out too, with a note, unless asked for
    shutil.copytree("toolgrad-eval-demo", "toolgrad-eval-out/demo")
    assert main(["report"]) == 0
    printed = capsys.readouterr()
    assert "1 run record(s) (0 synthetic)" in printed.out
    assert "run record(s) of SYNTHETIC demo data left out (pass --include-synthetic" in printed.err
    assert "demo-" not in Path("reports/leaderboard/leaderboard.md").read_text(encoding="utf-8")
    assert main(["report", "--include-synthetic"]) == 0
    assert "(10 synthetic)" in capsys.readouterr().out
