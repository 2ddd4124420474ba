"""``toolgrad-eval demo`` where it cannot write: one line before anything is scored."""

from __future__ import annotations

import os
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
    assert sorted(os.listdir(tmp_path)) == (["a-file"] if option == "--runs" else ["a-file", "toolgrad-eval-out"])


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
    assert len(err) == 1 and "toolgrad-eval-out/demo: cannot write" in err[0], err
