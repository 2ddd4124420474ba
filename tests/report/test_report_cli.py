"""``toolgrad-eval report``: options, one call into the library, where the site is."""

from __future__ import annotations

from pathlib import Path

from toolgrad_eval.cli.main import main


def test_report_command_writes_the_site(demo_runs: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "reports" / "demo"
    code = main(
        [
            "report",
            "--runs",
            str(demo_runs),
            "--out",
            str(out),
            "--match",
            "demo-gemma-3-4b=Gemma-3 12B",
            "--include-synthetic",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert f"Report: {out / 'index.html'}" in printed and "8 run record(s) (8 synthetic)" in printed
    html = (out / "index.html").read_text(encoding="utf-8")
    # The explicit match wins over models.json: demo-gemma-3-4b now sits under Gemma-3 12B.
    twelve = html.split('data-group="gemma-3-12b"')[1].split("</tbody>")[0]
    assert "demo-gemma-3-4b" in twelve


def test_default_runs_folder_and_default_out(demo_runs: Path, monkeypatch, capsys) -> None:
    workdir = demo_runs.parent
    (demo_runs).rename(workdir / "toolgrad-eval-out")
    monkeypatch.chdir(workdir)
    assert main(["report"]) == 0
    assert (workdir / "reports" / "leaderboard" / "index.html").is_file()


def test_user_errors_are_one_line(tmp_path: Path, capsys) -> None:
    assert main(["report", "--runs", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "runs folder not found" in err and "missing" in err
    (tmp_path / "runs").mkdir()
    assert main(["report", "--runs", str(tmp_path / "runs"), "--match", "x=no-such-model"]) == 2
    assert "no reported model 'no-such-model'" in capsys.readouterr().err
    assert main(["report", "--runs", str(tmp_path / "runs"), "--match", "oops"]) == 2
    assert "expected REPRODUCED=REPORTED" in capsys.readouterr().err
