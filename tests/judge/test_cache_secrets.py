"""A ``--cache-url`` password, however it is written (``user:pass@``, ``?password=``, keyword conninfo
``password=...``), never reaches a terminal line, a run record's ``command``, a report page or an error."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from support.postgres import PASSWORD, USER, binaries, throwaway_server
from toolgrad_eval.cli.main import main
from toolgrad_eval.conninfo import redact_conninfo
from toolgrad_eval.demo import demo_root
from toolgrad_eval.record import redacted_command

SECRET = "hunter2-" + "x7Qz9"


@pytest.mark.parametrize(
    "argv",
    [
        ["toolgrad-eval", "--cache-url", f"postgresql://u:{SECRET}@db/evals"],
        ["toolgrad-eval", f"--cache-url=postgresql://u@db/evals?sslmode=require&password={SECRET}"],
        ["toolgrad-eval", "--cache-url", f"host=db user=u password={SECRET} dbname=evals"],
        ["toolgrad-eval", "--cache-url", f"host=db password = '{SECRET} with space' dbname=evals"],
    ],
)
def test_the_recorded_command_hides_every_form_of_password(argv) -> None:
    command = redacted_command(argv)
    assert SECRET not in command and "***" in command
    assert "evals" in command  # the rest of the URL stays readable


def test_redaction_keeps_other_text() -> None:
    assert redact_conninfo("password authentication failed for user u") == "password authentication failed for user u"
    assert redact_conninfo("host=db password=") == "host=db password=***"


def test_a_keyword_conninfo_is_refused_without_echoing_it(tmp_path: Path, capsys) -> None:
    code = main(
        ["cache", "export", str(tmp_path / "x.jsonl"), "--cache-url", f"host=127.0.0.1 user=u password={SECRET}"]
    )
    err = capsys.readouterr().err
    assert code == 2 and "not a postgresql:// URL" in err and SECRET not in err and len(err.strip().splitlines()) == 1


def test_an_unreachable_server_with_a_query_password_is_one_line_without_it(tmp_path: Path, capsys) -> None:
    url = f"postgresql://u@127.0.0.1:1/db?password={SECRET}"  # nothing listens on port 1
    code = main(["cache", "export", str(tmp_path / "x.jsonl"), "--cache-url", url])
    captured = capsys.readouterr()
    assert code == 2 and SECRET not in captured.out + captured.err
    assert "cannot use this PostgreSQL server" in captured.err and "password=***" in captured.err


@pytest.mark.skipif(binaries() is None and os.environ.get("CI") != "true", reason="PostgreSQL is not installed")
def test_a_real_run_with_a_query_password_leaks_it_nowhere(tmp_path: Path, monkeypatch, capsys) -> None:
    server = throwaway_server()
    try:
        base = server.new_database()  # postgresql://USER:PASSWORD@127.0.0.1:port/name
        url = base.replace(f"{USER}:{PASSWORD}@", f"{USER}@") + f"?password={PASSWORD}"
        monkeypatch.chdir(tmp_path)
        run = tmp_path / "toolgrad-eval-out" / "toolgrad5k" / "demo-toolgrad-12b"
        dataset = demo_root() / "toolgrad5k-synthetic"
        argv = [
            "--pred_model",
            "demo-toolgrad-12b",
            "--dataset",
            str(dataset),
            "--output",
            str(run),
            "--cache-url",
            url,
        ]
        monkeypatch.setattr(sys, "argv", ["toolgrad-eval", *argv])  # what the record's command is made from
        assert main(argv) == 0
        code = main(["cache", "export", "verdicts.jsonl", "--cache-url", url])
        assert code == 0
        code = main(["report", "--include-synthetic", "--out", "site"])
        assert code == 0
        printed = capsys.readouterr()
        assert "password=***" in printed.out  # the export names the cache, without the password
        command = json.loads((run / "summary.json").read_text(encoding="utf-8"))["command"]
        assert "--cache-url" in command and "password=***" in command
        written = [p.read_text(encoding="utf-8", errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
        assert written and not any(PASSWORD in text for text in written)
        pages = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*.html"))
        assert "password=***" in pages  # the model page shows the command, redacted
        assert PASSWORD not in printed.out + printed.err
    finally:
        server.stop()
