"""A mistyped command is one line with the command it was probably meant to be, not evaluate's
complaint about an option it never saw."""

from __future__ import annotations

import pytest

from toolgrad_eval.cli.main import main


@pytest.mark.parametrize(("typed", "meant"), [("reprot", "report"), ("dif", "diff"), ("evalute", "evaluate")])
def test_a_mistyped_command_gets_did_you_mean(typed, meant, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main([typed, "--out", "site"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"no command {typed!r}; did you mean {meant!r}?" in err[0]
    assert list(tmp_path.iterdir()) == []  # nothing ran


def test_an_unknown_word_lists_the_commands(capsys):
    assert main(["zzzzzz"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "commands: baselines, bfcl-data, cache, demo, diff, evaluate" in err[0]


def test_options_alone_still_run_evaluate(capsys, tmp_path):
    assert main(["--pred_model", "m", "--dataset", str(tmp_path / "none")]) == 2
    assert "dataset folder not found" in capsys.readouterr().err
